//! Events: the events page and planning form, answering, and calendar files.

use porchlight_app::{AppError, AppResult};
use porchlight_core::audience::Audience;
use porchlight_core::events::{Answer, EventDraft};
use porchlight_web as web;
use web::Nav;

use super::{Ctx, back, is_user_error, page};
use crate::Response;

fn events_page(
    x: &Ctx,
    status: u16,
    form: web::EventForm,
    error: Option<&str>,
) -> AppResult<Response> {
    let s = x.s;
    let events = s.app.upcoming_events(x.v.reader())?;
    let feed_url = match x.v.me.as_ref() {
        Some(me) => Some(format!(
            "{}/calendar/{}.ics",
            s.base_url(x.req.host.as_deref()),
            s.app.calendar_token(me.id, false)?
        )),
        None => None,
    };
    let camp_zone = s.app.camp_zone()?;
    Ok(page(
        status,
        web::events_page(
            &x.chrome(Nav::Events),
            &web::EventsView {
                events: &events,
                form,
                error,
                camp_zone: &camp_zone,
                feed_url: feed_url.as_deref(),
                now: x.now,
            },
        ),
    ))
}

/// The event form as sent.
fn draft_of(req: &crate::Request) -> EventDraft<'_> {
    EventDraft {
        title: req.field("title"),
        starts: req.field("starts"),
        ends: req.field("ends"),
        place: req.field("place"),
        link: req.field("link"),
        zone: req.field("zone"),
    }
}

pub(super) fn show(x: &Ctx) -> AppResult<Response> {
    events_page(x, 200, web::EventForm::default(), None)
}

/// Plans an event from the form; a refusal shows the form again with what was written.
pub(super) fn plan(x: &Ctx) -> AppResult<Response> {
    let (req, me) = (x.req, x.me()?);
    let audience = Audience::parse(req.field("audience")).unwrap_or(Audience::Local);
    let draft = draft_of(req);
    match x
        .s
        .app
        .plan_event(me.id, &draft, req.field("description"), audience)
    {
        Ok(id) => Ok(Response::redirect(&format!("/posts/{id}"))),
        Err(e) if is_user_error(&e) => events_page(
            x,
            422,
            web::EventForm {
                draft,
                description: req.field("description"),
                audience: Some(audience),
            },
            Some(&e.to_string()),
        ),
        Err(e) => Err(e),
    }
}

/// The organizer's form to change an event.
pub(super) fn edit_form(x: &Ctx) -> AppResult<Response> {
    let id = x.id("id")?;
    let post = x.s.app.view_post(x.v.reader(), id)?;
    let event = post.event.as_ref().ok_or(AppError::NotFound)?;
    if !post.viewer.is_author {
        return Err(AppError::Forbidden(
            "Only the one who planned an event can change it.".into(),
        ));
    }
    let f = &event.facts;
    let starts = porchlight_core::events::input_value(f.starts_at, &f.zone);
    let ends = f
        .ends_at
        .map(|e| porchlight_core::events::input_value(e, &f.zone))
        .unwrap_or_default();
    Ok(page(
        200,
        web::event_edit(
            &x.chrome(Nav::Events),
            id,
            &f.zone,
            &web::EventForm {
                draft: EventDraft {
                    title: &f.title,
                    starts: &starts,
                    ends: &ends,
                    place: &f.place,
                    link: &f.link,
                    zone: &f.zone,
                },
                description: &event.description,
                audience: None,
            },
            None,
        ),
    ))
}

/// Saves a changed event; a refusal shows the form again with what was written.
pub(super) fn edit(x: &Ctx) -> AppResult<Response> {
    let (req, me, id) = (x.req, x.me()?, x.id("id")?);
    let draft = draft_of(req);
    match x
        .s
        .app
        .edit_event(me.id, id, &draft, req.field("description"))
    {
        Ok(()) => Ok(Response::redirect(&format!("/posts/{id}"))),
        Err(e) if is_user_error(&e) => Ok(page(
            422,
            web::event_edit(
                &x.chrome(Nav::Events),
                id,
                draft.zone,
                &web::EventForm {
                    draft: draft.clone(),
                    description: req.field("description"),
                    audience: None,
                },
                Some(&e.to_string()),
            ),
        )),
        Err(e) => Err(e),
    }
}

pub(super) fn answer(x: &Ctx) -> AppResult<Response> {
    let (me, id) = (x.me()?, x.id("id")?);
    let answer = Answer::parse(x.req.field("answer"))
        .ok_or_else(|| AppError::Invalid("Choose going, maybe or can't go.".into()))?;
    x.s.app.answer_event(me.id, id, answer)?;
    Ok(Response::redirect(&back(x.req, &format!("/posts/{id}"))))
}

fn calendar_response(ics: String, file_name: &str) -> Response {
    Response {
        status: 200,
        content_type: "text/calendar; charset=utf-8",
        headers: vec![
            (
                "content-disposition",
                format!("attachment; filename=\"{file_name}\""),
            ),
            ("cache-control", "private, no-cache".to_string()),
        ],
        body: ics.into(),
    }
}

/// One event as a calendar file (`/posts/ID/event.ics`), for whoever may see the post.
pub(super) fn event_file(x: &Ctx) -> AppResult<Response> {
    let id = x.id("id")?;
    let base = x.s.base_url(x.req.host.as_deref());
    let ics = x.s.app.event_calendar(x.v.reader(), id, &base)?;
    Ok(calendar_response(ics, &format!("event-{id}.ics")))
}

/// A member's calendar feed (`/calendar/TOKEN.ics`): calendar apps fetch it without a session,
/// so the secret address is the permission.
pub(super) fn feed(x: &Ctx) -> AppResult<Response> {
    let token = x
        .param("file")
        .strip_suffix(".ics")
        .filter(|t| t.len() == 48 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or(AppError::NotFound)?;
    let base = x.s.base_url(x.req.host.as_deref());
    let ics = x.s.app.calendar_feed(token, &base)?;
    Ok(calendar_response(ics, "events.ics"))
}

/// A new calendar address: the old one stops working.
pub(super) fn renew_feed(x: &Ctx) -> AppResult<Response> {
    x.s.app.calendar_token(x.me()?.id, true)?;
    Ok(Response::redirect("/events#calendar-feed"))
}
