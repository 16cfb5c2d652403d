//! Mutes and blocks: `POST /api/v1/accounts/:id/{mute,unmute,block,unblock}`, and the lists of
//! whom one muted or blocked.

use serde_json::Value;

use crate::social::{person_account, relationship};
use crate::{ApiError, ApiResponse, Caller};

/// `POST /api/v1/accounts/:id/mute`: `notifications` (default true) and `duration` in seconds
/// (0 or absent: for good).
pub fn mute(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let other = crate::path_id(found[0])?;
    let duration = match c.params.text("duration") {
        None => None,
        Some(d) if d.is_empty() => None,
        Some(d) => Some(d.parse::<i64>().map_err(|_| {
            ApiError::new(422, "Validation failed: duration is a number of seconds")
        })?),
    };
    c.app.mute(
        c.me()?,
        other,
        c.params.flag("notifications").unwrap_or(true),
        duration,
    )?;
    Ok(ApiResponse::ok(relationship(c, other)?))
}

pub fn unmute(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let other = crate::path_id(found[0])?;
    c.app.unmute(c.me()?, other)?;
    Ok(ApiResponse::ok(relationship(c, other)?))
}

pub fn block(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let other = crate::path_id(found[0])?;
    c.app.block(c.me()?, other)?;
    Ok(ApiResponse::ok(relationship(c, other)?))
}

pub fn unblock(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let other = crate::path_id(found[0])?;
    c.app.unblock(c.me()?, other)?;
    Ok(ApiResponse::ok(relationship(c, other)?))
}

/// `GET /api/v1/mutes`: accounts, each with `mute_expires_at`.
pub fn mutes(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let muted = c.app.muted(c.me()?)?;
    Ok(ApiResponse::ok(Value::Array(
        muted
            .iter()
            .map(|(person, mute)| {
                let mut account = person_account(c, person);
                account["mute_expires_at"] = mute
                    .expires_at
                    .map_or(Value::Null, |t| crate::entities::timestamp(t).into());
                account
            })
            .collect(),
    )))
}

pub fn blocks(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let blocked = c.app.blocked(c.me()?)?;
    Ok(ApiResponse::ok(Value::Array(
        blocked.iter().map(|p| person_account(c, p)).collect(),
    )))
}
