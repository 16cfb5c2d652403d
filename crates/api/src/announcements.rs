//! Mastodon's announcements API: the hosts' announcements, dismissing one, and reactions.

use porchlight_app::db::announcements::Announcement;
use serde_json::{Value, json};

use crate::entities::timestamp;
use crate::{ApiError, ApiResponse, Caller, path_id};

fn announcement_json(a: &Announcement) -> Value {
    json!({
        "id": a.id.to_string(),
        "content": a.html,
        "starts_at": null,
        "ends_at": null,
        "all_day": false,
        "published_at": timestamp(a.created_at),
        "updated_at": timestamp(a.created_at),
        "read": a.read,
        "mentions": [],
        "statuses": [],
        "tags": [],
        "emojis": [],
        "reactions": a.reactions.iter().map(|(name, count, me)| json!({
            "name": name, "count": count, "me": me,
        })).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/announcements`: all of them, newest first (`with_dismissed=false` leaves out
/// those the member dismissed, as Mastodon's default does not; both are Mastodon's).
pub fn index(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let with_dismissed = c.params.flag("with_dismissed").unwrap_or(true);
    let list: Vec<Value> = c
        .app
        .announcements(me)?
        .iter()
        .filter(|a| with_dismissed || !a.read)
        .map(announcement_json)
        .collect();
    Ok(ApiResponse::ok(Value::Array(list)))
}

pub fn dismiss(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    c.app.dismiss_announcement(c.me()?, path_id(found[0])?)?;
    Ok(ApiResponse::ok(json!({})))
}

/// `PUT` (add) or `DELETE` (take back) `/api/v1/announcements/:id/reactions/:name`.
pub fn react(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    // The path arrives decoded: the reaction is the emoji itself.
    let on = c.request.method == "PUT";
    c.app
        .react_to_announcement(c.me()?, path_id(found[0])?, found[1], on)?;
    Ok(ApiResponse::ok(json!({})))
}
