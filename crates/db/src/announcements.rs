//! Announcements from the hosts, who has dismissed each, and members' reactions to them.

use porchlight_core::{AccountId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// An announcement as one member sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    pub id: i64,
    pub text: String,
    pub html: String,
    pub created_at: UnixTime,
    /// Whether this member dismissed it.
    pub read: bool,
    /// (reaction, how many gave it, whether this member did), most given first.
    pub reactions: Vec<(String, u32, bool)>,
}

pub fn insert(
    conn: &Connection,
    text: &str,
    html: &str,
    author: AccountId,
    now: UnixTime,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO announcements (text, html, author_id, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![text, html, author, now])?;
    Ok(conn.last_insert_rowid())
}

pub fn delete(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM announcements WHERE id = ?1")?
        .execute([id])?
        > 0)
}

pub fn exists(conn: &Connection, id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM announcements WHERE id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Every announcement, newest first, as `reader` sees it.
pub fn list(conn: &Connection, reader: AccountId) -> rusqlite::Result<Vec<Announcement>> {
    let mut out: Vec<Announcement> = conn
        .prepare_cached(
            "SELECT a.id, a.text, a.html, a.created_at,
                    EXISTS (SELECT 1 FROM announcement_reads r WHERE r.announcement_id = a.id AND r.account_id = ?1)
             FROM announcements a ORDER BY a.id DESC LIMIT 50",
        )?
        .query_map([reader], |r| {
            Ok(Announcement {
                id: r.get(0)?,
                text: r.get(1)?,
                html: r.get(2)?,
                created_at: r.get(3)?,
                read: r.get(4)?,
                reactions: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT name, COUNT(*), MAX(account_id = ?2) FROM announcement_reactions
         WHERE announcement_id = ?1 GROUP BY name ORDER BY COUNT(*) DESC, name",
    )?;
    for a in &mut out {
        a.reactions = stmt
            .query_map(params![a.id, reader], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(out)
}

/// The announcements `reader` has not dismissed, oldest first (the pages' banners).
pub fn unread(conn: &Connection, reader: AccountId) -> rusqlite::Result<Vec<(i64, String)>> {
    conn.prepare_cached(
        "SELECT a.id, a.html FROM announcements a
         WHERE NOT EXISTS (SELECT 1 FROM announcement_reads r WHERE r.announcement_id = a.id AND r.account_id = ?1)
         ORDER BY a.id LIMIT 3",
    )?
    .query_map([reader], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

pub fn dismiss(conn: &Connection, id: i64, reader: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO announcement_reads (announcement_id, account_id) VALUES (?1, ?2)",
    )?
    .execute(params![id, reader])?;
    Ok(())
}

pub fn react(
    conn: &Connection,
    id: i64,
    reader: AccountId,
    name: &str,
    on: bool,
) -> rusqlite::Result<()> {
    if on {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO announcement_reactions (announcement_id, account_id, name) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![id, reader, name])?;
    } else {
        conn.prepare_cached(
            "DELETE FROM announcement_reactions WHERE announcement_id = ?1 AND account_id = ?2 AND name = ?3",
        )?
        .execute(params![id, reader, name])?;
    }
    Ok(())
}

/// Whether any announcement is up.
pub fn any(conn: &Connection) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM announcements)")?
        .query_row([], |r| r.get(0))
}
