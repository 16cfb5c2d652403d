//! The Mastodon client API and its OAuth2 endpoints, so that the apps campers already use (Tusky,
//! Ivory, Ice Cubes, Elk, Phanpy…) work unchanged. Synchronous, like the web router: the HTTP
//! layer hands over an [`ApiRequest`] on a blocking thread and sends back the [`ApiResponse`].
//!
//! Every route is in one table, [`ROUTES`], with what it needs: nothing, or a member's token with
//! one of a few scopes. The table is the only way in, so a test can walk it and show that no
//! route answers a token without the scope it needs.

mod announcements;
mod conversations;
mod endpoints;
pub mod entities;
mod filters;
mod lists;
mod media;
mod muting;
mod oauth;
mod params;
mod push;
mod reports;
mod social;
pub mod streaming;

use porchlight_app::{App, AppError};
use porchlight_core::AccountId;
use serde_json::{Value, json};

pub use params::{Params, Upload, read_multipart};

/// One API request, as the HTTP layer read it.
pub struct ApiRequest<'a> {
    pub method: &'a str,
    /// The decoded path segments: `/api/v1/statuses/5` is `["api", "v1", "statuses", "5"]`.
    pub segments: &'a [String],
    pub query: &'a [(String, String)],
    /// Header names in lower case.
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
    /// The camp's address, for links in documents: `https://camp.example`.
    pub base_url: &'a str,
}

impl ApiRequest<'_> {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One answer: JSON (or nothing), a status, and extra headers (`Link` for pages).
#[derive(Debug)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Value,
    /// The body already written as JSON (a page of statuses, serialized straight from typed
    /// entities); `body` is then null.
    pub written: Option<Vec<u8>>,
    pub headers: Vec<(&'static str, String)>,
}

impl ApiResponse {
    pub fn ok(body: Value) -> ApiResponse {
        ApiResponse {
            status: 200,
            body,
            written: None,
            headers: Vec::new(),
        }
    }

    /// A 200 whose body is `entity` written as JSON.
    pub fn written(entity: &impl serde::Serialize) -> ApiResponse {
        ApiResponse {
            written: Some(serde_json::to_vec(entity).unwrap_or_default()),
            ..ApiResponse::ok(Value::Null)
        }
    }

    fn with_header(mut self, name: &'static str, value: String) -> ApiResponse {
        self.headers.push((name, value));
        self
    }
}

/// An error as Mastodon returns it: `{"error": "…"}` with a status.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub error: String,
    /// OAuth errors also carry a description.
    pub description: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, error: impl Into<String>) -> ApiError {
        ApiError {
            status,
            error: error.into(),
            description: None,
        }
    }
    pub(crate) fn not_found() -> ApiError {
        ApiError::new(404, "Record not found")
    }
    fn response(self) -> ApiResponse {
        let mut body = json!({ "error": self.error });
        if let Some(d) = self.description {
            body["error_description"] = Value::String(d);
        }
        ApiResponse {
            status: self.status,
            body,
            written: None,
            headers: Vec::new(),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::NotFound => ApiError::not_found(),
            AppError::NotSignedIn => {
                ApiError::new(401, "This method requires an authenticated user")
            }
            AppError::Forbidden(m) => ApiError::new(403, m),
            AppError::Storage(ref s) if porchlight_app::storage_full(s) => {
                ApiError::new(507, e.to_string())
            }
            AppError::Storage(_) => ApiError::new(500, e.to_string()),
            e => ApiError::new(422, format!("Validation failed: {e}")),
        }
    }
}

impl From<porchlight_app::oauth::OAuthError> for ApiError {
    fn from(e: porchlight_app::oauth::OAuthError) -> ApiError {
        ApiError {
            status: e.status,
            error: e.error.to_string(),
            description: Some(e.description),
        }
    }
}

/// What a route needs from the caller.
#[derive(Clone, Copy, Debug)]
pub enum Needs {
    /// Anyone; a token, if given, must be valid (it makes the reader a member).
    Nothing,
    /// A member's token with at least one of these scopes.
    Member(&'static [&'static str]),
    /// Any valid token (an app's own, or a member's) with one of these scopes.
    Token(&'static [&'static str]),
}

/// The caller as the route sees it.
pub struct Caller<'a> {
    pub app: &'a App,
    pub request: &'a ApiRequest<'a>,
    pub params: Params,
    /// The member the token speaks for.
    pub member: Option<AccountId>,
    pub bearer: Option<porchlight_app::oauth::Bearer>,
}

impl Caller<'_> {
    fn me(&self) -> Result<AccountId, ApiError> {
        self.member
            .ok_or_else(|| ApiError::new(401, "This method requires an authenticated user"))
    }
    /// The member the token speaks for, as stored.
    fn my_member(&self) -> Result<porchlight_app::db::accounts::Member, ApiError> {
        let me = self.me()?;
        self.app
            .read(|conn| porchlight_app::db::accounts::member_by_id(conn, me))
            .map_err(AppError::from)?
            .ok_or_else(|| ApiError::new(401, "The access token is invalid"))
    }

    /// The custom emoji of an account's name and bio (see `App::account_emojis`).
    fn account_emojis(
        &self,
        account: porchlight_core::AccountId,
    ) -> Result<Vec<porchlight_core::views::Emoji>, ApiError> {
        Ok(self.app.account_emojis(account)?)
    }

    fn reader(&self) -> porchlight_app::db::timeline::Reader {
        porchlight_app::db::timeline::Reader {
            account: self.member,
        }
    }
}

/// A numeric id from the path; anything else is a record that does not exist.
pub(crate) fn path_id(text: &str) -> Result<i64, ApiError> {
    text.parse().map_err(|_| ApiError::not_found())
}

type Handler = fn(&Caller, &[&str]) -> Result<ApiResponse, ApiError>;

/// One route: a method, a path pattern (`:id` matches one segment), what it needs, its handler.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
    handler: Handler,
}

const fn route(method: &'static str, path: &'static str, needs: Needs, handler: Handler) -> Route {
    Route {
        method,
        path,
        needs,
        handler,
    }
}

use Needs::{Member, Nothing, Token};

/// Every route of the API, one per line.
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    route("POST", "/api/v1/apps", Nothing, oauth::register_app),
    route("GET", "/api/v1/apps/verify_credentials", Token(&["read", "write", "follow", "push", "profile"]), oauth::verify_app),
    route("POST", "/oauth/token", Nothing, oauth::token),
    route("POST", "/oauth/revoke", Nothing, oauth::revoke),
    route("GET", "/.well-known/oauth-authorization-server", Nothing, oauth::metadata),
    route("GET", "/oauth/userinfo", Member(&["profile"]), oauth::userinfo),
    route("POST", "/oauth/userinfo", Member(&["profile"]), oauth::userinfo),
    route("GET", "/api/v1/instance", Nothing, endpoints::instance_v1),
    route("GET", "/api/v2/instance", Nothing, endpoints::instance_v2),
    route("GET", "/api/v1/instance/extended_description", Nothing, endpoints::extended_description),
    route("GET", "/api/v1/accounts/verify_credentials", Member(&["profile", "read:accounts"]), endpoints::verify_credentials),
    route("GET", "/api/v1/accounts/lookup", Nothing, endpoints::account_lookup),
    route("PATCH", "/api/v1/accounts/update_credentials", Member(&["write:accounts"]), endpoints::update_credentials),
    route("GET", "/api/v1/accounts/relationships", Member(&["read:follows"]), social::relationships),
    route("GET", "/api/v1/accounts/:id", Nothing, endpoints::account),
    route("GET", "/api/v1/accounts/:id/statuses", Nothing, endpoints::account_statuses),
    route("GET", "/api/v1/accounts/:id/followers", Nothing, social::followers),
    route("GET", "/api/v1/accounts/:id/following", Nothing, social::following),
    route("POST", "/api/v1/accounts/:id/follow", Member(&["write:follows"]), social::follow),
    route("POST", "/api/v1/accounts/:id/unfollow", Member(&["write:follows"]), social::unfollow),
    route("POST", "/api/v1/accounts/:id/mute", Member(&["write:mutes"]), muting::mute),
    route("POST", "/api/v1/accounts/:id/unmute", Member(&["write:mutes"]), muting::unmute),
    route("POST", "/api/v1/accounts/:id/block", Member(&["write:blocks"]), muting::block),
    route("POST", "/api/v1/accounts/:id/unblock", Member(&["write:blocks"]), muting::unblock),
    route("GET", "/api/v1/mutes", Member(&["read:mutes"]), muting::mutes),
    route("GET", "/api/v1/blocks", Member(&["read:blocks"]), muting::blocks),
    route("POST", "/api/v1/statuses", Member(&["write:statuses"]), endpoints::post_status),
    route("GET", "/api/v1/statuses/:id", Nothing, endpoints::status),
    route("DELETE", "/api/v1/statuses/:id", Member(&["write:statuses"]), endpoints::delete_status),
    route("PUT", "/api/v1/statuses/:id", Member(&["write:statuses"]), endpoints::edit),
    route("GET", "/api/v1/statuses/:id/context", Nothing, endpoints::context),
    route("GET", "/api/v1/statuses/:id/source", Member(&["read:statuses"]), endpoints::source),
    route("GET", "/api/v1/statuses/:id/history", Nothing, endpoints::history),
    route("GET", "/api/v1/statuses/:id/favourited_by", Nothing, social::favourited_by),
    route("GET", "/api/v1/statuses/:id/reblogged_by", Nothing, social::reblogged_by),
    route("POST", "/api/v1/statuses/:id/favourite", Member(&["write:favourites"]), endpoints::favourite),
    route("POST", "/api/v1/statuses/:id/unfavourite", Member(&["write:favourites"]), endpoints::unfavourite),
    route("POST", "/api/v1/statuses/:id/reblog", Member(&["write:statuses"]), endpoints::reblog),
    route("POST", "/api/v1/statuses/:id/unreblog", Member(&["write:statuses"]), endpoints::unreblog),
    route("POST", "/api/v1/statuses/:id/bookmark", Member(&["write:bookmarks"]), endpoints::bookmark),
    route("POST", "/api/v1/statuses/:id/pin", Member(&["write:accounts"]), endpoints::pin),
    route("POST", "/api/v1/statuses/:id/unpin", Member(&["write:accounts"]), endpoints::unpin),
    route("POST", "/api/v1/statuses/:id/unbookmark", Member(&["write:bookmarks"]), endpoints::unbookmark),
    route("POST", "/api/v2/media", Member(&["write:media"]), media::upload),
    route("GET", "/api/v1/polls/:id", Nothing, endpoints::poll),
    route("POST", "/api/v1/polls/:id/votes", Member(&["write:statuses"]), endpoints::vote),
    route("POST", "/api/v1/media", Member(&["write:media"]), media::upload),
    route("GET", "/api/v1/media/:id", Member(&["write:media"]), media::get),
    route("PUT", "/api/v1/media/:id", Member(&["write:media"]), media::update),
    route("DELETE", "/api/v1/media/:id", Member(&["write:media"]), media::delete),
    route("GET", "/api/v1/timelines/home", Member(&["read:statuses"]), endpoints::home),
    route("GET", "/api/v1/timelines/public", Nothing, endpoints::public),
    route("GET", "/api/v1/timelines/neighborhood", Member(&["read:statuses"]), endpoints::neighborhood),
    route("GET", "/api/v1/timelines/bubble", Member(&["read:statuses"]), endpoints::neighborhood),
    route("GET", "/api/v1/timelines/tag/:tag", Nothing, endpoints::tag),
    route("GET", "/api/v1/conversations", Member(&["read:statuses"]), conversations::index),
    route("DELETE", "/api/v1/conversations/:id", Member(&["write:conversations"]), conversations::remove),
    route("POST", "/api/v1/conversations/:id/read", Member(&["write:conversations"]), conversations::mark_read),
    route("GET", "/api/v1/bookmarks", Member(&["read:bookmarks"]), endpoints::bookmarks),
    route("GET", "/api/v2/search", Nothing, endpoints::search),
    route("GET", "/api/v1/notifications", Member(&["read:notifications"]), social::notifications),
    route("POST", "/api/v1/notifications/clear", Member(&["write:notifications"]), social::clear),
    route("GET", "/api/v1/notifications/:id", Member(&["read:notifications"]), social::notification),
    route("POST", "/api/v1/notifications/:id/dismiss", Member(&["write:notifications"]), social::dismiss),
    route("POST", "/api/v1/push/subscription", Member(&["push"]), push::create),
    route("GET", "/api/v1/push/subscription", Member(&["push"]), push::show),
    route("PUT", "/api/v1/push/subscription", Member(&["push"]), push::update),
    route("DELETE", "/api/v1/push/subscription", Member(&["push"]), push::delete),
    route("GET", "/api/v1/custom_emojis", Nothing, endpoints::custom_emojis),
    route("GET", "/api/v1/announcements", Member(&["read"]), announcements::index),
    route("POST", "/api/v1/announcements/:id/dismiss", Member(&["write:accounts"]), announcements::dismiss),
    route("PUT", "/api/v1/announcements/:id/reactions/:name", Member(&["write:favourites"]), announcements::react),
    route("DELETE", "/api/v1/announcements/:id/reactions/:name", Member(&["write:favourites"]), announcements::react),
    route("GET", "/api/v1/lists", Member(&["read:lists"]), lists::index),
    route("POST", "/api/v1/lists", Member(&["write:lists"]), lists::create),
    route("GET", "/api/v1/lists/:id", Member(&["read:lists"]), lists::show),
    route("PUT", "/api/v1/lists/:id", Member(&["write:lists"]), lists::update),
    route("DELETE", "/api/v1/lists/:id", Member(&["write:lists"]), lists::delete),
    route("GET", "/api/v1/lists/:id/accounts", Member(&["read:lists"]), lists::accounts),
    route("POST", "/api/v1/lists/:id/accounts", Member(&["write:lists"]), lists::add_accounts),
    route("DELETE", "/api/v1/lists/:id/accounts", Member(&["write:lists"]), lists::remove_accounts),
    route("GET", "/api/v1/accounts/:id/lists", Member(&["read:lists"]), lists::with_account),
    route("GET", "/api/v1/timelines/list/:id", Member(&["read:lists"]), endpoints::list_timeline),
    route("GET", "/api/v2/filters", Member(&["read:filters"]), filters::index),
    route("POST", "/api/v2/filters", Member(&["write:filters"]), filters::create),
    route("GET", "/api/v2/filters/:id", Member(&["read:filters"]), filters::show),
    route("PUT", "/api/v2/filters/:id", Member(&["write:filters"]), filters::update),
    route("DELETE", "/api/v2/filters/:id", Member(&["write:filters"]), filters::delete),
    route("GET", "/api/v2/filters/:id/keywords", Member(&["read:filters"]), filters::keywords),
    route("POST", "/api/v2/filters/:id/keywords", Member(&["write:filters"]), filters::add_keyword),
    route("GET", "/api/v2/filter_keywords/:id", Member(&["read:filters"]), filters::keyword),
    route("PUT", "/api/v2/filter_keywords/:id", Member(&["write:filters"]), filters::update_keyword),
    route("DELETE", "/api/v2/filter_keywords/:id", Member(&["write:filters"]), filters::delete_keyword),
    route("GET", "/api/v1/filters", Member(&["read:filters"]), social::none),
    route("GET", "/api/v1/follow_requests", Member(&["read:follows"]), social::none),
    route("GET", "/api/v1/followed_tags", Member(&["read:follows"]), social::none),
    route("GET", "/api/v1/trends/tags", Nothing, social::none),
    route("GET", "/api/v1/trends/statuses", Nothing, social::none),
    route("GET", "/api/v1/trends/links", Nothing, social::none),
    route("GET", "/api/v2/suggestions", Member(&["read"]), social::suggestions),
    route("GET", "/api/v1/suggestions", Member(&["read"]), social::suggested_accounts),
    route("GET", "/api/v1/markers", Member(&["read:statuses"]), social::markers),
    route("POST", "/api/v1/markers", Member(&["write:statuses"]), social::set_markers),
    route("GET", "/api/v1/preferences", Member(&["read:accounts"]), social::preferences),
    route("POST", "/api/v1/reports", Member(&["write:reports"]), reports::create),
    route("GET", "/api/v1/admin/reports", Member(&["admin:read:reports"]), reports::admin_index),
    route("GET", "/api/v1/admin/reports/:id", Member(&["admin:read:reports"]), reports::admin_show),
    route("POST", "/api/v1/admin/reports/:id/resolve", Member(&["admin:write:reports"]), reports::admin_resolve),
    route("GET", "/api/v1/admin/accounts", Member(&["admin:read:accounts"]), reports::admin_accounts),
    route("GET", "/api/v1/admin/accounts/:id", Member(&["admin:read:accounts"]), reports::admin_account_show),
    route("POST", "/api/v1/admin/accounts/:id/action", Member(&["admin:write:accounts"]), reports::admin_action),
    route("POST", "/api/v1/admin/accounts/:id/unsuspend", Member(&["admin:write:accounts"]), reports::admin_unsuspend),
];

/// Whether `path` is one this module answers (then it answers every method there, with 404 or
/// 405 for what it does not know).
pub fn is_api_path(segments: &[String]) -> bool {
    matches!(
        segments.first().map(String::as_str),
        Some("api") | Some("oauth")
    ) && !(segments.len() == 2 && segments[0] == "oauth" && segments[1] == "authorize")
        || (segments.len() == 2
            && segments[0] == ".well-known"
            && segments[1] == "oauth-authorization-server")
}

/// The path parameters if `segments` matches `pattern`.
fn matches<'s>(pattern: &str, segments: &'s [String]) -> Option<Vec<&'s str>> {
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut found = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if part.starts_with(':') {
            found.push(segment.as_str());
        } else if *part != segment {
            return None;
        }
    }
    Some(found)
}

/// The token from `Authorization: Bearer …` (or `access_token` in the query, as the streaming
/// API and some apps send it).
fn bearer_token<'r>(request: &'r ApiRequest) -> Option<&'r str> {
    request
        .header("authorization")
        .and_then(|h| {
            let (kind, token) = h.split_once(' ')?;
            kind.eq_ignore_ascii_case("bearer").then_some(token.trim())
        })
        .or_else(|| {
            request
                .query
                .iter()
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v.as_str())
        })
}

/// Answers an API request.
pub fn handle(app: &App, request: &ApiRequest) -> ApiResponse {
    if request.method == "OPTIONS" {
        return ApiResponse {
            status: 204,
            body: Value::Null,
            written: None,
            headers: Vec::new(),
        };
    }
    // A literal segment beats a `:param` (`/accounts/relationships` before `/accounts/:id`).
    let mut path_matched = false;
    let mut best: Option<(&Route, Vec<&str>)> = None;
    for route in ROUTES {
        let Some(found) = matches(route.path, request.segments) else {
            continue;
        };
        path_matched = true;
        let method_fits =
            route.method == request.method || (request.method == "HEAD" && route.method == "GET");
        if method_fits && best.as_ref().is_none_or(|(_, b)| found.len() < b.len()) {
            best = Some((route, found));
        }
    }
    if let Some((route, found)) = best {
        return match run(app, request, route, &found) {
            Ok(response) => response,
            Err(e) => e.response(),
        };
    }
    if path_matched {
        ApiError::new(405, "Method not allowed").response()
    } else {
        ApiError::not_found().response()
    }
}

fn run(
    app: &App,
    request: &ApiRequest,
    route: &Route,
    found: &[&str],
) -> Result<ApiResponse, ApiError> {
    let params = Params::read(request)?;
    let bearer = match bearer_token(request) {
        None => None,
        Some(token) => match app.bearer(token)? {
            Some(b) => Some(b),
            None => return Err(ApiError::new(401, "The access token is invalid")),
        },
    };
    let allowed = |scopes: &[&str], b: &porchlight_app::oauth::Bearer| {
        scopes.iter().any(|s| b.scopes.allows(s))
    };
    match (route.needs, &bearer) {
        (Needs::Nothing, _) => {}
        (Needs::Member(_), None) | (Needs::Token(_), None) => {
            return Err(ApiError::new(401, "The access token is invalid"));
        }
        (Needs::Member(_), Some(b)) if b.account_id.is_none() => {
            return Err(ApiError::new(
                422,
                "This method requires an authenticated user",
            ));
        }
        (Needs::Member(scopes), Some(b)) | (Needs::Token(scopes), Some(b)) => {
            if !allowed(scopes, b) {
                return Err(ApiError::new(
                    403,
                    "This action is outside the authorized scopes",
                ));
            }
        }
    }
    // On open routes a token makes the reader a member only if it may read: a token for
    // `profile` alone must not open camp-only posts.
    let member = bearer
        .as_ref()
        .filter(|b| match route.needs {
            Needs::Nothing => b.scopes.allows("read:statuses"),
            _ => true,
        })
        .and_then(|b| b.account_id);
    let caller = Caller {
        app,
        request,
        params,
        member,
        bearer,
    };
    (route.handler)(&caller, found)
}
