//! Looking after people: a member's page on the host's side (reset link, note, warning,
//! suspension, removal, handing over), the reports queue, the moderation log, the report form
//! on every post and profile, and the page a reset link opens. The route table lets only the
//! right roles in; `app` checks who may act on whom again, in the transaction that acts.

use porchlight_app::reports::{NewMemberReport, ReportCase};
use porchlight_app::{AppError, AppResult};
use porchlight_core::audience::Role;
use porchlight_core::moderation::ReportOutcome;
use porchlight_web as web;
use web::Nav;

use super::{Ctx, is_user_error, page};
use crate::Response;

fn item(case: &ReportCase) -> web::ReportItem<'_> {
    web::ReportItem {
        report: &case.report,
        posts: &case.posts,
        rule: case.rule_text.as_deref(),
    }
}

/// A member's page on the host's side, with a problem, a notice or a reset link just made.
fn member_page(
    x: &Ctx,
    status: u16,
    error: Option<&str>,
    notice: Option<&str>,
    reset_link: Option<&str>,
) -> AppResult<Response> {
    let me = x.me()?;
    let id = x.id("id")?;
    let member =
        x.s.app
            .members_for_staff(x.acting()?)?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or(AppError::NotFound)?;
    // A moderator looking at a host sees the page but not the note (the rule refuses it).
    let note = x.s.app.member_note(x.acting()?, id).unwrap_or_default();
    let view = web::MemberCareView {
        member: &member,
        note: &note,
        reset_link,
        viewer_is_host: me.role == Role::Host,
        viewer_id: me.id,
        error,
        notice,
    };
    Ok(page(status, web::member_care(&x.chrome(Nav::Admin), &view)))
}

pub(super) fn member(x: &Ctx) -> AppResult<Response> {
    let notice = match x.req.query("saved") {
        Some("note") => Some("The note is saved."),
        Some("introduced") => Some("The introduction is saved."),
        Some("bugle") => Some("The bugle setting is saved."),
        Some("warned") => Some("Your message is sent."),
        Some("suspended") => Some("The account is suspended."),
        Some("unsuspended") => Some("The suspension is lifted."),
        _ => None,
    };
    member_page(x, 200, None, notice, None)
}

/// After an action on a member: back to their page saying so, or the page with the problem.
fn done(x: &Ctx, result: AppResult<()>, saved: &str) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Response::redirect(&format!(
            "/admin/members/{}?saved={saved}",
            x.id("id")?
        ))),
        Err(e) if is_user_error(&e) || matches!(e, AppError::Forbidden(_)) => {
            let status = if is_user_error(&e) { 422 } else { 403 };
            member_page(x, status, Some(&e.to_string()), None, None)
        }
        Err(e) => Err(e),
    }
}

pub(super) fn reset_link(x: &Ctx) -> AppResult<Response> {
    let token = match x.s.app.make_reset_link(x.acting()?, x.id("id")?) {
        Ok(token) => token,
        Err(e) => return done(x, Err(e), ""),
    };
    let link = format!("{}/reset/{token}", x.s.base_url(x.req.host.as_deref()));
    // Shown in this answer only: never in an address, a log or a page that can be reloaded.
    member_page(x, 200, None, None, Some(&link))
        .map(|r| r.with_header("cache-control", "no-store".into()))
}

pub(super) fn note(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .set_member_note(x.acting()?, x.id("id")?, x.req.field("note"));
    done(x, result, "note")
}

pub(super) fn introduce(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .introduce(x.acting()?, x.id("id")?, x.req.field("introduction"));
    done(x, result, "introduced")
}

/// A welcome post introducing the member; the Camp timeline shows it.
pub(super) fn welcome(x: &Ctx) -> AppResult<Response> {
    match x.s.app.post_welcome(x.me()?.id, x.id("id")?) {
        Ok(post) => Ok(Response::redirect(&format!("/posts/{post}"))),
        Err(e) => done(x, Err(e), ""),
    }
}

pub(super) fn warn(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .warn(x.me()?.id, x.id("id")?, x.req.field("message"));
    done(x, result, "warned")
}

pub(super) fn suspend(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .suspend(x.acting()?, x.id("id")?, x.req.field("reason"));
    done(x, result, "suspended")
}

pub(super) fn unsuspend(x: &Ctx) -> AppResult<Response> {
    let result = x.s.app.unsuspend(x.acting()?, x.id("id")?);
    // Someone elsewhere is lifted from the report that suspended them.
    match (result, x.req.field("back")) {
        (Ok(()), "") => done(x, Ok(()), "unsuspended"),
        (Ok(()), _) => Ok(Response::redirect(&super::back(x.req, "/admin/reports"))),
        (Err(e), _) => done(x, Err(e), ""),
    }
}

pub(super) fn hand_over(x: &Ctx) -> AppResult<Response> {
    if x.req.field("confirm") != "on" {
        return done(
            x,
            Err(AppError::Invalid(
                "Tick the box to say you will no longer be a host; nothing was changed.".into(),
            )),
            "",
        );
    }
    match x.s.app.hand_over(x.me()?.id, x.id("id")?) {
        // The one who handed over is a member now: the host's page is not theirs any more.
        Ok(()) => Ok(Response::redirect("/")),
        Err(e) => done(x, Err(e), ""),
    }
}

pub(super) fn remove(x: &Ctx) -> AppResult<Response> {
    let id = x.id("id")?;
    let member =
        x.s.app
            .members_for_staff(x.acting()?)?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or(AppError::NotFound)?;
    if x.req.field("confirm").trim().to_ascii_lowercase() != member.username {
        return done(
            x,
            Err(AppError::Invalid(format!(
                "Type \"{}\" to confirm the removal; nothing was removed.",
                member.username
            ))),
            "",
        );
    }
    match x
        .s
        .app
        .remove_member(x.acting()?, id, x.req.field("reason"))
    {
        Ok(_) => Ok(Response::redirect("/admin?saved=removed#members")),
        Err(e) => done(x, Err(e), ""),
    }
}

pub(super) fn queue(x: &Ctx) -> AppResult<Response> {
    let open = x.s.app.reports(x.acting()?, true)?;
    let handled = x.s.app.reports(x.acting()?, false)?;
    let open: Vec<_> = open.iter().map(item).collect();
    let handled: Vec<_> = handled.iter().take(50).map(item).collect();
    Ok(page(
        200,
        web::reports_queue(&x.chrome(Nav::Admin), &open, &handled, x.now),
    ))
}

fn report_page(x: &Ctx, status: u16, error: Option<&str>) -> AppResult<Response> {
    let case = x.s.app.report_case(x.acting()?, x.id("id")?)?;
    let target_suspended =
        x.s.app
            .read(|c| porchlight_app::db::moderation::suspended_at(c, case.report.target))?
            .is_some();
    let view = web::ReportPageView {
        target_suspended,
        item: item(&case),
        error,
        viewer_is_host: x.me()?.role == Role::Host,
        now: x.now,
    };
    Ok(page(status, web::report_page(&x.chrome(Nav::Admin), &view)))
}

pub(super) fn report(x: &Ctx) -> AppResult<Response> {
    report_page(x, 200, None)
}

pub(super) fn resolve(x: &Ctx) -> AppResult<Response> {
    let outcome = ReportOutcome::parse(x.req.field("outcome"))
        .ok_or_else(|| AppError::Invalid("Choose what to do about the report.".into()));
    let result = outcome.and_then(|outcome| {
        x.s.app
            .resolve_report(x.me()?.id, x.id("id")?, outcome, x.req.field("message"))
    });
    match result {
        Ok(()) => Ok(Response::redirect(&format!(
            "/admin/reports/{}",
            x.id("id")?
        ))),
        Err(e) if is_user_error(&e) => report_page(x, 422, Some(&e.to_string())),
        Err(e @ AppError::Forbidden(_)) => report_page(x, 403, Some(&e.to_string())),
        Err(e) => Err(e),
    }
}

pub(super) fn log(x: &Ctx) -> AppResult<Response> {
    const PAGE: u32 = 50;
    let before = x.req.query("before").and_then(|b| b.parse().ok());
    let mut entries = x.s.app.moderation_log(x.acting()?, before, PAGE + 1)?;
    let next = if entries.len() > PAGE as usize {
        entries.truncate(PAGE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(page(
        200,
        web::moderation_log(&x.chrome(Nav::Admin), &entries, next, x.now),
    ))
}

/// The report form for `account`, about one of their posts or about them.
fn report_form(
    x: &Ctx,
    account: i64,
    post: Option<(i64, &str)>,
    status: u16,
    error: Option<&str>,
) -> AppResult<Response> {
    let person =
        x.s.app
            .read(|c| porchlight_app::db::social::person(c, account))?
            .ok_or(AppError::NotFound)?;
    let handle = match &person.domain {
        Some(d) => format!("{}@{d}", person.username),
        None => person.username.clone(),
    };
    let rules = x.s.app.rules()?;
    let view = web::ReportFormView {
        target_id: account,
        target_handle: &handle,
        post,
        rules: &rules,
        remote_domain: person.domain.as_deref(),
        error,
    };
    Ok(page(status, web::report_form(&x.chrome(Nav::None), &view)))
}

pub(super) fn report_post_form(x: &Ctx) -> AppResult<Response> {
    let post = x.s.app.view_post(x.v.reader(), x.id("id")?)?;
    report_form(x, post.author.id, Some((post.id, &post.html)), 200, None)
}

pub(super) fn report_person_form(x: &Ctx) -> AppResult<Response> {
    let account = x.s.app.account_by_handle(x.param("handle"))?;
    report_form(x, account, None, 200, None)
}

/// A member's report, from either form.
pub(super) fn file_report(x: &Ctx) -> AppResult<Response> {
    let req = x.req;
    let account: i64 = req
        .field("account")
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let post: Option<i64> = match req.field("post") {
        "" => None,
        id => Some(id.parse().map_err(|_| AppError::NotFound)?),
    };
    let rule = req.field("rule").parse().ok();
    let posts: Vec<i64> = post.into_iter().collect();
    let result = x.s.app.report(
        x.me()?.id,
        &NewMemberReport {
            target: account,
            posts: &posts,
            category: req.field("category"),
            rule,
            comment: req.field("comment"),
            forward: req.field("forward") == "on",
        },
    );
    match result {
        Ok(_) => Ok(page(200, web::report_sent(&x.chrome(Nav::None)))),
        Err(e) if is_user_error(&e) => {
            let shown = match post {
                Some(id) => Some(x.s.app.view_post(x.v.reader(), id)?),
                None => None,
            };
            report_form(
                x,
                account,
                shown.as_ref().map(|p| (p.id, p.html.as_str())),
                422,
                Some(&e.to_string()),
            )
        }
        Err(e) => Err(e),
    }
}

pub(super) fn reset_form(x: &Ctx) -> AppResult<Response> {
    let token = x.param("token");
    let member = x.s.app.reset_link_member(token)?.ok_or_else(link_gone)?;
    Ok(page(
        200,
        web::reset_password(&x.chrome(Nav::None), token, &member.username, None),
    )
    .with_header("referrer-policy", "same-origin".into()))
}

fn link_gone() -> AppError {
    AppError::Forbidden(
        "This link does not work any more: it was used, it is more than a day old, or the \
         password was changed since. Ask your host for a new one."
            .into(),
    )
}

pub(super) fn reset(x: &Ctx) -> AppResult<Response> {
    let (s, token, password) = (x.s, x.param("token"), x.req.field("password"));
    match s.app.use_reset_link(token, password) {
        Ok(member) => super::session::start_session(s, &member.username, password, "/"),
        Err(e) if is_user_error(&e) => {
            let member = s.app.reset_link_member(token)?.ok_or_else(link_gone)?;
            Ok(page(
                422,
                web::reset_password(
                    &x.chrome(Nav::None),
                    token,
                    &member.username,
                    Some(&e.to_string()),
                ),
            ))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn code_of_conduct(x: &Ctx) -> AppResult<Response> {
    let site = &x.v.site;
    let rules = porchlight_core::moderation::rules(&site.code_of_conduct);
    let to_agree =
        x.v.me
            .as_ref()
            .is_some_and(|m| m.agreed_coc_version < site.code_of_conduct_version);
    Ok(page(
        200,
        web::code_of_conduct(
            &x.chrome(Nav::CodeOfConduct),
            &rules,
            &site.code_of_conduct_change,
            to_agree,
        ),
    ))
}

/// The camp's about page: its header, description and what the hosts wrote, who hosts it and
/// how many are here. Open to visitors.
pub(super) fn about(x: &Ctx) -> AppResult<Response> {
    let look = x.s.app.camp_look()?;
    let about_html = porchlight_core::text::render_post(&look.about, |_| false).html;
    let (members, cap) = x.s.app.member_count_and_cap()?;
    let hosts = x.s.app.host_names()?;
    Ok(page(
        200,
        web::about(
            &x.chrome(Nav::None),
            &web::AboutView {
                name: &x.v.site.name,
                look: &look,
                about_html: &about_html,
                members,
                cap: cap.limit(),
                hosts: &hosts,
            },
        ),
    ))
}

pub(super) fn agree(x: &Ctx) -> AppResult<Response> {
    x.s.app.agree_to_code_of_conduct(x.me()?.id)?;
    Ok(Response::redirect("/"))
}

/// The bugle's page for a member.
fn bugle_page(x: &Ctx, status: u16, error: Option<&str>, text: &str) -> AppResult<Response> {
    let state = x.s.app.bugle_status(x.me()?.id)?;
    let refusal = state.refusal.map(porchlight_app::bugle::explain);
    let view = web::BugleView {
        listeners: state.listeners,
        left_today: state.left_today,
        refusal: refusal.as_deref(),
        error,
        text,
        sent: x.req.query("sent").is_some(),
    };
    Ok(page(status, web::bugle(&x.chrome(Nav::Members), &view)))
}

pub(super) fn bugle(x: &Ctx) -> AppResult<Response> {
    bugle_page(x, 200, None, "")
}

pub(super) fn sound_bugle(x: &Ctx) -> AppResult<Response> {
    let text = x.req.field("text");
    match x.s.app.sound_bugle(x.me()?.id, text) {
        Ok(_) => Ok(Response::redirect("/bugle?sent=1")),
        Err(e) if is_user_error(&e) => bugle_page(x, 422, Some(&e.to_string()), text),
        Err(e) => Err(e),
    }
}

/// A host or moderator takes the bugle from a member, or gives it back.
pub(super) fn bugle_taken(x: &Ctx) -> AppResult<Response> {
    let taken = x.req.field("taken") == "on";
    let result = x.s.app.set_bugle_taken(x.acting()?, x.id("id")?, taken);
    done(x, result, "bugle")
}
