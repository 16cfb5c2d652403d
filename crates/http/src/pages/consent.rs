//! The OAuth consent page: an app asks for access to a member's account, the member (logged in
//! on this site, with its form token) says yes or no, and the answer goes back to the app's
//! registered redirect address only.

use porchlight_app::AppResult;
use porchlight_web as web;
use web::Nav;

use super::{Ctx, page};
use crate::Response;

pub(super) fn ask(x: &Ctx) -> AppResult<Response> {
    authorize(x, false)
}

pub(super) fn answer(x: &Ctx) -> AppResult<Response> {
    authorize(x, true)
}

/// The OAuth consent page (`answering` false: show it; true: the member's answer). Only a
/// member who is logged in sees it; anyone else logs in first and comes back. A request that
/// fails its checks is shown as an error here and never sent to its redirect address, which
/// may be an attacker's.
fn authorize(x: &Ctx, answering: bool) -> AppResult<Response> {
    let (s, req, v) = (x.s, x.req, x.v);
    let param = |name: &str| -> String {
        if answering {
            req.field(name).to_string()
        } else {
            req.query(name).unwrap_or("").to_string()
        }
    };
    let optional = |name: &str| Some(param(name)).filter(|v| !v.is_empty());
    let (client_id, response_type, redirect_uri, scope) = (
        param("client_id"),
        param("response_type"),
        param("redirect_uri"),
        param("scope"),
    );
    let (state, code_challenge, code_challenge_method) = (
        optional("state"),
        optional("code_challenge"),
        optional("code_challenge_method"),
    );
    let checked = s
        .app
        .check_authorization_request(&porchlight_app::oauth::AuthorizationAsk {
            client_id: &client_id,
            response_type: &response_type,
            redirect_uri: &redirect_uri,
            scope: &scope,
            state: state.as_deref(),
            code_challenge: code_challenge.as_deref(),
            code_challenge_method: code_challenge_method.as_deref(),
        });
    let request = match checked {
        Ok(request) => request,
        Err(e) => {
            return Ok(page(
                400,
                web::error_page(
                    &x.chrome(Nav::None),
                    400,
                    &format!(
                        "This app's request cannot be granted: {} ({})",
                        e.description, e.error
                    ),
                ),
            ));
        }
    };
    let Some(me) = v.me.as_ref() else {
        return Ok(Response::redirect(&format!(
            "/login?next={}",
            percent_encoding::utf8_percent_encode(
                &req.path_and_query,
                percent_encoding::NON_ALPHANUMERIC
            )
        )));
    };
    let out_of_band = request.redirect_uri == porchlight_app::oauth::OUT_OF_BAND;
    // Where the answer goes: the redirect address with the code (or the refusal) and the state.
    let send_back = |pairs: &[(&str, &str)]| -> Response {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if let Some(state) = &request.state {
            query.append_pair("state", state);
        }
        let separator = if request.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        Response::redirect(&format!(
            "{}{separator}{}",
            request.redirect_uri,
            query.finish()
        ))
    };
    if !answering {
        let fields: Vec<(&str, String)> = [
            "client_id",
            "response_type",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
        ]
        .into_iter()
        .map(|name| (name, param(name)))
        .filter(|(_, value)| !value.is_empty())
        .collect();
        let scopes = request.scopes.to_string();
        let response = page(
            200,
            web::consent(
                &x.chrome(Nav::None),
                &web::ConsentView {
                    app_name: &request.app.name,
                    website: &request.app.website,
                    scopes: &scopes,
                    fields: &fields,
                },
            ),
        );
        // The answer is a redirect to the app; the page's policy must let the form go there.
        let target = if out_of_band {
            String::new()
        } else {
            format!(" {}", redirect_source(&request.redirect_uri))
        };
        return Ok(response.with_header(
            "content-security-policy",
            format!(
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                 form-action 'self'{target}; frame-ancestors 'none'; base-uri 'none'"
            ),
        ));
    }
    if req.field("decision") != "approve" {
        if out_of_band {
            return Ok(Response::redirect("/"));
        }
        return Ok(send_back(&[
            ("error", "access_denied"),
            ("error_description", "The member said no."),
        ]));
    }
    let code = s.app.authorize_app(me.id, &request)?;
    if out_of_band {
        return Ok(page(
            200,
            web::oauth_code(&x.chrome(Nav::None), &request.app.name, &code),
        ));
    }
    Ok(send_back(&[("code", &code)]))
}

/// The CSP source that allows a redirect address: its origin for http(s), its scheme otherwise.
fn redirect_source(uri: &str) -> String {
    match uri.split_once("://") {
        Some((scheme, rest)) if scheme == "http" || scheme == "https" => {
            let host = rest.split(['/', '?']).next().unwrap_or("");
            format!("{scheme}://{host}")
        }
        _ => format!("{}:", uri.split(':').next().unwrap_or("")),
    }
}
