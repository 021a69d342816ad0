//! What bounds a patient's list on SQLite: the list's statements alone, without hms.
//!
//! Runs what hms-store sends SQLite for `GET /api/appointments` as a patient (the caller's session
//! with their account, then the first page of their appointments, and the count when the page is
//! full) through SQLite's C interface, from THREADS threads with a connection each, statements
//! prepared once, every column of every row read as hms reads it (no allocation, no decoding).
//! No HTTP, no hand-offs between threads, no JSON: a ceiling for any server answering that list
//! from this SQLite file. `benches/http/floor.sh` runs it beside hms's own list and the bare
//! handler. The statements are those hms-store sends (as `RUST_LOG=sqlx::query=debug` logs
//! them); keep them in step with `hms-store`.
//!
//! ```sh
//! cargo run --release -p hms-store --example sqlite_list_floor -- DATABASE SESSION PATIENT SECONDS THREADS
//! ```
//!
//! Prints the lists a second over all threads and the time of each statement a list (microseconds).

use std::ffi::{CStr, CString, c_int};
use std::time::{Duration, Instant};

use libsqlite3_sys as ffi;

const SESSION: &str = "select s.id as session_id, s.user_id, s.created_at as session_created_at, s.expires_at, \
     s.revoked_at, s.last_used_at, s.client_address, s.user_agent, s.enrolment_only, \
     a.id, a.email, a.full_name, a.phone, a.role, a.password_hash, a.active, a.created_at, a.updated_at, a.version \
     from session s join account a on a.id = s.user_id where s.id = ?1";
const PAGE: &str = "select id, doctor_id, patient_id, starts_at, ends_at, status, reason, notes, booked_by, \
     cancellation_reason, reminder_queued_at, created_at, updated_at, version from appointment \
     where patient_id = ?1 order by starts_at, id limit ?2 offset ?3";
const COUNT: &str = "select count(*) from appointment where patient_id = ?1";
const PAGE_SIZE: i64 = 20;

/// One connection and its three prepared statements.
struct Conn {
    db: *mut ffi::sqlite3,
    statements: [*mut ffi::sqlite3_stmt; 3],
}

impl Conn {
    fn open(path: &str) -> Self {
        let path = CString::new(path).expect("a path without NUL");
        let mut db = std::ptr::null_mut();
        // SAFETY: `path` is a NUL-terminated string and `db` receives the handle.
        let rc = unsafe {
            ffi::sqlite3_open_v2(path.as_ptr(), &mut db, ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_NOMUTEX, std::ptr::null())
        };
        check(db, rc, "open");
        let mut statements = [std::ptr::null_mut(); 3];
        for (slot, sql) in statements.iter_mut().zip([SESSION, PAGE, COUNT]) {
            let sql = CString::new(sql).expect("SQL without NUL");
            // SAFETY: `db` is open, `sql` is NUL-terminated, `slot` receives the statement.
            let rc = unsafe { ffi::sqlite3_prepare_v3(db, sql.as_ptr(), -1, ffi::SQLITE_PREPARE_PERSISTENT, slot, std::ptr::null_mut()) };
            check(db, rc, "prepare");
        }
        Self { db, statements }
    }

    /// Binds `key` (16 bytes) and the page's bounds, steps through every row reading each column,
    /// resets; returns the rows read and a sum of what was read, so that nothing is optimised away.
    fn run(&self, which: usize, key: &[u8; 16]) -> (i64, u64) {
        let stmt = self.statements[which];
        // SAFETY: `stmt` is a statement of this open connection; the blob outlives the step loop
        // (SQLITE_STATIC), and every column is read within the row it belongs to.
        unsafe {
            check(self.db, ffi::sqlite3_bind_blob(stmt, 1, key.as_ptr().cast(), 16, ffi::SQLITE_STATIC()), "bind");
            if which == 1 {
                check(self.db, ffi::sqlite3_bind_int64(stmt, 2, PAGE_SIZE), "bind");
                check(self.db, ffi::sqlite3_bind_int64(stmt, 3, 0), "bind");
            }
            let (mut rows, mut sum) = (0, 0u64);
            loop {
                match ffi::sqlite3_step(stmt) {
                    ffi::SQLITE_ROW => {
                        rows += 1;
                        for col in 0..ffi::sqlite3_column_count(stmt) {
                            sum = sum.wrapping_add(match ffi::sqlite3_column_type(stmt, col) {
                                ffi::SQLITE_INTEGER => ffi::sqlite3_column_int64(stmt, col) as u64,
                                ffi::SQLITE_NULL => 0,
                                _ => {
                                    let p = ffi::sqlite3_column_blob(stmt, col).cast::<u8>();
                                    let n = ffi::sqlite3_column_bytes(stmt, col) as usize;
                                    if n == 0 { 0 } else { u64::from(*p) + u64::from(*p.add(n - 1)) + n as u64 }
                                }
                            });
                        }
                    }
                    ffi::SQLITE_DONE => break,
                    rc => check(self.db, rc, "step"),
                }
            }
            ffi::sqlite3_reset(stmt);
            (rows, sum)
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // SAFETY: the statements and the connection are this value's own, finalized once.
        unsafe {
            for stmt in self.statements {
                ffi::sqlite3_finalize(stmt);
            }
            ffi::sqlite3_close(self.db);
        }
    }
}

fn check(db: *mut ffi::sqlite3, rc: c_int, what: &str) {
    if rc != ffi::SQLITE_OK {
        // SAFETY: SQLite's message for the connection is a NUL-terminated string it owns.
        let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }.to_string_lossy();
        panic!("{what}: {message} ({rc})");
    }
}

fn uuid(text: &str) -> [u8; 16] {
    *uuid::Uuid::parse_str(text).unwrap_or_else(|e| panic!("{text:?} is not an id: {e}")).as_bytes()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, session, patient, seconds, threads] = args.as_slice() else {
        eprintln!("usage: sqlite_list_floor DATABASE SESSION PATIENT SECONDS THREADS");
        std::process::exit(2);
    };
    let path = path.strip_prefix("sqlite:").unwrap_or(path).to_string();
    let (session, patient) = (uuid(session), uuid(patient));
    let seconds: f64 = seconds.parse().expect("SECONDS is a number");
    let threads: usize = threads.parse().expect("THREADS is a number");
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);

    let results: Vec<(u64, [Duration; 3], i64, u64)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let path = path.clone();
                scope.spawn(move || {
                    let conn = Conn::open(&path);
                    let (mut lists, mut spent, mut page_rows, mut sum) = (0u64, [Duration::ZERO; 3], 0i64, 0u64);
                    while Instant::now() < deadline {
                        let t0 = Instant::now();
                        let (found, s) = conn.run(0, &session);
                        assert_eq!(found, 1, "the session is not in the database");
                        let t1 = Instant::now();
                        let (rows, p) = conn.run(1, &patient);
                        let t2 = Instant::now();
                        // hms counts only when the first page is full (`tx_impl.rs`, `total`).
                        let c = if rows == PAGE_SIZE { conn.run(2, &patient).1 } else { 0 };
                        let t3 = Instant::now();
                        spent[0] += t1 - t0;
                        spent[1] += t2 - t1;
                        spent[2] += t3 - t2;
                        page_rows = rows;
                        sum = sum.wrapping_add(s).wrapping_add(p).wrapping_add(c);
                        lists += 1;
                    }
                    (lists, spent, page_rows, sum)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("a floor thread")).collect()
    });

    let lists: u64 = results.iter().map(|r| r.0).sum();
    let per = |i: usize| results.iter().map(|r| r.1[i]).sum::<Duration>().as_secs_f64() * 1e6 / lists.max(1) as f64;
    println!(
        "sqlite list floor: {:.0} lists/s ({threads} threads, {} rows a page); per list: session {:.1} µs, page {:.1} µs, count {:.1} µs (check {})",
        lists as f64 / seconds,
        results[0].2,
        per(0),
        per(1),
        per(2),
        results.iter().fold(0u64, |a, r| a.wrapping_add(r.3)) % 1000,
    );
}
