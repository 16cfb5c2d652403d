//! Looking after people: a member's page on the host's side, the reports queue and a report,
//! the moderation log, the report form members fill in, and the page a reset link opens.

use maud::{Markup, PreEscaped, html};
use porchlight_core::audience::Role;
use porchlight_core::moderation::{LogEntry, Report, ReportOutcome, ReportReason, ReportedPost};
use porchlight_core::views::Member;

use crate::{Chrome, csrf_field, date, error_box, layout, relative_time};

/// A read-only field with its text selected on focus and a Copy button (which the script
/// shows; without it, the field can be copied by hand).
pub fn copy_field(id: &str, label: &str, value: &str) -> Markup {
    html! {
        label for=(id) { (label) }
        div.copy-row {
            input id=(id) type="text" readonly value=(value);
            button.copy type="button" data-copy=(id) hidden { "Copy" }
        }
    }
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Host => "host",
        Role::Moderator => "moderator",
        Role::Member => "member",
    }
}

/// The host's side of one member.
pub struct MemberCareView<'a> {
    pub member: &'a Member,
    pub note: &'a str,
    /// A reset link just made: shown once.
    pub reset_link: Option<&'a str>,
    /// Whether the one looking is a host (removal and handing over are theirs).
    pub viewer_is_host: bool,
    pub viewer_id: i64,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
}

pub fn member_care(chrome: &Chrome, view: &MemberCareView) -> Markup {
    let m = view.member;
    let base = format!("/admin/members/{}", m.id);
    let is_self = m.id == view.viewer_id;
    // A moderator looks after members; hosts and moderators are a host's to act on.
    let may_act = view.viewer_is_host || m.role == Role::Member || is_self;
    layout(
        chrome,
        &format!("@{}", m.username),
        html! {
            p { a href="/admin#members" { "← Host's tools" } }
            h1 { (m.shown_name()) " " span.meta { "@" (m.username) } }
            (error_box(view.error))
            @if let Some(n) = view.notice { p.notice role="status" { (n) } }
            section.card #standing {
                p { "A " (role_name(m.role)) " since " (date(m.created_at)) "." }
                @if let Some(at) = m.suspended_at {
                    p.warning #suspended { "Suspended since " (date(at)) ". They cannot log in, their apps are cut off and their posts are hidden. Nothing is deleted: lifting the suspension brings everything back." }
                }
                p { a href={ "/@" (m.username) } { "Their profile" } }
            }
            @if !may_act {
                p.notice #staff-only { "@" (m.username) " is a " (role_name(m.role)) ": only a host can act on their account." }
            } @else {
            section.card #reset {
                h2 { "Forgot their password?" }
                @if let Some(link) = view.reset_link {
                    div.notice {
                        (copy_field("reset-link", "Send this link to them — it is shown only this once, works once, and for 24 hours:", link))
                    }
                } @else {
                    p.hint { "Make a one-time link that lets them choose a new password. Their old sessions and apps are logged out when they use it." }
                    form method="post" action={ (base) "/reset-link" } {
                        (csrf_field(chrome))
                        button type="submit" { "Make a reset link" }
                    }
                }
            }
            section.card #introduce {
                h2 { "Introduce them" }
                form method="post" action={ (base) "/introduce" } {
                    (csrf_field(chrome))
                    label for="intro-text" { "One line for the camp " span.hint { "(on their profile and in the directory)" } }
                    textarea #intro-text name="introduction" rows="2" maxlength="300" placeholder="Ken builds boats and bakes bread; talk to Mia about sourdough." { (m.introduction) }
                    p { button type="submit" { "Save" } }
                }
                @if !m.introduction.is_empty() && m.suspended_at.is_none() {
                    form method="post" action={ (base) "/welcome" } {
                        (csrf_field(chrome))
                        p.hint { "Posts “" (porchlight_core::members::welcome_text(&m.username, &m.introduction)) "” on the Camp timeline, as you." }
                        button type="submit" { "Post a welcome" }
                    }
                }
            }
            @if !is_self {
                form.card #bugle-taken method="post" action={ (base) "/bugle" } {
                    (csrf_field(chrome))
                    h2 { "The bugle" }
                    @if m.bugle_taken {
                        p { "@" (m.username) " cannot sound the bugle." }
                        input type="hidden" name="taken" value="off";
                        button type="submit" { "Give the bugle back" }
                    } @else {
                        p.hint { "Take it away from someone who uses it to bother the camp. They can still write to people." }
                        input type="hidden" name="taken" value="on";
                        button type="submit" { "Take the bugle away" }
                    }
                }
            }
            form.card #note method="post" action={ (base) "/note" } {
                (csrf_field(chrome))
                h2 { "Private note" }
                label for="note-text" { "Only hosts and moderators see this." }
                textarea #note-text name="note" rows="3" maxlength="2000" { (view.note) }
                p { button type="submit" { "Save note" } }
            }
            @if !is_self {
                form.card #warn method="post" action={ (base) "/warn" } {
                    (csrf_field(chrome))
                    h2 { "Write to them" }
                    label for="warn-text" { "A message about their conduct (they see it in their notifications)" }
                    textarea #warn-text name="message" rows="3" maxlength="1000" required {}
                    p { button type="submit" { "Send" } }
                }
                section.card #suspend {
                    h2 { "Suspend" }
                    @if m.suspended_at.is_some() {
                        form method="post" action={ (base) "/unsuspend" } {
                            (csrf_field(chrome))
                            button type="submit" { "Lift the suspension" }
                        }
                    } @else {
                        form method="post" action={ (base) "/suspend" } {
                            (csrf_field(chrome))
                            p.hint { "They cannot log in, their apps stop at once, and their posts are hidden, here and on servers that follow them. You can lift it at any time." }
                            label for="suspend-reason" { "Why (kept in the moderation log)" }
                            input #suspend-reason type="text" name="reason" maxlength="1000";
                            p { button.danger type="submit" { "Suspend @" (m.username) } }
                        }
                    }
                }
                @if view.viewer_is_host {
                    form.card #hand-over method="post" action={ (base) "/hand-over" } {
                        (csrf_field(chrome))
                        h2 { "Hand the camp over" }
                        p.hint { "Make @" (m.username) " a host and step down to member yourself. Do this when you are leaving; to share the work, make them a co-host instead." }
                        label { input type="checkbox" name="confirm" value="on" required; " I will no longer be a host of this camp" }
                        p { button type="submit" { "Hand over to @" (m.username) } }
                    }
                    form.card #remove method="post" action={ (base) "/remove" } {
                        (csrf_field(chrome))
                        h2 { "Remove from the camp" }
                        p.hint { "Their account, posts and pictures are deleted, and servers elsewhere are told. A backup of the whole camp is made first. Their name stays taken." }
                        label for="remove-reason" { "Why (kept in the moderation log)" }
                        input #remove-reason type="text" name="reason" maxlength="1000";
                        label for="remove-confirm" { "Type their username to confirm" }
                        input #remove-confirm type="text" name="confirm" autocapitalize="none" spellcheck="false" required;
                        p { button.danger type="submit" { "Remove @" (m.username) } }
                    }
                }
            }
            }
        },
    )
}

/// A report, its posts and the rule it names, as the queue shows it.
pub struct ReportItem<'a> {
    pub report: &'a Report,
    pub posts: &'a [ReportedPost],
    pub rule: Option<&'a str>,
}

fn reason_line(item: &ReportItem) -> Markup {
    html! {
        @match item.report.reason {
            ReportReason::Rule(n) => { "Breaks rule " (n) @if let Some(text) = item.rule { ": “" (text) "”" } }
            ReportReason::Spam => "Spam",
            ReportReason::Other => "Something else",
        }
    }
}

fn who_reported(report: &Report) -> Markup {
    html! {
        @match (&report.reporter, &report.from_domain) {
            (Some((_, name)), _) => { a href={ "/@" (name) } { "@" (name) } }
            (None, Some(domain)) => { "a moderator of " (domain) }
            (None, None) => "someone who has since left",
        }
    }
}

fn outcome_name(outcome: ReportOutcome) -> &'static str {
    match outcome {
        ReportOutcome::Dismissed => "dismissed",
        ReportOutcome::PostsRemoved => "posts removed",
        ReportOutcome::Warned => "warned",
        ReportOutcome::Suspended => "suspended",
        ReportOutcome::ServerBlocked => "server blocked",
    }
}

fn report_summary(item: &ReportItem, now: i64) -> Markup {
    let r = item.report;
    html! {
        li.report {
            a href={ "/admin/reports/" (r.id) } { "About @" (r.target_handle) }
            " · " (reason_line(item))
            " · by " (who_reported(r))
            " · " span.meta { (relative_time(r.created_at, now)) }
            @if let Some((_, outcome, _)) = &r.resolved { " · " strong { (outcome_name(*outcome)) } }
        }
    }
}

pub fn reports_queue(
    chrome: &Chrome,
    open: &[ReportItem],
    handled: &[ReportItem],
    now: i64,
) -> Markup {
    layout(
        chrome,
        "Reports",
        html! {
            p { a href="/admin" { "← Host's tools" } }
            h1 { "Reports" }
            @if open.is_empty() {
                p.notice #no-reports { "No open reports. All is calm." }
            } @else {
                ul.reports #open-reports { @for item in open { (report_summary(item, now)) } }
            }
            @if !handled.is_empty() {
                h2 { "Handled" }
                ul.reports #handled-reports { @for item in handled { (report_summary(item, now)) } }
            }
        },
    )
}

pub struct ReportPageView<'a> {
    pub item: ReportItem<'a>,
    /// Whether the reported person is suspended now.
    pub target_suspended: bool,
    pub error: Option<&'a str>,
    pub viewer_is_host: bool,
    pub now: i64,
}

pub fn report_page(chrome: &Chrome, view: &ReportPageView) -> Markup {
    let r = view.item.report;
    let local = r.target_is_local;
    layout(
        chrome,
        &format!("Report about @{}", r.target_handle),
        html! {
            p { a href="/admin/reports" { "← Reports" } }
            h1 { "Report about " a href={ "/@" (r.target_handle) } { "@" (r.target_handle) } }
            (error_box(view.error))
            section.card #report-facts {
                p { strong { (reason_line(&view.item)) } }
                p { "Reported by " (who_reported(r)) ", " (relative_time(r.created_at, view.now)) "." @if r.forwarded { " Also sent to their server." } }
                @if !r.comment.is_empty() { blockquote #report-comment { (r.comment) } }
                @if local { p { a href={ "/admin/members/" (r.target) } { "What you can do about @" (r.target_handle) } } }
            }
            @if !view.item.posts.is_empty() {
                section.card #reported-posts {
                    h2 { "The posts, as they were when reported" }
                    @for post in view.item.posts {
                        article.post {
                            div.content { (PreEscaped(&post.html)) }
                            p.meta {
                                (date(post.created_at)) " · "
                                @match post.post_id {
                                    Some(id) => { a href={ "/posts/" (id) } { "the post in its thread" } }
                                    None => "since deleted",
                                }
                            }
                        }
                    }
                }
            }
            @match &r.resolved {
                Some((at, outcome, by)) => {
                    p.notice #resolved { "Handled " (relative_time(*at, view.now)) @if let Some(by) = by { " by @" (by) } ": " (outcome_name(*outcome)) "." }
                    @if !local && *outcome == ReportOutcome::Suspended && view.target_suspended {
                        form #lift method="post" action={ "/admin/members/" (r.target) "/unsuspend" } {
                            (csrf_field(chrome))
                            input type="hidden" name="back" value={ "/admin/reports/" (r.id) };
                            button type="submit" { "Lift the suspension of @" (r.target_handle) }
                        }
                    }
                }
                None => {
                    form.card #resolve method="post" action={ "/admin/reports/" (r.id) } {
                        (csrf_field(chrome))
                        h2 { "Handle it" }
                        fieldset {
                            legend { "What to do" }
                            label { input type="radio" name="outcome" value="dismissed" checked; " Nothing: dismiss it" }
                            @if view.item.posts.iter().any(|p| p.post_id.is_some()) {
                                label { input type="radio" name="outcome" value="posts_removed"; " Remove the posts" }
                            }
                            @if local {
                                label { input type="radio" name="outcome" value="warned"; " Warn them with the message below" }
                            }
                            label { input type="radio" name="outcome" value="suspended"; " Suspend the account" }
                            @if !local && view.viewer_is_host {
                                label { input type="radio" name="outcome" value="server_blocked"; " Block their whole server" }
                            }
                        }
                        label for="resolve-message" { "Message " span.hint { "(what a warned member reads; kept in the log)" } }
                        textarea #resolve-message name="message" rows="3" maxlength="1000" {}
                        p.hint { "The person who reported it is told that it was handled, and how." }
                        p { button type="submit" { "Done" } }
                    }
                }
            }
        },
    )
}

pub fn moderation_log(
    chrome: &Chrome,
    entries: &[LogEntry],
    next: Option<i64>,
    now: i64,
) -> Markup {
    layout(
        chrome,
        "Moderation log",
        html! {
            p { a href="/admin" { "← Host's tools" } }
            h1 { "Moderation log" }
            p.hint { "Everything hosts and moderators do to members, posts and servers, kept even after people leave." }
            @if entries.is_empty() { p.notice { "Nothing yet." } }
            ul.log #log {
                @for e in entries {
                    li {
                        strong { (e.actor) } " " (e.action) " " strong { (e.target) }
                        @if !e.reason.is_empty() { " — “" (e.reason) "”" }
                        " · " span.meta title=(date(e.created_at)) { (relative_time(e.created_at, now)) }
                    }
                }
            }
            @if let Some(next) = next { nav.pager { a.button href={ "/admin/log?before=" (next) } { "Older" } } }
        },
    )
}

/// What the report form is about.
pub struct ReportFormView<'a> {
    pub target_id: i64,
    pub target_handle: &'a str,
    /// The post being reported, with its text, if it is a post.
    pub post: Option<(i64, &'a str)>,
    pub rules: &'a [String],
    pub remote_domain: Option<&'a str>,
    pub error: Option<&'a str>,
}

pub fn report_form(chrome: &Chrome, view: &ReportFormView) -> Markup {
    layout(
        chrome,
        "Report",
        html! {
            h1 { "Report @" (view.target_handle) }
            p { "Your report goes to this camp's hosts and moderators. @" (view.target_handle) " is not told who reported them." }
            form.card #report method="post" action="/reports" {
                (csrf_field(chrome))
                (error_box(view.error))
                input type="hidden" name="account" value=(view.target_id);
                @if let Some((id, html)) = view.post {
                    input type="hidden" name="post" value=(id);
                    blockquote.content { (PreEscaped(html)) }
                }
                fieldset {
                    legend { "What is wrong?" }
                    @if !view.rules.is_empty() {
                        label { input type="radio" name="category" value="rule" checked; " It breaks the code of conduct" }
                        label for="report-rule" { "Which rule" }
                        select #report-rule name="rule" {
                            @for (i, rule) in view.rules.iter().enumerate() {
                                option value=(i + 1) { (i + 1) ". " (rule) }
                            }
                        }
                    }
                    label { input type="radio" name="category" value="spam"; " It is spam" }
                    label { input type="radio" name="category" value="other" checked[view.rules.is_empty()]; " Something else" }
                }
                label for="report-comment" { "Anything the hosts should know " span.hint { "(optional)" } }
                textarea #report-comment name="comment" rows="3" maxlength="1000" {}
                @if let Some(domain) = view.remote_domain {
                    label { input type="checkbox" name="forward" value="on"; " Also send it to " (domain) " (without your name), so their moderators can act too" }
                }
                p { button type="submit" { "Send report" } }
            }
        },
    )
}

pub fn reset_password(chrome: &Chrome, token: &str, username: &str, error: Option<&str>) -> Markup {
    layout(
        chrome,
        "Choose a new password",
        html! {
            h1 { "Choose a new password" }
            p { "Your host made this link for " strong { "@" (username) } ". It works once. Everywhere you were logged in, you will be logged out." }
            form.card #reset method="post" action={ "/reset/" (token) } {
                (csrf_field(chrome))
                (error_box(error))
                label for="password" { "New password" }
                p.hint { "At least 10 characters." }
                input #password type="password" name="password" autocomplete="new-password" required minlength="10";
                p { button type="submit" { "Set the password and log in" } }
            }
        },
    )
}

pub fn report_sent(chrome: &Chrome) -> Markup {
    layout(
        chrome,
        "Report sent",
        html! {
            h1 { "Thank you" }
            p.notice #report-sent { "Your report is with the camp's hosts and moderators. You will get a notification when it is handled." }
            p { a href="/" { "Back to the camp" } }
        },
    )
}

/// The code of conduct, numbered; a member who has not agreed to this version is asked to.
pub fn code_of_conduct(chrome: &Chrome, rules: &[String], change: &str, to_agree: bool) -> Markup {
    layout(
        chrome,
        "Code of conduct",
        html! {
            h1 { "Code of conduct" }
            @if to_agree && !change.is_empty() { p.notice { strong { "What changed: " } (change) } }
            @if rules.is_empty() {
                p.notice { "The hosts have not written one yet." }
            } @else {
                ol #rules { @for rule in rules { li { (rule) } } }
            }
            @if to_agree {
                form.card #agree method="post" action="/code-of-conduct/agree" {
                    (csrf_field(chrome))
                    p { "To keep taking part in the camp, please read the rules and agree to them." }
                    p { button type="submit" { "I agree" } }
                }
            }
        },
    )
}

/// The camp's about page.
pub struct AboutView<'a> {
    pub name: &'a str,
    pub look: &'a porchlight_core::views::CampLook,
    /// What the hosts wrote, as safe HTML.
    pub about_html: &'a str,
    pub members: u32,
    pub cap: u32,
    pub hosts: &'a [String],
}

pub fn about(chrome: &Chrome, view: &AboutView) -> Markup {
    layout(
        chrome,
        "About",
        html! {
            @if let Some(header) = &view.look.header { img.header src=(header) alt="" width="1500" height="500"; }
            h1 { "About " (view.name) }
            @if !view.look.description.is_empty() { p.lead { (view.look.description) } }
            @if view.about_html.is_empty() {
                p.hint { "The hosts have not written about the camp yet." }
            } @else {
                div.content #about { (maud::PreEscaped(view.about_html)) }
            }
            p.meta {
                (view.members) " of " (view.cap) " places taken · hosted by "
                @for (i, host) in view.hosts.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href={ "/@" (host) } { "@" (host) }
                }
            }
            p { a href="/code-of-conduct" { "The code of conduct" } " · This camp is invite-only." }
        },
    )
}

/// The bugle's page: what it does, who hears it, how many times are left today.
pub struct BugleView<'a> {
    pub listeners: usize,
    pub left_today: usize,
    /// Why it would not sound now.
    pub refusal: Option<&'a str>,
    pub error: Option<&'a str>,
    pub text: &'a str,
    pub sent: bool,
}

pub fn bugle(chrome: &Chrome, view: &BugleView) -> Markup {
    layout(
        chrome,
        "The bugle",
        html! {
            h1 { "Sound the bugle" }
            p { "One private message to everyone in the camp who wants to hear it. Use it for what everyone should know: movie night moved, the road is closed, the kettle is on." }
            @if view.sent { p.notice #bugle-sent role="status" { "The bugle sounded. Replies come to you as private messages." } }
            (error_box(view.error))
            @match view.refusal {
                Some(why) => p.notice #bugle-refused { (why) }
                None => {
                    form.card #bugle method="post" action="/bugle" {
                        (csrf_field(chrome))
                        label for="bugle-text" { "What the bugle says" }
                        textarea #bugle-text name="text" rows="4" maxlength=(chrome.max_post_chars) required { (view.text) }
                        p.hint { (view.listeners) " campers will hear it. You can sound it " (view.left_today) " more time" @if view.left_today != 1 { "s" } " today." }
                        p { button type="submit" { "Sound the bugle" } }
                    }
                }
            }
            p.hint { "Campers who would rather not hear it turn it off in their settings." }
        },
    )
}
