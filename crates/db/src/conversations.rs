//! Conversations: the threads of direct posts a member is in, as Mastodon's apps show them in
//! their "direct messages" tab. A conversation is named by the first direct post of its thread.

use std::collections::HashMap;

use porchlight_core::{AccountId, PostId};
use rusqlite::{Connection, OptionalExtension, params};

/// How many of a member's most recent direct posts are grouped into conversations.
const RECENT_DIRECT_POSTS: u32 = 1000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    /// The thread's first direct post.
    pub id: PostId,
    pub last_post: PostId,
    pub last_author: AccountId,
    /// Everyone in it but the member, in the order they first wrote or were mentioned.
    pub others: Vec<AccountId>,
    pub unread: bool,
}

/// The direct posts `member` wrote or was mentioned in, newest first.
fn direct_posts(conn: &Connection, member: AccountId) -> rusqlite::Result<Vec<PostId>> {
    conn.prepare_cached(
        "SELECT id FROM posts WHERE author_id = ?1 AND audience = 'direct' AND boost_of IS NULL
         UNION
         SELECT m.post_id FROM post_mentions m JOIN posts p ON p.id = m.post_id
          WHERE m.account_id = ?1 AND p.audience = 'direct'
         ORDER BY 1 DESC LIMIT ?2",
    )?
    .query_map(params![member, RECENT_DIRECT_POSTS], |r| r.get(0))?
    .collect()
}

/// The first direct post of the thread `post` is in: up the replies while they are direct.
fn root_of(
    conn: &Connection,
    post: PostId,
    known: &mut HashMap<PostId, PostId>,
) -> rusqlite::Result<PostId> {
    let mut path = vec![post];
    let mut at = post;
    let root = loop {
        if let Some(&root) = known.get(&at) {
            break root;
        }
        let parent: Option<PostId> = conn
            .prepare_cached(
                "SELECT p.id FROM posts c JOIN posts p ON p.id = c.in_reply_to
                  WHERE c.id = ?1 AND p.audience = 'direct'",
            )?
            .query_row([at], |r| r.get(0))
            .optional()?;
        match parent {
            // (A reply chain is a tree, but a bound keeps a damaged one from looping.)
            Some(parent) if path.len() < 500 => {
                path.push(parent);
                at = parent;
            }
            _ => break at,
        }
    };
    for p in path {
        known.insert(p, root);
    }
    Ok(root)
}

/// A member's conversations, the most recently active first, those put away left out (until a
/// newer post comes); only those whose last post is older than `max_id`, if given.
pub fn of_member(
    conn: &Connection,
    member: AccountId,
    max_id: Option<PostId>,
    limit: usize,
) -> rusqlite::Result<Vec<Conversation>> {
    let mut roots = HashMap::new();
    let mut order: Vec<PostId> = Vec::new();
    let mut posts_of: HashMap<PostId, Vec<PostId>> = HashMap::new();
    for post in direct_posts(conn, member)? {
        let root = root_of(conn, post, &mut roots)?;
        let posts = posts_of.entry(root).or_default();
        if posts.is_empty() {
            order.push(root);
        }
        posts.push(post);
    }
    // A conversation with someone blocked either way is not shown.
    let blocked = crate::muting::blocked_either_way(conn, member)?;
    let mut out = Vec::new();
    for root in order {
        let posts = &posts_of[&root];
        let last_post = posts[0];
        if max_id.is_some_and(|m| last_post >= m) {
            continue;
        }
        let (read_up_to, hidden_up_to) = marks(conn, member, root)?;
        if last_post <= hidden_up_to {
            continue;
        }
        let mut others: Vec<AccountId> = Vec::new();
        let mut last_author = member;
        for (i, &post) in posts.iter().rev().enumerate() {
            let mut people: Vec<AccountId> = conn
                .prepare_cached(
                    "SELECT author_id FROM posts WHERE id = ?1
                     UNION ALL SELECT account_id FROM post_mentions WHERE post_id = ?1",
                )?
                .query_map([post], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if i == posts.len() - 1 {
                last_author = people[0];
            }
            people.retain(|&p| p != member && !others.contains(&p));
            others.extend(people);
        }
        if others.iter().any(|o| blocked.contains(o)) {
            continue;
        }
        out.push(Conversation {
            id: root,
            last_post,
            last_author,
            others,
            unread: last_author != member && last_post > read_up_to,
        });
        if out.len() == limit {
            break;
        }
    }
    Ok(out)
}

/// One of a member's conversations.
pub fn one(
    conn: &Connection,
    member: AccountId,
    id: PostId,
) -> rusqlite::Result<Option<Conversation>> {
    Ok(of_member(conn, member, None, usize::MAX)?
        .into_iter()
        .find(|c| c.id == id))
}

fn marks(conn: &Connection, member: AccountId, root: PostId) -> rusqlite::Result<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT read_up_to, hidden_up_to FROM conversation_marks
              WHERE account_id = ?1 AND root_id = ?2",
        )?
        .query_row([member, root], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, 0)))
}

/// Marks a conversation read up to `post`.
pub fn mark_read(
    conn: &Connection,
    member: AccountId,
    root: PostId,
    post: PostId,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO conversation_marks (account_id, root_id, read_up_to) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id, root_id) DO UPDATE SET read_up_to = MAX(read_up_to, ?3)",
    )?
    .execute([member, root, post])?;
    Ok(())
}

/// Puts a conversation away up to `post` (it comes back with a newer post).
pub fn hide(
    conn: &Connection,
    member: AccountId,
    root: PostId,
    post: PostId,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO conversation_marks (account_id, root_id, read_up_to, hidden_up_to)
         VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (account_id, root_id)
         DO UPDATE SET hidden_up_to = ?3, read_up_to = MAX(read_up_to, ?3)",
    )?
    .execute([member, root, post])?;
    Ok(())
}
