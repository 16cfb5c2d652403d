//! Storage for moving accounts (docs/MOVING.md): the other accounts a member says are theirs,
//! where an account moved to, and who here follows someone who moved.

use porchlight_core::{AccountId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// The accounts elsewhere a member says are theirs too (actor ids), oldest first: what their
/// actor document's `alsoKnownAs` lists.
pub fn aliases(conn: &Connection, account: AccountId) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached(
        "SELECT uri FROM account_aliases WHERE account_id = ?1 ORDER BY added_at, uri",
    )?
    .query_map([account], |r| r.get(0))?
    .collect()
}

/// Adds an alias; false if it was there already.
pub fn add_alias(
    conn: &Connection,
    account: AccountId,
    uri: &str,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT OR IGNORE INTO account_aliases (account_id, uri, added_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![account, uri, now])?
        == 1)
}

/// Removes an alias; false if there was none.
pub fn remove_alias(conn: &Connection, account: AccountId, uri: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM account_aliases WHERE account_id = ?1 AND uri = ?2")?
        .execute(params![account, uri])?
        == 1)
}

/// Records that an account (a member, or someone elsewhere) moved to `target` (an actor id).
pub fn set_moved(
    conn: &Connection,
    account: AccountId,
    target: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE accounts SET moved_to = ?2, moved_at = ?3 WHERE id = ?1")?
        .execute(params![account, target, now])?;
    Ok(())
}

/// An account elsewhere no longer says it moved.
pub fn clear_moved(conn: &Connection, account: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET moved_to = NULL, moved_at = NULL
         WHERE id = ?1 AND domain IS NOT NULL AND moved_to IS NOT NULL",
    )?
    .execute([account])?;
    Ok(())
}

/// Where an account moved to, if it has.
pub fn moved_to(conn: &Connection, account: AccountId) -> rusqlite::Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT moved_to FROM accounts WHERE id = ?1")?
        .query_row([account], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten())
}

/// The members here who follow `account`, with their usernames.
pub fn member_followers(
    conn: &Connection,
    account: AccountId,
) -> rusqlite::Result<Vec<(AccountId, String)>> {
    conn.prepare_cached(
        "SELECT a.id, a.username FROM follows f
           JOIN accounts a ON a.id = f.follower_id
           JOIN users u ON u.account_id = a.id
         WHERE f.followee_id = ?1
         ORDER BY a.id",
    )?
    .query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}
