//! Lists: a member's groups of people they follow, each with its own timeline.

use porchlight_app::db::lists::List;
use porchlight_app::lists::ListChanges;
use serde_json::{Value, json};

use crate::{ApiError, ApiResponse, Caller};

pub fn list_json(l: &List) -> Value {
    json!({
        "id": l.id.to_string(),
        "title": l.title,
        "replies_policy": l.replies_policy.as_str(),
        "exclusive": l.exclusive,
    })
}

/// What a request asks of a list; what it does not send stays as it is.
fn changes(c: &Caller) -> ListChanges {
    ListChanges {
        title: c.params.text("title"),
        replies_policy: c.params.text("replies_policy"),
        exclusive: c.params.flag("exclusive"),
    }
}

pub fn index(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let lists = c.app.lists(c.me()?)?;
    Ok(ApiResponse::ok(lists.iter().map(list_json).collect()))
}

pub fn show(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let list = c.app.list(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(list_json(&list)))
}

pub fn create(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let list = c.app.create_list(c.me()?, &changes(c))?;
    Ok(ApiResponse::ok(list_json(&list)))
}

pub fn update(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let list = c
        .app
        .update_list(c.me()?, crate::path_id(found[0])?, &changes(c))?;
    Ok(ApiResponse::ok(list_json(&list)))
}

pub fn delete(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    c.app.delete_list(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(json!({})))
}

/// `GET /api/v1/lists/:id/accounts`: everyone on it (a list holds at most 500; `limit=0`, as
/// Mastodon reads it, means all, and so does any other limit here: one page).
pub fn accounts(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let people = c.app.list_members(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(
        people
            .iter()
            .map(|p| crate::social::person_account(c, p))
            .collect(),
    ))
}

/// The `account_ids` of a request; one that is not a number is an account that does not exist.
fn account_ids(c: &Caller) -> Result<Vec<i64>, ApiError> {
    let ids = c.params.list("account_ids");
    if ids.is_empty() {
        return Err(ApiError::new(
            422,
            "Validation failed: account_ids can't be blank",
        ));
    }
    ids.iter().map(|id| crate::path_id(id)).collect()
}

pub fn add_accounts(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let ids = account_ids(c)?;
    c.app
        .add_to_list(c.me()?, crate::path_id(found[0])?, &ids)?;
    Ok(ApiResponse::ok(json!({})))
}

pub fn remove_accounts(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let ids = account_ids(c)?;
    c.app
        .remove_from_list(c.me()?, crate::path_id(found[0])?, &ids)?;
    Ok(ApiResponse::ok(json!({})))
}

/// `GET /api/v1/accounts/:id/lists`: which of my lists the account is on.
pub fn with_account(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let lists = c.app.lists_with(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(lists.iter().map(list_json).collect()))
}
