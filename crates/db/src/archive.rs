//! Storage for archives (docs/MOVING.md): what a member's export reads (their posts by id, the
//! people and posts on their lists), the export and import jobs with their progress, and the
//! posts an import brought in.

use porchlight_core::views::ArchiveJob;
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Someone as an archive names them: their username and their server (None: this camp).
pub type Address = (String, Option<String>);

/// How many posts a member wrote (boosts included; direct ones only if `direct`).
pub fn count_posts_by(conn: &Connection, author: AccountId, direct: bool) -> rusqlite::Result<u64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM posts WHERE author_id = ?1 AND (?2 OR audience != 'direct')",
    )?
    .query_row(params![author, direct], |r| r.get::<_, i64>(0))
    .map(|n| n.max(0) as u64)
}

/// The next `limit` posts of a member after `after`, oldest first (an archive's order); direct
/// ones only if `direct`.
pub fn posts_by(
    conn: &Connection,
    author: AccountId,
    after: PostId,
    limit: u32,
    direct: bool,
) -> rusqlite::Result<Vec<PostId>> {
    conn.prepare_cached(
        "SELECT id FROM posts WHERE author_id = ?1 AND id > ?2
           AND (?4 OR audience != 'direct') ORDER BY id LIMIT ?3",
    )?
    .query_map(params![author, after, limit, direct], |r| r.get(0))?
    .collect()
}

fn address(row: &Row, at: usize) -> rusqlite::Result<Address> {
    Ok((row.get(at)?, row.get(at + 1)?))
}

/// Whom a member follows.
pub fn following(conn: &Connection, member: AccountId) -> rusqlite::Result<Vec<Address>> {
    conn.prepare_cached(
        "SELECT a.username, a.domain FROM follows f JOIN accounts a ON a.id = f.followee_id
         WHERE f.follower_id = ?1 ORDER BY f.created_at",
    )?
    .query_map([member], |r| address(r, 0))?
    .collect()
}

/// Whom a member blocks.
pub fn blocked(conn: &Connection, member: AccountId) -> rusqlite::Result<Vec<Address>> {
    conn.prepare_cached(
        "SELECT a.username, a.domain FROM account_blocks b JOIN accounts a ON a.id = b.target_id
         WHERE b.account_id = ?1 ORDER BY b.created_at",
    )?
    .query_map([member], |r| address(r, 0))?
    .collect()
}

/// Whom a member mutes (for good or still), and whether their notifications are muted too.
pub fn muted(
    conn: &Connection,
    member: AccountId,
    now: UnixTime,
) -> rusqlite::Result<Vec<(Address, bool)>> {
    conn.prepare_cached(
        "SELECT a.username, a.domain, m.notifications FROM account_mutes m
           JOIN accounts a ON a.id = m.target_id
         WHERE m.account_id = ?1 AND (m.expires_at IS NULL OR m.expires_at > ?2)
         ORDER BY m.created_at",
    )?
    .query_map(params![member, now], |r| Ok((address(r, 0)?, r.get(2)?)))?
    .collect()
}

/// The people on a member's lists, by the list's title.
pub fn list_entries(
    conn: &Connection,
    member: AccountId,
) -> rusqlite::Result<Vec<(String, Address)>> {
    conn.prepare_cached(
        "SELECT l.title, a.username, a.domain FROM lists l
           JOIN list_members m ON m.list_id = l.id
           JOIN accounts a ON a.id = m.account_id
         WHERE l.account_id = ?1 ORDER BY l.id, a.id",
    )?
    .query_map([member], |r| Ok((r.get(0)?, address(r, 1)?)))?
    .collect()
}

/// The posts a member favourited or bookmarked (`bookmarks`: which), with the address they
/// have elsewhere (None: a post of this camp).
pub fn marked_posts(
    conn: &Connection,
    member: AccountId,
    bookmarks: bool,
) -> rusqlite::Result<Vec<(PostId, Option<String>)>> {
    let table = if bookmarks { "bookmarks" } else { "favourites" };
    conn.prepare_cached(&format!(
        "SELECT p.id, p.uri FROM {table} m JOIN posts p ON p.id = m.post_id
         WHERE m.account_id = ?1 ORDER BY m.created_at"
    ))?
    .query_map([member], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// The post an import brought in from `original` (its id in the archive), if any.
pub fn imported(
    conn: &Connection,
    author: AccountId,
    original: &str,
) -> rusqlite::Result<Option<PostId>> {
    conn.prepare_cached("SELECT id FROM posts WHERE author_id = ?1 AND imported_from = ?2")?
        .query_row(params![author, original], |r| r.get(0))
        .optional()
}

/// Marks a post as brought in from an archive, dated as it was written there.
pub fn mark_imported(
    conn: &Connection,
    post: PostId,
    original: &str,
    written_at: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE posts SET imported_from = ?2, created_at = ?3 WHERE id = ?1")?
        .execute(params![post, original, written_at])?;
    Ok(())
}

/// Whether an export or an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Export,
    Import,
    /// A host's bundle of the archives of the members who want to go to a Camp 2.
    Fork,
    /// Such a bundle brought into a new camp.
    ForkImport,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Export => "export",
            JobKind::Import => "import",
            JobKind::Fork => "fork",
            JobKind::ForkImport => "fork_import",
        }
    }

    pub fn parse(text: &str) -> Option<JobKind> {
        [
            JobKind::Export,
            JobKind::Import,
            JobKind::Fork,
            JobKind::ForkImport,
        ]
        .into_iter()
        .find(|k| k.as_str() == text)
    }
}

const JOB_COLUMNS: &str =
    "id, account_id, kind, state, done, total, file, report, created_at, finished_at";

fn job_from_row(row: &Row) -> rusqlite::Result<ArchiveJob> {
    Ok(ArchiveJob {
        id: row.get(0)?,
        account_id: row.get(1)?,
        kind: row.get(2)?,
        state: row.get(3)?,
        done: row.get::<_, i64>(4)?.max(0) as u64,
        total: row.get::<_, i64>(5)?.max(0) as u64,
        file: row.get(6)?,
        report: row.get(7)?,
        created_at: row.get(8)?,
        finished_at: row.get(9)?,
    })
}

/// Queues an export or import of `file` (in the data folder) for a member.
pub fn add_job(
    conn: &Connection,
    member: AccountId,
    kind: JobKind,
    file: &str,
    now: UnixTime,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO archive_jobs (account_id, kind, state, file, created_at)
         VALUES (?1, ?2, 'queued', ?3, ?4)",
    )?
    .execute(params![member, kind.as_str(), file, now])?;
    Ok(conn.last_insert_rowid())
}

pub fn job(conn: &Connection, id: i64) -> rusqlite::Result<Option<ArchiveJob>> {
    conn.prepare_cached(&format!(
        "SELECT {JOB_COLUMNS} FROM archive_jobs WHERE id = ?1"
    ))?
    .query_row([id], job_from_row)
    .optional()
}

/// A member's exports or imports, newest first.
pub fn jobs_of(
    conn: &Connection,
    member: AccountId,
    kind: JobKind,
) -> rusqlite::Result<Vec<ArchiveJob>> {
    conn.prepare_cached(&format!(
        "SELECT {JOB_COLUMNS} FROM archive_jobs WHERE account_id = ?1 AND kind = ?2 ORDER BY id DESC"
    ))?
    .query_map(params![member, kind.as_str()], job_from_row)?
    .collect()
}

/// The oldest job waiting, taken (marked running).
pub fn take_queued(conn: &Connection) -> rusqlite::Result<Option<ArchiveJob>> {
    let Some(id) = conn
        .prepare_cached("SELECT id FROM archive_jobs WHERE state = 'queued' ORDER BY id LIMIT 1")?
        .query_row([], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(None);
    };
    conn.prepare_cached("UPDATE archive_jobs SET state = 'running' WHERE id = ?1")?
        .execute([id])?;
    job(conn, id)
}

/// Whether any job waits.
pub fn jobs_waiting(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM archive_jobs WHERE state = 'queued')")?
        .query_row([], |r| r.get(0))
}

/// Jobs a stop interrupted (running when the camp started) wait again: nothing acknowledged
/// is lost. Returns how many.
pub fn requeue_running(conn: &Connection) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE archive_jobs SET state = 'queued', done = 0 WHERE state = 'running'",
    )?
    .execute([])
}

pub fn set_progress(conn: &Connection, id: i64, done: u64, total: u64) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE archive_jobs SET done = ?2, total = ?3 WHERE id = ?1")?
        .execute(params![id, done as i64, total as i64])?;
    Ok(())
}

/// Ends a job: done (or failed), with what it has to say.
pub fn finish_job(
    conn: &Connection,
    id: i64,
    done: bool,
    report: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE archive_jobs SET state = ?2, report = ?3, finished_at = ?4 WHERE id = ?1",
    )?
    .execute(params![
        id,
        if done { "done" } else { "failed" },
        report,
        now
    ])?;
    Ok(())
}

/// The files of every job (in the data folder), or of one member's (`member`).
pub fn job_files(conn: &Connection, member: Option<AccountId>) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT file FROM archive_jobs WHERE ?1 IS NULL OR account_id = ?1")?
        .query_map([member], |r| r.get(0))?
        .collect()
}

pub fn delete_job(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM archive_jobs WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Whether a member wants to go along if the camp forks.
pub fn set_fork_consent(conn: &Connection, member: AccountId, wants: bool) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET fork_consent = ?2 WHERE account_id = ?1")?
        .execute(params![member, wants])?;
    Ok(())
}

/// The members who want to go along if the camp forks, by username.
pub fn fork_consenting(conn: &Connection) -> rusqlite::Result<Vec<(AccountId, String)>> {
    conn.prepare_cached(
        "SELECT a.id, a.username FROM users u JOIN accounts a ON a.id = u.account_id
         WHERE u.fork_consent AND a.moved_to IS NULL ORDER BY a.username",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}
