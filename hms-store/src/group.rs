//! Group commit, for a backend with one writer at a time (SQLite).
//!
//! Write transactions take turns on one connection. When one finishes while others wait for the
//! writer, it does not commit: it releases its savepoint and hands the still open database
//! transaction to the next, which runs in a savepoint of its own. The group is committed once —
//! by a member that finishes with no one waiting, or by a closer task queued behind the writers
//! that were waiting when the group formed (so a group never grows past them).
//!
//! What a member is promised is what a transaction of its own promised:
//! - its `commit` returns only once the group's `COMMIT` has succeeded, so no caller is told its
//!   write is kept before it is; if the `COMMIT` fails, every member of the group gets the error
//!   and nothing of the group is kept;
//! - a member that fails, rolls back or is dropped unfinished goes back to its savepoint: the
//!   members before it keep their work, and it leaves nothing behind;
//! - members run one after another and each sees the work of those before it, as serial
//!   transactions would; other connections see the whole group at its `COMMIT`.
//!
//! What it saves, under load: the `BEGIN` and the `COMMIT` of every member but one — each a round
//! trip to the connection's thread — and the pages several members change (the ends of tables
//! and of time-ordered indexes) go to the write-ahead log once a group instead of once a member.
//! The statements that end a member (`COMMIT`, or `RELEASE` and the next `SAVEPOINT`) travel in
//! one string with its last writes, so a lone writer also saves the round trip of its `COMMIT`.
//!
//! The steps that end a member run in a task of their own, so that a caller that goes away
//! (a request cancelled mid-way) never leaves the connection between two statements of a step;
//! a member dropped unfinished, also while its group's transaction begins, is rolled back by such
//! a task, which holds the writer until it is done.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hms_core::{Error, Result};
use sqlx::pool::PoolConnection;
use sqlx::{Database, Executor, Pool};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

use crate::error::map;

/// Opens a member's savepoint.
const SAVEPOINT: &str = "SAVEPOINT hms_member";
/// Keeps the finished member's work in the group and opens the next member's savepoint.
const RELEASE_AND_SAVEPOINT: &str = "RELEASE hms_member; SAVEPOINT hms_member";
/// Undoes the current member's work; its savepoint stays open, for the next member.
const ROLLBACK_TO: &str = "ROLLBACK TO hms_member";
/// Commits the group, sent with the last member's writes.
const COMMIT: &str = "COMMIT";

/// What the members of a group learn when it ends: `None` until it has.
type Outcome = Option<Result<()>>;

/// The one writer of a database: write transactions queue here, first come first served.
pub(crate) struct Writer<DB: Database> {
    state: Arc<Mutex<State<DB>>>,
    /// Write transactions waiting for the writer (closers not counted).
    waiting: Arc<AtomicUsize>,
    pool: Pool<DB>,
    /// How a group's transaction begins (`BEGIN IMMEDIATE`: the database's write lock at once).
    begin: &'static str,
}

impl<DB: Database> Clone for Writer<DB> {
    fn clone(&self) -> Self {
        Self { state: self.state.clone(), waiting: self.waiting.clone(), pool: self.pool.clone(), begin: self.begin }
    }
}

impl<DB: Database> std::fmt::Debug for Writer<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("waiting", &self.waiting.load(Ordering::Relaxed)).finish_non_exhaustive()
    }
}

struct State<DB: Database> {
    /// The connection, taken from the pool while a group is open (and kept between groups when
    /// `keep` says so).
    conn: Option<PoolConnection<DB>>,
    /// The pool is the writer's alone: the connection stays with it between groups, instead of
    /// going back to the pool and being taken again (a hand-off between tasks each time).
    keep: bool,
    group: Option<Group>,
    /// The last group's number.
    groups: u64,
    /// A member was dropped unfinished where it could not be rolled back at once (no runtime):
    /// the next holder of the writer rolls it back first.
    abandoned: bool,
    /// Told each time a group commits.
    committed: Arc<Notify>,
}

impl<DB: Database> Drop for State<DB> {
    /// The writer goes away with its connection, closing it rather than giving it back to its
    /// pool: giving it back takes a task, and the runtime may be gone by now (a store dropped
    /// after it, outside any runtime, would panic).
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            drop(conn.detach());
        }
    }
}

/// An open database transaction and the members that finished in it.
struct Group {
    id: u64,
    outcome: watch::Sender<Outcome>,
    /// A savepoint is open: members finished before the current one keep their work if it
    /// rolls back. Not for a group's first member, whose rollback ends the transaction.
    savepoint: bool,
    /// A closer task is queued for this group.
    closer: bool,
}

/// Counts a writer waiting for its turn, for as long as it waits (also when it gives up).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl<DB> Writer<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// A writer over the connections of `pool` (it holds one at a time), beginning each group's
    /// transaction with `begin`, telling `committed` each time a group commits. With `keep`, the
    /// pool is the writer's alone, and it keeps its connection between groups.
    pub(crate) fn new(pool: Pool<DB>, begin: &'static str, committed: Arc<Notify>, keep: bool) -> Self {
        let state = State { conn: None, keep, group: None, groups: 0, abandoned: false, committed };
        Self { state: Arc::new(Mutex::new(state)), waiting: Arc::default(), pool, begin }
    }

    /// How many write transactions wait for the writer.
    pub(crate) fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Waits for the writer, and begins a write transaction: a new group, or the next member of
    /// the open one.
    pub(crate) async fn begin(&self) -> Result<Member<DB>> {
        let state = {
            let _waiting = Waiting::enter(&self.waiting);
            self.state.clone().lock_owned().await
        };
        // Made first, so that if the caller goes away mid-way, the member's `Drop` rolls back
        // whatever was begun.
        let mut member = Member { writer: self.clone(), state: Some(state), hand_over: false };
        let state = member.state.as_mut().expect("just made");
        state.recover().await;
        if state.group.is_none() {
            state.open(&self.pool, self.begin).await?;
        }
        Ok(member)
    }
}

impl<DB> State<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// Opens a group: its transaction begins on a connection of `pool` (the one kept, if any).
    /// The group is recorded before `begin` is sent, so that a member dropped while it runs rolls
    /// it back.
    async fn open(&mut self, pool: &Pool<DB>, begin: &'static str) -> Result<()> {
        if self.conn.is_none() {
            self.conn = Some(pool.acquire().await.map_err(map)?);
        }
        self.groups += 1;
        self.group = Some(Group { id: self.groups, outcome: watch::channel(None).0, savepoint: false, closer: false });
        if let Err(e) = self.run(begin).await {
            let _ = self.end(Err(e.clone())).await;
            return Err(e);
        }
        Ok(())
    }

    /// Rolls back a member dropped unfinished, if there is one.
    async fn recover(&mut self) {
        if std::mem::take(&mut self.abandoned) {
            self.undo(&Error::internal("abandoned")).await;
        }
    }

    async fn run(&mut self, sql: &'static str) -> Result<()> {
        let conn = self.conn.as_deref_mut().ok_or_else(|| Error::internal("no write transaction is open"))?;
        sqlx::raw_sql(sql).execute(conn).await.map(drop).map_err(map)
    }

    /// Undoes the current member's work: back to its savepoint, or, for a group's first member
    /// (or when the savepoint is gone with the whole transaction), the transaction.
    async fn undo(&mut self, why: &Error) {
        let Some(group) = &self.group else { return };
        if group.savepoint {
            match self.run(ROLLBACK_TO).await {
                Ok(()) => return,
                Err(lost) => {
                    let _ = self.end(Err(lost)).await;
                    return;
                }
            }
        }
        let _ = self.end(Err(why.clone())).await;
    }

    /// Ends the group: commits it if `outcome` is a success, rolls it back otherwise, and tells
    /// its members how it ended.
    async fn end(&mut self, outcome: Result<()>) -> Result<()> {
        let result = match outcome {
            Ok(()) => match self.run(COMMIT).await {
                Ok(()) => Ok(()),
                Err(e) => {
                    let _ = self.run("ROLLBACK").await;
                    Err(e)
                }
            },
            Err(e) => {
                let _ = self.run("ROLLBACK").await;
                Err(e)
            }
        };
        self.ended(result)
    }

    /// Tells the group's members how it ended (and `committed`, if it committed), and gives its
    /// connection back to the pool, unless it is kept and the group committed (after a failure
    /// the pool's next connection is taken, in case this one is broken).
    fn ended(&mut self, result: Result<()>) -> Result<()> {
        if result.is_ok() {
            self.committed.notify_one();
        }
        if let Some(group) = self.group.take() {
            group.outcome.send_replace(Some(result.clone()));
        }
        if !self.keep || result.is_err() {
            self.conn = None;
        }
        result
    }
}

/// Commits group `id` if it is still open once the writers queued before this task are done.
async fn close<DB>(state: Arc<Mutex<State<DB>>>, id: u64)
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    let mut state = state.lock().await;
    state.recover().await;
    if state.group.as_ref().is_some_and(|g| g.id == id) {
        let _ = state.end(Ok(())).await;
    }
}

/// One write transaction of a group: it holds the writer until it commits or rolls back.
pub(crate) struct Member<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    writer: Writer<DB>,
    state: Option<OwnedMutexGuard<State<DB>>>,
    /// Decided by [`Member::commit_tail`]: the transaction goes on to a waiting writer.
    hand_over: bool,
}

impl<DB> Member<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// The connection the member's statements run on.
    pub(crate) fn connection(&mut self) -> &mut DB::Connection {
        self.state.as_mut().and_then(|s| s.conn.as_deref_mut()).expect("a member holds the open transaction")
    }

    fn connection_ref(&self) -> &DB::Connection {
        self.state.as_ref().and_then(|s| s.conn.as_deref()).expect("a member holds the open transaction")
    }

    /// Decides, as the member is about to commit, whether the transaction goes on to a waiting
    /// writer, and returns the statements to send after the member's last writes, in the same
    /// round trip: those that keep its work and open the next member's savepoint, or `COMMIT`.
    pub(crate) fn commit_tail(&mut self) -> Option<&'static str> {
        let savepoint = self.state.as_ref()?.group.as_ref()?.savepoint;
        self.hand_over = self.writer.waiting.load(Ordering::Acquire) > 0;
        Some(match (self.hand_over, savepoint) {
            (false, _) => COMMIT,
            (true, false) => SAVEPOINT,
            (true, true) => RELEASE_AND_SAVEPOINT,
        })
    }

    /// Commits the member, whose last writes (with what [`Member::commit_tail`] returned) went to
    /// the database with the result `sent`: returns once its group is committed. When the writes
    /// or the `COMMIT` sent with them failed, the member is rolled back (and, if the `COMMIT`
    /// failed, its group with it).
    pub(crate) async fn commit(mut self, sent: Result<()>) -> Result<()> {
        let mut state = self.state.take().expect("a member commits once");
        let hand_over = self.hand_over;
        let closer = self.writer.state.clone();
        let outcome = tokio::spawn(async move {
            if let Err(e) = sent {
                state.undo(&e).await;
                return Err(e);
            }
            if !hand_over {
                return state.ended(Ok(())).map(|()| None);
            }
            let group = state.group.as_mut().expect("the member's group is open");
            group.savepoint = true;
            let outcome = group.outcome.subscribe();
            if !group.closer {
                group.closer = true;
                tokio::spawn(close(closer, group.id));
            }
            Ok(Some(outcome))
        })
        .await
        .map_err(|e| Error::internal(format!("committing a write transaction failed: {e}")))??;
        let Some(mut outcome) = outcome else { return Ok(()) };
        match outcome.wait_for(Option::is_some).await {
            Ok(ended) => ended.clone().expect("waited for it"),
            Err(_) => Err(Error::Unavailable("the database (the write was not confirmed)".into())),
        }
    }

    /// Rolls the member back to where it began.
    pub(crate) async fn rollback(mut self) -> Result<()> {
        let mut state = self.state.take().expect("a member rolls back once");
        tokio::spawn(async move { state.undo(&Error::internal("rolled back")).await })
            .await
            .map_err(|e| Error::internal(format!("rolling back a write transaction failed: {e}")))
    }
}

impl<DB> Drop for Member<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    /// A member dropped unfinished (its caller went away) is rolled back in a task of its own,
    /// which holds the writer until it is done; without a runtime to run it, the next holder of
    /// the writer rolls it back first.
    fn drop(&mut self) {
        let Some(mut state) = self.state.take() else { return };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move { state.undo(&Error::internal("abandoned")).await });
            }
            Err(_) => state.abandoned = true,
        }
    }
}

impl<DB> std::ops::Deref for Member<DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
{
    type Target = DB::Connection;

    fn deref(&self) -> &DB::Connection {
        self.connection_ref()
    }
}
