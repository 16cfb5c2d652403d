//! Writing posts and the things people do to them: reply, boost, favourite, bookmark, edit,
//! delete. Counters on the post row are kept in step in the same transaction.

use porchlight_core::audience::Audience;
pub use porchlight_core::views::PostVersion;
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// The facts about one post that the rules need (audience, author, who is mentioned).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostFacts {
    pub id: PostId,
    pub author_id: AccountId,
    pub audience: Audience,
    pub boost_of: Option<PostId>,
    pub in_reply_to: Option<PostId>,
    pub text: String,
    pub content_warning: String,
}

pub fn facts(conn: &Connection, id: PostId) -> rusqlite::Result<Option<PostFacts>> {
    conn.prepare_cached(
        "SELECT id, author_id, audience, boost_of, in_reply_to, text, content_warning
         FROM posts WHERE id = ?1",
    )?
    .query_row([id], |r| {
        let audience: String = r.get(2)?;
        Ok(PostFacts {
            id: r.get(0)?,
            author_id: r.get(1)?,
            audience: Audience::parse(&audience).unwrap_or(Audience::Direct),
            boost_of: r.get(3)?,
            in_reply_to: r.get(4)?,
            text: r.get(5)?,
            content_warning: r.get(6)?,
        })
    })
    .optional()
}

pub fn is_mentioned(conn: &Connection, post: PostId, account: AccountId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM post_mentions WHERE post_id = ?1 AND account_id = ?2")?
        .exists([post, account])
}

pub struct NewPost<'a> {
    pub author_id: AccountId,
    pub audience: Audience,
    pub text: &'a str,
    pub html: &'a str,
    pub content_warning: &'a str,
    pub in_reply_to: Option<PostId>,
    pub mentions: &'a [AccountId],
    pub tags: &'a [String],
    pub now: UnixTime,
}

pub fn insert_post(conn: &Connection, post: &NewPost) -> rusqlite::Result<PostId> {
    conn.prepare_cached(
        "INSERT INTO posts (author_id, audience, text, html, content_warning, in_reply_to, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        post.author_id,
        post.audience.as_str(),
        post.text,
        post.html,
        post.content_warning,
        post.in_reply_to,
        post.now
    ])?;
    let id = conn.last_insert_rowid();
    insert_mentions_and_tags(conn, id, post.mentions, post.tags)?;
    if let Some(parent) = post.in_reply_to {
        conn.prepare_cached("UPDATE posts SET reply_count = reply_count + 1 WHERE id = ?1")?
            .execute([parent])?;
    }
    Ok(id)
}

fn insert_mentions_and_tags(
    conn: &Connection,
    id: PostId,
    mentions: &[AccountId],
    tags: &[String],
) -> rusqlite::Result<()> {
    let mut mention = conn.prepare_cached(
        "INSERT OR IGNORE INTO post_mentions (post_id, account_id) VALUES (?1, ?2)",
    )?;
    for account in mentions {
        mention.execute([id, *account])?;
    }
    let mut tag =
        conn.prepare_cached("INSERT OR IGNORE INTO post_tags (tag, post_id) VALUES (?1, ?2)")?;
    for t in tags {
        tag.execute(params![t, id])?;
    }
    Ok(())
}

/// Replaces a post's text, keeping the previous version in its history. Mentions added by the edit
/// are returned so that they can be notified; mentions are only ever added, never removed, so an
/// edit cannot take a post away from someone who was already shown it.
/// A post's new text, rendered, with the members it mentions and its hashtags.
pub struct NewText<'a> {
    pub text: &'a str,
    pub html: &'a str,
    pub content_warning: &'a str,
    pub mentions: &'a [AccountId],
    pub tags: &'a [String],
}

pub fn edit_post(
    conn: &Connection,
    id: PostId,
    new: &NewText,
    now: UnixTime,
) -> rusqlite::Result<Vec<AccountId>> {
    conn.prepare_cached(
        "INSERT INTO post_edits (post_id, text, html, content_warning, written_at)
         SELECT id, text, html, content_warning, COALESCE(edited_at, created_at) FROM posts WHERE id = ?1",
    )?
    .execute([id])?;
    conn.prepare_cached(
        "UPDATE posts SET text = ?2, html = ?3, content_warning = ?4, edited_at = ?5 WHERE id = ?1",
    )?
    .execute(params![id, new.text, new.html, new.content_warning, now])?;
    let mut new_mentions = Vec::new();
    for account in new.mentions {
        if !is_mentioned(conn, id, *account)? {
            new_mentions.push(*account);
        }
    }
    conn.prepare_cached("DELETE FROM post_tags WHERE post_id = ?1")?
        .execute([id])?;
    insert_mentions_and_tags(conn, id, new.mentions, new.tags)?;
    Ok(new_mentions)
}

/// Earlier versions, newest first.
pub fn history(conn: &Connection, id: PostId) -> rusqlite::Result<Vec<PostVersion>> {
    conn.prepare_cached(
        "SELECT html, content_warning, written_at FROM post_edits WHERE post_id = ?1 ORDER BY id DESC",
    )?
    .query_map([id], |r| {
        Ok(PostVersion {
            html: r.get(0)?,
            content_warning: r.get(1)?,
            written_at: r.get(2)?,
        })
    })?
    .collect()
}

/// Deletes a post (its boosts, favourites, bookmarks and notifications go with it; replies stay,
/// shown as answering a deleted post).
pub fn delete_post(conn: &Connection, id: PostId) -> rusqlite::Result<()> {
    let facts = facts(conn, id)?;
    if let Some(facts) = &facts {
        if let Some(parent) = facts.in_reply_to {
            conn.prepare_cached(
                "UPDATE posts SET reply_count = MAX(reply_count - 1, 0) WHERE id = ?1",
            )?
            .execute([parent])?;
        }
        if let Some(original) = facts.boost_of {
            conn.prepare_cached(
                "UPDATE posts SET boost_count = MAX(boost_count - 1, 0) WHERE id = ?1",
            )?
            .execute([original])?;
        }
    }
    conn.prepare_cached("DELETE FROM posts WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// The boost row of `account` for `original`, if they boosted it.
pub fn boost_by(
    conn: &Connection,
    account: AccountId,
    original: PostId,
) -> rusqlite::Result<Option<PostId>> {
    conn.prepare_cached("SELECT id FROM posts WHERE author_id = ?1 AND boost_of = ?2")?
        .query_row([account, original], |r| r.get(0))
        .optional()
}

/// Records a boost; returns None if it was already boosted by this account.
pub fn insert_boost(
    conn: &Connection,
    account: AccountId,
    original: PostId,
    audience: Audience,
    now: UnixTime,
) -> rusqlite::Result<Option<PostId>> {
    let changed = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO posts (author_id, audience, boost_of, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![account, audience.as_str(), original, now])?;
    if changed == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid();
    conn.prepare_cached("UPDATE posts SET boost_count = boost_count + 1 WHERE id = ?1")?
        .execute([original])?;
    Ok(Some(id))
}

/// Sets or clears a favourite; returns whether anything changed.
pub fn set_favourite(
    conn: &Connection,
    account: AccountId,
    post: PostId,
    on: bool,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    let changed = set_mark(conn, "favourites", account, post, on, now)?;
    if changed {
        let delta = if on { 1 } else { -1 };
        conn.prepare_cached(
            "UPDATE posts SET favourite_count = MAX(favourite_count + ?2, 0) WHERE id = ?1",
        )?
        .execute([post, delta])?;
    }
    Ok(changed)
}

pub fn set_bookmark(
    conn: &Connection,
    account: AccountId,
    post: PostId,
    on: bool,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    set_mark(conn, "bookmarks", account, post, on, now)
}

/// Adds or removes an account's mark on a post in one of the tables keyed by (account, post):
/// favourites, bookmarks, pins. Returns whether anything changed.
fn set_mark(
    conn: &Connection,
    table: &'static str,
    account: AccountId,
    post: PostId,
    on: bool,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    let changed = if on {
        conn.prepare_cached(&format!(
            "INSERT OR IGNORE INTO {table} (account_id, post_id, created_at) VALUES (?1, ?2, ?3)"
        ))?
        .execute(params![account, post, now])?
    } else {
        conn.prepare_cached(&format!(
            "DELETE FROM {table} WHERE account_id = ?1 AND post_id = ?2"
        ))?
        .execute([account, post])?
    };
    Ok(changed == 1)
}

/// Pins or unpins a post on its author's profile; returns whether anything changed.
pub fn set_pin(
    conn: &Connection,
    account: AccountId,
    post: PostId,
    on: bool,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    set_mark(conn, "pins", account, post, on, now)
}

/// How many posts a member has pinned.
pub fn count_pins(conn: &Connection, account: AccountId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM pins WHERE account_id = ?1")?
        .query_row([account], |r| r.get(0))
}

/// The posts a member pinned, newest pin first.
pub fn pinned(conn: &Connection, account: AccountId) -> rusqlite::Result<Vec<PostId>> {
    conn.prepare_cached(
        "SELECT post_id FROM pins WHERE account_id = ?1 ORDER BY created_at DESC, post_id DESC",
    )?
    .query_map([account], |r| r.get(0))?
    .collect()
}

/// How many posts `author` wrote (boosts are not posts of their own).
pub fn count_written_by(conn: &Connection, author: AccountId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM posts WHERE author_id = ?1 AND boost_of IS NULL")?
        .query_row([author], |r| r.get(0))
}

/// The newest post's id (0 with none): where a live stream starts.
pub fn newest_id(conn: &Connection) -> rusqlite::Result<PostId> {
    conn.prepare_cached("SELECT IFNULL(MAX(id), 0) FROM posts")?
        .query_row([], |r| r.get(0))
}

/// The edit time (None: never edited) of each of `ids` that still exists.
pub fn edit_times(
    conn: &Connection,
    ids: &[PostId],
) -> rusqlite::Result<Vec<(PostId, Option<UnixTime>)>> {
    let mut statement = conn.prepare_cached("SELECT id, edited_at FROM posts WHERE id = ?1")?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(row) = statement
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            found.push(row);
        }
    }
    Ok(found)
}

/// Whether a post mentions anyone on another server (it would be delivered to them).
pub fn mentions_elsewhere(conn: &Connection, post: PostId) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM post_mentions m JOIN accounts a ON a.id = m.account_id
                        WHERE m.post_id = ?1 AND a.domain IS NOT NULL)",
    )?
    .query_row([post], |r| r.get(0))
}
