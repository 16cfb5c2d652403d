//! Reports through Mastodon's API: a member reports (`POST /api/v1/reports`), and hosts and
//! moderators work the queue and act on members through the admin API, so that moderation apps
//! work. Every rule (who may act, what a report may carry) is `app`'s.

use porchlight_app::db::accounts::{self, Member};
use porchlight_app::db::moderation::Report;
use porchlight_app::reports::{NewMemberReport, ReportCase};
use porchlight_app::{Acting, AppError};
use porchlight_core::moderation::ReportOutcome;
use serde_json::{Value, json};

use crate::entities::timestamp;
use crate::social::person_account;
use crate::{ApiError, ApiResponse, Caller, path_id};

fn account_of(c: &Caller, id: i64) -> Result<Value, ApiError> {
    let person = c
        .app
        .read(|conn| porchlight_app::db::social::person(conn, id))
        .map_err(AppError::from)?
        .ok_or_else(ApiError::not_found)?;
    Ok(person_account(c, &person))
}

/// Mastodon's `Report`, as the reporter sees it.
fn report_json(c: &Caller, case: &ReportCase) -> Result<Value, ApiError> {
    let r = &case.report;
    Ok(json!({
        "id": r.id.to_string(),
        "action_taken": r.resolved.is_some(),
        "action_taken_at": r.resolved.as_ref().map(|(at, _, _)| timestamp(*at)),
        "category": r.reason.mastodon_category(),
        "comment": r.comment,
        "forwarded": r.forwarded,
        "created_at": timestamp(r.created_at),
        "status_ids": status_ids(case),
        "rule_ids": r.reason.rule().map(|n| vec![n.to_string()]).unwrap_or_default(),
        "target_account": account_of(c, r.target)?,
    }))
}

fn status_ids(case: &ReportCase) -> Vec<String> {
    case.posts
        .iter()
        .filter_map(|p| p.post_id)
        .map(|id| id.to_string())
        .collect()
}

/// `POST /api/v1/reports`: `account_id`, `status_ids[]`, `comment`, `forward`, `category`
/// (`spam`, `violation` with `rule_ids[]`, `legal`, `other`).
pub fn create(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let target = c
        .params
        .text("account_id")
        .ok_or_else(|| ApiError::new(422, "Validation failed: account_id is missing"))
        .and_then(|id| path_id(&id))?;
    let posts = c
        .params
        .list("status_ids")
        .iter()
        .map(|id| path_id(id))
        .collect::<Result<Vec<_>, _>>()?;
    let rules = c.params.list("rule_ids");
    let rule = match rules.first() {
        Some(id) => Some(
            id.parse::<u32>()
                .map_err(|_| ApiError::new(422, format!("Validation failed: no rule {id}")))?,
        ),
        None => None,
    };
    let category = c.params.text("category").unwrap_or_else(|| {
        if rule.is_some() {
            "violation".into()
        } else {
            "other".into()
        }
    });
    let comment = c.params.text("comment").unwrap_or_default();
    let id = c.app.report(
        me,
        &NewMemberReport {
            target,
            posts: &posts,
            category: &category,
            rule,
            comment: &comment,
            forward: c.params.flag("forward").unwrap_or(false),
        },
    )?;
    let case = c.app.report_case(Acting::Shell, id)?;
    Ok(ApiResponse::ok(report_json(c, &case)?))
}

/// Mastodon's `Admin::Account` for a member here or someone elsewhere.
fn admin_account(c: &Caller, id: i64) -> Result<Value, ApiError> {
    let member: Option<Member> = c
        .app
        .read(|conn| accounts::member_by_id(conn, id))
        .map_err(AppError::from)?;
    let account = account_of(c, id)?;
    let suspended = match &member {
        Some(m) => m.suspended_at.is_some(),
        None => c
            .app
            .read(|conn| porchlight_app::db::moderation::suspended_at(conn, id))
            .map_err(AppError::from)?
            .is_some(),
    };
    let role = member.as_ref().map(|m| m.role.as_str()).unwrap_or("");
    Ok(json!({
        "id": id.to_string(),
        "username": account["username"],
        "domain": if member.is_some() { Value::Null } else { account["acct"].as_str().and_then(|a| a.split_once('@')).map(|(_, d)| Value::String(d.into())).unwrap_or(Value::Null) },
        "created_at": account["created_at"],
        "email": "",
        "ip": Value::Null,
        "ips": [],
        "locale": "",
        "invite_request": Value::Null,
        "role": { "id": role, "name": role, "permissions": "0", "color": "", "highlighted": false },
        "confirmed": true,
        "approved": true,
        "disabled": false,
        "silenced": false,
        "suspended": suspended,
        "sensitized": false,
        "account": account,
    }))
}

/// Mastodon's `Admin::Report`.
fn admin_report_json(c: &Caller, case: &ReportCase) -> Result<Value, ApiError> {
    let r: &Report = &case.report;
    let reporter = match &r.reporter {
        Some((id, _)) => admin_account(c, *id)?,
        // A report another server sent: Mastodon names that server's own account; here the
        // reported person stands in, and `comment` says where it came from.
        None => Value::Null,
    };
    let handler = match &r.resolved {
        Some((_, _, Some(name))) => c
            .app
            .read(|conn| accounts::member_by_username(conn, name))
            .map_err(AppError::from)?
            .map(|m| admin_account(c, m.id))
            .transpose()?,
        _ => None,
    };
    let statuses: Vec<Value> = case
        .posts
        .iter()
        .map(|p| {
            json!({
                "id": p.post_id.map(|id| id.to_string()),
                "created_at": timestamp(p.created_at),
                "content": p.html,
                "deleted": p.post_id.is_none(),
            })
        })
        .collect();
    let rules: Vec<Value> = case
        .rule_text
        .iter()
        .zip(r.reason.rule())
        .map(|(text, n)| json!({ "id": n.to_string(), "text": text, "hint": "" }))
        .collect();
    Ok(json!({
        "id": r.id.to_string(),
        "action_taken": r.resolved.is_some(),
        "action_taken_at": r.resolved.as_ref().map(|(at, _, _)| timestamp(*at)),
        "category": r.reason.mastodon_category(),
        "comment": match &r.from_domain {
            Some(domain) => format!("(from {domain}) {}", r.comment),
            None => r.comment.clone(),
        },
        "forwarded": r.forwarded,
        "created_at": timestamp(r.created_at),
        "updated_at": timestamp(r.resolved.as_ref().map(|(at, _, _)| *at).unwrap_or(r.created_at)),
        "account": reporter,
        "target_account": admin_account(c, r.target)?,
        "assigned_account": Value::Null,
        "action_taken_by_account": handler,
        "statuses": statuses,
        "rules": rules,
    }))
}

/// `GET /api/v1/admin/reports`: the open ones, or with `resolved=true` the handled ones.
pub fn admin_index(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let open = !c.params.flag("resolved").unwrap_or(false);
    let cases = c.app.reports(Acting::Member(c.me()?), open)?;
    let out = cases
        .iter()
        .map(|case| admin_report_json(c, case))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ApiResponse::ok(Value::Array(out)))
}

pub fn admin_show(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let case = c
        .app
        .report_case(Acting::Member(c.me()?), path_id(found[0])?)?;
    Ok(ApiResponse::ok(admin_report_json(c, &case)?))
}

/// `POST /api/v1/admin/reports/:id/resolve`: handled with no further action (a moderator who
/// acts uses the account's action first, as in Mastodon).
pub fn admin_resolve(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let id = path_id(found[0])?;
    c.app.resolve_report(me, id, ReportOutcome::Dismissed, "")?;
    let case = c.app.report_case(Acting::Member(me), id)?;
    Ok(ApiResponse::ok(admin_report_json(c, &case)?))
}

/// `GET /api/v1/admin/accounts`: the camp's members.
pub fn admin_accounts(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let members = c.app.members_for_staff(Acting::Member(me))?;
    let out = members
        .iter()
        .map(|m| admin_account(c, m.id))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ApiResponse::ok(Value::Array(out)))
}

pub fn admin_account_show(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    c.app.members_for_staff(Acting::Member(me))?;
    Ok(ApiResponse::ok(admin_account(c, path_id(found[0])?)?))
}

/// `POST /api/v1/admin/accounts/:id/action`: `type` `none` (a warning with `text`) or
/// `suspend`; `report_id` marks that report handled with it. Silencing, disabling and marking
/// sensitive are not things a camp does, and are refused by name.
pub fn admin_action(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let target = path_id(found[0])?;
    let text = c.params.text("text").unwrap_or_default();
    let kind = c.params.text("type").unwrap_or_else(|| "none".into());
    let report = c
        .params
        .text("report_id")
        .map(|id| path_id(&id))
        .transpose()?;
    let outcome = match kind.as_str() {
        "none" => ReportOutcome::Warned,
        "suspend" => ReportOutcome::Suspended,
        other => {
            return Err(ApiError::new(
                422,
                format!(
                    "Validation failed: \"{other}\" is not an action this camp takes (none or suspend)"
                ),
            ));
        }
    };
    match report {
        Some(report) => {
            let case = c.app.report_case(Acting::Member(me), report)?;
            if case.report.target != target {
                return Err(ApiError::new(
                    422,
                    "Validation failed: the report is about someone else",
                ));
            }
            c.app.resolve_report(me, report, outcome, &text)?;
        }
        None => match outcome {
            ReportOutcome::Suspended => c.app.suspend(Acting::Member(me), target, &text)?,
            _ => c.app.warn(me, target, &text)?,
        },
    }
    Ok(ApiResponse::ok(json!({})))
}

pub fn admin_unsuspend(c: &Caller, found: &[&str]) -> Result<ApiResponse, ApiError> {
    let me = c.me()?;
    let target = path_id(found[0])?;
    c.app.unsuspend(Acting::Member(me), target)?;
    Ok(ApiResponse::ok(admin_account(c, target)?))
}

/// The `report` a moderator's `admin.report` notification carries.
pub(crate) fn notification_report(c: &Caller, id: i64) -> Result<Option<Value>, ApiError> {
    let Some(me) = c.member else { return Ok(None) };
    match c.app.report_case(Acting::Member(me), id) {
        Ok(case) => Ok(Some(report_json(c, &case)?)),
        Err(AppError::NotFound | AppError::Forbidden(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
