//! The OAuth2 endpoints apps call directly: registration, the token endpoint (authorization
//! code, with or without PKCE, and client credentials), revocation, the RFC 8414 metadata and
//! `/oauth/userinfo`. The consent page itself (`/oauth/authorize`) is a web page, served by the
//! HTTP layer with the member's session.

use base64::Engine;
use porchlight_app::oauth::{NewApp, OUT_OF_BAND};
use porchlight_core::scopes::KNOWN;
use serde_json::{Value, json};

use crate::{ApiError, ApiResponse, Caller};

pub fn register_app(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let redirect_uris = match c.params.list("redirect_uris").as_slice() {
        [] => String::new(),
        many => many.join("\n"),
    };
    let registered = c.app.register_oauth_app(&NewApp {
        name: &c.params.text("client_name").unwrap_or_default(),
        redirect_uris: &redirect_uris,
        scopes: &c.params.text("scopes").unwrap_or_default(),
        website: &c.params.text("website").unwrap_or_default(),
    })?;
    let mut body = app_json(c, &registered)?;
    body["client_id"] = Value::String(registered.client_id.clone());
    body["client_secret"] = json!(registered.client_secret);
    body["client_secret_expires_at"] = json!(0);
    Ok(ApiResponse::ok(body))
}

/// An Application entity.
fn app_json(c: &Caller, app: &porchlight_app::oauth::RegisteredApp) -> Result<Value, ApiError> {
    Ok(json!({
        "id": app.id.to_string(),
        "name": app.name,
        "website": if app.website.is_empty() { Value::Null } else { Value::String(app.website.clone()) },
        "scopes": app.scopes.iter().collect::<Vec<_>>(),
        "redirect_uri": app.redirect_uris.join("\n"),
        "redirect_uris": app.redirect_uris,
        "vapid_key": c.app.vapid_public_key()?.unwrap_or_default(),
    }))
}

pub fn verify_app(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let bearer = c
        .bearer
        .as_ref()
        .ok_or_else(|| ApiError::new(401, "The access token is invalid"))?;
    let app = c
        .app
        .oauth_app_by_id(bearer.app_id)?
        .ok_or_else(|| ApiError::new(401, "The access token is invalid"))?;
    Ok(ApiResponse::ok(app_json(c, &app)?))
}

/// The client's id and secret: from the form (`client_secret_post`) or HTTP Basic.
fn client(c: &Caller) -> (String, String) {
    if let Some((id, secret)) = c
        .request
        .header("authorization")
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            Some((id.to_string(), secret.to_string()))
        })
    {
        return (id, secret);
    }
    (
        c.params.text("client_id").unwrap_or_default(),
        c.params.text("client_secret").unwrap_or_default(),
    )
}

fn token_response(issued: porchlight_app::oauth::IssuedToken) -> ApiResponse {
    ApiResponse::ok(json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": issued.scopes.to_string(),
        "created_at": issued.created_at,
    }))
}

fn required(c: &Caller, name: &str) -> Result<String, ApiError> {
    c.params
        .text(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError {
            status: 400,
            error: "invalid_request".into(),
            description: Some(format!(
                "The request is missing a required parameter: {name}."
            )),
        })
}

pub fn token(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let (client_id, client_secret) = client(c);
    match required(c, "grant_type")?.as_str() {
        "authorization_code" => {
            let code = required(c, "code")?;
            let redirect_uri = c
                .params
                .text("redirect_uri")
                .unwrap_or_else(|| OUT_OF_BAND.to_string());
            let issued = c.app.exchange_code(
                &client_id,
                &client_secret,
                &code,
                &redirect_uri,
                c.params.text("code_verifier").as_deref(),
            )?;
            Ok(token_response(issued))
        }
        "client_credentials" => {
            let scope = c.params.text("scope").unwrap_or_default();
            Ok(token_response(c.app.client_token(
                &client_id,
                &client_secret,
                &scope,
            )?))
        }
        "password" => Err(ApiError {
            status: 400,
            error: "unsupported_grant_type".into(),
            description: Some(
                "The password grant is not supported: log in through the browser instead.".into(),
            ),
        }),
        _ => Err(ApiError {
            status: 400,
            error: "unsupported_grant_type".into(),
            description: Some(
                "The authorization grant type is not supported by the authorization server.".into(),
            ),
        }),
    }
}

pub fn revoke(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let (client_id, client_secret) = client(c);
    let token = required(c, "token")?;
    c.app.revoke_token(&client_id, &client_secret, &token)?;
    Ok(ApiResponse::ok(json!({})))
}

pub fn metadata(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let base = c.request.base_url;
    Ok(ApiResponse::ok(json!({
        "issuer": format!("{base}/"),
        "service_documentation": format!("{base}/about/oauth"),
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "userinfo_endpoint": format!("{base}/oauth/userinfo"),
        "scopes_supported": KNOWN,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code", "client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
    })))
}

/// Who the token's member is, in OpenID Connect's words: what a "log in with our camp" helper
/// app needs.
pub fn userinfo(c: &Caller, _: &[&str]) -> Result<ApiResponse, ApiError> {
    let member = c.my_member()?;
    let base = c.request.base_url;
    Ok(ApiResponse::ok(json!({
        "iss": format!("{base}/"),
        "sub": format!("{base}/users/{}", member.username),
        "name": member.shown_name(),
        "preferred_username": member.username,
        "profile": format!("{base}/@{}", member.username),
        "picture": crate::entities::member_avatar(base, &member),
        "porchlight_role": member.role.as_str(),
    })))
}
