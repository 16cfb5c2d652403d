//! People: profiles (of campers and of people elsewhere), with their follow, mute and block
//! buttons, and the member directory.

use maud::PreEscaped;
use maud::{Markup, html};
use porchlight_core::audience::Role;
use porchlight_core::views::{Member, Page};

use crate::timelines::post_list;
use crate::{Chrome, date, layout};

pub struct ProfileView<'a> {
    pub member: &'a Member,
    pub following: u32,
    pub followers: u32,
    /// Whether the viewer follows them (None when it is the viewer, or nobody is signed in).
    pub viewer_follows: Option<bool>,
    /// Whether the viewer muted or blocked them (None as for `viewer_follows`).
    pub boundaries: Option<Boundaries>,
    /// The camp emoji their name and bio use.
    pub emojis: &'a [porchlight_core::views::Emoji],
    /// Where they moved, once they have: (link, how it is shown).
    pub moved_to: Option<(&'a str, &'a str)>,
}

/// The pointer a moved account's profile shows above everything else.
fn moved_banner(moved_to: Option<(&str, &str)>) -> Markup {
    html! {
        @if let Some((link, shown)) = moved_to {
            p.notice #moved { "This account has moved to " a href=(link) { strong { (shown) } } ". Its posts stay readable here." }
        }
    }
}

/// What a member keeps away from themself about someone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Boundaries {
    pub muting: bool,
    pub blocking: bool,
}

/// Mute and block, folded away under the follow button: rarely needed, always at hand.
fn boundary_buttons(chrome: &Chrome, handle: &str, b: Boundaries) -> Markup {
    html! {
        details.boundaries open[b.muting || b.blocking] {
            summary.hint { @if b.blocking { "Blocked" } @else if b.muting { "Muted" } @else { "Mute, block or report" } }
            @if b.muting {
                form method="post" action={ "/@" (handle) "/unmute" } {
                    (chrome.form_fields())
                    button.link type="submit" { "Unmute" }
                }
            } @else {
                form method="post" action={ "/@" (handle) "/mute" } {
                    (chrome.form_fields())
                    p.hint { "Muting hides their posts and notifications from you. They are not told." }
                    button.link type="submit" { "Mute" }
                }
            }
            @if b.blocking {
                form method="post" action={ "/@" (handle) "/unblock" } {
                    (chrome.form_fields())
                    button.link type="submit" { "Unblock" }
                }
            } @else {
                form method="post" action={ "/@" (handle) "/block" } {
                    (chrome.form_fields())
                    p.hint { "Blocking also ends follows both ways and hides your posts from each other. They are not told." }
                    button.link type="submit" { "Block" }
                }
            }
            p { a.report href={ "/@" (handle) "/report" } { "Report to the camp's hosts" } }
        }
    }
}

pub fn profile(chrome: &Chrome, view: &ProfileView, page: &Page, now: i64) -> Markup {
    let m = view.member;
    layout(
        chrome,
        m.shown_name(),
        html! {
            (moved_banner(view.moved_to))
            section.card {
                @if let Some(header) = &m.header { img.header src=(header) alt="" width="1500" height="500"; }
                h1 { (crate::member_avatar(m)) (crate::with_emojis(m.shown_name(), view.emojis)) }
                p.meta { "@" (m.username)
                    @match m.role { Role::Host => " · host", Role::Moderator => " · moderator", Role::Member => "" }
                    " · joined " (date(m.created_at)) }
                @if !m.who_i_am.is_empty() { p { strong { (m.who_i_am) } } }
                @if !m.introduction.is_empty() { p.intro #introduction { span.meta { "The hosts say: " } (m.introduction) } }
                @if !m.bio.is_empty() { p.pre { (crate::with_emojis(&m.bio, view.emojis)) } }
                p.meta { (view.following) " following · " (view.followers) @if view.followers == 1 { " follower" } @else { " followers" } }
                @if let Some(follows) = view.viewer_follows {
                    @if follows {
                        form method="post" action={ "/@" (m.username) "/unfollow" } {
                            (chrome.form_fields())
                            button.unfollow type="submit" { "Unfollow" }
                        }
                    } @else if !view.boundaries.is_some_and(|b| b.blocking) {
                        form method="post" action={ "/@" (m.username) "/follow" } {
                            (chrome.form_fields())
                            button.follow type="submit" { "Follow" }
                        }
                    }
                }
                @if let Some(b) = view.boundaries {
                    (boundary_buttons(chrome, &m.username, b))
                }
            }
            (post_list(chrome, page, "No posts yet.", now, &format!("/@{}", m.username)))
        },
    )
}

/// What the viewer can do about following someone on another server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowButton {
    Follow,
    /// Asked; their server has not answered yet.
    Requested,
    Unfollow,
}

/// Someone on another server, as far as this camp knows them.
pub struct RemoteProfileView<'a> {
    /// `name@server`
    pub handle: &'a str,
    pub display_name: &'a str,
    /// Sanitized HTML from their server.
    pub bio_html: &'a str,
    /// Their profile on their own server.
    pub url: &'a str,
    /// None when nobody is signed in.
    pub button: Option<FollowButton>,
    /// This camp's copy of their picture, and of their header.
    pub avatar: Option<String>,
    pub header: Option<String>,
    /// None when nobody is signed in.
    pub boundaries: Option<Boundaries>,
    /// How many follow them, they follow and posts they wrote, as their server says (None:
    /// it does not say).
    pub followers: Option<i64>,
    pub following: Option<i64>,
    pub posts: Option<i64>,
    /// The custom emoji their name and bio use (this camp's copies).
    pub emojis: &'a [porchlight_core::views::Emoji],
    /// Where they moved, once they have (their `Move` was believed): (link, how it is shown).
    pub moved_to: Option<(&'a str, &'a str)>,
}

/// "12 followers · 3 following · 40 posts", with what is known.
fn numbers_line(view: &RemoteProfileView) -> String {
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    [
        view.followers.map(|n| plural(n, "follower", "followers")),
        view.following.map(|n| format!("{n} following")),
        view.posts.map(|n| plural(n, "post", "posts")),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

pub fn remote_profile(chrome: &Chrome, view: &RemoteProfileView, page: &Page, now: i64) -> Markup {
    let name = if view.display_name.trim().is_empty() {
        view.handle
    } else {
        view.display_name
    };
    layout(
        chrome,
        name,
        html! {
            (moved_banner(view.moved_to))
            section.card {
                @if let Some(header) = &view.header { img.header src=(header) alt="" width="1500" height="500"; }
                h1 {
                    (crate::avatar(view.avatar.as_deref(), view.handle))
                    (crate::with_emojis(name, view.emojis))
                }
                p.meta { "@" (view.handle) " · on another server · "
                    a href=(view.url) rel="nofollow noopener noreferrer" { "their profile there" } }
                @if !view.bio_html.is_empty() { div.bio { (PreEscaped(crate::html_with_emojis(view.bio_html, view.emojis))) } }
                @let numbers = numbers_line(view);
                @if !numbers.is_empty() { p.meta.numbers { (numbers) " on their server" } }
                @match view.button.filter(|_| !view.boundaries.is_some_and(|b| b.blocking)) {
                    Some(FollowButton::Follow) => {
                        form method="post" action={ "/@" (view.handle) "/follow" } {
                            (chrome.form_fields())
                            button.follow type="submit" { "Follow" }
                        }
                    }
                    Some(FollowButton::Requested) => {
                        form method="post" action={ "/@" (view.handle) "/unfollow" } {
                            (chrome.form_fields())
                            p.meta { "You asked to follow; their server has not answered yet." }
                            button.unfollow type="submit" { "Cancel the request" }
                        }
                    }
                    Some(FollowButton::Unfollow) => {
                        form method="post" action={ "/@" (view.handle) "/unfollow" } {
                            (chrome.form_fields())
                            button.unfollow type="submit" { "Unfollow" }
                        }
                    }
                    None => {}
                }
                @if let Some(b) = view.boundaries {
                    (boundary_buttons(chrome, view.handle, b))
                }
            }
            (post_list(chrome, page, "No posts of theirs have reached this camp yet.", now, &format!("/@{}", view.handle)))
        },
    )
}

pub fn members(
    chrome: &Chrome,
    members: &[Member],
    count: u32,
    cap: u32,
    offset: u32,
    more: bool,
) -> Markup {
    layout(
        chrome,
        "Members",
        html! {
            h1 { "Members" }
            p.hint { (count) " of " (cap) " places taken." }
            p { a.button #sound-bugle href="/bugle" { "Sound the bugle" } " " span.hint { "(a message to everyone)" } }
            ul.people {
                @for m in members {
                    li {
                        a href={ "/@" (m.username) } { (crate::member_avatar(m)) strong { (m.shown_name()) } }
                        " " span.meta { "@" (m.username)
                            @match m.role { Role::Host => " · host", Role::Moderator => " · moderator", Role::Member => "" } }
                        @if !m.who_i_am.is_empty() { p.who { (m.who_i_am) } }
                        @if !m.introduction.is_empty() { p.intro { (m.introduction) } }
                    }
                }
            }
            @if more {
                nav.pager { a.button href={ "/members?offset=" (offset + members.len() as u32) } { "More members" } }
            }
        },
    )
}
