//! Link previews: which link a post shows a preview of, and each link's preview once fetched.

use porchlight_core::views::Card;
use porchlight_core::{PostId, UnixTime};
use rusqlite::{Connection, params};

/// The post shows a preview of `url` (None: of nothing); a link not seen before waits to be
/// fetched.
pub fn set_link(conn: &Connection, post: PostId, url: Option<&str>) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE posts SET card_url = ?2 WHERE id = ?1")?
        .execute(params![post, url])?;
    if let Some(url) = url {
        conn.prepare_cached("INSERT OR IGNORE INTO link_cards (url) VALUES (?1)")?
            .execute([url])?;
    }
    Ok(())
}

/// Links waiting to be fetched whose time has come, with how often they were tried.
pub fn waiting(
    conn: &Connection,
    now: UnixTime,
    limit: u32,
) -> rusqlite::Result<Vec<(String, u32)>> {
    conn.prepare_cached(
        "SELECT url, attempts FROM link_cards
          WHERE state = 'waiting' AND next_try <= ?1 ORDER BY next_try LIMIT ?2",
    )?
    .query_map(params![now, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// The preview of `url` is ready.
pub fn ready(conn: &Connection, card: &Card, now: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE link_cards SET state = 'ready', title = ?2, description = ?3, image_url = ?4,
                site = ?5, fetched_at = ?6 WHERE url = ?1",
    )?
    .execute(params![
        card.url,
        card.title,
        card.description,
        card.image_url,
        card.site,
        now
    ])?;
    Ok(())
}

/// `url` has nothing to show (or may not be previewed): it is not tried again.
pub fn nothing(conn: &Connection, url: &str, now: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE link_cards SET state = 'none', fetched_at = ?2 WHERE url = ?1")?
        .execute(params![url, now])?;
    Ok(())
}

/// Fetching `url` failed for now: it is tried again at `at`.
pub fn later(conn: &Connection, url: &str, at: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE link_cards SET attempts = attempts + 1, next_try = ?2 WHERE url = ?1",
    )?
    .execute(params![url, at])?;
    Ok(())
}
