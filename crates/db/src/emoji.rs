//! Custom emoji: the camp's own, and the ones each post uses.

use std::collections::HashMap;

use porchlight_core::views::Emoji;
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// A camp emoji (its picture is served at `/emoji/{file_name}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampEmoji {
    pub shortcode: String,
    pub file_name: String,
    pub media_type: String,
}

impl CampEmoji {
    /// Where its picture is, on this camp.
    pub fn path(&self) -> String {
        format!("/emoji/{}", self.file_name)
    }
}

/// Adds a camp emoji; false if the shortcode is taken.
pub fn add(
    conn: &Connection,
    emoji: &CampEmoji,
    bytes: &[u8],
    now: UnixTime,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT OR IGNORE INTO custom_emojis (shortcode, file_name, media_type, bytes, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            emoji.shortcode,
            emoji.file_name,
            emoji.media_type,
            bytes,
            now
        ])?
        == 1)
}

/// Removes a camp emoji; false if there was none. Posts that used it keep its shortcode as text.
pub fn remove(conn: &Connection, shortcode: &str) -> rusqlite::Result<bool> {
    let Some(emoji) = by_shortcode(conn, shortcode)? else {
        return Ok(false);
    };
    conn.prepare_cached("DELETE FROM post_emojis WHERE url = ?1")?
        .execute([emoji.path()])?;
    conn.prepare_cached("DELETE FROM account_emojis WHERE url = ?1")?
        .execute([emoji.path()])?;
    conn.prepare_cached("DELETE FROM custom_emojis WHERE shortcode = ?1")?
        .execute([shortcode])?;
    Ok(true)
}

pub fn by_shortcode(conn: &Connection, shortcode: &str) -> rusqlite::Result<Option<CampEmoji>> {
    conn.prepare_cached(
        "SELECT shortcode, file_name, media_type FROM custom_emojis WHERE shortcode = ?1",
    )?
    .query_row([shortcode], |r| {
        Ok(CampEmoji {
            shortcode: r.get(0)?,
            file_name: r.get(1)?,
            media_type: r.get(2)?,
        })
    })
    .optional()
}

/// The camp's emoji, by shortcode.
pub fn camp(conn: &Connection) -> rusqlite::Result<Vec<CampEmoji>> {
    conn.prepare_cached(
        "SELECT shortcode, file_name, media_type FROM custom_emojis ORDER BY shortcode",
    )?
    .query_map([], |r| {
        Ok(CampEmoji {
            shortcode: r.get(0)?,
            file_name: r.get(1)?,
            media_type: r.get(2)?,
        })
    })?
    .collect()
}

/// A camp emoji's picture: its type and bytes.
pub fn file(conn: &Connection, file_name: &str) -> rusqlite::Result<Option<(String, Vec<u8>)>> {
    conn.prepare_cached("SELECT media_type, bytes FROM custom_emojis WHERE file_name = ?1")?
        .query_row([file_name], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
}

/// What uses custom emoji: a post (its text and warning), or an account (its name and bio).
#[derive(Clone, Copy)]
enum User {
    Post,
    Account,
}

impl User {
    /// The statements for this kind of user: clear, add one, read a list's.
    fn sql(self) -> [&'static str; 3] {
        match self {
            User::Post => [
                "DELETE FROM post_emojis WHERE post_id = ?1",
                "INSERT OR IGNORE INTO post_emojis (post_id, shortcode, url) VALUES (?1, ?2, ?3)",
                "SELECT e.post_id, e.shortcode, e.url FROM json_each(?1) j
                   JOIN post_emojis e ON e.post_id = j.value ORDER BY e.post_id, e.shortcode",
            ],
            User::Account => [
                "DELETE FROM account_emojis WHERE account_id = ?1",
                "INSERT OR IGNORE INTO account_emojis (account_id, shortcode, url) VALUES (?1, ?2, ?3)",
                "SELECT e.account_id, e.shortcode, e.url FROM json_each(?1) j
                   JOIN account_emojis e ON e.account_id = j.value ORDER BY e.account_id, e.shortcode",
            ],
        }
    }
}

fn set_for(
    conn: &Connection,
    user: User,
    id: i64,
    emojis: &[(String, String)],
) -> rusqlite::Result<()> {
    let [clear, add, _] = user.sql();
    conn.prepare_cached(clear)?.execute([id])?;
    let mut insert = conn.prepare_cached(add)?;
    for (code, url) in emojis.iter().take(porchlight_core::emoji::MAX_PER_POST) {
        insert.execute(params![id, code, url])?;
    }
    Ok(())
}

fn of(conn: &Connection, user: User, ids: &[i64]) -> rusqlite::Result<HashMap<i64, Vec<Emoji>>> {
    let mut found: HashMap<i64, Vec<Emoji>> = HashMap::new();
    if ids.is_empty() {
        return Ok(found);
    }
    let [_, _, read] = user.sql();
    let mut stmt = conn.prepare_cached(read)?;
    let mut rows = stmt.query([crate::timeline::json_ids(ids.iter().copied())])?;
    while let Some(r) = rows.next()? {
        found.entry(r.get(0)?).or_default().push(Emoji {
            shortcode: r.get(1)?,
            url: r.get(2)?,
            proxy: String::new(),
        });
    }
    Ok(found)
}

/// Sets the emoji a post uses: (shortcode, where its picture is).
pub fn set_for_post(
    conn: &Connection,
    post: PostId,
    emojis: &[(String, String)],
) -> rusqlite::Result<()> {
    set_for(conn, User::Post, post, emojis)
}

/// Sets the emoji a name and bio use: (shortcode, where its picture is).
pub fn set_for_account(
    conn: &Connection,
    account: AccountId,
    emojis: &[(String, String)],
) -> rusqlite::Result<()> {
    set_for(conn, User::Account, account, emojis)
}

/// The emoji of these accounts' names and bios, by account.
pub fn of_accounts(
    conn: &Connection,
    accounts: &[AccountId],
) -> rusqlite::Result<HashMap<AccountId, Vec<Emoji>>> {
    of(conn, User::Account, accounts)
}

/// The emoji of these posts, by post.
pub fn of_posts(
    conn: &Connection,
    posts: &[PostId],
) -> rusqlite::Result<HashMap<PostId, Vec<Emoji>>> {
    of(conn, User::Post, posts)
}
