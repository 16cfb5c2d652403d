//! Members' keyword filters and their keywords.

use porchlight_core::filters::{Action, Context};
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

pub type FilterId = i64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Keyword {
    pub id: i64,
    pub keyword: String,
    pub whole_word: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub id: FilterId,
    pub title: String,
    pub contexts: Vec<Context>,
    pub action: Action,
    pub expires_at: Option<UnixTime>,
    pub keywords: Vec<Keyword>,
}

fn contexts_text(contexts: &[Context]) -> String {
    contexts
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A member's filters (with their keywords), the expired ones included when `now` is None.
pub fn of_member(
    conn: &Connection,
    owner: AccountId,
    now: Option<UnixTime>,
) -> rusqlite::Result<Vec<Filter>> {
    let mut filters: Vec<Filter> = conn
        .prepare_cached(
            "SELECT id, title, contexts, action, expires_at FROM filters
              WHERE account_id = ?1 AND (?2 IS NULL OR expires_at IS NULL OR expires_at > ?2)
              ORDER BY id",
        )?
        .query_map(params![owner, now], |r| {
            let contexts: String = r.get(2)?;
            let action: String = r.get(3)?;
            Ok(Filter {
                id: r.get(0)?,
                title: r.get(1)?,
                contexts: contexts.split(',').filter_map(Context::parse).collect(),
                action: Action::parse(&action).unwrap_or(Action::Warn),
                expires_at: r.get(4)?,
                keywords: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut keywords = conn.prepare_cached(
        "SELECT id, keyword, whole_word FROM filter_keywords WHERE filter_id = ?1 ORDER BY id",
    )?;
    for f in &mut filters {
        f.keywords = keywords
            .query_map([f.id], |r| {
                Ok(Keyword {
                    id: r.get(0)?,
                    keyword: r.get(1)?,
                    whole_word: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(filters)
}

/// Whether a member has any filter in force (most have none, and pay nothing for filters).
pub fn any_in_force(conn: &Connection, owner: AccountId, now: UnixTime) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT 1 FROM filters WHERE account_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
    )?
    .exists(params![owner, now])
}

pub fn own(conn: &Connection, id: FilterId, owner: AccountId) -> rusqlite::Result<Option<Filter>> {
    Ok(of_member(conn, owner, None)?
        .into_iter()
        .find(|f| f.id == id))
}

pub fn create(
    conn: &Connection,
    owner: AccountId,
    title: &str,
    contexts: &[Context],
    action: Action,
    expires_at: Option<UnixTime>,
    now: UnixTime,
) -> rusqlite::Result<FilterId> {
    conn.prepare_cached(
        "INSERT INTO filters (account_id, title, contexts, action, expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        owner,
        title,
        contexts_text(contexts),
        action.as_str(),
        expires_at,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn update(
    conn: &Connection,
    id: FilterId,
    title: &str,
    contexts: &[Context],
    action: Action,
    expires_at: Option<UnixTime>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE filters SET title = ?2, contexts = ?3, action = ?4, expires_at = ?5 WHERE id = ?1",
    )?
    .execute(params![
        id,
        title,
        contexts_text(contexts),
        action.as_str(),
        expires_at
    ])?;
    Ok(())
}

pub fn delete(conn: &Connection, id: FilterId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM filters WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn add_keyword(
    conn: &Connection,
    filter: FilterId,
    keyword: &str,
    whole_word: bool,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO filter_keywords (filter_id, keyword, whole_word) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![filter, keyword, whole_word])?;
    Ok(conn.last_insert_rowid())
}

pub fn update_keyword(
    conn: &Connection,
    id: i64,
    keyword: &str,
    whole_word: bool,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE filter_keywords SET keyword = ?2, whole_word = ?3 WHERE id = ?1")?
        .execute(params![id, keyword, whole_word])?;
    Ok(())
}

pub fn delete_keyword(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM filter_keywords WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// The filter a keyword belongs to, if its owner is `owner`.
pub fn keyword_owner(
    conn: &Connection,
    keyword: i64,
    owner: AccountId,
) -> rusqlite::Result<Option<FilterId>> {
    conn.prepare_cached(
        "SELECT k.filter_id FROM filter_keywords k JOIN filters f ON f.id = k.filter_id
          WHERE k.id = ?1 AND f.account_id = ?2",
    )?
    .query_row([keyword, owner], |r| r.get(0))
    .optional()
}

/// The texts filters look at: each post's words and content warning.
pub fn texts_of(conn: &Connection, posts: &[PostId]) -> rusqlite::Result<Vec<(PostId, String)>> {
    let mut stmt =
        conn.prepare_cached("SELECT text || ' ' || content_warning FROM posts WHERE id = ?1")?;
    let mut out = Vec::with_capacity(posts.len());
    for &id in posts {
        if let Some(text) = stmt.query_row([id], |r| r.get(0)).optional()? {
            out.push((id, text));
        }
    }
    Ok(out)
}

/// One keyword by its id.
pub fn of_member_keyword(conn: &Connection, id: i64) -> rusqlite::Result<Option<Keyword>> {
    conn.prepare_cached("SELECT id, keyword, whole_word FROM filter_keywords WHERE id = ?1")?
        .query_row([id], |r| {
            Ok(Keyword {
                id: r.get(0)?,
                keyword: r.get(1)?,
                whole_word: r.get(2)?,
            })
        })
        .optional()
}

pub fn keyword_count(conn: &Connection, filter: FilterId) -> rusqlite::Result<usize> {
    let count: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM filter_keywords WHERE filter_id = ?1")?
        .query_row([filter], |r| r.get(0))?;
    Ok(count as usize)
}
