//! Where a request goes: the site's assets (stylesheet, pictures, the health check, ACME
//! answers) without reading a session; the Mastodon client API and OAuth (bearer tokens,
//! never cookies); ActivityPub; and everything else to the pages' route table
//! (`pages::ROUTES`). Runs on a blocking thread.

use hyper::Method;
use porchlight_app::AppError;
use porchlight_federation::media::Size;
use porchlight_web as web;

use crate::{Request, Response, State};

pub fn handle(s: &State, req: &Request) -> Response {
    let segments = req.segments();
    if matches!(req.method, Method::GET | Method::HEAD) {
        match segments.as_slice() {
            ["static", "style.css"] => {
                return static_file(web::STYLE_CSS, "text/css; charset=utf-8");
            }
            ["static", "app.js"] => {
                return static_file(web::APP_JS, "application/javascript; charset=utf-8");
            }
            ["static", picture @ ("avatar.png" | "header.png")] => {
                return Response {
                    status: 200,
                    content_type: "image/png",
                    headers: vec![("cache-control", "public, max-age=86400".to_string())],
                    body: bytes::Bytes::from_static(match *picture {
                        "avatar.png" => web::AVATAR_PNG,
                        _ => web::HEADER_PNG,
                    }),
                };
            }
            ["avatars", name] => return generated_avatar(name),
            ["look", name] => return look_css(name),
            ["health"] => return Response::text(200, "ok"),
            [".well-known", "acme-challenge", token] => {
                return acme_challenge(&s.config.acme_challenges, token);
            }
            ["media", tag, url] => return media(s, tag, url, Size::Large),
            ["media", tag, url, "small"] => return media(s, tag, url, Size::Small),
            ["files", name] => return file(s, name, porchlight_app::App::file),
            ["emoji", name] => return file(s, name, porchlight_app::App::emoji_file),
            _ => {}
        }
    }
    if porchlight_api::is_api_path(&req.segments) {
        return api(s, req);
    }
    if let Some(response) = crate::activitypub::handle(s, req) {
        return response;
    }
    crate::pages::handle(s, req)
}

/// The Mastodon client API and the OAuth endpoints apps call: JSON, open to other origins (web
/// apps such as Elk and Phanpy run on their own sites), authorized by bearer tokens, never by
/// the browser's cookies.
fn api(s: &State, req: &Request) -> Response {
    let base = s.base_url(req.host.as_deref());
    let answer = if req.body_too_large {
        porchlight_api::ApiResponse {
            status: 413,
            body: serde_json::json!({
                "error": format!(
                    "The request is larger than this camp takes (at most {} MB for a picture).",
                    porchlight_pictures::MAX_BYTES / 1_048_576
                )
            }),
            written: None,
            headers: Vec::new(),
        }
    } else {
        porchlight_api::handle(
            &s.app,
            &porchlight_api::ApiRequest {
                method: req.method.as_str(),
                segments: &req.segments,
                query: &req.query,
                headers: &req.headers,
                body: &req.body,
                base_url: &base,
            },
        )
    };
    let mut headers = vec![
        ("access-control-allow-origin", "*".to_string()),
        (
            "access-control-allow-headers",
            "authorization, content-type, idempotency-key".to_string(),
        ),
        (
            "access-control-allow-methods",
            "GET, POST, PUT, PATCH, DELETE, OPTIONS".to_string(),
        ),
        ("access-control-expose-headers", "link".to_string()),
        ("cache-control", "no-store".to_string()),
    ];
    headers.extend(answer.headers);
    Response {
        status: answer.status,
        content_type: "application/json; charset=utf-8",
        headers,
        body: match answer.written {
            Some(written) => bytes::Bytes::from(written),
            None if answer.body.is_null() => bytes::Bytes::new(),
            None => bytes::Bytes::from(answer.body.to_string()),
        },
    }
}

/// The answer to a certificate authority's HTTP-01 challenge, while one is in progress.
pub(crate) fn acme_challenge(challenges: &porchlight_tls::Challenges, token: &str) -> Response {
    match challenges.answer(token) {
        Some(answer) => Response::text(200, &answer),
        None => Response::text(404, "No such challenge."),
    }
}

/// A picture a member uploaded. Its random name is the permission; it never changes, so it is
/// cached for good. `nosniff` and a sandboxing CSP keep a picture from ever acting as a page.
/// How a stored picture is read: its kind and bytes, by file name.
type ReadPicture = fn(
    &porchlight_app::App,
    &str,
) -> porchlight_app::AppResult<(porchlight_pictures::Kind, Vec<u8>)>;

/// A picture stored here (an upload, or a camp emoji), by its file name.
fn file(s: &State, name: &str, read: ReadPicture) -> Response {
    match read(&s.app, name) {
        Ok((kind, bytes)) => Response {
            status: 200,
            content_type: kind.media_type(),
            headers: vec![
                (
                    "cache-control",
                    "public, max-age=31536000, immutable".to_string(),
                ),
                ("x-content-type-options", "nosniff".to_string()),
                (
                    "content-security-policy",
                    "default-src 'none'; sandbox".to_string(),
                ),
                ("access-control-allow-origin", "*".to_string()),
            ],
            body: bytes.into(),
        },
        Err(AppError::NotFound) => Response::text(404, "Not found."),
        Err(e) => {
            log::error!("file {name}: {e}");
            Response::text(503, "The server could not read its database.")
        }
    }
}

/// A picture from another server, through this camp's cache.
fn media(s: &State, tag: &str, url: &str, size: Size) -> Response {
    match s.app.media(tag, url, size) {
        Ok(picture) => Response {
            status: 200,
            content_type: match picture.content_type.as_str() {
                "image/png" => "image/png",
                "image/jpeg" => "image/jpeg",
                "image/gif" => "image/gif",
                "image/webp" => "image/webp",
                _ => "image/avif",
            },
            headers: vec![(
                "cache-control",
                "public, max-age=604800, immutable".to_string(),
            )],
            body: picture.bytes.into(),
        },
        Err(AppError::NotFound) => Response::text(404, "Not found."),
        Err(AppError::Storage(e)) => {
            log::error!("media: {e}");
            Response::text(503, "The server could not read its database.")
        }
        Err(e) => Response::text(502, &e.to_string()),
    }
}

/// The avatar drawn for a handle (`/avatars/ken.png`, `/avatars/mia@elsewhere.example.png`).
fn generated_avatar(name: &str) -> Response {
    let Some(handle) = name.strip_suffix(".png").filter(|h| {
        !h.is_empty()
            && h.len() <= 320
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'@'))
    }) else {
        return Response::text(404, "Not found.");
    };
    Response {
        status: 200,
        content_type: "image/png",
        headers: vec![
            ("cache-control", "public, max-age=604800".to_string()),
            ("x-content-type-options", "nosniff".to_string()),
        ],
        body: porchlight_app::looks::generated_avatar(handle).into(),
    }
}

/// The host's accent colour as a stylesheet (`/look/2a7ab5.css`): the colour is the address,
/// so it is cached for good and a new colour is a new address. Text in the accent and on it
/// must stay readable: light pages darken it and dark pages lighten it just as far as that
/// needs (the top bar shows it exactly).
fn look_css(name: &str) -> Response {
    let Some(accent) = name
        .strip_suffix(".css")
        .filter(|hex| hex.len() == 6)
        .and_then(|hex| porchlight_core::look::parse_accent(hex).ok())
    else {
        return Response::text(404, "Not found.");
    };
    use porchlight_core::look::{
        DARK_ACCENT_INK, LIGHT_ACCENT_INK, for_dark_pages, for_light_pages,
    };
    let css = format!(
        "header.top {{ border-top: 4px solid {accent}; }}\n\
         :root {{ --accent: {}; --accent-ink: {LIGHT_ACCENT_INK}; }}\n\
         @media (prefers-color-scheme: dark) {{ :root {{ --accent: {}; --accent-ink: {DARK_ACCENT_INK}; }} }}\n",
        for_light_pages(&accent),
        for_dark_pages(&accent)
    );
    Response {
        status: 200,
        content_type: "text/css; charset=utf-8",
        headers: vec![(
            "cache-control",
            "public, max-age=31536000, immutable".into(),
        )],
        body: css.into(),
    }
}

fn static_file(content: &'static str, content_type: &'static str) -> Response {
    Response {
        status: 200,
        content_type,
        headers: vec![(
            "cache-control",
            "public, max-age=31536000, immutable".into(),
        )],
        body: bytes::Bytes::from_static(content.as_bytes()),
    }
}
