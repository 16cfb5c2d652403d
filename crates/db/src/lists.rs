//! Members' lists of people they follow.

use porchlight_core::lists::RepliesPolicy;
use porchlight_core::{AccountId, UnixTime};
use rusqlite::{Connection, OptionalExtension, Row, params};

pub type ListId = i64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct List {
    pub id: ListId,
    pub owner: AccountId,
    pub title: String,
    pub replies_policy: RepliesPolicy,
    /// Posts by its people are kept off the owner's home timeline.
    pub exclusive: bool,
}

const COLUMNS: &str = "id, account_id, title, replies_policy, exclusive";

fn from_row(row: &Row) -> rusqlite::Result<List> {
    let policy: String = row.get(3)?;
    Ok(List {
        id: row.get(0)?,
        owner: row.get(1)?,
        title: row.get(2)?,
        replies_policy: RepliesPolicy::parse(&policy).unwrap_or(RepliesPolicy::List),
        exclusive: row.get(4)?,
    })
}

pub fn create(
    conn: &Connection,
    owner: AccountId,
    title: &str,
    policy: RepliesPolicy,
    exclusive: bool,
    now: UnixTime,
) -> rusqlite::Result<ListId> {
    conn.prepare_cached(
        "INSERT INTO lists (account_id, title, replies_policy, exclusive, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![owner, title, policy.as_str(), exclusive, now])?;
    Ok(conn.last_insert_rowid())
}

/// A member's own list.
pub fn own(conn: &Connection, id: ListId, owner: AccountId) -> rusqlite::Result<Option<List>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM lists WHERE id = ?1 AND account_id = ?2"
    ))?
    .query_row(params![id, owner], from_row)
    .optional()
}

/// A member's lists, by title.
pub fn of_owner(conn: &Connection, owner: AccountId) -> rusqlite::Result<Vec<List>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM lists WHERE account_id = ?1 ORDER BY title COLLATE NOCASE, id"
    ))?
    .query_map([owner], from_row)?
    .collect()
}

/// The owner's lists that `account` is on.
pub fn containing(
    conn: &Connection,
    owner: AccountId,
    account: AccountId,
) -> rusqlite::Result<Vec<List>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM lists
          WHERE account_id = ?1 AND id IN (SELECT list_id FROM list_members WHERE account_id = ?2)
          ORDER BY title COLLATE NOCASE, id"
    ))?
    .query_map([owner, account], from_row)?
    .collect()
}

pub fn update(
    conn: &Connection,
    id: ListId,
    title: &str,
    policy: RepliesPolicy,
    exclusive: bool,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE lists SET title = ?2, replies_policy = ?3, exclusive = ?4 WHERE id = ?1",
    )?
    .execute(params![id, title, policy.as_str(), exclusive])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: ListId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM lists WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// The people on a list, by account id.
pub fn members(conn: &Connection, id: ListId) -> rusqlite::Result<Vec<AccountId>> {
    conn.prepare_cached(
        "SELECT account_id FROM list_members WHERE list_id = ?1 ORDER BY account_id",
    )?
    .query_map([id], |r| r.get(0))?
    .collect()
}

pub fn add_member(conn: &Connection, id: ListId, account: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO list_members (list_id, account_id) VALUES (?1, ?2)",
    )?
    .execute([id, account])?;
    Ok(())
}

pub fn remove_member(conn: &Connection, id: ListId, account: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM list_members WHERE list_id = ?1 AND account_id = ?2")?
        .execute([id, account])?;
    Ok(())
}

/// Takes `account` off every list of `owner` (when the owner stops following them).
pub fn forget_in_lists_of(
    conn: &Connection,
    owner: AccountId,
    account: AccountId,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM list_members
          WHERE account_id = ?2 AND list_id IN (SELECT id FROM lists WHERE account_id = ?1)",
    )?
    .execute([owner, account])?;
    Ok(())
}
