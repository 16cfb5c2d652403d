//! People: the member directory, profiles (of campers and of people elsewhere), and following,
//! muting and blocking someone.

use porchlight_app::AppResult;
use porchlight_app::db::accounts;
use porchlight_app::db::social;
use porchlight_app::db::timeline::Query;
use porchlight_web as web;
use web::Nav;

use super::{Ctx, back, page};
use crate::Response;

pub(super) fn directory(x: &Ctx) -> AppResult<Response> {
    let offset: u32 = x
        .req
        .query("offset")
        .and_then(|o| o.parse().ok())
        .unwrap_or(0);
    let (mut list, count) = x.s.app.read(|c| {
        Ok::<_, porchlight_app::AppError>((
            accounts::list_members(c, offset, 101)?,
            accounts::count_members(c)?,
        ))
    })?;
    let more = list.len() > 100;
    list.truncate(100);
    // A suspended member is not shown to the camp (hosts find them on the host's page).
    list.retain(|m| m.suspended_at.is_none());
    Ok(page(
        200,
        web::members(
            &x.chrome(Nav::Members),
            &list,
            count,
            x.v.site.member_cap.limit(),
            offset,
            more,
        ),
    ))
}

/// `/@name` for a camper, `/@name@server` for someone elsewhere.
pub(super) fn profile(x: &Ctx) -> AppResult<Response> {
    let handle = x.param("handle");
    if handle.contains('@') {
        remote_profile(x, handle)
    } else {
        local_profile(x, handle)
    }
}

fn local_profile(x: &Ctx, username: &str) -> AppResult<Response> {
    let (s, v) = (x.s, x.v);
    let member = s
        .app
        .read(|c| accounts::member_by_username(c, username))?
        .ok_or(porchlight_app::AppError::NotFound)?;
    if member.username != username {
        return Ok(Response::redirect(&format!("/@{}", member.username)));
    }
    if member.suspended_at.is_some() {
        return Err(porchlight_app::AppError::Forbidden(
            "This account is suspended by the camp's hosts.".into(),
        ));
    }
    let (following, followers, viewer_follows) = s.app.read(|c| -> AppResult<_> {
        let (following, followers) = social::follow_counts(c, member.id)?;
        let viewer_follows = match &v.me {
            Some(me) if me.id != member.id => Some(social::follows(c, me.id, member.id)?),
            _ => None,
        };
        Ok((following, followers, viewer_follows))
    })?;
    let data = x.read_page(&Query::Profile(member.id))?;
    let emojis = x.s.app.account_emojis(member.id)?;
    let moved = x.s.app.moved_to_shown(member.id)?;
    let view = web::ProfileView {
        moved_to: moved.as_ref().map(|(l, s)| (l.as_str(), s.as_str())),
        emojis: &emojis,
        member: &member,
        following,
        followers,
        viewer_follows,
        boundaries: boundaries(x, member.id)?,
    };
    let nav = if v.me.as_ref().is_some_and(|m| m.id == member.id) {
        Nav::Profile
    } else {
        Nav::Members
    };
    Ok(page(200, web::profile(&x.chrome(nav), &view, &data, x.now)))
}

fn remote_profile(x: &Ctx, handle: &str) -> AppResult<Response> {
    let (s, v) = (x.s, x.v);
    // Members may look anyone up; visitors see only accounts already known here.
    let account = s.app.remote_account(handle, v.me.is_some())?;
    let canonical = format!("{}@{}", account.username, account.domain);
    if canonical != handle {
        return Ok(Response::redirect(&format!("/@{canonical}")));
    }
    let button = match &v.me {
        Some(me) => Some(match s.app.follow_state(me.id, account.id)? {
            porchlight_app::remote::FollowState::None => web::FollowButton::Follow,
            porchlight_app::remote::FollowState::Requested => web::FollowButton::Requested,
            porchlight_app::remote::FollowState::Following => web::FollowButton::Unfollow,
        }),
        None => None,
    };
    // A member opening it brings it up to date (posts, numbers) from their server first.
    let account = if v.me.is_some() && x.req.query("max_id").is_none() {
        s.app.fill_remote_profile(account.id)?;
        s.app.remote_account(&canonical, false)?
    } else {
        account
    };
    let data = x.read_page(&Query::Profile(account.id))?;
    let emojis = s.app.account_emojis(account.id)?;
    let moved = s.app.moved_to_shown(account.id)?;
    let view = web::RemoteProfileView {
        moved_to: moved.as_ref().map(|(l, s)| (l.as_str(), s.as_str())),
        handle: &canonical,
        display_name: &account.display_name,
        bio_html: &account.bio,
        url: &account.url,
        button,
        avatar: account.avatar_url.as_deref().map(|u| s.app.media_path(u)),
        header: account.header_url.as_deref().map(|u| s.app.media_path(u)),
        boundaries: boundaries(x, account.id)?,
        followers: account.numbers.followers,
        following: account.numbers.following,
        posts: account.numbers.statuses,
        emojis: &emojis,
    };
    Ok(page(
        200,
        web::remote_profile(&x.chrome(Nav::Search), &view, &data, x.now),
    ))
}

/// Whether the signed-in viewer muted or blocked `account` (None for themself or a visitor).
fn boundaries(x: &Ctx, account: i64) -> AppResult<Option<web::Boundaries>> {
    match &x.v.me {
        Some(me) if me.id != account => {
            let b = x.s.app.boundaries(me.id, account)?;
            Ok(Some(web::Boundaries {
                muting: b.muting.is_some(),
                blocking: b.blocking,
            }))
        }
        _ => Ok(None),
    }
}

/// Follow or unfollow; the path's last part says which.
pub(super) fn follow(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let handle = x.param("handle");
    let follow = x.req.segments().last() == Some(&"follow");
    x.s.app.follow(me.id, handle, follow)?;
    Ok(Response::redirect(&back(x.req, &format!("/@{handle}"))))
}

/// Mute, unmute, block or unblock; the path's last part says which.
pub(super) fn keep_away(x: &Ctx) -> AppResult<Response> {
    let (app, me, handle) = (&x.s.app, x.me()?, x.param("handle"));
    let account = app.account_by_handle(handle)?;
    match x.req.segments().last().copied().unwrap_or("") {
        "mute" => app.mute(me.id, account, true, None)?,
        "unmute" => app.unmute(me.id, account)?,
        "block" => app.block(me.id, account)?,
        _ => app.unblock(me.id, account)?,
    }
    Ok(Response::redirect(&back(x.req, &format!("/@{handle}"))))
}
