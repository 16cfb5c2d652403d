//! Filters v2: a member's keyword filters, and their effect on what the API shows (posts a
//! `hide` filter matches are left out; others carry `filtered` so the app can warn or blur).

use std::collections::HashMap;

use porchlight_app::db::filters::{Filter, Keyword};
use porchlight_app::db::timeline::PostView;
use porchlight_app::filters::{FilterInput, KeywordChange};
use porchlight_core::PostId;
use porchlight_core::filters::{Action, Context};
use serde_json::{Map, Value, json};

use crate::{ApiError, ApiResponse, Caller};

fn keyword_json(k: &Keyword) -> Value {
    json!({ "id": k.id.to_string(), "keyword": k.keyword, "whole_word": k.whole_word })
}

fn filter_json(f: &Filter) -> Value {
    json!({
        "id": f.id.to_string(),
        "title": f.title,
        "context": f.contexts.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "expires_at": f.expires_at.map(crate::entities::timestamp),
        "filter_action": f.action.as_str(),
        "keywords": f.keywords.iter().map(keyword_json).collect::<Vec<_>>(),
        "statuses": [],
    })
}

fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(matches!(s.as_str(), "true" | "1" | "on")),
        Value::Number(n) => Some(n.as_i64() == Some(1)),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `keywords_attributes`: new keywords, changed ones (with `id`), removed ones (`_destroy`).
fn keyword_changes(objects: Vec<Map<String, Value>>) -> Result<Vec<KeywordChange>, ApiError> {
    objects
        .into_iter()
        .map(|o| {
            let id = text(o.get("id"))
                .map(|id| crate::path_id(&id))
                .transpose()?;
            Ok(match (id, flag(o.get("_destroy")).unwrap_or(false)) {
                (Some(id), true) => KeywordChange::Remove { id },
                (Some(id), false) => KeywordChange::Change {
                    id,
                    keyword: text(o.get("keyword")),
                    whole_word: flag(o.get("whole_word")),
                },
                (None, _) => KeywordChange::Add {
                    keyword: text(o.get("keyword")).unwrap_or_default(),
                    whole_word: flag(o.get("whole_word")).unwrap_or(true),
                },
            })
        })
        .collect()
}

fn input(c: &Caller) -> Result<FilterInput, ApiError> {
    let contexts = c.params.list("context");
    let expires_in = if c.params.has("expires_in") {
        Some(match c.params.text("expires_in") {
            Some(s) if !s.is_empty() => Some(s.parse::<i64>().map_err(|_| {
                ApiError::new(422, "Validation failed: expires_in is a number of seconds")
            })?),
            _ => None,
        })
    } else {
        None
    };
    Ok(FilterInput {
        title: c.params.text("title"),
        contexts: (c.params.has("context") || c.params.has("context[]")).then_some(contexts),
        action: c.params.text("filter_action"),
        expires_in,
        keywords: keyword_changes(c.params.objects("keywords_attributes"))?,
    })
}

pub fn index(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let filters = c.app.filters(c.me()?)?;
    Ok(ApiResponse::ok(filters.iter().map(filter_json).collect()))
}

pub fn show(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let f = c.app.filter(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(filter_json(&f)))
}

pub fn create(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let f = c.app.create_filter(c.me()?, &input(c)?)?;
    Ok(ApiResponse::ok(filter_json(&f)))
}

pub fn update(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let f = c
        .app
        .update_filter(c.me()?, crate::path_id(found[0])?, &input(c)?)?;
    Ok(ApiResponse::ok(filter_json(&f)))
}

pub fn delete(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    c.app.delete_filter(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(json!({})))
}

pub fn keywords(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let f = c.app.filter(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(
        f.keywords.iter().map(keyword_json).collect(),
    ))
}

/// `POST /api/v2/filters/:id/keywords`.
pub fn add_keyword(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let before = c.app.filter(c.me()?, crate::path_id(found[0])?)?;
    let after = c.app.change_filter_keywords(
        c.me()?,
        before.id,
        vec![KeywordChange::Add {
            keyword: c.params.text("keyword").unwrap_or_default(),
            whole_word: c.params.flag("whole_word").unwrap_or(true),
        }],
    )?;
    let added = after
        .keywords
        .iter()
        .find(|k| !before.keywords.iter().any(|b| b.id == k.id))
        .ok_or_else(ApiError::not_found)?;
    Ok(ApiResponse::ok(keyword_json(added)))
}

pub fn keyword(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let (_, k) = c.app.filter_keyword(c.me()?, crate::path_id(found[0])?)?;
    Ok(ApiResponse::ok(keyword_json(&k)))
}

pub fn update_keyword(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let (filter, k) = c.app.filter_keyword(c.me()?, crate::path_id(found[0])?)?;
    let after = c.app.change_filter_keywords(
        c.me()?,
        filter,
        vec![KeywordChange::Change {
            id: k.id,
            keyword: c.params.text("keyword"),
            whole_word: c.params.flag("whole_word"),
        }],
    )?;
    let changed = after.keywords.iter().find(|w| w.id == k.id);
    Ok(ApiResponse::ok(changed.map_or(Value::Null, keyword_json)))
}

pub fn delete_keyword(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let (filter, k) = c.app.filter_keyword(c.me()?, crate::path_id(found[0])?)?;
    c.app
        .change_filter_keywords(c.me()?, filter, vec![KeywordChange::Remove { id: k.id }])?;
    Ok(ApiResponse::ok(json!({})))
}

/// Applies the reader's filters for `context` to `posts`: leaves out what a `hide` filter
/// matches, and returns the `filtered` results for the rest, by post.
pub(crate) fn apply(
    c: &Caller,
    context: Context,
    posts: &mut Vec<PostView>,
) -> Result<HashMap<PostId, Vec<Value>>, ApiError> {
    let Some(me) = c.member else {
        return Ok(HashMap::new());
    };
    let ids: Vec<PostId> = posts.iter().map(|p| p.id).collect();
    let matches = c.app.filter_matches(me, context, &ids)?;
    let mut results: HashMap<PostId, Vec<Value>> = HashMap::new();
    let mut hidden = Vec::new();
    for m in matches {
        if m.filter.action == Action::Hide {
            hidden.push(m.post);
        }
        results.entry(m.post).or_default().push(json!({
            "filter": filter_json(&m.filter),
            "keyword_matches": m.keywords,
            "status_matches": [],
        }));
    }
    posts.retain(|p| !hidden.contains(&p.id));
    Ok(results)
}
