//! Lists of posts (timelines, profiles, hashtags, search, bookmarks, threads) for one viewer.
//!
//! Every list is one SELECT that also reads the viewer's relation to each post. The SQL narrows
//! the candidates cheaply, and then every row goes through `porchlight_core::audience::is_listed`,
//! the one function that decides visibility, so a mistake in a WHERE clause can hide a post but
//! never show one to the wrong person.

use porchlight_core::audience::{self, Audience, Listing, Viewer};
pub use porchlight_core::views::{Author, Card, Media, Page, PostView};
use porchlight_core::{AccountId, PostId};
use rusqlite::types::Value;
use rusqlite::{Connection, Row, params_from_iter};

/// Who is looking: a member of this server, or nobody signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reader {
    pub account: Option<AccountId>,
}

impl Reader {
    pub const ANONYMOUS: Reader = Reader { account: None };

    pub fn member(id: AccountId) -> Reader {
        Reader { account: Some(id) }
    }

    /// The id the SQL compares with; 0 is no account's id.
    fn sql_id(self) -> AccountId {
        self.account.unwrap_or(0)
    }

    fn is_member(self) -> bool {
        self.account.is_some()
    }
}

/// The columns every list reads: the row `p`, and the shown post `s` (the original for a boost).
const COLUMNS_HEAD: &str =
    "SELECT p.id, p.boost_of, pa.id, pa.username, pa.display_name, p.audience,
       s.id, sa.id, sa.username, sa.display_name, s.audience, s.html, s.content_warning,
       s.in_reply_to, s.created_at, s.edited_at, s.reply_count, s.boost_count, s.favourite_count,";

/// The viewer's own marks on the shown post: read per row for a single post, and for a whole
/// page at once by `mark_viewer_flags` (three index probes a row were a fifth of a page's cost).
const VIEWER_FLAGS: &str =
    "EXISTS (SELECT 1 FROM favourites x WHERE x.account_id = ?1 AND x.post_id = s.id),
       EXISTS (SELECT 1 FROM posts x WHERE x.author_id = ?1 AND x.boost_of = s.id),
       EXISTS (SELECT 1 FROM bookmarks x WHERE x.account_id = ?1 AND x.post_id = s.id),";

/// What the rules need of every row: is the viewer mentioned, do they follow the author.
const COLUMNS_TAIL: &str =
    "EXISTS (SELECT 1 FROM post_mentions x WHERE x.post_id = s.id AND x.account_id = ?1),
       EXISTS (SELECT 1 FROM follows x WHERE x.follower_id = ?1 AND x.followee_id = s.author_id),
       pa.domain, sa.domain, s.url, sa.avatar_url, s.imported_from IS NOT NULL, s.uri,
       s.sensitive, s.language, s.quote_uri, s.quote_id";

/// The joins from a row `p` to its author, the shown post and its author.
const JOINS: &str = "JOIN accounts pa ON pa.id = p.author_id
  JOIN posts s ON s.id = IFNULL(p.boost_of, p.id)
  JOIN accounts sa ON sa.id = s.author_id";

/// A suspended account's posts and boosts are hidden from everyone until the suspension is lifted.
const NOT_SUSPENDED: &str = "pa.suspended_at IS NULL AND sa.suspended_at IS NULL";

/// In a list of the fediverse, a post from a server the host silenced only for a reader who
/// follows its author: a silenced server is heard only by those who follow its people. A block
/// covers subdomains and, with no port, every port (as `federation::block_for` reads it, though
/// a subdomain's own milder block under a silenced parent does not lift the silence here); the
/// silenced blocks are few, and indexed (migration 32). In the SQL, so that such posts are never
/// read only to be dropped.
const HEARD: &str = "(sa.domain IS NULL
       OR NOT EXISTS (SELECT 1 FROM domain_blocks b WHERE b.level = 'silence'
            AND (sa.domain = b.domain OR sa.domain LIKE '%.' || b.domain
                 OR sa.domain LIKE b.domain || ':%' OR sa.domain LIKE '%.' || b.domain || ':%'))
       OR EXISTS (SELECT 1 FROM follows x WHERE x.follower_id = ?1 AND x.followee_id = s.author_id))";

/// The SQL condition that narrows candidates by audience for the shown post `s` (a cheap copy of
/// the rules; the rules themselves still check every row). ?1 is the viewer's id, ?2 is 1 for a
/// member.
const MAY_SEE: &str = "(s.audience IN ('public', 'unlisted')
       OR (s.audience IN ('local', 'neighborhood') AND ?2)
       OR s.author_id = ?1
       OR (s.audience = 'followers' AND EXISTS (SELECT 1 FROM follows x WHERE x.follower_id = ?1 AND x.followee_id = s.author_id))
       OR EXISTS (SELECT 1 FROM post_mentions x WHERE x.post_id = s.id AND x.account_id = ?1))";

fn post_from_row(row: &Row, reader: Reader) -> rusqlite::Result<(PostView, Audience)> {
    let boost_of: Option<PostId> = row.get(1)?;
    let row_author = Author {
        id: row.get(2)?,
        username: row.get(3)?,
        display_name: row.get(4)?,
        domain: row.get(24)?,
        avatar_url: None,
        avatar_proxy: String::new(),
        emojis: Vec::new(),
    };
    let row_audience: String = row.get(5)?;
    let author = Author {
        id: row.get(7)?,
        username: row.get(8)?,
        display_name: row.get(9)?,
        domain: row.get(25)?,
        avatar_url: row.get(27)?,
        avatar_proxy: String::new(),
        emojis: Vec::new(),
    };
    let audience: String = row.get(10)?;
    let viewer = Viewer {
        is_member: reader.is_member(),
        is_author: reader.account == Some(author.id),
        is_mentioned: row.get(22)?,
        follows_author: row.get(23)?,
        // On this camp's own pages and API every reader is a member or nobody.
        is_neighbor: false,
    };
    let view = PostView {
        row_id: row.get(0)?,
        boosted_by: boost_of.map(|_| row_author),
        id: row.get(6)?,
        author,
        // An unknown audience name can only come from a damaged file: treat it as the narrowest.
        audience: Audience::parse(&audience).unwrap_or(Audience::Direct),
        html: row.get(11)?,
        content_warning: row.get(12)?,
        in_reply_to: row.get(13)?,
        created_at: row.get(14)?,
        edited_at: row.get(15)?,
        reply_count: row.get(16)?,
        boost_count: row.get(17)?,
        favourite_count: row.get(18)?,
        favourited: row.get(19)?,
        boosted: row.get(20)?,
        bookmarked: row.get(21)?,
        viewer,
        remote_url: row.get(26)?,
        remote_id: if row.get::<_, Option<String>>(25)?.is_some() {
            row.get(29)?
        } else {
            None
        },
        imported: row.get(28)?,
        sensitive: row.get(30)?,
        language: row.get(31)?,
        quote: match row.get::<_, Option<String>>(32)? {
            Some(uri) => Some(porchlight_core::views::Quote {
                uri,
                here: row.get(33)?,
            }),
            None => None,
        },
        media: Vec::new(),
        card: None,
        poll: None,
        replying_to: None,
        replying_to_handle: None,
        pinned: false,
        emojis: Vec::new(),
        event: None,
    };
    Ok((
        view,
        Audience::parse(&row_audience).unwrap_or(Audience::Direct),
    ))
}

/// Whether the rules let this reader see this row in this listing. A boost row is checked twice:
/// the boost's own audience (as seen by anyone: boosts are public, unlisted or camp-only), and the
/// boosted post's audience for this viewer.
fn passes_rules(view: &PostView, row_audience: Audience, listing: Listing, reader: Reader) -> bool {
    match &view.boosted_by {
        Some(booster) => {
            let as_boost = Viewer {
                is_member: reader.is_member(),
                is_author: reader.account == Some(booster.id),
                ..Viewer::ANONYMOUS
            };
            audience::is_listed(row_audience, listing, as_boost)
                && audience::can_view(view.audience, view.viewer)
        }
        None => audience::is_listed(view.audience, listing, view.viewer),
    }
}

/// Which list to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Query {
    Home,
    Local,
    Hashtag(String),
    /// The camp's own posts with a hashtag (for visitors while the Fediverse is closed to them,
    /// and Mastodon's `local=true`).
    LocalHashtag(String),
    Profile(AccountId),
    Bookmarks,
    /// Full-text search; the words are matched as plain words, never as FTS syntax.
    Search(String),
    /// Public posts from other servers (those that reached this camp because someone follows
    /// their authors, or was mentioned).
    Federated,
    /// Mastodon's public timeline: the camp's (as `Local`) and the public posts from elsewhere
    /// (as `Federated`), newest first.
    Public,
    /// Posts for the neighborhood, from this camp and its neighbor camps.
    Neighborhood,
    /// The posts of the people on one of the reader's lists (the caller checks it is theirs).
    List {
        id: i64,
        replies: porchlight_core::lists::RepliesPolicy,
    },
}

/// Keeps posts brought in from an archive off the timelines: they are old, and would stand on
/// top of everyone's as new (they are on their author's profile and in search).
const NOT_IMPORTED: &str = "+p.imported_from IS NULL";

/// Keeps the people on the reader's exclusive lists off their home timeline.
const NOT_IN_EXCLUSIVE_LIST: &str = "NOT EXISTS (SELECT 1 FROM list_members lm JOIN lists l ON l.id = lm.list_id \
     WHERE lm.account_id = p.author_id AND l.account_id = ?1 AND l.exclusive)";

impl Query {
    fn listing(&self) -> Listing {
        match self {
            Query::Home | Query::Bookmarks | Query::List { .. } => Listing::Home,
            Query::Local => Listing::LocalTimeline,
            Query::Hashtag(_) | Query::LocalHashtag(_) => Listing::Hashtag,
            Query::Profile(_) => Listing::Profile,
            Query::Search(_) => Listing::Search,
            Query::Federated => Listing::Federated,
            // The camp timeline's rule; the SQL narrows the posts from elsewhere to public ones
            // (the rule alone would also let a neighbor camp's neighborhood posts through).
            Query::Public => Listing::LocalTimeline,
            Query::Neighborhood => Listing::Neighborhood,
        }
    }

    /// Whether the list shows posts from anywhere in the fediverse, whoever follows their
    /// authors: the lists in which a silenced server is heard only by its people's followers.
    fn lists_the_fediverse(&self) -> bool {
        matches!(self, Query::Federated | Query::Public | Query::Hashtag(_))
    }

    /// The SQL for one batch of `batch` rows. Every list walks its rows newest first and stops
    /// after the batch, so a page costs the same with 1,000 posts or 1,000,000: nothing is gathered
    /// and sorted. `?1` is the viewer, `?2` 1 for a member, `?3` the cursor, `?4` the query's own
    /// argument.
    ///
    /// The batch size is written into the SQL, so that every batch of a list reuses one cached
    /// statement with one plan.
    ///
    /// `keep_away` adds the reader's mutes, blocks and exclusive lists; a reader who has none
    /// (nearly everyone, nearly always) is spared their cost on every row.
    pub fn sql(&self, sparse_home: bool, keep_away: bool, batch: u32) -> String {
        self.sql_towards(sparse_home, keep_away, false, batch)
    }

    /// The SQL as `sql`, or with `forward` the rows *newer* than the cursor, oldest first (for
    /// `min_id`: what comes right after a point, to catch up from there).
    pub fn sql_towards(
        &self,
        sparse_home: bool,
        keep_away: bool,
        forward: bool,
        batch: u32,
    ) -> String {
        // A leading `+` keeps SQLite from using an index on that column, so that it walks the
        // posts by id (newest first) and stops early, instead of collecting every match to sort.
        let list_condition;
        let home_condition;
        let (from, condition, order) = match self {
            // Most campers follow much of the camp, so most recent posts are theirs to see. Someone
            // who follows few would walk far: for them, the author index leads instead.
            Query::Home => {
                let author = if sparse_home {
                    "p.author_id"
                } else {
                    "+p.author_id"
                };
                let exclusive = if keep_away {
                    format!(" AND {NOT_IN_EXCLUSIVE_LIST}")
                } else {
                    String::new()
                };
                home_condition = format!(
                    "p.id < ?3 AND ({author} = ?1 OR {author} IN (SELECT followee_id FROM follows WHERE follower_id = ?1)) AND {NOT_IMPORTED}{exclusive}"
                );
                ("FROM posts p", home_condition.as_str(), "p.id")
            }
            Query::List { replies, .. } => {
                use porchlight_core::lists::RepliesPolicy;
                let replied_to = "(SELECT r.author_id FROM posts r WHERE r.id = p.in_reply_to)";
                let replies = match replies {
                    RepliesPolicy::None => "p.in_reply_to IS NULL".to_string(),
                    RepliesPolicy::List => format!(
                        "(p.in_reply_to IS NULL OR {replied_to} IN (SELECT account_id FROM list_members WHERE list_id = ?4))"
                    ),
                    RepliesPolicy::Followed => format!(
                        "(p.in_reply_to IS NULL OR {replied_to} = ?1 OR {replied_to} IN (SELECT followee_id FROM follows WHERE follower_id = ?1))"
                    ),
                };
                list_condition = format!(
                    "p.id < ?3 AND +p.author_id IN (SELECT account_id FROM list_members WHERE list_id = ?4) AND {replies} AND {NOT_IMPORTED}"
                );
                ("FROM posts p", list_condition.as_str(), "p.id")
            }
            Query::Local => (
                "FROM posts p",
                "p.id < ?3 AND +p.boost_of IS NULL AND pa.domain IS NULL AND +p.audience IN ('public', 'local', 'neighborhood') AND +p.imported_from IS NULL",
                "p.id",
            ),
            Query::Hashtag(_) => (
                "FROM post_tags t CROSS JOIN posts p ON p.id = t.post_id",
                "t.tag = ?4 AND t.post_id < ?3 AND +p.audience IN ('public', 'local', 'neighborhood') AND +p.imported_from IS NULL",
                "t.post_id",
            ),
            Query::LocalHashtag(_) => (
                "FROM post_tags t CROSS JOIN posts p ON p.id = t.post_id",
                "t.tag = ?4 AND t.post_id < ?3 AND +p.audience IN ('public', 'local', 'neighborhood') AND +p.imported_from IS NULL AND pa.domain IS NULL",
                "t.post_id",
            ),
            Query::Federated => (
                "FROM posts p",
                "p.id < ?3 AND +p.boost_of IS NULL AND pa.domain IS NOT NULL AND +p.audience = 'public'",
                "p.id",
            ),
            Query::Public => (
                "FROM posts p",
                "p.id < ?3 AND +p.boost_of IS NULL AND +p.imported_from IS NULL AND ((pa.domain IS NULL AND +p.audience IN ('public', 'local', 'neighborhood')) OR (pa.domain IS NOT NULL AND +p.audience = 'public'))",
                "p.id",
            ),
            Query::Neighborhood => (
                "FROM posts p",
                "p.id < ?3 AND +p.boost_of IS NULL AND +p.audience = 'neighborhood' AND +p.imported_from IS NULL",
                "p.id",
            ),
            Query::Profile(_) => (
                "FROM posts p",
                "p.author_id = ?4 AND p.id < ?3 AND p.audience != 'direct'",
                "p.id",
            ),
            Query::Bookmarks => (
                "FROM bookmarks b CROSS JOIN posts p ON p.id = b.post_id",
                "b.account_id = ?1 AND b.post_id < ?3",
                "b.post_id",
            ),
            Query::Search(_) => (
                "FROM posts_fts CROSS JOIN posts p ON p.id = posts_fts.rowid",
                "posts_fts MATCH ?4 AND posts_fts.rowid < ?3 AND (p.audience != 'unlisted' OR p.author_id = ?1)",
                "posts_fts.rowid",
            ),
        };
        // What the reader keeps away: blocks everywhere but their own bookmarks; mutes on the
        // timelines, not on the muted person's own profile.
        let kept_away = match self {
            _ if !keep_away => String::new(),
            Query::Bookmarks => String::new(),
            Query::Profile(_) => format!(" AND {}", crate::muting::NOT_BLOCKED),
            _ => format!(
                " AND {} AND {}",
                crate::muting::NOT_BLOCKED,
                crate::muting::NOT_MUTED
            ),
        };
        let (condition, direction) = if forward {
            // Every list's cursor condition is the one `< ?3`.
            (condition.replacen("< ?3", "> ?3", 1), "ASC")
        } else {
            (condition.to_string(), "DESC")
        };
        let heard = if self.lists_the_fediverse() {
            format!(" AND {HEARD}")
        } else {
            String::new()
        };
        format!(
            "{COLUMNS_HEAD} 0, 0, 0, {COLUMNS_TAIL} {from} {JOINS} WHERE {condition} AND {MAY_SEE} AND {NOT_SUSPENDED}{heard}{kept_away} ORDER BY {order} {direction} LIMIT {batch}"
        )
    }

    fn argument(&self) -> Value {
        match self {
            Query::Hashtag(tag) | Query::LocalHashtag(tag) => Value::Text(tag.clone()),
            Query::Profile(id) => Value::Integer(*id),
            Query::List { id, .. } => Value::Integer(*id),
            Query::Search(words) => Value::Text(fts_phrase_query(words)),
            Query::Home
            | Query::Local
            | Query::Bookmarks
            | Query::Federated
            | Query::Public
            | Query::Neighborhood => Value::Null,
        }
    }
}

/// Whether a member follows so few accounts that walking all recent posts to find theirs would be
/// slow (fewer than a fifth of the accounts here).
fn follows_few(conn: &Connection, reader: Reader) -> rusqlite::Result<bool> {
    let followed: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM follows WHERE follower_id = ?1")?
        .query_row([reader.sql_id()], |r| r.get(0))?;
    let accounts: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM accounts")?
        .query_row([], |r| r.get(0))?;
    Ok((followed + 1) * 5 < accounts)
}

/// Turns what a person typed into an FTS5 query that matches all the words, each quoted so that
/// FTS operators and punctuation are taken literally.
pub fn fts_phrase_query(words: &str) -> String {
    words
        .split_whitespace()
        .take(16)
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads up to `limit` posts of a list, newest first, older than `max_id`.
pub fn page(
    conn: &Connection,
    query: &Query,
    reader: Reader,
    max_id: Option<PostId>,
    limit: u32,
) -> rusqlite::Result<Page> {
    read_page(
        conn,
        query,
        reader,
        max_id.unwrap_or(PostId::MAX),
        false,
        limit,
    )
}

/// Reads up to `limit` posts of a list that come right after `min_id` (the oldest of those
/// newer than it), returned newest first as every page is. `next_max_id` is set when there are
/// older posts (there always are: `min_id`'s).
pub fn page_after(
    conn: &Connection,
    query: &Query,
    reader: Reader,
    min_id: PostId,
    limit: u32,
) -> rusqlite::Result<Page> {
    let mut page = read_page(conn, query, reader, min_id, true, limit)?;
    page.posts.reverse();
    page.next_max_id = page.posts.last().map(|p| p.row_id);
    Ok(page)
}

fn read_page(
    conn: &Connection,
    query: &Query,
    reader: Reader,
    start: PostId,
    forward: bool,
    limit: u32,
) -> rusqlite::Result<Page> {
    if let Query::Search(words) = query
        && fts_phrase_query(words).is_empty()
    {
        return Ok(Page::default());
    }
    let sparse_home = *query == Query::Home && follows_few(conn, reader)?;
    // Fetch one more than asked to know whether there is a next page.
    let batch = limit + 1;
    let keep_away = match reader.account {
        Some(id) => crate::muting::any_for(conn, id)?,
        None => false,
    };
    let sql = query.sql_towards(sparse_home, keep_away, forward, batch);
    let mut stmt = conn.prepare_cached(&sql)?;
    let listing = query.listing();
    let mut posts = Vec::with_capacity(limit as usize);
    let mut cursor = start;
    // The rules may (in principle) drop rows the SQL let through; then read on so pages stay full.
    let want = batch as usize;
    loop {
        let args = [
            Value::Integer(reader.sql_id()),
            Value::Integer(reader.is_member() as i64),
            Value::Integer(cursor),
            query.argument(),
        ];
        // Not every list has an argument of its own (?4).
        let used = stmt.parameter_count();
        let mut rows = stmt.query(params_from_iter(args[..used].iter()))?;
        let mut read = 0;
        while let Some(row) = rows.next()? {
            read += 1;
            let (view, row_audience) = post_from_row(row, reader)?;
            cursor = view.row_id;
            if passes_rules(&view, row_audience, listing, reader) && posts.len() < want {
                posts.push(view);
            }
        }
        if read < want || posts.len() >= want {
            break;
        }
    }
    let next_max_id = if posts.len() > limit as usize {
        posts.truncate(limit as usize);
        posts.last().map(|p| p.row_id)
    } else {
        None
    };
    attach_extras(conn, reader, &mut posts)?;
    Ok(Page { posts, next_max_id })
}

/// Reads, in one query for the whole page, which posts the viewer favourited, boosted,
/// bookmarked and pinned, whose posts they answer, the previews of their first links (those fetched by now), and which have
/// pictures or a poll; then those pictures and polls, for the posts that have them (most pages
/// have few: a query each for nothing was a tenth of a page's cost).
fn attach_extras(
    conn: &Connection,
    reader: Reader,
    posts: &mut [PostView],
) -> rusqlite::Result<()> {
    if posts.is_empty() {
        return Ok(());
    }
    let ids = json_ids(posts.iter().map(|p| p.id));
    let mut stmt = conn.prepare_cached(
        "SELECT p.id,
                EXISTS (SELECT 1 FROM favourites x WHERE x.account_id = ?1 AND x.post_id = p.id),
                EXISTS (SELECT 1 FROM posts x WHERE x.author_id = ?1 AND x.boost_of = p.id),
                EXISTS (SELECT 1 FROM bookmarks x WHERE x.account_id = ?1 AND x.post_id = p.id),
                EXISTS (SELECT 1 FROM uploads x WHERE x.post_id = p.id)
                  OR EXISTS (SELECT 1 FROM post_media x WHERE x.post_id = p.id),
                EXISTS (SELECT 1 FROM polls x WHERE x.post_id = p.id),
                c.url, c.title, c.description, c.image_url, c.site,
                r.author_id,
                EXISTS (SELECT 1 FROM pins x WHERE x.account_id = ?1 AND x.post_id = p.id),
                EXISTS (SELECT 1 FROM post_emojis x WHERE x.post_id = p.id),
                EXISTS (SELECT 1 FROM events x WHERE x.post_id = p.id),
                ra.username || IFNULL('@' || ra.domain, '')
           FROM json_each(?2) j JOIN posts p ON p.id = j.value
           LEFT JOIN link_cards c ON c.url = p.card_url AND c.state = 'ready'
           LEFT JOIN posts r ON r.id = p.in_reply_to
           LEFT JOIN accounts ra ON ra.id = r.author_id",
    )?;
    let mut rows = stmt.query(rusqlite::params![reader.sql_id(), ids])?;
    let (mut with_media, mut with_poll, mut with_emoji) = (Vec::new(), false, Vec::new());
    let mut with_event = Vec::new();
    while let Some(row) = rows.next()? {
        let id: PostId = row.get(0)?;
        let (favourited, boosted, bookmarked): (bool, bool, bool) =
            (row.get(1)?, row.get(2)?, row.get(3)?);
        let card = match row.get::<_, Option<String>>(6)? {
            Some(url) => Some(Card {
                url,
                title: row.get(7)?,
                description: row.get(8)?,
                image_url: row.get(9)?,
                image_proxy: String::new(),
                site: row.get(10)?,
            }),
            None => None,
        };
        if row.get::<_, bool>(4)? {
            with_media.push(id);
        }
        with_poll |= row.get::<_, bool>(5)?;
        let (replying_to, pinned): (Option<AccountId>, bool) = (row.get(11)?, row.get(12)?);
        let replying_to_handle: Option<String> = row.get(15)?;
        if row.get::<_, bool>(13)? {
            with_emoji.push(id);
        }
        if row.get::<_, bool>(14)? {
            with_event.push(id);
        }
        for post in posts.iter_mut().filter(|p| p.id == id) {
            if reader.account.is_some() {
                post.favourited = favourited;
                post.boosted = boosted;
                post.bookmarked = bookmarked;
                post.pinned = pinned;
            }
            post.card = card.clone();
            post.replying_to = replying_to;
            post.replying_to_handle = replying_to_handle.clone();
        }
    }
    drop(rows);
    if !with_media.is_empty() {
        attach_media(conn, posts, &with_media)?;
    }
    if with_poll {
        attach_polls(conn, reader, posts)?;
    }
    if !with_event.is_empty() {
        for event in crate::events::of_posts(conn, &with_event, reader.account)? {
            for post in posts.iter_mut().filter(|p| p.id == event.post_id) {
                post.event = Some(event.clone());
            }
        }
    }
    attach_name_emojis(conn, posts)?;
    if !with_emoji.is_empty() {
        let emojis = crate::emoji::of_posts(conn, &with_emoji)?;
        for post in posts.iter_mut() {
            if let Some(found) = emojis.get(&post.id) {
                post.emojis = found.clone();
            }
        }
    }
    Ok(())
}

/// Reads the custom emoji in the names of the page's authors and boosters, when a name could
/// have one (it has a colon: most pages read nothing).
fn attach_name_emojis(conn: &Connection, posts: &mut [PostView]) -> rusqlite::Result<()> {
    let named: Vec<AccountId> = posts
        .iter()
        .flat_map(|p| std::iter::once(&p.author).chain(p.boosted_by.as_ref()))
        .filter(|a| a.display_name.contains(':'))
        .map(|a| a.id)
        .collect();
    if named.is_empty() {
        return Ok(());
    }
    let emojis = crate::emoji::of_accounts(conn, &named)?;
    for post in posts.iter_mut() {
        for author in std::iter::once(&mut post.author).chain(post.boosted_by.as_mut()) {
            if let Some(found) = emojis.get(&author.id) {
                author.emojis = found.clone();
            }
        }
    }
    Ok(())
}

/// Reads the media of the posts on a page: pictures from other servers in one query, pictures
/// uploaded here in another.
fn attach_media(
    conn: &Connection,
    posts: &mut [PostView],
    only: &[PostId],
) -> rusqlite::Result<()> {
    let (remote, local): (Vec<&PostView>, Vec<&PostView>) = posts
        .iter()
        .filter(|p| only.contains(&p.id))
        .partition(|p| p.remote_url.is_some());
    let local: Vec<PostId> = local.iter().map(|p| p.id).collect();
    let remote: Vec<String> = remote.iter().map(|p| p.id.to_string()).collect();
    for upload in crate::uploads::of_posts(conn, &local)? {
        let path = format!("/files/{}", upload.file_name);
        let media = Media {
            url: path.clone(),
            media_type: upload.media_type.clone(),
            description: upload.description.clone(),
            proxy: path,
            blurhash: upload.blurhash.clone(),
            width: upload.width,
            height: upload.height,
            upload: Some(upload),
        };
        let post_id = media.upload.as_ref().and_then(|u| u.post_id);
        for post in posts.iter_mut().filter(|p| Some(p.id) == post_id) {
            post.media.push(media.clone());
        }
    }
    if remote.is_empty() {
        return Ok(());
    }
    let ids = format!("[{}]", remote.join(","));
    let mut stmt = conn.prepare_cached(
        "SELECT m.post_id, m.url, m.media_type, m.description, m.blurhash, m.width, m.height
           FROM json_each(?1) j JOIN post_media m ON m.post_id = j.value
          ORDER BY m.post_id, m.position",
    )?;
    let mut rows = stmt.query([ids])?;
    while let Some(row) = rows.next()? {
        let id: PostId = row.get(0)?;
        let media = Media {
            url: row.get(1)?,
            media_type: row.get(2)?,
            description: row.get(3)?,
            blurhash: row.get(4)?,
            width: row.get(5)?,
            height: row.get(6)?,
            proxy: String::new(),
            upload: None,
        };
        for post in posts.iter_mut().filter(|p| p.id == id) {
            post.media.push(media.clone());
        }
    }
    Ok(())
}

/// A list of ids as a JSON array, for `json_each`: one statement for a whole page.
pub(crate) fn json_ids(ids: impl Iterator<Item = i64>) -> String {
    let ids: Vec<String> = ids.map(|id| id.to_string()).collect();
    format!("[{}]", ids.join(","))
}

/// Someone a post mentions, as apps list them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mentioned {
    pub id: AccountId,
    pub username: String,
    /// Their server; None for members of this camp.
    pub domain: Option<String>,
    /// Their profile page elsewhere (members' pages are the caller's to name).
    pub url: Option<String>,
}

/// What an app's view of posts holds beyond what a page shows (which renders most of it into
/// the post's HTML): whom each mentions, its tags, and where the accounts from elsewhere among
/// the authors live. Read for a whole list at once. (Whose post each answers and the viewer's
/// pins come with the page: `PostView::replying_to`, `PostView::pinned`.)
#[derive(Debug, Default, PartialEq)]
pub struct Details {
    pub mentions: std::collections::HashMap<PostId, Vec<Mentioned>>,
    pub tags: std::collections::HashMap<PostId, Vec<String>>,
    /// Where each account from elsewhere among `accounts` lives, and what its server says of it.
    pub addresses: std::collections::HashMap<AccountId, Elsewhere>,
}

/// Someone elsewhere, as a list of posts needs them: their actor id, profile page and numbers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Elsewhere {
    pub uri: String,
    pub url: String,
    pub numbers: crate::federation::RemoteNumbers,
}

/// The details of `posts`, with the addresses of the accounts among `accounts` that are from
/// elsewhere (each given with whether it is).
pub fn details(
    conn: &Connection,
    posts: &[PostId],
    accounts: &[(AccountId, bool)],
) -> rusqlite::Result<Details> {
    let post_ids = json_ids(posts.iter().copied());
    let mut details = Details::default();
    // Mentions and tags in one statement (a tag row has only its post and its name).
    let mut stmt = conn.prepare_cached(
        "SELECT m.post_id, a.id, a.username, a.domain, IFNULL(a.url, a.uri)
           FROM json_each(?1) j JOIN post_mentions m ON m.post_id = j.value
           JOIN accounts a ON a.id = m.account_id
         UNION ALL
         SELECT t.post_id, NULL, t.tag, NULL, NULL
           FROM json_each(?1) j JOIN post_tags t ON t.post_id = j.value",
    )?;
    let mut rows = stmt.query([&post_ids])?;
    while let Some(row) = rows.next()? {
        let post: PostId = row.get(0)?;
        match row.get::<_, Option<AccountId>>(1)? {
            Some(id) => details.mentions.entry(post).or_default().push(Mentioned {
                id,
                username: row.get(2)?,
                domain: row.get(3)?,
                url: row.get(4)?,
            }),
            None => details.tags.entry(post).or_default().push(row.get(2)?),
        }
    }
    // (Sorted here: a handful each, cheaper than SQLite sorting the union.)
    for mentioned in details.mentions.values_mut() {
        mentioned.sort_by_key(|m| m.id);
    }
    for tags in details.tags.values_mut() {
        tags.sort();
    }
    let elsewhere: Vec<AccountId> = accounts
        .iter()
        .filter(|(_, remote)| *remote)
        .map(|(id, _)| *id)
        .collect();
    if !elsewhere.is_empty() {
        let mut stmt = conn.prepare_cached(
            "SELECT a.id, a.uri, IFNULL(a.url, a.uri), a.followers_count, a.following_count,
                    a.statuses_count, IFNULL(a.published, a.created_at)
               FROM json_each(?1) j
               JOIN accounts a ON a.id = j.value WHERE a.domain IS NOT NULL AND a.uri IS NOT NULL",
        )?;
        let mut rows = stmt.query([json_ids(elsewhere.into_iter())])?;
        while let Some(row) = rows.next()? {
            details.addresses.insert(
                row.get(0)?,
                Elsewhere {
                    uri: row.get(1)?,
                    url: row.get(2)?,
                    numbers: crate::federation::RemoteNumbers {
                        followers: row.get(3)?,
                        following: row.get(4)?,
                        statuses: row.get(5)?,
                        since: row.get(6)?,
                    },
                },
            );
        }
    }
    Ok(details)
}

/// Reads the posts' polls, with the reader's own votes (no query beyond one when none has one).
fn attach_polls(conn: &Connection, reader: Reader, posts: &mut [PostView]) -> rusqlite::Result<()> {
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let mut polls = crate::polls::of_posts(conn, &ids, reader.account, crate::now())?;
    for post in posts.iter_mut() {
        // A boost shows the boosted post's poll; the same post may be on a page twice.
        if let Some(poll) = polls.get(&post.id) {
            post.poll = Some(poll.clone());
        }
    }
    polls.clear();
    Ok(())
}

/// One post (never a boost row) if the reader may view it.
pub fn post(conn: &Connection, id: PostId, reader: Reader) -> rusqlite::Result<Option<PostView>> {
    let sql = format!(
        "{COLUMNS_HEAD} {VIEWER_FLAGS} {COLUMNS_TAIL} FROM posts p {JOINS} WHERE p.id = ?3 AND p.boost_of IS NULL AND {NOT_SUSPENDED}"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params![reader.sql_id(), reader.is_member(), id])?;
    match rows.next()? {
        Some(row) => {
            let (view, _) = post_from_row(row, reader)?;
            if !audience::can_view(view.audience, view.viewer) {
                return Ok(None);
            }
            let mut one = [view];
            drop(rows);
            attach_extras(conn, reader, &mut one)?;
            let [view] = one;
            Ok(Some(view))
        }
        None => Ok(None),
    }
}

/// A conversation around one post, as one reader may see it.
pub struct Thread {
    /// The posts it answers, oldest first.
    pub ancestors: Vec<PostView>,
    pub focus: PostView,
    /// The replies below it in conversation order, each with its depth (1 = a direct reply).
    pub replies: Vec<(u32, PostView)>,
}

/// The thread around a post, each post only if the reader may view it. Replies to a post the
/// reader cannot see are left out with it.
pub fn thread(conn: &Connection, id: PostId, reader: Reader) -> rusqlite::Result<Option<Thread>> {
    let Some(focus) = post(conn, id, reader)? else {
        return Ok(None);
    };
    let mut ancestors = Vec::new();
    let mut parent = focus.in_reply_to;
    while let Some(pid) = parent {
        if ancestors.len() >= 100 {
            break;
        }
        match post(conn, pid, reader)? {
            Some(p) => {
                parent = p.in_reply_to;
                ancestors.push(p);
            }
            None => break,
        }
    }
    ancestors.reverse();
    let mut descendants = Vec::new();
    collect_replies(conn, focus.id, reader, 1, &mut descendants)?;
    Ok(Some(Thread {
        ancestors,
        focus,
        replies: descendants,
    }))
}

fn collect_replies(
    conn: &Connection,
    id: PostId,
    reader: Reader,
    depth: u32,
    out: &mut Vec<(u32, PostView)>,
) -> rusqlite::Result<()> {
    if depth > 30 || out.len() >= 300 {
        return Ok(());
    }
    let ids: Vec<PostId> = conn
        .prepare_cached("SELECT id FROM posts WHERE in_reply_to = ?1 ORDER BY id LIMIT 300")?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for reply in ids {
        if let Some(view) = post(conn, reply, reader)? {
            out.push((depth, view));
            collect_replies(conn, reply, reader, depth + 1, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_queries() -> Vec<(Query, bool)> {
        vec![
            (Query::Home, false),
            (Query::Home, true),
            (Query::Local, false),
            (Query::Federated, false),
            (Query::Public, false),
            (Query::Neighborhood, false),
            (Query::Hashtag("lake".into()), false),
            (Query::LocalHashtag("lake".into()), false),
            (Query::Profile(1), false),
            (Query::Bookmarks, false),
            (Query::Search("lake".into()), false),
            (
                Query::List {
                    id: 1,
                    replies: porchlight_core::lists::RepliesPolicy::List,
                },
                false,
            ),
        ]
    }

    /// The steps of SQLite's plan for a list's `sql`, asked for a member at a cursor.
    fn plan_of(c: &Connection, query: &Query, sql: &str) -> rusqlite::Result<Vec<String>> {
        let args = [
            Value::Integer(1),
            Value::Integer(1),
            Value::Integer(100),
            query.argument(),
        ];
        let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
        let used = stmt.parameter_count();
        stmt.query_map(params_from_iter(args[..used].iter()), |r| r.get(3))?
            .collect()
    }

    /// A page must cost the same however many posts there are: no list may gather its matches
    /// to sort them (the sparse home timeline excepted: it sorts only the few people followed).
    #[test]
    fn lists_walk_an_index_instead_of_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("p.db")).unwrap();
        db.read(|c| -> rusqlite::Result<()> {
            for (((query, sparse), keep_away), forward) in all_queries()
                .into_iter()
                .flat_map(|q| [(q.clone(), false), (q, true)])
                .flat_map(|q| [(q.clone(), false), (q, true)])
            {
                let plan = plan_of(
                    c,
                    &query,
                    &query.sql_towards(sparse, keep_away, forward, 21),
                )?;
                let sorts = plan.iter().any(|step| step.contains("TEMP B-TREE"));
                assert_eq!(
                    sorts,
                    sparse,
                    "{query:?} (sparse: {sparse}, forward: {forward}):\n{}",
                    plan.join("\n")
                );
            }
            Ok(())
        })
        .unwrap();
    }

    /// Whether a post's server is silenced is read from the few silenced blocks alone, and only
    /// by the lists of the fediverse.
    #[test]
    fn silenced_servers_are_looked_up_by_their_own_index() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("s.db")).unwrap();
        db.read(|c| -> rusqlite::Result<()> {
            for (query, _) in all_queries() {
                let plan = plan_of(c, &query, &query.sql(false, false, 21))?;
                let uses = plan.iter().any(|s| s.contains("domain_blocks_silenced"));
                assert_eq!(
                    uses,
                    query.lists_the_fediverse(),
                    "{query:?}:\n{}",
                    plan.join("\n")
                );
            }
            Ok(())
        })
        .unwrap();
    }

    /// Cached statements must not be recompiled on every use (see `configure`).
    #[test]
    fn list_statements_are_prepared_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("p.db")).unwrap();
        db.read(|c| -> rusqlite::Result<()> {
            for ((query, sparse), keep_away) in all_queries()
                .into_iter()
                .flat_map(|q| [(q.clone(), false), (q, true)])
            {
                let sql = query.sql(sparse, keep_away, 21);
                for cursor in [100, 99, 98] {
                    let args = [
                        Value::Integer(1),
                        Value::Integer(1),
                        Value::Integer(cursor),
                        query.argument(),
                    ];
                    let mut stmt = c.prepare_cached(&sql)?;
                    let used = stmt.parameter_count();
                    stmt.query_map(params_from_iter(args[..used].iter()), |_| Ok(()))?
                        .for_each(drop);
                }
                let stmt = c.prepare_cached(&sql)?;
                let recompiled = stmt.get_status(rusqlite::StatementStatus::RePrepare);
                assert_eq!(recompiled, 0, "{query:?} was recompiled {recompiled} times");
            }
            Ok(())
        })
        .unwrap();
    }
}
