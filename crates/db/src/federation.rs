//! Storage for federation: remote accounts and posts, actor keys, follow requests, the job
//! queue, servers' health, and domain blocks.

use porchlight_core::{AccountId, PostId, UnixTime};
use rusqlite::{Connection, OptionalExtension, params};

/// What we know of a remote actor, from its actor document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteAccount {
    pub id: AccountId,
    pub username: String,
    pub domain: String,
    pub display_name: String,
    pub bio: String,
    pub uri: String,
    pub url: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub followers_url: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
    pub avatar_url: Option<String>,
    pub header_url: Option<String>,
    pub fetched_at: UnixTime,
    /// What their server says of them (read when their profile is opened).
    pub numbers: RemoteNumbers,
}

/// How many follow someone elsewhere, they follow, and posts they wrote, as their server
/// counts them (None: it does not say), and when their account was made (or, not known, when
/// this camp first met them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RemoteNumbers {
    pub followers: Option<i64>,
    pub following: Option<i64>,
    pub statuses: Option<i64>,
    pub since: UnixTime,
}

const REMOTE_COLUMNS: &str =
    "id, username, domain, display_name, bio, uri, IFNULL(url, uri), inbox,
    shared_inbox, followers_url, key_id, public_key_pem, avatar_url, IFNULL(fetched_at, 0),
    followers_count, following_count, statuses_count, IFNULL(published, created_at), header_url";

/// Keeps what someone's server says of them (their numbers and when their account was made).
pub fn set_remote_numbers(
    conn: &Connection,
    id: AccountId,
    numbers: &RemoteNumbers,
    published: Option<UnixTime>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE accounts SET followers_count = ?2, following_count = ?3, statuses_count = ?4,
           published = IFNULL(?5, published)
         WHERE id = ?1 AND domain IS NOT NULL",
    )?
    .execute(params![
        id,
        numbers.followers,
        numbers.following,
        numbers.statuses,
        published
    ])?;
    Ok(())
}

fn remote_from_row(r: &rusqlite::Row) -> rusqlite::Result<RemoteAccount> {
    Ok(RemoteAccount {
        id: r.get(0)?,
        username: r.get(1)?,
        domain: r.get(2)?,
        display_name: r.get(3)?,
        bio: r.get(4)?,
        uri: r.get(5)?,
        url: r.get(6)?,
        inbox: r.get(7)?,
        shared_inbox: r.get(8)?,
        followers_url: r.get(9)?,
        key_id: r.get(10)?,
        public_key_pem: r.get(11)?,
        avatar_url: r.get(12)?,
        header_url: r.get(18)?,
        fetched_at: r.get(13)?,
        numbers: RemoteNumbers {
            followers: r.get(14)?,
            following: r.get(15)?,
            statuses: r.get(16)?,
            since: r.get(17)?,
        },
    })
}

fn remote_where(
    conn: &Connection,
    condition: &str,
    value: &dyn rusqlite::ToSql,
) -> rusqlite::Result<Option<RemoteAccount>> {
    conn.prepare_cached(&format!(
        "SELECT {REMOTE_COLUMNS} FROM accounts WHERE {condition} AND domain IS NOT NULL AND uri IS NOT NULL"
    ))?
    .query_row([value], remote_from_row)
    .optional()
}

pub fn remote_by_uri(conn: &Connection, uri: &str) -> rusqlite::Result<Option<RemoteAccount>> {
    remote_where(conn, "uri = ?1", &uri)
}

pub fn remote_by_key_id(
    conn: &Connection,
    key_id: &str,
) -> rusqlite::Result<Option<RemoteAccount>> {
    remote_where(conn, "key_id = ?1", &key_id)
}

/// Whether the camp has any post of `account` (a profile from elsewhere may have none yet).
pub fn has_posts(conn: &Connection, account: AccountId) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM posts WHERE author_id = ?1)")?
        .query_row([account], |r| r.get(0))
}

pub fn remote_by_id(conn: &Connection, id: AccountId) -> rusqlite::Result<Option<RemoteAccount>> {
    remote_where(conn, "id = ?1", &id)
}

pub fn remote_by_handle(
    conn: &Connection,
    username: &str,
    domain: &str,
) -> rusqlite::Result<Option<RemoteAccount>> {
    conn.prepare_cached(&format!(
        "SELECT {REMOTE_COLUMNS} FROM accounts
         WHERE username = ?1 COLLATE NOCASE AND domain = ?2 AND uri IS NOT NULL"
    ))?
    .query_row(
        params![username, domain.to_ascii_lowercase()],
        remote_from_row,
    )
    .optional()
}

/// Stores a remote actor (new, or refreshed from its document), keyed by its actor id.
pub fn upsert_remote(
    conn: &Connection,
    a: &RemoteAccount,
    now: UnixTime,
) -> rusqlite::Result<AccountId> {
    let existing: Option<AccountId> = conn
        .prepare_cached("SELECT id FROM accounts WHERE uri = ?1")?
        .query_row([&a.uri], |r| r.get(0))
        .optional()?;
    // Another actor id may hold the same @name@host (an account deleted and made again): the
    // handle now belongs to the new actor, and the old row keeps its posts under a free name.
    conn.prepare_cached(
        "UPDATE accounts SET username = username || '~' || id
         WHERE username = ?1 AND domain = ?2 AND uri IS NOT ?3",
    )?
    .execute(params![a.username, a.domain, a.uri])?;
    let values = params![
        a.username,
        a.domain,
        a.display_name,
        a.bio,
        a.uri,
        a.url,
        a.inbox,
        a.shared_inbox,
        a.followers_url,
        a.key_id,
        a.public_key_pem,
        a.avatar_url,
        now,
        a.header_url
    ];
    match existing {
        Some(id) => {
            conn.prepare_cached(
                "UPDATE accounts SET username = ?1, domain = ?2, display_name = ?3, bio = ?4,
                   uri = ?5, url = ?6, inbox = ?7, shared_inbox = ?8, followers_url = ?9,
                   key_id = ?10, public_key_pem = ?11, avatar_url = ?12, fetched_at = ?13,
                   header_url = ?14
                 WHERE id = ?15",
            )?
            .execute(rusqlite::params_from_iter(
                values
                    .iter()
                    .copied()
                    .chain(std::iter::once(&id as &dyn rusqlite::ToSql)),
            ))?;
            Ok(id)
        }
        None => {
            conn.prepare_cached(
                "INSERT INTO accounts (username, domain, display_name, bio, uri, url, inbox,
                   shared_inbox, followers_url, key_id, public_key_pem, avatar_url, fetched_at,
                   header_url, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?13)",
            )?
            .execute(values)?;
            Ok(conn.last_insert_rowid())
        }
    }
}

/// A member's signing key and its public half, if made yet.
pub fn member_keys(
    conn: &Connection,
    account: AccountId,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached(
        "SELECT k.private_key, a.public_key_pem
         FROM (SELECT account_id, private_key FROM users WHERE account_id = ?1
               UNION ALL SELECT account_id, private_key FROM departed_keys WHERE account_id = ?1) k
         JOIN accounts a ON a.id = k.account_id
         WHERE k.private_key IS NOT NULL AND a.public_key_pem IS NOT NULL",
    )?
    .query_row([account], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Stores a member's keys unless they already have some (two requests may race to make them;
/// the first wins). Returns whether these were stored.
pub fn set_member_keys(
    conn: &Connection,
    account: AccountId,
    private_pem: &str,
    public_pem: &str,
) -> rusqlite::Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE users SET private_key = ?2 WHERE account_id = ?1 AND private_key IS NULL",
        )?
        .execute(params![account, private_pem])?;
    if changed == 1 {
        conn.prepare_cached("UPDATE accounts SET public_key_pem = ?2 WHERE id = ?1")?
            .execute(params![account, public_pem])?;
    }
    Ok(changed == 1)
}

pub fn add_follow_request(
    conn: &Connection,
    follower: AccountId,
    followee: AccountId,
    activity_id: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO follow_requests (follower_id, followee_id, activity_id, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![follower, followee, activity_id, now])?;
    Ok(())
}

/// Removes a pending follow request, returning its Follow activity's id.
pub fn take_follow_request(
    conn: &Connection,
    follower: AccountId,
    followee: AccountId,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "DELETE FROM follow_requests WHERE follower_id = ?1 AND followee_id = ?2 RETURNING activity_id",
    )?
    .query_row([follower, followee], |r| r.get(0))
    .optional()
}

pub fn follow_request_pending(
    conn: &Connection,
    follower: AccountId,
    followee: AccountId,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM follow_requests WHERE follower_id = ?1 AND followee_id = ?2)",
    )?
    .query_row([follower, followee], |r| r.get(0))
}

/// The inboxes of an account's remote followers, one per server where the server has a shared
/// inbox, with each inbox's host. Servers that are dead or suspended are left out.
pub fn follower_inboxes(
    conn: &Connection,
    account: AccountId,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT IFNULL(a.shared_inbox, a.inbox), a.domain
         FROM follows f JOIN accounts a ON a.id = f.follower_id
         WHERE f.followee_id = ?1 AND a.domain IS NOT NULL AND a.inbox IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM servers s WHERE s.host = a.domain AND s.dead)
           AND NOT EXISTS (SELECT 1 FROM domain_blocks b WHERE b.domain = a.domain AND b.level = 'suspend')",
    )?;
    let rows = stmt.query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// The personal inboxes of the people elsewhere whom `account` follows (they hear of the
/// account's removal too).
pub fn followee_inboxes(
    conn: &Connection,
    account: AccountId,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT IFNULL(a.shared_inbox, a.inbox), a.domain
         FROM follows f JOIN accounts a ON a.id = f.followee_id
         WHERE f.follower_id = ?1 AND a.domain IS NOT NULL AND a.inbox IS NOT NULL",
    )?;
    let rows = stmt.query_map([account], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

/// Accounts (local or remote) that follow `account`.
pub fn followers(conn: &Connection, account: AccountId) -> rusqlite::Result<Vec<AccountId>> {
    let mut stmt = conn.prepare_cached("SELECT follower_id FROM follows WHERE followee_id = ?1")?;
    let rows = stmt.query_map([account], |r| r.get(0))?;
    rows.collect()
}

/// A job to write.
pub struct NewJob<'a> {
    pub kind: JobKind,
    pub host: &'a str,
    pub target: &'a str,
    pub signer_id: Option<AccountId>,
    pub payload: &'a str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobKind {
    Deliver,
    Inbox,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            JobKind::Deliver => "deliver",
            JobKind::Inbox => "inbox",
        }
    }
}

pub fn enqueue(conn: &Connection, job: &NewJob, now: UnixTime) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO jobs (kind, host, target, signer_id, payload, next_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        job.kind.as_str(),
        job.host,
        job.target,
        job.signer_id,
        job.payload,
        now
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A job taken by a worker.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: i64,
    pub host: String,
    pub target: String,
    pub signer_id: Option<AccountId>,
    pub payload: String,
    /// How many times it was taken before this one.
    pub attempts: u32,
    pub created_at: UnixTime,
}

/// Takes up to `limit` due jobs of a kind, leasing each for `lease` seconds: a worker that dies
/// (or a power cut) leaves them to be taken again when the lease runs out, so none is lost.
/// Jobs for the hosts in `busy` are left for later (per-server concurrency).
pub fn take_jobs(
    conn: &Connection,
    kind: JobKind,
    now: UnixTime,
    limit: u32,
    lease: i64,
    busy: &[String],
) -> rusqlite::Result<Vec<Job>> {
    let busy = serde_json::to_string(busy).unwrap_or_else(|_| "[]".into());
    let jobs: Vec<Job> = {
        let mut stmt = conn.prepare_cached(
            "SELECT id, host, target, signer_id, payload, attempts, created_at FROM jobs
             WHERE kind = ?1 AND next_at <= ?2
               AND host NOT IN (SELECT value FROM json_each(?4))
             ORDER BY next_at LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![kind.as_str(), now, limit, busy], |r| {
            Ok(Job {
                id: r.get(0)?,
                host: r.get(1)?,
                target: r.get(2)?,
                signer_id: r.get(3)?,
                payload: r.get(4)?,
                attempts: r.get(5)?,
                created_at: r.get(6)?,
            })
        })?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut lease_stmt =
        conn.prepare_cached("UPDATE jobs SET next_at = ?2, attempts = attempts + 1 WHERE id = ?1")?;
    for job in &jobs {
        lease_stmt.execute(params![job.id, now + lease])?;
    }
    Ok(jobs)
}

pub fn finish_job(conn: &Connection, id: i64) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM jobs WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn retry_job(
    conn: &Connection,
    id: i64,
    next_at: UnixTime,
    error: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE jobs SET next_at = ?2, last_error = ?3 WHERE id = ?1")?
        .execute(params![id, next_at, error])?;
    Ok(())
}

pub fn pending_jobs(conn: &Connection, kind: JobKind) -> rusqlite::Result<i64> {
    conn.prepare_cached("SELECT COUNT(*) FROM jobs WHERE kind = ?1")?
        .query_row([kind.as_str()], |r| r.get(0))
}

/// The soonest a job of this kind is due, if any.
pub fn next_due(conn: &Connection, kind: JobKind) -> rusqlite::Result<Option<UnixTime>> {
    conn.prepare_cached("SELECT MIN(next_at) FROM jobs WHERE kind = ?1")?
        .query_row([kind.as_str()], |r| r.get(0))
}

/// Records that a server answered.
pub fn server_answered(conn: &Connection, host: &str, now: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO servers (host, failing_since, last_success_at, dead) VALUES (?1, NULL, ?2, 0)
         ON CONFLICT (host) DO UPDATE SET failing_since = NULL, last_success_at = ?2, dead = 0",
    )?
    .execute(params![host, now])?;
    Ok(())
}

/// Records that a server failed; returns since when it has been failing.
pub fn server_failed(conn: &Connection, host: &str, now: UnixTime) -> rusqlite::Result<UnixTime> {
    conn.prepare_cached(
        "INSERT INTO servers (host, failing_since) VALUES (?1, ?2)
         ON CONFLICT (host) DO UPDATE SET failing_since = IFNULL(failing_since, ?2)",
    )?
    .execute(params![host, now])?;
    conn.prepare_cached("SELECT failing_since FROM servers WHERE host = ?1")?
        .query_row([host], |r| r.get(0))
}

/// Marks a server dead: nothing more is sent to it until it is heard from again. Its queued
/// deliveries are dropped.
pub fn mark_dead(conn: &Connection, host: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE servers SET dead = 1 WHERE host = ?1")?
        .execute([host])?;
    conn.prepare_cached("DELETE FROM jobs WHERE kind = 'deliver' AND host = ?1")?
        .execute([host])?;
    Ok(())
}

pub fn is_dead(conn: &Connection, host: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM servers WHERE host = ?1 AND dead)")?
        .query_row([host], |r| r.get(0))
}

pub use porchlight_core::blocklists::BlockLevel;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainBlock {
    pub domain: String,
    pub level: BlockLevel,
    pub reason: String,
    pub created_at: UnixTime,
}

fn block_from_row(r: &rusqlite::Row) -> rusqlite::Result<DomainBlock> {
    Ok(DomainBlock {
        domain: r.get(0)?,
        // An unknown level can only come from a damaged file: treat it as the strictest.
        level: BlockLevel::parse(&r.get::<_, String>(1)?).unwrap_or(BlockLevel::Suspend),
        reason: r.get(2)?,
        created_at: r.get(3)?,
    })
}

/// The block that applies to a host: one for that exact host and port, its own, or the nearest
/// parent domain's.
pub fn block_for(conn: &Connection, host: &str) -> rusqlite::Result<Option<DomainBlock>> {
    let host = host.to_ascii_lowercase();
    let mut stmt = conn.prepare_cached(
        "SELECT domain, level, reason, created_at FROM domain_blocks WHERE domain = ?1",
    )?;
    let without_port = host.split(':').next().unwrap_or("");
    let mut candidates = Vec::new();
    if host.contains(':') {
        candidates.push(host.as_str());
    }
    let mut domain = without_port;
    loop {
        candidates.push(domain);
        match domain.split_once('.') {
            Some((_, parent)) if parent.contains('.') => domain = parent,
            _ => break,
        }
    }
    for candidate in candidates {
        if let Some(block) = stmt.query_row([candidate], block_from_row).optional()? {
            return Ok(Some(block));
        }
    }
    Ok(None)
}

/// The host's own block of a domain (one that came from a shared list becomes the host's).
pub fn set_domain_block(conn: &Connection, block: &DomainBlock) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO domain_blocks (domain, level, reason, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (domain) DO UPDATE SET level = ?2, reason = ?3, source = NULL",
    )?
    .execute(params![
        block.domain,
        block.level.as_str(),
        block.reason,
        block.created_at
    ])?;
    Ok(())
}

pub fn remove_domain_block(conn: &Connection, domain: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM domain_blocks WHERE domain = ?1")?
        .execute([domain])?
        == 1)
}

pub fn domain_blocks(conn: &Connection) -> rusqlite::Result<Vec<DomainBlock>> {
    let mut stmt = conn.prepare_cached(
        "SELECT domain, level, reason, created_at FROM domain_blocks ORDER BY domain",
    )?;
    let rows = stmt.query_map([], block_from_row)?;
    rows.collect()
}

/// Drops every follow between here and a suspended domain, both ways.
pub fn drop_follows_with_domain(conn: &Connection, domain: &str) -> rusqlite::Result<usize> {
    let pattern = format!("%.{domain}");
    let mut n = 0;
    for sql in [
        "DELETE FROM follows WHERE follower_id IN (SELECT id FROM accounts WHERE domain = ?1 OR domain LIKE ?2 OR domain LIKE ?3)
            OR followee_id IN (SELECT id FROM accounts WHERE domain = ?1 OR domain LIKE ?2 OR domain LIKE ?3)",
        "DELETE FROM follow_requests WHERE followee_id IN (SELECT id FROM accounts WHERE domain = ?1 OR domain LIKE ?2 OR domain LIKE ?3)",
    ] {
        // The domain itself, its subdomains, and (for a block without a port) any port on it.
        let any_port = if domain.contains(':') { domain.to_string() } else { format!("{domain}:%") };
        n += conn.prepare_cached(sql)?.execute(params![domain, pattern, any_port])?;
    }
    Ok(n)
}

/// Drops the deliveries queued for `domain`, its subdomains and any port on it (a suspended
/// server gets nothing more).
pub fn drop_jobs_for_domain(conn: &Connection, domain: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached("DELETE FROM jobs WHERE host = ?1 OR host LIKE ?2 OR host LIKE ?3")?
        .execute(params![
            domain,
            format!("%.{domain}"),
            format!("{domain}:%")
        ])
}

pub fn post_by_uri(conn: &Connection, uri: &str) -> rusqlite::Result<Option<PostId>> {
    conn.prepare_cached("SELECT id FROM posts WHERE uri = ?1")?
        .query_row([uri], |r| r.get(0))
        .optional()
}

pub fn set_post_uri(conn: &Connection, id: PostId, uri: &str, url: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("UPDATE posts SET uri = ?2, url = ?3 WHERE id = ?1")?
        .execute(params![id, uri, url])?;
    Ok(())
}

/// Posts stored before the camp had the post they quote (`uri`, now stored as `id`) name it
/// now. Returns how many.
pub fn link_waiting_quotes(conn: &Connection, id: PostId, uri: &str) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "UPDATE posts SET quote_id = ?1 WHERE quote_uri = ?2 AND quote_id IS NULL AND id != ?1",
    )?
    .execute(params![id, uri])
}

/// What a post from elsewhere says of itself beyond its text (see migration 28).
pub fn set_post_reading(
    conn: &Connection,
    id: PostId,
    sensitive: bool,
    language: Option<&str>,
    quote: Option<(&str, Option<PostId>)>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        // A quoted post deleted in between names nothing, rather than failing the whole write.
        "UPDATE posts SET sensitive = ?2, language = ?3, quote_uri = ?4,
             quote_id = (SELECT q.id FROM posts q WHERE q.id = ?5) WHERE id = ?1",
    )?
    .execute(params![
        id,
        sensitive,
        language,
        quote.map(|q| q.0),
        quote.and_then(|q| q.1)
    ])?;
    Ok(())
}

/// The ActivityPub id of a post: its own for a remote post, None for a local one (whose id the
/// caller derives from the server's address).
pub fn post_uri(conn: &Connection, id: PostId) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT uri FROM posts WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

/// A post with what its ActivityPub form needs.
#[derive(Clone, Debug)]
pub struct OutgoingPost {
    pub id: PostId,
    pub author_id: AccountId,
    pub author_username: String,
    /// Set for a remote author (then this server never sends it as its own).
    pub author_domain: Option<String>,
    pub audience: porchlight_core::audience::Audience,
    pub text: String,
    pub html: String,
    pub content_warning: String,
    pub in_reply_to: Option<PostId>,
    pub boost_of: Option<PostId>,
    pub created_at: UnixTime,
    pub edited_at: Option<UnixTime>,
    pub uri: Option<String>,
}

pub fn outgoing_post(conn: &Connection, id: PostId) -> rusqlite::Result<Option<OutgoingPost>> {
    conn.prepare_cached(
        "SELECT p.id, p.author_id, a.username, a.domain, p.audience, p.text, p.html,
                p.content_warning, p.in_reply_to, p.boost_of, p.created_at, p.edited_at, p.uri
         FROM posts p JOIN accounts a ON a.id = p.author_id WHERE p.id = ?1",
    )?
    .query_row([id], |r| {
        let audience: String = r.get(4)?;
        Ok(OutgoingPost {
            id: r.get(0)?,
            author_id: r.get(1)?,
            author_username: r.get(2)?,
            author_domain: r.get(3)?,
            audience: porchlight_core::audience::Audience::parse(&audience)
                .unwrap_or(porchlight_core::audience::Audience::Local),
            text: r.get(5)?,
            html: r.get(6)?,
            content_warning: r.get(7)?,
            in_reply_to: r.get(8)?,
            boost_of: r.get(9)?,
            created_at: r.get(10)?,
            edited_at: r.get(11)?,
            uri: r.get(12)?,
        })
    })
    .optional()
}

/// An account a post mentions: a member (no domain) or a remote actor.
#[derive(Clone, Debug)]
pub struct Mentioned {
    pub id: AccountId,
    pub username: String,
    pub domain: Option<String>,
    pub uri: Option<String>,
    pub inbox: Option<String>,
    pub shared_inbox: Option<String>,
}

pub fn mentioned(conn: &Connection, post: PostId) -> rusqlite::Result<Vec<Mentioned>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.username, a.domain, a.uri, a.inbox, a.shared_inbox FROM post_mentions m
         JOIN accounts a ON a.id = m.account_id WHERE m.post_id = ?1 ORDER BY a.id",
    )?;
    let rows = stmt.query_map([post], |r| {
        Ok(Mentioned {
            id: r.get(0)?,
            username: r.get(1)?,
            domain: r.get(2)?,
            uri: r.get(3)?,
            inbox: r.get(4)?,
            shared_inbox: r.get(5)?,
        })
    })?;
    rows.collect()
}

pub fn tags(conn: &Connection, post: PostId) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT tag FROM post_tags WHERE post_id = ?1 ORDER BY tag")?;
    let rows = stmt.query_map([post], |r| r.get(0))?;
    rows.collect()
}

/// A remote account's personal inbox and its host.
pub fn inbox_of(
    conn: &Connection,
    account: AccountId,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.prepare_cached(
        "SELECT inbox, domain FROM accounts WHERE id = ?1 AND domain IS NOT NULL AND inbox IS NOT NULL",
    )?
    .query_row([account], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Whether any member here follows the account (then its posts are wanted here).
pub fn followed_by_members(conn: &Connection, account: AccountId) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM follows f JOIN users u ON u.account_id = f.follower_id
                        WHERE f.followee_id = ?1)",
    )?
    .query_row([account], |r| r.get(0))
}

/// Forgets a remote account and everything it wrote here (its server said it is gone).
pub fn delete_remote_account(conn: &Connection, account: AccountId) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM accounts WHERE id = ?1 AND domain IS NOT NULL")?
        .execute([account])?
        == 1)
}

/// The author of a post.
pub fn post_author(conn: &Connection, post: PostId) -> rusqlite::Result<Option<AccountId>> {
    conn.prepare_cached("SELECT author_id FROM posts WHERE id = ?1")?
        .query_row([post], |r| r.get(0))
        .optional()
}

/// Records the media of a post from another server (at most a few; the rest are dropped).
pub fn set_post_media(
    conn: &Connection,
    post: PostId,
    media: &[crate::timeline::Media],
) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM post_media WHERE post_id = ?1")?
        .execute([post])?;
    // What the camp measured of a picture it already fetched stands over what the server says;
    // a blurhash the server sent stands over one made here.
    let mut insert = conn.prepare_cached(
        "INSERT INTO post_media (post_id, position, url, media_type, description, blurhash, width,
                                 height)
         SELECT ?1, ?2, ?3, ?4, ?5,
                CASE WHEN ?6 != '' THEN ?6 ELSE IFNULL(r.blurhash, '') END,
                IFNULL(r.width, ?7), IFNULL(r.height, ?8)
           FROM (SELECT 1) LEFT JOIN remote_pictures r ON r.url = ?3",
    )?;
    for (position, m) in media.iter().enumerate() {
        insert.execute(params![
            post,
            position as i64,
            m.url,
            m.media_type,
            m.description,
            m.blurhash,
            m.width,
            m.height
        ])?;
    }
    Ok(())
}

/// Servers that have not answered for longer than `since` seconds while deliveries to them wait:
/// what the box's lights and the host's page call "deliveries failing".
pub fn servers_failing(
    conn: &Connection,
    now: UnixTime,
    since: i64,
) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.host FROM servers s
         WHERE s.failing_since IS NOT NULL AND s.failing_since <= ?1 AND NOT s.dead
           AND EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'deliver' AND j.host = s.host)
         ORDER BY s.host",
    )?;
    let rows = stmt.query_map([now - since], |r| r.get(0))?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_covers_subdomains_and_a_port_block_only_its_port() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("b.db")).unwrap();
        let block = |domain: &str, level| DomainBlock {
            domain: domain.into(),
            level,
            reason: String::new(),
            created_at: 0,
        };
        db.write(|tx| {
            set_domain_block(tx, &block("spam.example", BlockLevel::Suspend))?;
            set_domain_block(tx, &block("pics.example", BlockLevel::RejectMedia))?;
            set_domain_block(tx, &block("127.0.0.1:4000", BlockLevel::Silence))
        })
        .unwrap();
        let level = |host: &str| db.read(|c| block_for(c, host)).unwrap().map(|b| b.level);
        let cases = [
            ("spam.example", Some(BlockLevel::Suspend)),
            ("SPAM.example", Some(BlockLevel::Suspend)),
            ("a.b.spam.example", Some(BlockLevel::Suspend)),
            ("spam.example:8443", Some(BlockLevel::Suspend)),
            ("notspam.example", None),
            ("example", None),
            ("cdn.pics.example", Some(BlockLevel::RejectMedia)),
            ("127.0.0.1:4000", Some(BlockLevel::Silence)),
            ("127.0.0.1:4001", None),
        ];
        for (host, expected) in cases {
            assert_eq!(level(host), expected, "{host}");
        }
    }

    /// What the camp measured of a picture from elsewhere is kept for posts that carry it, now
    /// and later, and not for a picture no post carries (a face, an emoji).
    #[test]
    fn a_measured_picture_is_kept_for_the_posts_that_carry_it() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("m.db")).unwrap();
        let photo = "https://elsewhere.example/photo.jpg";
        let face = "https://elsewhere.example/face.png";
        let said = |url: &str| crate::timeline::Media {
            url: url.into(),
            media_type: "image/jpeg".into(),
            width: 4000,
            height: 3000,
            ..Default::default()
        };
        let sizes = |c: &Connection, post: PostId| -> rusqlite::Result<(u32, u32, String)> {
            c.query_row(
                "SELECT width, height, blurhash FROM post_media WHERE post_id = ?1",
                [post],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        };
        db.write(|tx| -> rusqlite::Result<()> {
            let author = upsert_remote(
                tx,
                &RemoteAccount {
                    id: 0,
                    username: "ana".into(),
                    domain: "elsewhere.example".into(),
                    display_name: String::new(),
                    bio: String::new(),
                    uri: "https://elsewhere.example/users/ana".into(),
                    url: String::new(),
                    inbox: "https://elsewhere.example/inbox".into(),
                    shared_inbox: None,
                    followers_url: None,
                    key_id: "https://elsewhere.example/users/ana#key".into(),
                    public_key_pem: String::new(),
                    avatar_url: Some(face.into()),
                    header_url: None,
                    fetched_at: 0,
                    numbers: RemoteNumbers::default(),
                },
                0,
            )?;
            let post = |tx: &Connection| {
                crate::posts::insert_post(
                    tx,
                    &crate::posts::NewPost {
                        author_id: author,
                        audience: porchlight_core::audience::Audience::Public,
                        text: "",
                        html: "",
                        content_warning: "",
                        in_reply_to: None,
                        mentions: &[],
                        tags: &[],
                        now: 0,
                    },
                )
            };
            let first = post(tx)?;
            set_post_media(tx, first, &[said(photo)])?;
            crate::uploads::note_picture_from_elsewhere(tx, photo, 640, 480, Some("LKO2?U%2"))?;
            crate::uploads::note_picture_from_elsewhere(tx, face, 400, 400, Some("L00000"))?;
            assert_eq!(sizes(tx, first)?, (640, 480, "LKO2?U%2".into()));
            // Edited: its server says again what it said before.
            set_post_media(tx, first, &[said(photo)])?;
            assert_eq!(sizes(tx, first)?, (640, 480, "LKO2?U%2".into()));
            // A new post with the same picture, which the camp will not fetch again.
            let second = post(tx)?;
            set_post_media(tx, second, &[said(photo)])?;
            assert_eq!(sizes(tx, second)?, (640, 480, "LKO2?U%2".into()));
            let kept: Vec<String> = tx
                .prepare("SELECT url FROM remote_pictures")?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            assert_eq!(kept, vec![photo.to_string()], "the face is not kept");
            Ok(())
        })
        .unwrap();
    }

    /// Linking a quote that arrives later looks only at the posts waiting for one.
    #[test]
    fn posts_waiting_for_their_quote_are_found_by_an_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("q.db")).unwrap();
        let plan: Vec<String> = db
            .read(|c| {
                c.prepare(
                    "EXPLAIN QUERY PLAN UPDATE posts SET quote_id = ?1
                      WHERE quote_uri = ?2 AND quote_id IS NULL AND id != ?1",
                )?
                .query_map(params![1, "https://elsewhere.example/notes/1"], |r| {
                    r.get::<_, String>(3)
                })?
                .collect()
            })
            .unwrap();
        assert!(
            plan.iter().any(|step| step.contains("posts_waiting_quote")),
            "{plan:?}"
        );
    }

    #[test]
    fn a_server_is_failing_after_an_hour_with_deliveries_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("f.db")).unwrap();
        let job = |host: &'static str| NewJob {
            kind: JobKind::Deliver,
            host,
            target: "https://x/inbox",
            signer_id: None,
            payload: "{}",
        };
        db.write(|tx| {
            server_failed(tx, "down.example", 1_000)?;
            server_failed(tx, "just-down.example", 4_000)?;
            server_failed(tx, "idle.example", 1_000)?;
            enqueue(tx, &job("down.example"), 1_000)?;
            enqueue(tx, &job("just-down.example"), 4_000)
        })
        .unwrap();
        let failing = db.read(|c| servers_failing(c, 5_000, 3_600)).unwrap();
        assert_eq!(
            failing,
            vec!["down.example"],
            "an hour, and something waiting"
        );
        db.write(|tx| server_answered(tx, "down.example", 5_001))
            .unwrap();
        assert!(
            db.read(|c| servers_failing(c, 5_002, 3_600))
                .unwrap()
                .is_empty()
        );
    }
}
