//! The JSON documents Porchlight publishes and sends: actors, notes, activities, WebFinger and
//! NodeInfo. Shapes follow what Mastodon sends, since that is what every other server reads.
//!
//! A note can only be built with an [`Addressing`], and there is no addressing for a camp-only
//! post: the type system keeps local posts from ever becoming a federated document.

use porchlight_core::audience::Audience;
use serde_json::{Value, json};

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub const ACTIVITY_JSON: &str = "application/activity+json";
pub const LD_JSON: &str = "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// The JSON-LD context on everything we send: ActivityStreams, the security vocabulary (for
/// `publicKey`), and the few extension terms Mastodon defined that others read.
pub fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "featured": { "@id": "toot:featured", "@type": "@id" },
            "alsoKnownAs": { "@id": "as:alsoKnownAs", "@type": "@id" },
            "movedTo": { "@id": "as:movedTo", "@type": "@id" },
        }
    ])
}

/// Seconds since 1970 as ActivityPub writes times (RFC 3339, UTC).
pub fn timestamp(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// Reads an RFC 3339 time, as remote servers write `published`.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp())
}

/// Who a federated post is addressed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addressing {
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

/// How an audience is written on the wire (DESIGN.md §3). `None` for camp-only posts: they
/// have no wire form at all; nor has a neighborhood post while the camp belongs to no
/// neighborhood (`neighborhood`: its id). A neighborhood post is addressed to the neighborhood
/// alone (docs/NEIGHBORHOODS.md): not to followers, and not to the people it mentions, who are
/// named in its tags and reached only if their camp is a neighbor.
pub fn addressing(
    audience: Audience,
    followers: &str,
    mentions: &[String],
    neighborhood: Option<&str>,
) -> Option<Addressing> {
    let mentions = mentions.iter().cloned();
    let (to, cc): (Vec<String>, Vec<String>) = match audience {
        Audience::Local => return None,
        Audience::Neighborhood => (vec![neighborhood?.to_string()], Vec::new()),
        Audience::Public => (
            vec![PUBLIC.into()],
            std::iter::once(followers.to_string())
                .chain(mentions)
                .collect(),
        ),
        Audience::Unlisted => (
            vec![followers.into()],
            std::iter::once(PUBLIC.to_string())
                .chain(mentions)
                .collect(),
        ),
        Audience::Followers => (vec![followers.into()], mentions.collect()),
        Audience::Direct => (mentions.collect(), Vec::new()),
    };
    Some(Addressing { to, cc })
}

fn is_public(address: &str) -> bool {
    matches!(address, PUBLIC | "as:Public" | "Public")
}

/// The audience of a post that arrived from elsewhere, read from its addressing: the widest
/// it could be shown to here, never wider than its author chose. `neighborhood` is this camp's
/// neighborhood's id, given only when the author's camp is in it now: a post addressed to it by
/// anyone else is addressed to nobody here.
pub fn audience_of(
    to: &[String],
    cc: &[String],
    author_followers: Option<&str>,
    neighborhood: Option<&str>,
) -> Audience {
    if to.iter().any(|a| is_public(a)) {
        Audience::Public
    } else if cc.iter().any(|a| is_public(a)) {
        Audience::Unlisted
    } else if neighborhood.is_some_and(|n| to.iter().chain(cc).any(|a| a == n)) {
        Audience::Neighborhood
    } else if author_followers.is_some_and(|f| to.iter().chain(cc).any(|a| a == f)) {
        Audience::Followers
    } else {
        Audience::Direct
    }
}

/// What an actor document says about one of our members.
pub struct Actor<'a> {
    pub id: &'a str,
    /// `Person` for members, `Application` for the instance actor.
    pub kind: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub summary_html: &'a str,
    pub profile_url: &'a str,
    pub shared_inbox: &'a str,
    pub public_key_pem: &'a str,
    pub published: i64,
    /// Profile fields, shown by Mastodon as a table: name and HTML value.
    pub fields: &'a [(&'a str, String)],
    /// Custom emoji the name and bio use: (shortcode, the picture's address).
    pub emojis: &'a [(String, String)],
    /// The avatar's and header's whole addresses (`icon` and `image`, as Mastodon reads them).
    pub icon: Option<&'a str>,
    pub image: Option<&'a str>,
}

/// An `Image` object for a picture's address, its type told by its extension.
fn image_object(url: &str) -> Value {
    let media_type = match url.rsplit('.').next() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "image/jpeg",
    };
    json!({ "type": "Image", "mediaType": media_type, "url": url })
}

pub fn actor(a: &Actor) -> Value {
    let attachment: Vec<Value> = a
        .fields
        .iter()
        .map(|(name, value)| json!({ "type": "PropertyValue", "name": name, "value": value }))
        .collect();
    json!({
        "@context": context(),
        "id": a.id,
        "type": a.kind,
        "preferredUsername": a.username,
        "name": a.display_name,
        "summary": a.summary_html,
        "url": a.profile_url,
        "inbox": format!("{}/inbox", a.id),
        "outbox": format!("{}/outbox", a.id),
        "followers": format!("{}/followers", a.id),
        "following": format!("{}/following", a.id),
        "featured": format!("{}/collections/featured", a.id),
        "endpoints": { "sharedInbox": a.shared_inbox },
        "manuallyApprovesFollowers": false,
        "discoverable": false,
        "indexable": false,
        "published": timestamp(a.published),
        "publicKey": {
            "id": format!("{}#main-key", a.id),
            "owner": a.id,
            "publicKeyPem": a.public_key_pem,
        },
        "attachment": attachment,
        "tag": emoji_tags(a.emojis),
        "icon": a.icon.map(image_object),
        "image": a.image.map(image_object),
    })
}

/// What an actor document says of a move (as Mastodon writes it): the other accounts that are
/// the same person (`alsoKnownAs`: a new account names the old ones, so that a `Move` from
/// them is believed), and where the account went (`movedTo`), once it has moved.
pub fn add_migration(doc: &mut Value, also_known_as: &[String], moved_to: Option<&str>) {
    if !also_known_as.is_empty() {
        doc["alsoKnownAs"] = json!(also_known_as);
    }
    if let Some(target) = moved_to {
        doc["movedTo"] = json!(target);
    }
}

/// Custom emoji as `Emoji` tags, as Mastodon sends them (the picture's address is its id).
fn emoji_tags(emojis: &[(String, String)]) -> Vec<Value> {
    emojis
        .iter()
        .map(|(code, url)| {
            let media_type = match url.rsplit('.').next() {
                Some("png") => "image/png",
                Some("gif") => "image/gif",
                Some("webp") => "image/webp",
                Some("jpg" | "jpeg") => "image/jpeg",
                _ => "image/png",
            };
            json!({
                "id": url,
                "type": "Emoji",
                "name": format!(":{code}:"),
                "icon": { "type": "Image", "mediaType": media_type, "url": url },
            })
        })
        .collect()
}

/// A post as a Note.
pub struct Note<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub attributed_to: &'a str,
    pub content_html: &'a str,
    pub source_text: &'a str,
    pub content_warning: &'a str,
    pub in_reply_to: Option<&'a str>,
    pub published: i64,
    pub updated: Option<i64>,
    pub addressing: &'a Addressing,
    /// (actor id, `@name@host`) of each mention.
    pub mentions: &'a [(String, String)],
    /// (tag page URL, tag without `#`).
    pub hashtags: &'a [(String, String)],
    pub attachments: &'a [Picture],
    /// A poll makes the post a Question.
    pub poll: Option<&'a QuestionPoll>,
    /// Custom emoji its text uses: (shortcode, the picture's address).
    pub emojis: &'a [(String, String)],
}

/// A post that is an event, as an ActivityStreams `Event` the way Mobilizon and Gancio publish
/// one: `name`, `startTime`, `endTime`, a `Place` as `location`, the organizer's words as
/// `content`, `timezone` (Mobilizon's). Mastodon shows an Event as its name, its `summary`
/// and a link, so the summary says when and where.
/// `description_html` is what the organizer wrote.
pub fn as_event(
    mut note: Value,
    e: &porchlight_core::events::EventFacts,
    description_html: &str,
) -> Value {
    note["type"] = "Event".into();
    note["content"] = description_html.into();
    let mut when_where = format!(
        "{} ({})",
        porchlight_core::events::shown(e.starts_at, &e.zone),
        e.zone
    );
    if !e.place.is_empty() {
        when_where.push_str(&format!(" · {}", e.place));
    }
    note["summary"] = when_where.into();
    note["sensitive"] = false.into();
    if let Some(source) = note.get_mut("source") {
        *source = Value::Null;
    }
    note["name"] = e.title.as_str().into();
    note["startTime"] = timestamp(e.starts_at).into();
    if let Some(ends) = e.ends_at {
        note["endTime"] = timestamp(ends).into();
    }
    if !e.place.is_empty() {
        note["location"] = json!({ "type": "Place", "name": e.place });
    }
    if !e.link.is_empty()
        && let Some(attachments) = note["attachment"].as_array_mut()
    {
        attachments.push(json!({ "type": "Link", "href": &e.link, "mediaType": "text/html" }));
    }
    note["timezone"] = e.zone.as_str().into();
    note
}

/// A post's poll, as a Question carries it (Mastodon's shape: `oneOf` or `anyOf` options, each
/// a Note named by its title with the count in `replies.totalItems`).
pub struct QuestionPoll {
    pub options: Vec<(String, i64)>,
    pub multiple: bool,
    pub end_time: Option<i64>,
    /// When it closed, once it has.
    pub closed: Option<i64>,
    pub voters: i64,
}

/// A picture on a post, as a Document the way Mastodon sends it (`name` is the alt text,
/// `focalPoint` Mastodon's extension).
pub struct Picture {
    pub url: String,
    pub media_type: String,
    pub description: String,
    pub width: u32,
    pub height: u32,
    pub focus: (f64, f64),
    /// Empty when there is none.
    pub blurhash: String,
}

pub fn note(n: &Note) -> Value {
    let mut tag: Vec<Value> = n
        .mentions
        .iter()
        .map(|(href, name)| json!({ "type": "Mention", "href": href, "name": name }))
        .collect();
    tag.extend(n.hashtags.iter().map(
        |(href, name)| json!({ "type": "Hashtag", "href": href, "name": format!("#{name}") }),
    ));
    tag.extend(emoji_tags(n.emojis));
    let mut note = json!({
        "id": n.id,
        "type": "Note",
        "attributedTo": n.attributed_to,
        "url": n.url,
        "content": n.content_html,
        "source": { "content": n.source_text, "mediaType": "text/plain" },
        "published": timestamp(n.published),
        "to": n.addressing.to,
        "cc": n.addressing.cc,
        "inReplyTo": n.in_reply_to,
        "sensitive": !n.content_warning.is_empty(),
        "summary": if n.content_warning.is_empty() { Value::Null } else { n.content_warning.into() },
        "tag": tag,
        "attachment": n.attachments.iter().map(|p| json!({
            "type": "Document",
            "mediaType": p.media_type,
            "url": p.url,
            "name": if p.description.is_empty() { Value::Null } else { p.description.clone().into() },
            "width": p.width,
            "height": p.height,
            "focalPoint": [p.focus.0, p.focus.1],
            "blurhash": if p.blurhash.is_empty() { Value::Null } else { p.blurhash.clone().into() },
        })).collect::<Vec<Value>>(),
    });
    if let Some(updated) = n.updated {
        note["updated"] = timestamp(updated).into();
    }
    if let Some(poll) = n.poll {
        note["type"] = "Question".into();
        let options: Vec<Value> = poll
            .options
            .iter()
            .map(|(title, votes)| {
                json!({
                    "type": "Note",
                    "name": title,
                    "replies": { "type": "Collection", "totalItems": votes },
                })
            })
            .collect();
        note[if poll.multiple { "anyOf" } else { "oneOf" }] = options.into();
        note["votersCount"] = poll.voters.into();
        if let Some(end) = poll.end_time {
            note["endTime"] = timestamp(end).into();
        }
        if let Some(closed) = poll.closed {
            note["closed"] = timestamp(closed).into();
        }
    }
    note
}

/// A vote in a poll elsewhere, as Mastodon sends it: a Note named by the chosen option, in
/// reply to the Question, addressed to its author alone (one per option chosen).
pub fn vote(id: &str, voter: &str, question: &str, question_author: &str, option: &str) -> Value {
    json!({
        "id": id,
        "type": "Note",
        "name": option,
        "attributedTo": voter,
        "inReplyTo": question,
        "to": [question_author],
        "cc": [],
    })
}

/// Wraps an object in an activity with the same addressing, as Mastodon does for Create and
/// Update.
pub fn activity(
    id: &str,
    kind: &str,
    actor: &str,
    object: Value,
    addressing: Option<&Addressing>,
) -> Value {
    let mut activity = json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": actor,
        "object": object,
    });
    if let Some(a) = addressing {
        activity["to"] = json!(a.to);
        activity["cc"] = json!(a.cc);
    }
    activity
}

/// The WebFinger answer for `acct:name@host`.
pub fn webfinger(subject: &str, actor_id: &str, profile_url: &str) -> Value {
    json!({
        "subject": subject,
        "aliases": [actor_id, profile_url],
        "links": [
            { "rel": "self", "type": ACTIVITY_JSON, "href": actor_id },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile_url },
        ],
    })
}

/// The XRD document at `/.well-known/host-meta`, pointing at WebFinger.
pub fn host_meta(base_url: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{base_url}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n"
    )
}

/// Facts for NodeInfo 2.0 / 2.1.
pub struct NodeFacts<'a> {
    pub version: &'a str,
    pub name: &'a str,
    pub members: u64,
    pub active_month: u64,
    pub local_posts: u64,
    pub open_registrations: bool,
    pub member_cap: u32,
    /// The host's short description of the camp (empty: none).
    pub description: &'a str,
}

pub fn nodeinfo(schema: &str, facts: &NodeFacts) -> Value {
    let software = json!({ "name": "porchlight", "version": facts.version });
    json!({
        "version": schema,
        "software": software,
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": facts.open_registrations,
        "usage": {
            "users": {
                "total": facts.members,
                "activeMonth": facts.active_month,
                "activeHalfyear": facts.active_month,
            },
            "localPosts": facts.local_posts,
        },
        "metadata": {
            "nodeName": facts.name,
            // As Mastodon and Misskey name it; empty when the host wrote none.
            "nodeDescription": facts.description,
            "memberCap": facts.member_cap,
            "invitesOnly": true,
            // Camp-only posts, as Hometown and GoToSocial call them: they never federate.
            "features": ["local_only_posts"],
            "localOnlyPosts": true,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOLLOWERS: &str = "https://camp.example/users/ana/followers";
    const HOOD: &str = "https://camp.example/neighborhoods/f00d";

    #[test]
    fn addressing_table() {
        let bo = vec!["https://o.example/users/bo".to_string()];
        type ToAndCc<'a> = Option<(&'a [&'a str], &'a [&'a str])>;
        let cases: &[(Audience, ToAndCc)] = &[
            (
                Audience::Public,
                Some((&[PUBLIC], &[FOLLOWERS, "https://o.example/users/bo"])),
            ),
            (
                Audience::Unlisted,
                Some((&[FOLLOWERS], &[PUBLIC, "https://o.example/users/bo"])),
            ),
            (
                Audience::Followers,
                Some((&[FOLLOWERS], &["https://o.example/users/bo"])),
            ),
            (
                Audience::Direct,
                Some((&["https://o.example/users/bo"], &[])),
            ),
            (Audience::Neighborhood, Some((&[HOOD], &[]))),
            (Audience::Local, None),
        ];
        for (audience, expected) in cases {
            let got = addressing(*audience, FOLLOWERS, &bo, Some(HOOD));
            let expected = expected.map(|(to, cc)| Addressing {
                to: to.iter().map(|s| s.to_string()).collect(),
                cc: cc.iter().map(|s| s.to_string()).collect(),
            });
            assert_eq!(got, expected, "{audience:?}");
            // And it reads back as the same audience (local has no wire form to read).
            if let Some(a) = got {
                assert_eq!(
                    audience_of(&a.to, &a.cc, Some(FOLLOWERS), Some(HOOD)),
                    *audience
                );
            }
        }
        // Without a neighborhood a neighborhood post stays home.
        assert_eq!(
            addressing(Audience::Neighborhood, FOLLOWERS, &bo, None),
            None
        );
    }

    #[test]
    fn only_a_neighbor_s_post_to_the_neighborhood_is_one() {
        let to = vec![HOOD.to_string()];
        assert_eq!(
            audience_of(&to, &[], Some(FOLLOWERS), Some(HOOD)),
            Audience::Neighborhood
        );
        // The author's camp is not a neighbor (so the caller gives no neighborhood), or the
        // post names another neighborhood: it is for nobody here.
        assert_eq!(
            audience_of(&to, &[], Some(FOLLOWERS), None),
            Audience::Direct
        );
        assert_eq!(
            audience_of(&to, &[], Some(FOLLOWERS), Some("https://b.example/n/2")),
            Audience::Direct
        );
    }

    #[test]
    fn remote_addressing_is_read_narrowly() {
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            audience_of(&s(&["as:Public"]), &[], None, None),
            Audience::Public
        );
        assert_eq!(
            audience_of(&s(&["x"]), &s(&["Public"]), None, None),
            Audience::Unlisted
        );
        // An unknown followers collection: only the addressed see it.
        assert_eq!(
            audience_of(&s(&["https://o.example/f"]), &[], None, None),
            Audience::Direct
        );
        assert_eq!(
            audience_of(&[], &[], Some(FOLLOWERS), None),
            Audience::Direct
        );
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_790_000_000), "2026-09-21T14:13:20Z");
        assert_eq!(parse_timestamp("2026-09-21T14:13:20Z"), Some(1_790_000_000));
        assert_eq!(
            parse_timestamp("2026-09-21T16:13:20+02:00"),
            Some(1_790_000_000)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
