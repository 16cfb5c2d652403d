//! Conversations: threads of direct posts, for the apps' direct-message tab.

use porchlight_app::db::conversations::{self, Conversation};
use porchlight_app::db::social;
use serde_json::{Value, json};

use crate::{ApiError, ApiResponse, Caller};

fn read<T>(
    c: &Caller,
    f: impl FnOnce(&porchlight_app::db::Connection) -> porchlight_app::db::Result<T>,
) -> Result<T, ApiError> {
    Ok(c.app.read(f).map_err(porchlight_app::AppError::from)?)
}

fn conversation_json(c: &Caller, conv: &Conversation) -> Result<Value, ApiError> {
    let mut accounts = Vec::new();
    for &id in &conv.others {
        if let Some(p) = read(c, |conn| social::person(conn, id))? {
            accounts.push(crate::social::person_account(c, &p));
        }
    }
    let last = c.app.view_post(c.reader(), conv.last_post)?;
    let mut last = crate::entities::statuses(c.app, c.request.base_url, vec![last])?;
    Ok(json!({
        "id": conv.id.to_string(),
        "unread": conv.unread,
        "accounts": accounts,
        "last_status": last.pop().unwrap_or(Value::Null),
    }))
}

/// `GET /api/v1/conversations`, the most recently active first, paged by `max_id`.
pub fn index(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let limit = c.params.limit(20, 40) as usize;
    let max_id = c.params.text("max_id").and_then(|m| m.parse().ok());
    let found = read(c, |conn| conversations::of_member(conn, me, max_id, limit))?;
    let list = found
        .iter()
        .map(|conv| conversation_json(c, conv))
        .collect::<Result<Vec<_>, _>>()?;
    let mut response = ApiResponse::ok(Value::Array(list));
    if let (Some(last), true) = (found.last(), found.len() == limit) {
        response = response.with_header(
            "link",
            format!(
                "<{}/api/v1/conversations?max_id={}>; rel=\"next\"",
                c.request.base_url, last.last_post
            ),
        );
    }
    Ok(response)
}

fn mine(c: &Caller, found: &[&str]) -> Result<Conversation, ApiError> {
    let me = c.me()?;
    let id = crate::path_id(found[0])?;
    read(c, |conn| conversations::one(conn, me, id))?.ok_or_else(ApiError::not_found)
}

/// `POST /api/v1/conversations/:id/read`.
pub fn mark_read(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let mut conv = mine(c, found)?;
    let me = c.me()?;
    c.app.mark_conversation_read(me, conv.id, conv.last_post)?;
    conv.unread = false;
    Ok(ApiResponse::ok(conversation_json(c, &conv)?))
}

/// `DELETE /api/v1/conversations/:id`: put away, until someone writes in it again. The posts
/// stay.
pub fn remove(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let conv = mine(c, found)?;
    let me = c.me()?;
    c.app.put_conversation_away(me, conv.id, conv.last_post)?;
    Ok(ApiResponse::ok(json!({})))
}
