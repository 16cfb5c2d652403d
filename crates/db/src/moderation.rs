//! Looking after people: suspensions, removals, one-time reset links, private notes, reports
//! and the moderation log.

pub use porchlight_core::moderation::{LogEntry, Report, ReportedPost};
use porchlight_core::moderation::{ReportOutcome, ReportReason, ResetLink};
use porchlight_core::views::NotificationKind;
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// When a member was suspended, if they are.
pub fn suspended_at(conn: &Connection, account: AccountId) -> rusqlite::Result<Option<UnixTime>> {
    conn.prepare_cached("SELECT suspended_at FROM accounts WHERE id = ?1")?
        .query_row([account], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// Suspends or restores an account. A suspension ends every session, app token and calendar
/// feed address at once (a feed restored with the account would be an address the member
/// may have handed on while suspended).
pub fn set_suspended(
    conn: &Connection,
    account: AccountId,
    at: Option<UnixTime>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET suspended_at = ?2, suspended_by_origin = 0 WHERE id = ?1",
    )?
    .execute(params![account, at])?;
    if at.is_some() {
        conn.prepare_cached("DELETE FROM sessions WHERE account_id = ?1")?
            .execute([account])?;
        crate::oauth::delete_all_tokens_of(conn, account)?;
        conn.prepare_cached("DELETE FROM calendar_feeds WHERE account_id = ?1")?
            .execute([account])?;
    }
    Ok(())
}

/// What someone's own server says of their suspension. A suspension decided here is never
/// lifted by their server saying otherwise.
pub fn set_origin_suspension(
    conn: &Connection,
    account: AccountId,
    suspended: bool,
    now: UnixTime,
) -> rusqlite::Result<()> {
    if suspended {
        // SQLite reads every old value before it sets any: the flag is set only when the
        // suspension is the origin's own.
        conn.prepare_cached(
            "UPDATE accounts SET suspended_at = IFNULL(suspended_at, ?2),
                suspended_by_origin = (suspended_at IS NULL OR suspended_by_origin)
             WHERE id = ?1",
        )?
        .execute(params![account, now])?;
    } else {
        conn.prepare_cached(
            "UPDATE accounts SET suspended_at = NULL, suspended_by_origin = 0
             WHERE id = ?1 AND suspended_by_origin",
        )?
        .execute([account])?;
    }
    Ok(())
}

/// Members who are suspended now: (id, when).
pub fn suspended_members(conn: &Connection) -> rusqlite::Result<Vec<(AccountId, UnixTime)>> {
    conn.prepare_cached(
        "SELECT a.id, a.suspended_at FROM accounts a JOIN users u ON u.account_id = a.id
         WHERE a.suspended_at IS NOT NULL",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Removes a member: their account and everything hanging off it (posts, pictures, follows,
/// sessions, tokens…) go, and a bare account keeps their name so nobody else takes it. Their
/// signing key, if they had one, is kept with it so that the `Delete` telling other servers can
/// still be signed. Returns the bare account's id.
pub fn remove_member(
    conn: &Connection,
    account: AccountId,
    now: UnixTime,
) -> rusqlite::Result<AccountId> {
    let (username, created_at, public_pem, private_key): (
        String,
        UnixTime,
        Option<String>,
        Option<String>,
    ) = conn
        .prepare_cached(
            "SELECT a.username, a.created_at, a.public_key_pem, u.private_key
             FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.id = ?1",
        )?
        .query_row([account], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    // Replies others wrote to these posts stay, shown as answering a deleted post.
    conn.prepare_cached("DELETE FROM accounts WHERE id = ?1")?
        .execute([account])?;
    conn.prepare_cached(
        "INSERT INTO accounts (username, created_at, public_key_pem, suspended_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![username, created_at, public_pem, now])?;
    let bare = conn.last_insert_rowid();
    if let Some(key) = private_key {
        conn.prepare_cached(
            "INSERT INTO departed_keys (account_id, private_key, departed_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![bare, key, now])?;
    }
    Ok(bare)
}

// Reset links. Only a hash of the token is stored.

pub fn insert_reset_link(
    conn: &Connection,
    token_hash: &[u8],
    link: &ResetLink,
) -> rusqlite::Result<()> {
    // One link per member: a new one replaces any earlier.
    conn.prepare_cached("DELETE FROM reset_links WHERE account_id = ?1")?
        .execute([link.account])?;
    conn.prepare_cached(
        "INSERT INTO reset_links (token_hash, account_id, password_hash, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        token_hash,
        link.account,
        link.password_hash,
        link.expires_at
    ])?;
    Ok(())
}

pub fn reset_link(conn: &Connection, token_hash: &[u8]) -> rusqlite::Result<Option<ResetLink>> {
    conn.prepare_cached(
        "SELECT account_id, expires_at, password_hash FROM reset_links WHERE token_hash = ?1",
    )?
    .query_row([token_hash], |r| {
        Ok(ResetLink {
            account: r.get(0)?,
            expires_at: r.get(1)?,
            password_hash: r.get(2)?,
        })
    })
    .optional()
}

pub fn delete_reset_links_of(conn: &Connection, account: AccountId) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM reset_links WHERE account_id = ?1")?
        .execute([account])?;
    Ok(())
}

// Private notes.

pub fn note(conn: &Connection, account: AccountId) -> rusqlite::Result<String> {
    Ok(conn
        .prepare_cached("SELECT note FROM member_notes WHERE account_id = ?1")?
        .query_row([account], |r| r.get(0))
        .optional()?
        .unwrap_or_default())
}

pub fn set_note(
    conn: &Connection,
    account: AccountId,
    note: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    if note.is_empty() {
        conn.prepare_cached("DELETE FROM member_notes WHERE account_id = ?1")?
            .execute([account])?;
    } else {
        conn.prepare_cached(
            "INSERT INTO member_notes (account_id, note, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (account_id) DO UPDATE SET note = excluded.note, updated_at = excluded.updated_at",
        )?
        .execute(params![account, note, now])?;
    }
    Ok(())
}

// Reports.

/// A report as it is filed.
pub struct NewReport<'a> {
    /// The member who reports; None for a report another server sent.
    pub reporter: Option<AccountId>,
    pub from_domain: Option<&'a str>,
    pub uri: Option<&'a str>,
    pub target: AccountId,
    pub reason: ReportReason,
    pub comment: &'a str,
    pub forwarded: bool,
    /// The reported posts, with what they said when reported.
    pub posts: &'a [(PostId, String)],
}

/// Files a report and tells every host and moderator (but the reporter) about it.
pub fn insert_report(
    conn: &Connection,
    report: &NewReport,
    now: UnixTime,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO reports (reporter_id, from_domain, uri, target_id, category, rule, comment, forwarded, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        report.reporter,
        report.from_domain,
        report.uri,
        report.target,
        report.reason.category(),
        report.reason.rule(),
        report.comment,
        report.forwarded,
        now
    ])?;
    let id = conn.last_insert_rowid();
    for (position, (post, html)) in report.posts.iter().enumerate() {
        conn.prepare_cached(
            "INSERT INTO report_posts (report_id, position, post_id, html, created_at)
             SELECT ?1, ?2, ?3, ?4, created_at FROM posts WHERE id = ?3",
        )?
        .execute(params![id, position as i64, post, html])?;
    }
    // A moderator who is the one reported is not told of it (a host looks at it).
    conn.prepare_cached(
        "INSERT INTO notifications (account_id, kind, from_account_id, report_id, created_at)
         SELECT u.account_id, 'report', ?2, ?1, ?3 FROM users u JOIN accounts a ON a.id = u.account_id
         WHERE u.role IN ('moderator', 'host') AND a.suspended_at IS NULL
           AND u.account_id IS NOT ?4 AND u.account_id != ?5",
    )?
    .execute(params![
        id,
        report.reporter.unwrap_or(report.target),
        now,
        report.reporter,
        report.target
    ])?;
    Ok(id)
}

const REPORT_COLUMNS: &str = "r.id, r.reporter_id, ra.username, r.from_domain, r.target_id,
    t.username, t.domain, r.category, r.rule, r.comment, r.forwarded, r.created_at, r.resolved_at,
    r.outcome, rb.username";

const REPORT_JOINS: &str = "FROM reports r JOIN accounts t ON t.id = r.target_id
    LEFT JOIN accounts ra ON ra.id = r.reporter_id
    LEFT JOIN accounts rb ON rb.id = r.resolved_by";

fn report_from_row(r: &rusqlite::Row) -> rusqlite::Result<Report> {
    let reporter_id: Option<AccountId> = r.get(1)?;
    let reporter_name: Option<String> = r.get(2)?;
    let username: String = r.get(5)?;
    let domain: Option<String> = r.get(6)?;
    let category: String = r.get(7)?;
    let resolved_at: Option<UnixTime> = r.get(12)?;
    let outcome: Option<String> = r.get(13)?;
    Ok(Report {
        id: r.get(0)?,
        reporter: reporter_id.zip(reporter_name),
        from_domain: r.get(3)?,
        target: r.get(4)?,
        target_handle: match &domain {
            Some(d) => format!("{username}@{d}"),
            None => username,
        },
        target_is_local: domain.is_none(),
        reason: ReportReason::from_parts(&category, r.get(8)?),
        comment: r.get(9)?,
        forwarded: r.get(10)?,
        created_at: r.get(11)?,
        resolved: resolved_at.map(|at| {
            (
                at,
                outcome
                    .as_deref()
                    .and_then(ReportOutcome::parse)
                    .unwrap_or(ReportOutcome::Dismissed),
                r.get(14).ok().flatten(),
            )
        }),
    })
}

/// The open reports (oldest first), or the handled ones (newest first).
pub fn reports(conn: &Connection, open: bool, limit: u32) -> rusqlite::Result<Vec<Report>> {
    let sql = if open {
        format!(
            "SELECT {REPORT_COLUMNS} {REPORT_JOINS} WHERE r.resolved_at IS NULL ORDER BY r.id LIMIT ?1"
        )
    } else {
        format!(
            "SELECT {REPORT_COLUMNS} {REPORT_JOINS} WHERE r.resolved_at IS NOT NULL ORDER BY r.id DESC LIMIT ?1"
        )
    };
    conn.prepare_cached(&sql)?
        .query_map([limit], report_from_row)?
        .collect()
}

pub fn report(conn: &Connection, id: i64) -> rusqlite::Result<Option<Report>> {
    conn.prepare_cached(&format!(
        "SELECT {REPORT_COLUMNS} {REPORT_JOINS} WHERE r.id = ?1"
    ))?
    .query_row([id], report_from_row)
    .optional()
}

pub fn open_report_count(conn: &Connection) -> rusqlite::Result<u32> {
    conn.prepare_cached("SELECT COUNT(*) FROM reports WHERE resolved_at IS NULL")?
        .query_row([], |r| r.get(0))
}

pub fn reported_posts(conn: &Connection, report: i64) -> rusqlite::Result<Vec<ReportedPost>> {
    conn.prepare_cached(
        "SELECT post_id, html, created_at FROM report_posts WHERE report_id = ?1 ORDER BY position",
    )?
    .query_map([report], |r| {
        Ok(ReportedPost {
            post_id: r.get(0)?,
            html: r.get(1)?,
            created_at: r.get(2)?,
        })
    })?
    .collect()
}

/// Marks a report handled; false if it already was (two moderators at once: the first wins).
/// The reporter, if a member here, is told.
pub fn resolve_report(
    conn: &Connection,
    id: i64,
    by: Option<AccountId>,
    outcome: ReportOutcome,
    now: UnixTime,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE reports SET resolved_at = ?2, resolved_by = ?3, outcome = ?4
             WHERE id = ?1 AND resolved_at IS NULL",
        )?
        .execute(params![id, now, by, outcome.as_str()])?;
    if changed == 0 {
        return Ok(false);
    }
    conn.prepare_cached(
        "INSERT INTO notifications (account_id, kind, from_account_id, report_id, message, created_at)
         SELECT r.reporter_id, 'report_handled', r.target_id, r.id, ?2, ?3
         FROM reports r JOIN users u ON u.account_id = r.reporter_id WHERE r.id = ?1",
    )?
    .execute(params![id, outcome.told_to_reporter(), now])?;
    // The moderators' own notices of it are done with.
    conn.prepare_cached(
        "UPDATE notifications SET seen = 1 WHERE report_id = ?1 AND kind = 'report'",
    )?
    .execute([id])?;
    Ok(true)
}

/// A message from a moderator to a member (a warning), as a notification.
pub fn warn(
    conn: &Connection,
    member: AccountId,
    from: AccountId,
    message: &str,
    report: Option<i64>,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO notifications (account_id, kind, from_account_id, report_id, message, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        member,
        NotificationKind::Warning.as_str(),
        from,
        report,
        message,
        now
    ])?;
    Ok(())
}

// The moderation log.

pub fn log(
    conn: &Connection,
    actor: &str,
    action: &str,
    target: &str,
    reason: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO moderation_log (actor, action, target, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![actor, action, target, reason, now])?;
    Ok(())
}

/// The newest entries first, older than `before`.
pub fn log_entries(
    conn: &Connection,
    before: Option<i64>,
    limit: u32,
) -> rusqlite::Result<Vec<LogEntry>> {
    conn.prepare_cached(
        "SELECT id, actor, action, target, reason, created_at FROM moderation_log
         WHERE id < ?1 ORDER BY id DESC LIMIT ?2",
    )?
    .query_map(params![before.unwrap_or(i64::MAX), limit], |r| {
        Ok(LogEntry {
            id: r.get(0)?,
            actor: r.get(1)?,
            action: r.get(2)?,
            target: r.get(3)?,
            reason: r.get(4)?,
            created_at: r.get(5)?,
        })
    })?
    .collect()
}

/// What a reported post said, who wrote it and for whom, if it is still there.
pub fn post_for_report(
    conn: &Connection,
    post: PostId,
) -> rusqlite::Result<Option<(AccountId, porchlight_core::audience::Audience, String)>> {
    conn.prepare_cached(
        "SELECT author_id, audience, html FROM posts WHERE id = ?1 AND boost_of IS NULL",
    )?
    .query_row([post], |r| {
        let audience: String = r.get(1)?;
        Ok((
            r.get(0)?,
            porchlight_core::audience::Audience::parse(&audience)
                .unwrap_or(porchlight_core::audience::Audience::Direct),
            r.get(2)?,
        ))
    })
    .optional()
}

/// Whether anyone on `domain` follows `author`, and whether anyone there is mentioned in `post`:
/// what a server elsewhere could have been sent.
pub fn domain_reach(
    conn: &Connection,
    post: PostId,
    author: AccountId,
    domain: &str,
) -> rusqlite::Result<(bool, bool)> {
    let follows = conn
        .prepare_cached(
            "SELECT 1 FROM follows f JOIN accounts a ON a.id = f.follower_id
             WHERE f.followee_id = ?1 AND a.domain = ?2",
        )?
        .exists(params![author, domain])?;
    let mentioned = conn
        .prepare_cached(
            "SELECT 1 FROM post_mentions m JOIN accounts a ON a.id = m.account_id
             WHERE m.post_id = ?1 AND a.domain = ?2",
        )?
        .exists(params![post, domain])?;
    Ok((follows, mentioned))
}
