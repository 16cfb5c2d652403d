//! A member's settings page.

use maud::{Markup, html};
use porchlight_core::audience::{self, Audience};
use porchlight_core::views::{Authorized, Member};

use crate::consent::scopes_in_words;
use crate::{Chrome, csrf_field, date, error_box, layout};

pub struct SettingsView<'a> {
    pub me: &'a Member,
    pub notice: Option<&'a str>,
    pub profile_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub audience_error: Option<&'a str>,
    pub pictures_error: Option<&'a str>,
    /// The apps this member let use their account.
    pub apps: &'a [Authorized],
    /// Whom this member muted or blocked.
    pub kept_away: &'a [KeptAway],
}

/// Someone a member muted or blocked, as the settings page lists them.
pub struct KeptAway {
    /// `name`, or `name@server` for someone elsewhere.
    pub handle: String,
    pub shown_name: String,
    pub muted: bool,
    /// When the mute ends by itself, if it does.
    pub muted_until: Option<i64>,
    pub blocked: bool,
}

pub fn settings(chrome: &Chrome, view: &SettingsView) -> Markup {
    let me = view.me;
    layout(
        chrome,
        "Settings",
        html! {
            h1 { "Settings" }
            @if let Some(n) = view.notice { p.notice role="status" { (n) } }
            form.card #profile method="post" action="/settings/profile" {
                (csrf_field(chrome))
                h2 { "Profile" }
                (error_box(view.profile_error))
                label for="display_name" { "Display name" }
                input #display_name type="text" name="display_name" value=(me.display_name) maxlength="60";
                label for="who_i_am" { "Who I am " span.hint { "(one line for the member directory)" } }
                input #who_i_am type="text" name="who_i_am" value=(me.who_i_am) maxlength="120" placeholder="e.g. Ana's sister, runs the book club";
                label for="bio" { "Bio" }
                textarea #bio name="bio" rows="4" maxlength="1000" { (me.bio) }
                p { button type="submit" { "Save profile" } }
            }
            form.card #pictures method="post" action="/settings/pictures" enctype="multipart/form-data" {
                (csrf_field(chrome))
                h2 { "Your pictures" }
                (error_box(view.pictures_error))
                @if let Some(header) = &me.header { img.header src=(header) alt="Your header" width="1500" height="500"; }
                p { (crate::member_avatar(me)) @if me.avatar.is_none() { span.hint { "Drawn from your name until you choose one." } } }
                label for="avatar" { "Avatar " span.hint { "(a square is cut from the middle; where it was taken is removed)" } }
                input #avatar type="file" name="avatar" accept="image/jpeg,image/png";
                label for="header" { "Header " span.hint { "(a wide band, three times as wide as it is high)" } }
                input #header type="file" name="header" accept="image/jpeg,image/png";
                p {
                    button type="submit" { "Save pictures" }
                    @if me.avatar.is_some() { " " button.secondary type="submit" name="remove" value="avatar" { "Use the drawn avatar" } }
                    @if me.header.is_some() { " " button.secondary type="submit" name="remove" value="header" { "Remove the header" } }
                }
            }
            form.card #audience method="post" action="/settings/audience" {
                (csrf_field(chrome))
                h2 { "Who your posts are for" }
                (error_box(view.audience_error))
                p.hint { "What a new post is for unless you choose otherwise, here and in apps. A reply starts with the audience of what it answers." }
                label for="default_audience" { "Unless I choose, my posts are for" }
                select #default_audience name="audience" {
                    @for a in Audience::ALL.into_iter().filter(|a| audience::may_be_default(*a) && (*a != Audience::Neighborhood || chrome.in_neighborhood || *a == me.default_audience)) {
                        option value=(a.as_str()) selected[a == me.default_audience] { (a.label()) ": " (a.explanation()) }
                    }
                }
                p.hint { "In a Mastodon app, the lock (\"Followers only\") means your narrow audience: followers if you choose Followers here, the neighborhood if you choose Neighborhood, the camp otherwise." }
                p { button type="submit" { "Save" } }
            }
            form.card #password method="post" action="/settings/password" {
                (csrf_field(chrome))
                h2 { "Change password" }
                (error_box(view.password_error))
                label for="current" { "Current password" }
                input #current type="password" name="current" autocomplete="current-password" required;
                label for="new" { "New password" }
                input #new type="password" name="new" autocomplete="new-password" required minlength="10";
                p.hint { "Changing it logs you out everywhere else." }
                p { button type="submit" { "Change password" } }
            }
            form.card #bugle-setting method="post" action="/settings/bugle" {
                (csrf_field(chrome))
                h2 { "The bugle" }
                p.hint { "Any camper can sound the bugle: one private message to everyone in the camp, a few times a day at most." }
                label { input type="checkbox" name="hears" value="on" checked[!me.bugle_off]; " I want to hear the bugle" }
                p { button type="submit" { "Save" } }
            }
            p { a href="/bookmarks" { "Your bookmarks" } }
            p #moving-link { a href="/settings/moving" { "Moving and your data" } span.hint { " — download everything of yours, bring an archive in from elsewhere, or move your account" } }
            section.card #kept-away {
                h2 { "Muted and blocked" }
                @if view.kept_away.is_empty() {
                    p.hint { "Nobody. To mute or block someone, open their profile and choose \"Mute, block or report\"." }
                } @else {
                    table #kept-away-list {
                        tr { th { "Who" } th { "How" } th { span.vh { "Undo" } } }
                        @for k in view.kept_away {
                            tr {
                                td { a href={ "/@" (k.handle) } { (k.shown_name) } " " span.hint { "@" (k.handle) } }
                                td {
                                    @if k.blocked { "blocked" }
                                    @if k.blocked && k.muted { ", " }
                                    @if k.muted {
                                        "muted"
                                        @if let Some(until) = k.muted_until { " until " (date(until)) }
                                    }
                                }
                                td {
                                    @if k.muted {
                                        form.inline method="post" action={ "/@" (k.handle) "/unmute" } {
                                            (chrome.form_fields())
                                            button.link type="submit" { "Unmute" }
                                        }
                                    }
                                    @if k.blocked {
                                        form.inline method="post" action={ "/@" (k.handle) "/unblock" } {
                                            (chrome.form_fields())
                                            button.link type="submit" { "Unblock" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section.card #apps {
                h2 { "Apps" }
                @if view.apps.is_empty() {
                    p.hint { "No app uses your account. Phone apps for Mastodon (Tusky, Ivory, Ice Cubes, Elk, Phanpy…) work with this camp: in the app, choose to log in to a server and type this camp's address." }
                } @else {
                    p.hint { "These apps may use your account. Revoking one logs it out at once." }
                    table #app-list {
                        tr { th { "App" } th { "May" } th { "Since" } th { span.vh { "Take back" } } }
                        @for app in view.apps {
                            tr {
                                td { (app.name) }
                                td { (scopes_in_words(&app.scopes)) }
                                td { (date(app.since)) }
                                td {
                                    form method="post" action={ "/settings/apps/" (app.app_id) "/revoke" } {
                                        (csrf_field(chrome))
                                        button.link type="submit" { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
