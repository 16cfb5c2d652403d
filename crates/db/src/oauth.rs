//! OAuth2 storage: apps, authorization codes and tokens. Secrets are looked up by their SHA-256,
//! so a copy of the database holds no usable token.

use rusqlite::{Connection, OptionalExtension, Result, params};

use crate::now;
pub use porchlight_core::views::Authorized;

/// A registered client app.
#[derive(Clone, Debug)]
pub struct OAuthApp {
    pub id: i64,
    pub name: String,
    pub website: String,
    /// One per line.
    pub redirect_uris: String,
    pub scopes: String,
    pub client_id: String,
    pub secret_hash: Vec<u8>,
}

/// A token and what it belongs to.
#[derive(Clone, Debug)]
pub struct Token {
    pub id: i64,
    pub app_id: i64,
    pub account_id: Option<i64>,
    pub scopes: String,
    pub last_used: Option<i64>,
}

/// A stored authorization code.
#[derive(Clone, Debug)]
pub struct Code {
    pub app_id: i64,
    pub account_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub expires_at: i64,
    pub token_id: Option<i64>,
}

pub fn insert_app(
    conn: &Connection,
    name: &str,
    website: &str,
    redirect_uris: &str,
    scopes: &str,
    client_id: &str,
    secret_hash: &[u8],
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO oauth_apps (name, website, redirect_uris, scopes, client_id, secret_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![name, website, redirect_uris, scopes, client_id, secret_hash, now()])?;
    Ok(conn.last_insert_rowid())
}

fn app_from(row: &rusqlite::Row) -> Result<OAuthApp> {
    Ok(OAuthApp {
        id: row.get(0)?,
        name: row.get(1)?,
        website: row.get(2)?,
        redirect_uris: row.get(3)?,
        scopes: row.get(4)?,
        client_id: row.get(5)?,
        secret_hash: row.get(6)?,
    })
}

const APP_COLUMNS: &str = "id, name, website, redirect_uris, scopes, client_id, secret_hash";

pub fn app_by_client_id(conn: &Connection, client_id: &str) -> Result<Option<OAuthApp>> {
    conn.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM oauth_apps WHERE client_id = ?1"
    ))?
    .query_row([client_id], app_from)
    .optional()
}

pub fn app_by_id(conn: &Connection, id: i64) -> Result<Option<OAuthApp>> {
    conn.prepare_cached(&format!(
        "SELECT {APP_COLUMNS} FROM oauth_apps WHERE id = ?1"
    ))?
    .query_row([id], app_from)
    .optional()
}

#[allow(clippy::too_many_arguments)]
pub fn insert_code(
    conn: &Connection,
    code_hash: &[u8],
    app_id: i64,
    account_id: i64,
    redirect_uri: &str,
    scopes: &str,
    code_challenge: Option<&str>,
    expires_at: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO oauth_codes (code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![code_hash, app_id, account_id, redirect_uri, scopes, code_challenge, expires_at])?;
    Ok(())
}

pub fn code(conn: &Connection, code_hash: &[u8]) -> Result<Option<Code>> {
    conn.prepare_cached(
        "SELECT app_id, account_id, redirect_uri, scopes, code_challenge, expires_at, token_id
         FROM oauth_codes WHERE code_hash = ?1",
    )?
    .query_row([code_hash], |r| {
        Ok(Code {
            app_id: r.get(0)?,
            account_id: r.get(1)?,
            redirect_uri: r.get(2)?,
            scopes: r.get(3)?,
            code_challenge: r.get(4)?,
            expires_at: r.get(5)?,
            token_id: r.get(6)?,
        })
    })
    .optional()
}

/// Marks a code as exchanged for `token_id` (0 when the exchange was refused).
pub fn use_code(conn: &Connection, code_hash: &[u8], token_id: i64) -> Result<()> {
    conn.prepare_cached("UPDATE oauth_codes SET token_id = ?2 WHERE code_hash = ?1")?
        .execute(params![code_hash, token_id])?;
    Ok(())
}

/// Codes are short-lived; old ones are swept whenever a new one is made.
pub fn delete_expired_codes(conn: &Connection, before: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM oauth_codes WHERE expires_at < ?1")?
        .execute([before])?;
    Ok(())
}

pub fn insert_token(
    conn: &Connection,
    token_hash: &[u8],
    app_id: i64,
    account_id: Option<i64>,
    scopes: &str,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO oauth_tokens (token_hash, app_id, account_id, scopes, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![token_hash, app_id, account_id, scopes, now()])?;
    Ok(conn.last_insert_rowid())
}

pub fn token(conn: &Connection, token_hash: &[u8]) -> Result<Option<Token>> {
    conn.prepare_cached(
        "SELECT id, app_id, account_id, scopes, last_used FROM oauth_tokens WHERE token_hash = ?1",
    )?
    .query_row([token_hash], |r| {
        Ok(Token {
            id: r.get(0)?,
            app_id: r.get(1)?,
            account_id: r.get(2)?,
            scopes: r.get(3)?,
            last_used: r.get(4)?,
        })
    })
    .optional()
}

pub fn touch_token(conn: &Connection, id: i64, at: i64) -> Result<()> {
    conn.prepare_cached("UPDATE oauth_tokens SET last_used = ?2 WHERE id = ?1")?
        .execute(params![id, at])?;
    Ok(())
}

pub fn delete_token(conn: &Connection, id: i64) -> Result<usize> {
    conn.prepare_cached("DELETE FROM oauth_tokens WHERE id = ?1")?
        .execute([id])
}

/// Takes back every token and unused code a member gave any app (their password changed: an
/// app's access must not outlive the password it was given with).
pub fn delete_all_tokens_of(conn: &Connection, account_id: i64) -> Result<usize> {
    conn.prepare_cached("DELETE FROM oauth_codes WHERE account_id = ?1")?
        .execute([account_id])?;
    conn.prepare_cached("DELETE FROM oauth_tokens WHERE account_id = ?1")?
        .execute([account_id])
}

/// Takes back every token a member gave an app.
pub fn delete_tokens_of(conn: &Connection, account_id: i64, app_id: i64) -> Result<usize> {
    conn.prepare_cached("DELETE FROM oauth_tokens WHERE account_id = ?1 AND app_id = ?2")?
        .execute([account_id, app_id])
}

/// The apps a member has tokens for, newest first.
pub fn authorized_apps(conn: &Connection, account_id: i64) -> Result<Vec<Authorized>> {
    let mut statement = conn.prepare_cached(
        "SELECT a.id, a.name, a.website, group_concat(t.scopes, ' '), min(t.created_at), max(t.last_used)
         FROM oauth_tokens t JOIN oauth_apps a ON a.id = t.app_id
         WHERE t.account_id = ?1
         GROUP BY a.id ORDER BY min(t.created_at) DESC",
    )?;
    statement
        .query_map([account_id], |r| {
            Ok(Authorized {
                app_id: r.get(0)?,
                name: r.get(1)?,
                website: r.get(2)?,
                scopes: r.get(3)?,
                since: r.get(4)?,
                last_used: r.get(5)?,
            })
        })?
        .collect()
}

/// The post an Idempotency-Key already made, if any (keys are kept for an hour).
pub fn idempotent_post(conn: &Connection, account_id: i64, key: &str) -> Result<Option<i64>> {
    conn.prepare_cached(
        "SELECT post_id FROM idempotency_keys WHERE account_id = ?1 AND key = ?2 AND created_at > ?3",
    )?
    .query_row(params![account_id, key, now() - 3600], |r| r.get(0))
    .optional()
}

pub fn remember_idempotent_post(
    conn: &Connection,
    account_id: i64,
    key: &str,
    post_id: i64,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM idempotency_keys WHERE created_at <= ?1")?
        .execute([now() - 3600])?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO idempotency_keys (account_id, key, post_id, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![account_id, key, post_id, now()])?;
    Ok(())
}

/// Where a member stopped reading one timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    pub timeline: String,
    pub last_read_id: String,
    pub version: i64,
    pub updated_at: i64,
}

pub fn markers(conn: &Connection, account: i64) -> Result<Vec<Marker>> {
    conn.prepare_cached(
        "SELECT timeline, last_read_id, version, updated_at FROM markers WHERE account_id = ?1",
    )?
    .query_map([account], |r| {
        Ok(Marker {
            timeline: r.get(0)?,
            last_read_id: r.get(1)?,
            version: r.get(2)?,
            updated_at: r.get(3)?,
        })
    })?
    .collect()
}

/// Moves a marker (its version counts the moves).
pub fn set_marker(
    conn: &Connection,
    account: i64,
    timeline: &str,
    last_read_id: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO markers (account_id, timeline, last_read_id, version, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4)
         ON CONFLICT (account_id, timeline)
         DO UPDATE SET last_read_id = excluded.last_read_id, version = version + 1,
                       updated_at = excluded.updated_at",
    )?
    .execute(params![account, timeline, last_read_id, now()])?;
    Ok(())
}
