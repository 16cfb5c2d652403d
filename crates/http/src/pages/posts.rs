//! Posts: the composer's form, a thread with its reply form, editing (with history), deleting,
//! and the buttons under a post (boost, favourite, bookmark).

use porchlight_app::db::timeline;
use porchlight_app::posting::Compose;
use porchlight_app::uploads::PictureDetails;
use porchlight_app::{AppError, AppResult};
use porchlight_core::audience::{self, Action, Audience};
use porchlight_web as web;
use web::{ComposeDraft, Nav};

use super::{Ctx, back, is_user_error, page, proxy_media};
use crate::Response;

pub(super) fn compose(x: &Ctx) -> AppResult<Response> {
    let (s, req) = (x.s, x.req);
    let me = x.me()?;
    let in_reply_to = match req.field("in_reply_to") {
        "" => None,
        id => Some(
            id.parse()
                .map_err(|_| AppError::Invalid("The post you reply to is not valid.".into()))?,
        ),
    };
    let audience = match req.field("audience") {
        "" => s.app.default_audience(me.id, in_reply_to)?,
        // Apps that speak Akkoma's dialect say "local" too; this is the same audience.
        name => Audience::parse(name).ok_or_else(|| {
            AppError::Invalid(format!("\"{name}\" is not an audience a post can have."))
        })?,
    };
    let poll_options = req.fields("poll_option");
    let poll_multiple = req.field("poll_multiple") == "1";
    let poll_expires_in = req.field("poll_expires_in").parse().unwrap_or(86400);
    // A poll only when an option was written (the form always sends the empty fields).
    let poll = if poll_options.iter().any(|o| !o.trim().is_empty()) {
        match porchlight_core::polls::NewPoll::checked(
            &poll_options,
            poll_multiple,
            poll_expires_in,
        ) {
            Ok(poll) => Ok(Some(poll)),
            Err(e) => Err(AppError::Invalid(e)),
        }
    } else {
        Ok(None)
    };
    let compose = Compose {
        text: req.field("text"),
        content_warning: req.field("content_warning"),
        audience,
        in_reply_to,
        media: &[],
        poll: poll.as_ref().ok().and_then(Option::as_ref),
        event: None,
    };
    let details = PictureDetails {
        description: Some(req.field("picture_description")),
        focus: None,
    };
    let picture = req.file("picture").map(|f| (&f.bytes[..], &details));
    let posted = match &poll {
        Err(e) => Err(AppError::Invalid(e.to_string())),
        Ok(_) => s.app.post_with_picture(me.id, &compose, picture),
    };
    match posted {
        Ok(id) => Ok(Response::redirect(&match in_reply_to {
            Some(_) => format!("/posts/{id}"),
            None => "/".to_string(),
        })),
        Err(e) if is_user_error(&e) => {
            let message = e.to_string();
            let draft = |in_reply_to| ComposeDraft {
                text: compose.text,
                content_warning: compose.content_warning,
                audience,
                in_reply_to,
                error: Some(&message),
                poll_options: poll_options.clone(),
                poll_multiple,
                poll_expires_in,
            };
            match in_reply_to {
                Some(parent) => {
                    let parent_audience = s.app.view_post(x.v.reader(), parent)?.audience;
                    let draft = draft(Some((parent, parent_audience)));
                    thread(x, parent, Some((draft, 422)))
                }
                None => {
                    let data = x.read_page(&timeline::Query::Home)?;
                    Ok(page(
                        422,
                        web::home(
                            &x.chrome(Nav::Home),
                            &data,
                            &draft(None),
                            x.now,
                            &web::Welcome::default(),
                        ),
                    ))
                }
            }
        }
        Err(e) => Err(e),
    }
}

pub(super) fn thread_page(x: &Ctx) -> AppResult<Response> {
    thread(x, x.id("id")?, None)
}

/// A thread page; `draft` carries a reply that could not be posted, with its error.
fn thread(x: &Ctx, id: i64, draft: Option<(ComposeDraft, u16)>) -> AppResult<Response> {
    let (s, v) = (x.s, x.v);
    let timeline::Thread {
        mut ancestors,
        mut focus,
        mut replies,
    } = s
        .app
        .read(|c| timeline::thread(c, id, v.reader()))?
        .ok_or(AppError::NotFound)?;
    proxy_media(
        s,
        ancestors
            .iter_mut()
            .chain(std::iter::once(&mut focus))
            .chain(replies.iter_mut().map(|(_, p)| p)),
    );
    let (status, draft) = match draft {
        Some((draft, status)) => (status, Some(draft)),
        None if v.me.is_some() && focus.may(Action::Reply) => (
            200,
            Some(ComposeDraft {
                text: "",
                // What a reply gets unchosen (the member's default where a reply may have it),
                // so the form starts where an app's reply would.
                audience: audience::unchosen(
                    v.me.as_ref()
                        .map_or(Audience::Local, |m| m.default_audience),
                    Some(focus.audience),
                ),
                in_reply_to: Some((focus.id, focus.audience)),
                ..ComposeDraft::default()
            }),
        ),
        None => (200, None),
    };
    // Prefill the answer with a mention of the author (and keep what a failed draft had).
    let prefill = match (&draft, &v.me) {
        (Some(d), _) if !d.text.is_empty() => d.text.to_string(),
        (Some(_), Some(me)) if me.id != focus.author.id => format!("@{} ", focus.author.handle()),
        _ => String::new(),
    };
    let draft = draft.map(|d| ComposeDraft {
        text: &prefill,
        ..d
    });
    // Members see who answered an event (visitors only how many).
    let answers = match (&focus.event, &v.me) {
        (Some(_), Some(_)) => s.app.event_answers(v.reader(), focus.id)?,
        _ => Vec::new(),
    };
    Ok(page(
        status,
        web::thread(
            &x.chrome(Nav::None),
            &web::Thread {
                ancestors: &ancestors,
                focus: &focus,
                answers: &answers,
                replies: &replies,
            },
            draft.as_ref(),
            x.now,
        ),
    ))
}

/// One picture of a post, numbered from 1; only what may be shown (a picture from elsewhere
/// through the camp's copy).
pub(super) fn picture(x: &Ctx) -> AppResult<Response> {
    let s = x.s;
    let mut post = s.app.view_post(x.v.reader(), x.id("id")?)?;
    s.app.proxy_media(&mut post);
    let index = usize::try_from(x.id("n")?)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .filter(|&i| post.media.get(i).is_some_and(|m| !m.proxy.is_empty()))
        .ok_or(AppError::NotFound)?;
    Ok(page(
        200,
        web::picture_page(&x.chrome(Nav::None), &post, index),
    ))
}

pub(super) fn history(x: &Ctx) -> AppResult<Response> {
    let s = x.s;
    let post = s.app.view_post(x.v.reader(), x.id("id")?)?;
    let versions = s
        .app
        .read(|c| porchlight_app::db::posts::history(c, post.id))?;
    Ok(page(
        200,
        web::history(&x.chrome(Nav::None), &post, &versions, x.now),
    ))
}

pub(super) fn edit_form(x: &Ctx) -> AppResult<Response> {
    let s = x.s;
    let post = s.app.view_post(x.v.reader(), x.id("id")?)?;
    if !audience::can_edit(post.viewer) {
        return Err(AppError::Forbidden(
            "Only the author can edit a post.".into(),
        ));
    }
    let facts = s
        .app
        .read(|c| porchlight_app::db::posts::facts(c, post.id))?
        .ok_or(AppError::NotFound)?;
    Ok(page(
        200,
        web::edit(
            &x.chrome(Nav::None),
            &post,
            &facts.text,
            &facts.content_warning,
            None,
        ),
    ))
}

pub(super) fn edit(x: &Ctx) -> AppResult<Response> {
    let (s, req) = (x.s, x.req);
    let me = x.me()?;
    let id = x.id("id")?;
    match s.app.edit(
        me.id,
        id,
        req.field("text"),
        req.field("content_warning"),
        None,
        &[],
    ) {
        Ok(()) => Ok(Response::redirect(&format!("/posts/{id}"))),
        Err(e) if is_user_error(&e) => {
            let post = s.app.view_post(x.v.reader(), id)?;
            let message = e.to_string();
            Ok(page(
                422,
                web::edit(
                    &x.chrome(Nav::None),
                    &post,
                    req.field("text"),
                    req.field("content_warning"),
                    Some(&message),
                ),
            ))
        }
        Err(e) => Err(e),
    }
}

pub(super) fn confirm_delete(x: &Ctx) -> AppResult<Response> {
    let post = x.s.app.view_post(x.v.reader(), x.id("id")?)?;
    Ok(page(
        200,
        web::confirm_delete(&x.chrome(Nav::None), &post, x.now),
    ))
}

pub(super) fn delete(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    x.s.app.delete(me.id, x.id("id")?)?;
    Ok(Response::redirect("/"))
}

/// The buttons under a post; the path's last part says which.
/// A vote in a poll (the ballot under a post): `choice` once, or once per box ticked.
pub(super) fn vote(x: &Ctx) -> AppResult<Response> {
    let (app, me, id) = (&x.s.app, x.me()?, x.id("id")?);
    let choices = x
        .req
        .fields("choice")
        .iter()
        .map(|c| c.parse::<usize>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| AppError::Invalid("That option is not in this poll.".into()))?;
    app.vote(me.id, id, &choices)?;
    Ok(Response::redirect(&back(x.req, &format!("/posts/{id}"))))
}

pub(super) fn act(x: &Ctx) -> AppResult<Response> {
    let (app, me, id) = (&x.s.app, x.me()?, x.id("id")?);
    match x.req.segments().last().copied().unwrap_or("") {
        "boost" => app.boost(me.id, id, true)?,
        "unboost" => app.boost(me.id, id, false)?,
        "favourite" => app.favourite(me.id, id, true)?,
        "unfavourite" => app.favourite(me.id, id, false)?,
        "bookmark" => app.bookmark(me.id, id, true)?,
        "unbookmark" => app.bookmark(me.id, id, false)?,
        _ => return Err(AppError::NotFound),
    }
    Ok(Response::redirect(&back(x.req, &format!("/posts/{id}"))))
}
