//! Coming in: logging in and out, setting the camp up (with the printed link, or on the box
//! from its home network), a host's recovery link, and signing up with an invite.

use porchlight_app::members::NewMember;
use porchlight_app::{AppError, AppResult};
use porchlight_core::audience::Role;
use porchlight_web as web;
use web::Nav;

use super::session::{self, start_session};
use super::{Ctx, admin, is_user_error, page};
use crate::{Request, Response, State};

/// Whether this visitor may set the camp up without the printed link: only on the box, and only
/// from its home network.
pub(super) fn may_set_up_here(s: &State, req: &Request) -> bool {
    s.config.setup_from_home_network && porchlight_core::network::on_home_network(req.remote.ip())
}

/// Where to go after logging in: the `next` the login page was sent with, if it is a path on
/// this site (`app::safe_local_path`).
fn login_next(req: &Request) -> Option<&str> {
    req.query("next").and_then(porchlight_app::safe_local_path)
}

pub(super) fn login_form(x: &Ctx) -> AppResult<Response> {
    if x.v.me.is_some() {
        return Ok(Response::redirect("/"));
    }
    Ok(page(
        200,
        web::login(&x.chrome(Nav::None), "", None, login_next(x.req)),
    ))
}

pub(super) fn login(x: &Ctx) -> AppResult<Response> {
    let (s, req) = (x.s, x.req);
    let username = req.field("username");
    let address = req.remote.ip().to_string();
    let instant = std::time::Instant::now();
    let known_device = req
        .cookie(session::DEVICE_COOKIE)
        .is_some_and(|token| s.app.device_known(username, token));
    if let Some(wait) = s.limiter.wait(&address, username, known_device, instant) {
        let message = if wait.as_secs() >= 60 {
            format!(
                "Too many wrong passwords. Please wait {} minute(s) and try again.",
                wait.as_secs().div_ceil(60)
            )
        } else {
            format!(
                "Too many wrong passwords for this name. Please wait {} second(s) and try again.",
                wait.as_secs().max(1)
            )
        };
        return Ok(page(
            429,
            web::login(
                &x.chrome(Nav::None),
                username,
                Some(&message),
                login_next(req),
            ),
        )
        .with_header("retry-after", wait.as_secs().max(1).to_string()));
    }
    match s.app.log_in(username, req.field("password")) {
        Ok((_, token)) => {
            s.limiter.succeeded(&address);
            let next = login_next(req).unwrap_or("/");
            Ok(Response::redirect(next)
                .with_header("set-cookie", session::session_cookie(s, &token))
                .with_header("set-cookie", session::device_cookie(s, username)))
        }
        Err(e) if is_user_error(&e) => {
            s.limiter.failed(&address, username, instant);
            let message = e.to_string();
            Ok(page(
                422,
                web::login(
                    &x.chrome(Nav::None),
                    username,
                    Some(&message),
                    login_next(req),
                ),
            ))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn logout(x: &Ctx) -> AppResult<Response> {
    if let Some(token) = &x.v.session {
        x.s.app.log_out(token)?;
    }
    Ok(Response::redirect("/").with_header("set-cookie", session::ended_session_cookie(x.s)))
}

/// The box's front page: a visitor from the home network gets a fresh setup link.
pub(super) fn setup_at_home(x: &Ctx) -> AppResult<Response> {
    if !may_set_up_here(x.s, x.req) {
        return Err(AppError::Forbidden(
            "The camp can be set up only with the setup link Porchlight printed when it \
             started (or, on the box, from its home network)."
                .into(),
        ));
    }
    match x.s.app.issue_setup_token()? {
        Some(token) => Ok(Response::redirect(&format!("/setup/{token}"))),
        None => Err(AppError::Forbidden(
            "This camp already has a host. Log in, or ask the host for an invite.".into(),
        )),
    }
}

fn setup_page(x: &Ctx, status: u16, form: &web::SetupForm) -> Response {
    page(
        status,
        web::setup(&x.chrome(Nav::None), x.param("token"), form),
    )
}

pub(super) fn setup_form(x: &Ctx) -> AppResult<Response> {
    let s = x.s;
    if !s.app.setup_token_valid(x.param("token"))? {
        return Err(AppError::Forbidden(
            "This setup link is not valid: the camp already has a host, or the link is old. \
             Restart Porchlight to get a new link if the camp has no host yet."
                .into(),
        ));
    }
    Ok(blank_setup_page(x, 200, None))
}

/// The setup page with nothing typed yet (`restore_error`: why a backup was refused).
fn blank_setup_page(x: &Ctx, status: u16, restore_error: Option<&str>) -> Response {
    let s = x.s;
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
        restore_error,
    };
    setup_page(x, status, &form)
}

/// A backup given on the setup page: checked and staged, then the camp starts again with it.
pub(super) fn restore(x: &Ctx) -> AppResult<Response> {
    let s = x.s;
    if !s.app.setup_token_valid(x.param("token"))? {
        return Err(AppError::Forbidden(
            "This setup link is not valid: the camp already has a host, or the link is old.".into(),
        ));
    }
    let result = match x.req.spooled("backup") {
        Some(file) => s
            .app
            .stage_restore(x.param("token"), &file.path, x.req.field("passphrase")),
        None => Err(AppError::Invalid(
            "Choose the backup file to restore.".into(),
        )),
    };
    match result {
        Ok(()) => {
            if let Some(restart) = s.config.restart.clone() {
                std::thread::spawn(move || {
                    // Long enough for this answer to reach the browser.
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    (restart.0)();
                });
            }
            Ok(page(
                200,
                web::restoring(&x.chrome(Nav::None), s.config.restart.is_some()),
            ))
        }
        Err(e @ AppError::Forbidden(_)) => Err(e),
        Err(e) if is_user_error(&e) => Ok(blank_setup_page(x, 422, Some(&e.to_string()))),
        Err(e) => Err(e),
    }
}

pub(super) fn setup(x: &Ctx) -> AppResult<Response> {
    let (s, req) = (x.s, x.req);
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
            x.param("token"),
            &new,
            req.field("site_name"),
            req.field("code_of_conduct"),
        )
    });
    match done {
        Ok(host) if !wanted.is_empty() && !s.config.domain_fixed => {
            let name = s.app.set_public_domain(host, wanted)?;
            let (_, session) = s.app.log_in(req.field("username"), req.field("password"))?;
            let response = admin::restart_for_new_name(x, name.as_deref());
            Ok(response.with_header("set-cookie", session::session_cookie(s, &session)))
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
                restore_error: None,
            };
            Ok(setup_page(x, 422, &form))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn recover_form(x: &Ctx) -> AppResult<Response> {
    let (s, token) = (x.s, x.param("token"));
    if !s.app.recovery_token_valid(token)? {
        return Err(AppError::Forbidden(
            "This recovery link is not valid any more. Hold the box's button for 5 seconds to \
             make a new one."
                .into(),
        ));
    }
    let hosts = s.app.host_names()?;
    Ok(page(
        200,
        web::recover(&x.chrome(Nav::None), token, &hosts, None),
    ))
}

pub(super) fn recover(x: &Ctx) -> AppResult<Response> {
    let (s, req, token) = (x.s, x.req, x.param("token"));
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
                web::recover(&x.chrome(Nav::None), token, &hosts, Some(&message)),
            ))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn signup_form(x: &Ctx) -> AppResult<Response> {
    let code = x.param("code");
    let invite = x.s.app.usable_invite(code)?;
    let form = web::SignupForm {
        username: "",
        display_name: "",
        agreed: false,
        error: None,
    };
    Ok(page(
        200,
        web::signup(&x.chrome(Nav::None), &x.v.site, &invite, code, &form),
    ))
}

pub(super) fn signup(x: &Ctx) -> AppResult<Response> {
    let (s, req, code) = (x.s, x.req, x.param("code"));
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
                web::signup(&x.chrome(Nav::None), &x.v.site, &invite, code, &form),
            ))
        }
        Err(e) => Err(e),
    }
}
