//! The inbox: a signed POST is checked (signature, key owner, origin, blocks), stored as a job
//! and answered 202; a worker then does what it says.

use std::time::SystemTime;

use porchlight_ap::documents;
use porchlight_ap::inbound::{self, RemoteNote, id_of, kind, str_field};
use porchlight_ap::keys::PublicKey;
use porchlight_ap::signature::{self, Incoming};
use porchlight_core::audience::{self, Audience, Viewer};
use porchlight_core::text::normalize_tag;
use porchlight_core::{AccountId, PostId};
use porchlight_db::federation::{self as store, BlockLevel, JobKind, NewJob, RemoteAccount};
use porchlight_db::posts::{self, NewPost};
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::{Db, accounts, now};
use serde_json::Value;

use crate::{FedError, Federation, outbox, resolve};

/// Why an inbox POST was refused, with the HTTP status to answer.
#[derive(Debug)]
pub enum Refusal {
    /// 401: no signature, a bad one, or signed by someone other than the actor.
    Unauthorized(String),
    /// 400: not a usable activity.
    BadRequest(String),
    /// 403: from a blocked server.
    Forbidden(String),
    /// 503: the database failed; the sender will try again.
    Unavailable(String),
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Unauthorized(_) => 401,
            Refusal::BadRequest(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::Unavailable(_) => 503,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Refusal::Unauthorized(m)
            | Refusal::BadRequest(m)
            | Refusal::Forbidden(m)
            | Refusal::Unavailable(m) => m,
        }
    }
}

impl From<porchlight_db::rusqlite::Error> for Refusal {
    fn from(e: porchlight_db::rusqlite::Error) -> Self {
        Refusal::Unavailable(format!("could not store the activity: {e}"))
    }
}

/// Checks a POST to an inbox and queues it. Ok means it is stored and will be processed.
pub fn receive(fed: &Federation, db: &Db, req: &Incoming) -> Result<(), Refusal> {
    let parsed = signature::parse(req, SystemTime::now())
        .map_err(|e| Refusal::Unauthorized(e.to_string()))?;
    let activity = inbound::parse_json(req.body).map_err(|e| Refusal::BadRequest(e.0))?;
    let actor_id = activity
        .get("actor")
        .and_then(id_of)
        .ok_or_else(|| Refusal::BadRequest("the activity has no actor".into()))?
        .to_string();
    let actor_host = inbound::host(&actor_id)
        .ok_or_else(|| Refusal::BadRequest("the actor is not a URL".into()))?;
    if let Some(block) = db.read(|c| store::block_for(c, &actor_host))?
        && block.level == BlockLevel::Suspend
    {
        return Err(Refusal::Forbidden(format!(
            "{actor_host} is blocked on this server"
        )));
    }
    // The activity's own id, if it has one, must live where its actor does.
    if let Some(id) = str_field(&activity, "id")
        && !inbound::same_origin(id, &actor_id)
    {
        return Err(Refusal::BadRequest(
            "the activity's id is on another server than its actor".into(),
        ));
    }
    let (owner, fresh) = match resolve::key_owner(fed, db, &parsed.key_id, false) {
        Ok(found) => found,
        Err(e) => {
            // An account that is gone cannot be fetched; its Delete needs no more from us.
            if kind(&activity) == "Delete"
                && activity.get("object").and_then(id_of) == Some(&actor_id)
            {
                return Ok(());
            }
            return Err(Refusal::Unauthorized(format!(
                "cannot get the signing key: {e}"
            )));
        }
    };
    let verify = |owner: &RemoteAccount| {
        PublicKey::from_pem(&owner.public_key_pem)
            .map_err(|e| Refusal::Unauthorized(e.to_string()))
            .and_then(|key| {
                parsed
                    .verify(&key)
                    .map_err(|e| Refusal::Unauthorized(e.to_string()))
            })
    };
    let owner = match verify(&owner) {
        Ok(()) => owner,
        // The key may have been rotated since we stored it: fetch it once more.
        Err(_) if !fresh => {
            let (owner, _) = resolve::key_owner(fed, db, &parsed.key_id, true)
                .map_err(|e| Refusal::Unauthorized(format!("cannot get the signing key: {e}")))?;
            verify(&owner)?;
            owner
        }
        Err(e) => return Err(e),
    };
    // Signed by one actor on behalf of another: refused (Mastodon CVE-2024-23832 and kin).
    if owner.uri != actor_id {
        return Err(Refusal::Unauthorized(
            "the activity is signed by someone other than its actor".into(),
        ));
    }
    let payload = String::from_utf8_lossy(req.body).into_owned();
    db.write(|tx| {
        store::enqueue(
            tx,
            &NewJob {
                kind: JobKind::Inbox,
                host: &actor_host,
                target: &actor_id,
                signer_id: None,
                payload: &payload,
            },
            now(),
        )
    })?;
    fed.wake();
    Ok(())
}

/// The member a local actor id names.
fn local_member(
    fed: &Federation,
    db: &Db,
    uri: &str,
) -> Result<Option<accounts::Member>, FedError> {
    match fed.me.local_username(uri) {
        Some(name) => Ok(db.read(|c| accounts::member_by_username(c, name))?),
        None => Ok(None),
    }
}

/// Does what a queued activity says. Errors that a retry could fix are `FedError::Fetch` with a
/// temporary cause; anything else is dropped by the worker with a log line.
pub fn process(fed: &Federation, db: &Db, actor_id: &str, payload: &str) -> Result<(), FedError> {
    let activity = inbound::parse_json(payload.as_bytes()).map_err(|e| FedError::Invalid(e.0))?;
    let actor = resolve::actor(fed, db, actor_id, false)?;
    let object = activity.get("object").cloned().unwrap_or(Value::Null);
    let object_id = id_of(&object).unwrap_or("").to_string();
    match kind(&activity) {
        "Follow" => {
            let Some(member) = local_member(fed, db, &object_id)? else {
                return Ok(());
            };
            let mut follow = activity.clone();
            if let Some(map) = follow.as_object_mut() {
                map.remove("@context");
            }
            db.write(|tx| {
                // Someone the member blocked is refused.
                let blocked = porchlight_db::muting::blocks(tx, member.id, actor.id)?;
                if !blocked && social::follow(tx, actor.id, member.id, now())? {
                    social::notify(
                        tx,
                        member.id,
                        NotificationKind::Follow,
                        actor.id,
                        None,
                        now(),
                    )?;
                }
                outbox::answer_follow(
                    tx,
                    &fed.me,
                    outbox::LocalActor {
                        id: member.id,
                        username: &member.username,
                    },
                    &actor,
                    follow,
                    !blocked,
                    now(),
                )
            })?;
            fed.wake();
        }
        "Accept" | "Reject" => {
            // Our Follow, quoted or by id, names who followed.
            let follower = match &object {
                Value::Object(_) => object.get("actor").and_then(id_of).map(String::from),
                _ => None,
            };
            let follower = match follower {
                Some(f) => local_member(fed, db, &f)?,
                None => match fed.me.local_username(&object_id) {
                    Some(name) => db.read(|c| accounts::member_by_username(c, name))?,
                    None => None,
                },
            };
            let Some(follower) = follower else {
                return Ok(());
            };
            let accepted = kind(&activity) == "Accept";
            db.write(|tx| -> Result<(), FedError> {
                let pending = store::take_follow_request(tx, follower.id, actor.id)?;
                if accepted && pending.is_some() {
                    social::follow(tx, follower.id, actor.id, now())?;
                } else if !accepted {
                    social::unfollow(tx, follower.id, actor.id)?;
                }
                Ok(())
            })?;
        }
        "Undo" => undo(fed, db, &actor, &object)?,
        "Create" => {
            let note = embedded_or_fetched(fed, db, &actor, &object)?;
            let Some(note) = note else { return Ok(()) };
            if note.attributed_to != actor.uri {
                return Err(FedError::Invalid("a Create of someone else's post".into()));
            }
            store_note(fed, db, &note, &actor, false)?;
        }
        "Update" => {
            if inbound::kind(&object) == "Note"
                || inbound::POST_KINDS.contains(&inbound::kind(&object))
            {
                let Some(note) = embedded_or_fetched(fed, db, &actor, &object)? else {
                    return Ok(());
                };
                if note.attributed_to != actor.uri {
                    return Err(FedError::Invalid("an Update of someone else's post".into()));
                }
                update_note(db, &note, &actor)?;
            } else if object_id == actor.uri {
                // A profile change: read it from the source.
                resolve::actor(fed, db, &actor.uri, true)?;
            }
        }
        "Delete" => {
            if object_id == actor.uri {
                db.write(|tx| store::delete_remote_account(tx, actor.id))?;
            } else if let Some(post) = db.read(|c| store::post_by_uri(c, &object_id))? {
                db.write(|tx| -> Result<(), FedError> {
                    if store::post_author(tx, post)? == Some(actor.id) {
                        posts::delete_post(tx, post)?;
                    }
                    Ok(())
                })?;
            }
        }
        "Announce" => {
            if object_id.is_empty() {
                return Ok(());
            }
            // Boosts are wanted from those members follow, or of our own posts.
            let followed = db.read(|c| store::followed_by_members(c, actor.id))?;
            let ours = fed.me.local_post(&object_id);
            if !followed && ours.is_none() {
                return Ok(());
            }
            let original = resolve::post(fed, db, &object_id)?;
            let to = inbound::ids(activity.get("to"));
            let cc = inbound::ids(activity.get("cc"));
            let audience = documents::audience_of(&to, &cc, actor.followers_url.as_deref());
            // A boost shows the original, so it can be no wider than what the original allows.
            let original_audience = db
                .read(|c| store::outgoing_post(c, original))?
                .map(|p| p.audience);
            let Some(original_audience) = original_audience else {
                return Ok(());
            };
            if !matches!(original_audience, Audience::Public | Audience::Unlisted) {
                return Ok(());
            }
            let audience = if audience == Audience::Public {
                Audience::Public
            } else {
                Audience::Unlisted
            };
            let announce_id = str_field(&activity, "id").unwrap_or("").to_string();
            db.write(|tx| -> Result<(), FedError> {
                if let Some(boost) = posts::insert_boost(tx, actor.id, original, audience, now())? {
                    if !announce_id.is_empty() {
                        store::set_post_uri(tx, boost, &announce_id, &announce_id)?;
                    }
                    if let Some(author) = store::post_author(tx, original)? {
                        social::notify(
                            tx,
                            author,
                            NotificationKind::Boost,
                            actor.id,
                            Some(original),
                            now(),
                        )?;
                    }
                }
                Ok(())
            })?;
        }
        "Like" => {
            let Some(post) = fed.me.local_post(&object_id) else {
                return Ok(());
            };
            db.write(|tx| -> Result<(), FedError> {
                let Some(facts) = posts::facts(tx, post)? else {
                    return Ok(());
                };
                // A like of a post they could not have seen (camp-only, or not addressed to
                // them) is ignored; the core decides, as for anyone.
                let viewer = Viewer {
                    is_member: false,
                    is_author: false,
                    follows_author: social::follows(tx, actor.id, facts.author_id)?,
                    is_mentioned: posts::is_mentioned(tx, post, actor.id)?,
                };
                if !audience::can_view(facts.audience, viewer) {
                    return Ok(());
                }
                if posts::set_favourite(tx, actor.id, post, true, now())? {
                    social::notify(
                        tx,
                        facts.author_id,
                        NotificationKind::Favourite,
                        actor.id,
                        Some(post),
                        now(),
                    )?;
                }
                Ok(())
            })?;
        }
        "Block" => {
            if let Some(member) = local_member(fed, db, &object_id)? {
                db.write(|tx| -> Result<(), FedError> {
                    social::unfollow(tx, actor.id, member.id)?;
                    social::unfollow(tx, member.id, actor.id)?;
                    store::take_follow_request(tx, member.id, actor.id)?;
                    Ok(())
                })?;
            }
        }
        other => log::debug!("ignored a {other} from {}", actor.uri),
    }
    Ok(())
}

fn undo(fed: &Federation, db: &Db, actor: &RemoteAccount, object: &Value) -> Result<(), FedError> {
    let inner_object = object
        .get("object")
        .and_then(id_of)
        .unwrap_or("")
        .to_string();
    // What is undone must be the actor's own.
    if let Some(inner_actor) = object.get("actor").and_then(id_of)
        && inner_actor != actor.uri
    {
        return Err(FedError::Invalid(
            "an Undo of someone else's activity".into(),
        ));
    }
    match kind(object) {
        "Follow" => {
            if let Some(member) = local_member(fed, db, &inner_object)? {
                db.write(|tx| -> Result<(), FedError> {
                    if social::unfollow(tx, actor.id, member.id)? {
                        social::withdraw_notification(
                            tx,
                            member.id,
                            NotificationKind::Follow,
                            actor.id,
                            None,
                        )?;
                    }
                    Ok(())
                })?;
            }
        }
        "Like" => {
            if let Some(post) = fed.me.local_post(&inner_object) {
                db.write(|tx| -> Result<(), FedError> {
                    if posts::set_favourite(tx, actor.id, post, false, now())?
                        && let Some(author) = store::post_author(tx, post)?
                    {
                        social::withdraw_notification(
                            tx,
                            author,
                            NotificationKind::Favourite,
                            actor.id,
                            Some(post),
                        )?;
                    }
                    Ok(())
                })?;
            }
        }
        "Announce" => {
            let original = match fed.me.local_post(&inner_object) {
                Some(id) => Some(id),
                None => db.read(|c| store::post_by_uri(c, &inner_object))?,
            };
            if let Some(original) = original {
                db.write(|tx| -> Result<(), FedError> {
                    if let Some(boost) = posts::boost_by(tx, actor.id, original)? {
                        posts::delete_post(tx, boost)?;
                    }
                    Ok(())
                })?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The post an activity carries: embedded, if it comes from the actor's own server; otherwise
/// fetched from its origin (an embedded object from elsewhere is never trusted).
fn embedded_or_fetched(
    fed: &Federation,
    db: &Db,
    actor: &RemoteAccount,
    object: &Value,
) -> Result<Option<RemoteNote>, FedError> {
    if object.is_object() && !inbound::POST_KINDS.contains(&kind(object)) {
        return Ok(None);
    }
    let id = id_of(object).ok_or_else(|| FedError::Invalid("the object has no id".into()))?;
    if object.is_object() && inbound::same_origin(id, &actor.uri) {
        return RemoteNote::from_json(object)
            .map(Some)
            .map_err(|e| FedError::Invalid(e.0));
    }
    let (doc, fetched_from) = fed.fetch(db, id)?;
    let note = RemoteNote::from_json(&doc).map_err(|e| FedError::Invalid(e.0))?;
    if !inbound::same_origin(&note.id, &fetched_from) {
        return Err(FedError::Invalid(
            "the post was served by another server than its own".into(),
        ));
    }
    Ok(Some(note))
}

/// What a remote post's text becomes here: sanitized HTML, plain text, a content warning, tags.
struct Converted {
    html: String,
    text: String,
    content_warning: String,
    tags: Vec<String>,
}

fn convert(note: &RemoteNote) -> Converted {
    let mut tags: Vec<String> = note
        .hashtags
        .iter()
        .filter_map(|t| normalize_tag(t))
        .collect();
    tags.sort();
    tags.dedup();
    Converted {
        html: crate::sanitize::html(&note.content_html),
        text: crate::sanitize::text(&note.content_html),
        content_warning: crate::sanitize::text(&note.summary)
            .chars()
            .take(500)
            .collect(),
        tags,
    }
}

/// Stores a remote post, if anyone here wants it: someone follows its author, it mentions a
/// member, it answers a post we have, or `wanted` says a member asked for it. Returns its id.
pub fn store_note(
    fed: &Federation,
    db: &Db,
    note: &RemoteNote,
    author: &RemoteAccount,
    wanted: bool,
) -> Result<Option<PostId>, FedError> {
    store_note_at(fed, db, note, author, wanted, 0)
}

/// How many posts up a thread are fetched to show what a reply answers.
const MAX_ANCESTORS: u32 = 3;

pub(crate) fn store_note_at(
    fed: &Federation,
    db: &Db,
    note: &RemoteNote,
    author: &RemoteAccount,
    wanted: bool,
    depth: u32,
) -> Result<Option<PostId>, FedError> {
    let mut mentioned: Vec<AccountId> = Vec::new();
    let mut members_mentioned = Vec::new();
    for href in &note.mentions {
        if let Some(member) = local_member(fed, db, href)? {
            mentioned.push(member.id);
            members_mentioned.push(member.id);
        } else if let Some(remote) = db.read(|c| store::remote_by_uri(c, href))? {
            mentioned.push(remote.id);
        }
    }
    // Addressed to a member without a Mention tag (some servers do that for direct messages).
    for address in note.to.iter().chain(&note.cc) {
        if let Some(member) = local_member(fed, db, address)?
            && !mentioned.contains(&member.id)
        {
            mentioned.push(member.id);
            members_mentioned.push(member.id);
        }
    }
    let mut parent = match &note.in_reply_to {
        Some(uri) => match fed.me.local_post(uri) {
            Some(local) => db.read(|c| posts::facts(c, local))?.map(|f| f.id),
            None => db.read(|c| store::post_by_uri(c, uri))?,
        },
        None => None,
    };
    // A reply to something not here yet: fetch what it answers (a few posts up), so the
    // thread reads as a conversation. Only for posts that will be kept.
    if parent.is_none()
        && depth < MAX_ANCESTORS
        && let Some(uri) = &note.in_reply_to
        && fed.me.local_post(uri).is_none()
        && (wanted
            || !members_mentioned.is_empty()
            || db.read(|c| store::followed_by_members(c, author.id))?)
    {
        match resolve::post_at(fed, db, uri, depth + 1) {
            Ok(id) => parent = Some(id),
            Err(e) => log::debug!("could not fetch {uri}, which {} answers: {e}", note.id),
        }
    }
    let converted = convert(note);
    let audience = documents::audience_of(&note.to, &note.cc, author.followers_url.as_deref());
    let now = now();
    let created_at = note.published.unwrap_or(now).min(now);
    let id = db.write(|tx| -> Result<Option<PostId>, FedError> {
        if let Some(existing) = store::post_by_uri(tx, &note.id)? {
            return Ok(Some(existing));
        }
        let followed = store::followed_by_members(tx, author.id)?;
        if !(wanted || followed || !members_mentioned.is_empty() || parent.is_some()) {
            return Ok(None);
        }
        // A silenced server is heard only by those who follow its people.
        if !wanted
            && !followed
            && matches!(store::block_for(tx, &author.domain)?, Some(b) if b.level == BlockLevel::Silence)
        {
            return Ok(None);
        }
        let id = posts::insert_post(
            tx,
            &NewPost {
                author_id: author.id,
                audience,
                text: &converted.text,
                html: &converted.html,
                content_warning: &converted.content_warning,
                in_reply_to: parent,
                mentions: &mentioned,
                tags: &converted.tags,
                now: created_at,
            },
        )?;
        store::set_post_uri(tx, id, &note.id, &note.url)?;
        store::set_post_media(tx, id, &media_of(tx, note, author)?)?;
        let parent_author = match parent {
            Some(p) => store::post_author(tx, p)?,
            None => None,
        };
        for &member in &members_mentioned {
            let kind = if Some(member) == parent_author {
                NotificationKind::Reply
            } else {
                NotificationKind::Mention
            };
            social::notify(tx, member, kind, author.id, Some(id), now)?;
        }
        Ok(Some(id))
    })?;
    Ok(id)
}

/// A remote post's attachments, unless the host rejected media from its server.
fn media_of(
    conn: &porchlight_db::Connection,
    note: &RemoteNote,
    author: &RemoteAccount,
) -> Result<Vec<porchlight_db::timeline::Media>, FedError> {
    if matches!(store::block_for(conn, &author.domain)?, Some(b) if b.level == BlockLevel::RejectMedia)
    {
        return Ok(Vec::new());
    }
    Ok(note
        .attachments
        .iter()
        .map(|a| porchlight_db::timeline::Media {
            url: a.url.clone(),
            media_type: a.media_type.clone(),
            description: a.description.clone(),
            proxy: String::new(),
            upload: None,
        })
        .collect())
}

fn update_note(db: &Db, note: &RemoteNote, author: &RemoteAccount) -> Result<(), FedError> {
    let converted = convert(note);
    db.write(|tx| -> Result<(), FedError> {
        let Some(id) = store::post_by_uri(tx, &note.id)? else {
            return Ok(());
        };
        if store::post_author(tx, id)? != Some(author.id) {
            return Err(FedError::Invalid("an Update of someone else's post".into()));
        }
        posts::edit_post(
            tx,
            id,
            &posts::NewText {
                text: &converted.text,
                html: &converted.html,
                content_warning: &converted.content_warning,
                mentions: &[],
                tags: &converted.tags,
            },
            note.updated.unwrap_or_else(now),
        )?;
        store::set_post_media(tx, id, &media_of(tx, note, author)?)?;
        Ok(())
    })
}
