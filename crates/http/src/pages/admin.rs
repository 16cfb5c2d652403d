//! The host's tools (`/admin`): invites, the camp's settings and member cap, roles, blocking
//! servers for everyone (and the block list as CSV), and the camp's public address. The route
//! table lets only moderators and hosts in; the use cases in `app` check the role again.

use porchlight_app::db::accounts;
use porchlight_app::db::federation::BlockLevel;
use porchlight_app::{AppError, AppResult, Site};
use porchlight_core::audience::Role;
use porchlight_core::members::MemberCap;
use porchlight_web as web;
use web::Nav;

use super::{Ctx, is_user_error};
use crate::Response;

fn page_with(x: &Ctx, error: Option<&str>) -> AppResult<Response> {
    let (s, req, v, now) = (x.s, x.req, x.v, x.now);
    let me = x.me()?;
    let invites = s.app.list_invites(me.id)?;
    let (members, count) = s.app.read(|c| {
        Ok::<_, AppError>((
            accounts::list_members(c, 0, 100)?,
            accounts::count_members(c)?,
        ))
    })?;
    let base = s.base_url(req.host.as_deref());
    let new_link = req
        .query("invite")
        .filter(|code| invites.iter().any(|i| i.code == *code))
        .map(|code| format!("{base}/invite/{code}"));
    let notice = match req.query("saved") {
        Some("site") => Some("The camp's settings are saved."),
        Some("look") => Some("The camp's look is saved."),
        Some("fediverse") => Some("Who may read the Fediverse timeline is saved."),
        Some("role") => Some("The role is changed."),
        Some("revoked") => Some("The invite is withdrawn."),
        Some("blocked") => Some("The server is blocked."),
        Some("unblocked") => Some("The block is lifted."),
        Some("imported") => Some("The block list is imported."),
        Some("address") => Some("The public address is saved. Restart Porchlight to use it."),
        Some("announced") => Some("The announcement is on every page now."),
        Some("withdrawn") => Some("The announcement is withdrawn."),
        Some("removed") => {
            Some("The member is removed. A backup from just before is in the box's backups.")
        }
        _ => None,
    };
    let blocks: Vec<(String, &'static str, String)> = s
        .app
        .domain_blocks()?
        .into_iter()
        .map(|b| {
            let level = match b.level {
                BlockLevel::Suspend => "suspended",
                BlockLevel::Silence => "silenced",
                BlockLevel::RejectMedia => "media rejected",
            };
            (b.domain, level, b.reason)
        })
        .collect();
    let federating_as = s.app.federation.as_ref().map(|f| f.me.host.as_str());
    let (joined, active) = s.app.camp_pulse(x.acting()?)?;
    let announcements: Vec<(i64, String, i64)> = s
        .app
        .announcements(me.id)?
        .into_iter()
        .map(|a| (a.id, a.text, a.created_at))
        .collect();
    let attention = s.app.attention()?;
    let emojis: Vec<(String, String)> = s
        .app
        .camp_emojis()?
        .into_iter()
        .map(|e| (e.path(), e.shortcode))
        .map(|(path, code)| (code, path))
        .collect();
    // The name kept now; with a fixed one, the one the camp runs under.
    let address_name = if s.config.domain_fixed {
        s.app.federation.as_ref().map(|f| f.me.host.clone())
    } else {
        s.app.public_domain()?
    };
    let view = web::AdminView {
        site: &v.site,
        members: &members,
        member_count: count,
        invites: &invites,
        new_invite_link: new_link.as_deref(),
        base_url: &base,
        error,
        notice,
        now,
        blocks: &blocks,
        federating_as,
        attention: &attention,
        emojis: &emojis,
        open_reports: s.app.open_report_count()?,
        announcements: &announcements,
        joined_this_week: &joined,
        active_today: &active,
        look: &s.app.camp_look()?,
        zone: &s.app.camp_zone()?,
        fediverse_for_visitors: s.app.fediverse_open_to_visitors()?,
        address: web::AddressView {
            name: address_name.as_deref(),
            fixed: s.config.domain_fixed,
            certificate: certificate_line(x)?,
        },
    };
    Ok(super::page(
        if error.is_some() { 422 } else { 200 },
        web::admin(&x.chrome(Nav::Admin), &view),
    ))
}

pub(super) fn show(x: &Ctx) -> AppResult<Response> {
    page_with(x, None)
}

/// The host's page again with the problem, or the error page for one no form can fix.
fn refused(x: &Ctx, e: AppError) -> AppResult<Response> {
    if is_user_error(&e) {
        page_with(x, Some(&e.to_string()))
    } else {
        Err(e)
    }
}

/// The host's page after a change, at the part that changed.
fn saved(x: &Ctx, result: AppResult<()>, location: &str) -> AppResult<Response> {
    match result {
        Ok(()) => Ok(Response::redirect(location)),
        Err(e) => refused(x, e),
    }
}

pub(super) fn invite(x: &Ctx) -> AppResult<Response> {
    let (req, me) = (x.req, x.me()?);
    let uses = match req.field("uses").trim() {
        "" => 1,
        n => n
            .parse()
            .map_err(|_| AppError::Invalid("\"How many people\" must be a number.".into()))?,
    };
    let days = match req.field("expires_days").trim() {
        "" => None,
        n => Some(n.parse().map_err(|_| {
            AppError::Invalid("\"Expires after\" must be a number of days.".into())
        })?),
    };
    match x
        .s
        .app
        .create_invite(Some(me.id), req.field("note"), uses, days)
    {
        Ok(invite) => Ok(Response::redirect(&format!(
            "/admin?invite={}#invites",
            invite.code
        ))),
        Err(e) => refused(x, e),
    }
}

pub(super) fn revoke_invite(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    x.s.app.revoke_invite(me.id, x.param("code"))?;
    Ok(Response::redirect("/admin?saved=revoked#invites"))
}

pub(super) fn site(x: &Ctx) -> AppResult<Response> {
    let (req, me) = (x.req, x.me()?);
    let cap = req
        .field("member_cap")
        .trim()
        .parse::<u32>()
        .map_err(|_| AppError::Invalid("The member limit must be a number.".into()))
        .and_then(|n| MemberCap::new(n).map_err(AppError::from));
    let result = cap.and_then(|member_cap| {
        x.s.app.update_site(
            me.id,
            &Site {
                name: req.field("site_name").to_string(),
                code_of_conduct: req.field("code_of_conduct").to_string(),
                member_cap,
                code_of_conduct_version: 0,
                code_of_conduct_change: String::new(),
                accent: String::new(),
            },
            req.field("code_of_conduct_change"),
        )
    });
    saved(x, result, "/admin?saved=site#site")
}

/// The camp's accent colour, words and header picture: the header is cut first, so a refused
/// picture or colour changes nothing.
pub(super) fn look(x: &Ctx) -> AppResult<Response> {
    let (req, me) = (x.req, x.me()?);
    let app = &x.s.app;
    // The colour picker always sends a colour: the pages' own means none was chosen.
    let accent = match req.field("accent") {
        a if a.eq_ignore_ascii_case(porchlight_core::look::DEFAULT_ACCENT) => "",
        a => a,
    };
    use porchlight_app::looks::{HeaderChange, LookChange};
    let header = if req.field("remove_header") == "1" {
        HeaderChange::Remove
    } else {
        match req.file("header").filter(|f| !f.bytes.is_empty()) {
            Some(f) => HeaderChange::New(&f.bytes),
            None => HeaderChange::Keep,
        }
    };
    let result = app.set_camp_look(
        me.id,
        &LookChange {
            accent,
            description: req.field("description"),
            about: req.field("about"),
            zone: req.field("time_zone"),
            header,
        },
    );
    saved(x, result, "/admin?saved=look#look")
}

/// Opens the Fediverse timeline to visitors, or closes it.
pub(super) fn fediverse_visitors(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .set_fediverse_for_visitors(x.acting()?, x.req.field("open") == "1");
    saved(x, result, "/admin?saved=fediverse#fediverse-visitors")
}

pub(super) fn role(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let role = Role::parse(x.req.field("role"))
        .ok_or_else(|| AppError::Invalid("Unknown role.".into()))?;
    let result = x.s.app.set_role(me.id, x.id("id")?, role);
    saved(x, result, "/admin?saved=role")
}

pub(super) fn block(x: &Ctx) -> AppResult<Response> {
    let req = x.req;
    let result = BlockLevel::parse(req.field("level"))
        .ok_or_else(|| AppError::Invalid("Choose what to do with the server.".into()))
        .and_then(|level| {
            x.s.app
                .block_domain(x.acting()?, req.field("domain"), level, req.field("reason"))
        });
    saved(x, result, "/admin?saved=blocked#blocks")
}

pub(super) fn unblock(x: &Ctx) -> AppResult<Response> {
    let result = x.s.app.unblock_domain(x.acting()?, x.req.field("domain"));
    saved(x, result, "/admin?saved=unblocked#blocks")
}

/// A camp emoji: its shortcode and picture from the host's page.
pub(super) fn add_emoji(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let Some(picture) = x.req.file("picture") else {
        return refused(
            x,
            AppError::Invalid("Choose a picture for the emoji.".into()),
        );
    };
    let result =
        x.s.app
            .add_emoji(me.id, x.req.field("shortcode"), &picture.bytes)
            .map(|_| ());
    saved(x, result, "/admin?saved=emoji#emoji")
}

pub(super) fn remove_emoji(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let result = x.s.app.remove_emoji(me.id, x.param("code"));
    saved(x, result, "/admin?saved=emoji#emoji")
}

pub(super) fn import_blocks(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .import_domain_blocks(x.acting()?, x.req.field("csv"))
            .map(|_| ());
    saved(x, result, "/admin?saved=imported#blocks")
}

/// The camp's block list as Mastodon's `domain_blocks.csv`.
pub(super) fn blocks_csv(x: &Ctx) -> AppResult<Response> {
    Ok(Response {
        status: 200,
        content_type: "text/csv; charset=utf-8",
        headers: vec![(
            "content-disposition",
            "attachment; filename=\"domain_blocks.csv\"".to_string(),
        )],
        body: x.s.app.export_domain_blocks(x.acting()?)?.into(),
    })
}

pub(super) fn address(x: &Ctx) -> AppResult<Response> {
    let (s, me) = (x.s, x.me()?);
    if s.config.domain_fixed {
        return Err(AppError::Forbidden(
            "The public address is set in Porchlight's config file; change it there.".into(),
        ));
    }
    match s.app.set_public_domain(me.id, x.req.field("domain")) {
        Ok(name) => Ok(restart_for_new_name(x, name.as_deref())),
        Err(e) => refused(x, e),
    }
}

/// After a new public name is kept: restart to take it (the answer goes out first), or, when
/// this server cannot restart itself, say that it must be restarted.
/// A fresh copy of the camp, sealed with the host's passphrase, downloaded (streamed from
/// its file).
pub(super) fn backup(x: &Ctx) -> AppResult<Response> {
    let me = x.me()?;
    let path =
        x.s.app
            .sealed_backup(me.id, x.req.field("passphrase"), x.req.field("again"))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Response::send_file(
        &path,
        "application/octet-stream",
        &name,
    ))
}

pub(super) fn restart_for_new_name(x: &Ctx, name: Option<&str>) -> Response {
    match &x.s.config.restart {
        Some(restart) => {
            let restart = restart.clone();
            std::thread::spawn(move || {
                // Long enough for this answer to reach the browser.
                std::thread::sleep(std::time::Duration::from_millis(300));
                (restart.0)();
            });
            super::page(
                200,
                web::restarting(&x.chrome(Nav::None), name, "/admin#address"),
            )
        }
        None => Response::redirect("/admin?saved=address#address"),
    }
}

/// What the host's page says about the certificate for the name the camp runs under.
fn certificate_line(x: &Ctx) -> AppResult<Option<String>> {
    use porchlight_tls::Status;
    let (s, now) = (x.s, x.now);
    let Some(running) = s.app.federation.as_ref().map(|f| f.me.host.as_str()) else {
        return Ok(None);
    };
    let line = match s.app.certificate_status()? {
        Some(status) if status.domain() == running => match status {
            Status::WaitingForClock { .. } => {
                "The certificate is asked for once the box has set its clock.".to_string()
            }
            Status::Requesting { .. } => format!("Getting a certificate for {running}…"),
            Status::Valid {
                not_after,
                renew_at,
                ..
            } => format!(
                "The certificate for {running} is valid until {}; Porchlight renews it by itself{}.",
                web::date(not_after),
                if renew_at > now {
                    format!(" from {}", web::date(renew_at))
                } else {
                    " now".to_string()
                }
            ),
            Status::Failing { since, .. } => format!(
                "The certificate for {running} is failing since {} (see \"Needs your attention\").",
                web::date(since)
            ),
        },
        _ => return Ok(None),
    };
    Ok(Some(line))
}

pub(super) fn announce(x: &Ctx) -> AppResult<Response> {
    let result =
        x.s.app
            .announce(x.acting()?, x.req.field("text"))
            .map(|_| ());
    saved(x, result, "/admin?saved=announced#announcements")
}

pub(super) fn withdraw_announcement(x: &Ctx) -> AppResult<Response> {
    x.s.app.withdraw_announcement(x.acting()?, x.id("id")?)?;
    Ok(Response::redirect("/admin?saved=withdrawn#announcements"))
}

/// A member dismisses an announcement; back to the page they were on.
pub(super) fn dismiss_announcement(x: &Ctx) -> AppResult<Response> {
    x.s.app.dismiss_announcement(x.me()?.id, x.id("id")?)?;
    Ok(Response::redirect(&super::back(x.req, "/")))
}
