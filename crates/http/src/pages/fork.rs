//! The host's Camp 2 page: the bundle of the members who want to go, made and downloaded; a
//! bundle from another camp brought in (docs/MOVING.md). The work itself is in `app::fork`.

use porchlight_app::archive::JobKind;
use porchlight_app::{AppError, AppResult};
use porchlight_web as web;
use web::Nav;

use super::{Ctx, is_user_error};
use crate::Response;

pub(super) fn show(x: &Ctx) -> AppResult<Response> {
    let notice = match x.req.query("saved") {
        Some("bundle") => Some("The bundle is being made; it appears here when it is ready."),
        Some("import") => {
            Some("The bundle is being brought in; what it did is said here when it is done.")
        }
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
    Ok(super::page(
        status,
        web::fork(
            &x.chrome(Nav::Admin),
            &web::ForkView {
                notice,
                error,
                going: &app.fork_consenting(me.id)?,
                bundles: &app.archive_jobs(me.id, JobKind::Fork)?,
                imports: &app.archive_jobs(me.id, JobKind::ForkImport)?,
            },
        ),
    ))
}

fn done(x: &Ctx, result: AppResult<i64>, saved: &str) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(Response::redirect(&format!("/admin/fork?saved={saved}"))),
        Err(e) if is_user_error(&e) => page_view(x, 422, None, Some(&e.to_string())),
        Err(e) => Err(e),
    }
}

pub(super) fn make_bundle(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    done(x, x.s.app.request_fork_bundle(me.id), "bundle")
}

pub(super) fn download(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let path = x.s.app.export_file(me.id, x.id("id")?, JobKind::Fork)?;
    Ok(Response::send_file(
        &path,
        "application/zip",
        "porchlight-camp-2-bundle.zip",
    ))
}

pub(super) fn bring_in(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result = match x.req.spooled("bundle") {
        Some(file) => x.s.app.request_fork_import(me.id, &file.path),
        None => Err(AppError::Invalid("Choose the bundle to bring in.".into())),
    };
    done(x, result, "import")
}
