//! The neighborhood (docs/NEIGHBORHOODS.md): its timeline for members, and the host's page to
//! propose a camp, answer proposals, withdraw one's own, ask a camp to leave, and leave.

use porchlight_app::db::timeline::Query;
use porchlight_app::{AppError, AppResult};
use porchlight_core::neighborhood::Answer;
use porchlight_web as web;
use web::Nav;

use super::{Ctx, is_user_error, page};
use crate::Response;

pub(super) fn timeline(x: &Ctx) -> AppResult<Response> {
    let data = x.read_page(&Query::Neighborhood)?;
    let intro = if x.s.app.in_neighborhood()? {
        "Posts for the neighborhood, from this camp and its neighbor camps. Nobody else sees them."
    } else {
        "This camp is not in a neighborhood. Its hosts can propose one on the host's page."
    };
    Ok(page(
        200,
        web::timeline(
            &x.chrome(Nav::Neighborhood),
            "Neighborhood",
            intro,
            &data,
            x.now,
            "/neighborhood",
        ),
    ))
}

fn page_with(x: &Ctx, error: Option<&str>) -> AppResult<Response> {
    let view = x.s.app.neighborhood()?;
    let blocks = x.s.app.shared_blocks()?;
    let notice = match (error, x.req.query("done")) {
        (None, Some(_)) => view.log.first().map(|(_, said)| said.as_str()),
        _ => None,
    };
    let is_host = x.me()?.role >= porchlight_core::audience::Role::Host;
    Ok(page(
        if error.is_some() { 422 } else { 200 },
        web::neighborhood::host_page(
            &x.chrome(Nav::Admin),
            &view,
            &blocks,
            web::neighborhood::PageState {
                error,
                notice,
                is_host,
                federating: x.s.app.federation.is_some(),
                now: x.now,
            },
        ),
    ))
}

pub(super) fn show(x: &Ctx) -> AppResult<Response> {
    page_with(x, None)
}

/// The page again after a change (its latest line says what happened), or with the problem.
fn done(x: &Ctx, result: AppResult<String>) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(Response::redirect("/admin/neighborhood?done=1")),
        Err(e) if is_user_error(&e) => page_with(x, Some(&e.to_string())),
        Err(e) => Err(e),
    }
}

pub(super) fn propose(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .propose_neighbor(x.acting()?, x.req.field("address"));
    done(x, result)
}

pub(super) fn answer(x: &Ctx) -> AppResult<Response> {
    let answer = match x.req.field("answer") {
        "approve" => Answer::Approve,
        "decline" => Answer::Decline,
        _ => {
            return done(
                x,
                Err(AppError::Invalid("Choose approve or decline.".into())),
            );
        }
    };
    let result =
        x.s.app
            .answer_proposal(x.acting()?, x.req.field("proposal"), answer);
    done(x, result)
}

pub(super) fn withdraw(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .withdraw_proposal(x.acting()?, x.req.field("proposal"));
    done(x, result)
}

pub(super) fn ask_to_leave(x: &Ctx) -> AppResult<Response> {
    let result = x.s.app.ask_to_leave(x.acting()?, x.req.field("camp"));
    done(x, result)
}

pub(super) fn leave(x: &Ctx) -> AppResult<Response> {
    let result = x.s.app.leave_neighborhood(x.acting()?);
    done(x, result)
}

/// The page again after a change to shared block lists, or with the problem.
fn blocks_done(x: &Ctx, result: AppResult<()>) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Response::redirect("/admin/neighborhood#shared-blocks")),
        Err(e) if is_user_error(&e) => page_with(x, Some(&e.to_string())),
        Err(e) => Err(e),
    }
}

pub(super) fn block_mode(x: &Ctx) -> AppResult<Response> {
    let (req, by) = (x.req, x.acting()?);
    let result =
        x.s.app
            .set_block_source_mode(by, req.field("source"), req.field("mode"));
    blocks_done(x, result)
}

pub(super) fn subscribe(x: &Ctx) -> AppResult<Response> {
    let (req, by) = (x.req, x.acting()?);
    let result =
        x.s.app
            .subscribe_block_list(by, req.field("url"), req.field("mode"));
    blocks_done(x, result)
}

pub(super) fn unsubscribe(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .unsubscribe_block_list(x.acting()?, x.req.field("source"));
    blocks_done(x, result)
}

pub(super) fn review(x: &Ctx) -> AppResult<Response> {
    let (req, by) = (x.req, x.acting()?);
    let apply = match req.field("decision") {
        "apply" => true,
        "dismiss" => false,
        _ => return blocks_done(x, Err(AppError::Invalid("Choose apply or dismiss.".into()))),
    };
    let result =
        x.s.app
            .review_shared_block(by, req.field("source"), req.field("domain"), apply);
    blocks_done(x, result)
}

pub(super) fn share_reasons(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .set_share_block_reasons(x.acting()?, x.req.field("share") == "1");
    blocks_done(x, result)
}
