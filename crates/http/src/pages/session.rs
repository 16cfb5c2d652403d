//! Who is visiting: the session cookie, the anonymous cookie that form tokens of visitors are
//! bound to, the form token (CSRF) check, and starting a session after a login or a signup.

use porchlight_app::db::accounts::Member;
use porchlight_app::db::social;
use porchlight_app::db::timeline::Reader;
use porchlight_app::db::{Connection, now};
use porchlight_app::{AppError, AppResult, Site};
use porchlight_web::{Chrome, Nav};

use crate::{Request, Response, State};

pub(crate) const SESSION_COOKIE: &str = "pl_session";
/// A random value for visitors who are not signed in: what their form tokens are bound to.
pub(super) const ANON_COOKIE: &str = "pl_anon";
const SESSION_MAX_AGE: i64 = 30 * 24 * 3600;

/// Who is visiting, read once per request.
pub(crate) struct Visit {
    pub(super) me: Option<Member>,
    pub(super) session: Option<String>,
    pub(super) csrf: String,
    /// A new anonymous cookie to set (first visit).
    pub(super) new_anon_cookie: Option<String>,
    pub(super) session_needs_touch: bool,
    pub(super) unseen: u32,
    pub(super) site: Site,
    /// The hosts' announcements this member has not dismissed: (id, HTML).
    pub(super) announcements: Vec<(i64, String)>,
    /// Whether the camp is in a neighborhood (read for members only).
    pub(super) in_neighborhood: bool,
}

impl Visit {
    pub(super) fn reader(&self) -> Reader {
        Reader {
            account: self.me.as_ref().map(|m| m.id),
        }
    }

    pub(super) fn chrome<'a>(&'a self, s: &State, req: &'a Request, nav: Nav) -> Chrome<'a> {
        Chrome {
            site_name: &self.site.name,
            me: self.me.as_ref(),
            csrf: &self.csrf,
            unseen_notifications: self.unseen,
            nav,
            here: &req.path_and_query,
            max_post_chars: s.app.limits.max_post_chars,
            federating: s.app.federation.is_some(),
            announcements: &self.announcements,
            accent: &self.site.accent,
            in_neighborhood: self.in_neighborhood,
            form_fields: Default::default(),
            code_of_conduct_changed: self
                .me
                .as_ref()
                .filter(|m| m.agreed_coc_version < self.site.code_of_conduct_version)
                .map(|_| self.site.code_of_conduct_change.as_str()),
        }
    }

    pub(super) fn me(&self) -> AppResult<&Member> {
        self.me.as_ref().ok_or(AppError::NotSignedIn)
    }
}

fn is_token(value: &str, len: usize) -> bool {
    value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit())
}

pub(super) fn visit(s: &State, c: &Connection, req: &Request) -> AppResult<Visit> {
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
    let (unseen, announcements, in_neighborhood) = match &me {
        Some(m) => (
            social::unseen_notifications(c, m.id)?,
            s.app.unread_announcements(c, m.id)?,
            porchlight_app::db::neighborhood::neighborhood_uri(c)?.is_some(),
        ),
        None => (0, Vec::new(), false),
    };
    Ok(Visit {
        me,
        session,
        csrf: s.app.csrf_token(&basis),
        new_anon_cookie,
        session_needs_touch,
        unseen,
        announcements,
        in_neighborhood,
        site: porchlight_app::site(c)?,
    })
}

pub(super) fn cookie(s: &State, name: &str, value: &str, max_age: i64) -> String {
    format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        if s.config.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    )
}

/// The cookie that carries a new session.
pub(super) fn session_cookie(s: &State, token: &str) -> String {
    cookie(s, SESSION_COOKIE, token, SESSION_MAX_AGE)
}

/// The browser's device cookie: it logged in as this member (a year; see `limiter`).
pub(super) const DEVICE_COOKIE: &str = "pl_device";

pub(super) fn device_cookie(s: &State, username: &str) -> String {
    cookie(
        s,
        DEVICE_COOKIE,
        &s.app.device_token(username),
        365 * 86_400,
    )
}

/// The cookie that ends a session in the browser.
pub(super) fn ended_session_cookie(s: &State) -> String {
    cookie(s, SESSION_COOKIE, "", 0)
}

/// A form post must carry this browser's token, and (when the browser says where it comes from)
/// come from this site.
pub(super) fn csrf_ok(s: &State, req: &Request, v: &Visit) -> bool {
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

/// Logs a just-created member in and sends them to `next`.
pub(super) fn start_session(
    s: &State,
    username: &str,
    password: &str,
    next: &str,
) -> AppResult<Response> {
    let (_, token) = s.app.log_in(username, password)?;
    Ok(Response::redirect(next).with_header("set-cookie", session_cookie(s, &token)))
}
