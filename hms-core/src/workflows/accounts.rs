//! Accounts: registration, staff, sign-in, profiles and user administration.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::audit::{AuditAction, AuditOutcome};
use crate::error::{Error, Result, Validator};
use crate::hospital::{Audit, Hospital};
use crate::ids::{EntityKind, UserId};
use crate::money::{Currency, Money};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Actor};
use crate::ports::{Tx, TxMode, UserFilter};
use crate::profile::{Doctor, Patient, PatientClinical};
use crate::user::{Password, PasswordHash, Role, User, verify_password};
use crate::values::{BloodGroup, Email, LicenseNumber, PersonName, Phone, Sex, label_list, optional_text, required_text};

/// A new account, as typed by a person or sent by a client.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    /// E-mail address (the login name).
    pub email: String,
    /// Password.
    pub password: String,
    /// Full name.
    pub full_name: String,
    /// Phone, optional.
    pub phone: Option<String>,
    /// The role asked for.
    pub role: Option<Role>,
    /// Doctor details (required for doctors).
    pub doctor: Option<DoctorDetails>,
    /// Patient details (optional for patients).
    pub patient: Option<PatientDetails>,
}

/// A doctor's profile details.
#[derive(Debug, Clone, Default)]
pub struct DoctorDetails {
    /// Specialization.
    pub specialization: String,
    /// License number.
    pub license_number: String,
    /// Years of experience.
    pub years_of_experience: u16,
    /// Consultation fee.
    pub consultation_fee: Decimal,
    /// Its currency (default: the hospital's).
    pub currency: Option<String>,
    /// Biography.
    pub bio: String,
}

/// A patient's profile details; every field may be left empty.
#[derive(Debug, Clone, Default)]
pub struct PatientDetails {
    /// Date of birth.
    pub date_of_birth: Option<NaiveDate>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Blood group.
    pub blood_group: Option<String>,
    /// Address.
    pub address: String,
    /// Emergency contact.
    pub emergency_contact: String,
    /// Allergies.
    pub allergies: Vec<String>,
    /// Known conditions.
    pub conditions: Vec<String>,
    /// Medical history.
    pub medical_history: String,
}

/// Changes to one's own account: no role field, so nobody can change their own role.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    /// New full name.
    pub full_name: Option<String>,
    /// New phone; `Some(None)` removes it.
    pub phone: Option<Option<String>>,
}

/// A registration parsed and checked, with its profile.
struct ParsedAccount {
    user: User,
    doctor: Option<Doctor>,
    patient: Option<Patient>,
}

pub(crate) fn parse_patient_details(
    v: &mut Validator,
    d: &PatientDetails,
    today: NaiveDate,
) -> Option<(Option<NaiveDate>, Sex, String, String, PatientClinical)> {
    if let Some(dob) = d.date_of_birth {
        v.ensure(dob <= today, "patient.date_of_birth", "must not be in the future");
        v.ensure(today.years_since(dob).is_none_or(|y| y <= 130), "patient.date_of_birth", "must be within 130 years");
    }
    let blood_group = match &d.blood_group {
        Some(b) if !b.trim().is_empty() => v.check("patient.blood_group", BloodGroup::parse(b)),
        _ => Some(BloodGroup::Unknown),
    };
    let address = v.check("patient.address", optional_text(&d.address, 500));
    let emergency = v.check("patient.emergency_contact", optional_text(&d.emergency_contact, 200));
    let allergies = v.check("patient.allergies", label_list(&d.allergies));
    let conditions = v.check("patient.conditions", label_list(&d.conditions));
    let history = v.check("patient.medical_history", optional_text(&d.medical_history, 20_000));
    Some((
        d.date_of_birth,
        d.sex.unwrap_or(Sex::Unknown),
        address?,
        emergency?,
        PatientClinical {
            blood_group: blood_group?,
            allergies: allergies?,
            conditions: conditions?,
            medical_history: history?,
            pregnancy_noted_on: None,
            egfr: None,
        },
    ))
}

impl Hospital {
    fn parse_account(&self, input: &Registration, role: Role, now: DateTime<Utc>) -> Result<ParsedAccount> {
        let mut v = Validator::new();
        let email = v.check("email", Email::parse(&input.email));
        let password = v.check("password", Password::new(&input.password, email.as_ref()));
        let full_name = v.check("full_name", PersonName::parse(&input.full_name));
        let phone = match input.phone.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => v.check("phone", Phone::parse(p)).map(Some),
            _ => Some(None),
        };
        let doctor = if role == Role::Doctor {
            match &input.doctor {
                None => {
                    v.push("doctor", "is required for a doctor");
                    None
                }
                Some(d) => {
                    let specialization = v.check("doctor.specialization", required_text(&d.specialization, 100));
                    let license = v.check("doctor.license_number", LicenseNumber::parse(&d.license_number));
                    v.ensure(d.years_of_experience <= 80, "doctor.years_of_experience", "must be at most 80");
                    let currency = match &d.currency {
                        Some(c) => v.check("doctor.currency", Currency::parse(c)),
                        None => Some(self.config.currency),
                    };
                    let fee = currency.and_then(|c| v.check("doctor.consultation_fee", Money::price(d.consultation_fee, c)));
                    let bio = v.check("doctor.bio", optional_text(&d.bio, 2000));
                    match (specialization, license, fee, bio) {
                        (Some(s), Some(l), Some(f), Some(b)) => Some((s, l, f, b, d.years_of_experience)),
                        _ => None,
                    }
                }
            }
        } else {
            None
        };
        let patient_details = input.patient.clone().unwrap_or_default();
        let patient = if role == Role::Patient { parse_patient_details(&mut v, &patient_details, now.date_naive()) } else { None };
        v.finish()?;
        let (email, password, full_name, phone) = (email.unwrap(), password.unwrap(), full_name.unwrap(), phone.unwrap());
        let hash = self.config.password_cost.hash(&password)?;
        let active = !(role == Role::Doctor && self.config.doctor_approval_required);
        let user = User {
            id: UserId::new(),
            email,
            full_name,
            phone,
            role,
            password_hash: hash,
            active,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let doctor = doctor.map(|(specialization, license_number, consultation_fee, bio, years)| Doctor {
            id: user.id.as_doctor(),
            full_name: user.full_name.clone(),
            email: user.email.clone(),
            active: user.active,
            specialization,
            license_number,
            years_of_experience: years,
            consultation_fee,
            bio,
            accepting_appointments: true,
            updated_at: now,
            version: 1,
        });
        let patient = patient.map(|(date_of_birth, sex, address, emergency_contact, clinical)| Patient {
            id: user.id.as_patient(),
            full_name: user.full_name.clone(),
            email: user.email.clone(),
            phone: user.phone.clone(),
            active: user.active,
            date_of_birth,
            sex,
            address,
            emergency_contact,
            clinical: Some(clinical),
            updated_at: now,
            version: 1,
        });
        Ok(ParsedAccount { user, doctor, patient })
    }

    async fn insert_account(&self, tx: &mut dyn Tx, account: &ParsedAccount) -> Result<()> {
        if tx.user_by_email(&account.user.email).await?.is_some() {
            return Err(Error::conflict("an account with this e-mail address already exists"));
        }
        tx.insert_user(&account.user).await?;
        if let Some(d) = &account.doctor {
            tx.insert_doctor(d).await?;
        }
        if let Some(p) = &account.patient {
            tx.insert_patient(p).await?;
        }
        Ok(())
    }

    async fn create_account(
        &self,
        actor: Option<&Actor>,
        input: &Registration,
        role: Role,
        operation: &'static str,
        now: DateTime<Utc>,
    ) -> Result<User> {
        let account = self.parse_account(input, role, now)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            self.insert_account(&mut *tx, &account).await?;
            let mut audit = Audit::new(AuditAction::Create, operation, EntityKind::User, account.user.id).detail(role.as_str());
            if role == Role::Patient {
                audit = audit.patient(account.user.id.as_patient());
            }
            self.audit(&mut *tx, actor, audit, now).await?;
            Ok(account.user.clone())
        }
        .await;
        self.finish(tx, actor, result, now).await
    }

    /// Public self-registration: only doctors and patients. A doctor waits for activation when the
    /// hospital requires approval.
    pub async fn register(&self, input: Registration, now: DateTime<Utc>) -> Result<User> {
        let role = input.role.ok_or_else(|| Error::invalid("role", "is required"))?;
        if !matches!(role, Role::Doctor | Role::Patient) {
            return Err(Error::invalid("role", "must be doctor or patient; other accounts are created by an admin"));
        }
        self.create_account(None, &input, role, "account.register", now).await
    }

    /// An admin creates a staff account (admin, doctor, nurse or receptionist).
    pub async fn create_staff(&self, actor: &Actor, input: Registration, now: DateTime<Utc>) -> Result<User> {
        self.guard(actor, Action::AdminUsers, EntityKind::User, now).await?;
        let role = input.role.ok_or_else(|| Error::invalid("role", "is required"))?;
        if role == Role::Patient {
            return Err(Error::invalid("role", "must be a staff role; patients are registered with register_patient"));
        }
        self.create_account(Some(actor), &input, role, "user.create_staff", now).await
    }

    /// The front desk (or an admin) registers a patient.
    pub async fn register_patient(&self, actor: &Actor, input: Registration, now: DateTime<Utc>) -> Result<User> {
        self.guard(actor, Action::RegisterPatient, EntityKind::Patient, now).await?;
        self.create_account(Some(actor), &input, Role::Patient, "patient.register", now).await
    }

    /// The bootstrap path for the first admin (the command line): trusted code only, never a public endpoint.
    pub async fn bootstrap_admin(&self, input: Registration, now: DateTime<Utc>) -> Result<User> {
        self.create_account(None, &input, Role::Admin, "account.bootstrap_admin", now).await
    }

    /// Signs in: the account for `email` if the password matches and the account is active. Failed
    /// attempts are audited and answer the same way whether or not the account exists.
    pub async fn login(&self, email: &str, password: &str, now: DateTime<Utc>) -> Result<User> {
        self.login_from(email, password, None, now).await
    }

    /// [`Hospital::login`] for a client at `address` (an IP address, as the adapter sees it).
    ///
    /// Failed attempts are counted per account and per address in the database; past the
    /// configured limits, attempts are refused with [`Error::Throttled`] before the password is
    /// even checked. The password hash is checked outside any transaction, so slow hashing never
    /// holds the database.
    ///
    /// An account with a second factor is refused here: it signs in with
    /// [`Hospital::begin_sign_in`] and [`Hospital::complete_sign_in`], or [`Hospital::login_actor`].
    pub async fn login_from(&self, email: &str, password: &str, address: Option<&str>, now: DateTime<Utc>) -> Result<User> {
        let user = self.check_password(email, password, address, now).await?;
        if self.has_second_factor(user.id).await? {
            return Err(Error::Unauthenticated("this account signs in with a second factor: give its code after the password".into()));
        }
        Ok(user)
    }

    /// The refusal to answer while the attempts counted under `account_key` (and `address_key`)
    /// within the window are at their limits, if they are.
    pub(crate) async fn over_limits(
        &self,
        tx: &mut dyn Tx,
        account_key: &str,
        address_key: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<Error>> {
        let since = now - self.config.login_window;
        let (by_account, oldest_account) = tx.login_failures(account_key, since).await?;
        let (by_address, oldest_address) = match address_key {
            Some(key) => tx.login_failures(key, since).await?,
            None => (0, None),
        };
        let mut blocked_since = None;
        if by_account >= u64::from(self.config.login_failures_per_account) {
            blocked_since = oldest_account;
        }
        if by_address >= u64::from(self.config.login_failures_per_address) {
            blocked_since = blocked_since.max(oldest_address);
        }
        Ok(blocked_since
            .map(|oldest| Error::Throttled { retry_after_secs: (oldest + self.config.login_window - now).num_seconds().max(1) as u64 }))
    }

    /// The password step shared by every way of signing in: throttled, audited, timed alike for
    /// accounts that exist and those that do not.
    pub(crate) async fn check_password(&self, email: &str, password: &str, address: Option<&str>, now: DateTime<Utc>) -> Result<User> {
        let refused = || Error::Unauthenticated("the e-mail address or password is wrong".into());
        let account_key = throttle_key("account", email);
        let address_key = address.map(|a| throttle_key("address", a));
        let since = now - self.config.login_window;

        let mut tx = self.begin(TxMode::Read).await?;
        let read = async {
            let throttled = self.over_limits(&mut *tx, &account_key, address_key.as_deref(), now).await?;
            let user = match Email::parse(email) {
                Ok(email) => tx.user_by_email(&email).await?,
                Err(_) => None,
            };
            Ok::<_, Error>((throttled, user))
        }
        .await;
        tx.rollback().await?;
        let (throttled, user) = read?;
        if let Some(e) = throttled {
            return Err(e);
        }

        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash) && u.active,
            None => {
                // Spend the same effort as a real check so that timing does not reveal which addresses exist.
                let _ = verify_password(password, &dummy_hash(self));
                false
            }
        };

        let actor = user.as_ref().map(|u| Actor::new(u.id, u.role));
        let (action, outcome) =
            if ok { (AuditAction::Login, AuditOutcome::Success) } else { (AuditAction::FailedLogin, AuditOutcome::Refused) };
        let mut audit = Audit::new(action, "account.login", EntityKind::User, user.as_ref().map(|u| u.id.to_string()).unwrap_or_default());
        if user.is_none() {
            audit.entity_id = None;
        }
        let mut tx = self.begin(TxMode::Write).await?;
        let write = async {
            self.audit_outcome(&mut *tx, actor.as_ref(), audit, outcome, now).await?;
            if ok {
                tx.clear_login_failures(&account_key).await?;
            } else {
                tx.record_login_failure(&account_key, now, since).await?;
                if let Some(key) = &address_key {
                    tx.record_login_failure(key, now, since).await?;
                }
            }
            Ok::<_, Error>(())
        }
        .await;
        match write {
            Ok(()) => tx.commit().await?,
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        }
        match user {
            Some(u) if ok => Ok(u),
            _ => Err(refused()),
        }
    }

    /// The actor for an authenticated user id: the account must exist and be active.
    pub async fn actor(&self, user_id: UserId) -> Result<Actor> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let user = tx.user(user_id).await?;
        tx.rollback().await?;
        match user {
            Some(u) if u.active => Ok(Actor::new(u.id, u.role)),
            _ => Err(Error::Unauthenticated("the account does not exist or is not active".into())),
        }
    }

    /// The actor's own account.
    pub async fn profile(&self, actor: &Actor) -> Result<User> {
        let mut tx = self.begin(TxMode::Statement).await?;
        let user = tx.user(actor.id()).await?;
        tx.rollback().await?;
        user.ok_or_else(|| Error::Unauthenticated("the account no longer exists".into()))
    }

    /// Edits the actor's own name and phone. The role is not an editable field. With `expected`,
    /// only while the account is at one of those versions.
    pub async fn update_profile(&self, actor: &Actor, update: ProfileUpdate, expected: Option<&[u32]>, now: DateTime<Utc>) -> Result<User> {
        crate::hospital::full_access(actor)?;
        let mut v = Validator::new();
        let name = update.full_name.as_deref().map(|n| v.check("full_name", PersonName::parse(n)));
        let phone = update.phone.as_ref().map(|p| match p.as_deref().map(str::trim) {
            Some(p) if !p.is_empty() => v.check("phone", Phone::parse(p)).map(Some),
            _ => Some(None),
        });
        v.finish()?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut user = tx.user(actor.id()).await?.ok_or_else(|| Error::Unauthenticated("the account no longer exists".into()))?;
            Error::expect_version(EntityKind::User, user.version, expected)?;
            if let Some(Some(n)) = name {
                user.full_name = n;
            }
            if let Some(Some(p)) = phone {
                user.phone = p;
            }
            user.touch(now);
            tx.update_user(&user).await?;
            self.audit(&mut *tx, Some(actor), Audit::new(AuditAction::Update, "account.update_profile", EntityKind::User, user.id), now)
                .await?;
            Ok(user)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Changes the actor's own password, after checking the current one. The account's other
    /// sessions end, unused reset links stop working, and the user is told by e-mail.
    pub async fn change_password(&self, actor: &Actor, current: &str, new: &str, now: DateTime<Utc>) -> Result<()> {
        crate::hospital::full_access(actor)?;
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut user = tx.user(actor.id()).await?.ok_or_else(|| Error::Unauthenticated("the account no longer exists".into()))?;
            if !verify_password(current, &user.password_hash) {
                return Err(Error::invalid("current_password", "is wrong"));
            }
            let password = Password::new(new, Some(&user.email)).map_err(|e| Error::Invalid(vec![e.under("new_password")]))?;
            user.password_hash = self.config.password_cost.hash(&password)?;
            user.touch(now);
            tx.update_user(&user).await?;
            let ended = self.password_changed(&mut *tx, &user, actor.session(), now).await?;
            let audit = Audit::new(AuditAction::Update, "account.change_password", EntityKind::User, user.id)
                .detail(format!("{ended} other sessions ended"));
            self.audit(&mut *tx, Some(actor), audit, now).await
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Lists accounts (admins).
    pub async fn list_users(&self, actor: &Actor, filter: UserFilter, page: PageRequest, now: DateTime<Utc>) -> Result<Page<User>> {
        self.guard(actor, Action::AdminUsers, EntityKind::User, now).await?;
        let mut tx = self.begin(TxMode::Statement).await?;
        let result = tx.list_users(&filter, page).await;
        self.finish(tx, Some(actor), result, now).await
    }

    /// Activates or deactivates an account (admins; never one's own). With `expected`, only while
    /// the account is at one of those versions.
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        user_id: UserId,
        active: bool,
        expected: Option<&[u32]>,
        now: DateTime<Utc>,
    ) -> Result<User> {
        self.guard(actor, Action::AdminUsers, EntityKind::User, now).await?;
        if user_id == actor.id() {
            return Err(Error::rule("active", "an admin cannot activate or deactivate their own account"));
        }
        let mut tx = self.begin(TxMode::Write).await?;
        let result = async {
            let mut user = tx.user(user_id).await?.ok_or(Error::not_found(EntityKind::User))?;
            Error::expect_version(EntityKind::User, user.version, expected)?;
            user.active = active;
            user.touch(now);
            tx.update_user(&user).await?;
            if !active {
                tx.revoke_sessions_of(user.id, now).await?;
            }
            let what = if active { "activated" } else { "deactivated" };
            self.audit(
                &mut *tx,
                Some(actor),
                Audit::new(AuditAction::Update, "user.set_active", EntityKind::User, user.id).detail(what),
                now,
            )
            .await?;
            self.notify(
                &mut *tx,
                user.id,
                &user.email,
                crate::notification::NotificationKind::AccountChanged,
                &format!("Your account was {what}"),
                now,
            )
            .await?;
            Ok(user)
        }
        .await;
        self.finish(tx, Some(actor), result, now).await
    }
}

pub(crate) fn dummy_hash(h: &Hospital) -> PasswordHash {
    static DUMMY: std::sync::OnceLock<PasswordHash> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let p = Password::new("not a real password at all", None).expect("a valid dummy password");
            h.config.password_cost.hash(&p).unwrap_or_default()
        })
        .clone()
}

/// The key failed sign-ins are counted under: the kind and the trimmed, lower-cased value, cut to
/// a bounded length so that a huge input cannot make a huge key.
pub(crate) fn throttle_key(kind: &str, value: &str) -> String {
    let value: String = value.trim().to_lowercase().chars().take(320).collect();
    format!("{kind}:{value}")
}
