//! Reading: the front page (home for members, the camp's landing page for visitors), the camp's
//! and the fediverse's timelines, hashtags, bookmarks, search and notifications.

use porchlight_app::db::accounts;
use porchlight_app::db::social;
use porchlight_app::db::timeline::{Page, Query};
use porchlight_app::{AppError, AppResult};
use porchlight_core::audience::Role;
use porchlight_core::text::normalize_tag;
use porchlight_web as web;
use web::{ComposeDraft, Nav};

use super::{Ctx, PAGE_SIZE, entry, max_id, page};
use crate::Response;

pub(super) fn front(x: &Ctx) -> AppResult<Response> {
    let (s, req, v) = (x.s, x.req, x.v);
    if let Some(me) = &v.me {
        let data = x.read_page(&Query::Home)?;
        let draft = ComposeDraft {
            audience: me.default_audience,
            ..ComposeDraft::default()
        };
        // Someone new follows few and their home is nearly empty: they see who is here, and
        // the Camp timeline under their home.
        let newcomer = s
            .app
            .read(|c| Ok::<_, AppError>(social::follows_fewer_than(c, me.id, FEW_FOLLOWS)?))?;
        let who_is_here = match newcomer {
            true => s.app.who_is_here(me.id, WHO_IS_HERE)?,
            false => Vec::new(),
        };
        let camp = if !who_is_here.is_empty()
            && data.posts.len() < SPARSE_HOME
            && data.next_max_id.is_none()
            && max_id(req).is_none()
        {
            let mut camp = x.read_page(&Query::Local)?;
            camp.posts
                .retain(|p| !data.posts.iter().any(|h| h.row_id == p.row_id));
            Some(camp)
        } else {
            None
        };
        let welcome = web::Welcome {
            next_steps: next_steps(x)?,
            who_is_here: &who_is_here,
            camp: camp.as_ref(),
        };
        return Ok(page(
            200,
            web::home(&x.chrome(Nav::Home), &data, &draft, x.now, &welcome),
        ));
    }
    let (has_host, members) = s.app.read(|c| {
        Ok::<_, AppError>((accounts::count_hosts(c)? > 0, accounts::count_members(c)?))
    })?;
    let at_home = entry::may_set_up_here(s, req);
    let setup_here = !has_host && at_home;
    let recovery = if has_host && at_home {
        s.app.recovery_at_home()?
    } else {
        None
    };
    let look = s.app.camp_look()?;
    Ok(page(
        200,
        web::landing(
            &x.chrome(Nav::Home),
            &v.site,
            &look,
            has_host,
            members,
            setup_here,
            recovery.as_deref(),
        ),
    ))
}

/// Who follows fewer people than this is offered the camp's members to follow.
const FEW_FOLLOWS: u32 = 3;
/// How many members the "Who's here" card offers.
const WHO_IS_HERE: usize = 8;
/// A home page with fewer posts than this (and no older page) shows the Camp timeline under it.
const SPARSE_HOME: usize = 5;

/// A host's next steps, until every one is done (then none).
fn next_steps(x: &Ctx) -> AppResult<Vec<(&'static str, &'static str, bool)>> {
    let (s, v) = (x.s, x.v);
    if v.me.as_ref().is_none_or(|m| m.role != Role::Host) || s.app.camp_ready() {
        return Ok(Vec::new());
    }
    let progress = s.app.setup_progress()?;
    let steps = vec![
        (
            "Invite someone",
            "/admin#invites",
            progress.second_member || progress.invited,
        ),
        (
            "Write the code of conduct",
            "/admin#site",
            !v.site.code_of_conduct.trim().is_empty(),
        ),
        (
            "Make someone you trust a co-host, so the camp survives you",
            "/admin#members",
            progress.co_host,
        ),
        (
            "Give the camp a public name, to talk to the rest of the fediverse",
            "/admin#address",
            progress.named,
        ),
        (
            "Give the camp its look: a colour, a header, a few words for visitors",
            "/admin#look",
            progress.looked,
        ),
    ];
    Ok(if steps.iter().all(|(_, _, done)| *done) {
        s.app.mark_camp_ready();
        Vec::new()
    } else {
        steps
    })
}

pub(super) fn local(x: &Ctx) -> AppResult<Response> {
    let data = x.read_page(&Query::Local)?;
    let intro = if x.v.me.is_some() {
        "Everything campers post for the camp or the public, newest first."
    } else {
        "Public posts from this camp. Members see more when they log in."
    };
    Ok(page(
        200,
        web::timeline(&x.chrome(Nav::Local), "Camp", intro, &data, x.now, "/local"),
    ))
}

pub(super) fn federated(x: &Ctx) -> AppResult<Response> {
    let query =
        x.s.app
            .timeline_for(x.v.me.is_some(), Query::Federated)?
            .ok_or(AppError::NotSignedIn)?;
    let data = x.read_page(&query)?;
    let intro = if x.s.app.federation.is_some() {
        "Public posts from other servers, by people campers follow."
    } else {
        "This camp does not talk to other servers yet: it needs a public name."
    };
    Ok(page(
        200,
        web::timeline(
            &x.chrome(Nav::Federated),
            "Fediverse",
            intro,
            &data,
            x.now,
            "/federated",
        ),
    ))
}

pub(super) fn hashtag(x: &Ctx) -> AppResult<Response> {
    let tag = normalize_tag(x.param("tag")).ok_or(AppError::NotFound)?;
    let query =
        x.s.app
            .timeline_for(x.v.me.is_some(), Query::Hashtag(tag.clone()))?
            .ok_or(AppError::NotSignedIn)?;
    let data = x.read_page(&query)?;
    let title = format!("#{tag}");
    Ok(page(
        200,
        web::timeline(
            &x.chrome(Nav::None),
            &title,
            "",
            &data,
            x.now,
            &format!("/tags/{tag}"),
        ),
    ))
}

pub(super) fn bookmarks(x: &Ctx) -> AppResult<Response> {
    let data = x.read_page(&Query::Bookmarks)?;
    Ok(page(
        200,
        web::timeline(
            &x.chrome(Nav::Settings),
            "Bookmarks",
            "Posts you saved for later.",
            &data,
            x.now,
            "/bookmarks",
        ),
    ))
}

pub(super) fn notifications(x: &Ctx) -> AppResult<Response> {
    let (s, req, v) = (x.s, x.req, x.v);
    let me = x.me()?;
    let mut items = s
        .app
        .read(|c| social::notifications(c, me.id, max_id(req), PAGE_SIZE + 1))?;
    let next = if items.len() > PAGE_SIZE as usize {
        items.truncate(PAGE_SIZE as usize);
        items.last().map(|n| n.id)
    } else {
        None
    };
    let response = page(
        200,
        web::notifications(&x.chrome(Nav::Notifications), &items, next, x.now),
    );
    if v.unseen > 0 {
        s.app.mark_notifications_seen(me.id)?;
    }
    Ok(response)
}

pub(super) fn search(x: &Ctx) -> AppResult<Response> {
    let s = x.s;
    let q = x.req.query("q").unwrap_or("").trim();
    let q: String = q.chars().take(200).collect();
    // Someone or something on another server: look it up and go there.
    let elsewhere = q.starts_with("https://")
        || q.starts_with("http://")
        || q.trim_start_matches('@')
            .split_once('@')
            .is_some_and(|(n, h)| {
                !n.is_empty() && h.contains(['.', ':']) && !h.contains(char::is_whitespace)
            });
    if elsewhere && s.app.federation.is_some() {
        return match s.app.look_up(&q) {
            Ok(porchlight_app::remote::Found::Account(a)) => Ok(Response::redirect(&format!(
                "/@{}@{}",
                a.username, a.domain
            ))),
            Ok(porchlight_app::remote::Found::Post(id)) => {
                Ok(Response::redirect(&format!("/posts/{id}")))
            }
            Err(AppError::NotFound) => Err(AppError::Invalid(format!("Nothing was found at {q}."))),
            Err(e) => Err(e),
        };
    }
    let (people, data) = if q.is_empty() {
        (Vec::new(), Page::default())
    } else {
        let needle = q.trim_start_matches('@');
        let people = s.app.read(|c| accounts::search_members(c, needle, 20))?;
        let data = x.read_page(&Query::Search(q.clone()))?;
        (people, data)
    };
    let tag = if q.starts_with('#') {
        normalize_tag(&q)
    } else {
        None
    };
    Ok(page(
        200,
        web::search(
            &x.chrome(Nav::Search),
            &q,
            &people,
            tag.as_deref(),
            &data,
            x.now,
        ),
    ))
}
