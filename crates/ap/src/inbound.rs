//! Reading what other servers send: actors, posts and activities, from JSON that may be
//! shaped in any of the ways the fediverse writes it (a string or an object with an `id`, one
//! value or an array). Everything here validates; nothing trusts.

use serde_json::Value;

use crate::documents::parse_timestamp;

/// The largest JSON document we read, and the deepest nesting (ActivityPub needs 4–5 levels).
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;
pub const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Invalid {}

fn invalid(msg: impl Into<String>) -> Invalid {
    Invalid(msg.into())
}

/// Parses a JSON document with a size and depth limit (serde_json's own recursion limit is 128,
/// too deep to be sure of a small stack on a Pi's blocking threads).
pub fn parse_json(body: &[u8]) -> Result<Value, Invalid> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(invalid("the document is too large"));
    }
    // Count brackets outside strings before parsing, so a deep document is refused cheaply.
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(invalid("the document is nested too deeply"));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let value: Value =
        serde_json::from_slice(body).map_err(|e| invalid(format!("not JSON: {e}")))?;
    if !value.is_object() {
        return Err(invalid("expected a JSON object"));
    }
    Ok(value)
}

/// The id of a value that is either a URL string or an object with an `id`.
pub fn id_of(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The ids in a field that may be one value or an array of them.
pub fn ids(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(id_of).map(String::from).collect(),
        Some(other) => id_of(other).map(String::from).into_iter().collect(),
        None => Vec::new(),
    }
}

pub fn str_field<'a>(value: &'a Value, name: &str) -> Option<&'a str> {
    value.get(name).and_then(Value::as_str)
}

pub fn kind(value: &Value) -> &str {
    match value.get("type") {
        Some(Value::String(s)) => s,
        // A few servers send an array of types; the first ActivityStreams one is what counts.
        Some(Value::Array(kinds)) => kinds.iter().find_map(Value::as_str).unwrap_or(""),
        _ => "",
    }
}

/// `scheme://host[:port]` of a URL: what "the same origin" compares. None if it is not an
/// http(s) URL.
pub fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return None;
    }
    Some(parsed.origin().ascii_serialization())
}

/// The host (with a port if not the default), as used in `@name@host` handles and domain blocks.
pub fn host(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(match parsed.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin(a), origin(b)), (Some(x), Some(y)) if x == y)
}

fn https_url(value: Option<&str>, what: &str) -> Result<String, Invalid> {
    let url = value.ok_or_else(|| invalid(format!("no {what}")))?;
    origin(url).ok_or_else(|| invalid(format!("the {what} is not an http(s) URL")))?;
    Ok(url.to_string())
}

/// Where a WebFinger answer (a JRD) says the account's ActivityPub document is: the `self`
/// link of an ActivityPub media type.
pub fn webfinger_profile(jrd: &Value) -> Option<&str> {
    jrd.get("links")?
        .as_array()?
        .iter()
        .find(|l| {
            str_field(l, "rel") == Some("self")
                && str_field(l, "type").is_some_and(|t| {
                    t.starts_with("application/activity+json")
                        || t.starts_with("application/ld+json")
                })
        })
        .and_then(|l| str_field(l, "href"))
}

/// A remote actor, from its actor document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteActor {
    pub id: String,
    pub kind: String,
    pub username: String,
    pub display_name: String,
    pub summary_html: String,
    pub url: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub followers: Option<String>,
    pub key_id: String,
    pub public_key_pem: String,
    pub avatar_url: Option<String>,
    /// Their header picture (`image`).
    pub header_url: Option<String>,
    pub manually_approves_followers: bool,
    /// Custom emoji its name and bio use: (shortcode, address).
    pub emojis: Vec<(String, String)>,
    /// Its own server suspended it (Mastodon's `suspended`): hidden here until lifted there.
    pub suspended: bool,
    /// The other accounts it says are the same person (`alsoKnownAs`): a `Move` from one of
    /// them to this one is believed.
    pub also_known_as: Vec<String>,
    /// Where it says it moved (`movedTo`).
    pub moved_to: Option<String>,
}

const ACTOR_KINDS: &[&str] = &["Person", "Service", "Application", "Group", "Organization"];

impl RemoteActor {
    /// Reads an actor document fetched from `fetched_from`. Its id, inbox and key must live on
    /// the same origin as the address it was fetched from (after redirects), or it could speak
    /// for someone else.
    pub fn from_json(doc: &Value, fetched_from: &str) -> Result<RemoteActor, Invalid> {
        let id = https_url(str_field(doc, "id"), "actor id")?;
        if !same_origin(&id, fetched_from) {
            return Err(invalid(
                "the actor's id is on another server than its document",
            ));
        }
        let kind = kind(doc);
        if !ACTOR_KINDS.contains(&kind) {
            return Err(invalid(format!("{kind:?} is not an actor type")));
        }
        let username = str_field(doc, "preferredUsername")
            .filter(|u| !u.is_empty() && u.len() <= 100)
            .ok_or_else(|| invalid("the actor has no preferredUsername"))?;
        let inbox = https_url(str_field(doc, "inbox"), "inbox")?;
        // (Found by fuzzing: an inbox elsewhere would have this camp deliver to a server the
        // actor does not speak for.)
        if !same_origin(&inbox, &id) {
            return Err(invalid("the actor's inbox is on another server"));
        }
        let key = doc
            .get("publicKey")
            .map(|k| match k {
                Value::Array(keys) => keys.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            })
            .ok_or_else(|| invalid("the actor has no publicKey"))?;
        let key_id = https_url(str_field(&key, "id"), "key id")?;
        let owner = str_field(&key, "owner").unwrap_or(&id);
        if owner != id || !same_origin(&key_id, &id) {
            return Err(invalid("the actor's key belongs to someone else"));
        }
        let public_key_pem = str_field(&key, "publicKeyPem")
            .ok_or_else(|| invalid("the actor's key has no PEM"))?
            .to_string();
        let shared_inbox = doc
            .get("endpoints")
            .and_then(|e| str_field(e, "sharedInbox"))
            .filter(|u| same_origin(u, &id))
            .map(String::from);
        let url = match doc.get("url") {
            Some(Value::Array(urls)) => urls.iter().find_map(id_of_link),
            Some(other) => id_of_link(other),
            None => None,
        }
        .filter(|u| origin(u).is_some())
        .unwrap_or_else(|| id.clone());
        // An Image object, a list of them, or a bare address.
        let picture = |field: &str| {
            doc.get(field)
                .and_then(|i| match i {
                    Value::Array(icons) => icons.first(),
                    other => Some(other),
                })
                .and_then(|i| str_field(i, "url").or(i.as_str()))
                .filter(|u| origin(u).is_some())
                .map(String::from)
        };
        let avatar_url = picture("icon");
        let header_url = picture("image");
        Ok(RemoteActor {
            kind: kind.to_string(),
            username: username.to_string(),
            display_name: str_field(doc, "name")
                .unwrap_or("")
                .chars()
                .take(200)
                .collect(),
            summary_html: str_field(doc, "summary").unwrap_or("").to_string(),
            url,
            inbox,
            shared_inbox,
            followers: str_field(doc, "followers").map(String::from),
            key_id,
            public_key_pem,
            avatar_url,
            header_url,
            manually_approves_followers: doc
                .get("manuallyApprovesFollowers")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            emojis: emoji_tags(&tags_of(doc)),
            suspended: doc.get("suspended").and_then(Value::as_bool) == Some(true),
            also_known_as: ids(doc.get("alsoKnownAs"))
                .into_iter()
                .filter(|a| origin(a).is_some())
                .take(20)
                .collect(),
            moved_to: doc
                .get("movedTo")
                .and_then(id_of)
                .filter(|a| origin(a).is_some())
                .map(String::from),
            id,
        })
    }
}

/// Who owns the key a key id led to, when the document there is not a full actor: a `Key`
/// document names its `owner`; GoToSocial serves a stub actor with only its `publicKey`.
pub fn key_owner(doc: &Value, key_id: &str) -> Option<String> {
    let owner = str_field(doc, "owner").or_else(|| {
        let key = doc.get("publicKey")?;
        (str_field(key, "id") == Some(key_id)).then(|| str_field(key, "owner"))?
    })?;
    same_origin(owner, key_id).then(|| owner.to_string())
}

fn id_of_link(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("href")
            .or_else(|| o.get("id"))
            .and_then(Value::as_str)
            .map(String::from),
        _ => None,
    }
}

/// The custom emoji among a document's tags (`Emoji`: a valid `:shortcode:` as `name`, its
/// picture at `icon.url`, http(s)): (shortcode, address), at most
/// [`porchlight_core::emoji::MAX_PER_POST`].
fn emoji_tags(tags: &[Value]) -> Vec<(String, String)> {
    tags.iter()
        .filter(|t| kind_is(t, "Emoji"))
        .filter_map(|t| {
            let code = porchlight_core::emoji::check_shortcode(str_field(t, "name")?).ok()?;
            let url = match t.get("icon")? {
                Value::Array(icons) => icons.iter().find_map(|i| i.get("url").and_then(id_of_link)),
                icon => icon.get("url").and_then(id_of_link),
            }?;
            origin(&url)?;
            Some((code, url))
        })
        .take(porchlight_core::emoji::MAX_PER_POST)
        .collect()
}

fn tags_of(doc: &Value) -> Vec<Value> {
    match doc.get("tag") {
        Some(Value::Array(tags)) => tags.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// The kinds of object shown as posts. Notes and Questions are posts as they are; the others
/// are shown as Mastodon shows them: an Article or Page as its title over its text; a Video,
/// Audio, Image or Document (PeerTube, Funkwhale and others) as its title, its text, its media
/// and a link to the original; an Event as an event.
pub const POST_KINDS: &[&str] = &[
    "Note", "Question", "Article", "Page", "Event", "Video", "Audio", "Image", "Document",
];

/// Kinds shown as a title, a text and a link to where the original lives.
const LINKED_KINDS: &[&str] = &["Video", "Audio", "Image", "Document"];

/// A remote post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteNote {
    pub id: String,
    pub url: String,
    pub attributed_to: String,
    pub content_html: String,
    pub summary: String,
    pub in_reply_to: Option<String>,
    pub published: Option<i64>,
    pub updated: Option<i64>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    /// Actor ids of the people it mentions.
    pub mentions: Vec<String>,
    pub hashtags: Vec<String>,
    /// Attached files (at most [`MAX_ATTACHMENTS`]), http(s) only.
    pub attachments: Vec<Attachment>,
    /// A Question's poll.
    pub poll: Option<RemotePoll>,
    /// A vote rather than a post: the option it chooses (a Note with a `name`, no content, in
    /// reply to a Question, as Mastodon and others send votes).
    pub vote: Option<String>,
    /// Custom emoji its text uses (`Emoji` tags): (shortcode, the picture's address).
    pub emojis: Vec<(String, String)>,
    /// An `Event`'s facts (as Mobilizon, Gancio and Porchlight send them).
    pub event: Option<RemoteEvent>,
    /// Marked sensitive: the object says so, or one of its attachments does.
    pub sensitive: bool,
    /// The language it is written in, from `contentMap` (a BCP 47 tag).
    pub language: Option<String>,
    /// The post it quotes (`quote`, `quoteUrl`, `quoteUri`, `_misskey_quote`, or a FEP-e232
    /// object link).
    pub quote: Option<String>,
}

/// An event from elsewhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEvent {
    pub title: String,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    /// The `location`'s name (and address, when it has one).
    pub place: String,
    /// Its `timezone`, if the camp knows it; else UTC.
    pub zone: String,
    /// What its organizer wrote (its `content`), as sent.
    pub description_html: String,
}

/// The facts of an `Event`; it must say when it starts.
fn remote_event(doc: &Value) -> Result<RemoteEvent, Invalid> {
    let starts_at = str_field(doc, "startTime")
        .and_then(parse_timestamp)
        .ok_or_else(|| invalid("an Event without a startTime"))?;
    let one_line = |s: &str, max: usize| -> String {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(max)
            .collect()
    };
    let place = match doc.get("location") {
        Some(Value::String(s)) => s.clone(),
        Some(place @ Value::Object(_)) => {
            let name = str_field(place, "name").unwrap_or("");
            // Mobilizon gives a PostalAddress; a street and a town are enough to find it.
            let address = place
                .get("address")
                .map(|a| match a {
                    Value::String(s) => s.clone(),
                    other => ["streetAddress", "addressLocality"]
                        .iter()
                        .filter_map(|k| str_field(other, k))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
                .unwrap_or_default();
            match (name.is_empty(), address.is_empty()) {
                (false, false) if !name.contains(&address) => format!("{name}, {address}"),
                (true, _) => address,
                _ => name.to_string(),
            }
        }
        _ => String::new(),
    };
    Ok(RemoteEvent {
        title: one_line(
            str_field(doc, "name").unwrap_or(""),
            porchlight_core::events::MAX_TITLE,
        ),
        starts_at,
        ends_at: str_field(doc, "endTime")
            .and_then(parse_timestamp)
            .filter(|&e| e > starts_at),
        place: one_line(&place, porchlight_core::events::MAX_PLACE),
        zone: str_field(doc, "timezone")
            .filter(|z| porchlight_core::events::zone_known(z))
            .unwrap_or(porchlight_core::events::DEFAULT_ZONE)
            .to_string(),
        description_html: str_field(doc, "content").unwrap_or("").to_string(),
    })
}

/// A poll from elsewhere: its options with their counts as its server last counted them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePoll {
    pub options: Vec<(String, i64)>,
    pub multiple: bool,
    pub end_time: Option<i64>,
    pub closed: bool,
    /// `votersCount` when sent; else the sum of the counts.
    pub voters: i64,
}

/// The poll of a Question: `oneOf` (one choice) or `anyOf` (several), at most
/// [`porchlight_core::polls::MAX_REMOTE_OPTIONS`] options with a title each.
fn remote_poll(doc: &Value) -> Option<RemotePoll> {
    let (items, multiple) = match (doc.get("oneOf"), doc.get("anyOf")) {
        (Some(Value::Array(items)), _) if !items.is_empty() => (items, false),
        (_, Some(Value::Array(items))) if !items.is_empty() => (items, true),
        _ => return None,
    };
    let options: Vec<(String, i64)> = items
        .iter()
        .filter_map(|o| {
            let title: String = str_field(o, "name")?.trim().chars().take(200).collect();
            let votes = o
                .get("replies")
                .and_then(|r| r.get("totalItems"))
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(0);
            Some((title, votes))
        })
        .take(porchlight_core::polls::MAX_REMOTE_OPTIONS)
        .collect();
    if options.is_empty() {
        return None;
    }
    let closed = match doc.get("closed") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(_)) => true,
        _ => false,
    };
    let voters = doc
        .get("votersCount")
        .and_then(Value::as_i64)
        .unwrap_or_else(|| options.iter().map(|(_, v)| v).sum())
        .max(0);
    Some(RemotePoll {
        multiple,
        end_time: str_field(doc, "endTime")
            .or_else(|| str_field(doc, "closed"))
            .and_then(parse_timestamp),
        closed,
        voters,
        options,
    })
}

/// A file attached to a remote post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub url: String,
    pub media_type: String,
    /// Alt text (`name`), if the author wrote one.
    pub description: String,
    /// Mastodon's `blurhash`, if it is one (base 83, of a sensible length); else empty.
    pub blurhash: String,
    /// Its size as its server says (0: not said).
    pub width: u32,
    pub height: u32,
}

/// A blurhash as Mastodon sends one: 6 to 100 characters of its base-83 alphabet.
fn blurhash_of(item: &Value) -> String {
    const ALPHABET: &[u8] =
        b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";
    str_field(item, "blurhash")
        .filter(|b| (6..=100).contains(&b.len()) && b.bytes().all(|c| ALPHABET.contains(&c)))
        .unwrap_or("")
        .to_string()
}

/// A picture's side as sent: a whole number of at most 100,000 pixels, else 0.
fn side_of(item: &Value, field: &str) -> u32 {
    item.get(field)
        .and_then(Value::as_u64)
        .filter(|&n| n <= 100_000)
        .unwrap_or(0) as u32
}

/// More than this many attachments are not shown (Mastodon allows four).
pub const MAX_ATTACHMENTS: usize = 8;

fn attachments(doc: &Value) -> Vec<Attachment> {
    let items = match doc.get("attachment") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => Vec::new(),
    };
    items
        .iter()
        .filter_map(|item| {
            // A `Link` attachment gives its address as `href`.
            let url = match item.get("url").or_else(|| item.get("href")) {
                Some(Value::Array(urls)) => urls.iter().find_map(id_of_link),
                Some(other) => id_of_link(other),
                None => None,
            }?;
            origin(&url)?;
            let media_type = str_field(item, "mediaType")
                .map(String::from)
                .unwrap_or_else(|| match kind(item) {
                    "Image" => "image/*".into(),
                    "Video" => "video/*".into(),
                    "Audio" => "audio/*".into(),
                    _ => media_type_by_name(&url).to_string(),
                });
            Some(Attachment {
                url,
                media_type,
                description: str_field(item, "name")
                    .unwrap_or("")
                    .chars()
                    .take(1500)
                    .collect(),
                blurhash: blurhash_of(item),
                width: side_of(item, "width"),
                height: side_of(item, "height"),
            })
        })
        .take(MAX_ATTACHMENTS)
        .collect()
}

/// What a file's name says it is, for an attachment that does not say (a `Document` with no
/// `mediaType`): the family only, as the server that serves it knows better.
fn media_type_by_name(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let extension = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "avif" | "apng" => "image/*",
        "mp4" | "webm" | "mov" | "m4v" | "ogv" => "video/*",
        "mp3" | "ogg" | "oga" | "opus" | "m4a" | "flac" | "wav" => "audio/*",
        _ => "",
    }
}

/// The first http(s) id among the legal forms of a link to an object: its id as a string, the
/// object, a `Link` (`href`), or a list of these.
fn first_link_id(value: Option<&Value>) -> Option<String> {
    let http = |v: &Value| id_of_link(v).filter(|u| origin(u).is_some());
    match value? {
        Value::Array(items) => items.iter().find_map(http),
        other => http(other),
    }
}

/// A language tag as BCP 47 writes one (`en`, `pt-BR`, `zh-Hant`), else None.
fn language_tag(tag: &str) -> Option<String> {
    let mut parts = tag.split('-');
    let primary = parts.next()?;
    let ok = (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    ok.then(|| tag.to_string())
}

/// The text and its language: `content`, or an entry of `contentMap` when there is no `content`;
/// the language is the key of `contentMap`'s entry for that text (of its only entry, when
/// `content` is none of them).
fn content_and_language(doc: &Value) -> (String, Option<String>) {
    let content = str_field(doc, "content").filter(|c| !c.is_empty());
    let map: Vec<(&String, &str)> = match doc.get("contentMap") {
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k, v)))
            .collect(),
        _ => Vec::new(),
    };
    // The reader keeps a map's keys sorted, not in the sender's order: a language is taken
    // only where it is known to be the text's (the entry that is the text, or the only one).
    let chosen = match content {
        Some(c) => {
            map.iter()
                .find(|(_, v)| *v == c)
                .or(if map.len() == 1 { map.first() } else { None })
        }
        None => map.first(),
    };
    let text = content
        .or(chosen.map(|(_, v)| *v))
        .unwrap_or("")
        .to_string();
    (text, chosen.and_then(|(k, _)| language_tag(k)))
}

/// The post a post quotes, in any of the forms servers send it.
fn quoted(doc: &Value, tags: &[Value]) -> Option<String> {
    ["quote", "quoteUrl", "quoteUri", "_misskey_quote"]
        .iter()
        .find_map(|k| first_link_id(doc.get(*k)))
        .or_else(|| {
            // FEP-e232: a Link tag to an ActivityStreams object.
            tags.iter()
                .filter(|t| kind_is(t, "Link"))
                .filter(|t| {
                    str_field(t, "mediaType").is_some_and(|m| {
                        m.contains("activity+json")
                            || m.contains("https://www.w3.org/ns/activitystreams")
                    })
                })
                .find_map(|t| first_link_id(t.get("href")))
        })
}

/// The web address among an object's `url`s: a `text/html` link first, else the first; only on
/// the same host as the object's id (as Mastodon checks it): a post cannot send its readers to
/// another site as if it were its page.
fn web_url(doc: &Value, id: &str) -> Option<String> {
    match doc.get("url") {
        Some(Value::Array(urls)) => urls
            .iter()
            .find(|u| str_field(u, "mediaType").is_some_and(|m| m.starts_with("text/html")))
            .and_then(id_of_link)
            .or_else(|| urls.iter().find_map(id_of_link)),
        Some(other) => id_of_link(other),
        None => None,
    }
    .filter(|u| origin(u).is_some() && host(u).is_some() && host(u) == host(id))
}

/// The media a Video, Audio or Image object is (PeerTube lists its files among its `url`s).
fn own_media(doc: &Value) -> Option<Attachment> {
    let family = match kind(doc) {
        "Video" => "video/",
        "Audio" => "audio/",
        "Image" => "image/",
        _ => return None,
    };
    let candidates: Vec<&Value> = match doc.get("url") {
        Some(Value::Array(urls)) => urls.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    };
    candidates.into_iter().find_map(|u| {
        let media_type = str_field(u, "mediaType")
            .or_else(|| str_field(doc, "mediaType"))
            .unwrap_or("");
        if !media_type.starts_with(family) {
            return None;
        }
        let url = id_of_link(u)?;
        origin(&url)?;
        Some(Attachment {
            url,
            media_type: media_type.to_string(),
            description: str_field(doc, "name")
                .unwrap_or("")
                .chars()
                .take(1500)
                .collect(),
            blurhash: blurhash_of(doc),
            width: side_of(u, "width"),
            height: side_of(u, "height"),
        })
    })
}

impl RemoteNote {
    /// Reads a post. Its id must share the origin of its author: a server can only speak for
    /// its own people.
    pub fn from_json(doc: &Value) -> Result<RemoteNote, Invalid> {
        let kind = kind(doc);
        if !POST_KINDS.contains(&kind) {
            return Err(invalid(format!("{kind:?} is not a kind of post")));
        }
        let id = https_url(str_field(doc, "id"), "post id")?;
        let attributed_to = ids(doc.get("attributedTo"))
            .into_iter()
            .next()
            .ok_or_else(|| invalid("the post has no author"))?;
        if !same_origin(&id, &attributed_to) {
            return Err(invalid(
                "the post's id is on another server than its author",
            ));
        }
        let (mut content, language) = content_and_language(doc);
        // An Event that does not say when is shown as a linked object.
        let event = if kind == "Event" {
            remote_event(doc).ok()
        } else {
            None
        };
        let linked = LINKED_KINDS.contains(&kind) || (kind == "Event" && event.is_none());
        let web = web_url(doc, &id);
        // Articles, Pages and linked kinds have a title; show it above the text, as Mastodon
        // does.
        if (matches!(kind, "Article" | "Page") || linked)
            && let Some(name) = str_field(doc, "name").filter(|n| !n.trim().is_empty())
        {
            content = format!(
                "<p><strong>{}</strong></p>{content}",
                porchlight_core::text::escape_html(name)
            );
        }
        if linked {
            let there = web.clone().unwrap_or_else(|| id.clone());
            let escaped = porchlight_core::text::escape_html(&there);
            content.push_str(&format!("<p><a href=\"{escaped}\">{escaped}</a></p>"));
        }
        // An event's post says what, when and where above what its organizer wrote, so that
        // lists and apps that know no events read it whole.
        if let Some(e) = &event {
            let escape = porchlight_core::text::escape_html;
            let mut head = format!(
                "<p>📅 <strong>{}</strong><br>{} ({})",
                escape(&e.title),
                porchlight_core::events::shown(e.starts_at, &e.zone),
                escape(&e.zone)
            );
            if !e.place.is_empty() {
                head.push_str(&format!("<br>📍 {}", escape(&e.place)));
            }
            content = format!("{head}</p>{content}");
        }
        let tags = tags_of(doc);
        let quote = quoted(doc, &tags);
        let mut attachments = attachments(doc);
        if let Some(own) = own_media(doc)
            && !attachments.iter().any(|a| a.url == own.url)
        {
            attachments.insert(0, own);
            attachments.truncate(MAX_ATTACHMENTS);
        }
        let sensitive = doc.get("sensitive") == Some(&Value::Bool(true))
            || match doc.get("attachment") {
                Some(Value::Array(items)) => items
                    .iter()
                    .any(|a| a.get("sensitive") == Some(&Value::Bool(true))),
                Some(one) => one.get("sensitive") == Some(&Value::Bool(true)),
                None => false,
            };
        let mentions = tags
            .iter()
            .filter(|t| kind_is(t, "Mention"))
            .filter_map(|t| str_field(t, "href"))
            .map(String::from)
            .collect();
        let emojis = emoji_tags(&tags);
        let hashtags = tags
            .iter()
            .filter(|t| kind_is(t, "Hashtag"))
            .filter_map(|t| str_field(t, "name"))
            .map(|n| n.trim_start_matches('#').to_string())
            .filter(|n| !n.is_empty())
            .collect();
        Ok(RemoteNote {
            url: web.unwrap_or_else(|| id.clone()),
            attributed_to,
            content_html: content,
            // An article's summary is an excerpt (an event's, when and where); on notes it is
            // the content warning.
            summary: if matches!(kind, "Article" | "Page" | "Event") || linked {
                String::new()
            } else {
                str_field(doc, "summary").unwrap_or("").to_string()
            },
            in_reply_to: first_link_id(doc.get("inReplyTo")),
            published: str_field(doc, "published").and_then(parse_timestamp),
            updated: str_field(doc, "updated").and_then(parse_timestamp),
            to: ids(doc.get("to")),
            cc: ids(doc.get("cc")),
            mentions,
            hashtags,
            attachments,
            poll: if kind == "Question" {
                remote_poll(doc)
            } else {
                None
            },
            vote: match (kind, str_field(doc, "name"), doc.get("inReplyTo")) {
                ("Note", Some(name), Some(_))
                    if str_field(doc, "content").unwrap_or("").is_empty() =>
                {
                    Some(name.trim().chars().take(200).collect())
                }
                _ => None,
            },
            emojis,
            event,
            sensitive,
            language,
            quote,
            id,
        })
    }
}

fn kind_is(value: &Value, expected: &str) -> bool {
    kind(value) == expected
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_from_elsewhere_is_read_with_its_time_place_and_zone() {
        let event = |extra: serde_json::Value| {
            let mut doc = json!({
                "id": "https://mobilizon.example/events/1",
                "type": "Event",
                "attributedTo": "https://mobilizon.example/@club",
                "name": "Repair\ncafé",
                "content": "<p>Bring what is broken.</p>",
                "startTime": "2026-12-12T14:00:00+01:00",
                "endTime": "2026-12-12T17:00:00+01:00",
                "timezone": "Europe/Paris",
                "location": { "type": "Place", "name": "Town hall",
                              "address": { "type": "PostalAddress", "streetAddress": "1 Main St",
                                           "addressLocality": "Lyon" } },
            });
            for (k, v) in extra.as_object().unwrap() {
                doc[k] = v.clone();
            }
            RemoteNote::from_json(&doc)
        };
        let read = event(json!({})).unwrap();
        let e = read.event.as_ref().unwrap();
        assert_eq!(e.title, "Repair café", "one line");
        assert_eq!(
            (e.starts_at, e.ends_at),
            (1_797_080_400, Some(1_797_091_200))
        );
        assert_eq!(e.place, "Town hall, 1 Main St, Lyon");
        assert_eq!(e.zone, "Europe/Paris");
        assert!(
            read.summary.is_empty(),
            "an event's summary is no content warning"
        );
        assert!(
            read.content_html.starts_with("<p>📅 <strong>Repair café</strong><br>Sat 12 Dec 2026, 14:00 (Europe/Paris)<br>📍 Town hall, 1 Main St, Lyon</p>"),
            "{}",
            read.content_html
        );
        // (what differs, what is read)
        let unknown_zone = event(json!({ "timezone": "Mars/Olympus" })).unwrap();
        assert_eq!(unknown_zone.event.unwrap().zone, "UTC");
        let backwards = event(json!({ "endTime": "2026-12-12T10:00:00+01:00" })).unwrap();
        assert_eq!(backwards.event.unwrap().ends_at, None);
        let as_text = event(json!({ "location": "The park" })).unwrap();
        assert_eq!(as_text.event.unwrap().place, "The park");
        let no_time = event(json!({ "startTime": null })).unwrap();
        assert!(no_time.event.is_none(), "an event that does not say when");
        assert!(
            no_time.content_html.ends_with(
                "<p><a href=\"https://mobilizon.example/events/1\">https://mobilizon.example/events/1</a></p>"
            ),
            "is shown with a link to the original: {}",
            no_time.content_html
        );
    }

    /// (what a server sends beside a Note's id and author, what the camp reads of it).
    #[test]
    fn other_servers_shapes_are_read_as_meant() {
        let read = |extra: serde_json::Value| {
            let mut doc = json!({
                "id": "https://o.example/objects/1",
                "type": "Note",
                "attributedTo": "https://o.example/users/bo",
            });
            for (k, v) in extra.as_object().unwrap() {
                doc[k] = v.clone();
            }
            RemoteNote::from_json(&doc).unwrap_or_else(|e| panic!("{extra}: {}", e.0))
        };
        // Sensitivity: the object's own, or any attachment's.
        let image = json!({ "type": "Image", "url": "https://o.example/a.png" });
        let mut marked = image.clone();
        marked["sensitive"] = true.into();
        assert!(read(json!({ "content": "x", "sensitive": true })).sensitive);
        assert!(read(json!({ "content": "x", "attachment": marked })).sensitive);
        assert!(read(json!({ "content": "x", "attachment": [image.clone(), marked] })).sensitive);
        assert!(!read(json!({ "content": "x", "attachment": image })).sensitive);
        // Its page is on its own server, or it is its id.
        assert_eq!(
            read(json!({ "content": "x", "url": "https://o.example/@bo/1" })).url,
            "https://o.example/@bo/1"
        );
        assert_eq!(
            read(json!({ "content": "x", "url": "https://elsewhere.example/x" })).url,
            "https://o.example/objects/1"
        );
        assert_eq!(
            read(json!({ "content": "x", "url": ["https://elsewhere.example/x", "https://o.example/p/1"] })).url,
            "https://o.example/objects/1",
            "the first url is the one, as Mastodon reads it"
        );
        // Language and text from contentMap.
        let only_map = read(json!({ "contentMap": { "de": "<p>Hallo</p>" } }));
        assert_eq!(
            (only_map.content_html.as_str(), only_map.language.as_deref()),
            ("<p>Hallo</p>", Some("de"))
        );
        let both =
            read(json!({ "content": "hello", "contentMap": { "de": "hallo", "en": "hello" } }));
        assert_eq!(
            (both.content_html.as_str(), both.language.as_deref()),
            ("hello", Some("en"))
        );
        let one = read(json!({ "content": "hi", "contentMap": { "de": "Hallo" } }));
        assert_eq!(one.language.as_deref(), Some("de"), "its only language");
        let unknown =
            read(json!({ "content": "hi", "contentMap": { "de": "Hallo", "en": "Hello" } }));
        assert_eq!(unknown.language, None, "which one is not known");
        assert_eq!(read(json!({ "content": "x" })).language, None);
        assert_eq!(
            read(json!({ "contentMap": { "not a tag!": "x" } })).language,
            None
        );
        // inReplyTo in its legal forms.
        for form in [
            json!("https://p.example/n/1"),
            json!({ "type": "Note", "id": "https://p.example/n/1" }),
            json!({ "type": "Link", "href": "https://p.example/n/1" }),
            json!(["https://p.example/n/1", "https://p.example/n/2"]),
            json!([{ "type": "Link", "href": "https://p.example/n/1" }]),
        ] {
            let note = read(json!({ "content": "x", "inReplyTo": form.clone() }));
            assert_eq!(
                note.in_reply_to.as_deref(),
                Some("https://p.example/n/1"),
                "{form}"
            );
        }
        assert_eq!(
            read(json!({ "content": "x", "inReplyTo": "javascript:x" })).in_reply_to,
            None
        );
        // Attachments as Links, by href, and without a media type.
        let link = read(
            json!({ "content": "x", "attachment": { "type": "Link", "href": "https://o.example/v.mp4" } }),
        );
        assert_eq!(
            (
                link.attachments[0].url.as_str(),
                link.attachments[0].media_type.as_str()
            ),
            ("https://o.example/v.mp4", "video/*")
        );
        let doc = read(
            json!({ "content": "x", "attachment": { "type": "Document", "url": "https://o.example/p.JPG?x=1" } }),
        );
        assert_eq!(doc.attachments[0].media_type, "image/*");
        // Quotes, in each form; the text names one it does not already link.
        for key in ["quote", "quoteUrl", "quoteUri", "_misskey_quote"] {
            let mut extra = json!({ "content": "look" });
            extra[key] = "https://q.example/n/7".into();
            let q = read(extra);
            assert_eq!(q.quote.as_deref(), Some("https://q.example/n/7"), "{key}");
        }
        let listed =
            read(json!({ "content": "x", "quote": ["javascript:x", "https://q.example/n/8"] }));
        assert_eq!(
            listed.quote.as_deref(),
            Some("https://q.example/n/8"),
            "the first http(s) one"
        );
        let fep = read(json!({
            "content": "look <a href=\"https://q.example/n/7\">RE: https://q.example/n/7</a>",
            "tag": [{ "type": "Link", "mediaType": "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", "href": "https://q.example/n/7" }],
        }));
        assert_eq!(fep.quote.as_deref(), Some("https://q.example/n/7"));
    }

    /// A PeerTube video: its title, its text, its file, and a link to its page; its summary is
    /// no content warning.
    #[test]
    fn videos_audio_images_and_documents_are_read_as_posts() {
        let video = json!({
            "id": "https://tube.example/videos/watch/1",
            "type": "Video",
            "attributedTo": "https://tube.example/accounts/bo",
            "name": "Boat <building>",
            "content": "<p>Day 3</p>",
            "summary": "a summary",
            "url": [
                { "type": "Link", "mediaType": "text/html", "href": "https://tube.example/w/1" },
                { "type": "Link", "mediaType": "video/mp4", "href": "https://tube.example/f/1-720.mp4", "height": 720, "width": 1280 },
            ],
        });
        let read = RemoteNote::from_json(&video).unwrap();
        assert_eq!(
            read.content_html,
            "<p><strong>Boat &lt;building&gt;</strong></p><p>Day 3</p><p><a href=\"https://tube.example/w/1\">https://tube.example/w/1</a></p>"
        );
        assert_eq!(read.url, "https://tube.example/w/1");
        assert_eq!(read.summary, "");
        assert_eq!(read.attachments.len(), 1);
        assert_eq!(read.attachments[0].url, "https://tube.example/f/1-720.mp4");
        assert_eq!(
            (read.attachments[0].width, read.attachments[0].height),
            (1280, 720)
        );
        for kind in ["Audio", "Image", "Document"] {
            let mut other = video.clone();
            other["type"] = kind.into();
            let read = RemoteNote::from_json(&other).unwrap();
            assert!(read.content_html.contains("Day 3"), "{kind}");
            assert!(
                read.attachments.is_empty(),
                "{kind}: the mp4 is not its media"
            );
        }
        for kind in ["Place", "Profile", "Relationship", "Tombstone", ""] {
            let mut other = video.clone();
            other["type"] = kind.into();
            assert!(
                RemoteNote::from_json(&other).is_err(),
                "{kind:?} is not a post"
            );
        }
    }

    #[test]
    fn a_pictures_blurhash_and_size_are_taken_only_when_sensible() {
        // (blurhash sent, width sent) → (kept, width)
        let cases = [
            (
                json!("LEHV6nWB2yk8pyo0adR*.7kCMdnj"),
                json!(640),
                ("LEHV6nWB2yk8pyo0adR*.7kCMdnj", 640),
            ),
            (json!("<script>"), json!(640), ("", 640)),
            (json!("abc"), json!(-5), ("", 0)),
            (json!(42), json!(1_000_000), ("", 0)),
            (json!(null), json!("640"), ("", 0)),
        ];
        for (blurhash, width, (kept, kept_width)) in cases {
            let item = json!({ "type": "Document", "url": "https://elsewhere.example/a.jpg",
                               "blurhash": blurhash, "width": width, "height": 480 });
            let got = &attachments(&json!({ "attachment": [item] }))[0];
            assert_eq!(
                (got.blurhash.as_str(), got.width, got.height),
                (kept, kept_width, 480)
            );
        }
    }

    #[test]
    fn webfinger_answers_name_the_activitypub_profile() {
        let cases = [
            (
                json!({"links": [
                    {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": "https://a.example/@x"},
                    {"rel": "self", "type": "application/activity+json", "href": "https://a.example/users/x"}
                ]}),
                Some("https://a.example/users/x"),
            ),
            (
                json!({"links": [{"rel": "self", "type": "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"", "href": "https://b.example/u/x"}]}),
                Some("https://b.example/u/x"),
            ),
            (
                json!({"links": [{"rel": "self", "type": "text/html", "href": "https://a.example/@x"}]}),
                None,
            ),
            (
                json!({"links": [{"rel": "self", "type": "application/activity+json"}]}),
                None,
            ),
            (json!({"links": {"rel": "self"}}), None),
            (json!([]), None),
        ];
        for (jrd, expected) in cases {
            assert_eq!(webfinger_profile(&jrd), expected, "{jrd}");
        }
    }

    #[test]
    fn deep_or_huge_or_odd_json_is_refused() {
        let deep = "[".repeat(40) + &"]".repeat(40);
        assert!(
            parse_json(deep.as_bytes())
                .unwrap_err()
                .0
                .contains("deeply")
        );
        // Brackets inside strings do not count.
        let fine = format!("{{\"a\":\"{}\"}}", "[".repeat(100));
        assert!(parse_json(fine.as_bytes()).is_ok());
        assert!(parse_json(&vec![b' '; MAX_DOCUMENT_BYTES + 1]).is_err());
        assert!(parse_json(b"[1]").is_err());
        assert!(parse_json(b"{\"a\":").is_err());
    }

    #[test]
    fn origins_and_hosts() {
        assert_eq!(
            origin("https://A.example/x").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            host("http://127.0.0.1:8080/users/a").as_deref(),
            Some("127.0.0.1:8080")
        );
        assert!(same_origin(
            "https://a.example/x",
            "https://a.example:443/y"
        ));
        assert!(!same_origin(
            "https://a.example/x",
            "https://a.example.evil/x"
        ));
        assert!(!same_origin("https://a.example/x", "http://a.example/x"));
        assert_eq!(origin("file:///etc/passwd"), None);
    }

    fn actor() -> Value {
        json!({
            "id": "https://o.example/users/bo",
            "type": "Person",
            "preferredUsername": "bo",
            "inbox": "https://o.example/users/bo/inbox",
            "endpoints": { "sharedInbox": "https://o.example/inbox" },
            "publicKey": {
                "id": "https://o.example/users/bo#main-key",
                "owner": "https://o.example/users/bo",
                "publicKeyPem": "-----BEGIN PUBLIC KEY-----"
            }
        })
    }

    #[test]
    fn actors_must_speak_only_for_their_own_origin() {
        let a = RemoteActor::from_json(&actor(), "https://o.example/users/bo").unwrap();
        assert_eq!(a.shared_inbox.as_deref(), Some("https://o.example/inbox"));
        assert_eq!(a.url, "https://o.example/users/bo");
        // Fetched from elsewhere (a redirect to another server, or an uploaded file).
        assert!(RemoteActor::from_json(&actor(), "https://evil.example/media/x.json").is_err());
        // A key owned by someone else.
        let mut wrong_owner = actor();
        wrong_owner["publicKey"]["owner"] = "https://o.example/users/other".into();
        assert!(RemoteActor::from_json(&wrong_owner, "https://o.example/users/bo").is_err());
        let mut foreign_key = actor();
        foreign_key["publicKey"]["id"] = "https://evil.example/key".into();
        assert!(RemoteActor::from_json(&foreign_key, "https://o.example/users/bo").is_err());
        // An inbox elsewhere is refused; a shared inbox elsewhere is not used.
        let mut foreign_inbox = actor();
        foreign_inbox["inbox"] = "https://evil.example/users/bo/inbox".into();
        assert!(RemoteActor::from_json(&foreign_inbox, "https://o.example/users/bo").is_err());
        let mut foreign_shared = actor();
        foreign_shared["endpoints"]["sharedInbox"] = "https://evil.example/inbox".into();
        let a = RemoteActor::from_json(&foreign_shared, "https://o.example/users/bo").unwrap();
        assert_eq!(a.shared_inbox, None);
        let mut not_actor = actor();
        not_actor["type"] = "Note".into();
        assert!(RemoteActor::from_json(&not_actor, "https://o.example/users/bo").is_err());
    }

    #[test]
    fn notes_are_read_from_any_shape() {
        let note = json!({
            "id": "https://o.example/notes/1",
            "type": "Note",
            "attributedTo": [{ "id": "https://o.example/users/bo", "type": "Person" }],
            "content": "<p>hi</p>",
            "to": "https://www.w3.org/ns/activitystreams#Public",
            "cc": ["https://o.example/users/bo/followers"],
            "tag": { "type": "Mention", "href": "https://camp.example/users/ana" },
            "inReplyTo": { "id": "https://camp.example/posts/3" },
            "published": "2026-09-21T14:13:20Z",
            "url": { "type": "Link", "href": "https://o.example/@bo/1" }
        });
        let n = RemoteNote::from_json(&note).unwrap();
        assert_eq!(n.attributed_to, "https://o.example/users/bo");
        assert_eq!(n.mentions, vec!["https://camp.example/users/ana"]);
        assert_eq!(
            n.in_reply_to.as_deref(),
            Some("https://camp.example/posts/3")
        );
        assert_eq!(n.to.len(), 1);
        assert_eq!(n.url, "https://o.example/@bo/1");
        assert_eq!(n.published, Some(1_790_000_000));
        let mut spoofed = note.clone();
        spoofed["id"] = "https://evil.example/notes/1".into();
        assert!(RemoteNote::from_json(&spoofed).is_err());
        let mut place = note;
        place["type"] = "Place".into();
        assert!(RemoteNote::from_json(&place).is_err());
    }

    #[test]
    fn polls_and_votes() {
        // A closed many-choice Question as Mastodon sends it when the poll ended.
        let question = json!({
            "id": "https://o.example/users/bo/statuses/5",
            "type": "Question",
            "attributedTo": "https://o.example/users/bo",
            "content": "<p>snacks?</p>",
            "endTime": "2026-09-21T14:13:20Z",
            "closed": "2026-09-21T14:13:20Z",
            "votersCount": 4,
            "anyOf": [
                { "type": "Note", "name": "chips", "replies": { "type": "Collection", "totalItems": 3 } },
                { "type": "Note", "name": "fruit", "replies": { "totalItems": -2 } },
                { "type": "Note" },
            ],
        });
        let poll = RemoteNote::from_json(&question).unwrap().poll.unwrap();
        assert_eq!(poll.options, vec![("chips".into(), 3), ("fruit".into(), 0)]);
        assert!(poll.multiple && poll.closed);
        assert_eq!((poll.end_time, poll.voters), (Some(1_790_000_000), 4));
        // A hostile one is cut to twenty options; one with no options is no poll.
        let mut many = question.clone();
        many["anyOf"] = (0..500)
            .map(|i| json!({ "name": format!("o{i}") }))
            .collect();
        let poll = RemoteNote::from_json(&many).unwrap().poll.unwrap();
        assert_eq!(
            poll.options.len(),
            porchlight_core::polls::MAX_REMOTE_OPTIONS
        );
        let mut empty = question.clone();
        empty["anyOf"] = json!([]);
        assert_eq!(RemoteNote::from_json(&empty).unwrap().poll, None);

        // Mastodon's vote: a Note named by the option, no content, in reply to the Question.
        let vote = json!({
            "id": "https://o.example/users/bo#votes/12",
            "type": "Note",
            "name": "coffee",
            "attributedTo": "https://o.example/users/bo",
            "inReplyTo": "https://camp.example/posts/3",
            "to": "https://camp.example/users/ana",
        });
        let read = RemoteNote::from_json(&vote).unwrap();
        assert_eq!(read.vote.as_deref(), Some("coffee"));
        assert_eq!(read.poll, None);
        // A named note with words, or answering nothing, is a post.
        let mut worded = vote.clone();
        worded["content"] = "<p>I pick coffee</p>".into();
        assert_eq!(RemoteNote::from_json(&worded).unwrap().vote, None);
        let mut alone = vote;
        alone.as_object_mut().unwrap().remove("inReplyTo");
        assert_eq!(RemoteNote::from_json(&alone).unwrap().vote, None);
    }
}
