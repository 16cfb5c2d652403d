//! What leaves the server, written as delivery jobs inside the transaction that made the change
//! (so a power cut loses none and a refused change sends none).
//!
//! Camp-only posts never get here: `note_for` has no form for them, and every function that sends
//! a post, its edit, its deletion, a boost or a like asks it first.

use porchlight_ap::activities::{self, PostActivity};
use porchlight_ap::documents::{self, Addressing};
use porchlight_core::audience::Audience;
use porchlight_core::{AccountId, PostId, UnixTime};
use porchlight_db::Connection;
use porchlight_db::federation::{self as store, JobKind, NewJob, OutgoingPost};
use serde_json::Value;

use crate::identity::Identity;

/// A member acting: their account and username (which names them on the wire).
#[derive(Clone, Copy, Debug)]
pub struct LocalActor<'a> {
    pub id: AccountId,
    pub username: &'a str,
}

/// A local post's Note and its addressing; None when the post must not leave the server (it
/// is camp-only, a boost, or not ours).
pub fn note_for(
    conn: &Connection,
    me: &Identity,
    post: &OutgoingPost,
) -> porchlight_db::Result<Option<(Value, Addressing)>> {
    if post.author_domain.is_some() || post.boost_of.is_some() {
        return Ok(None);
    }
    let mentions = mentions_of(conn, me, post.id)?;
    let mention_ids: Vec<String> = mentions.iter().map(|(id, _)| id.clone()).collect();
    let neighborhood = match post.audience {
        Audience::Neighborhood => porchlight_db::neighborhood::neighborhood_uri(conn)?,
        _ => None,
    };
    let Some(addressing) = documents::addressing(
        post.audience,
        &me.followers(&post.author_username),
        &mention_ids,
        neighborhood.as_deref(),
    ) else {
        return Ok(None);
    };
    let note = note_body(conn, me, post, &mentions, &addressing)?;
    Ok(Some((note, addressing)))
}

/// An archive's line for one of a member's posts (docs/MOVING.md): `Create` of its Note, or
/// `Announce` of what it boosts, as Mastodon's archives have them; and the pictures to write
/// into the archive after the outbox. None for someone else's post.
pub fn archived_activity(
    conn: &Connection,
    me: &Identity,
    post: &OutgoingPost,
) -> porchlight_db::Result<Option<(Value, Vec<String>)>> {
    if post.author_domain.is_some() {
        return Ok(None);
    }
    let actor = me.actor_id(&post.author_username);
    let id = format!("{}/activity", me.post_id(post.id));
    if let Some(boosted) = post.boost_of {
        let uri = store::post_uri(conn, boosted)?.unwrap_or_else(|| me.post_id(boosted));
        let mut announce = documents::activity(&id, "Announce", &actor, Value::String(uri), None);
        announce["published"] = Value::String(documents::timestamp(post.created_at));
        announce["to"] = serde_json::json!([me.followers(&post.author_username)]);
        return Ok(Some((announce, Vec::new())));
    }
    let Some((note, files)) = archived_note(conn, me, post)? else {
        return Ok(None);
    };
    let addressing = Addressing {
        to: porchlight_ap::inbound::ids(note.get("to")),
        cc: porchlight_ap::inbound::ids(note.get("cc")),
    };
    let published = note["published"].clone();
    let mut create = documents::activity(&id, "Create", &actor, note, Some(&addressing));
    create["published"] = published;
    Ok(Some((create, files)))
}

/// A member's post as their archive keeps it (docs/MOVING.md): the Note it would be sent as,
/// for every audience, camp-only included (addressed to nobody elsewhere, with the audience
/// named in `porchlightAudience` so that another camp can keep it as narrow), its pictures
/// pointing into the archive's `media_attachments/files/` (the file names are returned, to be
/// written there). None for a boost or someone else's post.
fn archived_note(
    conn: &Connection,
    me: &Identity,
    post: &OutgoingPost,
) -> porchlight_db::Result<Option<(Value, Vec<String>)>> {
    if post.author_domain.is_some() || post.boost_of.is_some() {
        return Ok(None);
    }
    let mentions = mentions_of(conn, me, post.id)?;
    let mention_ids: Vec<String> = mentions.iter().map(|(id, _)| id.clone()).collect();
    let addressing = documents::addressing(
        post.audience,
        &me.followers(&post.author_username),
        &mention_ids,
        None,
    )
    .unwrap_or(Addressing {
        to: Vec::new(),
        cc: Vec::new(),
    });
    let mut note = note_body(conn, me, post, &mentions, &addressing)?;
    let files_base = format!("{}/files/", me.base_url);
    let mut files = Vec::new();
    if let Some(Value::Array(attachments)) = note.get_mut("attachment") {
        for attachment in attachments {
            if let Some(name) = attachment["url"]
                .as_str()
                .and_then(|u| u.strip_prefix(&files_base))
                .map(String::from)
            {
                attachment["url"] = Value::String(format!("/media_attachments/files/{name}"));
                files.push(name);
            }
        }
    }
    note["porchlightAudience"] = Value::String(post.audience.as_str().into());
    Ok(Some((note, files)))
}

/// The people a post mentions: (actor id, `@name@host`).
fn mentions_of(
    conn: &Connection,
    me: &Identity,
    post: PostId,
) -> porchlight_db::Result<Vec<(String, String)>> {
    Ok(store::mentioned(conn, post)?
        .iter()
        .map(|m| match (&m.domain, &m.uri) {
            (Some(domain), Some(uri)) => (uri.clone(), format!("@{}@{domain}", m.username)),
            _ => (
                me.actor_id(&m.username),
                format!("@{}@{}", m.username, me.host),
            ),
        })
        .collect())
}

/// The Note of a local post with the given addressing.
fn note_body(
    conn: &Connection,
    me: &Identity,
    post: &OutgoingPost,
    mentions: &[(String, String)],
    addressing: &Addressing,
) -> porchlight_db::Result<Value> {
    let in_reply_to = match post.in_reply_to {
        Some(parent) => Some(match store::post_uri(conn, parent)? {
            Some(uri) => uri,
            None => me.post_id(parent),
        }),
        None => None,
    };
    let hashtags: Vec<(String, String)> = store::tags(conn, post.id)?
        .into_iter()
        .map(|t| (me.tag_url(&t), t))
        .collect();
    // The renderer links mentions and tags to paths on this server; elsewhere they need the
    // whole address.
    let html = post
        .html
        .replace("href=\"/", &format!("href=\"{}/", me.base_url));
    let attachments: Vec<documents::Picture> = porchlight_db::uploads::of_posts(conn, &[post.id])?
        .into_iter()
        .map(|u| documents::Picture {
            url: format!("{}/files/{}", me.base_url, u.file_name),
            media_type: u.media_type,
            description: u.description,
            width: u.width,
            height: u.height,
            focus: u.focus,
            blurhash: u.blurhash,
        })
        .collect();
    let poll = porchlight_db::polls::of_posts(conn, &[post.id], None, porchlight_db::now())?
        .remove(&post.id)
        .map(|p| documents::QuestionPoll {
            multiple: p.multiple,
            end_time: p.expires_at,
            closed: p.ended.then(|| p.expires_at.unwrap_or(post.created_at)),
            voters: p.voters,
            options: p.options,
        });
    let emojis: Vec<(String, String)> = porchlight_db::emoji::of_posts(conn, &[post.id])?
        .remove(&post.id)
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.shortcode, format!("{}{}", me.base_url, e.url)))
        .collect();
    let id = me.post_id(post.id);
    let actor = me.actor_id(&post.author_username);
    let note = documents::note(&documents::Note {
        id: &id,
        url: &id,
        attributed_to: &actor,
        content_html: &html,
        source_text: &post.text,
        content_warning: &post.content_warning,
        in_reply_to: in_reply_to.as_deref(),
        published: post.created_at,
        updated: post.edited_at,
        addressing,
        mentions,
        hashtags: &hashtags,
        attachments: &attachments,
        poll: poll.as_ref(),
        emojis: &emojis,
    });
    let note = match porchlight_db::events::of_posts(conn, &[post.id], None)?.pop() {
        Some(event) => documents::as_event(
            note,
            &event.facts,
            &porchlight_core::text::render_post(&event.description, |_| false)
                .html
                .replace("href=\"/", &format!("href=\"{}/", me.base_url)),
        ),
        None => note,
    };
    Ok(note)
}

/// Where a post goes: its author's remote followers (one delivery per server with a shared
/// inbox) unless it is for mentioned people only, and every remote account it mentions. A
/// neighborhood post goes to the neighbor camps' shared inboxes and nowhere else: not to
/// followers elsewhere, and not to people it mentions on other servers.
fn post_inboxes(
    conn: &Connection,
    post: &OutgoingPost,
    author: AccountId,
) -> porchlight_db::Result<Vec<(String, String)>> {
    let mut inboxes = Vec::new();
    match post.audience {
        Audience::Local => return Ok(inboxes),
        Audience::Neighborhood => {
            return porchlight_db::neighborhood::inboxes(conn, post.created_at);
        }
        Audience::Direct => {}
        Audience::Public | Audience::Unlisted | Audience::Followers => {
            inboxes.extend(store::follower_inboxes(conn, author)?);
        }
    }
    for m in store::mentioned(conn, post.id)? {
        let (Some(domain), Some(inbox)) = (m.domain, m.inbox) else {
            continue;
        };
        // A direct message goes to the person's own inbox; anything else may share.
        let inbox = match (post.audience, m.shared_inbox) {
            (Audience::Direct, _) | (_, None) => inbox,
            (_, Some(shared)) => shared,
        };
        inboxes.push((inbox, domain));
    }
    Ok(inboxes)
}

/// Writes one delivery job per distinct inbox, skipping suspended and dead servers.
pub fn queue(
    conn: &Connection,
    signer: Option<AccountId>,
    activity: &Value,
    inboxes: Vec<(String, String)>,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let payload = activity.to_string();
    let mut seen = std::collections::HashSet::new();
    let mut queued = 0;
    for (inbox, host) in inboxes {
        if !seen.insert(inbox.clone()) {
            continue;
        }
        if store::is_dead(conn, &host)?
            || matches!(store::block_for(conn, &host)?, Some(b) if b.level == store::BlockLevel::Suspend)
        {
            continue;
        }
        store::enqueue(
            conn,
            &NewJob {
                kind: JobKind::Deliver,
                host: &host,
                target: &inbox,
                signer_id: signer,
                payload: &payload,
            },
            now,
        )?;
        queued += 1;
    }
    Ok(queued)
}

/// A new post: Create to its audience.
pub fn post_created(
    conn: &Connection,
    me: &Identity,
    id: PostId,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    send_post_activity(conn, me, id, PostActivity::Create, now)
}

/// An edited post: Update to the same audience.
pub fn post_updated(
    conn: &Connection,
    me: &Identity,
    id: PostId,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    send_post_activity(conn, me, id, PostActivity::Update, now)
}

fn send_post_activity(
    conn: &Connection,
    me: &Identity,
    id: PostId,
    kind: PostActivity,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(post) = store::outgoing_post(conn, id)? else {
        return Ok(0);
    };
    let Some((note, addressing)) = note_for(conn, me, &post)? else {
        return Ok(0);
    };
    let activity_id = match kind {
        PostActivity::Create => format!("{}/activity", me.post_id(id)),
        PostActivity::Update => format!("{}#updates/{now}", me.post_id(id)),
    };
    let activity = activities::post(
        &activity_id,
        kind,
        &me.actor_id(&post.author_username),
        note,
        &addressing,
    );
    let inboxes = post_inboxes(conn, &post, post.author_id)?;
    queue(conn, Some(post.author_id), &activity, inboxes, now)
}

/// A post about to be deleted: Delete to everyone who was sent it. Call before deleting.
pub fn post_deleting(
    conn: &Connection,
    me: &Identity,
    id: PostId,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(post) = store::outgoing_post(conn, id)? else {
        return Ok(0);
    };
    if let Some(original) = post.boost_of {
        return unboosting(conn, me, &post, original, now);
    }
    let Some((_, addressing)) = note_for(conn, me, &post)? else {
        return Ok(0);
    };
    let activity = activities::delete(
        &format!("{}#delete", me.post_id(id)),
        &me.actor_id(&post.author_username),
        &me.post_id(id),
        &addressing,
    );
    let inboxes = post_inboxes(conn, &post, post.author_id)?;
    queue(conn, Some(post.author_id), &activity, inboxes, now)
}

/// An Announce and the inboxes it goes to.
struct Announce {
    activity: Value,
    inboxes: Vec<(String, String)>,
}

/// The Announce a boost row stands for, with where it goes; None if the boost stays here
/// (a camp-only boost, or of a post that may not leave).
fn announce_for(
    conn: &Connection,
    me: &Identity,
    boost: &OutgoingPost,
    original: PostId,
) -> porchlight_db::Result<Option<Announce>> {
    // A boost of a camp-only or neighborhood post stays on this camp: it is shown to members
    // here, and the neighbors already have the post itself.
    if boost.author_domain.is_some()
        || !matches!(boost.audience, Audience::Public | Audience::Unlisted)
    {
        return Ok(None);
    }
    let Some(post) = store::outgoing_post(conn, original)? else {
        return Ok(None);
    };
    // Only public and unlisted posts can be boosted at all (the core's rule); check again here
    // so that nothing wider than the original can ever be sent.
    if !matches!(post.audience, Audience::Public | Audience::Unlisted) {
        return Ok(None);
    }
    let object = match &post.uri {
        Some(uri) => uri.clone(),
        None => me.post_id(original),
    };
    let booster = &boost.author_username;
    let addressing = documents::addressing(boost.audience, &me.followers(booster), &[], None)
        .expect("a boost that is not camp-only has a wire form");
    let mut addressing = addressing;
    let mut inboxes = store::follower_inboxes(conn, boost.author_id)?;
    if post.author_domain.is_some() {
        if let Some(author_uri) = store::remote_by_id(conn, post.author_id)?.map(|a| a.uri) {
            addressing.cc.push(author_uri);
        }
        inboxes.extend(store::inbox_of(conn, post.author_id)?);
    }
    let activity = activities::announce(
        &format!("{}/activity", me.post_id(boost.id)),
        &me.actor_id(booster),
        &object,
        &addressing,
    );
    Ok(Some(Announce { activity, inboxes }))
}

/// A new boost (the boost's own row).
pub fn boosted(
    conn: &Connection,
    me: &Identity,
    boost_id: PostId,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(boost) = store::outgoing_post(conn, boost_id)? else {
        return Ok(0);
    };
    let Some(original) = boost.boost_of else {
        return Ok(0);
    };
    match announce_for(conn, me, &boost, original)? {
        Some(a) => queue(conn, Some(boost.author_id), &a.activity, a.inboxes, now),
        None => Ok(0),
    }
}

fn unboosting(
    conn: &Connection,
    me: &Identity,
    boost: &OutgoingPost,
    original: PostId,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(announce) = announce_for(conn, me, boost, original)? else {
        return Ok(0);
    };
    let undo = activities::undo(
        &me.actor_id(&boost.author_username),
        announce.activity,
        None,
    );
    queue(conn, Some(boost.author_id), &undo, announce.inboxes, now)
}

/// A like of a remote post goes to its author's server; likes of local posts stay here.
pub fn liked(
    conn: &Connection,
    me: &Identity,
    by: AccountId,
    by_username: &str,
    post_id: PostId,
    on: bool,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(post) = store::outgoing_post(conn, post_id)? else {
        return Ok(0);
    };
    let (Some(uri), Some(_)) = (&post.uri, &post.author_domain) else {
        return Ok(0);
    };
    let Some(inbox) = store::inbox_of(conn, post.author_id)? else {
        return Ok(0);
    };
    let author_uri = store::remote_by_id(conn, post.author_id)?
        .map(|a| a.uri)
        .unwrap_or_default();
    let actor = me.actor_id(by_username);
    let like = activities::like(
        &format!("{actor}#likes/{post_id}"),
        &actor,
        uri,
        &author_uri,
    );
    let activity = if on {
        like
    } else {
        activities::undo(&actor, like, None)
    };
    queue(conn, Some(by), &activity, vec![inbox], now)
}

/// A member's vote in a poll elsewhere: one Create of a named Note per option chosen, to the
/// poll's author (nobody else learns how someone voted).
pub fn voted(
    conn: &Connection,
    me: &Identity,
    voter: LocalActor,
    post_id: PostId,
    options: &[(usize, String)],
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(post) = store::outgoing_post(conn, post_id)? else {
        return Ok(0);
    };
    let (Some(question), Some(_)) = (&post.uri, &post.author_domain) else {
        return Ok(0);
    };
    let (Some(inbox), Some(author)) = (
        store::inbox_of(conn, post.author_id)?,
        store::remote_by_id(conn, post.author_id)?,
    ) else {
        return Ok(0);
    };
    let actor = me.actor_id(voter.username);
    let mut queued = 0;
    for (position, title) in options {
        let id = format!("{actor}#votes/{post_id}/{position}");
        let note = documents::vote(&id, &actor, question, &author.uri, title);
        let activity = documents::activity(
            &format!("{id}/activity"),
            "Create",
            &actor,
            note,
            Some(&Addressing {
                to: vec![author.uri.clone()],
                cc: Vec::new(),
            }),
        );
        queued += queue(conn, Some(voter.id), &activity, vec![inbox.clone()], now)?;
    }
    Ok(queued)
}

/// Queues an activity for one remote account's own inbox.
fn send_to(
    conn: &Connection,
    signer: AccountId,
    activity: &Value,
    to: &store::RemoteAccount,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    queue(
        conn,
        Some(signer),
        activity,
        vec![(to.inbox.clone(), to.domain.clone())],
        now,
    )
}

/// Asks a remote account to be followed; returns the Follow's id (kept with the request, to
/// match their Accept).
pub fn follow(
    conn: &Connection,
    me: &Identity,
    follower: AccountId,
    follower_username: &str,
    followee: &store::RemoteAccount,
    now: UnixTime,
) -> porchlight_db::Result<String> {
    let id = format!(
        "{}#follows/{}/{now}",
        me.actor_id(follower_username),
        followee.id
    );
    let activity = activities::follow(&id, &me.actor_id(follower_username), &followee.uri);
    send_to(conn, follower, &activity, followee, now)?;
    Ok(id)
}

/// Withdraws a follow (or a pending follow request) of a remote account.
pub fn unfollow(
    conn: &Connection,
    me: &Identity,
    follower: AccountId,
    follower_username: &str,
    followee: &store::RemoteAccount,
    follow_id: Option<&str>,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let id = follow_id
        .map(String::from)
        .unwrap_or_else(|| format!("{}#follows/{}", me.actor_id(follower_username), followee.id));
    let actor = me.actor_id(follower_username);
    let follow = activities::follow(&id, &actor, &followee.uri);
    let activity = activities::undo(&actor, follow, None);
    send_to(conn, follower, &activity, followee, now)
}

/// Tells someone elsewhere that a member blocked them (`Block`), or no longer does (an `Undo`
/// of it). Their server then drops the follows between them, so that posts for the member's
/// followers that it receives for others are not shown to them either.
pub fn block(
    conn: &Connection,
    me: &Identity,
    member: LocalActor,
    target: &store::RemoteAccount,
    on: bool,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let actor = me.actor_id(member.username);
    let block = activities::block(
        &format!("{actor}#blocks/{}", target.id),
        &actor,
        &target.uri,
    );
    let activity = if on {
        block
    } else {
        let id = format!("{actor}#blocks/{}/undo/{now}", target.id);
        activities::undo(&actor, block, Some(&id))
    };
    send_to(conn, member.id, &activity, target, now)
}

/// Answers a remote Follow of a member (Accept or Reject), quoting their Follow.
pub fn answer_follow(
    conn: &Connection,
    me: &Identity,
    member: LocalActor,
    follower: &store::RemoteAccount,
    follow: Value,
    accept: bool,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let actor = me.actor_id(member.username);
    let kind = if accept { "accept" } else { "reject" };
    let id = format!("{actor}#{kind}/{}/{now}", follower.id);
    let activity = activities::answer_follow(&id, &actor, follow, accept);
    send_to(conn, member.id, &activity, follower, now)
}

/// A member's actor document (what `/users/NAME` serves and what an `Update` carries).
/// The camp emoji a member's name and bio use, as (shortcode, the picture's whole address).
pub fn member_emojis(
    conn: &Connection,
    me: &Identity,
    member: AccountId,
) -> porchlight_db::Result<Vec<(String, String)>> {
    Ok(porchlight_db::emoji::of_accounts(conn, &[member])?
        .remove(&member)
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.shortcode, format!("{}{}", me.base_url, e.url)))
        .collect())
}

/// `aliases`: the accounts elsewhere the member says are theirs (`alsoKnownAs`).
pub fn actor_document(
    me: &Identity,
    member: &porchlight_db::accounts::Member,
    public_pem: &str,
    emojis: &[(String, String)],
    aliases: &[String],
) -> Value {
    let id = me.actor_id(&member.username);
    if member.suspended_at.is_some() {
        // What Mastodon shows of a suspended account: the name and key, nothing of them, and
        // `suspended`, which tells a server that reads it to hide them until it is lifted.
        let mut doc = documents::actor(&documents::Actor {
            id: &id,
            kind: "Person",
            username: &member.username,
            display_name: "",
            summary_html: "",
            profile_url: &me.profile_url(&member.username),
            shared_inbox: &me.shared_inbox(),
            public_key_pem: public_pem,
            published: member.created_at,
            fields: &[],
            emojis: &[],
            icon: None,
            image: None,
        });
        doc["suspended"] = Value::Bool(true);
        return doc;
    }
    let bio = porchlight_core::text::render_post(&member.bio, |_| false).html;
    let fields = if member.who_i_am.is_empty() {
        Vec::new()
    } else {
        vec![(
            "Who I am",
            porchlight_core::text::escape_html(&member.who_i_am),
        )]
    };
    let mut doc = documents::actor(&documents::Actor {
        id: &id,
        kind: "Person",
        username: &member.username,
        display_name: &member.display_name,
        summary_html: &bio,
        profile_url: &me.profile_url(&member.username),
        shared_inbox: &me.shared_inbox(),
        public_key_pem: public_pem,
        published: member.created_at,
        fields: &fields,
        emojis,
        // Someone with no avatar of their own is shown elsewhere with the one drawn here, so
        // they look the same everywhere.
        icon: Some(&format!(
            "{}{}",
            me.base_url,
            porchlight_core::look::avatar_path(member.avatar.as_deref(), &member.username)
        )),
        image: member
            .header
            .as_ref()
            .map(|h| format!("{}{h}", me.base_url))
            .as_deref(),
    });
    documents::add_migration(&mut doc, aliases, member.moved_to.as_deref());
    doc
}

/// A member changed their profile: servers that follow them hear of it. A member without keys
/// has never been seen elsewhere, so nobody needs telling.
pub fn profile_updated(
    conn: &Connection,
    me: &Identity,
    member: AccountId,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(m) = porchlight_db::accounts::member_by_id(conn, member)? else {
        return Ok(0);
    };
    let Some((_, public_pem)) = store::member_keys(conn, member)? else {
        return Ok(0);
    };
    let aliases = porchlight_db::moving::aliases(conn, member)?;
    let doc = actor_document(
        me,
        &m,
        &public_pem,
        &member_emojis(conn, me, m.id)?,
        &aliases,
    );
    let actor = me.actor_id(&m.username);
    let activity = activities::update_actor(
        &format!("{actor}#updates/{now}"),
        &actor,
        doc,
        &me.followers(&m.username),
    );
    let inboxes = store::follower_inboxes(conn, member)?;
    queue(conn, Some(member), &activity, inboxes, now)
}

/// A member moved to `target` (an actor id whose `alsoKnownAs` names them): `Move`, to the
/// servers of everyone who follows them, whose follows then go to the target.
pub fn moved(
    conn: &Connection,
    me: &Identity,
    member: LocalActor,
    target: &str,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let actor = me.actor_id(member.username);
    let activity = activities::move_account(
        &format!("{actor}#moves/{now}"),
        &actor,
        target,
        &me.followers(member.username),
    );
    let inboxes = store::follower_inboxes(conn, member.id)?;
    queue(conn, Some(member.id), &activity, inboxes, now)
}

/// The `Delete` of a removed member's actor, and the inboxes it goes to.
pub struct Farewell {
    pub activity: Value,
    pub inboxes: Vec<(String, String)>,
}

/// A member about to be removed: the `Delete` of their actor and the servers it goes to (their
/// followers' and those of the people they follow). Read before the removal, queued after it
/// under the key that outlives them. None if they never met anyone elsewhere.
pub fn actor_deleting(
    conn: &Connection,
    me: &Identity,
    member: AccountId,
) -> porchlight_db::Result<Option<Farewell>> {
    let Some(m) = porchlight_db::accounts::member_by_id(conn, member)? else {
        return Ok(None);
    };
    if store::member_keys(conn, member)?.is_none() {
        return Ok(None);
    }
    let mut inboxes = store::follower_inboxes(conn, member)?;
    inboxes.extend(store::followee_inboxes(conn, member)?);
    let actor = me.actor_id(&m.username);
    Ok(Some(Farewell {
        activity: activities::delete_actor(&actor, &me.followers(&m.username)),
        inboxes,
    }))
}

/// A report about someone elsewhere, forwarded to their server as `Flag` from the camp itself.
pub fn flag(
    conn: &Connection,
    me: &Identity,
    report: i64,
    target: AccountId,
    posts: &[String],
    comment: &str,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let Some(account) = store::remote_by_id(conn, target)? else {
        return Ok(0);
    };
    let Some(inbox) = store::inbox_of(conn, target)? else {
        return Ok(0);
    };
    let mut objects = vec![account.uri.clone()];
    objects.extend(posts.iter().cloned());
    let activity = activities::flag(
        &format!("{}/reports/{report}", me.base_url),
        &me.instance_actor_id(),
        &objects,
        comment,
    );
    queue(conn, None, &activity, vec![inbox], now)
}
