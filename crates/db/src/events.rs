//! Events: the facts beside an event's post, members' answers, reminders, calendar feeds.

use porchlight_core::events::{Answer, EventFacts};
pub use porchlight_core::views::EventView;
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Writes the facts of the event that `post` is (in place of any before).
pub fn set(
    conn: &Connection,
    post: PostId,
    facts: &EventFacts,
    description: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO events (post_id, title, starts_at, ends_at, place, link, zone, description)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (post_id) DO UPDATE SET title = ?2, starts_at = ?3, ends_at = ?4,
           place = ?5, link = ?6, zone = ?7, description = ?8,
           reminded_at = CASE WHEN starts_at = ?3 THEN reminded_at END",
    )?
    .execute(params![
        post,
        facts.title,
        facts.starts_at,
        facts.ends_at,
        facts.place,
        facts.link,
        facts.zone,
        description
    ])?;
    Ok(())
}

const COLUMNS: &str = "e.post_id, e.title, e.starts_at, e.ends_at, e.place, e.link, e.zone,
    e.description,
    (SELECT COUNT(*) FROM event_answers x WHERE x.post_id = e.post_id AND x.answer = 'going'),
    (SELECT COUNT(*) FROM event_answers x WHERE x.post_id = e.post_id AND x.answer = 'maybe'),
    (SELECT answer FROM event_answers x WHERE x.post_id = e.post_id AND x.account_id = ?1)";

fn from_row(row: &Row) -> rusqlite::Result<EventView> {
    Ok(EventView {
        post_id: row.get(0)?,
        facts: EventFacts {
            title: row.get(1)?,
            starts_at: row.get(2)?,
            ends_at: row.get(3)?,
            place: row.get(4)?,
            link: row.get(5)?,
            zone: row.get(6)?,
        },
        description: row.get(7)?,
        going: row.get(8)?,
        maybe: row.get(9)?,
        my_answer: row
            .get::<_, Option<String>>(10)?
            .as_deref()
            .and_then(Answer::parse),
    })
}

/// The events among `posts`, as `reader` (None: a visitor) answered them.
pub fn of_posts(
    conn: &Connection,
    posts: &[PostId],
    reader: Option<AccountId>,
) -> rusqlite::Result<Vec<EventView>> {
    if posts.is_empty() {
        return Ok(Vec::new());
    }
    let list = crate::timeline::json_ids(posts.iter().copied());
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events e WHERE e.post_id IN (SELECT value FROM json_each(?2))"
    ))?
    .query_map(params![reader, list], from_row)?
    .collect()
}

/// The posts of events that end after `now` (or, without an end, start less than a day
/// before it), soonest first: candidates the reader's audience rules then narrow.
pub fn upcoming(conn: &Connection, now: UnixTime, limit: u32) -> rusqlite::Result<Vec<PostId>> {
    conn.prepare_cached(
        "SELECT post_id FROM events
          WHERE IFNULL(ends_at, starts_at + 86400) > ?1
          ORDER BY starts_at LIMIT ?2",
    )?
    .query_map(params![now, limit], |r| r.get(0))?
    .collect()
}

/// Records a member's answer (in place of the one before).
pub fn answer(
    conn: &Connection,
    post: PostId,
    member: AccountId,
    answer: Answer,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO event_answers (post_id, account_id, answer, answered_at)
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM events WHERE post_id = ?1)
             ON CONFLICT (post_id, account_id) DO UPDATE SET answer = ?3, answered_at = ?4",
        )?
        .execute(params![post, member, answer.as_str(), now])?
        == 1)
}

/// Who answered `post`, with what: (username, answer), going first; members who are suspended
/// are left out.
pub fn answers(conn: &Connection, post: PostId) -> rusqlite::Result<Vec<(String, Answer)>> {
    conn.prepare_cached(
        "SELECT a.username, x.answer FROM event_answers x JOIN accounts a ON a.id = x.account_id
          WHERE x.post_id = ?1 AND a.domain IS NULL AND a.suspended_at IS NULL
          ORDER BY CASE x.answer WHEN 'going' THEN 0 WHEN 'maybe' THEN 1 ELSE 2 END, a.username",
    )?
    .query_map([post], |r| {
        let answer: String = r.get(1)?;
        Ok((
            r.get(0)?,
            Answer::parse(&answer).unwrap_or(Answer::NotGoing),
        ))
    })?
    .collect()
}

/// Events whose reminders are due by `now` (starting within `before` seconds) and not yet
/// written: (post, organizer).
pub fn due_reminders(
    conn: &Connection,
    now: UnixTime,
    before: UnixTime,
) -> rusqlite::Result<Vec<(PostId, AccountId)>> {
    conn.prepare_cached(
        "SELECT e.post_id, p.author_id FROM events e JOIN posts p ON p.id = e.post_id
          WHERE e.reminded_at IS NULL AND e.starts_at > ?1 AND e.starts_at <= ?1 + ?2
          LIMIT 50",
    )?
    .query_map(params![now, before], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Marks an event reminded; returns the members to remind (going or maybe), or None if it
/// already was.
pub fn mark_reminded(
    conn: &Connection,
    post: PostId,
    now: UnixTime,
) -> rusqlite::Result<Option<Vec<AccountId>>> {
    let marked = conn
        .prepare_cached(
            "UPDATE events SET reminded_at = ?2 WHERE post_id = ?1 AND reminded_at IS NULL",
        )?
        .execute(params![post, now])?;
    if marked == 0 {
        return Ok(None);
    }
    let members = conn
        .prepare_cached(
            "SELECT x.account_id FROM event_answers x JOIN users u ON u.account_id = x.account_id
              WHERE x.post_id = ?1 AND x.answer IN ('going', 'maybe')",
        )?
        .query_map([post], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<AccountId>>>()?;
    Ok(Some(members))
}

/// A member's calendar feed token, if they made one.
pub fn feed_token(conn: &Connection, member: AccountId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT token FROM calendar_feeds WHERE account_id = ?1")?
        .query_row([member], |r| r.get(0))
        .optional()
}

/// Sets a member's feed token (a new one ends the old address).
pub fn set_feed_token(conn: &Connection, member: AccountId, token: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO calendar_feeds (account_id, token) VALUES (?1, ?2)
         ON CONFLICT (account_id) DO UPDATE SET token = ?2",
    )?
    .execute(params![member, token])?;
    Ok(())
}

/// The member a feed token belongs to, while they are not suspended.
pub fn feed_owner(conn: &Connection, token: &str) -> rusqlite::Result<Option<AccountId>> {
    conn.prepare_cached(
        "SELECT f.account_id FROM calendar_feeds f JOIN accounts a ON a.id = f.account_id
          WHERE f.token = ?1 AND a.suspended_at IS NULL",
    )?
    .query_row([token], |r| r.get(0))
    .optional()
}
