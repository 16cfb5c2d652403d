//! The instance, accounts, statuses and timelines. Each handler calls the same use cases and
//! views as the web pages, so the audience rules are the same rules: nothing here decides who
//! may see a post.

use porchlight_app::db::accounts::Member;
use porchlight_app::db::federation::RemoteAccount;
use porchlight_app::db::timeline::{Page, Query};
use porchlight_app::looks::CampLook;
use porchlight_app::moving::Named;
use porchlight_app::posting::Compose;
use porchlight_app::remote::Found;
use porchlight_core::PostId;
use porchlight_core::polls;
use serde_json::{Value, json};

use crate::entities::{self, member_account};
use crate::{ApiError, ApiResponse, Caller};

/// Mastodon's version this API follows, as apps parse it to decide what to call.
pub const COMPATIBLE_VERSION: &str = concat!(
    "4.3.0 (compatible; Porchlight ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

fn counts(c: &Caller, member: &Member) -> Result<(u32, u32, i64), ApiError> {
    Ok(c.app
        .read(|conn| {
            let (following, followers) =
                porchlight_app::db::social::follow_counts(conn, member.id)?;
            let posts = porchlight_app::db::posts::count_written_by(conn, member.id)?;
            Ok::<_, porchlight_app::db::Error>((followers, following, posts))
        })
        .map_err(porchlight_app::AppError::from)?)
}

pub(crate) fn account_json(c: &Caller, member: &Member) -> Result<Value, ApiError> {
    let mut account = member_account(
        c.request.base_url,
        member,
        counts(c, member)?,
        &c.account_emojis(member.id)?,
    );
    add_moved(c, &mut account, member.id)?;
    Ok(account)
}

/// Mastodon's `moved`: the account someone moved to, as an Account (without its own `moved`:
/// a move is one step; a chain is not followed).
fn add_moved(c: &Caller, account: &mut Value, id: i64) -> Result<(), ApiError> {
    let target = c.app.moved_to_account(id)?;
    account["moved"] = match target {
        Some(Named::Member(m)) => member_account(
            c.request.base_url,
            &m,
            counts(c, &m)?,
            &c.account_emojis(m.id)?,
        ),
        Some(Named::Elsewhere(a)) => remote_account_entity(c, &a),
        Some(Named::Unknown(_)) | None => Value::Null,
    };
    Ok(())
}

/// The code of conduct as Mastodon's instance rules, numbered as reports name them.
pub(crate) fn rules(code_of_conduct: &str) -> Vec<Value> {
    porchlight_core::moderation::rules(code_of_conduct)
        .into_iter()
        .enumerate()
        .map(|(i, text)| json!({ "id": (i + 1).to_string(), "text": text, "hint": "" }))
        .collect()
}

/// Where apps open the streaming API's WebSocket: the camp's own address, `wss://` for https.
fn streaming_url(base: &str) -> String {
    match base.split_once("://") {
        Some(("https", rest)) => format!("wss://{rest}"),
        Some((_, rest)) => format!("ws://{rest}"),
        None => format!("ws://{base}"),
    }
}

fn domain(base: &str) -> &str {
    base.split_once("://").map_or(base, |(_, rest)| rest)
}

/// The camp's description as the host wrote it, or what it is.
fn description(look: &CampLook, members: u32) -> String {
    if look.description.is_empty() {
        format!("A camp of {members} friends on Porchlight.")
    } else {
        look.description.clone()
    }
}

/// The camp's header picture, or Porchlight's own picture.
fn thumbnail(look: &CampLook, base: &str) -> String {
    match &look.header {
        Some(path) => format!("{base}{path}"),
        None => entities::default_avatar(base),
    }
}

/// `GET /api/v1/instance/extended_description`: the about page the host wrote, as HTML.
pub fn extended_description(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let look = c.app.camp_look()?;
    Ok(ApiResponse::ok(json!({
        "updated_at": look.updated_at.map(entities::timestamp),
        "content": porchlight_core::text::render_post(&look.about, |_| false).html,
    })))
}

pub fn instance_v2(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let site = c.app.site()?;
    let look = c.app.camp_look()?;
    let (members, cap) = c.app.member_count_and_cap()?;
    let base = c.request.base_url;
    Ok(ApiResponse::ok(json!({
        "domain": domain(base),
        "title": site.name,
        "version": COMPATIBLE_VERSION,
        "source_url": base,
        "description": description(&look, members),
        "usage": { "users": { "active_month": members } },
        "thumbnail": { "url": thumbnail(&look, base) },
        "icon": [],
        "languages": ["en"],
        "configuration": {
            "urls": { "streaming": streaming_url(base), "status": null },
            "vapid": { "public_key": c.app.vapid_public_key()?.unwrap_or_default() },
            "accounts": { "max_featured_tags": 0, "max_pinned_statuses": 0 },
            "statuses": {
                "max_characters": c.app.limits.max_post_chars,
                "max_media_attachments": porchlight_core::media::MAX_ATTACHMENTS,
                "characters_reserved_per_url": 23
            },
            "media_attachments": {
                "supported_mime_types": picture_types(),
                "description_limit": porchlight_core::media::MAX_DESCRIPTION,
                "image_size_limit": porchlight_pictures::MAX_BYTES,
                "image_matrix_limit": porchlight_pictures::MAX_PIXELS,
                "video_size_limit": 0,
                "video_frame_rate_limit": 0,
                "video_matrix_limit": 0
            },
            "polls": {
                "max_options": polls::MAX_OPTIONS,
                "max_characters_per_option": polls::MAX_OPTION_CHARS,
                "min_expiration": polls::MIN_SECONDS,
                "max_expiration": polls::MAX_SECONDS
            },
            "translation": { "enabled": false }
        },
        "registrations": { "enabled": false, "approval_required": true, "message": "This camp is invite-only.", "url": null },
        "api_versions": { "mastodon": 2 },
        "contact": { "email": "", "account": null },
        "rules": rules(&site.code_of_conduct),
        "porchlight": {
            "member_cap": cap.limit(),
            "members": members,
            "local_only_posts": true,
            "visibilities": ["public", "unlisted", "private", "direct", "local"]
        }
    })))
}

/// The kinds of picture the camp takes (no video or sound: the box does not transcode).
fn picture_types() -> Vec<&'static str> {
    porchlight_pictures::Kind::ALL
        .iter()
        .map(|k| k.media_type())
        .collect()
}

pub fn instance_v1(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let site = c.app.site()?;
    let look = c.app.camp_look()?;
    let (members, cap) = c.app.member_count_and_cap()?;
    let posts = c
        .app
        .read(porchlight_app::db::accounts::count_local_posts)
        .map_err(porchlight_app::AppError::from)?;
    let base = c.request.base_url;
    Ok(ApiResponse::ok(json!({
        "uri": domain(base),
        "title": site.name,
        "short_description": description(&look, members),
        "description": description(&look, members),
        "email": "",
        "version": COMPATIBLE_VERSION,
        "urls": { "streaming_api": streaming_url(base) },
        "stats": { "user_count": members, "status_count": posts, "domain_count": 0 },
        "thumbnail": thumbnail(&look, base),
        "languages": ["en"],
        "registrations": false,
        "approval_required": true,
        "invites_enabled": true,
        "configuration": {
            "statuses": {
                "max_characters": c.app.limits.max_post_chars,
                "max_media_attachments": porchlight_core::media::MAX_ATTACHMENTS,
                "characters_reserved_per_url": 23
            },
            "media_attachments": {
                "supported_mime_types": picture_types(),
                "image_size_limit": porchlight_pictures::MAX_BYTES,
                "image_matrix_limit": porchlight_pictures::MAX_PIXELS,
                "video_size_limit": 0
            },
            "polls": {
                "max_options": polls::MAX_OPTIONS,
                "max_characters_per_option": polls::MAX_OPTION_CHARS,
                "min_expiration": polls::MIN_SECONDS,
                "max_expiration": polls::MAX_SECONDS
            }
        },
        "contact_account": null,
        "rules": rules(&site.code_of_conduct),
        "porchlight": { "member_cap": cap.limit(), "members": members, "local_only_posts": true }
    })))
}

pub fn verify_credentials(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let member = c.my_member()?;
    let mut account = account_json(c, &member)?;
    account["source"] = json!({
        // Apps preselect this in their composer and send it back: the member's default
        // audience, camp only (`private`, which `from_app` reads back as camp only) unless
        // they chose a wider one.
        "privacy": entities::visibility(member.default_audience),
        "sensitive": false,
        "language": "",
        "note": member.bio,
        "fields": [],
        "follow_requests_count": 0
    });
    Ok(ApiResponse::ok(account))
}

fn member_named(c: &Caller, name: &str) -> Result<Member, ApiError> {
    let name = name.trim_start_matches('@');
    let local = match name.split_once('@') {
        Some((user, host)) if host == domain(c.request.base_url) => user,
        Some(_) => return Err(ApiError::new(404, "Record not found")),
        None => name,
    };
    c.app
        .read(|conn| porchlight_app::db::accounts::member_by_username(conn, local))
        .map_err(porchlight_app::AppError::from)?
        .ok_or_else(|| ApiError::new(404, "Record not found"))
}

/// `GET /api/v1/accounts/lookup?acct=`: a member by name, or someone elsewhere by
/// `name@server` (looked up on their server when a member asks and they are new here).
pub fn account_lookup(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let acct = c
        .params
        .text("acct")
        .ok_or_else(|| ApiError::new(400, "Missing parameter: acct"))?;
    let acct = acct.trim().trim_start_matches('@');
    if let Some((_, host)) = acct.split_once('@')
        && !host.eq_ignore_ascii_case(domain(c.request.base_url))
    {
        let account = c.app.remote_account(acct, c.member.is_some())?;
        return Ok(ApiResponse::ok(remote_account_json(c, &account)));
    }
    let member = member_named(c, acct)?;
    Ok(ApiResponse::ok(account_json(c, &member)?))
}

fn remote_account_json(c: &Caller, a: &RemoteAccount) -> Value {
    let mut account = remote_account_entity(c, a);
    // (Where they moved is a nicety: an account is still shown when it cannot be read.)
    let _ = add_moved(c, &mut account, a.id);
    account
}

fn remote_account_entity(c: &Caller, a: &RemoteAccount) -> Value {
    let avatar = a.avatar_url.as_deref().map(|u| c.app.media_path(u));
    let emojis = c.account_emojis(a.id).unwrap_or_default();
    let mut account = entities::remote_account(c.request.base_url, a, avatar.as_deref(), &emojis);
    // Their header, when their server gives one, through the camp's proxy too.
    if let Some(header) = &a.header_url {
        let url = format!("{}{}", c.request.base_url, c.app.media_path(header));
        account["header"] = url.clone().into();
        account["header_static"] = url.into();
    }
    account
}

/// A member, or someone elsewhere this camp knows, by id.
enum Someone {
    Member(Box<Member>),
    Elsewhere(Box<RemoteAccount>),
}

fn someone_by_id(c: &Caller, text: &str) -> Result<Someone, ApiError> {
    let wanted = crate::path_id(text)?;
    let (member, remote) = c
        .app
        .read(|conn| {
            Ok::<_, porchlight_app::db::Error>((
                porchlight_app::db::accounts::member_by_id(conn, wanted)?,
                porchlight_app::db::federation::remote_by_id(conn, wanted)?,
            ))
        })
        .map_err(porchlight_app::AppError::from)?;
    match (member, remote) {
        (Some(m), _) => Ok(Someone::Member(Box::new(m))),
        (None, Some(r)) => Ok(Someone::Elsewhere(Box::new(r))),
        (None, None) => Err(ApiError::new(404, "Record not found")),
    }
}

pub fn account(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::ok(match someone_by_id(c, found[0])? {
        Someone::Member(member) => account_json(c, &member)?,
        // A member opening the profile of someone elsewhere brings it up to date from their
        // server, as the profile page does (at most every ten minutes; strangers fetch nothing).
        Someone::Elsewhere(remote) if c.member.is_some() => {
            c.app.fill_remote_profile(remote.id)?;
            let fresh = c
                .app
                .read(|conn| porchlight_app::db::federation::remote_by_id(conn, remote.id))
                .map_err(porchlight_app::AppError::from)?
                .unwrap_or(*remote);
            remote_account_json(c, &fresh)
        }
        Someone::Elsewhere(remote) => remote_account_json(c, &remote),
    }))
}

/// A profile's posts: a member's (and their pins), or those of someone elsewhere that reached
/// the camp, each only as the reader may see it.
pub fn account_statuses(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let id = match someone_by_id(c, found[0])? {
        Someone::Member(member) => member.id,
        Someone::Elsewhere(remote) => {
            // A member opening a profile that has nothing here yet: its newest posts are
            // fetched from its server first.
            if c.member.is_some() && !c.params.has("max_id") {
                c.app.fill_remote_profile(remote.id)?;
            }
            remote.id
        }
    };
    if c.params.flag("pinned") == Some(true) {
        // Pinned posts, each only if the reader may see it; not paged (five at most).
        let pins = c
            .app
            .read(|conn| porchlight_app::db::posts::pinned(conn, id))
            .map_err(porchlight_app::AppError::from)?;
        let mut out = Vec::new();
        for post in pins {
            if let Ok(status) = one_status(c, post) {
                out.push(status);
            }
        }
        return Ok(ApiResponse::ok(Value::Array(out)));
    }
    list(
        c,
        Query::Profile(id),
        &format!("api/v1/accounts/{id}/statuses"),
    )
}

/// A page of a list, with Mastodon's paging: `limit` (20, at most 40), `max_id` (older than),
/// `since_id` (the newest of those newer than), `min_id` (those right after it: an app catching
/// up from where it stopped), and a `Link` header to the next and previous pages.
fn list(c: &Caller, query: Query, path: &str) -> Result<ApiResponse, ApiError> {
    let limit = c.params.limit(20, 40);
    let id = |name: &str| c.params.text(name).and_then(|m| m.parse::<PostId>().ok());
    let (max_id, since_id, min_id) = (id("max_id"), id("since_id"), id("min_id"));
    let reader = c.reader();
    // The page and what its statuses need beyond it, in one snapshot.
    let (
        Page {
            mut posts,
            next_max_id,
        },
        details,
        any_filters,
    ) = c
        .app
        .read(|conn| {
            let page = match min_id {
                Some(min_id) => {
                    let mut page = porchlight_app::db::timeline::page_after(
                        conn, &query, reader, min_id, limit,
                    )?;
                    // With `max_id` as well, the range between them.
                    if let Some(max_id) = max_id {
                        page.posts.retain(|p| p.row_id < max_id);
                    }
                    page
                }
                None => porchlight_app::db::timeline::page(conn, &query, reader, max_id, limit)?,
            };
            let details = entities::details_of(conn, &page.posts)?;
            // Whether the reader has filters at all (nearly nobody does), in the same snapshot.
            let filters = match c.member {
                Some(me) => {
                    porchlight_app::db::filters::any_in_force(conn, me, porchlight_app::db::now())?
                }
                None => false,
            };
            Ok::<_, porchlight_app::db::Error>((page, details, filters))
        })
        .map_err(porchlight_app::AppError::from)?;
    if let Some(newer) = since_id {
        posts.retain(|p| p.row_id > newer);
    }
    // (Paging follows the rows read, so that a page a filter emptied still links onwards.)
    let (first_row, last_row) = (
        posts.first().map(|p| p.row_id),
        posts.last().map(|p| p.row_id),
    );
    let filtered = match filter_context(&query) {
        Some(context) if any_filters => crate::filters::apply(c, context, &mut posts)?,
        _ => Default::default(),
    };
    let base = c.request.base_url;
    let statuses =
        entities::Statuses::with_details(c.app, base, posts, details).with_filter_results(filtered);
    let response = ApiResponse::written(&statuses.entities());
    let mut links = Vec::new();
    if let (Some(next), Some(_)) = (next_max_id, last_row) {
        links.push(format!("<{base}/{path}?max_id={next}>; rel=\"next\""));
    }
    if let Some(first) = first_row {
        links.push(format!("<{base}/{path}?min_id={first}>; rel=\"prev\""));
    }
    Ok(if links.is_empty() {
        response
    } else {
        response.with_header("link", links.join(", "))
    })
}

/// Where a list stands among the places filters apply (bookmarks: nowhere, as in Mastodon).
fn filter_context(query: &Query) -> Option<porchlight_core::filters::Context> {
    use porchlight_core::filters::Context;
    match query {
        Query::Home | Query::List { .. } => Some(Context::Home),
        Query::Local
        | Query::Federated
        | Query::Public
        | Query::Neighborhood
        | Query::Hashtag(_)
        | Query::LocalHashtag(_)
        | Query::Search(_) => Some(Context::Public),
        Query::Profile(_) => Some(Context::Account),
        Query::Bookmarks => None,
    }
}

/// Posts as statuses for the caller, each with what its filters found.
fn with_filter_results(
    c: &Caller,
    posts: &[porchlight_app::db::timeline::PostView],
    filtered: &std::collections::HashMap<PostId, Vec<Value>>,
) -> Result<entities::Statuses, ApiError> {
    let mine: std::collections::HashMap<PostId, Vec<Value>> = posts
        .iter()
        .filter_map(|p| filtered.get(&p.id).map(|f| (p.id, f.clone())))
        .collect();
    Ok(
        entities::Statuses::read(c.app, c.request.base_url, posts.to_vec())?
            .with_filter_results(mine),
    )
}

pub fn home(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    list(c, Query::Home, "api/v1/timelines/home")
}

/// The public timeline as Mastodon defines it: the camp's posts and the public posts from
/// elsewhere that reached it; `local=true` only the camp's, `remote=true` only those from
/// elsewhere (both: all, as Mastodon reads them). Visitors get what is from elsewhere only when a
/// host opened the Fediverse timeline to them; otherwise Mastodon's answer to a closed feed.
pub fn public(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let local = c.params.flag("local") == Some(true);
    let remote = c.params.flag("remote") == Some(true);
    let query = match (local, remote) {
        (true, false) => Query::Local,
        (false, true) => Query::Federated,
        _ => Query::Public,
    };
    let query = c
        .app
        .timeline_for(c.member.is_some(), query)?
        .ok_or_else(|| ApiError::new(401, "This method requires an authenticated user"))?;
    list(c, query, "api/v1/timelines/public")
}

/// The neighborhood's posts, from this camp and its neighbor camps. Also served as Akkoma's
/// `bubble` timeline (its posts from a few chosen servers), which some apps already show.
pub fn neighborhood(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    list(c, Query::Neighborhood, "api/v1/timelines/neighborhood")
}

pub fn tag(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let tag = porchlight_core::text::normalize_tag(found[0])
        .ok_or_else(|| ApiError::new(404, "Record not found"))?;
    let path = format!("api/v1/timelines/tag/{tag}");
    let asked = if c.params.flag("local") == Some(true) {
        Query::LocalHashtag(tag)
    } else {
        Query::Hashtag(tag)
    };
    // Visitors, while the Fediverse is closed to them: the camp's own posts with it.
    let query = c
        .app
        .timeline_for(c.member.is_some(), asked)?
        .ok_or_else(|| ApiError::new(401, "This method requires an authenticated user"))?;
    list(c, query, &path)
}

/// `GET /api/v1/timelines/list/:id`: the posts of the people on one of my lists.
pub fn list_timeline(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let chosen = c.app.list(c.me()?, crate::path_id(found[0])?)?;
    let path = format!("api/v1/timelines/list/{}", chosen.id);
    list(
        c,
        Query::List {
            id: chosen.id,
            replies: chosen.replies_policy,
        },
        &path,
    )
}

pub fn bookmarks(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    list(c, Query::Bookmarks, "api/v1/bookmarks")
}

fn one_status(c: &Caller, post: PostId) -> Result<Value, ApiError> {
    let view = c.app.view_post(c.reader(), post)?;
    let mut one = entities::statuses(c.app, c.request.base_url, vec![view])?;
    Ok(one.pop().unwrap_or(Value::Null))
}

pub fn status(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::ok(one_status(c, crate::path_id(found[0])?)?))
}

/// The poll a new status asks for (`poll[options][]`, `poll[expires_in]`, `poll[multiple]`), if
/// any, checked by the same rule as the composer's.
fn poll_of(c: &Caller) -> Result<Option<polls::NewPoll>, ApiError> {
    let options = c.params.deep_list(&["poll", "options"]);
    if options.is_empty() {
        return Ok(None);
    }
    let expires_in = match c.params.deep_text(&["poll", "expires_in"]) {
        None => 24 * 3600,
        Some(t) => t.trim().parse::<i64>().map_err(|_| {
            ApiError::new(
                422,
                "Validation failed: poll[expires_in] is a number of seconds",
            )
        })?,
    };
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    polls::NewPoll::checked(
        &options,
        c.params.deep_flag(&["poll", "multiple"]).unwrap_or(false),
        expires_in,
    )
    .map(Some)
    .map_err(|e| ApiError::new(422, format!("Validation failed: {e}")))
}

/// `GET /api/v1/custom_emojis`: the camp's own, for an app's picker.
pub fn custom_emojis(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let camp = c.app.camp_emojis()?;
    let paths: Vec<String> = camp.iter().map(|e| e.path()).collect();
    let list: Vec<entities::CustomEmoji> = camp
        .iter()
        .zip(&paths)
        .map(|(e, path)| entities::CustomEmoji::at(c.request.base_url, &e.shortcode, path, true))
        .collect();
    Ok(ApiResponse::written(&list))
}

/// `GET /api/v1/polls/:id`: a poll (its id is its post's).
pub fn poll(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let status = one_status(c, crate::path_id(found[0])?)?;
    match &status["poll"] {
        Value::Null => Err(ApiError::not_found()),
        poll => Ok(ApiResponse::ok(poll.clone())),
    }
}

/// `POST /api/v1/polls/:id/votes` with `choices[]` (option positions).
pub fn vote(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let post = crate::path_id(found[0])?;
    let choices = c
        .params
        .list("choices")
        .iter()
        .map(|s| s.trim().parse::<usize>())
        .collect::<Result<Vec<usize>, _>>()
        .map_err(|_| ApiError::new(422, "Validation failed: choices are option numbers"))?;
    c.app.vote(me, post, &choices)?;
    poll(c, found)
}

/// `POST /api/v1/statuses`. With an `Idempotency-Key`, a retry of the same request gives the
/// status the first one made instead of a second copy.
pub fn post_status(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let media = crate::media::media_ids(c)?;
    let poll = poll_of(c)?;
    let key = c
        .request
        .header("idempotency-key")
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 200);
    let text = c.params.text("status").unwrap_or_default();
    if text.trim().is_empty() && media.is_empty() {
        return Err(ApiError::new(422, "Validation failed: Text can't be blank"));
    }
    if poll.is_some() && !media.is_empty() {
        return Err(ApiError::new(
            422,
            "Validation failed: a post can have pictures or a poll, not both",
        ));
    }
    let in_reply_to = match c.params.text("in_reply_to_id") {
        Some(r) if !r.is_empty() => Some(crate::path_id(&r)?),
        _ => None,
    };
    // The same rule as the web's composer: what the app chose, else the member's default
    // (`core::audience::from_app`).
    let parent = match in_reply_to {
        Some(id) => Some(c.app.view_post(c.reader(), id)?.audience),
        None => None,
    };
    let audience = porchlight_core::audience::from_app(
        c.params.text("visibility").as_deref(),
        c.params.flag("local_only"),
        c.my_member()?.default_audience,
        parent,
    )
    .map_err(|e| ApiError::new(422, e))?;
    let content_warning = c.params.text("spoiler_text").unwrap_or_default();
    let post = c.app.post_once(
        me,
        &Compose {
            text: &text,
            content_warning: &content_warning,
            audience,
            in_reply_to,
            media: &media,
            poll: poll.as_ref(),
            event: None,
        },
        key,
    )?;
    Ok(ApiResponse::ok(one_status(c, post)?))
}

pub fn delete_status(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let post = crate::path_id(found[0])?;
    // Mastodon answers with the deleted status (apps use its text for "delete and redraft").
    let mut gone = one_status(c, post)?;
    let source = written_text(c, post)?;
    c.app.delete(me, post)?;
    gone["text"] = Value::String(source);
    Ok(ApiResponse::ok(gone))
}

fn act(
    c: &Caller,
    found: &[&str],
    action: fn(&porchlight_app::App, i64, PostId) -> porchlight_app::AppResult<()>,
) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let post = crate::path_id(found[0])?;
    // Only a post the member may see can be acted on (the use case checks the audience too).
    c.app.view_post(c.reader(), post)?;
    action(c.app, me, post)?;
    Ok(ApiResponse::ok(one_status(c, post)?))
}

pub fn favourite(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    act(c, found, |app, me, post| app.favourite(me, post, true))
}
pub fn unfavourite(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    act(c, found, |app, me, post| app.favourite(me, post, false))
}
/// Mastodon answers a reblog with the new status that carries the reblogged one.
pub fn reblog(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let original = act(c, found, |app, me, post| app.boost(me, post, true))?.body;
    let me = c.my_member()?;
    let post = crate::path_id(found[0])?;
    let boost_id: i64 = c
        .app
        .read(|conn| porchlight_app::db::posts::boost_by(conn, me.id, post))
        .map_err(porchlight_app::AppError::from)?
        .ok_or(porchlight_app::AppError::NotFound)?;
    let mut wrapper = original.clone();
    wrapper["id"] = Value::String(boost_id.to_string());
    wrapper["uri"] = Value::String(format!("{}/posts/{boost_id}", c.request.base_url));
    wrapper["url"] = wrapper["uri"].clone();
    wrapper["account"] = account_json(c, &me)?;
    wrapper["content"] = Value::String(String::new());
    wrapper["reblog"] = original;
    Ok(ApiResponse::ok(wrapper))
}
pub fn unreblog(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    act(c, found, |app, me, post| app.boost(me, post, false))
}
fn with_pinned(answer: ApiResponse, on: bool) -> ApiResponse {
    let mut status = answer.body;
    status["pinned"] = Value::Bool(on);
    ApiResponse::ok(status)
}
pub fn pin(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let answer = act(c, found, |app, me, post| app.pin(me, post, true))?;
    Ok(with_pinned(answer, true))
}
pub fn unpin(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let answer = act(c, found, |app, me, post| app.pin(me, post, false))?;
    Ok(with_pinned(answer, false))
}
pub fn bookmark(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    act(c, found, |app, me, post| app.bookmark(me, post, true))
}
pub fn unbookmark(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    act(c, found, |app, me, post| app.bookmark(me, post, false))
}

/// The thread around a status: what it answers (oldest first) and the replies below it, each
/// only if the reader may see it.
pub fn context(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let post = crate::path_id(found[0])?;
    let reader = c.reader();
    let thread = c
        .app
        .read(|conn| porchlight_app::db::timeline::thread(conn, post, reader))
        .map_err(porchlight_app::AppError::from)?
        .ok_or_else(|| ApiError::new(404, "Record not found"))?;
    let mut ancestors = thread.ancestors.clone();
    let mut descendants: Vec<_> = thread.replies.iter().map(|(_, p)| p.clone()).collect();
    // Posts of someone blocked, either way, are left out of the thread.
    if let Some(me) = c.member {
        let blocked = c
            .app
            .read(|conn| porchlight_app::db::muting::blocked_either_way(conn, me))
            .map_err(porchlight_app::AppError::from)?;
        ancestors.retain(|p| !blocked.contains(&p.author.id));
        descendants.retain(|p| !blocked.contains(&p.author.id));
    }
    let context = porchlight_core::filters::Context::Thread;
    let mut filtered = crate::filters::apply(c, context, &mut ancestors)?;
    filtered.extend(crate::filters::apply(c, context, &mut descendants)?);
    #[derive(serde::Serialize)]
    struct Context<'a> {
        ancestors: Vec<entities::Status<'a>>,
        descendants: Vec<entities::Status<'a>>,
    }
    let (above, below) = (
        with_filter_results(c, &ancestors, &filtered)?,
        with_filter_results(c, &descendants, &filtered)?,
    );
    Ok(ApiResponse::written(&Context {
        ancestors: above.entities(),
        descendants: below.entities(),
    }))
}

/// A post's text as its author wrote it (before it became HTML).
fn written_text(c: &Caller, post: PostId) -> Result<String, ApiError> {
    Ok(c.app
        .read(|conn| porchlight_app::db::posts::facts(conn, post))
        .map_err(porchlight_app::AppError::from)?
        .map(|f| f.text)
        .ok_or(porchlight_app::AppError::NotFound)?)
}

/// The text as written, for an app's edit box.
pub fn source(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let post = crate::path_id(found[0])?;
    let view = c.app.view_post(c.reader(), post)?;
    let text = written_text(c, post)?;
    Ok(ApiResponse::ok(json!({
        "id": post.to_string(),
        "text": text,
        "spoiler_text": view.content_warning,
    })))
}

/// `PUT /api/v1/statuses/:id`: a new text and content warning (never a new audience).
pub fn edit(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let post = crate::path_id(found[0])?;
    let text = c.params.text("status").unwrap_or_default();
    // Without `media_ids` the pictures stay as they are; with it, they become those.
    let media = if c.params.has("media_ids") || c.params.has("media_ids[]") {
        Some(crate::media::media_ids(c)?)
    } else {
        None
    };
    let view = c.app.view_post(c.reader(), post)?;
    let has_media = media
        .as_ref()
        .map_or(!view.media.is_empty(), |m| !m.is_empty());
    if text.trim().is_empty() && !has_media {
        return Err(ApiError::new(422, "Validation failed: Text can't be blank"));
    }
    let content_warning = c.params.text("spoiler_text").unwrap_or_default();
    // `media_attributes[][id|description|focus]`: alt text and focus of pictures the post has.
    let attributes = c.params.objects("media_attributes");
    let field = |o: &serde_json::Map<String, Value>, k: &str| {
        o.get(k).and_then(Value::as_str).map(str::to_string)
    };
    let attributes: Vec<(i64, Option<String>, Option<String>)> = attributes
        .iter()
        .map(|o| {
            let id = field(o, "id").unwrap_or_default();
            Ok((
                crate::path_id(&id).map_err(|_| {
                    ApiError::new(
                        422,
                        "Validation failed: media_attributes need the picture's id",
                    )
                })?,
                field(o, "description"),
                field(o, "focus"),
            ))
        })
        .collect::<Result<_, ApiError>>()?;
    let described: Vec<_> = attributes
        .iter()
        .map(|(id, description, focus)| {
            (
                *id,
                porchlight_app::uploads::PictureDetails {
                    description: description.as_deref(),
                    focus: focus.as_deref(),
                },
            )
        })
        .collect();
    c.app.edit(
        me,
        post,
        &text,
        &content_warning,
        media.as_deref(),
        &described,
    )?;
    Ok(ApiResponse::ok(one_status(c, post)?))
}

/// Every version of a status, oldest first, the current one last.
pub fn history(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let post = crate::path_id(found[0])?;
    let view = c.app.view_post(c.reader(), post)?;
    let earlier = c
        .app
        .read(|conn| porchlight_app::db::posts::history(conn, post))
        .map_err(porchlight_app::AppError::from)?;
    let account = one_status(c, post)?["account"].take();
    let version = |html: &str, warning: &str, at: i64| {
        json!({
            "content": html,
            "spoiler_text": warning,
            "sensitive": !warning.is_empty(),
            "created_at": entities::timestamp(at),
            "account": account,
            "poll": null,
            "media_attachments": [],
            "emojis": [],
        })
    };
    let mut versions: Vec<Value> = earlier
        .iter()
        .rev()
        .map(|v| version(&v.html, &v.content_warning, v.written_at))
        .collect();
    versions.push(version(
        &view.html,
        &view.content_warning,
        view.edited_at.unwrap_or(view.created_at),
    ));
    Ok(ApiResponse::ok(Value::Array(versions)))
}

/// `PATCH /api/v1/accounts/update_credentials`: the display name and bio (`note`), the
/// default audience (`source[privacy]`), and the avatar and header pictures (multipart
/// `avatar`, `header`).
pub fn update_credentials(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let member = c.my_member()?;
    let picture = |field: &str| {
        c.params
            .uploads()
            .iter()
            .find(|u| u.field == field && !u.bytes.is_empty())
            .map(|u| &u.bytes[..])
    };
    let display_name = c
        .params
        .text("display_name")
        .unwrap_or(member.display_name.clone());
    let bio = c.params.text("note").unwrap_or(member.bio.clone());
    // Checked before anything is written, so a bad one changes nothing.
    let default_audience = match c.params.nested("source", "privacy") {
        Some(privacy) => Some(
            porchlight_core::audience::default_from_app(&privacy, member.default_audience)
                .map_err(|e| ApiError::new(422, e))?,
        ),
        None => None,
    };
    // Checked before anything is written, so a bad one changes nothing.
    c.app
        .check_profile(&display_name, &bio, &member.who_i_am)
        .map_err(|e| ApiError::new(422, format!("Validation failed: {e}")))?;
    let (avatar, header) = (picture("avatar"), picture("header"));
    if avatar.is_some() || header.is_some() {
        c.app
            .set_profile_pictures(member.id, avatar, header)
            .map_err(|e| match e {
                porchlight_app::AppError::Invalid(reason) => {
                    ApiError::new(422, format!("Validation failed: {reason}"))
                }
                other => other.into(),
            })?;
    }
    // The profile (and the Update its followers elsewhere are sent) only when it changes.
    if c.params.has("display_name") || c.params.has("note") {
        c.app
            .update_profile(member.id, &display_name, &bio, &member.who_i_am)?;
    }
    if let Some(audience) = default_audience {
        c.app.set_default_audience(member.id, audience)?;
    }
    verify_credentials(c, &[])
}

/// `GET /api/v2/search`: members (and people elsewhere by `@name@server` with `resolve`),
/// hashtags, and post text, each only as the reader may see it.
pub fn search(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let q = c.params.text("q").unwrap_or_default();
    let q = q.trim();
    let kind = c.params.text("type");
    let limit = c.params.limit(20, 40);
    let wants = |k: &str| kind.as_deref().is_none_or(|t| t == k);
    let mut accounts = Vec::new();
    let mut hashtags = Vec::new();
    let mut statuses = Vec::new();
    // Someone or a post elsewhere, by `@name@server` or by its address: from what the camp
    // has, or with `resolve=true` (members only) looked up on their server.
    let ours = domain(c.request.base_url);
    let elsewhere = q.starts_with("https://")
        || q.starts_with("http://")
        || q.trim_start_matches('@')
            .split_once('@')
            .is_some_and(|(name, host)| !name.is_empty() && !host.eq_ignore_ascii_case(ours));
    if elsewhere {
        let resolve = c.params.flag("resolve") == Some(true) && c.member.is_some();
        let found = if resolve {
            c.app.look_up(q).ok()
        } else if q.contains("://") {
            None
        } else {
            c.app
                .remote_account(q.trim_start_matches('@'), false)
                .ok()
                .map(|a| Found::Account(Box::new(a)))
        };
        match found {
            Some(Found::Account(a)) if wants("accounts") => {
                accounts.push(remote_account_json(c, &a));
            }
            Some(Found::Post(post)) if wants("statuses") => {
                if let Ok(status) = one_status(c, post) {
                    statuses.push(status);
                }
            }
            _ => {}
        }
    } else if !q.is_empty() {
        if wants("accounts") {
            let needle = q.trim_start_matches('@');
            let needle = needle
                .strip_suffix(&format!("@{}", domain(c.request.base_url)))
                .unwrap_or(needle);
            let found = c
                .app
                .read(|conn| porchlight_app::db::accounts::search_members(conn, needle, limit))
                .map_err(porchlight_app::AppError::from)?;
            for m in &found {
                accounts.push(account_json(c, m)?);
            }
        }
        if wants("hashtags")
            && let Some(tag) = porchlight_core::text::normalize_tag(q.trim_start_matches('#'))
        {
            let base = c.request.base_url;
            hashtags.push(json!({
                "name": tag,
                "url": format!("{base}/tags/{tag}"),
                "history": [],
                "following": false,
            }));
        }
        // Post text is searched only for members (as on the web), and only with a token that
        // may read statuses.
        if wants("statuses") && c.member.is_some() {
            let reader = c.reader();
            let page = c
                .app
                .read(|conn| {
                    porchlight_app::db::timeline::page(
                        conn,
                        &Query::Search(q.to_string()),
                        reader,
                        None,
                        limit,
                    )
                })
                .map_err(porchlight_app::AppError::from)?;
            statuses = entities::statuses(c.app, c.request.base_url, page.posts)?;
        }
    }
    Ok(ApiResponse::ok(json!({
        "accounts": accounts,
        "statuses": statuses,
        "hashtags": hashtags,
    })))
}
