//! Mutes and blocks: what one member keeps away from themself. A mute hides someone's posts
//! from the member's timelines (and, if they choose, their notifications), for good or until a
//! time. A block also ends follows both ways and hides each from the other.

use porchlight_core::{AccountId, UnixTime};
use rusqlite::{Connection, params};

/// Timeline rows (`p` the row, `s` the shown post) by someone the reader (?1) muted.
pub const NOT_MUTED: &str = "NOT EXISTS (SELECT 1 FROM account_mutes m \
     WHERE m.account_id = ?1 AND m.target_id IN (p.author_id, s.author_id) \
     AND (m.expires_at IS NULL OR m.expires_at > unixepoch()))";

/// Timeline rows by someone the reader (?1) blocked, or who blocked the reader.
pub const NOT_BLOCKED: &str = "NOT EXISTS (SELECT 1 FROM account_blocks b \
     WHERE b.account_id = ?1 AND b.target_id IN (p.author_id, s.author_id)) \
     AND NOT EXISTS (SELECT 1 FROM account_blocks b \
     WHERE b.target_id = ?1 AND b.account_id IN (p.author_id, s.author_id))";

/// Whether `member` muted or blocked anyone, was blocked by anyone, or keeps an exclusive list
/// (if not, timelines need not ask about every row).
pub fn any_for(conn: &Connection, member: AccountId) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM account_mutes WHERE account_id = ?1)
             OR EXISTS (SELECT 1 FROM account_blocks WHERE account_id = ?1)
             OR EXISTS (SELECT 1 FROM account_blocks WHERE target_id = ?1)
             OR EXISTS (SELECT 1 FROM lists WHERE account_id = ?1 AND exclusive)",
    )?
    .query_row([member], |r| r.get(0))
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mute {
    pub target: AccountId,
    pub notifications: bool,
    pub expires_at: Option<UnixTime>,
}

pub fn mute(
    conn: &Connection,
    by: AccountId,
    target: AccountId,
    notifications: bool,
    expires_at: Option<UnixTime>,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO account_mutes (account_id, target_id, notifications, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (account_id, target_id)
         DO UPDATE SET notifications = ?3, expires_at = ?4",
    )?
    .execute(params![by, target, notifications, expires_at, now])?;
    Ok(())
}

pub fn unmute(conn: &Connection, by: AccountId, target: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM account_mutes WHERE account_id = ?1 AND target_id = ?2")?
        .execute([by, target])?;
    Ok(())
}

/// The mute of `target` by `by`, if one is in force at `now`.
pub fn mute_of(
    conn: &Connection,
    by: AccountId,
    target: AccountId,
    now: UnixTime,
) -> rusqlite::Result<Option<Mute>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT target_id, notifications, expires_at FROM account_mutes
          WHERE account_id = ?1 AND target_id = ?2 AND (expires_at IS NULL OR expires_at > ?3)",
    )?
    .query_row(params![by, target, now], |r| {
        Ok(Mute {
            target: r.get(0)?,
            notifications: r.get(1)?,
            expires_at: r.get(2)?,
        })
    })
    .optional()
}

/// The mutes in force of a member, newest first.
pub fn mutes(conn: &Connection, by: AccountId, now: UnixTime) -> rusqlite::Result<Vec<Mute>> {
    conn.prepare_cached(
        "SELECT target_id, notifications, expires_at FROM account_mutes
          WHERE account_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)
          ORDER BY created_at DESC, target_id DESC",
    )?
    .query_map(params![by, now], |r| {
        Ok(Mute {
            target: r.get(0)?,
            notifications: r.get(1)?,
            expires_at: r.get(2)?,
        })
    })?
    .collect()
}

pub fn block(
    conn: &Connection,
    by: AccountId,
    target: AccountId,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO account_blocks (account_id, target_id, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![by, target, now])?;
    Ok(())
}

pub fn unblock(conn: &Connection, by: AccountId, target: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM account_blocks WHERE account_id = ?1 AND target_id = ?2")?
        .execute([by, target])?;
    Ok(())
}

pub fn blocks(conn: &Connection, by: AccountId, target: AccountId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM account_blocks WHERE account_id = ?1 AND target_id = ?2")?
        .exists([by, target])
}

/// Whom a member blocked, newest first.
pub fn blocked(conn: &Connection, by: AccountId) -> rusqlite::Result<Vec<AccountId>> {
    conn.prepare_cached(
        "SELECT target_id FROM account_blocks WHERE account_id = ?1
          ORDER BY created_at DESC, target_id DESC",
    )?
    .query_map([by], |r| r.get(0))?
    .collect()
}

/// Everyone `member` blocked or was blocked by.
pub fn blocked_either_way(
    conn: &Connection,
    member: AccountId,
) -> rusqlite::Result<Vec<AccountId>> {
    conn.prepare_cached(
        "SELECT target_id FROM account_blocks WHERE account_id = ?1
         UNION SELECT account_id FROM account_blocks WHERE target_id = ?1",
    )?
    .query_map([member], |r| r.get(0))?
    .collect()
}
