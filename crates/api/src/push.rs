//! `/api/v1/push/subscription`: an app's Web Push subscription (one per token), as Mastodon
//! takes it: `subscription[endpoint]`, `subscription[keys][p256dh]` and `[auth]`, and
//! `data[alerts][KIND]` and `data[policy]`, in a form or JSON.

use porchlight_app::db::push::Subscription;
use porchlight_app::oauth::Bearer;
use porchlight_app::push::Subscribe;
use porchlight_core::push::ALERTS;
use serde_json::{Map, Value, json};

use crate::{ApiError, ApiResponse, Caller};

fn bearer<'a>(c: &'a Caller) -> Result<&'a Bearer, ApiError> {
    c.bearer
        .as_ref()
        .ok_or_else(|| ApiError::new(401, "This method requires an authenticated user"))
}

/// The alerts asked for: each known one sent as true (`data[alerts][mention]=true`).
fn alerts(c: &Caller, or: &[String]) -> Vec<String> {
    let asked: Vec<String> = ALERTS
        .iter()
        .filter(|a| c.params.deep(&["data", "alerts", a]).is_some())
        .map(|a| a.to_string())
        .collect();
    if asked.is_empty() {
        return or.to_vec();
    }
    ALERTS
        .iter()
        .filter(|a| c.params.deep_flag(&["data", "alerts", a]) == Some(true))
        .map(|a| a.to_string())
        .chain(
            // (Alerts not sent this time keep what they were.)
            or.iter()
                .filter(|a| c.params.deep(&["data", "alerts", a]).is_none())
                .cloned(),
        )
        .collect()
}

fn entity(c: &Caller, s: &Subscription) -> Result<Value, ApiError> {
    let alerts: Map<String, Value> = ALERTS
        .iter()
        .map(|a| (a.to_string(), Value::Bool(s.alerts.iter().any(|x| x == a))))
        .collect();
    Ok(json!({
        "id": s.token_id.to_string(),
        "endpoint": s.endpoint,
        "standard": true,
        "alerts": alerts,
        "policy": s.policy,
        "server_key": c.app.vapid_public_key()?.unwrap_or_default(),
    }))
}

pub fn create(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let bearer = bearer(c)?;
    let field = |keys: &[&str]| {
        c.params
            .deep_text(keys)
            .ok_or_else(|| ApiError::new(422, format!("Missing parameter: {}", keys.join("."))))
    };
    let (endpoint, p256dh, auth) = (
        field(&["subscription", "endpoint"])?,
        field(&["subscription", "keys", "p256dh"])?,
        field(&["subscription", "keys", "auth"])?,
    );
    let policy = c
        .params
        .deep_text(&["data", "policy"])
        .unwrap_or_else(|| "all".into());
    let subscription = c.app.subscribe_push(
        bearer,
        &Subscribe {
            endpoint: &endpoint,
            p256dh: &p256dh,
            auth: &auth,
            alerts: alerts(c, &[]),
            policy: &policy,
        },
    )?;
    Ok(ApiResponse::ok(entity(c, &subscription)?))
}

pub fn show(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let subscription = c.app.push_subscription(bearer(c)?)?;
    Ok(ApiResponse::ok(entity(c, &subscription)?))
}

pub fn update(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let bearer = bearer(c)?;
    let now = c.app.push_subscription(bearer)?;
    let policy = c
        .params
        .deep_text(&["data", "policy"])
        .unwrap_or_else(|| now.policy.clone());
    let changed = c
        .app
        .change_push_alerts(bearer, &alerts(c, &now.alerts), &policy)?;
    Ok(ApiResponse::ok(entity(c, &changed)?))
}

pub fn delete(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    c.app.unsubscribe_push(bearer(c)?)?;
    Ok(ApiResponse::ok(json!({})))
}
