//! Finding remote actors and posts: by WebFinger handle, by actor id, by signing key, by post
//! URL. Whatever is fetched is checked against the origin it came from before it is stored.

use porchlight_ap::inbound::{self, RemoteActor, RemoteNote};
use porchlight_core::{PostId, UnixTime};
use porchlight_db::federation::{self as store, BlockLevel, RemoteAccount};
use porchlight_db::{Db, now};

use crate::{FedError, Federation};

/// How long a fetched actor document is trusted before it is fetched again on use.
const ACTOR_FRESH_SECS: UnixTime = 24 * 3600;

fn refuse_suspended(db: &Db, url: &str) -> Result<(), FedError> {
    let host =
        inbound::host(url).ok_or_else(|| FedError::Invalid(format!("{url} is not a URL")))?;
    if let Some(block) = db.read(|c| store::block_for(c, &host))?
        && block.level == BlockLevel::Suspend
    {
        return Err(FedError::Invalid(format!(
            "{host} is blocked on this server"
        )));
    }
    Ok(())
}

/// Stores what an actor document says.
pub fn store_actor(db: &Db, actor: &RemoteActor) -> Result<RemoteAccount, FedError> {
    let domain = inbound::host(&actor.id).ok_or_else(|| FedError::Invalid("no host".into()))?;
    let account = RemoteAccount {
        id: 0,
        username: actor.username.clone(),
        domain,
        display_name: actor.display_name.clone(),
        bio: crate::sanitize::html(&actor.summary_html),
        uri: actor.id.clone(),
        url: actor.url.clone(),
        inbox: actor.inbox.clone(),
        shared_inbox: actor.shared_inbox.clone(),
        followers_url: actor.followers.clone(),
        key_id: actor.key_id.clone(),
        public_key_pem: actor.public_key_pem.clone(),
        avatar_url: actor.avatar_url.clone(),
        header_url: actor.header_url.clone(),
        fetched_at: now(),
        numbers: Default::default(),
    };
    // Read back as stored: its numbers and since when it is known stay with the row.
    db.write(|tx| {
        let id = store::upsert_remote(tx, &account, now())?;
        porchlight_db::emoji::set_for_account(tx, id, &actor.emojis)?;
        porchlight_db::moderation::set_origin_suspension(tx, id, actor.suspended, now())?;
        // As Mastodon keeps it: where the document says it moved, and nowhere once it stops
        // saying so (an account that took its move back).
        match &actor.moved_to {
            Some(target) => porchlight_db::moving::set_moved(tx, id, target, now())?,
            None => porchlight_db::moving::clear_moved(tx, id)?,
        }
        Ok::<_, FedError>(store::remote_by_id(tx, id)?.unwrap_or(RemoteAccount { id, ..account }))
    })
}

/// A remote actor by id: from the database while fresh, else fetched from its server.
pub fn actor(
    fed: &Federation,
    db: &Db,
    uri: &str,
    refresh: bool,
) -> Result<RemoteAccount, FedError> {
    if fed.me.local_username(uri).is_some() || inbound::same_origin(uri, &fed.me.base_url) {
        return Err(FedError::Invalid(
            "that is an account of this server".into(),
        ));
    }
    refuse_suspended(db, uri)?;
    if !refresh
        && let Some(known) = db.read(|c| store::remote_by_uri(c, uri))?
        && now() - known.fetched_at < ACTOR_FRESH_SECS
    {
        return Ok(known);
    }
    Ok(actor_document(fed, db, uri)?.1)
}

/// A remote actor's document, fetched now (never from what is stored), and stored: for what
/// must not be decided on an old copy, such as whether it names someone in `alsoKnownAs`.
pub fn actor_document(
    fed: &Federation,
    db: &Db,
    uri: &str,
) -> Result<(RemoteActor, RemoteAccount), FedError> {
    if fed.me.local_username(uri).is_some() || inbound::same_origin(uri, &fed.me.base_url) {
        return Err(FedError::Invalid(
            "that is an account of this server".into(),
        ));
    }
    refuse_suspended(db, uri)?;
    let (doc, fetched_from) = fed.fetch(db, uri)?;
    let actor = RemoteActor::from_json(&doc, &fetched_from).map_err(|e| FedError::Invalid(e.0))?;
    if actor.id != uri {
        // Fetched by one id, names another: trust it only if it is on the same server, and
        // then under the id it gives itself.
        if !inbound::same_origin(&actor.id, uri) {
            return Err(FedError::Invalid(
                "the actor document names another server's actor".into(),
            ));
        }
    }
    let account = store_actor(db, &actor)?;
    Ok((actor, account))
}

/// The actor who owns a signing key: known, or fetched through the key's URL.
pub fn key_owner(
    fed: &Federation,
    db: &Db,
    key_id: &str,
    refresh: bool,
) -> Result<(RemoteAccount, bool), FedError> {
    if !refresh && let Some(known) = db.read(|c| store::remote_by_key_id(c, key_id))? {
        return Ok((known, false));
    }
    refuse_suspended(db, key_id)?;
    let without_fragment = key_id.split('#').next().unwrap_or(key_id);
    let (doc, fetched_from) = fed.fetch(db, without_fragment)?;
    let actor = match RemoteActor::from_json(&doc, &fetched_from) {
        Ok(actor) => actor,
        Err(_) => {
            // A key document (or GoToSocial's stub actor) names its owner: fetch that.
            let owner = inbound::key_owner(&doc, key_id).ok_or_else(|| {
                FedError::Invalid("the key has no owner on its own server".into())
            })?;
            let (doc, fetched_from) = fed.fetch(db, &owner)?;
            RemoteActor::from_json(&doc, &fetched_from).map_err(|e| FedError::Invalid(e.0))?
        }
    };
    if actor.key_id != key_id {
        return Err(FedError::Invalid(
            "the actor does not publish that key".into(),
        ));
    }
    Ok((store_actor(db, &actor)?, true))
}

/// `name@host` (with or without a leading @) to a remote actor, by WebFinger.
pub fn handle(fed: &Federation, db: &Db, handle: &str) -> Result<RemoteAccount, FedError> {
    let handle = handle.trim().trim_start_matches('@');
    let (name, host) = handle
        .split_once('@')
        .filter(|(n, h)| !n.is_empty() && !h.is_empty() && !h.contains('/'))
        .ok_or_else(|| FedError::Invalid("a handle looks like name@server.example".into()))?;
    let host = host.to_ascii_lowercase();
    if host == fed.me.host {
        return Err(FedError::Invalid(
            "that is an account of this server".into(),
        ));
    }
    if let Some(known) = db.read(|c| store::remote_by_handle(c, name, &host))?
        && now() - known.fetched_at < ACTOR_FRESH_SECS
    {
        return Ok(known);
    }
    let url = format!(
        "{}://{host}/.well-known/webfinger?resource=acct:{name}@{host}",
        fed.client.default_scheme()
    );
    let jrd = fed.client.get_json(&url)?;
    let self_link = inbound::webfinger_profile(&jrd)
        .ok_or_else(|| FedError::Invalid(format!("{host} did not say where {name}'s profile is")))?
        .to_string();
    let account = actor(fed, db, &self_link, true)?;
    // The handle must be the actor's own name.
    if !account.username.eq_ignore_ascii_case(name) {
        return Err(FedError::Invalid(
            "WebFinger pointed at someone else".into(),
        ));
    }
    Ok(account)
}

/// A remote post by its URL: from the database, or fetched from its own server and stored.
pub fn post(fed: &Federation, db: &Db, uri: &str) -> Result<PostId, FedError> {
    post_at(fed, db, uri, 0)
}

pub(crate) fn post_at(
    fed: &Federation,
    db: &Db,
    uri: &str,
    depth: u32,
) -> Result<PostId, FedError> {
    if let Some(local) = fed.me.local_post(uri) {
        return Ok(local);
    }
    if let Some(id) = db.read(|c| store::post_by_uri(c, uri))? {
        return Ok(id);
    }
    refuse_suspended(db, uri)?;
    let (doc, fetched_from) = fed.fetch(db, uri)?;
    let note = RemoteNote::from_json(&doc).map_err(|e| FedError::Invalid(e.0))?;
    // It must come from the server it names as its home (after redirects).
    if !inbound::same_origin(&note.id, &fetched_from) {
        return Err(FedError::Invalid(
            "the post was served by another server than its own".into(),
        ));
    }
    if let Some(id) = db.read(|c| store::post_by_uri(c, &note.id))? {
        return Ok(id);
    }
    let author = actor(fed, db, &note.attributed_to, false)?;
    crate::inbox::store_note_at(fed, db, &note, &author, true, depth)?
        .ok_or_else(|| FedError::Invalid("the post could not be stored".into()))
}

/// The newest posts of someone elsewhere, from the first page of their outbox (at most `max`),
/// stored as wanted: for a profile a member opens that has nothing here yet (a follow brings
/// only what comes after it). Only their own posts, served by their own server, are taken.
/// Returns how many were stored.
/// Brings what this camp knows of someone elsewhere up to date from their server, each
/// document fetched once: the `totalItems` of their followers, following and outbox
/// collections (each only from their own server; one that cannot be read counts as not said)
/// and when their account was made (`published`), kept with the account; and, with
/// `posts_wanted`, up to that many of their newest posts from the outbox's first page. Returns
/// the numbers and how many posts were stored.
pub fn refresh_profile(
    fed: &Federation,
    db: &Db,
    account: &RemoteAccount,
    posts_wanted: usize,
) -> Result<(store::RemoteNumbers, usize), FedError> {
    refuse_suspended(db, &account.uri)?;
    let (actor, _) = fed.fetch(db, &account.uri)?;
    let collection = |field: &str| -> Option<serde_json::Value> {
        let url =
            inbound::str_field(&actor, field).filter(|u| inbound::same_origin(u, &account.uri))?;
        let (doc, from) = fed.fetch(db, url).ok()?;
        inbound::same_origin(&from, &account.uri).then_some(doc)
    };
    let total = |doc: &Option<serde_json::Value>| {
        doc.as_ref()?
            .get("totalItems")
            .and_then(serde_json::Value::as_i64)
            .filter(|n| *n >= 0)
    };
    let outbox = collection("outbox");
    let published = inbound::str_field(&actor, "published")
        .and_then(porchlight_ap::documents::parse_timestamp)
        .filter(|t| *t <= now());
    let numbers = store::RemoteNumbers {
        followers: total(&collection("followers")),
        following: total(&collection("following")),
        statuses: total(&outbox),
        since: published.unwrap_or(account.numbers.since),
    };
    db.write(|tx| store::set_remote_numbers(tx, account.id, &numbers, published))?;
    let stored = match outbox {
        Some(outbox) if posts_wanted > 0 => {
            posts_of_outbox(fed, db, account, outbox, posts_wanted)?
        }
        _ => 0,
    };
    Ok((numbers, stored))
}

/// The newest posts on an outbox's first page (the collection itself, or its `first`).
fn posts_of_outbox(
    fed: &Federation,
    db: &Db,
    account: &RemoteAccount,
    collection: serde_json::Value,
    max: usize,
) -> Result<usize, FedError> {
    let page = if collection.get("orderedItems").is_some() || collection.get("items").is_some() {
        collection
    } else {
        match collection.get("first") {
            Some(serde_json::Value::String(first)) if inbound::same_origin(first, &account.uri) => {
                fed.fetch(db, first)?.0
            }
            Some(first @ serde_json::Value::Object(_)) => first.clone(),
            _ => return Ok(0),
        }
    };
    let items = page
        .get("orderedItems")
        .or_else(|| page.get("items"))
        .and_then(|i| i.as_array())
        .cloned()
        .unwrap_or_default();
    let mut stored = 0;
    for item in items.iter().take(max) {
        // A Create's note, embedded or by id; boosts of other people's posts are left out.
        let note = match inbound::kind(item) {
            "Create" => item.get("object"),
            "Note" | "Article" | "Page" | "Question" | "Event" => Some(item),
            _ => None,
        };
        match note {
            Some(embedded @ serde_json::Value::Object(_)) => {
                let Ok(note) = RemoteNote::from_json(embedded) else {
                    continue;
                };
                if note.attributed_to != account.uri
                    || !inbound::same_origin(&note.id, &account.uri)
                {
                    continue;
                }
                if crate::inbox::store_note(fed, db, &note, account, true)?.is_some() {
                    stored += 1;
                }
            }
            Some(serde_json::Value::String(id))
                if inbound::same_origin(id, &account.uri) && post(fed, db, id).is_ok() =>
            {
                stored += 1;
            }
            _ => {}
        }
    }
    Ok(stored)
}
