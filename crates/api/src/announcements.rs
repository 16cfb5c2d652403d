//! Mastodon's announcements API: the hosts' announcements, dismissing one, and reactions.

use porchlight_app::db::announcements::Announcement;
use porchlight_app::db::emoji::CampEmoji;
use serde_json::{Value, json};

use crate::entities::timestamp;
use crate::{ApiError, ApiResponse, Caller, path_id};

/// An announcement; a reaction with one of the camp's emoji carries its picture's address.
fn announcement_json(a: &Announcement, base: &str, camp_emoji: &[CampEmoji]) -> Value {
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
        "reactions": a.reactions.iter().map(|(name, count, me)| {
            let mut reaction = json!({"name": name, "count": count, "me": me});
            if let Some(emoji) = camp_emoji.iter().find(|e| &e.shortcode == name) {
                let url = format!("{base}{}", emoji.path());
                reaction["url"] = json!(url);
                reaction["static_url"] = json!(url);
            }
            reaction
        }).collect::<Vec<_>>(),
    })
}

/// `GET /api/v1/announcements`: all of them, oldest first as Mastodon lists them
/// (`with_dismissed=false` leaves out those the member dismissed, as Mastodon's default does
/// not; both are Mastodon's).
pub fn index(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let with_dismissed = c.params.flag("with_dismissed").unwrap_or(true);
    let camp_emoji = c.app.camp_emojis()?;
    let list: Vec<Value> = c
        .app
        .announcements(me)?
        .iter()
        .rev()
        .filter(|a| with_dismissed || !a.read)
        .map(|a| announcement_json(a, c.request.base_url, &camp_emoji))
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
