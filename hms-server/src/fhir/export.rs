//! FHIR Bulk Data export (`$export`): an admin kicks it off, polls its status, and downloads
//! NDJSON files, one per resource type.
//!
//! The export runs in a task of its own. It reads each kind of record through the core's
//! `export_batch` (admins only; one bounded batch at a time, walked by id), maps each record to
//! its resource and writes it as one line of the type's file: memory holds one batch, whatever
//! the hospital's size. Files are written under the export folder (`HMS_EXPORT_DIR`, else a
//! folder of a random name in the system's temporary folder), readable by the server's user alone,
//! and removed when the client deletes the job, an hour after it finished, when it fails, or when
//! the server stops. Jobs live in the server's memory: a restart ends them (the client kicks off
//! again).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hms_core::{Actor, ExportBatch, ExportKind, Hospital, MedicationOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{map, to_value};

/// How many records are read at a time.
const BATCH: u32 = 1_000;
/// How long a finished export's files stay for the client to download.
const KEEP_FOR: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// The resource types a system-level export writes, in order.
pub const SYSTEM_TYPES: &[&str] =
    &["Patient", "Practitioner", "PractitionerRole", "Appointment", "MedicationRequest", "DocumentReference", "Invoice"];
/// The resource types of the patient compartment (`Patient/$export`).
pub const PATIENT_TYPES: &[&str] = &["Patient", "Appointment", "MedicationRequest", "DocumentReference", "Invoice"];

/// One file of a finished export.
#[derive(Debug, Clone)]
pub struct Output {
    /// The resource type.
    pub kind: &'static str,
    /// How many resources it holds.
    pub count: u64,
}

/// Where a job stands.
#[derive(Debug, Clone)]
pub enum State {
    /// Still writing.
    Running,
    /// Written: its files.
    Done(Vec<Output>),
    /// Stopped by an error (in words).
    Failed(String),
}

/// One export.
#[derive(Debug)]
pub struct Job {
    /// Its id.
    pub id: Uuid,
    /// The kick-off request's URL.
    pub request: String,
    /// When it began (resources changed later may or may not be in it).
    pub transaction_time: DateTime<Utc>,
    /// Where it stands.
    pub state: Mutex<State>,
    /// Resources written so far.
    pub written: AtomicU64,
    /// Resources expected (from the totals when it began).
    pub expected: AtomicU64,
    cancelled: AtomicBool,
    /// When it stopped running.
    ended: Mutex<Option<std::time::Instant>>,
    dir: PathBuf,
}

impl Job {
    /// "42% (420 of 1000 resources)".
    pub fn progress(&self) -> String {
        let (written, expected) = (self.written.load(Ordering::Relaxed), self.expected.load(Ordering::Relaxed).max(1));
        format!("{}% ({written} of {expected} resources)", (written * 100 / expected).min(99))
    }

    /// The file of a type, if the job wrote it.
    pub fn file(&self, name: &str) -> Option<PathBuf> {
        let kind = name.strip_suffix(".ndjson")?;
        match &*self.state.lock().expect("the job's state") {
            State::Done(outputs) if outputs.iter().any(|o| o.kind == kind) => Some(self.dir.join(name)),
            _ => None,
        }
    }
}

/// What an export is asked for.
#[derive(Debug, Clone)]
pub struct Order {
    /// The resource types, in order.
    pub types: Vec<&'static str>,
    /// Only records changed at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// The kick-off request's URL.
    pub request: String,
    /// The FHIR base URL (for links inside resources).
    pub base: String,
}

/// The server's exports.
#[derive(Debug)]
pub struct Exports {
    root: PathBuf,
    jobs: Mutex<HashMap<Uuid, Arc<Job>>>,
}

impl Exports {
    /// Exports written under `root` (created as needed).
    pub fn new(root: PathBuf) -> Self {
        Self { root, jobs: Mutex::new(HashMap::new()) }
    }

    /// The folder of `HMS_EXPORT_DIR`, else a new one of a random name in the system's temporary
    /// folder (a name nobody can take first).
    pub fn from_env() -> Self {
        let root = std::env::var_os("HMS_EXPORT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join(format!("hms-export-{}", Uuid::new_v4().simple())));
        Self::new(root)
    }

    /// A job by id (ending, first, those kept past their time).
    pub fn get(&self, id: Uuid) -> Option<Arc<Job>> {
        self.sweep();
        self.jobs.lock().expect("the jobs").get(&id).cloned()
    }

    /// Ends the jobs that finished more than [`KEEP_FOR`] ago.
    fn sweep(&self) {
        let old: Vec<Uuid> = self
            .jobs
            .lock()
            .expect("the jobs")
            .values()
            .filter(|j| j.ended.lock().expect("the job's end").is_some_and(|at| at.elapsed() > KEEP_FOR))
            .map(|j| j.id)
            .collect();
        for id in old {
            self.remove(id);
        }
    }

    /// Ends a job: stops it if it runs, and removes its files.
    pub fn remove(&self, id: Uuid) -> bool {
        let job = self.jobs.lock().expect("the jobs").remove(&id);
        match job {
            Some(job) => {
                job.cancelled.store(true, Ordering::Relaxed);
                let _ = std::fs::remove_dir_all(&job.dir);
                true
            }
            None => false,
        }
    }

    /// Starts writing what `order` asks for as `actor`; the core has already let the export begin.
    pub fn start(self: &Arc<Self>, hospital: Hospital, actor: Actor, order: Order, now: DateTime<Utc>) -> std::io::Result<Arc<Job>> {
        let Order { types, since, request, base } = order;
        self.sweep();
        let id = Uuid::now_v7();
        let dir = self.root.join(id.to_string());
        private_dir(&self.root, true)?;
        private_dir(&dir, false)?;
        let job = Arc::new(Job {
            id,
            request,
            transaction_time: now,
            state: Mutex::new(State::Running),
            written: AtomicU64::new(0),
            expected: AtomicU64::new(0),
            cancelled: AtomicBool::new(false),
            ended: Mutex::new(None),
            dir,
        });
        self.jobs.lock().expect("the jobs").insert(id, job.clone());
        let running = job.clone();
        tokio::spawn(async move {
            let writer = Writer { hospital, actor, since, base, now, job: running.clone() };
            // The writing in a task of its own, so that even a panic in it ends the job.
            let state = match tokio::spawn(async move { writer.run(&types).await }).await {
                Ok(Ok(outputs)) => State::Done(outputs),
                Ok(Err(e)) => State::Failed(e),
                Err(_) => State::Failed("the export stopped unexpectedly".into()),
            };
            if let State::Failed(why) = &state {
                tracing::warn!(export = %running.id, error = %why, "an export failed");
                // Nothing of a failed or cancelled export stays on disk.
                let _ = std::fs::remove_dir_all(&running.dir);
            }
            *running.ended.lock().expect("the job's end") = Some(std::time::Instant::now());
            *running.state.lock().expect("the job's state") = state;
        });
        Ok(job)
    }
}

impl Drop for Exports {
    fn drop(&mut self) {
        if let Ok(jobs) = self.jobs.get_mut() {
            for job in jobs.values() {
                job.cancelled.store(true, Ordering::Relaxed);
                let _ = std::fs::remove_dir_all(&job.dir);
            }
        }
        // The folder itself, if nothing else is in it.
        let _ = std::fs::remove_dir(&self.root);
    }
}

/// The task writing one job's files.
struct Writer {
    hospital: Hospital,
    actor: Actor,
    since: Option<DateTime<Utc>>,
    base: String,
    now: DateTime<Utc>,
    job: Arc<Job>,
}

/// The kind of record a resource type is written from.
fn source(kind: &str) -> ExportKind {
    match kind {
        "Patient" => ExportKind::Patient,
        "Practitioner" | "PractitionerRole" => ExportKind::Doctor,
        "Appointment" => ExportKind::Appointment,
        "MedicationRequest" => ExportKind::Prescription,
        "DocumentReference" => ExportKind::Document,
        _ => ExportKind::Invoice,
    }
}

impl Writer {
    async fn run(&self, types: &[&'static str]) -> Result<Vec<Output>, String> {
        self.job.expected.store(self.expected(types).await, Ordering::Relaxed);
        let mut outputs = Vec::new();
        for &kind in types {
            let count = self.write(kind).await?;
            outputs.push(Output { kind, count });
        }
        Ok(outputs)
    }

    /// How many resources the export will hold, from the totals of the core's lists (a guide
    /// for the progress figure: records may come and go while it runs).
    async fn expected(&self, types: &[&str]) -> u64 {
        let h = &self.hospital;
        let one = hms_core::PageRequest::new(1, 1).expect("a valid page");
        let mut total = 0;
        for kind in types {
            let n = match *kind {
                "Patient" => h.list_patients(&self.actor, Default::default(), one, self.now).await.map(|p| p.total),
                "Practitioner" | "PractitionerRole" => h
                    .list_doctors(Some(&self.actor), hms_core::DoctorFilter { include_inactive: true, ..Default::default() }, one)
                    .await
                    .map(|p| p.total),
                "Appointment" => h.list_appointments(&self.actor, Default::default(), one, self.now).await.map(|p| p.total),
                "MedicationRequest" => h.list_medication_orders(&self.actor, Default::default(), one, self.now).await.map(|p| p.total),
                "Invoice" => h.list_invoices(&self.actor, Default::default(), one, self.now).await.map(|p| p.total),
                _ => Ok(0),
            };
            total += n.unwrap_or(0);
        }
        total
    }

    /// Writes one type's file; returns how many resources it holds.
    async fn write(&self, kind: &'static str) -> Result<u64, String> {
        let path = self.job.dir.join(format!("{kind}.ndjson"));
        let file = private_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let mut after = None;
        let mut count = 0u64;
        loop {
            if self.job.cancelled.load(Ordering::Relaxed) {
                return Err("cancelled".into());
            }
            let batch = self
                .hospital
                .export_batch(&self.actor, source(kind), after, self.since, BATCH, self.now)
                .await
                .map_err(|e| e.to_string())?;
            if batch.is_empty() {
                break;
            }
            after = batch.last_id();
            for resource in self.resources(kind, batch) {
                line(&mut out, &resource, &path)?;
                count += 1;
            }
        }
        out.flush().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(count)
    }

    fn resources(&self, kind: &str, batch: ExportBatch) -> Vec<Value> {
        let resources: Vec<Value> = match (kind, batch) {
            ("Patient", ExportBatch::Patients(v)) => v.iter().map(|p| to_value(map::patient(p))).collect(),
            ("Practitioner", ExportBatch::Doctors(v)) => v.iter().map(|d| to_value(map::practitioner(d))).collect(),
            ("PractitionerRole", ExportBatch::Doctors(v)) => v.iter().map(|d| to_value(map::practitioner_role(d))).collect(),
            ("Appointment", ExportBatch::Appointments(v)) => v.iter().map(|a| to_value(map::appointment(a))).collect(),
            ("MedicationRequest", ExportBatch::Prescriptions(v)) => v
                .into_iter()
                .flat_map(|p| {
                    (0..p.medications.len()).map(move |index| MedicationOrder { prescription: p.clone(), index }).collect::<Vec<_>>()
                })
                .map(|o| to_value(map::medication_request(&o)))
                .collect(),
            ("DocumentReference", ExportBatch::Documents(v)) => {
                v.iter().map(|d| to_value(map::document_reference(d, &self.base))).collect()
            }
            ("Invoice", ExportBatch::Invoices(v)) => v.iter().map(|i| to_value(map::invoice(i))).collect(),
            _ => Vec::new(),
        };
        self.job.written.fetch_add(resources.len() as u64, Ordering::Relaxed);
        resources
    }
}

/// Creates a folder only the server's user can enter (`existing_ok`: or takes the one there).
fn private_dir(path: &Path, existing_ok: bool) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(existing_ok);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Creates a new file only the server's user can read (never one that is there already).
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn line(out: &mut impl Write, resource: &Value, path: &Path) -> Result<(), String> {
    serde_json::to_writer(&mut *out, resource).map_err(|e| e.to_string())?;
    out.write_all(b"\n").map_err(|e| format!("{}: {e}", path.display()))
}

/// The manifest of a finished job (the Bulk Data status answer).
pub fn manifest(job: &Job, outputs: &[Output], base: &str) -> Value {
    json!({
        "transactionTime": map::instant(job.transaction_time),
        "request": job.request,
        "requiresAccessToken": true,
        "output": outputs.iter().filter(|o| o.count > 0).map(|o| json!({
            "type": o.kind,
            "url": format!("{base}/$export-file/{}/{}.ndjson", job.id, o.kind),
            "count": o.count,
        })).collect::<Vec<_>>(),
        "error": [],
    })
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn export_files_are_the_server_user_s_alone_and_never_taken_over() {
        let root = std::env::temp_dir().join(format!("hms-export-test-{}", Uuid::new_v4().simple()));
        private_dir(&root, true).unwrap();
        let job = root.join("job");
        private_dir(&job, false).unwrap();
        assert!(private_dir(&job, false).is_err(), "a job's folder is always a new one");
        let file = job.join("Patient.ndjson");
        private_file(&file).unwrap();
        assert!(private_file(&file).is_err(), "a file there already is never written through");
        assert_eq!(std::fs::metadata(&job).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(root).unwrap();
    }
}
