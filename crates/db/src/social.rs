//! Follows and notifications.

pub use porchlight_core::views::{Notification, NotificationKind};
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, params};

pub fn follows(
    conn: &Connection,
    follower: AccountId,
    followee: AccountId,
) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM follows WHERE follower_id = ?1 AND followee_id = ?2")?
        .exists([follower, followee])
}

/// Returns whether the follow is new.
pub fn follow(
    conn: &Connection,
    follower: AccountId,
    followee: AccountId,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO follows (follower_id, followee_id, created_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![follower, followee, now])?;
    Ok(changed == 1)
}

pub fn unfollow(
    conn: &Connection,
    follower: AccountId,
    followee: AccountId,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached("DELETE FROM follows WHERE follower_id = ?1 AND followee_id = ?2")?
        .execute([follower, followee])?;
    // Lists hold only people one follows.
    crate::lists::forget_in_lists_of(conn, follower, followee)?;
    Ok(changed == 1)
}

/// (following, followers) counts.
/// Whether `account` follows fewer than `few` accounts (it stops counting at `few`).
pub fn follows_fewer_than(
    conn: &Connection,
    account: AccountId,
    few: u32,
) -> rusqlite::Result<bool> {
    let n: u32 = conn
        .prepare_cached(
            "SELECT COUNT(*) FROM (SELECT 1 FROM follows WHERE follower_id = ?1 LIMIT ?2)",
        )?
        .query_row(params![account, few], |r| r.get(0))?;
    Ok(n < few)
}

pub fn follow_counts(conn: &Connection, account: AccountId) -> rusqlite::Result<(u32, u32)> {
    let following = conn
        .prepare_cached("SELECT COUNT(*) FROM follows WHERE follower_id = ?1")?
        .query_row([account], |r| r.get(0))?;
    let followers = conn
        .prepare_cached("SELECT COUNT(*) FROM follows WHERE followee_id = ?1")?
        .query_row([account], |r| r.get(0))?;
    Ok((following, followers))
}

/// Notifies `account` (never of their own doing, but of their own poll's end and their own
/// event's start), if they are a member here: remote accounts hear of things through their own
/// server.
pub fn notify(
    conn: &Connection,
    account: AccountId,
    kind: NotificationKind,
    from: AccountId,
    post: Option<PostId>,
    now: UnixTime,
) -> rusqlite::Result<()> {
    // A poll's end and an event's start are told to their author too (the notification names
    // the author).
    if account == from && !matches!(kind, NotificationKind::Poll | NotificationKind::Event) {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO notifications (account_id, kind, from_account_id, post_id, created_at)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM users WHERE account_id = ?1)",
    )?
    .execute(params![account, kind.as_str(), from, post, now])?;
    Ok(())
}

/// Takes back a notification when what caused it is undone (an unfavourite, an unfollow).
pub fn withdraw_notification(
    conn: &Connection,
    account: AccountId,
    kind: NotificationKind,
    from: AccountId,
    post: Option<PostId>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "DELETE FROM notifications WHERE account_id = ?1 AND kind = ?2 AND from_account_id = ?3
         AND post_id IS ?4",
    )?
    .execute(params![account, kind.as_str(), from, post])?;
    Ok(())
}

/// How much of a post a notification quotes.
const EXCERPT_CHARS: usize = 140;

/// The words a notification quotes: the post's first ones (or its content warning), on one line.
fn excerpt(text: String) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > EXCERPT_CHARS {
        let cut: String = line.chars().take(EXCERPT_CHARS).collect();
        format!("{}…", cut.trim_end())
    } else {
        line
    }
}

pub fn notifications(
    conn: &Connection,
    account: AccountId,
    max_id: Option<i64>,
    limit: u32,
) -> rusqlite::Result<Vec<Notification>> {
    conn.prepare_cached(&format!(
        "SELECT n.id, n.kind, n.from_account_id, a.username, a.display_name, n.post_id, n.created_at, n.seen,
                n.report_id, n.message,
                CASE WHEN p.content_warning != '' THEN 'CW: ' || p.content_warning
                     ELSE substr(p.text, 1, {excerpt}) END,
                a.domain
         FROM notifications n JOIN accounts a ON a.id = n.from_account_id
         LEFT JOIN posts p ON p.id = n.post_id
         WHERE n.account_id = ?1 AND n.id < ?2 AND {HEARD} ORDER BY n.id DESC LIMIT ?3",
        excerpt = EXCERPT_CHARS + 1
    ))?
    .query_map(params![account, max_id.unwrap_or(i64::MAX), limit], |r| {
        let kind: String = r.get(1)?;
        Ok(Notification {
            id: r.get(0)?,
            kind: NotificationKind::parse(&kind).unwrap_or(NotificationKind::Mention),
            from_id: r.get(2)?,
            from_username: r.get(3)?,
            from_domain: r.get(11)?,
            from_display_name: r.get(4)?,
            post_id: r.get(5)?,
            created_at: r.get(6)?,
            seen: r.get(7)?,
            report_id: r.get(8)?,
            message: r.get(9)?,
            excerpt: excerpt(r.get::<_, Option<String>>(10)?.unwrap_or_default()),
        })
    })?
    .collect()
}

/// The newest notification's id for `account` (0 with none): where a live stream starts.
pub fn newest_notification_id(conn: &Connection, account: AccountId) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT IFNULL(MAX(id), 0) FROM notifications WHERE account_id = ?1")?
        .query_row([account], |r| r.get(0))
}

pub fn unseen_notifications(conn: &Connection, account: AccountId) -> rusqlite::Result<u32> {
    conn.prepare_cached(&format!(
        "SELECT COUNT(*) FROM notifications n WHERE n.account_id = ?1 AND n.seen = 0 AND {HEARD}"
    ))?
    .query_row([account], |r| r.get(0))
}

/// Notifications `n` for ?1 that are heard: not from someone ?1 blocked, or muted with their
/// notifications.
const HEARD: &str = "NOT EXISTS (SELECT 1 FROM account_mutes m \
     WHERE m.account_id = ?1 AND m.target_id = n.from_account_id AND m.notifications \
     AND (m.expires_at IS NULL OR m.expires_at > unixepoch())) \
     AND NOT EXISTS (SELECT 1 FROM account_blocks b \
     WHERE b.account_id = ?1 AND b.target_id = n.from_account_id)";

pub fn mark_notifications_seen(conn: &Connection, account: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE notifications SET seen = 1 WHERE account_id = ?1 AND seen = 0")?
        .execute([account])?;
    Ok(())
}

/// One notification of `account`'s.
pub fn notification(
    conn: &Connection,
    account: AccountId,
    id: i64,
) -> rusqlite::Result<Option<Notification>> {
    Ok(notifications(conn, account, Some(id.saturating_add(1)), 1)?
        .into_iter()
        .find(|n| n.id == id))
}

/// Dismisses one notification; returns whether there was one.
pub fn dismiss_notification(
    conn: &Connection,
    account: AccountId,
    id: i64,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached("DELETE FROM notifications WHERE account_id = ?1 AND id = ?2")?
        .execute([account, id])?;
    Ok(changed == 1)
}

/// Dismisses all of `account`'s notifications.
pub fn clear_notifications(conn: &Connection, account: AccountId) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM notifications WHERE account_id = ?1")?
        .execute([account])
}

/// Someone in a list of followers or follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub id: AccountId,
    pub username: String,
    pub domain: Option<String>,
    pub display_name: String,
    /// When the follow was made (lists are paged by it).
    pub since: UnixTime,
}

/// Who follows `account` (`followers` true) or whom it follows, newest follow first, before
/// `before` (a follow time).
pub fn follow_list(
    conn: &Connection,
    account: AccountId,
    followers: bool,
    before: Option<UnixTime>,
    limit: u32,
) -> rusqlite::Result<Vec<Person>> {
    let sql = if followers {
        "SELECT a.id, a.username, a.domain, a.display_name, f.created_at
         FROM follows f JOIN accounts a ON a.id = f.follower_id
         WHERE f.followee_id = ?1 AND f.created_at < ?2 ORDER BY f.created_at DESC LIMIT ?3"
    } else {
        "SELECT a.id, a.username, a.domain, a.display_name, f.created_at
         FROM follows f JOIN accounts a ON a.id = f.followee_id
         WHERE f.follower_id = ?1 AND f.created_at < ?2 ORDER BY f.created_at DESC LIMIT ?3"
    };
    conn.prepare_cached(sql)?
        .query_map(params![account, before.unwrap_or(i64::MAX), limit], |r| {
            person_from_row(r, 0)
        })?
        .collect()
}

fn person_from_row(r: &rusqlite::Row, at: usize) -> rusqlite::Result<Person> {
    Ok(Person {
        id: r.get(at)?,
        username: r.get(at + 1)?,
        domain: r.get(at + 2)?,
        display_name: r.get(at + 3)?,
        since: r.get(at + 4)?,
    })
}

/// Who favourited `post`, the latest first, after `after` (the time and account of the last one
/// already shown: favourites made in the same second are told apart by account).
pub fn favourited_by(
    conn: &Connection,
    post: PostId,
    after: Option<(UnixTime, AccountId)>,
    limit: u32,
) -> rusqlite::Result<Vec<Person>> {
    let (time, account) = after.unwrap_or((i64::MAX, i64::MAX));
    conn.prepare_cached(
        "SELECT a.id, a.username, a.domain, a.display_name, f.created_at
           FROM favourites f JOIN accounts a ON a.id = f.account_id
          WHERE f.post_id = ?1 AND (f.created_at, f.account_id) < (?2, ?3)
          ORDER BY f.created_at DESC, f.account_id DESC LIMIT ?4",
    )?
    .query_map(params![post, time, account, limit], |r| {
        person_from_row(r, 0)
    })?
    .collect()
}

/// Who boosted `post`, the latest first, each with the id of their boost (the paging cursor),
/// before the boost `before`.
pub fn boosted_by(
    conn: &Connection,
    post: PostId,
    before: Option<PostId>,
    limit: u32,
) -> rusqlite::Result<Vec<(PostId, Person)>> {
    conn.prepare_cached(
        "SELECT b.id, a.id, a.username, a.domain, a.display_name, b.created_at
           FROM posts b JOIN accounts a ON a.id = b.author_id
          WHERE b.boost_of = ?1 AND b.id < ?2
          ORDER BY b.id DESC LIMIT ?3",
    )?
    .query_map(params![post, before.unwrap_or(i64::MAX), limit], |r| {
        Ok((r.get(0)?, person_from_row(r, 1)?))
    })?
    .collect()
}

/// Anyone this camp knows (a member or someone elsewhere), by id.
pub fn person(conn: &Connection, id: AccountId) -> rusqlite::Result<Option<Person>> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(
        "SELECT id, username, domain, display_name, created_at FROM accounts WHERE id = ?1",
    )?
    .query_row([id], |r| {
        Ok(Person {
            id: r.get(0)?,
            username: r.get(1)?,
            domain: r.get(2)?,
            display_name: r.get(3)?,
            since: r.get(4)?,
        })
    })
    .optional()
}
