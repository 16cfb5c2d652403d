//! Notifications, follows and relationships, and the small documents every app asks for when it
//! starts (custom emojis, announcements, filters, markers, preferences, trends): the camp has
//! none of some of these yet, and says so with empty answers of the right shape rather than
//! errors that stop an app from starting.

use porchlight_app::db::social::{self, NotificationKind, Person};
use porchlight_app::db::timeline::{self, Author};
use porchlight_app::remote::FollowState;
use serde_json::{Value, json};

use crate::entities::{author_account, timestamp};
use crate::{ApiError, ApiResponse, Caller};

fn read<T>(
    c: &Caller,
    f: impl FnOnce(&porchlight_app::db::Connection) -> porchlight_app::db::Result<T>,
) -> Result<T, ApiError> {
    Ok(c.app.read(f).map_err(porchlight_app::AppError::from)?)
}

pub(crate) fn person_account(c: &Caller, p: &Person) -> Value {
    // Where someone from elsewhere lives is read from what is stored of them.
    let details = match &p.domain {
        Some(_) => c
            .app
            .read(|conn| timeline::details(conn, &[], &[(p.id, true)]))
            .unwrap_or_default(),
        None => Default::default(),
    };
    author_account(
        c.request.base_url,
        &Author {
            id: p.id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            domain: p.domain.clone(),
            avatar_url: None,
            avatar_proxy: String::new(),
            emojis: c.account_emojis(p.id).unwrap_or_default(),
        },
        &details,
    )
}

/// Mastodon's name for a kind of notification.
fn kind_name(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::Mention | NotificationKind::Reply => "mention",
        NotificationKind::Follow => "follow",
        NotificationKind::Boost => "reblog",
        NotificationKind::Favourite => "favourite",
        NotificationKind::Poll => "poll",
        NotificationKind::Report => "admin.report",
        NotificationKind::Warning => "moderation_warning",
        // Mastodon tells a reporter nothing; the page does.
        NotificationKind::ReportHandled => "report_handled",
        // An event's reminder: apps show "a post by NAME" with the event's post, as for
        // Mastodon's notifications of posts by people one rang the bell for.
        NotificationKind::Event => "status",
    }
}

pub(crate) fn notification_json(
    c: &Caller,
    n: &social::Notification,
) -> Result<Option<Value>, ApiError> {
    let Some(from) = read(c, |conn| social::person(conn, n.from_id))? else {
        return Ok(None);
    };
    let status = match n.post_id {
        None => Value::Null,
        Some(post) => match c.app.view_post(c.reader(), post) {
            Ok(view) => {
                // The member's filters for notifications: a hidden post hides its notification.
                let mut shown = vec![view];
                let context = porchlight_core::filters::Context::Notifications;
                let filtered = crate::filters::apply(c, context, &mut shown)?;
                let Some(view) = shown.pop() else {
                    return Ok(None);
                };
                let id = view.id;
                let mut one = crate::entities::statuses(c.app, c.request.base_url, vec![view])?;
                let mut status = one.pop().unwrap_or(Value::Null);
                if let Some(results) = filtered.get(&id) {
                    status["filtered"] = Value::Array(results.clone());
                }
                status
            }
            // The post is gone (or no longer visible): so is the notification about it.
            Err(_) => return Ok(None),
        },
    };
    let mut json = json!({
        "id": n.id.to_string(),
        "type": kind_name(n.kind),
        "group_key": format!("ungrouped-{}", n.id),
        "created_at": timestamp(n.created_at),
        "account": person_account(c, &from),
        "status": status,
    });
    match n.kind {
        NotificationKind::Report => {
            let Some(report) = n
                .report_id
                .map(|id| crate::reports::notification_report(c, id))
                .transpose()?
                .flatten()
            else {
                return Ok(None);
            };
            json["report"] = report;
        }
        NotificationKind::Warning => {
            json["moderation_warning"] = json!({
                "id": n.id.to_string(),
                "action": "none",
                "text": n.message,
                "status_ids": [],
                "target_account": json["account"].clone(),
                "appeal": null,
                "created_at": timestamp(n.created_at),
            });
        }
        NotificationKind::ReportHandled => return Ok(None),
        _ => {}
    }
    Ok(Some(json))
}

pub fn notifications(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let limit = c.params.limit(40, 80);
    let max_id = c.params.text("max_id").and_then(|m| m.parse::<i64>().ok());
    let newer = c
        .params
        .text("min_id")
        .or_else(|| c.params.text("since_id"))
        .and_then(|m| m.parse::<i64>().ok());
    let types = c.params.list("types");
    let excluded = c.params.list("exclude_types");
    let wanted = |name: &str| {
        (types.is_empty() || types.iter().any(|t| t == name)) && !excluded.iter().any(|t| t == name)
    };
    let mut out = Vec::new();
    let mut cursor = max_id;
    let mut last_seen = None;
    // Filtering by type may drop rows: read in batches until the page is full (at most 5).
    for _ in 0..5 {
        let batch = c.app.notifications(me, cursor, limit)?;
        let Some(last) = batch.last() else { break };
        cursor = Some(last.id);
        let short = batch.len() < limit as usize;
        for n in &batch {
            last_seen = Some(n.id);
            if newer.is_some_and(|m| n.id <= m) || !wanted(kind_name(n.kind)) {
                continue;
            }
            if let Some(json) = notification_json(c, n)? {
                out.push(json);
                if out.len() == limit as usize {
                    break;
                }
            }
        }
        if short || out.len() == limit as usize {
            break;
        }
    }
    let base = c.request.base_url;
    let mut response = ApiResponse::ok(Value::Array(out));
    if let Some(last) = last_seen {
        response = response.with_header(
            "link",
            format!("<{base}/api/v1/notifications?max_id={last}>; rel=\"next\""),
        );
    }
    Ok(response)
}

pub fn notification(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let n = c.app.notification(c.me()?, crate::path_id(found[0])?)?;
    notification_json(c, &n)?
        .map(ApiResponse::ok)
        .ok_or_else(|| ApiError::new(404, "Record not found"))
}

pub fn dismiss(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    c.app
        .dismiss_notification(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(json!({})))
}

pub fn clear(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    c.app.clear_notifications(c.me()?)?;
    Ok(ApiResponse::ok(json!({})))
}

pub(crate) fn relationship(c: &Caller, other: i64) -> Result<Value, ApiError> {
    let me = c.me()?;
    // A follow of someone elsewhere is `requested` until their server accepts it.
    let state = c.app.follow_state(me, other)?;
    let following = state == FollowState::Following;
    let followed_by = read(c, |conn| social::follows(conn, other, me))?;
    let boundaries = c.app.boundaries(me, other)?;
    Ok(json!({
        "id": other.to_string(),
        "following": following,
        "showing_reblogs": following,
        "notifying": false,
        "languages": null,
        "followed_by": followed_by,
        "blocking": boundaries.blocking,
        "blocked_by": boundaries.blocked_by,
        "muting": boundaries.muting.is_some(),
        "muting_notifications": boundaries.muting.as_ref().is_some_and(|m| m.notifications),
        "requested": state == FollowState::Requested,
        "requested_by": false,
        "domain_blocking": false,
        "endorsed": false,
        "note": "",
    }))
}

pub fn relationships(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let ids = c.params.list("id");
    let mut out = Vec::new();
    for text in ids.iter().take(40) {
        if let Ok(other) = text.parse::<i64>()
            && read(c, |conn| social::person(conn, other))?.is_some()
        {
            out.push(relationship(c, other)?);
        }
    }
    Ok(ApiResponse::ok(Value::Array(out)))
}

fn follow_as(c: &Caller, found: &[&str], on: bool) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let other = crate::path_id(found[0])?;
    let person = read(c, |conn| social::person(conn, other))?
        .ok_or_else(|| ApiError::new(404, "Record not found"))?;
    let handle = match &person.domain {
        None => person.username.clone(),
        Some(domain) => format!("{}@{domain}", person.username),
    };
    c.app.follow(me, &handle, on)?;
    Ok(ApiResponse::ok(relationship(c, other)?))
}

pub fn follow(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    follow_as(c, found, true)
}

pub fn unfollow(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    follow_as(c, found, false)
}

fn follow_list(c: &Caller, found: &[&str], followers: bool) -> Result<ApiResponse, ApiError> {
    let account = crate::path_id(found[0])?;
    read(c, |conn| social::person(conn, account))?
        .ok_or_else(|| ApiError::new(404, "Record not found"))?;
    let limit = c.params.limit(40, 80);
    // The cursor is a follow time, kept opaque in the Link header.
    let before = c.params.text("max_id").and_then(|m| m.parse::<i64>().ok());
    let people = read(c, |conn| {
        social::follow_list(conn, account, followers, before, limit)
    })?;
    let path = if followers { "followers" } else { "following" };
    let next = people
        .last()
        .filter(|_| people.len() == limit as usize)
        .map(|p| p.since.to_string());
    Ok(people_page(
        c,
        &people,
        &format!("accounts/{account}/{path}"),
        next,
    ))
}

pub fn followers(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    follow_list(c, found, true)
}

pub fn following(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    follow_list(c, found, false)
}

/// `GET /api/v1/statuses/:id/favourited_by`: who favourited a post the caller may see, the
/// latest first, paged by an opaque `max_id` in the Link header.
pub fn favourited_by(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let post = crate::path_id(found[0])?;
    c.app.view_post(c.reader(), post)?;
    let limit = c.params.limit(40, 80);
    let after = c.params.text("max_id").and_then(|m| {
        let (time, account) = m.split_once('-')?;
        Some((time.parse().ok()?, account.parse().ok()?))
    });
    let people = read(c, |conn| social::favourited_by(conn, post, after, limit))?;
    let next = people
        .last()
        .filter(|_| people.len() == limit as usize)
        .map(|p| format!("{}-{}", p.since, p.id));
    Ok(people_page(
        c,
        &people,
        &format!("statuses/{post}/favourited_by"),
        next,
    ))
}

/// `GET /api/v1/statuses/:id/reblogged_by`: who boosted a post the caller may see.
pub fn reblogged_by(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let post = crate::path_id(found[0])?;
    c.app.view_post(c.reader(), post)?;
    let limit = c.params.limit(40, 80);
    let before = c.params.text("max_id").and_then(|m| m.parse().ok());
    let boosts = read(c, |conn| social::boosted_by(conn, post, before, limit))?;
    let next = boosts
        .last()
        .filter(|_| boosts.len() == limit as usize)
        .map(|(boost, _)| boost.to_string());
    let people: Vec<Person> = boosts.into_iter().map(|(_, p)| p).collect();
    Ok(people_page(
        c,
        &people,
        &format!("statuses/{post}/reblogged_by"),
        next,
    ))
}

/// A list of accounts, with a Link to the next page when there may be one.
fn people_page(c: &Caller, people: &[Person], path: &str, next: Option<String>) -> ApiResponse {
    let list: Vec<Value> = people.iter().map(|p| person_account(c, p)).collect();
    let response = ApiResponse::ok(Value::Array(list));
    match next {
        Some(cursor) => response.with_header(
            "link",
            format!(
                "<{}/api/v1/{path}?max_id={cursor}>; rel=\"next\"",
                c.request.base_url
            ),
        ),
        None => response,
    }
}

/// The camp's members the caller might follow, as the "Who's here" card offers them
/// (`App::who_is_here`).
fn who_is_here(c: &Caller) -> Result<Vec<Value>, ApiError> {
    let limit = c.params.limit(40, 80) as usize;
    c.app
        .who_is_here(c.me()?, limit)?
        .iter()
        .map(|m| crate::endpoints::account_json(c, m))
        .collect()
}

/// `GET /api/v2/suggestions`: the camp's members to follow, each put forward by the camp
/// itself (Mastodon's `staff` source, `featured`).
pub fn suggestions(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let list: Vec<Value> = who_is_here(c)?
        .into_iter()
        .map(|account| json!({"source": "staff", "sources": ["featured"], "account": account}))
        .collect();
    Ok(ApiResponse::ok(Value::Array(list)))
}

/// `GET /api/v1/suggestions`: the same, as plain accounts.
pub fn suggested_accounts(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::ok(Value::Array(who_is_here(c)?)))
}

/// What the camp has none of yet: an empty list.
pub fn none(_: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::ok(json!([])))
}

/// Where the member stopped reading: `{"home": {...}, "notifications": {...}}`, only the
/// timelines asked for (`timeline[]`), or all.
fn markers_json(c: &Caller, asked: &[String]) -> Result<Value, ApiError> {
    let mut out = serde_json::Map::new();
    for m in c.app.markers(c.me()?)? {
        if asked.is_empty() || asked.contains(&m.timeline) {
            out.insert(
                m.timeline.clone(),
                json!({
                    "last_read_id": m.last_read_id,
                    "version": m.version,
                    "updated_at": timestamp(m.updated_at),
                }),
            );
        }
    }
    Ok(Value::Object(out))
}

pub fn markers(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    Ok(ApiResponse::ok(markers_json(
        c,
        &c.params.list("timeline"),
    )?))
}

/// `POST /api/v1/markers` with `home[last_read_id]` and/or `notifications[last_read_id]`
/// (a form), or the same as JSON objects.
pub fn set_markers(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let mut moved = Vec::new();
    for timeline in ["home", "notifications"] {
        if let Some(id) = c.params.nested(timeline, "last_read_id") {
            c.app.set_marker(me, timeline, &id)?;
            moved.push(timeline.to_string());
        }
    }
    if moved.is_empty() {
        return Err(ApiError::new(
            400,
            "Give home[last_read_id] or notifications[last_read_id]",
        ));
    }
    Ok(ApiResponse::ok(markers_json(c, &moved)?))
}

/// The member's preferences: their default audience as apps name it (camp-only is `private`).
pub fn preferences(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let default = c.my_member()?.default_audience;
    Ok(ApiResponse::ok(json!({
        "posting:default:visibility": crate::entities::visibility(default),
        "posting:default:sensitive": false,
        "posting:default:language": null,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}
