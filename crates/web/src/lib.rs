//! The web UI: server-rendered pages (maud) that work with JavaScript off. These functions only
//! render what they are given; they read nothing and decide no permissions (the post views they
//! get already say what the viewer may do).

mod admin;
mod care;
mod consent;
mod entry;
mod errors;
mod events;
mod moving;
pub mod neighborhood;
mod people;
mod post_card;
mod posts;
mod settings;
mod timelines;
mod updates;

pub use admin::*;
pub use care::*;
pub use consent::*;
pub use entry::*;
pub use errors::*;
pub use events::*;
pub use maud::Markup;
pub use moving::*;
pub use people::*;
pub use post_card::{PostContext, post_card};
pub use posts::*;
pub use settings::*;
pub use timelines::*;
pub use updates::*;

use maud::{DOCTYPE, PreEscaped, html};
use porchlight_core::views::Member;

/// The stylesheet and script, served by the HTTP layer under /static/ with long cache lifetimes.
pub const STYLE_CSS: &str = include_str!("../static/style.css");
pub const APP_JS: &str = include_str!("../static/app.js");
/// The picture apps show for someone without one (pages show the person's initial instead).
pub const AVATAR_PNG: &[u8] = include_bytes!("../static/avatar.png");
/// The header apps are given for someone without one: one see-through pixel. Apps expect an
/// address there (some cannot read an account whose header is empty), as Mastodon sends.
pub const HEADER_PNG: &[u8] = include_bytes!("../static/header.png");

/// Which navigation item a page belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    Home,
    Local,
    Federated,
    Notifications,
    Members,
    Search,
    Profile,
    Settings,
    Admin,
    CodeOfConduct,
    Events,
    Neighborhood,
    None,
}

/// What every page needs besides its own content.
pub struct Chrome<'a> {
    pub site_name: &'a str,
    pub me: Option<&'a Member>,
    /// The form token for this browser.
    pub csrf: &'a str,
    pub unseen_notifications: u32,
    pub nav: Nav,
    /// The page's own path and query, so that buttons can come back to it.
    pub here: &'a str,
    pub max_post_chars: usize,
    /// The code of conduct changed since this member agreed to it: what the host said changed
    /// (every page asks them to read it and agree again).
    pub code_of_conduct_changed: Option<&'a str>,
    /// Whether the camp talks to other servers (the Fediverse tab is shown only then).
    pub federating: bool,
    /// The hosts' announcements this member has not dismissed: (id, HTML).
    pub announcements: &'a [(i64, String)],
    /// The host's accent colour (`#rrggbb`), or empty.
    pub accent: &'a str,
    /// Whether the camp is in a neighborhood: its timeline and audience are offered only then.
    pub in_neighborhood: bool,
    /// The token and way-back fields, made once per page (see [`Chrome::form_fields`]); empty
    /// at first.
    pub form_fields: std::cell::OnceCell<String>,
}

impl Chrome<'_> {
    /// The hidden fields every button form carries (the token and the way back), escaped once
    /// for the page: a timeline has a form on every card.
    pub fn form_fields(&self) -> PreEscaped<&str> {
        PreEscaped(
            self.form_fields
                .get_or_init(|| html! { (csrf_field(self)) (back_field(self)) }.into_string()),
        )
    }
}

pub fn layout(chrome: &Chrome, title: &str, body: Markup) -> Markup {
    let current = |nav: Nav| (chrome.nav == nav).then_some("page");
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                title { (title) " · " (chrome.site_name) }
                link rel="stylesheet" href=(concat!("/static/style.css?v=", env!("CARGO_PKG_VERSION")));
                @if let Some(hex) = chrome.accent.strip_prefix('#') {
                    link rel="stylesheet" href={ "/look/" (hex) ".css" };
                }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    div.bar {
                        a.site href="/" { (chrome.site_name) }
                        nav.main aria-label="Main" {
                            @if let Some(me) = chrome.me {
                                // On a phone the first of these are the tab bar at the bottom
                                // (`nav.tabs`), and only the rest stay up here.
                                a.in-tabs href="/" aria-current=[current(Nav::Home)] { "Home" }
                                a.in-tabs href="/local" aria-current=[current(Nav::Local)] { "Camp" }
                                a.in-tabs href="/events" aria-current=[current(Nav::Events)] { "Events" }
                                @if chrome.in_neighborhood {
                                    a href="/neighborhood" aria-current=[current(Nav::Neighborhood)] { "Neighborhood" }
                                }
                                @if chrome.federating {
                                    a href="/federated" aria-current=[current(Nav::Federated)] { "Fediverse" }
                                }
                                a.in-tabs href="/notifications" aria-current=[current(Nav::Notifications)] {
                                    "Notifications"
                                    @if chrome.unseen_notifications > 0 {
                                        " " span.badge aria-label=(format!("{} new", chrome.unseen_notifications)) { (chrome.unseen_notifications) }
                                    }
                                }
                                a href="/members" aria-current=[current(Nav::Members)] { "Members" }
                                a href="/search" aria-current=[current(Nav::Search)] { "Search" }
                                a.in-tabs href={ "/@" (me.username) } aria-current=[current(Nav::Profile)] { "Me" }
                                a href="/settings" aria-current=[current(Nav::Settings)] { "Settings" }
                                @if me.role >= porchlight_core::audience::Role::Moderator {
                                    a href="/admin" aria-current=[current(Nav::Admin)] { "Host" }
                                }
                            } @else {
                                a href="/local" aria-current=[current(Nav::Local)] { "Camp" }
                                a href="/login" { "Log in" }
                            }
                        }
                    }
                }
                main #main {
                    @if let Some(change) = chrome.code_of_conduct_changed {
                        @if chrome.nav != Nav::CodeOfConduct {
                            p.notice #coc-changed role="status" {
                                strong { "The code of conduct has changed." }
                                @if !change.is_empty() { " " (change) }
                                " " a href="/code-of-conduct" { "Read it and agree" }
                            }
                        }
                    }
                    @for (id, html) in chrome.announcements {
                        div.announcement role="status" aria-label="Announcement from the hosts" {
                            div.content { (maud::PreEscaped(html)) }
                            form.inline method="post" action={ "/announcements/" (id) "/dismiss" } {
                                (chrome.form_fields())
                                button.link type="submit" { "Dismiss" }
                            }
                        }
                    }
                    (body)
                }
                footer.foot {
                    @if let Some(me) = chrome.me {
                        form.inline method="post" action="/logout" {
                            (csrf_field(chrome))
                            "Signed in as @" (me.username) ". "
                            button.link type="submit" { "Log out" }
                        }
                    }
                    p { a href="/about" { "About this camp" } " · " a href="/code-of-conduct" { "Code of conduct" } " · Powered by Porchlight " (env!("CARGO_PKG_VERSION")) "." }
                }
                @if let Some(me) = chrome.me {
                    // A phone's tab bar, within thumb's reach; hidden (and out of the
                    // accessibility tree) on wider screens, where the top bar has these.
                    nav.tabs aria-label="Sections" {
                        a href="/" aria-current=[current(Nav::Home)] { span.tab-icon aria-hidden="true" { "⌂" } "Home" }
                        a href="/local" aria-current=[current(Nav::Local)] { span.tab-icon aria-hidden="true" { "◍" } "Camp" }
                        a href="/events" aria-current=[current(Nav::Events)] { span.tab-icon aria-hidden="true" { "▦" } "Events" }
                        a href="/notifications" aria-current=[current(Nav::Notifications)] {
                            span.tab-icon aria-hidden="true" { "◔" }
                            @if chrome.unseen_notifications > 0 {
                                span.badge aria-label=(format!("{} new", chrome.unseen_notifications)) { (chrome.unseen_notifications) }
                            }
                            "Alerts"
                        }
                        a href={ "/@" (me.username) } aria-current=[current(Nav::Profile)] { span.tab-icon aria-hidden="true" { "☺" } "Me" }
                    }
                }
                script src=(concat!("/static/app.js?v=", env!("CARGO_PKG_VERSION"))) defer {}
            }
        }
    }
}

pub fn csrf_field(chrome: &Chrome) -> Markup {
    html! { input type="hidden" name="csrf" value=(chrome.csrf); }
}

/// The hidden field that brings a button press back to the page it was made on.
pub fn back_field(chrome: &Chrome) -> Markup {
    html! { input type="hidden" name="back" value=(chrome.here); }
}

pub fn error_box(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            div.error role="alert" { (message) }
        }
    }
}

/// The picture that stands for someone: the one they chose, or the one drawn from their
/// handle. Decorative (their name is always beside it).
pub fn avatar(chosen: Option<&str>, handle: &str) -> Markup {
    html! {
        img.avatar src=(porchlight_core::look::avatar_path(chosen, handle)) alt="" width="40" height="40" loading="lazy" decoding="async";
    }
}

/// A member's avatar.
pub fn member_avatar(m: &Member) -> Markup {
    avatar(m.avatar.as_deref(), &m.username)
}

/// "5m", "3h", "2d" for recent times; a date for older ones.
pub fn relative_time(then: i64, now: i64) -> String {
    let ago = (now - then).max(0);
    match ago {
        0..=59 => "now".into(),
        60..=3599 => format!("{}m", ago / 60),
        3600..=86_399 => format!("{}h", ago / 3600),
        86_400..=604_799 => format!("{}d", ago / 86_400),
        _ => date(then),
    }
}

pub fn date(t: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(dt) => format!(
            "{} {} {}",
            dt.day(),
            &format!("{:?}", dt.month())[..3],
            dt.year()
        ),
        Err(_) => String::new(),
    }
}

/// A date and time of day in UTC ("6 Dec 2026, 16:03 UTC"); the script shows it in the reader's
/// own time zone.
pub fn date_time(t: i64) -> String {
    match time::OffsetDateTime::from_unix_timestamp(t) {
        Ok(dt) => format!("{}, {:02}:{:02} UTC", date(t), dt.hour(), dt.minute()),
        Err(_) => String::new(),
    }
}

pub fn iso_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|dt| {
            dt.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Plain text (a name, a bio) with its custom emoji shown as their pictures (this camp's
/// copies); escaped as any text.
pub fn with_emojis(
    text: &str,
    emojis: &[porchlight_core::views::Emoji],
) -> maud::PreEscaped<String> {
    maud::PreEscaped(html_with_emojis(
        &porchlight_core::text::escape_html(text),
        emojis,
    ))
}

/// Trusted HTML (a post, a bio from elsewhere) with its custom emoji shown as their pictures.
pub fn html_with_emojis(html: &str, emojis: &[porchlight_core::views::Emoji]) -> String {
    if emojis.is_empty() {
        return html.to_string();
    }
    porchlight_core::emoji::show_in_html(html, |code| {
        emojis
            .iter()
            .find(|e| e.shortcode == code && !e.proxy.is_empty())
            .map(|e| e.proxy.clone())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(relative_time(100, 100), "now");
        assert_eq!(relative_time(0, 120), "2m");
        assert_eq!(relative_time(0, 7200), "2h");
        assert_eq!(relative_time(0, 86_400 * 3), "3d");
        assert_eq!(relative_time(0, 86_400 * 30), "1 Jan 1970");
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn avatars_are_the_chosen_picture_or_the_drawn_one() {
        let chosen = avatar(Some("/files/ab.jpg"), "ana").into_string();
        assert!(chosen.contains("src=\"/files/ab.jpg\""), "{chosen}");
        let drawn = avatar(None, "mia@elsewhere.example").into_string();
        assert!(
            drawn.contains("src=\"/avatars/mia@elsewhere.example.png\""),
            "{drawn}"
        );
        assert!(
            drawn.contains("alt=\"\""),
            "decorative: the name is beside it"
        );
    }
}
