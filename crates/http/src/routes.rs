//! The router: every page and form. Runs on a blocking thread; each request does its reads in one
//! read transaction and its change in one write transaction (through the use cases of
//! `porchlight-app`).

use hyper::Method;
use porchlight_app::db::accounts::{self, Member};
use porchlight_app::db::social;
use porchlight_app::db::timeline::{self, Page, PostView, Query, Reader};
use porchlight_app::db::{Connection, now};
use porchlight_app::members::NewMember;
use porchlight_app::posting::Compose;
use porchlight_app::uploads::PictureDetails;
use porchlight_app::{AppError, AppResult, Site};
use porchlight_core::audience::{self, Action, Audience, Role};
use porchlight_core::members::MemberCap;
use porchlight_core::text::normalize_tag;
use porchlight_web as web;
use web::{Chrome, ComposeDraft, Nav};

use crate::{Request, Response, State};

pub(crate) const SESSION_COOKIE: &str = "pl_session";
/// A random value for visitors who are not signed in: what their form tokens are bound to.
const ANON_COOKIE: &str = "pl_anon";
const PAGE_SIZE: u32 = 20;
const SESSION_MAX_AGE: i64 = 30 * 24 * 3600;

/// Who is visiting, read once per request.
struct Visit {
    me: Option<Member>,
    session: Option<String>,
    csrf: String,
    /// A new anonymous cookie to set (first visit).
    new_anon_cookie: Option<String>,
    session_needs_touch: bool,
    unseen: u32,
    site: Site,
}

impl Visit {
    fn reader(&self) -> Reader {
        Reader {
            account: self.me.as_ref().map(|m| m.id),
        }
    }

    fn chrome<'a>(&'a self, s: &State, req: &'a Request, nav: Nav) -> Chrome<'a> {
        Chrome {
            site_name: &self.site.name,
            me: self.me.as_ref(),
            csrf: &self.csrf,
            unseen_notifications: self.unseen,
            nav,
            here: &req.path_and_query,
            max_post_chars: s.app.limits.max_post_chars,
        }
    }

    fn me(&self) -> AppResult<&Member> {
        self.me.as_ref().ok_or(AppError::NotSignedIn)
    }
}

fn is_token(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

fn visit(s: &State, c: &Connection, req: &Request) -> AppResult<Visit> {
    let mut me = None;
    let mut session = None;
    let mut session_needs_touch = false;
    if let Some(token) = req.cookie(SESSION_COOKIE)
        && let Some((member, last_seen)) = s.app.session_member(c, token)?
    {
        me = Some(member);
        session = Some(token.to_string());
        session_needs_touch = now() - last_seen > 3600;
    }
    let mut new_anon_cookie = None;
    let basis = match (&session, req.cookie(ANON_COOKIE)) {
        (Some(token), _) => token.clone(),
        (None, Some(anon)) if is_token(anon, 32) => anon.to_string(),
        (None, _) => {
            let fresh = s.app.random_token(16);
            new_anon_cookie = Some(fresh.clone());
            fresh
        }
    };
    let unseen = match &me {
        Some(m) => social::unseen_notifications(c, m.id)?,
        None => 0,
    };
    Ok(Visit {
        me,
        session,
        csrf: s.app.csrf_token(&basis),
        new_anon_cookie,
        session_needs_touch,
        unseen,
        site: porchlight_app::site(c)?,
    })
}

fn cookie(s: &State, name: &str, value: &str, max_age: i64) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if s.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

/// The Mastodon client API and the OAuth endpoints apps call: JSON, open to other origins (web
/// apps such as Elk and Phanpy run on their own sites), authorized by bearer tokens, never by
/// the browser's cookies.
fn api(s: &State, req: &Request) -> Response {
    let base = base_url(s, req);
    let answer = if req.body_too_large {
        porchlight_api::ApiResponse {
            status: 413,
            body: serde_json::json!({
                "error": format!(
                    "The request is larger than this camp takes (at most {} MB for a picture).",
                    porchlight_pictures::MAX_BYTES / 1_048_576
                )
            }),
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
        body: if answer.body.is_null() {
            bytes::Bytes::new()
        } else {
            bytes::Bytes::from(answer.body.to_string())
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

pub fn handle(s: &State, req: &Request) -> Response {
    let segments = req.segments();
    match (&req.method, segments.as_slice()) {
        (&Method::GET | &Method::HEAD, ["static", "style.css"]) => {
            return static_file(web::STYLE_CSS, "text/css; charset=utf-8");
        }
        (&Method::GET | &Method::HEAD, ["static", "app.js"]) => {
            return static_file(web::APP_JS, "application/javascript; charset=utf-8");
        }
        (&Method::GET | &Method::HEAD, ["static", "avatar.png"]) => {
            return Response {
                status: 200,
                content_type: "image/png",
                headers: vec![("cache-control", "public, max-age=86400".to_string())],
                body: bytes::Bytes::from_static(web::AVATAR_PNG),
            };
        }
        (&Method::GET | &Method::HEAD, ["health"]) => return Response::text(200, "ok"),
        (&Method::GET | &Method::HEAD, [".well-known", "acme-challenge", token]) => {
            return acme_challenge(&s.config.acme_challenges, token);
        }
        (&Method::GET | &Method::HEAD, ["media", tag, url]) => return media(s, tag, url),
        (&Method::GET | &Method::HEAD, ["files", name]) => return file(s, name),
        _ => {}
    }
    if porchlight_api::is_api_path(&req.segments) {
        return api(s, req);
    }
    if let Some(response) = crate::activitypub::handle(s, req) {
        return response;
    }
    let visit = match s.app.db.read(|c| visit(s, c, req)) {
        Ok(v) => v,
        Err(e) => {
            log::error!("could not read the session: {e}");
            return Response::text(
                500,
                "The server could not read its database. Please try again.",
            );
        }
    };
    if visit.session_needs_touch
        && let Some(token) = &visit.session
        && let Err(e) = s.app.touch_session(token)
    {
        log::warn!("could not refresh a session: {e}");
    }
    let result = match &req.method {
        &Method::GET | &Method::HEAD => get(s, req, &visit, &segments),
        &Method::POST => post(s, req, &visit, &segments),
        _ => Ok(Response::text(405, "This method is not supported here.")
            .with_header("allow", "GET, HEAD, POST".into())),
    };
    let mut response = result.unwrap_or_else(|e| failure(s, req, &visit, e));
    if let Some(anon) = &visit.new_anon_cookie {
        response
            .headers
            .push(("set-cookie", cookie(s, ANON_COOKIE, anon, 365 * 86_400)));
    }
    response
}

/// A picture a member uploaded. Its random name is the permission; it never changes, so it is
/// cached for good. `nosniff` and a sandboxing CSP keep a picture from ever acting as a page.
fn file(s: &State, name: &str) -> Response {
    match s.app.file(name) {
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
fn media(s: &State, tag: &str, url: &str) -> Response {
    match s.app.media(tag, url) {
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

/// The page for a failed request.
fn failure(s: &State, req: &Request, v: &Visit, e: AppError) -> Response {
    let status = match &e {
        AppError::NotSignedIn => {
            return Response::redirect(&format!(
                "/login?next={}",
                form_urlencoded::byte_serialize(req.path_and_query.as_bytes()).collect::<String>()
            ));
        }
        AppError::Invalid(_) | AppError::Member(_) | AppError::Text(_) => 422,
        AppError::NotFound => 404,
        AppError::Forbidden(_) => 403,
        AppError::Storage(err) if porchlight_app::storage_full(err) => {
            log::error!(
                "the disk is full: {} {} was refused",
                req.method,
                req.path_and_query
            );
            507
        }
        AppError::Storage(err) => {
            log::error!(
                "storage error on {} {}: {err}",
                req.method,
                req.path_and_query
            );
            500
        }
    };
    page(
        status,
        web::error_page(&v.chrome(s, req, Nav::None), status, &e.to_string()),
    )
}

fn page(status: u16, markup: porchlight_web::Markup) -> Response {
    Response::html(status, markup)
}

fn parse_id(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

fn max_id(req: &Request) -> Option<i64> {
    req.query("max_id").and_then(|v| v.parse().ok())
}

fn read_page(s: &State, v: &Visit, query: &Query, req: &Request) -> AppResult<Page> {
    let mut page = s
        .app
        .db
        .read(|c| timeline::page(c, query, v.reader(), max_id(req), PAGE_SIZE))?;
    proxy_media(s, page.posts.iter_mut());
    Ok(page)
}

/// Points each picture from elsewhere (attachments, authors' avatars) at this camp's copy.
fn proxy_media<'a>(s: &State, posts: impl Iterator<Item = &'a mut PostView>) {
    for post in posts {
        if let Some(url) = &post.author.avatar_url {
            post.author.avatar_proxy = s.app.media_path(url);
        }
        // (Pictures uploaded here already carry their own path.)
        for media in post.media.iter_mut().filter(|m| m.upload.is_none()) {
            if porchlight_federation::client::IMAGE_TYPES.contains(&media.media_type.as_str())
                || media.media_type == "image/*"
            {
                media.proxy = s.app.media_path(&media.url);
            }
        }
    }
}

fn get(s: &State, req: &Request, v: &Visit, segments: &[&str]) -> AppResult<Response> {
    let now = now();
    match segments {
        [] => match &v.me {
            Some(_) => {
                let page_data = read_page(s, v, &Query::Home, req)?;
                let draft = ComposeDraft::default();
                Ok(page(
                    200,
                    web::home(&v.chrome(s, req, Nav::Home), &page_data, &draft, now),
                ))
            }
            None => {
                let (has_host, members) = s.app.db.read(|c| {
                    Ok::<_, AppError>((accounts::count_hosts(c)? > 0, accounts::count_members(c)?))
                })?;
                let at_home = may_set_up_here(s, req);
                let setup_here = !has_host && at_home;
                let recovery = if has_host && at_home {
                    s.app.recovery_at_home()?
                } else {
                    None
                };
                Ok(page(
                    200,
                    web::landing(
                        &v.chrome(s, req, Nav::Home),
                        &v.site,
                        has_host,
                        members,
                        setup_here,
                        recovery.as_deref(),
                    ),
                ))
            }
        },
        ["local"] => {
            let data = read_page(s, v, &Query::Local, req)?;
            let intro = if v.me.is_some() {
                "Everything campers post for the camp or the public, newest first."
            } else {
                "Public posts from this camp. Members see more when they log in."
            };
            Ok(page(
                200,
                web::timeline(
                    &v.chrome(s, req, Nav::Local),
                    "Camp",
                    intro,
                    &data,
                    now,
                    "/local",
                ),
            ))
        }
        ["federated"] => {
            v.me()?;
            let data = read_page(s, v, &Query::Federated, req)?;
            let intro = if s.app.federation.is_some() {
                "Public posts from other servers, by people campers follow."
            } else {
                "This camp does not talk to other servers yet: it needs a public name."
            };
            Ok(page(
                200,
                web::timeline(
                    &v.chrome(s, req, Nav::Federated),
                    "Fediverse",
                    intro,
                    &data,
                    now,
                    "/federated",
                ),
            ))
        }
        ["tags", tag] => {
            let tag = normalize_tag(tag).ok_or(AppError::NotFound)?;
            let data = read_page(s, v, &Query::Hashtag(tag.clone()), req)?;
            let title = format!("#{tag}");
            Ok(page(
                200,
                web::timeline(
                    &v.chrome(s, req, Nav::None),
                    &title,
                    "",
                    &data,
                    now,
                    &format!("/tags/{tag}"),
                ),
            ))
        }
        [handle] if handle.starts_with('@') && handle[1..].contains('@') => {
            remote_profile(s, req, v, &handle[1..], now)
        }
        [handle] if handle.starts_with('@') => profile(s, req, v, &handle[1..], now),
        ["posts", id] => thread(s, req, v, parse_id(id)?, None, now),
        ["posts", id, "edit"] => {
            let post = s.app.view_post(v.reader(), parse_id(id)?)?;
            if !audience::can_edit(post.viewer) {
                return Err(AppError::Forbidden(
                    "Only the author can edit a post.".into(),
                ));
            }
            let facts = s
                .app
                .db
                .read(|c| porchlight_app::db::posts::facts(c, post.id))?
                .ok_or(AppError::NotFound)?;
            Ok(page(
                200,
                web::edit(
                    &v.chrome(s, req, Nav::None),
                    &post,
                    &facts.text,
                    &facts.content_warning,
                    None,
                ),
            ))
        }
        ["posts", id, "delete"] => {
            v.me()?;
            let post = s.app.view_post(v.reader(), parse_id(id)?)?;
            Ok(page(
                200,
                web::confirm_delete(&v.chrome(s, req, Nav::None), &post, now),
            ))
        }
        ["posts", id, "history"] => {
            let post = s.app.view_post(v.reader(), parse_id(id)?)?;
            let versions = s
                .app
                .db
                .read(|c| porchlight_app::db::posts::history(c, post.id))?;
            Ok(page(
                200,
                web::history(&v.chrome(s, req, Nav::None), &post, &versions, now),
            ))
        }
        ["notifications"] => {
            let me = v.me()?;
            let mut items = s
                .app
                .db
                .read(|c| social::notifications(c, me.id, max_id(req), PAGE_SIZE + 1))?;
            let next = if items.len() > PAGE_SIZE as usize {
                items.truncate(PAGE_SIZE as usize);
                items.last().map(|n| n.id)
            } else {
                None
            };
            let response = page(
                200,
                web::notifications(&v.chrome(s, req, Nav::Notifications), &items, next, now),
            );
            if v.unseen > 0 {
                s.app
                    .db
                    .write(|tx| social::mark_notifications_seen(tx, me.id))?;
            }
            Ok(response)
        }
        ["members"] => {
            v.me()?;
            let offset: u32 = req
                .query("offset")
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            let (mut list, count) = s.app.db.read(|c| {
                Ok::<_, AppError>((
                    accounts::list_members(c, offset, 101)?,
                    accounts::count_members(c)?,
                ))
            })?;
            let more = list.len() > 100;
            list.truncate(100);
            Ok(page(
                200,
                web::members(
                    &v.chrome(s, req, Nav::Members),
                    &list,
                    count,
                    v.site.member_cap.limit(),
                    offset,
                    more,
                ),
            ))
        }
        ["search"] => {
            v.me()?;
            let q = req.query("q").unwrap_or("").trim();
            let q: String = q.chars().take(200).collect();
            // Someone or something on another server: look it up and go there.
            let elsewhere = q.starts_with("https://")
                || q.starts_with("http://")
                || q.trim_start_matches('@')
                    .split_once('@')
                    .is_some_and(|(n, h)| {
                        !n.is_empty() && h.contains(['.', ':']) && !h.contains(char::is_whitespace)
                    });
            if elsewhere && s.app.federation.is_some() {
                return match s.app.look_up(&q) {
                    Ok(porchlight_app::remote::Found::Account(a)) => Ok(Response::redirect(
                        &format!("/@{}@{}", a.username, a.domain),
                    )),
                    Ok(porchlight_app::remote::Found::Post(id)) => {
                        Ok(Response::redirect(&format!("/posts/{id}")))
                    }
                    Err(AppError::NotFound) => {
                        Err(AppError::Invalid(format!("Nothing was found at {q}.")))
                    }
                    Err(e) => Err(e),
                };
            }
            let (people, data) = if q.is_empty() {
                (Vec::new(), Page::default())
            } else {
                let needle = q.trim_start_matches('@');
                let people = s.app.db.read(|c| accounts::search_members(c, needle, 20))?;
                let data = read_page(s, v, &Query::Search(q.clone()), req)?;
                (people, data)
            };
            let tag = if q.starts_with('#') {
                normalize_tag(&q)
            } else {
                None
            };
            Ok(page(
                200,
                web::search(
                    &v.chrome(s, req, Nav::Search),
                    &q,
                    &people,
                    tag.as_deref(),
                    &data,
                    now,
                ),
            ))
        }
        ["bookmarks"] => {
            v.me()?;
            let data = read_page(s, v, &Query::Bookmarks, req)?;
            Ok(page(
                200,
                web::timeline(
                    &v.chrome(s, req, Nav::Settings),
                    "Bookmarks",
                    "Posts you saved for later.",
                    &data,
                    now,
                    "/bookmarks",
                ),
            ))
        }
        ["settings"] => {
            let me = v.me()?;
            let notice = match req.query("saved") {
                Some("profile") => Some("Your profile is saved."),
                Some("password") => {
                    Some("Your password is changed. Other devices were logged out.")
                }
                Some("revoked") => Some("The app can no longer use your account."),
                _ => None,
            };
            Ok(page(
                200,
                web::settings(
                    &v.chrome(s, req, Nav::Settings),
                    &web::SettingsView {
                        me,
                        notice,
                        profile_error: None,
                        password_error: None,
                        apps: &s.app.authorized_apps(me.id)?,
                        kept_away: &kept_away(s, me.id)?,
                    },
                ),
            ))
        }
        ["admin"] | ["admin", "invites"] => admin(s, req, v, None, now),
        ["oauth", "authorize"] => authorize(s, req, v, false),
        ["admin", "blocks.csv"] => {
            let me = v.me()?;
            if me.role < Role::Moderator {
                return Err(AppError::Forbidden(
                    "Only hosts and moderators can see this.".into(),
                ));
            }
            Ok(Response {
                status: 200,
                content_type: "text/csv; charset=utf-8",
                headers: vec![(
                    "content-disposition",
                    "attachment; filename=\"domain_blocks.csv\"".to_string(),
                )],
                body: s.app.export_domain_blocks()?.into(),
            })
        }
        ["login"] => {
            if v.me.is_some() {
                return Ok(Response::redirect("/"));
            }
            Ok(page(
                200,
                web::login(&v.chrome(s, req, Nav::None), "", None, login_next(req)),
            ))
        }
        ["setup", token] => {
            if !s.app.setup_token_valid(token)? {
                return Err(AppError::Forbidden(
                    "This setup link is not valid: the camp already has a host, or the link is old. \
                     Restart Porchlight to get a new link if the camp has no host yet."
                        .into(),
                ));
            }
            let box_notes = s.app.box_notes();
            let form = web::SetupForm {
                username: "",
                site_name: "",
                code_of_conduct: "",
                error: None,
                fingerprint: s.config.tls_fingerprint.as_deref(),
                domain: "",
                ask_domain: !s.config.domain_fixed,
                box_notes: &box_notes,
            };
            Ok(page(
                200,
                web::setup(&v.chrome(s, req, Nav::None), token, &form),
            ))
        }
        ["recover", token] => {
            if !s.app.recovery_token_valid(token)? {
                return Err(AppError::Forbidden(
                    "This recovery link is not valid any more. Hold the box's button for 5 \
                     seconds to make a new one."
                        .into(),
                ));
            }
            let hosts = s.app.host_names()?;
            Ok(page(
                200,
                web::recover(&v.chrome(s, req, Nav::None), token, &hosts, None),
            ))
        }
        ["invite", code] => {
            let invite = s.app.usable_invite(code)?;
            let form = web::SignupForm {
                username: "",
                display_name: "",
                agreed: false,
                error: None,
            };
            Ok(page(
                200,
                web::signup(&v.chrome(s, req, Nav::None), &v.site, &invite, code, &form),
            ))
        }
        _ => Err(AppError::NotFound),
    }
}

fn profile(s: &State, req: &Request, v: &Visit, username: &str, now: i64) -> AppResult<Response> {
    let member = s
        .app
        .db
        .read(|c| accounts::member_by_username(c, username))?
        .ok_or(AppError::NotFound)?;
    if member.username != username {
        return Ok(Response::redirect(&format!("/@{}", member.username)));
    }
    let (following, followers, viewer_follows) = s.app.db.read(|c| -> AppResult<_> {
        let (following, followers) = social::follow_counts(c, member.id)?;
        let viewer_follows = match &v.me {
            Some(me) if me.id != member.id => Some(social::follows(c, me.id, member.id)?),
            _ => None,
        };
        Ok((following, followers, viewer_follows))
    })?;
    let data = read_page(s, v, &Query::Profile(member.id), req)?;
    let view = web::ProfileView {
        member: &member,
        following,
        followers,
        viewer_follows,
        boundaries: boundaries(s, v, member.id)?,
    };
    let nav = if v.me.as_ref().is_some_and(|m| m.id == member.id) {
        Nav::Profile
    } else {
        Nav::Members
    };
    Ok(page(
        200,
        web::profile(&v.chrome(s, req, nav), &view, &data, now),
    ))
}

/// Whom a member muted or blocked, for the settings page: blocks first, then mutes.
fn kept_away(s: &State, me: i64) -> AppResult<Vec<web::KeptAway>> {
    let handle = |p: &porchlight_app::db::social::Person| match &p.domain {
        Some(domain) => format!("{}@{domain}", p.username),
        None => p.username.clone(),
    };
    let shown = |p: &porchlight_app::db::social::Person| {
        if p.display_name.trim().is_empty() {
            p.username.clone()
        } else {
            p.display_name.clone()
        }
    };
    let mut list: Vec<web::KeptAway> = s
        .app
        .blocked(me)?
        .iter()
        .map(|p| web::KeptAway {
            handle: handle(p),
            shown_name: shown(p),
            muted: false,
            muted_until: None,
            blocked: true,
        })
        .collect();
    for (p, mute) in s.app.muted(me)? {
        let h = handle(&p);
        match list.iter_mut().find(|k| k.handle == h) {
            Some(k) => {
                k.muted = true;
                k.muted_until = mute.expires_at;
            }
            None => list.push(web::KeptAway {
                handle: h,
                shown_name: shown(&p),
                muted: true,
                muted_until: mute.expires_at,
                blocked: false,
            }),
        }
    }
    Ok(list)
}

/// Whether the signed-in viewer muted or blocked `account` (None for themself or a visitor).
fn boundaries(s: &State, v: &Visit, account: i64) -> AppResult<Option<web::Boundaries>> {
    match &v.me {
        Some(me) if me.id != account => {
            let b = s.app.boundaries(me.id, account)?;
            Ok(Some(web::Boundaries {
                muting: b.muting.is_some(),
                blocking: b.blocking,
            }))
        }
        _ => Ok(None),
    }
}

fn remote_profile(
    s: &State,
    req: &Request,
    v: &Visit,
    handle: &str,
    now: i64,
) -> AppResult<Response> {
    // Members may look anyone up; visitors see only accounts already known here.
    let account = s.app.remote_account(handle, v.me.is_some())?;
    let canonical = format!("{}@{}", account.username, account.domain);
    if canonical != handle {
        return Ok(Response::redirect(&format!("/@{canonical}")));
    }
    let button = match &v.me {
        Some(me) => Some(match s.app.follow_state(me.id, account.id)? {
            porchlight_app::remote::FollowState::None => web::FollowButton::Follow,
            porchlight_app::remote::FollowState::Requested => web::FollowButton::Requested,
            porchlight_app::remote::FollowState::Following => web::FollowButton::Unfollow,
        }),
        None => None,
    };
    let data = read_page(s, v, &Query::Profile(account.id), req)?;
    let view = web::RemoteProfileView {
        handle: &canonical,
        display_name: &account.display_name,
        bio_html: &account.bio,
        url: &account.url,
        button,
        avatar: account.avatar_url.as_deref().map(|u| s.app.media_path(u)),
        boundaries: boundaries(s, v, account.id)?,
    };
    Ok(page(
        200,
        web::remote_profile(&v.chrome(s, req, Nav::Search), &view, &data, now),
    ))
}

/// A thread page; `draft` carries a reply that could not be posted, with its error.
fn thread(
    s: &State,
    req: &Request,
    v: &Visit,
    id: i64,
    draft: Option<(ComposeDraft, u16)>,
    now: i64,
) -> AppResult<Response> {
    let timeline::Thread {
        mut ancestors,
        mut focus,
        mut replies,
    } = s
        .app
        .db
        .read(|c| timeline::thread(c, id, v.reader()))?
        .ok_or(AppError::NotFound)?;
    proxy_media(
        s,
        ancestors
            .iter_mut()
            .chain(std::iter::once(&mut focus))
            .chain(replies.iter_mut().map(|(_, p)| p)),
    );
    let (status, draft) = match draft {
        Some((draft, status)) => (status, Some(draft)),
        None if v.me.is_some() && focus.may(Action::Reply) => (
            200,
            Some(ComposeDraft {
                text: "",
                audience: audience::default_reply_audience(focus.audience),
                in_reply_to: Some((focus.id, focus.audience)),
                ..ComposeDraft::default()
            }),
        ),
        None => (200, None),
    };
    // Prefill the answer with a mention of the author (and keep what a failed draft had).
    let prefill = match (&draft, &v.me) {
        (Some(d), _) if !d.text.is_empty() => d.text.to_string(),
        (Some(_), Some(me)) if me.id != focus.author.id => format!("@{} ", focus.author.handle()),
        _ => String::new(),
    };
    let draft = draft.map(|d| ComposeDraft {
        text: &prefill,
        ..d
    });
    Ok(page(
        status,
        web::thread(
            &v.chrome(s, req, Nav::None),
            &ancestors,
            &focus,
            &replies,
            draft.as_ref(),
            now,
        ),
    ))
}

fn admin(
    s: &State,
    req: &Request,
    v: &Visit,
    error: Option<&str>,
    now: i64,
) -> AppResult<Response> {
    let me = v.me()?;
    if me.role < Role::Moderator {
        return Err(AppError::Forbidden(
            "Only hosts and moderators can open the host's tools.".into(),
        ));
    }
    let invites = s.app.list_invites(me.id)?;
    let (members, count) = s.app.db.read(|c| {
        Ok::<_, AppError>((
            accounts::list_members(c, 0, 100)?,
            accounts::count_members(c)?,
        ))
    })?;
    let base = base_url(s, req);
    let new_link = req
        .query("invite")
        .filter(|code| invites.iter().any(|i| i.code == *code))
        .map(|code| format!("{base}/invite/{code}"));
    let notice = match req.query("saved") {
        Some("site") => Some("The camp's settings are saved."),
        Some("role") => Some("The role is changed."),
        Some("revoked") => Some("The invite is withdrawn."),
        Some("blocked") => Some("The server is blocked."),
        Some("unblocked") => Some("The block is lifted."),
        Some("imported") => Some("The block list is imported."),
        Some("address") => Some("The public address is saved. Restart Porchlight to use it."),
        _ => None,
    };
    let blocks: Vec<(String, &'static str, String)> = s
        .app
        .domain_blocks()?
        .into_iter()
        .map(|b| {
            let level = match b.level {
                porchlight_app::db::federation::BlockLevel::Suspend => "suspended",
                porchlight_app::db::federation::BlockLevel::Silence => "silenced",
                porchlight_app::db::federation::BlockLevel::RejectMedia => "media rejected",
            };
            (b.domain, level, b.reason)
        })
        .collect();
    let federating_as = s.app.federation.as_ref().map(|f| f.me.host.as_str());
    let attention = s.app.attention()?;
    // The name kept now; with a fixed one, the one the camp runs under.
    let address_name = if s.config.domain_fixed {
        s.app.federation.as_ref().map(|f| f.me.host.clone())
    } else {
        s.app.public_domain()?
    };
    let view = web::AdminView {
        site: &v.site,
        members: &members,
        member_count: count,
        invites: &invites,
        new_invite_link: new_link.as_deref(),
        base_url: &base,
        error,
        notice,
        now,
        blocks: &blocks,
        federating_as,
        attention: &attention,
        address: web::AddressView {
            name: address_name.as_deref(),
            fixed: s.config.domain_fixed,
            certificate: certificate_line(s, now)?,
        },
    };
    Ok(page(
        if error.is_some() { 422 } else { 200 },
        web::admin(&v.chrome(s, req, Nav::Admin), &view),
    ))
}

/// Whether this visitor may set the camp up without the printed link: only on the box, and only
/// from its home network.
fn may_set_up_here(s: &State, req: &Request) -> bool {
    s.config.setup_from_home_network && porchlight_core::network::on_home_network(req.remote.ip())
}

/// What the host's page says about the certificate for the name the camp runs under.
fn certificate_line(s: &State, now: i64) -> AppResult<Option<String>> {
    use porchlight_tls::Status;
    let Some(running) = s.app.federation.as_ref().map(|f| f.me.host.as_str()) else {
        return Ok(None);
    };
    let line = match s.app.certificate_status()? {
        Some(status) if status.domain() == running => match status {
            Status::WaitingForClock { .. } => {
                "The certificate is asked for once the box has set its clock.".to_string()
            }
            Status::Requesting { .. } => format!("Getting a certificate for {running}…"),
            Status::Valid {
                not_after,
                renew_at,
                ..
            } => format!(
                "The certificate for {running} is valid until {}; Porchlight renews it by itself{}.",
                web::date(not_after),
                if renew_at > now {
                    format!(" from {}", web::date(renew_at))
                } else {
                    " now".to_string()
                }
            ),
            Status::Failing { since, .. } => format!(
                "The certificate for {running} is failing since {} (see \"Needs your attention\").",
                web::date(since)
            ),
        },
        _ => return Ok(None),
    };
    Ok(Some(line))
}

fn base_url(s: &State, req: &Request) -> String {
    match &s.config.base_url {
        Some(base) => base.clone(),
        // With HTTPS on, every page is served over it (plain HTTP only redirects), so the
        // links a page hands out (invites, say) are HTTPS links too.
        None => format!(
            "{}://{}",
            if s.config.secure_cookies {
                "https"
            } else {
                "http"
            },
            req.host.as_deref().unwrap_or("localhost")
        ),
    }
}

/// Where a button press goes back to: a path on this site only.
fn back(req: &Request, default: &str) -> String {
    let back = req.field("back");
    if back.starts_with('/') && !back.starts_with("//") && !back.contains(['\\', '\r', '\n']) {
        back.to_string()
    } else {
        default.to_string()
    }
}

/// A form post must carry this browser's token, and (when the browser says where it comes from)
/// come from this site.
fn csrf_ok(s: &State, req: &Request, v: &Visit) -> bool {
    if let (Some(origin), Some(host)) = (&req.origin, &req.host) {
        let origin_host = origin.split("://").nth(1).unwrap_or("");
        if origin_host != host {
            return false;
        }
    }
    let basis = match &v.session {
        Some(token) => token.as_str(),
        None => match req.cookie(ANON_COOKIE) {
            Some(anon) if is_token(anon, 32) => anon,
            _ => return false,
        },
    };
    s.app.csrf_valid(basis, req.field("csrf"))
}

fn post(s: &State, req: &Request, v: &Visit, segments: &[&str]) -> AppResult<Response> {
    if req.body_too_large {
        return Ok(page(
            413,
            web::error_page(
                &v.chrome(s, req, Nav::None),
                413,
                "What you sent is larger than this server accepts. Please shorten it.",
            ),
        ));
    }
    if !csrf_ok(s, req, v) {
        return Ok(page(
            403,
            web::error_page(
                &v.chrome(s, req, Nav::None),
                403,
                "This form has expired or did not come from this site. Please go back, reload the page and try again. \
             (If it keeps happening, check that your browser accepts cookies from this site.)",
            ),
        ));
    }
    let now = now();
    match segments {
        ["login"] => login(s, req, v),
        ["logout"] => {
            if let Some(token) = &v.session {
                s.app.log_out(token)?;
            }
            Ok(Response::redirect("/").with_header("set-cookie", cookie(s, SESSION_COOKIE, "", 0)))
        }
        // The box's front page: a visitor from the home network gets a fresh setup link.
        ["setup"] => {
            if !may_set_up_here(s, req) {
                return Err(AppError::Forbidden(
                    "The camp can be set up only with the setup link Porchlight printed when it \
                     started (or, on the box, from its home network)."
                        .into(),
                ));
            }
            match s.app.issue_setup_token()? {
                Some(token) => Ok(Response::redirect(&format!("/setup/{token}"))),
                None => Err(AppError::Forbidden(
                    "This camp already has a host. Log in, or ask the host for an invite.".into(),
                )),
            }
        }
        ["setup", token] => {
            let new = NewMember {
                username: req.field("username"),
                password: req.field("password"),
                display_name: "",
                role: Role::Host,
            };
            let wanted = req.field("domain").trim();
            // The public name is checked before anything is written, so a bad one changes nothing.
            let checked = if wanted.is_empty() || s.config.domain_fixed {
                Ok(())
            } else {
                porchlight_core::check_public_name(wanted)
                    .map(|_| ())
                    .map_err(AppError::Invalid)
            };
            let done = checked.and_then(|()| {
                s.app.complete_setup(
                    token,
                    &new,
                    req.field("site_name"),
                    req.field("code_of_conduct"),
                )
            });
            match done {
                Ok(host) if !wanted.is_empty() && !s.config.domain_fixed => {
                    let name = s.app.set_public_domain(host, wanted)?;
                    let (_, session) =
                        s.app.log_in(req.field("username"), req.field("password"))?;
                    let response = restart_for_new_name(s, req, v, name.as_deref());
                    Ok(response.with_header(
                        "set-cookie",
                        cookie(s, SESSION_COOKIE, &session, SESSION_MAX_AGE),
                    ))
                }
                Ok(_) => start_session(s, req.field("username"), req.field("password"), "/"),
                Err(e @ AppError::Forbidden(_)) => Err(e),
                Err(e) if is_user_error(&e) => {
                    let message = e.to_string();
                    let box_notes = s.app.box_notes();
                    let form = web::SetupForm {
                        username: req.field("username"),
                        site_name: req.field("site_name"),
                        code_of_conduct: req.field("code_of_conduct"),
                        error: Some(&message),
                        fingerprint: s.config.tls_fingerprint.as_deref(),
                        domain: wanted,
                        ask_domain: !s.config.domain_fixed,
                        box_notes: &box_notes,
                    };
                    Ok(page(
                        422,
                        web::setup(&v.chrome(s, req, Nav::None), token, &form),
                    ))
                }
                Err(e) => Err(e),
            }
        }
        ["admin", "address"] => {
            let me = v.me()?;
            if s.config.domain_fixed {
                return Err(AppError::Forbidden(
                    "The public address is set in Porchlight's config file; change it there."
                        .into(),
                ));
            }
            match s.app.set_public_domain(me.id, req.field("domain")) {
                Ok(name) => Ok(restart_for_new_name(s, req, v, name.as_deref())),
                Err(e) if is_user_error(&e) => admin(s, req, v, Some(&e.to_string()), now),
                Err(e) => Err(e),
            }
        }
        ["recover", token] => {
            match s
                .app
                .recover_host(token, req.field("username"), req.field("password"))
            {
                Ok(()) => Ok(Response::redirect("/login")),
                Err(e @ AppError::Forbidden(_)) => Err(e),
                Err(e) if is_user_error(&e) => {
                    let message = e.to_string();
                    let hosts = s.app.host_names()?;
                    Ok(page(
                        422,
                        web::recover(&v.chrome(s, req, Nav::None), token, &hosts, Some(&message)),
                    ))
                }
                Err(e) => Err(e),
            }
        }
        ["invite", code] => {
            let new = NewMember {
                username: req.field("username"),
                password: req.field("password"),
                display_name: req.field("display_name"),
                role: Role::Member,
            };
            let agreed = req.field("agree") == "yes";
            match s.app.sign_up(code, &new, agreed) {
                Ok(_) => start_session(s, req.field("username"), req.field("password"), "/"),
                Err(e) if is_user_error(&e) => {
                    // A bad or used-up invite has no form to show again.
                    let invite = s.app.usable_invite(code)?;
                    let message = e.to_string();
                    let form = web::SignupForm {
                        username: req.field("username"),
                        display_name: req.field("display_name"),
                        agreed,
                        error: Some(&message),
                    };
                    Ok(page(
                        422,
                        web::signup(&v.chrome(s, req, Nav::None), &v.site, &invite, code, &form),
                    ))
                }
                Err(e) => Err(e),
            }
        }
        ["posts"] => {
            let me = v.me()?;
            let in_reply_to = match req.field("in_reply_to") {
                "" => None,
                id => Some(parse_id(id).map_err(|_| {
                    AppError::Invalid("The post you reply to is not valid.".into())
                })?),
            };
            let chosen = req.field("audience");
            let audience = match chosen {
                "" => match in_reply_to {
                    Some(parent) => audience::default_reply_audience(
                        s.app.view_post(v.reader(), parent)?.audience,
                    ),
                    None => Audience::Local,
                },
                // Apps that speak Akkoma's dialect say "local" too; this is the same audience.
                name => Audience::parse(name).ok_or_else(|| {
                    AppError::Invalid(format!("\"{name}\" is not an audience a post can have."))
                })?,
            };
            // A picture is stored first, then posted with the text; if the post is refused,
            // the picture goes too.
            let uploaded = match req.file("picture") {
                Some(file) => s
                    .app
                    .upload_picture(
                        me.id,
                        &file.bytes,
                        &PictureDetails {
                            description: Some(req.field("picture_description")),
                            focus: None,
                        },
                    )
                    .map(|u| Some(u.id)),
                None => Ok(None),
            };
            let media: Vec<i64> = uploaded
                .as_ref()
                .ok()
                .copied()
                .flatten()
                .into_iter()
                .collect();
            let compose = Compose {
                text: req.field("text"),
                content_warning: req.field("content_warning"),
                audience,
                in_reply_to,
                media: &media,
            };
            let posted = uploaded.and_then(|_| s.app.post(me.id, &compose));
            if posted.is_err()
                && let Some(&picture) = media.first()
            {
                let _ = s.app.delete_upload(me.id, picture);
            }
            match posted {
                Ok(id) => Ok(Response::redirect(&match in_reply_to {
                    Some(_) => format!("/posts/{id}"),
                    None => "/".to_string(),
                })),
                Err(e) if is_user_error(&e) => {
                    let message = e.to_string();
                    match in_reply_to {
                        Some(parent) => {
                            let parent_audience = s.app.view_post(v.reader(), parent)?.audience;
                            let draft = ComposeDraft {
                                text: compose.text,
                                content_warning: compose.content_warning,
                                audience,
                                in_reply_to: Some((parent, parent_audience)),
                                error: Some(&message),
                            };
                            thread(s, req, v, parent, Some((draft, 422)), now)
                        }
                        None => {
                            let data = read_page(s, v, &Query::Home, req)?;
                            let draft = ComposeDraft {
                                text: compose.text,
                                content_warning: compose.content_warning,
                                audience,
                                in_reply_to: None,
                                error: Some(&message),
                            };
                            Ok(page(
                                422,
                                web::home(&v.chrome(s, req, Nav::Home), &data, &draft, now),
                            ))
                        }
                    }
                }
                Err(e) => Err(e),
            }
        }
        ["posts", id, "edit"] => {
            let me = v.me()?;
            let id = parse_id(id)?;
            match s.app.edit(
                me.id,
                id,
                req.field("text"),
                req.field("content_warning"),
                None,
                &[],
            ) {
                Ok(()) => Ok(Response::redirect(&format!("/posts/{id}"))),
                Err(e) if is_user_error(&e) => {
                    let post = s.app.view_post(v.reader(), id)?;
                    let message = e.to_string();
                    Ok(page(
                        422,
                        web::edit(
                            &v.chrome(s, req, Nav::None),
                            &post,
                            req.field("text"),
                            req.field("content_warning"),
                            Some(&message),
                        ),
                    ))
                }
                Err(e) => Err(e),
            }
        }
        ["posts", id, "delete"] => {
            let me = v.me()?;
            let id = parse_id(id)?;
            s.app.delete(me.id, id)?;
            Ok(Response::redirect("/"))
        }
        ["posts", id, action] => {
            let me = v.me()?;
            let id = parse_id(id)?;
            match *action {
                "boost" => s.app.boost(me.id, id, true)?,
                "unboost" => s.app.boost(me.id, id, false)?,
                "favourite" => s.app.favourite(me.id, id, true)?,
                "unfavourite" => s.app.favourite(me.id, id, false)?,
                "bookmark" => s.app.bookmark(me.id, id, true)?,
                "unbookmark" => s.app.bookmark(me.id, id, false)?,
                _ => return Err(AppError::NotFound),
            }
            Ok(Response::redirect(&back(req, &format!("/posts/{id}"))))
        }
        [handle, action @ ("follow" | "unfollow")] if handle.starts_with('@') => {
            let me = v.me()?;
            s.app.follow(me.id, &handle[1..], *action == "follow")?;
            Ok(Response::redirect(&back(req, &format!("/{handle}"))))
        }
        [handle, action @ ("mute" | "unmute" | "block" | "unblock")] if handle.starts_with('@') => {
            let me = v.me()?;
            let account = s.app.account_by_handle(&handle[1..])?;
            match *action {
                "mute" => s.app.mute(me.id, account, true, None)?,
                "unmute" => s.app.unmute(me.id, account)?,
                "block" => s.app.block(me.id, account)?,
                _ => s.app.unblock(me.id, account)?,
            }
            Ok(Response::redirect(&back(req, &format!("/{handle}"))))
        }
        ["settings", "profile"] => {
            let me = v.me()?;
            match s.app.update_profile(
                me.id,
                req.field("display_name"),
                req.field("bio"),
                req.field("who_i_am"),
            ) {
                Ok(()) => Ok(Response::redirect("/settings?saved=profile")),
                Err(e) if is_user_error(&e) => {
                    let message = e.to_string();
                    Ok(page(
                        422,
                        web::settings(
                            &v.chrome(s, req, Nav::Settings),
                            &web::SettingsView {
                                me,
                                notice: None,
                                profile_error: Some(&message),
                                password_error: None,
                                apps: &s.app.authorized_apps(me.id)?,
                                kept_away: &kept_away(s, me.id)?,
                            },
                        ),
                    ))
                }
                Err(e) => Err(e),
            }
        }
        ["settings", "apps", app, "revoke"] => {
            let me = v.me()?;
            let app = app.parse::<i64>().map_err(|_| AppError::NotFound)?;
            s.app.revoke_app(me.id, app)?;
            Ok(Response::redirect("/settings?saved=revoked#apps"))
        }
        ["oauth", "authorize"] => authorize(s, req, v, true),
        ["settings", "password"] => {
            let me = v.me()?;
            let token = v.session.as_deref().unwrap_or("");
            match s
                .app
                .change_password(me.id, req.field("current"), req.field("new"), token)
            {
                Ok(()) => Ok(Response::redirect("/settings?saved=password")),
                Err(e) if is_user_error(&e) => {
                    let message = e.to_string();
                    Ok(page(
                        422,
                        web::settings(
                            &v.chrome(s, req, Nav::Settings),
                            &web::SettingsView {
                                me,
                                notice: None,
                                profile_error: None,
                                password_error: Some(&message),
                                apps: &s.app.authorized_apps(me.id)?,
                                kept_away: &kept_away(s, me.id)?,
                            },
                        ),
                    ))
                }
                Err(e) => Err(e),
            }
        }
        ["admin", "invites"] => {
            let me = v.me()?;
            let uses = match req.field("uses").trim() {
                "" => 1,
                n => n.parse().map_err(|_| {
                    AppError::Invalid("\"How many people\" must be a number.".into())
                })?,
            };
            let days = match req.field("expires_days").trim() {
                "" => None,
                n => Some(n.parse().map_err(|_| {
                    AppError::Invalid("\"Expires after\" must be a number of days.".into())
                })?),
            };
            match s
                .app
                .create_invite(Some(me.id), req.field("note"), uses, days)
            {
                Ok(invite) => Ok(Response::redirect(&format!(
                    "/admin?invite={}#invites",
                    invite.code
                ))),
                Err(e) if is_user_error(&e) => admin(s, req, v, Some(&e.to_string()), now),
                Err(e) => Err(e),
            }
        }
        ["admin", "invites", code, "revoke"] => {
            let me = v.me()?;
            s.app.revoke_invite(me.id, code)?;
            Ok(Response::redirect("/admin?saved=revoked#invites"))
        }
        ["admin", "site"] => {
            let me = v.me()?;
            let cap = req
                .field("member_cap")
                .trim()
                .parse::<u32>()
                .map_err(|_| AppError::Invalid("The member limit must be a number.".into()))
                .and_then(|n| MemberCap::new(n).map_err(AppError::from));
            let result = cap.and_then(|member_cap| {
                s.app.update_site(
                    me.id,
                    &Site {
                        name: req.field("site_name").to_string(),
                        code_of_conduct: req.field("code_of_conduct").to_string(),
                        member_cap,
                    },
                )
            });
            match result {
                Ok(()) => Ok(Response::redirect("/admin?saved=site")),
                Err(e) if is_user_error(&e) => admin(s, req, v, Some(&e.to_string()), now),
                Err(e) => Err(e),
            }
        }
        ["admin", "blocks", rest @ ..] => {
            let me = v.me()?;
            if me.role != Role::Host {
                return Err(AppError::Forbidden(
                    "Only hosts can block servers for everyone.".into(),
                ));
            }
            let result = match rest {
                [] => porchlight_app::db::federation::BlockLevel::parse(req.field("level"))
                    .ok_or_else(|| AppError::Invalid("Choose what to do with the server.".into()))
                    .and_then(|level| {
                        s.app
                            .block_domain(req.field("domain"), level, req.field("reason"))
                    })
                    .map(|()| "blocked"),
                ["remove"] => s
                    .app
                    .unblock_domain(req.field("domain"))
                    .map(|()| "unblocked"),
                ["import"] => s
                    .app
                    .import_domain_blocks(req.field("csv"))
                    .map(|_| "imported"),
                _ => return Err(AppError::NotFound),
            };
            match result {
                Ok(saved) => Ok(Response::redirect(&format!("/admin?saved={saved}#blocks"))),
                Err(e) if is_user_error(&e) => admin(s, req, v, Some(&e.to_string()), now),
                Err(e) => Err(e),
            }
        }
        ["admin", "members", id, "role"] => {
            let me = v.me()?;
            let role = Role::parse(req.field("role"))
                .ok_or_else(|| AppError::Invalid("Unknown role.".into()))?;
            match s.app.set_role(me.id, parse_id(id)?, role) {
                Ok(()) => Ok(Response::redirect("/admin?saved=role")),
                Err(e) if is_user_error(&e) => admin(s, req, v, Some(&e.to_string()), now),
                Err(e) => Err(e),
            }
        }
        _ => Err(AppError::NotFound),
    }
}

/// Errors the person can fix by changing what they typed: the form is shown again with them.
fn is_user_error(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid(_) | AppError::Member(_) | AppError::Text(_)
    )
}

/// The OAuth consent page (`answering` false: show it; true: the member's answer). Only a
/// member who is logged in sees it; anyone else logs in first and comes back. A request that
/// fails its checks is shown as an error here and never sent to its redirect address, which
/// may be an attacker's.
fn authorize(s: &State, req: &Request, v: &Visit, answering: bool) -> AppResult<Response> {
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
                    &v.chrome(s, req, Nav::None),
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
                &v.chrome(s, req, Nav::None),
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
            web::oauth_code(&v.chrome(s, req, Nav::None), &request.app.name, &code),
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

/// Where to go after logging in: a path on this site only.
fn login_next(req: &Request) -> Option<&str> {
    req.query("next")
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
}

fn login(s: &State, req: &Request, v: &Visit) -> AppResult<Response> {
    let username = req.field("username");
    let address = req.remote.ip().to_string();
    let instant = std::time::Instant::now();
    if let Some(wait) = s.limiter.wait(&address, username, instant) {
        let minutes = wait.as_secs().div_ceil(60);
        let message =
            format!("Too many wrong passwords. Please wait {minutes} minute(s) and try again.");
        return Ok(page(
            429,
            web::login(
                &v.chrome(s, req, Nav::None),
                username,
                Some(&message),
                login_next(req),
            ),
        )
        .with_header("retry-after", wait.as_secs().to_string()));
    }
    match s.app.log_in(username, req.field("password")) {
        Ok((_, token)) => {
            s.limiter.succeeded(&address, username);
            let next = login_next(req).unwrap_or("/");
            Ok(Response::redirect(next).with_header(
                "set-cookie",
                cookie(s, SESSION_COOKIE, &token, SESSION_MAX_AGE),
            ))
        }
        Err(e) if is_user_error(&e) => {
            s.limiter.failed(&address, username, instant);
            let message = e.to_string();
            Ok(page(
                422,
                web::login(
                    &v.chrome(s, req, Nav::None),
                    username,
                    Some(&message),
                    login_next(req),
                ),
            ))
        }
        Err(e) => Err(e),
    }
}

/// After a new public name is kept: restart to take it (the answer goes out first), or, when
/// this server cannot restart itself, say that it must be restarted.
fn restart_for_new_name(s: &State, req: &Request, v: &Visit, name: Option<&str>) -> Response {
    match &s.config.restart {
        Some(restart) => {
            let restart = restart.clone();
            std::thread::spawn(move || {
                // Long enough for this answer to reach the browser.
                std::thread::sleep(std::time::Duration::from_millis(300));
                (restart.0)();
            });
            page(
                200,
                web::restarting(&v.chrome(s, req, Nav::None), name, "/admin#address"),
            )
        }
        None => Response::redirect("/admin?saved=address#address"),
    }
}

/// Logs a just-created member in.
fn start_session(s: &State, username: &str, password: &str, next: &str) -> AppResult<Response> {
    let (_, token) = s.app.log_in(username, password)?;
    Ok(Response::redirect(next).with_header(
        "set-cookie",
        cookie(s, SESSION_COOKIE, &token, SESSION_MAX_AGE),
    ))
}
