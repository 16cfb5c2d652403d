//! Web Push subscriptions (one per app token) and the notifications still to push to each.

use porchlight_core::views::NotificationKind;
use porchlight_core::{AccountId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// A device's subscription: where to push, the keys to encrypt for, and what it wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub token_id: i64,
    pub account_id: AccountId,
    pub endpoint: String,
    /// The device's P-256 public key (65 bytes, uncompressed) and its 16-byte secret.
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
    /// Mastodon's names of the kinds of notification it wants (`mention`, `follow`…).
    pub alerts: Vec<String>,
    /// From whom: `all`, `followed` (people the member follows), `follower`, or `none`.
    pub policy: String,
    /// Notifications up to this id are pushed (or were there before it subscribed).
    pub last_sent: i64,
    pub attempts: u32,
}

const COLUMNS: &str =
    "token_id, account_id, endpoint, p256dh, auth, alerts, policy, last_sent, attempts";

fn from_row(r: &rusqlite::Row) -> rusqlite::Result<Subscription> {
    let alerts: String = r.get(5)?;
    Ok(Subscription {
        token_id: r.get(0)?,
        account_id: r.get(1)?,
        endpoint: r.get(2)?,
        p256dh: r.get(3)?,
        auth: r.get(4)?,
        alerts: alerts.split_whitespace().map(String::from).collect(),
        policy: r.get(6)?,
        last_sent: r.get(7)?,
        attempts: r.get(8)?,
    })
}

/// What a new subscription says.
pub struct NewSubscription<'a> {
    pub token_id: i64,
    pub account_id: AccountId,
    pub endpoint: &'a str,
    pub p256dh: &'a [u8],
    pub auth: &'a [u8],
    pub alerts: &'a [String],
    pub policy: &'a str,
}

/// Subscribes (replacing the token's earlier subscription, as Mastodon does). Only what happens
/// from now on is pushed.
pub fn subscribe(conn: &Connection, new: &NewSubscription, now: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO push_subscriptions
           (token_id, account_id, endpoint, p256dh, auth, alerts, policy, last_sent, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,
                 (SELECT IFNULL(MAX(id), 0) FROM notifications WHERE account_id = ?2), ?8)",
    )?
    .execute(params![
        new.token_id,
        new.account_id,
        new.endpoint,
        new.p256dh,
        new.auth,
        new.alerts.join(" "),
        new.policy,
        now
    ])?;
    Ok(())
}

pub fn of_token(conn: &Connection, token_id: i64) -> rusqlite::Result<Option<Subscription>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM push_subscriptions WHERE token_id = ?1"
    ))?
    .query_row([token_id], from_row)
    .optional()
}

/// Changes what a subscription wants; false if the token has none.
pub fn set_alerts(
    conn: &Connection,
    token_id: i64,
    alerts: &[String],
    policy: &str,
) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE push_subscriptions SET alerts = ?2, policy = ?3 WHERE token_id = ?1",
        )?
        .execute(params![token_id, alerts.join(" "), policy])?
        > 0)
}

pub fn unsubscribe(conn: &Connection, token_id: i64) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM push_subscriptions WHERE token_id = ?1")?
        .execute([token_id])?
        > 0)
}

/// Subscriptions with notifications not pushed yet, whose wait (after a failure) is over.
pub fn due(conn: &Connection, now: UnixTime) -> rusqlite::Result<Vec<Subscription>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM push_subscriptions s
          WHERE s.retry_at <= ?1
            AND EXISTS (SELECT 1 FROM notifications n
                         WHERE n.account_id = s.account_id AND n.id > s.last_sent)"
    ))?
    .query_map([now], from_row)?
    .collect()
}

/// A notification still to push, with what the message says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub id: i64,
    pub kind: NotificationKind,
    pub from_name: String,
    /// The text of the post it is about, if any.
    pub text: Option<String>,
    /// Whether the member follows its sender, and the sender follows the member (the policy).
    pub followed: bool,
    pub follower: bool,
}

/// The subscription's next notifications (oldest first, at most `limit`).
pub fn pending(
    conn: &Connection,
    sub: &Subscription,
    limit: u32,
) -> rusqlite::Result<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT n.id, n.kind,
                CASE WHEN a.display_name = '' THEN a.username ELSE a.display_name END,
                p.text,
                EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ?1 AND f.followee_id = a.id),
                EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = a.id AND f.followee_id = ?1)
           FROM notifications n JOIN accounts a ON a.id = n.from_account_id
           LEFT JOIN posts p ON p.id = n.post_id
          WHERE n.account_id = ?1 AND n.id > ?2
          ORDER BY n.id LIMIT ?3",
    )?;
    stmt.query_map(params![sub.account_id, sub.last_sent, limit], |r| {
        let kind: String = r.get(1)?;
        Ok(Pending {
            id: r.get(0)?,
            kind: NotificationKind::parse(&kind).unwrap_or(NotificationKind::Mention),
            from_name: r.get(2)?,
            text: r.get(3)?,
            followed: r.get(4)?,
            follower: r.get(5)?,
        })
    })?
    .collect()
}

/// Notifications up to `id` are done (pushed, or not wanted); the failure count starts over.
pub fn sent(conn: &Connection, token_id: i64, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE push_subscriptions SET last_sent = MAX(last_sent, ?2), attempts = 0, retry_at = 0
          WHERE token_id = ?1",
    )?
    .execute(params![token_id, id])?;
    Ok(())
}

/// A push failed (those up to `done` went): the rest is tried again at `retry_at`.
pub fn failed(
    conn: &Connection,
    token_id: i64,
    done: i64,
    retry_at: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE push_subscriptions
            SET last_sent = MAX(last_sent, ?2), attempts = attempts + 1, retry_at = ?3
          WHERE token_id = ?1",
    )?
    .execute(params![token_id, done, retry_at])?;
    Ok(())
}
