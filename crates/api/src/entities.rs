//! The JSON entities of the Mastodon API, built from the camp's own views. Field names and
//! types follow Mastodon's documentation, and every value is computed from what is stored;
//! where Porchlight has nothing of a kind yet (custom emojis, polls, cards), the field is
//! present and empty, since apps read it unconditionally.

use porchlight_app::db::accounts::Member;
use porchlight_app::db::federation::{RemoteAccount, RemoteNumbers};
use porchlight_app::db::timeline::{self, Author, Details, PostView};
use porchlight_app::{App, AppError};
use porchlight_core::AccountId;
use porchlight_core::audience::Audience;
use serde::Serialize;
use serde_json::{Value, json};

/// Mastodon's timestamp form: `2026-11-22T09:00:00.000Z`.
pub fn timestamp(t: i64) -> String {
    // One way of writing times: the one statuses use as they are serialized.
    Text::Time(t).to_string()
}

/// The picture apps show for people who have none (the web UI shows their initial instead).
pub fn default_avatar(base: &str) -> String {
    format!("{base}/static/avatar.png")
}

/// Where the header of someone without one is (a see-through pixel): an address, as Mastodon
/// gives, since some apps cannot read an account whose header is empty.
const DEFAULT_HEADER: &str = "/static/header.png";

/// A member's avatar: the one they chose, or the one drawn from their name (the same rule as
/// the pages').
pub fn member_avatar(base: &str, m: &Member) -> String {
    format!(
        "{base}{}",
        porchlight_core::look::avatar_path(m.avatar.as_deref(), &m.username)
    )
}

/// The visibility apps see. A camp-only post is `private` (apps show a lock and offer no
/// boost to the world) with `local_only: true` for the apps that know the glitch-soc/Hometown
/// field; never `public`, which would tell an app that does not know `local_only` that anyone
/// can read it. A neighborhood post is `private` too, with `neighborhood: true`: an app that
/// knows neither field shows a lock, offers no boost, and its reply (`private`, the lock) stays
/// in the neighborhood (`core::audience::from_app`).
pub fn visibility(audience: Audience) -> &'static str {
    match audience {
        Audience::Public => "public",
        Audience::Unlisted => "unlisted",
        Audience::Followers | Audience::Local | Audience::Neighborhood => "private",
        Audience::Direct => "direct",
    }
}

/// A member of this camp as an Account. `counts` is followers, following, posts; `emojis` the
/// camp emoji their name and bio use.
pub fn member_account(
    base: &str,
    m: &Member,
    counts: (u32, u32, i64),
    emojis: &[porchlight_core::views::Emoji],
) -> Value {
    let note = if m.bio.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", porchlight_core::text::escape_html(&m.bio))
    };
    json!({
        "id": m.id.to_string(),
        "username": m.username,
        "acct": m.username,
        "display_name": m.display_name,
        "locked": false,
        "bot": false,
        "discoverable": false,
        "indexable": false,
        "group": false,
        "created_at": timestamp(m.created_at - m.created_at % 86_400),
        "note": note,
        "url": format!("{base}/@{}", m.username),
        "uri": format!("{base}/users/{}", m.username),
        "avatar": member_avatar(base, m),
        "avatar_static": member_avatar(base, m),
        "header": format!("{base}{}", m.header.as_deref().unwrap_or(DEFAULT_HEADER)),
        "header_static": format!("{base}{}", m.header.as_deref().unwrap_or(DEFAULT_HEADER)),
        "followers_count": counts.0,
        "following_count": counts.1,
        "statuses_count": counts.2,
        "last_status_at": null,
        "hide_collections": false,
        "noindex": true,
        "emojis": emojis.iter().map(|e| to_json(&CustomEmoji::at(base, &e.shortcode, &e.proxy, false))).collect::<Vec<Value>>(),
        "roles": [],
        "fields": if m.who_i_am.is_empty() { json!([]) } else {
            json!([{ "name": "Who I am", "value": porchlight_core::text::escape_html(&m.who_i_am), "verified_at": null }])
        },
    })
}

/// An id as Mastodon sends it: a string of digits, written without an intermediate `String`.
fn id_text<S: serde::Serializer>(id: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(id)
}

fn optional_id_text<S: serde::Serializer>(id: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match id {
        Some(id) => s.collect_str(id),
        None => s.serialize_none(),
    }
}

/// Nothing of a kind Porchlight has none of yet (custom emojis, profile fields): `[]`.
type Nothing = [u8; 0];

/// A string of an entity, made of the pieces it is written from when the answer is written
/// (a page of statuses would otherwise format a few hundred addresses and times into strings
/// only to copy them out again).
#[derive(Clone, Debug)]
enum Text<'a> {
    Str(&'a str),
    Owned(String),
    /// `base` `middle` `tail`: `https://camp.example` `/@` `ana`.
    Join(&'a str, &'static str, &'a str),
    /// `base` `middle` `number`: `https://camp.example` `/posts/` `41`.
    Numbered(&'a str, &'static str, i64),
    /// `name@server`.
    Handle(&'a str, &'a str),
    /// The avatar drawn for a handle: `base` `/avatars/` `name` [`@server`] `.png`.
    Generated(&'a str, &'a str, Option<&'a str>),
    /// A time as Mastodon writes it (see [`timestamp`]).
    Time(i64),
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Text::Str(s) => f.write_str(s),
            Text::Owned(s) => f.write_str(s),
            Text::Join(a, b, c) => {
                f.write_str(a)?;
                f.write_str(b)?;
                f.write_str(c)
            }
            Text::Numbered(a, b, n) => write!(f, "{a}{b}{n}"),
            Text::Handle(name, server) => write!(f, "{name}@{server}"),
            Text::Generated(base, name, None) => write!(f, "{base}/avatars/{name}.png"),
            Text::Generated(base, name, Some(server)) => {
                write!(f, "{base}/avatars/{name}@{server}.png")
            }
            Text::Time(t) => {
                let t = time::OffsetDateTime::from_unix_timestamp(*t)
                    .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
                write!(
                    f,
                    "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z",
                    t.year(),
                    u8::from(t.month()),
                    t.day(),
                    t.hour(),
                    t.minute(),
                    t.second()
                )
            }
        }
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An Account of someone known only by a name, addresses and a picture: the one shape behind
/// `remote_account` and `author_account`. (Their counts live on their own server, or for a
/// post's author on their profile: 0 here.) Typed, so that a page of statuses is written
/// straight to bytes.
#[derive(Clone, Debug, Serialize)]
pub struct Account<'a> {
    #[serde(serialize_with = "id_text")]
    id: AccountId,
    username: &'a str,
    acct: Text<'a>,
    display_name: &'a str,
    locked: bool,
    bot: bool,
    discoverable: bool,
    group: bool,
    created_at: Text<'a>,
    note: &'a str,
    url: Text<'a>,
    uri: Text<'a>,
    avatar: Text<'a>,
    avatar_static: Text<'a>,
    header: Text<'a>,
    header_static: Text<'a>,
    followers_count: i64,
    following_count: i64,
    statuses_count: i64,
    last_status_at: Option<()>,
    emojis: Vec<CustomEmoji<'a>>,
    fields: Nothing,
}

/// What `Account` needs to know of someone.
struct Known<'a> {
    id: AccountId,
    username: &'a str,
    acct: Text<'a>,
    display_name: &'a str,
    note: &'a str,
    url: Text<'a>,
    uri: Text<'a>,
    avatar: Text<'a>,
    /// What their server says of them (members' posts' authors: their profile says it; 0 here).
    numbers: RemoteNumbers,
    /// Custom emoji their name and bio use (pointed at this camp's copies).
    emojis: &'a [porchlight_core::views::Emoji],
    base: &'a str,
}

fn known_account(k: Known) -> Account {
    Account {
        id: k.id,
        username: k.username,
        acct: k.acct,
        display_name: k.display_name,
        locked: false,
        bot: false,
        discoverable: false,
        group: false,
        // Mastodon gives the day an account was made, at midnight.
        created_at: Text::Time(k.numbers.since - k.numbers.since.rem_euclid(86_400)),
        note: k.note,
        url: k.url,
        uri: k.uri,
        avatar_static: k.avatar.clone(),
        avatar: k.avatar,
        header: Text::Join(k.base, "", DEFAULT_HEADER),
        header_static: Text::Join(k.base, "", DEFAULT_HEADER),
        followers_count: k.numbers.followers.unwrap_or(0),
        following_count: k.numbers.following.unwrap_or(0),
        statuses_count: k.numbers.statuses.unwrap_or(0),
        last_status_at: None,
        emojis: k
            .emojis
            .iter()
            .filter(|e| !e.proxy.is_empty())
            .map(|e| CustomEmoji::at(k.base, &e.shortcode, &e.proxy, false))
            .collect(),
        fields: [],
    }
}

fn to_json(entity: &impl Serialize) -> Value {
    // Serializing plain structs of strings, numbers and options cannot fail.
    serde_json::to_value(entity).unwrap_or(Value::Null)
}

/// Someone on another server as an Account: `acct` is `name@server`, the addresses are theirs,
/// and their picture comes through the camp's proxy (`avatar`, a path here).
pub fn remote_account(
    base: &str,
    a: &RemoteAccount,
    avatar: Option<&str>,
    emojis: &[porchlight_core::views::Emoji],
) -> Value {
    to_json(&known_account(Known {
        id: a.id,
        username: &a.username,
        acct: Text::Handle(&a.username, &a.domain),
        display_name: &a.display_name,
        note: &a.bio,
        url: Text::Str(&a.url),
        uri: Text::Str(&a.uri),
        avatar: match avatar {
            Some(path) => Text::Join(base, "", path),
            None => Text::Generated(base, &a.username, Some(&a.domain)),
        },
        numbers: a.numbers,
        emojis,
        base,
    }))
}

/// The author of a post as an Account (a member, or someone elsewhere, whose addresses are in
/// `details`).
pub fn author_account(base: &str, a: &Author, details: &Details) -> Value {
    to_json(&author(base, a, details))
}

fn author<'a>(base: &'a str, a: &'a Author, details: &'a Details) -> Account<'a> {
    let (uri, url, numbers) = match (&a.domain, details.addresses.get(&a.id)) {
        (None, _) => (
            Text::Join(base, "/users/", &a.username),
            Text::Join(base, "/@", &a.username),
            RemoteNumbers::default(),
        ),
        (Some(_), Some(there)) => (Text::Str(&there.uri), Text::Str(&there.url), there.numbers),
        // (Every account from elsewhere is stored with its actor id; this is a fallback.)
        (Some(domain), None) => (
            Text::Owned(format!("https://{domain}/users/{}", a.username)),
            Text::Owned(format!("https://{domain}/@{}", a.username)),
            RemoteNumbers::default(),
        ),
    };
    known_account(Known {
        id: a.id,
        username: &a.username,
        acct: match &a.domain {
            Some(domain) => Text::Handle(&a.username, domain),
            None => Text::Str(&a.username),
        },
        display_name: &a.display_name,
        note: "",
        url,
        uri,
        avatar: if a.avatar_proxy.is_empty() {
            Text::Generated(base, &a.username, a.domain.as_deref())
        } else {
            Text::Join(base, "", &a.avatar_proxy)
        },
        numbers,
        emojis: &a.emojis,
        base,
    })
}

/// Posts ready to be written as statuses: their pictures from elsewhere through the camp's
/// proxy, and what they hold beyond the page's HTML (mentions, tags, whose post they answer,
/// the viewer's pins, where their authors live) read for the whole list at once.
pub struct Statuses {
    base: String,
    posts: Vec<PostView>,
    details: Details,
    /// What the viewer's filters found, by post.
    filtered: std::collections::HashMap<i64, Vec<Value>>,
}

impl Statuses {
    pub fn read(app: &App, base: &str, posts: Vec<PostView>) -> Result<Statuses, AppError> {
        let details = app.read(|c| details_of(c, &posts))?;
        Ok(Statuses::with_details(app, base, posts, details))
    }

    /// Posts whose details were read already (with the page, in the same snapshot).
    pub fn with_details(
        app: &App,
        base: &str,
        mut posts: Vec<PostView>,
        details: Details,
    ) -> Statuses {
        for post in &mut posts {
            app.proxy_media(post);
        }
        Statuses {
            base: base.to_string(),
            posts,
            details,
            filtered: Default::default(),
        }
    }

    /// Says what the viewer's filters found in the posts (`filtered` on their statuses).
    pub fn with_filter_results(
        mut self,
        filtered: std::collections::HashMap<i64, Vec<Value>>,
    ) -> Statuses {
        self.filtered = filtered;
        self
    }

    /// The Status of each post, in order.
    pub fn entities(&self) -> Vec<Status<'_>> {
        self.posts
            .iter()
            .map(|p| {
                let mut s = status(&self.base, p, &self.details);
                if let Some(found) = self.filtered.get(&p.id) {
                    s.filtered = found.clone();
                }
                s
            })
            .collect()
    }
}

/// What statuses need of `posts` beyond the posts themselves (see `timeline::details`).
pub fn details_of(
    conn: &porchlight_app::db::Connection,
    posts: &[PostView],
) -> porchlight_app::db::Result<Details> {
    let ids: Vec<_> = posts.iter().map(|p| p.id).collect();
    let accounts: Vec<(AccountId, bool)> = posts
        .iter()
        .flat_map(|p| std::iter::once(&p.author).chain(p.boosted_by.as_ref()))
        .map(|a| (a.id, a.domain.is_some()))
        .collect();
    timeline::details(conn, &ids, &accounts)
}

/// Posts as statuses (as their reader sees them), as JSON values (for answers that add to them; a list is
/// written straight from [`Statuses::entities`]).
pub fn statuses(app: &App, base: &str, posts: Vec<PostView>) -> Result<Vec<Value>, AppError> {
    let read = Statuses::read(app, base, posts)?;
    Ok(read.entities().iter().map(to_json).collect())
}

/// Mastodon 4.4's ShallowQuote: the quoted post by its id here (null when the camp does not
/// have it, or its author could not see it; the text still links to it, as Mastodon writes for
/// readers that show no quotes).
#[derive(Clone, Debug, Serialize)]
pub struct ShallowQuote {
    state: &'static str,
    #[serde(serialize_with = "optional_id_text")]
    quoted_status_id: Option<i64>,
}

/// A Status.
#[derive(Clone, Debug, Serialize)]
pub struct Status<'a> {
    #[serde(serialize_with = "id_text")]
    id: i64,
    uri: Text<'a>,
    url: Text<'a>,
    created_at: Text<'a>,
    edited_at: Option<Text<'a>>,
    account: Account<'a>,
    content: &'a str,
    visibility: &'static str,
    local_only: bool,
    neighborhood: bool,
    sensitive: bool,
    spoiler_text: &'a str,
    media_attachments: Vec<Value>,
    application: Option<()>,
    mentions: Vec<Mention<'a>>,
    tags: Vec<Tag<'a>>,
    emojis: Vec<CustomEmoji<'a>>,
    reblogs_count: i64,
    favourites_count: i64,
    replies_count: i64,
    #[serde(serialize_with = "optional_id_text")]
    in_reply_to_id: Option<i64>,
    #[serde(serialize_with = "optional_id_text")]
    in_reply_to_account_id: Option<i64>,
    reblog: Option<Box<Status<'a>>>,
    poll: Option<Poll>,
    card: Option<PreviewCard<'a>>,
    language: Option<&'a str>,
    /// The post it quotes, as Mastodon 4.4 shapes a quote whose post is given by id.
    quote: Option<ShallowQuote>,
    text: Option<()>,
    favourited: bool,
    reblogged: bool,
    muted: bool,
    bookmarked: bool,
    pinned: bool,
    /// What the viewer's filters found in it (set by the list that shows it).
    filtered: Vec<Value>,
}

#[derive(Clone, Debug, Serialize)]
struct Mention<'a> {
    #[serde(serialize_with = "id_text")]
    id: AccountId,
    username: &'a str,
    url: Text<'a>,
    acct: Text<'a>,
}

/// A custom emoji as apps draw it (`url` is this camp's copy).
#[derive(Clone, Debug, Serialize)]
pub struct CustomEmoji<'a> {
    shortcode: &'a str,
    url: Text<'a>,
    static_url: Text<'a>,
    visible_in_picker: bool,
    category: Option<()>,
}

impl<'a> CustomEmoji<'a> {
    /// One at `path` on this camp; `in_picker` for the camp's own list.
    pub fn at(base: &'a str, shortcode: &'a str, path: &'a str, in_picker: bool) -> Self {
        CustomEmoji {
            shortcode,
            url: Text::Join(base, "", path),
            static_url: Text::Join(base, "", path),
            visible_in_picker: in_picker,
            category: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
struct Tag<'a> {
    name: &'a str,
    url: Text<'a>,
}

/// A poll (its id is its post's). `voted` is true for its author, as on Mastodon (the author
/// sees the results); null for a reader who is not signed in.
#[derive(Clone, Debug, Serialize)]
struct Poll {
    #[serde(serialize_with = "id_text")]
    id: i64,
    expires_at: Option<Text<'static>>,
    expired: bool,
    multiple: bool,
    votes_count: i64,
    voters_count: i64,
    options: Vec<PollOption>,
    emojis: Nothing,
    voted: Option<bool>,
    own_votes: Option<Vec<usize>>,
}

#[derive(Clone, Debug, Serialize)]
struct PollOption {
    title: String,
    votes_count: i64,
}

fn poll_entity(p: &PostView, poll: &porchlight_core::views::Poll) -> Poll {
    let signed_in = p.viewer.is_member;
    Poll {
        id: p.id,
        expires_at: poll.expires_at.map(Text::Time),
        expired: poll.ended,
        multiple: poll.multiple,
        votes_count: poll.votes(),
        voters_count: poll.voters,
        options: poll
            .options
            .iter()
            .map(|(title, votes)| PollOption {
                title: title.clone(),
                votes_count: *votes,
            })
            .collect(),
        emojis: [],
        voted: signed_in.then_some(p.viewer.is_author || !poll.own_votes.is_empty()),
        own_votes: signed_in.then(|| poll.own_votes.clone()),
    }
}

/// A link's preview as a PreviewCard (its picture through the camp's proxy).
#[derive(Clone, Debug, Serialize)]
struct PreviewCard<'a> {
    url: &'a str,
    title: &'a str,
    description: &'a str,
    language: Option<()>,
    #[serde(rename = "type")]
    kind: &'static str,
    author_name: &'static str,
    author_url: &'static str,
    provider_name: &'a str,
    provider_url: &'static str,
    html: &'static str,
    width: u32,
    height: u32,
    image: Option<String>,
    image_description: &'static str,
    embed_url: &'static str,
    blurhash: Option<()>,
    published_at: Option<()>,
    authors: Nothing,
}

fn card<'a>(base: &str, c: &'a porchlight_core::views::Card) -> PreviewCard<'a> {
    PreviewCard {
        url: &c.url,
        title: &c.title,
        description: &c.description,
        language: None,
        kind: "link",
        author_name: "",
        author_url: "",
        provider_name: &c.site,
        provider_url: "",
        html: "",
        width: 0,
        height: 0,
        image: (!c.image_proxy.is_empty()).then(|| format!("{base}{}", c.image_proxy)),
        image_description: "",
        embed_url: "",
        blurhash: None,
        published_at: None,
        authors: [],
    }
}

/// A post as a Status. A boost is a status whose `reblog` is the boosted post; the outer status
/// is the booster's, with nothing of the post's own mentions, tags or reply.
pub fn status<'a>(base: &'a str, p: &'a PostView, details: &'a Details) -> Status<'a> {
    let inner = post_status(base, p, details);
    match &p.boosted_by {
        None => inner,
        Some(booster) => Status {
            id: p.row_id,
            account: author(base, booster, details),
            content: "",
            mentions: Vec::new(),
            tags: Vec::new(),
            in_reply_to_id: None,
            in_reply_to_account_id: None,
            pinned: false,
            poll: None,
            card: None,
            media_attachments: Vec::new(),
            emojis: Vec::new(),
            reblog: Some(Box::new(inner.clone())),
            ..inner
        },
    }
}

fn post_status<'a>(base: &'a str, p: &'a PostView, details: &'a Details) -> Status<'a> {
    // A post here has one address, for its page and its ActivityPub document alike; a post
    // from elsewhere has its id (`uri`, what other servers and apps match it by) and its page.
    let address = match &p.remote_url {
        Some(url) => Text::Str(url),
        None => Text::Numbered(base, "/posts/", p.id),
    };
    let id_address = match (&p.remote_id, &p.remote_url) {
        (Some(id), _) => Text::Str(id),
        (None, Some(url)) => Text::Str(url),
        (None, None) => Text::Numbered(base, "/posts/", p.id),
    };
    let media: Vec<Value> = p
        .media
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if let Some(upload) = &m.upload {
                return crate::media::attachment(base, upload);
            }
            let kind = match m.media_type.split('/').next() {
                Some("image") => "image",
                Some("video") => "video",
                Some("audio") => "audio",
                _ => "unknown",
            };
            // A picture through the camp's copies (its small one as the preview); anything
            // else where it is.
            let (shown, preview) = if m.proxy.is_empty() {
                (m.url.clone(), m.url.clone())
            } else {
                (format!("{base}{}", m.proxy), format!("{base}{}/small", m.proxy))
            };
            json!({
                "id": format!("{}-{i}", p.id),
                "type": kind,
                "url": shown,
                "preview_url": preview,
                "remote_url": m.url,
                "description": if m.description.is_empty() { Value::Null } else { Value::String(m.description.clone()) },
                // As its server said them: a blurhash for apps to draw while it loads, its size.
                "blurhash": if m.blurhash.is_empty() { Value::Null } else { Value::String(m.blurhash.clone()) },
                "meta": if m.width == 0 || m.height == 0 { json!({}) } else {
                    let size = |(width, height): (u32, u32)| json!({
                        "width": width,
                        "height": height,
                        "size": format!("{width}x{height}"),
                        "aspect": f64::from(width) / f64::from(height),
                    });
                    // The sizes of the files `url` and `preview_url` give: the camp's copies of a
                    // picture, what its server said of anything else.
                    let (original, small) = match m.copy_sizes() {
                        Some(copies) => (copies.large, copies.small),
                        None => ((m.width, m.height), (m.width, m.height)),
                    };
                    json!({ "original": size(original), "small": size(small) })
                },
            })
        })
        .collect();
    let mentions = details
        .mentions
        .get(&p.id)
        .into_iter()
        .flatten()
        .map(|m| match &m.domain {
            None => Mention {
                id: m.id,
                username: &m.username,
                url: Text::Join(base, "/@", &m.username),
                acct: Text::Str(&m.username),
            },
            Some(domain) => Mention {
                id: m.id,
                username: &m.username,
                url: match &m.url {
                    Some(url) => Text::Str(url),
                    None => Text::Owned(format!("https://{domain}/@{}", m.username)),
                },
                acct: Text::Handle(&m.username, domain),
            },
        })
        .collect();
    let tags = details
        .tags
        .get(&p.id)
        .into_iter()
        .flatten()
        .map(|t| Tag {
            name: t,
            url: Text::Join(base, "/tags/", t),
        })
        .collect();
    Status {
        id: p.id,
        uri: id_address,
        url: address,
        created_at: Text::Time(p.created_at),
        edited_at: p.edited_at.map(Text::Time),
        account: author(base, &p.author, details),
        content: &p.html,
        visibility: visibility(p.audience),
        local_only: p.audience == Audience::Local,
        neighborhood: p.audience == Audience::Neighborhood,
        sensitive: p.is_sensitive(),
        spoiler_text: &p.content_warning,
        media_attachments: media,
        application: None,
        mentions,
        tags,
        emojis: p
            .emojis
            .iter()
            .filter(|e| !e.proxy.is_empty())
            .map(|e| CustomEmoji::at(base, &e.shortcode, &e.proxy, false))
            .collect(),
        reblogs_count: p.boost_count,
        favourites_count: p.favourite_count,
        replies_count: p.reply_count,
        in_reply_to_id: p.in_reply_to,
        in_reply_to_account_id: p.replying_to,
        reblog: None,
        poll: p.poll.as_ref().map(|poll| poll_entity(p, poll)),
        card: p.card.as_ref().map(|c| card(base, c)),
        language: p.language.as_deref(),
        // "unauthorized" (Mastodon: not shown to this reader) when the camp does not have it.
        quote: p.quote.as_ref().map(|q| ShallowQuote {
            state: if q.here.is_some() {
                "accepted"
            } else {
                "unauthorized"
            },
            quoted_status_id: q.here,
        }),
        text: None,
        favourited: p.favourited,
        reblogged: p.boosted,
        muted: false,
        bookmarked: p.bookmarked,
        pinned: p.pinned,
        filtered: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use porchlight_app::db::timeline::Mentioned;
    use porchlight_core::audience::Viewer;
    use porchlight_core::views::Media;

    /// A reply by someone elsewhere that has every feature an app draws: a content warning, two
    /// mentions (a member here and someone elsewhere), two tags, a picture, counts, the
    /// viewer's favourite and bookmark. The expected JSON is written by hand, attribute by
    /// attribute, from Mastodon's documentation of the Status entity.
    #[test]
    fn a_status_is_computed_from_the_post_attribute_by_attribute() {
        let base = "https://camp.example";
        let post = PostView {
            row_id: 41,
            boosted_by: None,
            id: 41,
            author: Author {
                id: 7,
                username: "bo".into(),
                display_name: "Bo".into(),
                domain: Some("elsewhere.example".into()),
                avatar_url: Some("https://elsewhere.example/bo.png".into()),
                avatar_proxy: "/media/ab/cd".into(),
                emojis: vec![porchlight_core::views::Emoji {
                    shortcode: "blobcat".into(),
                    url: "https://elsewhere.example/emoji/blobcat.png".into(),
                    proxy: "/media/12/34".into(),
                }],
            },
            audience: Audience::Unlisted,
            html: "<p>hi <a href=\"https://camp.example/@ana\">@ana</a> #fire #camp</p>".into(),
            content_warning: "smoke".into(),
            in_reply_to: Some(40),
            created_at: 1_790_000_000,
            edited_at: Some(1_790_000_060),
            reply_count: 2,
            boost_count: 3,
            favourite_count: 4,
            favourited: true,
            boosted: false,
            bookmarked: true,
            viewer: Viewer::ANONYMOUS,
            remote_url: Some("https://elsewhere.example/@bo/9".into()),
            remote_id: Some("https://elsewhere.example/notes/9".into()),
            sensitive: false,
            language: Some("en".into()),
            quote: Some(porchlight_core::views::Quote {
                uri: "https://elsewhere.example/notes/8".into(),
                here: Some(12),
            }),
            imported: false,
            media: vec![Media {
                url: "https://elsewhere.example/pic.jpg".into(),
                media_type: "image/jpeg".into(),
                description: "a tent".into(),
                proxy: "/media/ef/01".into(),
                upload: None,
                blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj".into(),
                width: 640,
                height: 480,
            }],
            card: None,
            poll: None,
            replying_to: Some(1),
            replying_to_handle: None,
            pinned: false,
            emojis: Vec::new(),
            event: None,
        };
        let mut details = Details::default();
        details.mentions.insert(
            41,
            vec![
                Mentioned {
                    id: 1,
                    username: "ana".into(),
                    domain: None,
                    url: None,
                },
                Mentioned {
                    id: 9,
                    username: "cy".into(),
                    domain: Some("far.example".into()),
                    url: Some("https://far.example/u/cy".into()),
                },
            ],
        );
        details.tags.insert(41, vec!["camp".into(), "fire".into()]);
        details.addresses.insert(
            7,
            porchlight_app::db::timeline::Elsewhere {
                uri: "https://elsewhere.example/actors/bo".into(),
                url: "https://elsewhere.example/@bo".into(),
                // What Bo's server says of Bo.
                numbers: RemoteNumbers {
                    followers: Some(12),
                    following: Some(3),
                    statuses: None,
                    since: 1_790_000_000,
                },
            },
        );
        let expected = json!({
            "id": "41",
            "uri": "https://elsewhere.example/notes/9",
            "url": "https://elsewhere.example/@bo/9",
            "created_at": "2026-09-21T14:13:20.000Z",
            "edited_at": "2026-09-21T14:14:20.000Z",
            "account": {
                "id": "7",
                "username": "bo",
                "acct": "bo@elsewhere.example",
                "display_name": "Bo",
                "locked": false,
                "bot": false,
                "discoverable": false,
                "group": false,
                "created_at": "2026-09-21T00:00:00.000Z",
                "note": "",
                "url": "https://elsewhere.example/@bo",
                "uri": "https://elsewhere.example/actors/bo",
                "avatar": "https://camp.example/media/ab/cd",
                "avatar_static": "https://camp.example/media/ab/cd",
                "header": "https://camp.example/static/header.png",
                "header_static": "https://camp.example/static/header.png",
                "followers_count": 12,
                "following_count": 3,
                "statuses_count": 0,
                "last_status_at": null,
                "emojis": [{
                    "shortcode": "blobcat",
                    "url": "https://camp.example/media/12/34",
                    "static_url": "https://camp.example/media/12/34",
                    "visible_in_picker": false,
                    "category": null,
                }],
                "fields": [],
            },
            "content": "<p>hi <a href=\"https://camp.example/@ana\">@ana</a> #fire #camp</p>",
            "visibility": "unlisted",
            "local_only": false,
            "neighborhood": false,
            "sensitive": true,
            "spoiler_text": "smoke",
            "media_attachments": [{
                "id": "41-0",
                "type": "image",
                "url": "https://camp.example/media/ef/01",
                "preview_url": "https://camp.example/media/ef/01/small",
                "remote_url": "https://elsewhere.example/pic.jpg",
                "description": "a tent",
                "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                "meta": {
                    "original": { "width": 640, "height": 480, "size": "640x480", "aspect": 640.0 / 480.0 },
                    "small": { "width": 640, "height": 480, "size": "640x480", "aspect": 640.0 / 480.0 },
                },
            }],
            "application": null,
            "mentions": [
                { "id": "1", "username": "ana", "url": "https://camp.example/@ana", "acct": "ana" },
                { "id": "9", "username": "cy", "url": "https://far.example/u/cy", "acct": "cy@far.example" },
            ],
            "tags": [
                { "name": "camp", "url": "https://camp.example/tags/camp" },
                { "name": "fire", "url": "https://camp.example/tags/fire" },
            ],
            "emojis": [],
            "reblogs_count": 3,
            "favourites_count": 4,
            "replies_count": 2,
            "in_reply_to_id": "40",
            "in_reply_to_account_id": "1",
            "reblog": null,
            "poll": null,
            "card": null,
            "language": "en",
            "quote": { "state": "accepted", "quoted_status_id": "12" },
            "text": null,
            "favourited": true,
            "reblogged": false,
            "muted": false,
            "bookmarked": true,
            "pinned": false,
            "filtered": [],
        });
        let got = to_json(&status(base, &post, &details));
        for (key, value) in expected.as_object().unwrap() {
            assert_eq!(&got[key], value, "the status's {key}");
        }
        assert_eq!(got, expected, "no attribute more or less");

        // The viewer's own pin; and a boost of it: the outer status is the booster's, with
        // nothing of the post's own mentions, tags or reply.
        let pinned = PostView {
            pinned: true,
            ..post.clone()
        };
        assert_eq!(to_json(&status(base, &pinned, &details))["pinned"], true);
        let booster = Author {
            id: 1,
            username: "ana".into(),
            display_name: "Ana".into(),
            domain: None,
            avatar_url: None,
            avatar_proxy: String::new(),
            emojis: Vec::new(),
        };
        let boost = PostView {
            row_id: 50,
            boosted_by: Some(booster),
            ..post
        };
        let outer = to_json(&status(base, &boost, &details));
        assert_eq!(outer["id"], "50");
        assert_eq!(outer["account"]["acct"], "ana");
        assert_eq!(outer["account"]["url"], "https://camp.example/@ana");
        assert_eq!(
            outer["account"]["avatar"],
            "https://camp.example/avatars/ana.png"
        );
        assert_eq!(outer["mentions"], json!([]));
        assert_eq!(outer["in_reply_to_account_id"], Value::Null);
        assert_eq!(outer["reblog"]["id"], "41");
        assert_eq!(outer["reblog"]["mentions"][1]["acct"], "cy@far.example");
    }

    #[test]
    fn what_apps_see_never_claims_more_than_the_audience() {
        // What apps see never claims more than the audience allows.
        for a in [
            Audience::Public,
            Audience::Unlisted,
            Audience::Local,
            Audience::Followers,
            Audience::Direct,
        ] {
            let shown = visibility(a);
            let widest = match a {
                Audience::Public => "public",
                Audience::Unlisted => "unlisted",
                _ => "private",
            };
            assert!(
                shown == widest || (a == Audience::Direct && shown == "direct"),
                "{a:?} shown as {shown}"
            );
        }
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
    }
}
