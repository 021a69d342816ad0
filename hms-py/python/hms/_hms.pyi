"""Type stubs of the compiled module ``hms._hms``; ``hms`` re-exports every public name."""

import datetime
import decimal
import enum
import os
import uuid
from typing import Any, ClassVar, Generic, Iterator, Literal, TypedDict, TypeVar, final, overload, type_check_only

from typing_extensions import Self

_T = TypeVar("_T")

#: An id: a ``uuid.UUID`` or a string in UUID form.
_Id = uuid.UUID | str
#: An amount of money or a rate: never a float.
_Amount = decimal.Decimal | int

__all__ = [
    "__version__",
    "HmsError",
    "ValidationError",
    "NotFoundError",
    "ConflictError",
    "PreconditionFailedError",
    "PermissionDeniedError",
    "UnauthenticatedError",
    "ThrottledError",
    "UnavailableError",
    "AiUnavailableError",
    "Role",
    "AppointmentStatus",
    "InvoiceStatus",
    "PaymentMethod",
    "NoteKind",
    "DocumentKind",
    "Route",
    "Severity",
    "FindingCategory",
    "AnalysisOutcome",
    "NotificationKind",
    "AuditAction",
    "AuditOutcome",
    "EntityKind",
    "Sex",
    "BloodGroup",
    "Weekday",
    "User",
    "Money",
    "Doctor",
    "PatientClinical",
    "Patient",
    "AvailabilityRule",
    "AvailabilityException",
    "Availability",
    "Slot",
    "Appointment",
    "VisitNote",
    "Document",
    "Medication",
    "Prescription",
    "Enrolment",
    "Finding",
    "AiReview",
    "PrescriptionAnalysis",
    "InvoiceLine",
    "Invoice",
    "Notification",
    "OutgoingEmail",
    "SecondFactorStatus",
    "SessionInfo",
    "StatusCount",
    "DoctorLoad",
    "Dashboard",
    "AuditEvent",
    "DoctorDetails",
    "PatientDetails",
    "Page",
    "Hospital",
    "Session",
]

__version__: str

# Exceptions.

@type_check_only
class FieldErrorDict(TypedDict):
    """One invalid field and what is wrong with it."""

    field: str
    message: str

class HmsError(Exception):
    """The base class of every error hms raises."""

class ValidationError(HmsError):
    """The input was malformed or broke a rule; ``errors`` lists each field and what is wrong with it."""

    errors: list[FieldErrorDict]

class NotFoundError(HmsError):
    """The record does not exist, or the acting user may not know that it does."""

class ConflictError(HmsError):
    """The request clashes with the current state, e.g. a slot already taken."""

class PreconditionFailedError(ConflictError):
    """The record changed since it was read: it is no longer at the version the change expected."""

    current_version: int

class PermissionDeniedError(HmsError):
    """The acting user is not allowed to do this."""

class UnauthenticatedError(HmsError):
    """The credentials are wrong, or the account is missing or inactive."""

class ThrottledError(HmsError):
    """Too many failed sign-ins for this account; `retry_after` says how many seconds to wait."""

    retry_after: int

class UnavailableError(HmsError):
    """A dependency such as the database is unavailable."""

class AiUnavailableError(UnavailableError):
    """Prescription analysis is unavailable: no analyzer is configured."""

# Code sets: each member is also its code as a string.

@type_check_only
class _StrEnum(str, enum.Enum):  # type: ignore[misc]
    """An enum whose members are their codes as strings."""

    def __new__(cls, value: object) -> Self: ...

class Role(_StrEnum):
    """The one role a user has."""

    ADMIN = "admin"
    DOCTOR = "doctor"
    NURSE = "nurse"
    RECEPTIONIST = "receptionist"
    PATIENT = "patient"

class AppointmentStatus(_StrEnum):
    """Where an appointment stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    NO_SHOW = "no_show"

class InvoiceStatus(_StrEnum):
    """Where an invoice stands."""

    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"

class PaymentMethod(_StrEnum):
    """How an invoice was paid."""

    CASH = "cash"
    CARD = "card"
    ONLINE = "online"
    INSURANCE = "insurance"

class NoteKind(_StrEnum):
    """Who a visit note is written by and for."""

    CLINICAL = "clinical"
    NURSING = "nursing"

class DocumentKind(_StrEnum):
    """What a document is."""

    LAB = "lab"
    SCAN = "scan"
    PRESCRIPTION = "prescription"
    OTHER = "other"

class Route(_StrEnum):
    """How a medication is given."""

    ORAL = "oral"
    IV = "iv"
    IM = "im"
    SC = "sc"
    TOPICAL = "topical"
    INHALED = "inhaled"
    OTHER = "other"

class Severity(_StrEnum):
    """How serious a finding is."""

    INFO = "info"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"

class FindingCategory(_StrEnum):
    """What a finding is about."""

    DUPLICATE_THERAPY = "duplicate_therapy"
    ALLERGY = "allergy"
    INTERACTION = "interaction"
    DOSE = "dose"
    CONTRAINDICATION = "contraindication"
    MISSING_INFORMATION = "missing_information"
    OTHER = "other"

class AnalysisOutcome(_StrEnum):
    """How a prescription analysis ended."""

    COMPLETE = "complete"
    CHECKS_ONLY = "checks_only"
    AI_UNAVAILABLE = "ai_unavailable"

class NotificationKind(_StrEnum):
    """What a notification is about."""

    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_CONFIRMED = "appointment_confirmed"
    APPOINTMENT_REJECTED = "appointment_rejected"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_REMINDER = "appointment_reminder"
    PRESCRIPTION_READY = "prescription_ready"
    INVOICE_ISSUED = "invoice_issued"
    INVOICE_PAID = "invoice_paid"
    ACCOUNT_CHANGED = "account_changed"

class AuditAction(_StrEnum):
    """What an audited action did."""

    READ = "read"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    FAILED_LOGIN = "failed_login"
    EXPORT = "export"
    AI_REQUEST = "ai_request"
    REFUSED = "refused"

class AuditOutcome(_StrEnum):
    """How an audited action ended."""

    SUCCESS = "success"
    REFUSED = "refused"
    FAILURE = "failure"

class EntityKind(_StrEnum):
    """The kind of record an audit event concerns."""

    USER = "user"
    DOCTOR = "doctor"
    PATIENT = "patient"
    AVAILABILITY = "availability"
    APPOINTMENT = "appointment"
    NOTE = "note"
    DOCUMENT = "document"
    PRESCRIPTION = "prescription"
    ANALYSIS = "analysis"
    INVOICE = "invoice"
    NOTIFICATION = "notification"
    DASHBOARD = "dashboard"
    AUDIT = "audit"
    SESSION = "session"

class Sex(_StrEnum):
    """Sex as recorded for clinical purposes."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"

class BloodGroup(_StrEnum):
    """An ABO/Rh blood group, or unknown."""

    A_POS = "A+"
    A_NEG = "A-"
    B_POS = "B+"
    B_NEG = "B-"
    AB_POS = "AB+"
    AB_NEG = "AB-"
    O_POS = "O+"
    O_NEG = "O-"
    UNKNOWN = "unknown"

class Weekday(_StrEnum):
    """A day of the week, as availability rules name it."""

    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

# Records: immutable, compared by value.

@final
class User:
    """A user account."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def email(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def role(self) -> Role: ...
    @property
    def active(self) -> bool: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def version(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Money:
    """An exact amount of money in a currency."""

    @property
    def amount(self) -> decimal.Decimal: ...
    @property
    def currency(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Doctor:
    """A doctor's public profile."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def full_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def active(self) -> bool: ...
    @property
    def specialization(self) -> str: ...
    @property
    def license_number(self) -> str: ...
    @property
    def years_of_experience(self) -> int: ...
    @property
    def consultation_fee(self) -> Money: ...
    @property
    def bio(self) -> str: ...
    @property
    def accepting_appointments(self) -> bool: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def version(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PatientClinical:
    """A patient's clinical summary: for clinicians, admins and the patient."""

    @property
    def blood_group(self) -> BloodGroup: ...
    @property
    def allergies(self) -> list[str]: ...
    @property
    def conditions(self) -> list[str]: ...
    @property
    def medical_history(self) -> str: ...
    @property
    def pregnancy_noted_on(self) -> datetime.date | None: ...
    @property
    def egfr(self) -> int | None: ...
    @property
    def egfr_measured_on(self) -> datetime.date | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Patient:
    """A patient's profile; ``clinical`` is None for readers who may see demographics only."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def full_name(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def active(self) -> bool: ...
    @property
    def date_of_birth(self) -> datetime.date | None: ...
    @property
    def sex(self) -> Sex: ...
    @property
    def address(self) -> str: ...
    @property
    def emergency_contact(self) -> str: ...
    @property
    def clinical(self) -> PatientClinical | None: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def version(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class AvailabilityRule:
    """A weekly availability rule, read in the hospital's local time."""

    def __new__(
        cls,
        *,
        weekday: Weekday | str,
        start: datetime.time,
        end: datetime.time,
        slot_minutes: int,
        valid_from: datetime.date | None = None,
        valid_until: datetime.date | None = None,
    ) -> AvailabilityRule: ...
    @property
    def weekday(self) -> Weekday: ...
    @property
    def start(self) -> datetime.time: ...
    @property
    def end(self) -> datetime.time: ...
    @property
    def slot_minutes(self) -> int: ...
    @property
    def valid_from(self) -> datetime.date | None: ...
    @property
    def valid_until(self) -> datetime.date | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class AvailabilityException:
    """Time off: no slot overlapping ``[starts_at, ends_at)`` is offered."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def doctor_id(self) -> uuid.UUID: ...
    @property
    def starts_at(self) -> datetime.datetime: ...
    @property
    def ends_at(self) -> datetime.datetime: ...
    @property
    def reason(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Availability:
    """A doctor's weekly rules and current exceptions."""

    @property
    def rules(self) -> list[AvailabilityRule]: ...
    @property
    def exceptions(self) -> list[AvailabilityException]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Slot:
    """A bookable interval, ``[start, end)``."""

    @property
    def start(self) -> datetime.datetime: ...
    @property
    def end(self) -> datetime.datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Appointment:
    """An appointment."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def doctor_id(self) -> uuid.UUID: ...
    @property
    def patient_id(self) -> uuid.UUID: ...
    @property
    def starts_at(self) -> datetime.datetime: ...
    @property
    def ends_at(self) -> datetime.datetime: ...
    @property
    def status(self) -> AppointmentStatus: ...
    @property
    def reason(self) -> str: ...
    @property
    def notes(self) -> str: ...
    @property
    def booked_by(self) -> uuid.UUID: ...
    @property
    def cancellation_reason(self) -> str | None: ...
    @property
    def reminder_queued_at(self) -> datetime.datetime | None: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def version(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class VisitNote:
    """A visit note; notes are never edited, a correction is a new note."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def patient_id(self) -> uuid.UUID: ...
    @property
    def appointment_id(self) -> uuid.UUID | None: ...
    @property
    def author_id(self) -> uuid.UUID: ...
    @property
    def kind(self) -> NoteKind: ...
    @property
    def text(self) -> str: ...
    @property
    def corrects(self) -> uuid.UUID | None: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Document:
    """A document's metadata."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def patient_id(self) -> uuid.UUID: ...
    @property
    def appointment_id(self) -> uuid.UUID | None: ...
    @property
    def kind(self) -> DocumentKind: ...
    @property
    def file_name(self) -> str: ...
    @property
    def content_type(self) -> str: ...
    @property
    def size_bytes(self) -> int: ...
    @property
    def sha256(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def uploaded_by(self) -> uuid.UUID: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Medication:
    """One medication of a prescription."""

    def __new__(
        cls,
        *,
        name: str,
        strength: str,
        route: Route | str,
        frequency: str,
        duration_days: int,
        instructions: str = ...,
    ) -> Medication: ...
    @property
    def name(self) -> str: ...
    @property
    def strength(self) -> str: ...
    @property
    def route(self) -> Route: ...
    @property
    def frequency(self) -> str: ...
    @property
    def duration_days(self) -> int: ...
    @property
    def instructions(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Prescription:
    """A prescription."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def appointment_id(self) -> uuid.UUID: ...
    @property
    def doctor_id(self) -> uuid.UUID: ...
    @property
    def patient_id(self) -> uuid.UUID: ...
    @property
    def diagnosis(self) -> str: ...
    @property
    def medications(self) -> list[Medication]: ...
    @property
    def instructions(self) -> str: ...
    @property
    def follow_up(self) -> datetime.date | None: ...
    @property
    def revision(self) -> int: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Enrolment:
    """A new second factor, shown once: draw ``otpauth_uri`` as a QR code, or type ``secret_base32``."""

    @property
    def otpauth_uri(self) -> str: ...
    @property
    def secret_base32(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class SecondFactorStatus:
    """One's second factor."""

    @property
    def enabled(self) -> bool: ...
    @property
    def pending(self) -> bool: ...
    @property
    def recovery_codes_left(self) -> int: ...
    @property
    def required(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class SessionInfo:
    """One of a user's sign-in sessions."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def last_used_at(self) -> datetime.datetime: ...
    @property
    def expires_at(self) -> datetime.datetime: ...
    @property
    def client_address(self) -> str | None: ...
    @property
    def user_agent(self) -> str | None: ...
    @property
    def enrolment_only(self) -> bool: ...
    @property
    def current(self) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Finding:
    """One finding of a prescription analysis."""

    @property
    def category(self) -> FindingCategory: ...
    @property
    def severity(self) -> Severity: ...
    @property
    def medications(self) -> list[str]: ...
    @property
    def rationale(self) -> str: ...
    @property
    def suggested_action(self) -> str: ...
    @property
    def source(self) -> str | None: ...
    @property
    def rule(self) -> str | None: ...
    @property
    def resolved(self) -> list[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class AiReview:
    """The AI's structured review of a prescription."""

    @property
    def summary(self) -> str: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def patient_instructions(self) -> str: ...
    @property
    def missing_information(self) -> list[str]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PrescriptionAnalysis:
    """A stored prescription analysis."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def prescription_id(self) -> uuid.UUID: ...
    @property
    def prescription_revision(self) -> int: ...
    @property
    def requested_by(self) -> uuid.UUID: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def checks(self) -> list[Finding]: ...
    @property
    def review(self) -> AiReview | None: ...
    @property
    def review_unavailable_reason(self) -> str | None: ...
    @property
    def outcome(self) -> AnalysisOutcome: ...
    @property
    def model(self) -> str | None: ...
    @property
    def payload_sha256(self) -> str | None: ...
    @property
    def latency_ms(self) -> int: ...
    @property
    def disclaimer(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class InvoiceLine:
    """One invoice line."""

    def __new__(cls, *, description: str, unit_price: _Amount, quantity: int = 1) -> InvoiceLine: ...
    @property
    def description(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price(self) -> decimal.Decimal: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Invoice:
    """An invoice; amounts are exact decimals in ``currency``."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def number(self) -> str: ...
    @property
    def appointment_id(self) -> uuid.UUID: ...
    @property
    def patient_id(self) -> uuid.UUID: ...
    @property
    def lines(self) -> list[InvoiceLine]: ...
    @property
    def currency(self) -> str: ...
    @property
    def tax_rate(self) -> decimal.Decimal: ...
    @property
    def discount(self) -> decimal.Decimal: ...
    @property
    def subtotal(self) -> decimal.Decimal: ...
    @property
    def tax(self) -> decimal.Decimal: ...
    @property
    def total(self) -> decimal.Decimal: ...
    @property
    def status(self) -> InvoiceStatus: ...
    @property
    def payment_method(self) -> PaymentMethod | None: ...
    @property
    def paid_at(self) -> datetime.datetime | None: ...
    @property
    def cancelled_at(self) -> datetime.datetime | None: ...
    @property
    def issued_by(self) -> uuid.UUID: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def updated_at(self) -> datetime.datetime: ...
    @property
    def version(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Notification:
    """A notification for one user."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def recipient_id(self) -> uuid.UUID: ...
    @property
    def kind(self) -> NotificationKind: ...
    @property
    def message(self) -> str: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def read_at(self) -> datetime.datetime | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class OutgoingEmail:
    """An e-mail waiting in, or sent from, the outbox."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def to(self) -> str: ...
    @property
    def subject(self) -> str: ...
    @property
    def body(self) -> str: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def attempts(self) -> int: ...
    @property
    def next_attempt_at(self) -> datetime.datetime | None: ...
    @property
    def sent_at(self) -> datetime.datetime | None: ...
    @property
    def last_error(self) -> str | None: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class StatusCount:
    """How many appointments are in one status."""

    @property
    def status(self) -> AppointmentStatus: ...
    @property
    def count(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class DoctorLoad:
    """A doctor and how many active or completed appointments they have."""

    @property
    def doctor_id(self) -> uuid.UUID: ...
    @property
    def full_name(self) -> str: ...
    @property
    def appointments(self) -> int: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Dashboard:
    """The admin dashboard's figures."""

    @property
    def computed_at(self) -> datetime.datetime: ...
    @property
    def doctors(self) -> int: ...
    @property
    def patients(self) -> int: ...
    @property
    def appointments_by_status(self) -> list[StatusCount]: ...
    @property
    def today_appointments(self) -> int: ...
    @property
    def revenue(self) -> list[Money]: ...
    @property
    def pending(self) -> list[Money]: ...
    @property
    def busiest_doctors(self) -> list[DoctorLoad]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class AuditEvent:
    """One audit event."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def at(self) -> datetime.datetime: ...
    @property
    def actor_id(self) -> uuid.UUID | None: ...
    @property
    def actor_role(self) -> Role | None: ...
    @property
    def action(self) -> AuditAction: ...
    @property
    def operation(self) -> str: ...
    @property
    def entity(self) -> EntityKind: ...
    @property
    def entity_id(self) -> str | None: ...
    @property
    def patient_id(self) -> uuid.UUID | None: ...
    @property
    def outcome(self) -> AuditOutcome: ...
    @property
    def detail(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class DoctorDetails:
    """A doctor's profile details, for registration; the fee's currency defaults to the hospital's."""

    def __new__(
        cls,
        *,
        specialization: str,
        license_number: str,
        consultation_fee: _Amount,
        years_of_experience: int = 0,
        currency: str | None = None,
        bio: str = ...,
    ) -> DoctorDetails: ...
    @property
    def specialization(self) -> str: ...
    @property
    def license_number(self) -> str: ...
    @property
    def years_of_experience(self) -> int: ...
    @property
    def consultation_fee(self) -> decimal.Decimal: ...
    @property
    def currency(self) -> str | None: ...
    @property
    def bio(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class PatientDetails:
    """A patient's profile details, for registration; every field may be left out."""

    def __new__(
        cls,
        *,
        date_of_birth: datetime.date | None = None,
        sex: Sex | str | None = None,
        blood_group: BloodGroup | str | None = None,
        address: str = ...,
        emergency_contact: str = ...,
        allergies: list[str] = ...,
        conditions: list[str] = ...,
        medical_history: str = ...,
    ) -> PatientDetails: ...
    @property
    def date_of_birth(self) -> datetime.date | None: ...
    @property
    def sex(self) -> Sex | None: ...
    @property
    def blood_group(self) -> BloodGroup | None: ...
    @property
    def address(self) -> str: ...
    @property
    def emergency_contact(self) -> str: ...
    @property
    def allergies(self) -> list[str]: ...
    @property
    def conditions(self) -> list[str]: ...
    @property
    def medical_history(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __ne__(self, other: object, /) -> bool: ...
    __hash__: ClassVar[None]  # type: ignore[assignment]

@final
class Page(Generic[_T]):
    """One page of a list: iterate it, index it or take ``items``; ``total`` counts the whole list."""

    @property
    def items(self) -> list[_T]: ...
    @property
    def page(self) -> int: ...
    @property
    def per_page(self) -> int: ...
    @property
    def total(self) -> int: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[_T]: ...
    @overload
    def __getitem__(self, index: int, /) -> _T: ...
    @overload
    def __getitem__(self, index: slice, /) -> list[_T]: ...
    @classmethod
    def __class_getitem__(cls, item: Any, /) -> Any: ...

# The hospital and sessions.

@final
class Hospital:
    """A hospital: one database and its document store, shared by every thread."""

    @staticmethod
    def open(
        url: str | os.PathLike[str],
        *,
        time_zone: str = "UTC",
        currency: str = "USD",
        doctor_approval_required: bool = False,
        fast_password_hashing: bool = False,
        max_document_bytes: int | None = None,
        blob_dir: str | os.PathLike[str] | None = None,
        blob_url: str | None = None,
        sqlite_synchronous: Literal["full", "normal"] = "full",
        analysis: bool = True,
        require_second_factor: list[Role | str] = ...,
    ) -> Hospital: ...
    @property
    def backend(self) -> str: ...
    @property
    def time_zone(self) -> str: ...
    @property
    def currency(self) -> str: ...
    def ping(self) -> None: ...
    def register(
        self,
        *,
        email: str,
        password: str,
        full_name: str,
        role: Role | str,
        phone: str | None = None,
        doctor: DoctorDetails | None = None,
        patient: PatientDetails | None = None,
        now: datetime.datetime | None = None,
    ) -> User: ...
    def bootstrap_admin(
        self,
        *,
        email: str,
        password: str,
        full_name: str,
        phone: str | None = None,
        now: datetime.datetime | None = None,
    ) -> User: ...
    def login(
        self, email: str, password: str, *, code: str | None = None, now: datetime.datetime | None = None
    ) -> Session: ...
    def request_password_reset(self, email: str, *, now: datetime.datetime | None = None) -> None: ...
    def reset_password(self, token: str, new_password: str, *, now: datetime.datetime | None = None) -> None: ...
    def as_user(self, user_id: _Id) -> Session: ...
    def list_doctors(
        self,
        *,
        specialization: str | None = None,
        accepting: bool | None = None,
        page: int = 1,
        per_page: int = 20,
    ) -> Page[Doctor]: ...
    def doctor(self, doctor_id: _Id) -> Doctor: ...
    def availability(self, doctor_id: _Id, *, now: datetime.datetime | None = None) -> Availability: ...
    def free_slots(
        self,
        doctor_id: _Id,
        *,
        from_: datetime.datetime,
        to: datetime.datetime,
        now: datetime.datetime | None = None,
    ) -> list[Slot]: ...
    def queue_reminders(self, *, now: datetime.datetime | None = None) -> int: ...
    def emails_due(self, *, limit: int = 100, now: datetime.datetime | None = None) -> list[OutgoingEmail]: ...
    def claim_emails(
        self,
        *,
        limit: int = 100,
        lease: datetime.timedelta | None = None,
        now: datetime.datetime | None = None,
    ) -> list[OutgoingEmail]: ...
    def email_sent(self, email_id: _Id, *, now: datetime.datetime | None = None) -> OutgoingEmail: ...
    def email_failed(self, email_id: _Id, *, error: str, now: datetime.datetime | None = None) -> OutgoingEmail: ...

@final
class Session:
    """A user acting on the hospital: every workflow, checked against that user's role and records."""

    @property
    def user_id(self) -> uuid.UUID: ...
    @property
    def role(self) -> Role: ...
    # Accounts.
    def profile(self) -> User: ...
    def update_profile(
        self,
        *,
        full_name: str | None = None,
        phone: str | None = None,
        expected_version: int | None = None,
        now: datetime.datetime | None = None,
    ) -> User: ...
    def second_factor(self) -> SecondFactorStatus: ...
    def begin_second_factor(self, *, now: datetime.datetime | None = None) -> Enrolment: ...
    def confirm_second_factor(self, code: str, *, now: datetime.datetime | None = None) -> list[str]: ...
    def disable_second_factor(self, code: str, *, now: datetime.datetime | None = None) -> None: ...
    def sessions(self, *, now: datetime.datetime | None = None) -> list[SessionInfo]: ...
    def end_session(self, session_id: _Id, *, now: datetime.datetime | None = None) -> None: ...
    def end_user_sessions(self, user_id: _Id, *, now: datetime.datetime | None = None) -> int: ...
    def force_password_reset(self, user_id: _Id, *, now: datetime.datetime | None = None) -> None: ...
    def change_password(self, *, current_password: str, new_password: str, now: datetime.datetime | None = None) -> None: ...
    def create_staff(
        self,
        *,
        email: str,
        password: str,
        full_name: str,
        role: Role | str,
        phone: str | None = None,
        doctor: DoctorDetails | None = None,
        now: datetime.datetime | None = None,
    ) -> User: ...
    def register_patient(
        self,
        *,
        email: str,
        password: str,
        full_name: str,
        phone: str | None = None,
        patient: PatientDetails | None = None,
        now: datetime.datetime | None = None,
    ) -> User: ...
    def list_users(
        self,
        *,
        role: Role | str | None = None,
        active: bool | None = None,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[User]: ...
    def set_user_active(
        self, user_id: _Id, *, active: bool, expected_version: int | None = None, now: datetime.datetime | None = None
    ) -> User: ...
    # Doctors and availability.
    def list_doctors(
        self,
        *,
        specialization: str | None = None,
        accepting: bool | None = None,
        include_inactive: bool = False,
        page: int = 1,
        per_page: int = 20,
    ) -> Page[Doctor]: ...
    def doctor(self, doctor_id: _Id) -> Doctor: ...
    def update_doctor(
        self,
        doctor_id: _Id,
        *,
        specialization: str | None = None,
        years_of_experience: int | None = None,
        consultation_fee: _Amount | None = None,
        bio: str | None = None,
        accepting_appointments: bool | None = None,
        expected_version: int | None = None,
        now: datetime.datetime | None = None,
    ) -> Doctor: ...
    def set_availability(
        self,
        doctor_id: _Id,
        rules: list[AvailabilityRule],
        *,
        now: datetime.datetime | None = None,
    ) -> Availability: ...
    def add_exception(
        self,
        doctor_id: _Id,
        *,
        starts_at: datetime.datetime,
        ends_at: datetime.datetime,
        reason: str = ...,
        now: datetime.datetime | None = None,
    ) -> AvailabilityException: ...
    def remove_exception(self, doctor_id: _Id, exception_id: _Id, *, now: datetime.datetime | None = None) -> None: ...
    # Patients.
    def list_patients(
        self,
        *,
        search: str | None = None,
        doctor_id: _Id | None = None,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[Patient]: ...
    def patient(self, patient_id: _Id, *, now: datetime.datetime | None = None) -> Patient: ...
    def update_patient(
        self,
        patient_id: _Id,
        *,
        full_name: str | None = None,
        phone: str | None = None,
        date_of_birth: datetime.date | None = None,
        clear_date_of_birth: bool = False,
        sex: Sex | str | None = None,
        address: str | None = None,
        emergency_contact: str | None = None,
        blood_group: BloodGroup | str | None = None,
        allergies: list[str] | None = None,
        conditions: list[str] | None = None,
        medical_history: str | None = None,
        pregnancy_noted_on: datetime.date | None = None,
        clear_pregnancy: bool = False,
        egfr: int | None = None,
        egfr_measured_on: datetime.date | None = None,
        clear_egfr: bool = False,
        expected_version: int | None = None,
        now: datetime.datetime | None = None,
    ) -> Patient: ...
    # Appointments.
    def book(
        self,
        *,
        doctor_id: _Id,
        starts_at: datetime.datetime,
        patient_id: _Id | None = None,
        reason: str = ...,
        notes: str = ...,
        now: datetime.datetime | None = None,
    ) -> Appointment: ...
    def appointment(self, appointment_id: _Id, *, now: datetime.datetime | None = None) -> Appointment: ...
    def list_appointments(
        self,
        *,
        status: AppointmentStatus | str | None = None,
        doctor_id: _Id | None = None,
        patient_id: _Id | None = None,
        from_: datetime.datetime | None = None,
        to: datetime.datetime | None = None,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[Appointment]: ...
    def confirm(
        self, appointment_id: _Id, *, expected_version: int | None = None, now: datetime.datetime | None = None
    ) -> Appointment: ...
    def reject(
        self,
        appointment_id: _Id,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
        now: datetime.datetime | None = None,
    ) -> Appointment: ...
    def cancel(
        self,
        appointment_id: _Id,
        *,
        reason: str | None = None,
        expected_version: int | None = None,
        now: datetime.datetime | None = None,
    ) -> Appointment: ...
    def complete(
        self, appointment_id: _Id, *, expected_version: int | None = None, now: datetime.datetime | None = None
    ) -> Appointment: ...
    def no_show(
        self, appointment_id: _Id, *, expected_version: int | None = None, now: datetime.datetime | None = None
    ) -> Appointment: ...
    # Clinical records.
    def write_note(
        self,
        patient_id: _Id,
        *,
        text: str,
        kind: NoteKind | str = "clinical",
        appointment_id: _Id | None = None,
        corrects: _Id | None = None,
        now: datetime.datetime | None = None,
    ) -> VisitNote: ...
    def notes(
        self,
        patient_id: _Id,
        *,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[VisitNote]: ...
    def attach_document(
        self,
        patient_id: _Id,
        *,
        kind: DocumentKind | str,
        file_name: str,
        content_type: str,
        content: bytes,
        description: str = ...,
        appointment_id: _Id | None = None,
        now: datetime.datetime | None = None,
    ) -> Document: ...
    def documents(
        self,
        patient_id: _Id,
        *,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[Document]: ...
    def document(self, document_id: _Id, *, now: datetime.datetime | None = None) -> Document: ...
    def document_content(self, document_id: _Id, *, now: datetime.datetime | None = None) -> tuple[Document, bytes]: ...
    # Prescriptions.
    def write_prescription(
        self,
        appointment_id: _Id,
        *,
        diagnosis: str,
        medications: list[Medication],
        instructions: str = ...,
        follow_up: datetime.date | None = None,
        now: datetime.datetime | None = None,
    ) -> Prescription: ...
    def edit_prescription(
        self,
        prescription_id: _Id,
        *,
        diagnosis: str,
        medications: list[Medication],
        instructions: str = ...,
        follow_up: datetime.date | None = None,
        expected_revision: int | None = None,
        now: datetime.datetime | None = None,
    ) -> Prescription: ...
    def prescription(self, prescription_id: _Id, *, now: datetime.datetime | None = None) -> Prescription: ...
    def list_prescriptions(
        self,
        *,
        doctor_id: _Id | None = None,
        patient_id: _Id | None = None,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[Prescription]: ...
    def analyze_prescription(
        self,
        prescription_id: _Id,
        *,
        fresh: bool = False,
        now: datetime.datetime | None = None,
    ) -> PrescriptionAnalysis: ...
    def latest_analysis(self, prescription_id: _Id, *, now: datetime.datetime | None = None) -> PrescriptionAnalysis | None: ...
    # Billing.
    def issue_invoice(
        self,
        appointment_id: _Id,
        *,
        lines: list[InvoiceLine] | None = None,
        tax_rate: _Amount | None = None,
        discount: _Amount | None = None,
        currency: str | None = None,
        now: datetime.datetime | None = None,
    ) -> Invoice: ...
    def invoice(self, invoice_id: _Id, *, now: datetime.datetime | None = None) -> Invoice: ...
    def list_invoices(
        self,
        *,
        status: InvoiceStatus | str | None = None,
        patient_id: _Id | None = None,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[Invoice]: ...
    def pay_invoice(
        self,
        invoice_id: _Id,
        *,
        method: PaymentMethod | str,
        expected_version: int | None = None,
        now: datetime.datetime | None = None,
    ) -> Invoice: ...
    def cancel_invoice(
        self, invoice_id: _Id, *, expected_version: int | None = None, now: datetime.datetime | None = None
    ) -> Invoice: ...
    # Notifications.
    def notifications(self, *, unread_only: bool = False, page: int = 1, per_page: int = 20) -> Page[Notification]: ...
    def mark_notification_read(self, notification_id: _Id, *, now: datetime.datetime | None = None) -> Notification: ...
    def mark_all_notifications_read(self, *, now: datetime.datetime | None = None) -> int: ...
    # Admin.
    def dashboard(self, *, now: datetime.datetime | None = None) -> Dashboard: ...
    def audit_log(
        self,
        *,
        patient_id: _Id | None = None,
        actor_id: _Id | None = None,
        action: AuditAction | str | None = None,
        from_: datetime.datetime | None = None,
        to: datetime.datetime | None = None,
        page: int = 1,
        per_page: int = 20,
        now: datetime.datetime | None = None,
    ) -> Page[AuditEvent]: ...
