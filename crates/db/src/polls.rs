//! Polls: the options and counts of a post's poll, votes, and the polls whose end is due.

use std::collections::HashMap;

use porchlight_core::views::Poll;
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// A poll as stored: what a vote or the closing needs to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PollFacts {
    pub post_id: PostId,
    pub options: usize,
    pub multiple: bool,
    pub expires_at: Option<UnixTime>,
    pub closed: bool,
}

/// Gives a post its poll. `votes` is each option's count (zero for a poll made here).
pub fn insert(
    conn: &Connection,
    post: PostId,
    options: &[(String, i64)],
    multiple: bool,
    expires_at: Option<UnixTime>,
    closed: bool,
    voters: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO polls (post_id, multiple, expires_at, closed, voters) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![post, multiple, expires_at, closed, voters])?;
    let mut option = conn.prepare_cached(
        "INSERT INTO poll_options (post_id, position, title, votes) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (position, (title, votes)) in options.iter().enumerate() {
        option.execute(params![post, position as i64, title, votes])?;
    }
    Ok(())
}

pub fn facts(conn: &Connection, post: PostId) -> rusqlite::Result<Option<PollFacts>> {
    conn.prepare_cached(
        "SELECT p.multiple, p.expires_at, p.closed,
                (SELECT COUNT(*) FROM poll_options o WHERE o.post_id = p.post_id)
           FROM polls p WHERE p.post_id = ?1",
    )?
    .query_row([post], |r| {
        Ok(PollFacts {
            post_id: post,
            multiple: r.get(0)?,
            expires_at: r.get(1)?,
            closed: r.get(2)?,
            options: r.get::<_, i64>(3)? as usize,
        })
    })
    .optional()
}

/// The options' titles, in order.
pub fn titles(conn: &Connection, post: PostId) -> rusqlite::Result<Vec<String>> {
    conn.prepare_cached("SELECT title FROM poll_options WHERE post_id = ?1 ORDER BY position")?
        .query_map([post], |r| r.get(0))?
        .collect()
}

/// Whether `account` has voted in the poll.
pub fn has_voted(conn: &Connection, post: PostId, account: AccountId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM poll_votes WHERE post_id = ?1 AND account_id = ?2")?
        .exists([post, account])
}

/// Records a vote (choices already checked) and counts it.
pub fn vote(
    conn: &Connection,
    post: PostId,
    account: AccountId,
    choices: &[usize],
    now: UnixTime,
) -> rusqlite::Result<()> {
    let first = !has_voted(conn, post, account)?;
    let mut insert = conn.prepare_cached(
        "INSERT OR IGNORE INTO poll_votes (post_id, account_id, position, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut count = conn.prepare_cached(
        "UPDATE poll_options SET votes = votes + 1 WHERE post_id = ?1 AND position = ?2",
    )?;
    for &choice in choices {
        if insert.execute(params![post, account, choice as i64, now])? == 1 {
            count.execute(params![post, choice as i64])?;
        }
    }
    if first {
        conn.prepare_cached("UPDATE polls SET voters = voters + 1 WHERE post_id = ?1")?
            .execute([post])?;
    }
    Ok(())
}

/// The counts a poll's own server announced (a poll from elsewhere), keeping the titles; an
/// option it no longer lists keeps its count. `closed` once it says the poll ended.
pub fn set_counts(
    conn: &Connection,
    post: PostId,
    votes: &[i64],
    voters: i64,
    expires_at: Option<UnixTime>,
    closed: bool,
) -> rusqlite::Result<()> {
    let mut count = conn.prepare_cached(
        "UPDATE poll_options SET votes = ?3 WHERE post_id = ?1 AND position = ?2",
    )?;
    for (position, v) in votes.iter().enumerate() {
        count.execute(params![post, position as i64, v])?;
    }
    conn.prepare_cached(
        "UPDATE polls SET voters = ?2, expires_at = IFNULL(?3, expires_at), closed = closed OR ?4
         WHERE post_id = ?1",
    )?
    .execute(params![post, voters, expires_at, closed])?;
    Ok(())
}

/// Polls whose end has come but was not yet announced, oldest first.
pub fn due_to_end(conn: &Connection, now: UnixTime, limit: u32) -> rusqlite::Result<Vec<PostId>> {
    conn.prepare_cached(
        "SELECT post_id FROM polls
          WHERE ended_at IS NULL AND (closed OR expires_at <= ?1)
          ORDER BY expires_at LIMIT ?2",
    )?
    .query_map(params![now, limit], |r| r.get(0))?
    .collect()
}

/// Marks a poll's end as announced (and the poll closed, whatever the clock says later); false if it already was (another pass got there first).
pub fn mark_ended(conn: &Connection, post: PostId, now: UnixTime) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE polls SET ended_at = ?2, closed = 1 WHERE post_id = ?1 AND ended_at IS NULL",
        )?
        .execute(params![post, now])?
        == 1)
}

/// Everyone who voted in a poll (members and, for a poll here, people elsewhere).
pub fn voters(conn: &Connection, post: PostId) -> rusqlite::Result<Vec<AccountId>> {
    conn.prepare_cached("SELECT DISTINCT account_id FROM poll_votes WHERE post_id = ?1")?
        .query_map([post], |r| r.get(0))?
        .collect()
}

/// The polls of these posts as `viewer` sees them (with their own votes), by post.
pub fn of_posts(
    conn: &Connection,
    posts: &[PostId],
    viewer: Option<AccountId>,
    now: UnixTime,
) -> rusqlite::Result<HashMap<PostId, Poll>> {
    let mut polls = HashMap::new();
    if posts.is_empty() {
        return Ok(polls);
    }
    let ids = crate::timeline::json_ids(posts.iter().copied());
    let mut stmt = conn.prepare_cached(
        "SELECT p.post_id, p.multiple, p.expires_at, p.closed, p.voters
           FROM json_each(?1) j JOIN polls p ON p.post_id = j.value",
    )?;
    let mut rows = stmt.query([&ids])?;
    while let Some(r) = rows.next()? {
        let expires_at: Option<UnixTime> = r.get(2)?;
        let closed: bool = r.get(3)?;
        polls.insert(
            r.get::<_, PostId>(0)?,
            Poll {
                options: Vec::new(),
                multiple: r.get(1)?,
                expires_at,
                ended: porchlight_core::polls::has_ended(expires_at, closed, now),
                voters: r.get(4)?,
                own_votes: Vec::new(),
            },
        );
    }
    drop(rows);
    if polls.is_empty() {
        return Ok(polls);
    }
    let ids = crate::timeline::json_ids(polls.keys().copied());
    let mut stmt = conn.prepare_cached(
        "SELECT o.post_id, o.title, o.votes FROM json_each(?1) j
           JOIN poll_options o ON o.post_id = j.value ORDER BY o.post_id, o.position",
    )?;
    let mut rows = stmt.query([&ids])?;
    while let Some(r) = rows.next()? {
        if let Some(poll) = polls.get_mut(&r.get::<_, PostId>(0)?) {
            poll.options.push((r.get(1)?, r.get(2)?));
        }
    }
    drop(rows);
    if let Some(viewer) = viewer {
        let mut stmt = conn.prepare_cached(
            "SELECT v.post_id, v.position FROM json_each(?1) j
               JOIN poll_votes v ON v.post_id = j.value AND v.account_id = ?2
              ORDER BY v.post_id, v.position",
        )?;
        let mut rows = stmt.query(params![&ids, viewer])?;
        while let Some(r) = rows.next()? {
            if let Some(poll) = polls.get_mut(&r.get::<_, PostId>(0)?) {
                poll.own_votes.push(r.get::<_, i64>(1)? as usize);
            }
        }
    }
    Ok(polls)
}
