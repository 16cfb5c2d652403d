//! Accounts, members (users), sessions and invites.

use porchlight_core::audience::{Audience, Role};
pub use porchlight_core::views::{Invite, Member};
use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, Row, params};

const MEMBER_COLUMNS: &str = "a.id, a.username, a.display_name, a.bio, a.who_i_am, u.role, a.created_at, u.default_audience, a.suspended_at, u.agreed_coc_version, u.introduction, u.bugle_off, u.bugle_taken, a.avatar_url, a.header_url, a.moved_to, u.fork_consent";

fn member_from_row(row: &Row) -> rusqlite::Result<Member> {
    let role: String = row.get(5)?;
    Ok(Member {
        id: row.get(0)?,
        username: row.get(1)?,
        display_name: row.get(2)?,
        bio: row.get(3)?,
        who_i_am: row.get(4)?,
        role: Role::parse(&role).unwrap_or(Role::Member),
        created_at: row.get(6)?,
        default_audience: Audience::parse(&row.get::<_, String>(7)?).unwrap_or(Audience::Local),
        suspended_at: row.get(8)?,
        agreed_coc_version: row.get(9)?,
        introduction: row.get(10)?,
        bugle_off: row.get(11)?,
        bugle_taken: row.get(12)?,
        moved_to: row.get(15)?,
        fork_consent: row.get(16)?,
        avatar: row.get(13)?,
        header: row.get(14)?,
    })
}

pub fn count_members(conn: &Connection) -> rusqlite::Result<u32> {
    conn.prepare_cached("SELECT COUNT(*) FROM users")?
        .query_row([], |r| r.get(0))
}

pub fn count_hosts(conn: &Connection) -> rusqlite::Result<u32> {
    conn.prepare_cached("SELECT COUNT(*) FROM users WHERE role = 'host'")?
        .query_row([], |r| r.get(0))
}

/// Whether a username (lower case) is taken by any account here.
pub fn username_taken(conn: &Connection, username: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM accounts WHERE username = ?1 AND domain IS NULL")?
        .exists([username])
}

/// Creates an account and its member row. The caller has checked the name, the password and the
/// member cap inside the same transaction.
pub fn insert_member(
    conn: &Connection,
    username: &str,
    display_name: &str,
    password_hash: &str,
    role: Role,
    invited_by: Option<AccountId>,
    now: UnixTime,
) -> rusqlite::Result<AccountId> {
    conn.prepare_cached(
        "INSERT INTO accounts (username, display_name, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![username, display_name, now])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO users (account_id, password_hash, role, invited_by, created_at, agreed_coc_version)
         VALUES (?1, ?2, ?3, ?4, ?5,
                 IFNULL((SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'coc_version'), 0))",
    )?
    .execute(params![id, password_hash, role.as_str(), invited_by, now])?;
    Ok(id)
}

pub fn member_by_id(conn: &Connection, id: AccountId) -> rusqlite::Result<Option<Member>> {
    conn.prepare_cached(&format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id WHERE a.id = ?1"
    ))?
    .query_row([id], member_from_row)
    .optional()
}

pub fn member_by_username(conn: &Connection, username: &str) -> rusqlite::Result<Option<Member>> {
    conn.prepare_cached(&format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id
         WHERE a.username = ?1 AND a.domain IS NULL"
    ))?
    .query_row([username.to_ascii_lowercase()], member_from_row)
    .optional()
}

/// The id and password hash for a login attempt.
pub fn login_record(
    conn: &Connection,
    username: &str,
) -> rusqlite::Result<Option<(AccountId, String)>> {
    conn.prepare_cached(
        "SELECT a.id, u.password_hash FROM accounts a JOIN users u ON u.account_id = a.id
         WHERE a.username = ?1 AND a.domain IS NULL",
    )?
    .query_row([username.to_ascii_lowercase()], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })
    .optional()
}

pub fn password_hash(conn: &Connection, id: AccountId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT password_hash FROM users WHERE account_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
}

pub fn set_password_hash(conn: &Connection, id: AccountId, hash: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET password_hash = ?2 WHERE account_id = ?1")?
        .execute(params![id, hash])?;
    Ok(())
}

pub fn set_role(conn: &Connection, id: AccountId, role: Role) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE users SET role = ?2 WHERE account_id = ?1")?
        .execute(params![id, role.as_str()])?;
    Ok(changed == 1)
}

pub fn update_profile(
    conn: &Connection,
    id: AccountId,
    display_name: &str,
    bio: &str,
    who_i_am: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET display_name = ?2, bio = ?3, who_i_am = ?4 WHERE id = ?1",
    )?
    .execute(params![id, display_name, bio, who_i_am])?;
    Ok(())
}

/// Members for the directory, oldest first (the host who started the camp leads).
pub fn list_members(conn: &Connection, offset: u32, limit: u32) -> rusqlite::Result<Vec<Member>> {
    conn.prepare_cached(&format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id
         ORDER BY a.id LIMIT ?1 OFFSET ?2"
    ))?
    .query_map([limit, offset], member_from_row)?
    .collect()
}

/// Members whose username or display name contains `needle`.
pub fn search_members(
    conn: &Connection,
    needle: &str,
    limit: u32,
) -> rusqlite::Result<Vec<Member>> {
    let pattern = format!(
        "%{}%",
        needle
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    conn.prepare_cached(&format!(
        "SELECT {MEMBER_COLUMNS} FROM accounts a JOIN users u ON u.account_id = a.id
         WHERE (a.username LIKE ?1 ESCAPE '\\' OR a.display_name LIKE ?1 ESCAPE '\\') AND a.suspended_at IS NULL
         ORDER BY a.username LIMIT ?2"
    ))?
    .query_map(params![pattern, limit], member_from_row)?
    .collect()
}

// Sessions. Only a hash of the token is stored, so a stolen database copy logs nobody in.

pub fn insert_session(
    conn: &Connection,
    token_hash: &[u8],
    account: AccountId,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, account_id, created_at, last_seen_at) VALUES (?1, ?2, ?3, ?3)",
    )?
    .execute(params![token_hash, account, now])?;
    Ok(())
}

/// The account a session belongs to and when it was last used, if the session exists and was
/// used after `idle_since`.
pub fn session_account(
    conn: &Connection,
    token_hash: &[u8],
    idle_since: UnixTime,
) -> rusqlite::Result<Option<(AccountId, UnixTime)>> {
    conn.prepare_cached(
        "SELECT account_id, last_seen_at FROM sessions WHERE token_hash = ?1 AND last_seen_at >= ?2",
    )?
    .query_row(params![token_hash, idle_since], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

pub fn touch_session(conn: &Connection, token_hash: &[u8], now: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1")?
        .execute(params![token_hash, now])?;
    Ok(())
}

pub fn delete_session(conn: &Connection, token_hash: &[u8]) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([token_hash])?;
    Ok(())
}

/// Ends every session of an account but one (after a password change), or all of them.
pub fn delete_sessions_except(
    conn: &Connection,
    account: AccountId,
    keep: Option<&[u8]>,
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE account_id = ?1 AND token_hash IS NOT ?2")?
        .execute(params![account, keep])?;
    Ok(())
}

// Invites.

const INVITE_COLUMNS: &str = "i.code, i.created_by, a.username, i.note, i.max_uses, i.uses, \
     i.expires_at, i.revoked, i.created_at";

fn invite_from_row(row: &Row) -> rusqlite::Result<Invite> {
    Ok(Invite {
        code: row.get(0)?,
        created_by: row.get(1)?,
        created_by_name: row.get(2)?,
        note: row.get(3)?,
        max_uses: row.get(4)?,
        uses: row.get(5)?,
        expires_at: row.get(6)?,
        revoked: row.get(7)?,
        created_at: row.get(8)?,
    })
}

pub fn insert_invite(conn: &Connection, invite: &Invite) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO invites (code, created_by, note, max_uses, uses, expires_at, revoked, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, 0, ?6)",
    )?
    .execute(params![
        invite.code,
        invite.created_by,
        invite.note,
        invite.max_uses,
        invite.expires_at,
        invite.created_at
    ])?;
    Ok(())
}

pub fn invite_by_code(conn: &Connection, code: &str) -> rusqlite::Result<Option<Invite>> {
    conn.prepare_cached(&format!(
        "SELECT {INVITE_COLUMNS} FROM invites i LEFT JOIN accounts a ON a.id = i.created_by
         WHERE i.code = ?1"
    ))?
    .query_row([code], invite_from_row)
    .optional()
}

pub fn list_invites(conn: &Connection) -> rusqlite::Result<Vec<Invite>> {
    conn.prepare_cached(&format!(
        "SELECT {INVITE_COLUMNS} FROM invites i LEFT JOIN accounts a ON a.id = i.created_by
         ORDER BY i.created_at DESC, i.code LIMIT 200"
    ))?
    .query_map([], invite_from_row)?
    .collect()
}

/// Counts one use of an invite; false if it had no use left.
pub fn use_invite(conn: &Connection, code: &str) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE invites SET uses = uses + 1 WHERE code = ?1 AND uses < max_uses AND revoked = 0",
        )?
        .execute([code])?;
    Ok(changed == 1)
}

pub fn revoke_invite(conn: &Connection, code: &str) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached("UPDATE invites SET revoked = 1 WHERE code = ?1")?
        .execute([code])?;
    Ok(changed == 1)
}

/// Posts written by members here (not boosts), for NodeInfo.
pub fn count_local_posts(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "SELECT COUNT(*) FROM posts p JOIN users u ON u.account_id = p.author_id WHERE p.boost_of IS NULL",
    )?
    .query_row([], |r| r.get(0))
}

/// Sets what a member's posts are for when they do not choose.
pub fn set_default_audience(
    conn: &Connection,
    account: AccountId,
    audience: Audience,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET default_audience = ?2 WHERE account_id = ?1")?
        .execute(rusqlite::params![account, audience.as_str()])?;
    Ok(())
}

/// A member agrees to the code of conduct as it is now (its version).
pub fn agree_to_code_of_conduct(
    conn: &Connection,
    account: AccountId,
    version: u32,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET agreed_coc_version = ?2 WHERE account_id = ?1")?
        .execute(params![account, version])?;
    Ok(())
}

/// A host's or moderator's line introducing a member to the camp (empty: none).
pub fn set_introduction(conn: &Connection, account: AccountId, text: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET introduction = ?2 WHERE account_id = ?1")?
        .execute(params![account, text])?;
    Ok(())
}

/// Members who used the camp since `since`: a page or an app (their session's or token's last
/// use, kept to the hour) or a post.
pub fn active_since(conn: &Connection, since: UnixTime) -> rusqlite::Result<Vec<AccountId>> {
    conn.prepare_cached(
        "SELECT account_id FROM sessions WHERE last_seen_at >= ?1
         UNION SELECT account_id FROM oauth_tokens WHERE account_id IS NOT NULL AND last_used >= ?1
         UNION SELECT u.account_id FROM users u
               WHERE (SELECT created_at FROM posts WHERE author_id = u.account_id
                      ORDER BY id DESC LIMIT 1) >= ?1",
    )?
    .query_map([since], |r| r.get(0))?
    .collect()
}

/// Whether a member hears the bugle (`off`: they do not).
pub fn set_bugle_off(conn: &Connection, account: AccountId, off: bool) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET bugle_off = ?2 WHERE account_id = ?1")?
        .execute(params![account, off])?;
    Ok(())
}

/// Whether a member may sound the bugle (`taken`: a host or moderator took it away).
pub fn set_bugle_taken(conn: &Connection, account: AccountId, taken: bool) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE users SET bugle_taken = ?2 WHERE account_id = ?1")?
        .execute(params![account, taken])?;
    Ok(())
}

/// When a member sounded the bugle since `since`.
pub fn bugles_since(
    conn: &Connection,
    account: AccountId,
    since: UnixTime,
) -> rusqlite::Result<Vec<UnixTime>> {
    conn.prepare_cached("SELECT created_at FROM bugles WHERE account_id = ?1 AND created_at > ?2")?
        .query_map(params![account, since], |r| r.get(0))?
        .collect()
}

pub fn record_bugle(
    conn: &Connection,
    account: AccountId,
    post: PostId,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO bugles (account_id, post_id, created_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![account, post, now])?;
    Ok(())
}

/// How far a new camp is set up (a host's home page asks on every visit until it is): a second
/// member, a second host, an invite ever made, the setting `name_key` (the public name), a look.
pub fn setup_progress(conn: &Connection, name_key: &str) -> rusqlite::Result<SetupProgress> {
    // One statement, read on the host's every home page until all is done: counts stop at two,
    // and the look is only asked whether it was set.
    conn.prepare_cached(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 2)) = 2,
                (SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE role = 'host' LIMIT 2)) = 2,
                EXISTS (SELECT 1 FROM invites),
                EXISTS (SELECT 1 FROM settings WHERE key = ?1),
                EXISTS (SELECT 1 FROM settings WHERE key IN ('accent', 'description') AND value != '')
                  OR EXISTS (SELECT 1 FROM profile_pictures WHERE IFNULL(account_id, 0) = 0 AND role = 'header')",
    )?
    .query_row([name_key], |r| {
        Ok(SetupProgress {
            second_member: r.get(0)?,
            co_host: r.get(1)?,
            invited: r.get(2)?,
            named: r.get(3)?,
            looked: r.get(4)?,
        })
    })
}

/// What a new camp has done of its host's next steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetupProgress {
    /// Someone besides the first member.
    pub second_member: bool,
    /// Two hosts or more.
    pub co_host: bool,
    /// An invite was made.
    pub invited: bool,
    /// The host gave the camp a public name on a page.
    pub named: bool,
    /// An accent colour, a description or a header picture.
    pub looked: bool,
}
