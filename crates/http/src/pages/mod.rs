//! The web pages and their forms, as one table: each route says its method, its path, who may
//! call it, and its handler. The router checks the form token of every POST and the caller's
//! role before any handler runs, so no handler can forget to; handlers live by concern in the
//! files beside this one. Everything here runs on a blocking thread: each request does its reads
//! in one read transaction and its change in one write transaction (a use case of `app`).

mod admin;
mod care;
mod consent;
mod entry;
mod events;
mod fork;
mod moving;
mod neighborhood;
mod people;
mod posts;
mod session;
mod settings;
mod timelines;
mod updates;

use porchlight_app::db::timeline::{self, Page, PostView, Query};
use porchlight_app::{AppError, AppResult};
use porchlight_core::audience::Role;
use porchlight_web as web;
use web::Nav;

use crate::{Request, Response, State};
pub(crate) use session::SESSION_COOKIE;
use session::Visit;

const PAGE_SIZE: u32 = 20;

/// The method a page route answers. `Get` answers HEAD too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageMethod {
    Get,
    Post,
}

/// Who may call a route. The router refuses everyone below it before the handler runs: a
/// visitor who is not logged in is sent to the login page, a member without the role gets 403.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    Anyone,
    Member,
    Moderator,
    Host,
}

impl Access {
    fn role(self) -> Option<Role> {
        match self {
            Access::Anyone => None,
            Access::Member => Some(Role::Member),
            Access::Moderator => Some(Role::Moderator),
            Access::Host => Some(Role::Host),
        }
    }
}

/// What a handler gets: the server, the request, who is visiting, and the path's parameters.
pub(crate) struct Ctx<'a> {
    s: &'a State,
    req: &'a Request,
    v: &'a Visit,
    params: Vec<(&'static str, &'a str)>,
    now: i64,
}

impl<'a> Ctx<'a> {
    /// A parameter of the path (`{name}` or `@{name}` in the route's pattern).
    fn param(&self, name: &str) -> &'a str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap_or("")
    }

    /// A numeric parameter of the path; anything else is a page that does not exist.
    fn id(&self, name: &str) -> AppResult<i64> {
        self.param(name).parse().map_err(|_| AppError::NotFound)
    }

    /// The visitor, who the router already checked is a member on member routes.
    fn me(&self) -> AppResult<&'a porchlight_app::db::accounts::Member> {
        self.v.me()
    }

    /// The visitor as one who acts on the camp (a use case checks their role again).
    fn acting(&self) -> AppResult<porchlight_app::Acting> {
        Ok(porchlight_app::Acting::Member(self.me()?.id))
    }

    fn chrome(&self, nav: Nav) -> web::Chrome<'a> {
        self.v.chrome(self.s, self.req, nav)
    }

    /// The page of a timeline that this request asks for (`max_id` pages back).
    fn read_page(&self, query: &Query) -> AppResult<Page> {
        let mut page = self
            .s
            .app
            .read(|c| timeline::page(c, query, self.v.reader(), max_id(self.req), PAGE_SIZE))?;
        proxy_media(self.s, page.posts.iter_mut());
        Ok(page)
    }
}

type Handler = fn(&Ctx) -> AppResult<Response>;

/// One page or form.
pub struct Route {
    pub method: PageMethod,
    /// Literal segments, `{name}` for a parameter, `@{name}` for a parameter after an `@`.
    pub path: &'static str,
    pub access: Access,
    handler: Handler,
}

const fn get(path: &'static str, access: Access, handler: Handler) -> Route {
    Route {
        method: PageMethod::Get,
        path,
        access,
        handler,
    }
}

const fn post(path: &'static str, access: Access, handler: Handler) -> Route {
    Route {
        method: PageMethod::Post,
        path,
        access,
        handler,
    }
}

use Access::{Anyone, Host, Member, Moderator};

/// Every page and form of the site. The first route that matches answers.
pub static ROUTES: &[Route] = &[
    // Timelines and reading.
    get("/", Anyone, timelines::front),
    get("/local", Anyone, timelines::local),
    // Visitors only when a host opened it (the handler sends them to log in otherwise).
    get("/federated", Anyone, timelines::federated),
    get("/neighborhood", Member, neighborhood::timeline),
    get("/tags/{tag}", Anyone, timelines::hashtag),
    get("/bookmarks", Member, timelines::bookmarks),
    get("/search", Member, timelines::search),
    get("/notifications", Member, timelines::notifications),
    // Posts.
    post("/posts", Member, posts::compose),
    get("/posts/{id}", Anyone, posts::thread_page),
    get("/posts/{id}/history", Anyone, posts::history),
    post("/posts/{id}/answer", Member, events::answer),
    get("/posts/{id}/event", Member, events::edit_form),
    post("/posts/{id}/event", Member, events::edit),
    get("/posts/{id}/event.ics", Anyone, events::event_file),
    get("/events", Anyone, events::show),
    post("/events", Member, events::plan),
    post("/events/feed", Member, events::renew_feed),
    get("/calendar/{file}", Anyone, events::feed),
    get("/posts/{id}/pictures/{n}", Anyone, posts::picture),
    get("/posts/{id}/edit", Member, posts::edit_form),
    post("/posts/{id}/edit", Member, posts::edit),
    get("/posts/{id}/delete", Member, posts::confirm_delete),
    post("/posts/{id}/delete", Member, posts::delete),
    post("/posts/{id}/boost", Member, posts::act),
    post("/posts/{id}/unboost", Member, posts::act),
    post("/posts/{id}/vote", Member, posts::vote),
    post("/posts/{id}/favourite", Member, posts::act),
    post("/posts/{id}/unfavourite", Member, posts::act),
    get("/posts/{id}/report", Member, care::report_post_form),
    post("/posts/{id}/bookmark", Member, posts::act),
    post("/posts/{id}/unbookmark", Member, posts::act),
    // People.
    get("/members", Member, people::directory),
    get("/@{handle}", Anyone, people::profile),
    post("/@{handle}/follow", Member, people::follow),
    post("/@{handle}/unfollow", Member, people::follow),
    post("/@{handle}/mute", Member, people::keep_away),
    post("/@{handle}/unmute", Member, people::keep_away),
    post("/@{handle}/block", Member, people::keep_away),
    post("/@{handle}/unblock", Member, people::keep_away),
    get("/@{handle}/report", Member, care::report_person_form),
    post("/reports", Member, care::file_report),
    get("/code-of-conduct", Anyone, care::code_of_conduct),
    get("/about", Anyone, care::about),
    post("/code-of-conduct/agree", Member, care::agree),
    // A member's own settings.
    get("/settings", Member, settings::show),
    post("/settings/profile", Member, settings::profile),
    post("/settings/pictures", Member, settings::pictures),
    post("/settings/password", Member, settings::password),
    post("/settings/audience", Member, settings::audience),
    post("/settings/bugle", Member, settings::bugle),
    // Leaving and arriving: archives, earlier accounts, moving away.
    get("/settings/moving", Member, moving::show),
    post("/settings/export", Member, moving::export),
    get("/settings/export/{id}", Member, moving::download),
    post("/settings/import", Member, moving::import),
    post("/settings/aliases", Member, moving::add_alias),
    post("/settings/aliases/remove", Member, moving::remove_alias),
    post("/settings/move", Member, moving::move_away),
    post("/settings/fork-consent", Member, moving::fork_consent),
    post(
        "/announcements/{id}/dismiss",
        Member,
        admin::dismiss_announcement,
    ),
    get("/bugle", Member, care::bugle),
    post("/bugle", Member, care::sound_bugle),
    post("/settings/apps/{app}/revoke", Member, settings::revoke_app),
    // Apps asking for a member's consent (OAuth).
    get("/oauth/authorize", Anyone, consent::ask),
    post("/oauth/authorize", Member, consent::answer),
    // The host's tools.
    get("/admin", Moderator, admin::show),
    get("/admin/invites", Moderator, admin::show),
    post("/admin/invites", Moderator, admin::invite),
    post(
        "/admin/invites/{code}/revoke",
        Moderator,
        admin::revoke_invite,
    ),
    get("/admin/blocks.csv", Moderator, admin::blocks_csv),
    post("/admin/site", Host, admin::site),
    post("/admin/look", Host, admin::look),
    post("/admin/fediverse-visitors", Host, admin::fediverse_visitors),
    post("/admin/address", Host, admin::address),
    post("/admin/backup", Host, admin::backup),
    get("/admin/fork", Host, fork::show),
    post("/admin/fork", Host, fork::make_bundle),
    get("/admin/fork/{id}", Host, fork::download),
    post("/admin/fork/import", Host, fork::bring_in),
    get("/admin/update", Host, updates::show),
    post("/admin/update", Host, updates::upload),
    post("/admin/update/dismiss", Host, updates::dismiss),
    post("/admin/blocks", Host, admin::block),
    post("/admin/blocks/remove", Host, admin::unblock),
    post("/admin/blocks/import", Host, admin::import_blocks),
    post("/admin/emoji", Moderator, admin::add_emoji),
    post("/admin/announcements", Moderator, admin::announce),
    post(
        "/admin/announcements/{id}/withdraw",
        Moderator,
        admin::withdraw_announcement,
    ),
    post("/admin/emoji/{code}/remove", Moderator, admin::remove_emoji),
    // Looking after people.
    get("/admin/members/{id}", Moderator, care::member),
    post(
        "/admin/members/{id}/reset-link",
        Moderator,
        care::reset_link,
    ),
    post("/admin/members/{id}/note", Moderator, care::note),
    post("/admin/members/{id}/introduce", Moderator, care::introduce),
    post("/admin/members/{id}/bugle", Moderator, care::bugle_taken),
    post("/admin/members/{id}/welcome", Moderator, care::welcome),
    post("/admin/members/{id}/warn", Moderator, care::warn),
    post("/admin/members/{id}/suspend", Moderator, care::suspend),
    post("/admin/members/{id}/unsuspend", Moderator, care::unsuspend),
    post("/admin/members/{id}/hand-over", Host, care::hand_over),
    post("/admin/members/{id}/remove", Host, care::remove),
    get("/admin/reports", Moderator, care::queue),
    get("/admin/reports/{id}", Moderator, care::report),
    post("/admin/reports/{id}", Moderator, care::resolve),
    get("/admin/log", Moderator, care::log),
    get("/admin/neighborhood", Moderator, neighborhood::show),
    post("/admin/neighborhood/propose", Host, neighborhood::propose),
    post("/admin/neighborhood/answer", Host, neighborhood::answer),
    post("/admin/neighborhood/withdraw", Host, neighborhood::withdraw),
    post(
        "/admin/neighborhood/ask-to-leave",
        Host,
        neighborhood::ask_to_leave,
    ),
    post("/admin/neighborhood/leave", Host, neighborhood::leave),
    post(
        "/admin/neighborhood/blocks/mode",
        Host,
        neighborhood::block_mode,
    ),
    post(
        "/admin/neighborhood/blocks/subscribe",
        Host,
        neighborhood::subscribe,
    ),
    post(
        "/admin/neighborhood/blocks/unsubscribe",
        Host,
        neighborhood::unsubscribe,
    ),
    post(
        "/admin/neighborhood/blocks/review",
        Host,
        neighborhood::review,
    ),
    post(
        "/admin/neighborhood/blocks/reasons",
        Host,
        neighborhood::share_reasons,
    ),
    post("/admin/members/{id}/role", Host, admin::role),
    // Coming in: login, setup, recovery, invites.
    get("/login", Anyone, entry::login_form),
    post("/login", Anyone, entry::login),
    post("/logout", Anyone, entry::logout),
    post("/setup", Anyone, entry::setup_at_home),
    get("/setup/{token}", Anyone, entry::setup_form),
    post("/setup/{token}", Anyone, entry::setup),
    post("/setup/{token}/restore", Anyone, entry::restore),
    get("/reset/{token}", Anyone, care::reset_form),
    post("/reset/{token}", Anyone, care::reset),
    get("/recover/{token}", Anyone, entry::recover_form),
    post("/recover/{token}", Anyone, entry::recover),
    get("/invite/{code}", Anyone, entry::signup_form),
    post("/invite/{code}", Anyone, entry::signup),
];

/// The parameters of `segments` if they fit `pattern`.
fn matches<'a>(
    pattern: &'static str,
    segments: &[&'a str],
) -> Option<Vec<(&'static str, &'a str)>> {
    let parts: Vec<&'static str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    if parts.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (part, segment) in parts.iter().zip(segments) {
        if let Some(name) = part.strip_prefix("@{").and_then(|p| p.strip_suffix('}')) {
            let value = segment.strip_prefix('@').filter(|v| !v.is_empty())?;
            params.push((name, value));
        } else if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.push((name, *segment));
        } else if part != segment {
            return None;
        }
    }
    Some(params)
}

/// Answers a page request (anything that is not an asset, the API or ActivityPub).
pub(crate) fn handle(s: &State, req: &Request) -> Response {
    let visit = match s.app.read(|c| session::visit(s, c, req)) {
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
    let mut response = dispatch(s, req, &visit).unwrap_or_else(|e| failure(s, req, &visit, e));
    if let Some(anon) = &visit.new_anon_cookie {
        response.headers.push((
            "set-cookie",
            session::cookie(s, session::ANON_COOKIE, anon, 365 * 86_400),
        ));
    }
    response
}

fn dispatch(s: &State, req: &Request, v: &Visit) -> AppResult<Response> {
    let method = match &req.method {
        &hyper::Method::GET | &hyper::Method::HEAD => PageMethod::Get,
        &hyper::Method::POST => PageMethod::Post,
        _ => {
            return Ok(Response::text(405, "This method is not supported here.")
                .with_header("allow", "GET, HEAD, POST".into()));
        }
    };
    let segments = req.segments();
    let Some((route, params)) = ROUTES
        .iter()
        .filter(|r| r.method == method)
        .find_map(|r| matches(r.path, &segments).map(|p| (r, p)))
    else {
        return Err(AppError::NotFound);
    };
    if method == PageMethod::Post {
        if req.body_too_large {
            return Ok(error_page(
                s,
                req,
                v,
                413,
                "What you sent is larger than this server accepts. Please shorten it.",
            ));
        }
        if !session::csrf_ok(s, req, v) {
            return Ok(error_page(
                s,
                req,
                v,
                403,
                "This form has expired or did not come from this site. Please go back, reload \
                 the page and try again. (If it keeps happening, check that your browser accepts \
                 cookies from this site.)",
            ));
        }
    }
    if let Some(needed) = route.access.role() {
        let me = v.me()?;
        if me.role < needed {
            return Err(AppError::Forbidden(
                match route.access {
                    Access::Host => "Only the camp's hosts can do this.",
                    _ => "Only hosts and moderators can open the host's tools.",
                }
                .into(),
            ));
        }
    }
    (route.handler)(&Ctx {
        s,
        req,
        v,
        params,
        now: porchlight_app::db::now(),
    })
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
    error_page(s, req, v, status, &e.to_string())
}

fn error_page(s: &State, req: &Request, v: &Visit, status: u16, message: &str) -> Response {
    page(
        status,
        web::error_page(&v.chrome(s, req, Nav::None), status, message),
    )
}

fn page(status: u16, markup: porchlight_web::Markup) -> Response {
    Response::html(status, markup)
}

fn max_id(req: &Request) -> Option<i64> {
    req.query("max_id").and_then(|v| v.parse().ok())
}

/// Points each picture from elsewhere (attachments, authors' avatars) at this camp's copy.
fn proxy_media<'a>(s: &State, posts: impl Iterator<Item = &'a mut PostView>) {
    for post in posts {
        s.app.proxy_media(post);
    }
}

/// Errors the person can fix by changing what they typed: the form is shown again with them.
fn is_user_error(e: &AppError) -> bool {
    matches!(
        e,
        AppError::Invalid(_) | AppError::Member(_) | AppError::Text(_)
    )
}

/// Where a button press goes back to: the form's `back` field if it is a path on this site.
fn back(req: &Request, default: &str) -> String {
    porchlight_app::safe_local_path(req.field("back"))
        .unwrap_or(default)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_their_paths_and_nothing_else() {
        type Params = Option<&'static [(&'static str, &'static str)]>;
        let cases: &[(&str, &[&str], Params)] = &[
            ("/", &[], Some(&[])),
            ("/posts/{id}", &["posts", "7"], Some(&[("id", "7")])),
            ("/posts/{id}", &["posts"], None),
            ("/posts/{id}", &["posts", "7", "edit"], None),
            (
                "/posts/{id}/edit",
                &["posts", "7", "edit"],
                Some(&[("id", "7")]),
            ),
            ("/posts/{id}/edit", &["posts", "7", "delete"], None),
            ("/@{handle}", &["@ana"], Some(&[("handle", "ana")])),
            (
                "/@{handle}",
                &["@ana@camp.example"],
                Some(&[("handle", "ana@camp.example")]),
            ),
            ("/@{handle}", &["ana"], None),
            ("/@{handle}", &["@"], None),
            (
                "/@{handle}/follow",
                &["@ana", "follow"],
                Some(&[("handle", "ana")]),
            ),
        ];
        for (pattern, segments, expected) in cases {
            let got = matches(pattern, segments);
            assert_eq!(got.as_deref(), *expected, "{pattern} against {segments:?}");
        }
    }

    #[test]
    fn no_two_routes_share_a_method_and_path() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(
                    !(a.method == b.method && a.path == b.path),
                    "{:?} {} is in the table twice",
                    a.method,
                    a.path
                );
            }
        }
    }
}
