//! A member's own settings: profile, password, the apps that may use their account, and whom
//! they muted or blocked.

use porchlight_app::AppResult;
use porchlight_web as web;
use web::Nav;

use super::{Ctx, is_user_error};
use crate::Response;

pub(super) fn page_view(x: &Ctx, notice: Option<&str>, errors: Errors) -> AppResult<Response> {
    let me = x.me()?;
    let status = if errors.profile.is_some()
        || errors.password.is_some()
        || errors.audience.is_some()
        || errors.pictures.is_some()
    {
        422
    } else {
        200
    };
    Ok(super::page(
        status,
        web::settings(
            &x.chrome(Nav::Settings),
            &web::SettingsView {
                me,
                notice,
                profile_error: errors.profile,
                password_error: errors.password,
                audience_error: errors.audience,
                pictures_error: errors.pictures,
                apps: &x.s.app.authorized_apps(me.id)?,
                kept_away: &kept_away(x, me.id)?,
            },
        ),
    ))
}

/// What a refused form on the settings page says.
#[derive(Default)]
pub(super) struct Errors<'a> {
    profile: Option<&'a str>,
    password: Option<&'a str>,
    audience: Option<&'a str>,
    pictures: Option<&'a str>,
}

pub(super) fn show(x: &Ctx) -> AppResult<Response> {
    let notice = match x.req.query("saved") {
        Some("profile") => Some("Your profile is saved."),
        Some("password") => Some(
            "Your password is changed. Other devices and your apps were logged out; log in again in your apps.",
        ),
        Some("revoked") => Some("The app can no longer use your account."),
        Some("audience") => Some("Your posts now start with the audience you chose."),
        Some("bugle") => Some("Your bugle setting is saved."),
        Some("pictures") => Some("Your pictures are saved."),
        _ => None,
    };
    page_view(x, notice, Errors::default())
}

pub(super) fn profile(x: &Ctx) -> AppResult<Response> {
    let (req, me) = (x.req, x.me()?);
    let result = x.s.app.update_profile(
        me.id,
        req.field("display_name"),
        req.field("bio"),
        req.field("who_i_am"),
    );
    saved(x, result, Form::Profile, "/settings?saved=profile#profile")
}

pub(super) fn password(x: &Ctx) -> AppResult<Response> {
    let (req, me) = (x.req, x.me()?);
    let token = x.v.session.as_deref().unwrap_or("");
    let result =
        x.s.app
            .change_password(me.id, req.field("current"), req.field("new"), token);
    saved(
        x,
        result,
        Form::Password,
        "/settings?saved=password#password",
    )
}

/// What a member's posts are for when they do not choose.
pub(super) fn audience(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result = porchlight_core::audience::Audience::parse(x.req.field("audience"))
        .ok_or_else(|| porchlight_app::AppError::Invalid("Choose who your posts are for.".into()))
        .and_then(|a| x.s.app.set_default_audience(me.id, a));
    saved(
        x,
        result,
        Form::Audience,
        "/settings?saved=audience#audience",
    )
}

/// A member's avatar and header: each file given replaces the one before; the remove buttons
/// go back to the drawn avatar or to no header. Nothing is stored if either picture is refused.
pub(super) fn pictures(x: &Ctx) -> AppResult<Response> {
    use porchlight_app::db::uploads::ProfileRole;
    let me = x.me()?;
    let app = &x.s.app;
    let given = |field| x.req.file(field).filter(|f| !f.bytes.is_empty());
    let result = match x.req.field("remove") {
        "avatar" => app.remove_profile_picture(me.id, ProfileRole::Avatar),
        "header" => app.remove_profile_picture(me.id, ProfileRole::Header),
        _ => app.set_profile_pictures(
            me.id,
            given("avatar").map(|f| &f.bytes[..]),
            given("header").map(|f| &f.bytes[..]),
        ),
    };
    saved(
        x,
        result,
        Form::Pictures,
        "/settings?saved=pictures#pictures",
    )
}

/// Which form of the settings page a change came from.
#[derive(Clone, Copy)]
enum Form {
    Profile,
    Password,
    Audience,
    Pictures,
}

/// After a change from one of the settings forms: to the page with a notice, or the page again
/// with the problem shown in that form.
fn saved(x: &Ctx, result: AppResult<()>, form: Form, location: &str) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Response::redirect(location)),
        Err(e) if is_user_error(&e) => {
            let message = e.to_string();
            let mut errors = Errors::default();
            match form {
                Form::Profile => errors.profile = Some(&message),
                Form::Password => errors.password = Some(&message),
                Form::Audience => errors.audience = Some(&message),
                Form::Pictures => errors.pictures = Some(&message),
            }
            page_view(x, None, errors)
        }
        Err(e) => Err(e),
    }
}

pub(super) fn revoke_app(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let app = x.id("app")?;
    x.s.app.revoke_app(me.id, app)?;
    Ok(Response::redirect("/settings?saved=revoked#apps"))
}

/// Whom a member muted or blocked, for the settings page: blocks first, then mutes.
fn kept_away(x: &Ctx, me: i64) -> AppResult<Vec<web::KeptAway>> {
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
    let mut list: Vec<web::KeptAway> =
        x.s.app
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
    for (p, mute) in x.s.app.muted(me)? {
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

/// Hearing the bugle, or not.
pub(super) fn bugle(x: &Ctx) -> AppResult<Response> {
    x.s.app
        .set_hears_bugle(x.me()?.id, x.req.field("hears") == "on")?;
    Ok(Response::redirect("/settings?saved=bugle#bugle-setting"))
}
