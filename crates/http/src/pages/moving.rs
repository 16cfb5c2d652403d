//! A member's "Moving and your data" page and its forms: download an archive, bring one in,
//! name earlier accounts, move away (docs/MOVING.md). The work itself is in `app`.

use porchlight_app::archive::{JobKind, ListKind};
use porchlight_app::{AppError, AppResult};
use porchlight_web as web;
use web::Nav;

use super::{Ctx, is_user_error};
use crate::Response;

pub(super) fn show(x: &Ctx) -> AppResult<Response> {
    let notice = match x.req.query("saved") {
        Some("export") => Some("Your archive is being made; it appears here when it is ready."),
        Some("import") => {
            Some("Your file is being read; what it brought in is said here when it is done.")
        }
        Some("alias") => Some("Saved: that account is named as yours."),
        Some("alias-removed") => Some("That account is no longer named as yours."),
        Some("moved") => Some("Your account has moved. Your followers are following the new one."),
        Some("fork") => Some("Saved: your wish about a Camp 2."),
        _ => None,
    };
    page_view(x, 200, notice, None)
}

fn page_view(
    x: &Ctx,
    status: u16,
    notice: Option<&str>,
    error: Option<&str>,
) -> AppResult<Response> {
    let me = x.me()?;
    let app = &x.s.app;
    let aliases = app
        .aliases(me.id)?
        .into_iter()
        .map(|uri| {
            let (_, shown) = app.account_shown(&uri)?;
            Ok((uri, shown))
        })
        .collect::<AppResult<Vec<_>>>()?;
    let moved = match &me.moved_to {
        Some(uri) => Some(app.account_shown(uri)?),
        None => None,
    };
    let (address, handle) = match &app.federation {
        Some(fed) => (
            fed.me.actor_id(&me.username),
            format!("@{}@{}", me.username, fed.me.host),
        ),
        None => (
            format!("/users/{}", me.username),
            format!("@{}", me.username),
        ),
    };
    let list_kinds: Vec<(&str, &str)> = ListKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.label()))
        .collect();
    Ok(super::page(
        status,
        web::moving(
            &x.chrome(Nav::Settings),
            &web::MovingView {
                me,
                notice,
                error,
                address: &address,
                handle: &handle,
                exports: &app.archive_jobs(me.id, JobKind::Export)?,
                imports: &app.archive_jobs(me.id, JobKind::Import)?,
                aliases: &aliases,
                moved_to: moved.as_ref().map(|(l, s)| (l.as_str(), s.as_str())),
                list_kinds: &list_kinds,
                upload_limit_gb: crate::spool::MAX_SPOOLED_BYTES / 1024 / 1024 / 1024,
                federates: app.federation.is_some(),
            },
        ),
    ))
}

/// After a form: to the page with a notice, or the page again with the problem said.
fn done(x: &Ctx, result: AppResult<()>, saved: &str, anchor: &str) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Response::redirect(&format!(
            "/settings/moving?saved={saved}#{anchor}"
        ))),
        Err(e) if is_user_error(&e) => page_view(x, 422, None, Some(&e.to_string())),
        Err(e) => Err(e),
    }
}

pub(super) fn export(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result = x.s.app.request_export(me.id).map(|_| ());
    done(x, result, "export", "export")
}

/// The archive itself, streamed from its file (never read whole into memory).
pub(super) fn download(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let path = x.s.app.export_file(me.id, x.id("id")?, JobKind::Export)?;
    let name = format!("porchlight-{}-archive.zip", me.username);
    Ok(Response::send_file(&path, "application/zip", &name))
}

pub(super) fn import(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let list = match x.req.field("list") {
        "" => None,
        value => Some(
            ListKind::parse(value)
                .ok_or_else(|| AppError::Invalid("Choose which list the file is.".into()))?,
        ),
    };
    let result = match x.req.spooled("archive") {
        Some(file) => x.s.app.request_import(me.id, &file.path, list).map(|_| ()),
        None => Err(AppError::Invalid(
            "Choose a file to bring in; the one sent was empty.".into(),
        )),
    };
    done(x, result, "import", "import")
}

/// Whether the member wants to go along if the camp forks.
pub(super) fn fork_consent(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result =
        x.s.app
            .set_fork_consent(me.id, x.req.field("wants") == "on");
    done(x, result, "fork", "camp-2")
}

pub(super) fn add_alias(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result = x.s.app.add_alias(me.id, x.req.field("account")).map(|_| ());
    done(x, result, "alias", "aliases")
}

pub(super) fn remove_alias(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result = x.s.app.remove_alias(me.id, x.req.field("uri"));
    done(x, result, "alias-removed", "aliases")
}

pub(super) fn move_away(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result =
        x.s.app
            .move_away(me.id, x.req.field("target"), x.req.field("password"))
            .map(|_| ());
    done(x, result, "moved", "moved")
}
