//! The host's page for updating the box (docs/UPDATES.md). The work is in `app::updates`.

use porchlight_app::updates::{Phase, Work};
use porchlight_app::{AppError, AppResult};
use porchlight_web as web;
use web::Nav;

use super::{Ctx, is_user_error};
use crate::Response;

pub(super) fn show(x: &Ctx) -> AppResult<Response> {
    let notice = match x.req.query("saved") {
        Some("upload") => Some("The release file arrived; it is being checked."),
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
    let view = x.s.app.update_view(me.id)?;
    let work = match &view.work {
        Work::Idle => web::UpdateWork::Idle,
        Work::Checking => web::UpdateWork::Checking,
        Work::Writing { done, total } => web::UpdateWork::Writing {
            done: *done,
            total: *total,
        },
        Work::Refused(why) => web::UpdateWork::Refused(why),
        Work::Restarting { version } => web::UpdateWork::Restarting { version },
    };
    let news = view.last.as_ref().and_then(|last| match last.phase {
        Phase::Pending => Some(web::UpdateNews::Waiting {
            version: &last.version,
        }),
        Phase::Trying | Phase::Failed => Some(web::UpdateNews::Trying {
            version: &last.version,
            back_to: &last.from_version,
        }),
        Phase::Committed if !last.seen => Some(web::UpdateNews::Committed {
            version: &last.version,
        }),
        Phase::FellBack if !last.seen => Some(web::UpdateNews::FellBack {
            version: &last.version,
            back_on: &last.from_version,
            reason: last.reason.as_deref().unwrap_or("it did not say why"),
            restored: last.restored,
        }),
        _ => None,
    });
    Ok(super::page(
        status,
        web::update(
            &x.chrome(Nav::Admin),
            &web::UpdateView {
                notice,
                error,
                on_the_box: view.on_the_box,
                running: &view.running,
                key_fingerprint: view.key_fingerprint.as_deref(),
                test_key: view.test_key,
                work,
                news,
            },
        ),
    ))
}

pub(super) fn upload(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result = match x.req.spooled("release") {
        Some(file) => x.s.app.start_update(me.id, &file.path),
        None => Err(AppError::Invalid(
            "Choose the release file to install.".into(),
        )),
    };
    match result {
        Ok(()) => Ok(Response::redirect("/admin/update?saved=upload")),
        Err(e) if is_user_error(&e) => page_view(x, 422, None, Some(&e.to_string())),
        Err(e) => Err(e),
    }
}

pub(super) fn dismiss(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    x.s.app.dismiss_update_news(me.id)?;
    Ok(Response::redirect("/admin/update"))
}
