//! Whole pages.

use maud::PreEscaped;
use maud::{Markup, html};
use porchlight_core::audience::{self, Audience, Role};
use porchlight_core::views::{
    Authorized, Invite, Member, Notification, NotificationKind, Page, PostVersion, PostView, Site,
};

use crate::{Chrome, PostContext, back_field, csrf_field, date, error_box, layout, post_card};

/// What a composer starts with.
pub struct ComposeDraft<'a> {
    pub text: &'a str,
    pub content_warning: &'a str,
    pub audience: Audience,
    /// The post being answered, and the audiences a reply to it may have.
    pub in_reply_to: Option<(i64, Audience)>,
    pub error: Option<&'a str>,
}

impl Default for ComposeDraft<'_> {
    fn default() -> Self {
        ComposeDraft {
            text: "",
            content_warning: "",
            // Private by default, connected by choice: a new post stays in the camp unless its
            // author picks a wider audience.
            audience: Audience::Local,
            in_reply_to: None,
            error: None,
        }
    }
}

pub fn composer(chrome: &Chrome, draft: &ComposeDraft) -> Markup {
    let choices: Vec<Audience> = match draft.in_reply_to {
        Some((_, parent)) => Audience::ALL
            .into_iter()
            .filter(|a| audience::reply_audience_allowed(parent, *a))
            .collect(),
        None => Audience::ALL.to_vec(),
    };
    let (id, heading) = match draft.in_reply_to {
        Some(_) => ("reply", "Write a reply"),
        None => ("compose", "Write a post"),
    };
    html! {
        form.compose id=(id) method="post" action="/posts" enctype="multipart/form-data" {
            (csrf_field(chrome))
            @if let Some((parent, _)) = draft.in_reply_to {
                input type="hidden" name="in_reply_to" value=(parent);
            }
            (error_box(draft.error))
            label for={ (id) "-text" } { (heading) }
            textarea id={ (id) "-text" } name="text" rows="4" placeholder="What's on your mind?" { (draft.text) }
            details.picture {
                summary.hint { "Add a picture" }
                label for={ (id) "-picture" } { "Picture " span.hint { "(JPEG, PNG, GIF or WebP, up to 10 MB; where it was taken is removed)" } }
                input id={ (id) "-picture" } type="file" name="picture" accept="image/jpeg,image/png,image/gif,image/webp";
                label for={ (id) "-picture-description" } { "Describe it " span.hint { "(for people who cannot see it)" } }
                input id={ (id) "-picture-description" } type="text" name="picture_description" maxlength="1500" placeholder="e.g. Our dog asleep on the porch";
            }
            label for={ (id) "-cw" } { "Content warning " span.hint { "(optional)" } }
            input id={ (id) "-cw" } type="text" name="content_warning" value=(draft.content_warning) placeholder="e.g. spoilers, food";
            div.row {
                label.inline.tight for={ (id) "-audience" } {
                    span.hint { "Who can see it " }
                    select id={ (id) "-audience" } name="audience" {
                        @for a in &choices {
                            option value=(a.as_str()) selected[*a == draft.audience] title=(a.explanation()) { (a.label()) }
                        }
                    }
                }
                output.counter data-max=(chrome.max_post_chars) aria-live="polite" { (chrome.max_post_chars) " max" }
                button type="submit" { "Post" }
            }
            details.audiences {
                summary.hint { "Who sees what?" }
                ul.hint {
                    @for a in &choices {
                        li { strong { (a.label()) } ": " (a.explanation()) "." }
                    }
                }
            }
        }
    }
}

fn post_list(chrome: &Chrome, page: &Page, empty: &str, now: i64, more_base: &str) -> Markup {
    html! {
        @if page.posts.is_empty() {
            p.notice { (empty) }
        }
        @for post in &page.posts {
            (post_card(chrome, post, PostContext { now, ..Default::default() }))
        }
        @if let Some(next) = page.next_max_id {
            nav.pager aria-label="More posts" {
                a.button href={ (more_base) (if more_base.contains('?') { "&" } else { "?" }) "max_id=" (next) } { "Older posts" }
            }
        }
    }
}

pub fn home(chrome: &Chrome, page: &Page, draft: &ComposeDraft, now: i64) -> Markup {
    layout(
        chrome,
        "Home",
        html! {
            h1.vh { "Home" }
            (composer(chrome, draft))
            (post_list(chrome, page, "Nothing here yet. Follow some campers from the Members page, or write the first post!", now, "/"))
        },
    )
}

pub fn timeline(
    chrome: &Chrome,
    title: &str,
    intro: &str,
    page: &Page,
    now: i64,
    base: &str,
) -> Markup {
    layout(
        chrome,
        title,
        html! {
            h1 { (title) }
            @if !intro.is_empty() { p.hint { (intro) } }
            (post_list(chrome, page, "No posts here yet.", now, base))
        },
    )
}

/// The front page for visitors. `setup_here`: the camp has no host and this visitor may set it
/// up from here (on the box, from its home network). `recovery`: the token of a recovery link
/// the box's button just made, offered the same way.
pub fn landing(
    chrome: &Chrome,
    site: &Site,
    has_host: bool,
    members: u32,
    setup_here: bool,
    recovery: Option<&str>,
) -> Markup {
    layout(
        chrome,
        "Welcome",
        html! {
            h1 { "Welcome to " (site.name) }
            @if let Some(token) = recovery {
                div.notice #recovery {
                    p { strong { "The button on the box was held." } }
                    p { "If that was you, set a new password for the host here. The link works once, for the next half hour." }
                    p { a.button href={ "/recover/" (token) } { "Set a new host password" } }
                }
            }
            @if setup_here {
                div.notice #set-up {
                    p { strong { "This box is ready to be set up." } }
                    p { "You are on its home network, so you can become its host from here: you choose your account, name the camp and write its code of conduct." }
                    form method="post" action="/setup" {
                        (csrf_field(chrome))
                        p { button type="submit" { "Set up this box" } }
                    }
                }
            } @else if !has_host {
                div.notice {
                    p { strong { "This camp has no host yet." } }
                    p { "To set it up, open the one-time setup link that Porchlight printed in its log when it started (it looks like "
                        code { "http://…/setup/…" } "). Or, on the server, run:" }
                    p { code { "porchlight user add YOURNAME --admin --password-stdin" } }
                    p.hint { "The link is printed only on the server so that nobody else on your network can claim the camp first." }
                }
            } @else {
                p { (site.name) " is a small, invite-only camp of " (members) " "
                    (if members == 1 { "member" } else { "members" }) ". Members can log in below; to join, ask someone here for an invite link." }
                p { a.button href="/login" { "Log in" } " " a href="/local" { "See public posts" } }
                @if !site.code_of_conduct.is_empty() {
                    h2 { "Our code of conduct" }
                    div.coc { (site.code_of_conduct) }
                }
            }
        },
    )
}

/// The login page. `next` is where to go after (a path on this site), carried in the form's
/// address.
pub fn login(chrome: &Chrome, username: &str, error: Option<&str>, next: Option<&str>) -> Markup {
    let action = match next {
        Some(next) => format!(
            "/login?next={}",
            percent_encoding::utf8_percent_encode(next, percent_encoding::NON_ALPHANUMERIC)
        ),
        None => "/login".to_string(),
    };
    layout(
        chrome,
        "Log in",
        html! {
            h1 { "Log in" }
            form.card #login method="post" action=(action) {
                (csrf_field(chrome))
                (error_box(error))
                label for="username" { "Username" }
                input #username type="text" name="username" value=(username) autocomplete="username" autocapitalize="none" required;
                label for="password" { "Password" }
                input #password type="password" name="password" autocomplete="current-password" required;
                p { button type="submit" { "Log in" } }
            }
        },
    )
}

pub struct SetupForm<'a> {
    pub username: &'a str,
    pub site_name: &'a str,
    pub code_of_conduct: &'a str,
    pub error: Option<&'a str>,
    /// The box's certificate fingerprint, when it serves HTTPS with its own certificate.
    pub fingerprint: Option<&'a str>,
    pub domain: &'a str,
    /// Whether the public name may be given here (not when the config file fixes it).
    pub ask_domain: bool,
    /// What the box needs its host to know (the data partition, the network): there is no
    /// host's page yet, so the setup page says it.
    pub box_notes: &'a [String],
}

pub fn setup(chrome: &Chrome, token: &str, form: &SetupForm) -> Markup {
    layout(
        chrome,
        "Set up your camp",
        html! {
            h1 { "Set up your camp" }
            p { "You are the host. Choose your own account, name the camp, and write down how people here treat each other." }
            @if !form.box_notes.is_empty() {
                section.card #attention {
                    h2 { "Needs your attention" }
                    ul { @for note in form.box_notes { li { (note) } } }
                }
            }
            @if let Some(fingerprint) = form.fingerprint {
                details.card #certificate {
                    summary { "About the browser's security warning" }
                    p { "This box made its own certificate, so your browser could not check it with anyone and warned you. To be sure you reached your own box, compare the certificate's SHA-256 fingerprint (in the browser: the padlock or warning sign, then the certificate) with this one:" }
                    p.mono { (fingerprint) }
                }
            }
            form.card #setup method="post" action={ "/setup/" (token) } {
                (csrf_field(chrome))
                (error_box(form.error))
                label for="site_name" { "The camp's name" }
                input #site_name type="text" name="site_name" value=(form.site_name) required maxlength="60";
                label for="username" { "Your username" }
                p.hint { "Letters a–z, digits and underscores. Others will see it as @name." }
                input #username type="text" name="username" value=(form.username) autocomplete="username" autocapitalize="none" required;
                label for="password" { "Your password" }
                p.hint { "At least 10 characters. A short sentence is easy to remember." }
                input #password type="password" name="password" autocomplete="new-password" required minlength="10";
                label for="code_of_conduct" { "Code of conduct" }
                p.hint { "Everyone you invite reads this and agrees to it before they join." }
                textarea #code_of_conduct name="code_of_conduct" rows="6" { (form.code_of_conduct) }
                @if form.ask_domain {
                    label for="domain" { "Public address " span.hint { "(optional; you can add it later on the host's page)" } }
                    p.hint { "A domain you own, pointed at your home's internet address with ports 80 and 443 forwarded to this box. Porchlight gets its certificate by itself. Leave it empty to keep the camp at home for now." }
                    input #domain type="text" name="domain" value=(form.domain) placeholder="camp.example" maxlength="253" autocapitalize="none" spellcheck="false";
                }
                p { button type="submit" { "Create the camp" } }
            }
        },
    )
}

/// What a set of scopes lets an app do, in words.
pub fn scopes_in_words(scopes: &str) -> String {
    let mut can = Vec::new();
    let has = |s: &str| {
        scopes
            .split(' ')
            .any(|x| x == s || x.starts_with(&format!("{s}:")))
    };
    if has("read") {
        can.push("read your timelines, notifications and profile");
    }
    if has("write") {
        can.push("post, favourite, boost and change your profile as you");
    }
    if has("follow") {
        can.push("follow, block and mute people as you");
    }
    if has("push") {
        can.push("send you notifications");
    }
    if has("profile") && !has("read") {
        can.push("know who you are");
    }
    if can.is_empty() {
        "know who you are".to_string()
    } else {
        can.join("; ")
    }
}

/// The consent page: a member lets an app use their account (or not).
pub struct ConsentView<'a> {
    pub app_name: &'a str,
    pub website: &'a str,
    pub scopes: &'a str,
    /// The request's parameters, sent back with the answer.
    pub fields: &'a [(&'a str, String)],
}

pub fn consent(chrome: &Chrome, view: &ConsentView) -> Markup {
    layout(
        chrome,
        "Authorize an app",
        html! {
            h1 { "Let " (view.app_name) " use your account?" }
            div.card #consent {
                @if let Some(me) = chrome.me { p { "You are logged in as " strong { "@" (me.username) } "." } }
                @if !view.website.is_empty() { p.hint { "The app says it comes from " span.mono { (view.website) } "." } }
                p { (view.app_name) " will be able to: " (scopes_in_words(view.scopes)) "." }
                p.hint { "You can take this back at any time under Settings → Apps." }
                form #consent-form method="post" action="/oauth/authorize" {
                    (csrf_field(chrome))
                    @for (name, value) in view.fields { input type="hidden" name=(name) value=(value); }
                    p {
                        button type="submit" name="decision" value="approve" { "Authorize" }
                        " "
                        button.secondary type="submit" name="decision" value="deny" { "Deny" }
                    }
                }
            }
        },
    )
}

/// The code an app without a redirect address asks the member to copy.
pub fn oauth_code(chrome: &Chrome, app_name: &str, code: &str) -> Markup {
    layout(
        chrome,
        "Authorization code",
        html! {
            h1 { "Copy this code into " (app_name) }
            div.card {
                label for="oauth-code" { "Authorization code" }
                input #oauth-code type="text" readonly value=(code);
                p.hint { "It works once, for the next ten minutes." }
            }
        },
    )
}

/// Shown while the server restarts to take a new public address; reloads `next` by itself.
pub fn restarting(chrome: &Chrome, name: Option<&str>, next: &str) -> Markup {
    layout(
        chrome,
        "Restarting",
        html! {
            meta http-equiv="refresh" content={ "6; url=" (next) };
            h1 { "Restarting" }
            p role="status" {
                @match name {
                    Some(name) => { "Porchlight is restarting to take its public address, " strong { (name) } ". " }
                    None => { "Porchlight is restarting without a public address. " }
                }
                "This page opens the host's tools again in a few seconds."
            }
            p { a href=(next) { "Go on now" } }
        },
    )
}

/// The page a recovery link opens: a host sets a new password.
pub fn recover(chrome: &Chrome, token: &str, hosts: &[String], error: Option<&str>) -> Markup {
    layout(
        chrome,
        "Set a new host password",
        html! {
            h1 { "Set a new host password" }
            p { "Someone held the box's button, which made this link. Choose a host and give them a new password; they will be logged out everywhere else. Nothing else changes." }
            form.card #recover method="post" action={ "/recover/" (token) } {
                (csrf_field(chrome))
                (error_box(error))
                label for="username" { "Host" }
                select #username name="username" {
                    @for name in hosts { option value=(name) { "@" (name) } }
                }
                label for="password" { "New password" }
                p.hint { "At least 10 characters." }
                input #password type="password" name="password" autocomplete="new-password" required minlength="10";
                p { button type="submit" { "Set the password" } }
            }
        },
    )
}

pub struct SignupForm<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub agreed: bool,
    pub error: Option<&'a str>,
}

pub fn signup(
    chrome: &Chrome,
    site: &Site,
    invite: &Invite,
    code: &str,
    form: &SignupForm,
) -> Markup {
    layout(
        chrome,
        "Join",
        html! {
            h1 { "Join " (site.name) }
            @if let Some(by) = &invite.created_by_name {
                p { "@" (by) " invited you." }
            }
            @if !invite.note.is_empty() {
                blockquote.notice.welcome { (invite.note) }
            }
            form.card #signup method="post" action={ "/invite/" (code) } {
                (csrf_field(chrome))
                (error_box(form.error))
                label for="username" { "Username" }
                p.hint { "Letters a–z, digits and underscores." }
                input #username type="text" name="username" value=(form.username) autocomplete="username" autocapitalize="none" required;
                label for="display_name" { "Your name " span.hint { "(as friends know you)" } }
                input #display_name type="text" name="display_name" value=(form.display_name) maxlength="60";
                label for="password" { "Password" }
                p.hint { "At least 10 characters." }
                input #password type="password" name="password" autocomplete="new-password" required minlength="10";
                @if !site.code_of_conduct.is_empty() {
                    h2 { "Code of conduct" }
                    div.coc { (site.code_of_conduct) }
                    label.check {
                        input type="checkbox" name="agree" value="yes" checked[form.agreed];
                        span { "I have read the code of conduct and agree to it." }
                    }
                }
                p { button type="submit" { "Join the camp" } }
            }
        },
    )
}

pub struct ProfileView<'a> {
    pub member: &'a Member,
    pub following: u32,
    pub followers: u32,
    /// Whether the viewer follows them (None when it is the viewer, or nobody is signed in).
    pub viewer_follows: Option<bool>,
    /// Whether the viewer muted or blocked them (None as for `viewer_follows`).
    pub boundaries: Option<Boundaries>,
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
            summary.hint { @if b.blocking { "Blocked" } @else if b.muting { "Muted" } @else { "Mute or block" } }
            @if b.muting {
                form method="post" action={ "/@" (handle) "/unmute" } {
                    (csrf_field(chrome)) (back_field(chrome))
                    button.link type="submit" { "Unmute" }
                }
            } @else {
                form method="post" action={ "/@" (handle) "/mute" } {
                    (csrf_field(chrome)) (back_field(chrome))
                    p.hint { "Muting hides their posts and notifications from you. They are not told." }
                    button.link type="submit" { "Mute" }
                }
            }
            @if b.blocking {
                form method="post" action={ "/@" (handle) "/unblock" } {
                    (csrf_field(chrome)) (back_field(chrome))
                    button.link type="submit" { "Unblock" }
                }
            } @else {
                form method="post" action={ "/@" (handle) "/block" } {
                    (csrf_field(chrome)) (back_field(chrome))
                    p.hint { "Blocking also ends follows both ways and hides your posts from each other. They are not told." }
                    button.link type="submit" { "Block" }
                }
            }
        }
    }
}

pub fn profile(chrome: &Chrome, view: &ProfileView, page: &Page, now: i64) -> Markup {
    let m = view.member;
    layout(
        chrome,
        m.shown_name(),
        html! {
            section.card {
                h1 { span.avatar aria-hidden="true" { (crate::initial(m.shown_name())) } (m.shown_name()) }
                p.meta { "@" (m.username)
                    @match m.role { Role::Host => " · host", Role::Moderator => " · moderator", Role::Member => "" }
                    " · joined " (date(m.created_at)) }
                @if !m.who_i_am.is_empty() { p { strong { (m.who_i_am) } } }
                @if !m.bio.is_empty() { p.pre { (m.bio) } }
                p.meta { (view.following) " following · " (view.followers) " followers" }
                @if let Some(follows) = view.viewer_follows {
                    @if follows {
                        form method="post" action={ "/@" (m.username) "/unfollow" } {
                            (csrf_field(chrome)) (back_field(chrome))
                            button.unfollow type="submit" { "Unfollow" }
                        }
                    } @else if !view.boundaries.is_some_and(|b| b.blocking) {
                        form method="post" action={ "/@" (m.username) "/follow" } {
                            (csrf_field(chrome)) (back_field(chrome))
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
    /// This camp's copy of their picture.
    pub avatar: Option<String>,
    /// None when nobody is signed in.
    pub boundaries: Option<Boundaries>,
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
            section.card {
                h1 {
                    @match &view.avatar {
                        Some(src) => img.avatar src=(src) alt="";
                        None => span.avatar aria-hidden="true" { (crate::initial(name)) }
                    }
                    (name)
                }
                p.meta { "@" (view.handle) " · on another server · "
                    a href=(view.url) rel="nofollow noopener noreferrer" { "their profile there" } }
                @if !view.bio_html.is_empty() { div.bio { (PreEscaped(view.bio_html)) } }
                @match view.button.filter(|_| !view.boundaries.is_some_and(|b| b.blocking)) {
                    Some(FollowButton::Follow) => {
                        form method="post" action={ "/@" (view.handle) "/follow" } {
                            (csrf_field(chrome)) (back_field(chrome))
                            button.follow type="submit" { "Follow" }
                        }
                    }
                    Some(FollowButton::Requested) => {
                        form method="post" action={ "/@" (view.handle) "/unfollow" } {
                            (csrf_field(chrome)) (back_field(chrome))
                            p.meta { "You asked to follow; their server has not answered yet." }
                            button.unfollow type="submit" { "Cancel the request" }
                        }
                    }
                    Some(FollowButton::Unfollow) => {
                        form method="post" action={ "/@" (view.handle) "/unfollow" } {
                            (csrf_field(chrome)) (back_field(chrome))
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

pub fn thread(
    chrome: &Chrome,
    ancestors: &[PostView],
    focus: &PostView,
    replies: &[(u32, PostView)],
    draft: Option<&ComposeDraft>,
    now: i64,
) -> Markup {
    layout(
        chrome,
        &format!("Post by {}", focus.author.shown_name()),
        html! {
            @for post in ancestors {
                (post_card(chrome, post, PostContext { now, ..Default::default() }))
            }
            (post_card(chrome, focus, PostContext { focus: true, now, ..Default::default() }))
            @if let Some(draft) = draft {
                (composer(chrome, draft))
            }
            @if !replies.is_empty() {
                h2 { "Replies" }
            }
            @for (depth, post) in replies {
                (post_card(chrome, post, PostContext { depth: *depth, now, ..Default::default() }))
            }
        },
    )
}

pub fn edit(chrome: &Chrome, post: &PostView, text: &str, cw: &str, error: Option<&str>) -> Markup {
    layout(
        chrome,
        "Edit post",
        html! {
            h1 { "Edit post" }
            form.compose #edit method="post" action={ "/posts/" (post.id) "/edit" } {
                (csrf_field(chrome))
                (error_box(error))
                label for="edit-text" { "Text" }
                textarea #edit-text name="text" rows="5" required { (text) }
                label for="edit-cw" { "Content warning " span.hint { "(optional)" } }
                input #edit-cw type="text" name="content_warning" value=(cw);
                p.hint { "Who can see it stays \"" (post.audience.label()) "\". Earlier versions stay visible in the post's history." }
                div.row {
                    output.counter data-max=(chrome.max_post_chars) aria-live="polite" { (chrome.max_post_chars) " max" }
                    button type="submit" { "Save" }
                }
            }
        },
    )
}

pub fn confirm_delete(chrome: &Chrome, post: &PostView, now: i64) -> Markup {
    layout(
        chrome,
        "Delete post",
        html! {
            h1 { "Delete this post?" }
            (post_card(chrome, post, PostContext { now, ..Default::default() }))
            p { "Its boosts, favourites and bookmarks go with it. Replies stay." }
            form method="post" action={ "/posts/" (post.id) "/delete" } {
                (csrf_field(chrome))
                button.danger type="submit" { "Delete" } " "
                a href={ "/posts/" (post.id) } { "Keep it" }
            }
        },
    )
}

pub fn history(chrome: &Chrome, post: &PostView, versions: &[PostVersion], now: i64) -> Markup {
    layout(
        chrome,
        "Edit history",
        html! {
            h1 { "Edit history" }
            h2 { "Now" }
            (post_card(chrome, post, PostContext { now, ..Default::default() }))
            @for v in versions {
                h2 { "Before, written " (date(v.written_at)) }
                div.card {
                    @if !v.content_warning.is_empty() { p.meta { "CW: " (v.content_warning) } }
                    div.content { (PreEscaped(&v.html)) }
                }
            }
        },
    )
}

pub fn notifications(
    chrome: &Chrome,
    items: &[Notification],
    next: Option<i64>,
    now: i64,
) -> Markup {
    layout(
        chrome,
        "Notifications",
        html! {
            h1 { "Notifications" }
            @if items.is_empty() { p.notice { "Nothing yet. When someone follows you, mentions you, replies, boosts or favourites your posts, it shows up here." } }
            ul.people {
                @for n in items {
                    li class=(if n.seen { "seen" } else { "new" }) {
                        a href={ "/@" (n.from_username) } { (if n.from_display_name.is_empty() { &n.from_username } else { &n.from_display_name }) }
                        " "
                        (match n.kind {
                            NotificationKind::Mention => "mentioned you",
                            NotificationKind::Reply => "replied to you",
                            NotificationKind::Follow => "followed you",
                            NotificationKind::Boost => "boosted your post",
                            NotificationKind::Favourite => "favourited your post",
                        })
                        @if let Some(post) = n.post_id { " · " a href={ "/posts/" (post) } { "see post" } }
                        " · " span.meta { (crate::relative_time(n.created_at, now)) }
                    }
                }
            }
            @if let Some(next) = next {
                nav.pager { a.button href={ "/notifications?max_id=" (next) } { "Older" } }
            }
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
            ul.people {
                @for m in members {
                    li {
                        a href={ "/@" (m.username) } { span.avatar aria-hidden="true" { (crate::initial(m.shown_name())) } strong { (m.shown_name()) } }
                        " " span.meta { "@" (m.username)
                            @match m.role { Role::Host => " · host", Role::Moderator => " · moderator", Role::Member => "" } }
                        @if !m.who_i_am.is_empty() { p.who { (m.who_i_am) } }
                    }
                }
            }
            @if more {
                nav.pager { a.button href={ "/members?offset=" (offset + members.len() as u32) } { "More members" } }
            }
        },
    )
}

pub fn search(
    chrome: &Chrome,
    q: &str,
    people: &[Member],
    tag: Option<&str>,
    page: &Page,
    now: i64,
) -> Markup {
    layout(
        chrome,
        "Search",
        html! {
            h1 { "Search" }
            form.card role="search" method="get" action="/search" {
                label for="q" { "Members, #hashtags or words in posts" }
                input #q type="search" name="q" value=(q) autofocus[q.is_empty()];
                p { button type="submit" { "Search" } }
            }
            @if !q.is_empty() {
                @if let Some(tag) = tag {
                    p { "Hashtag: " a href={ "/tags/" (tag) } { "#" (tag) } }
                }
                @if !people.is_empty() {
                    h2 { "Members" }
                    ul.people {
                        @for m in people {
                            li { a href={ "/@" (m.username) } { strong { (m.shown_name()) } } " " span.meta { "@" (m.username) } }
                        }
                    }
                }
                h2 { "Posts" }
                (post_list(chrome, page, "No posts found.", now, &format!("/search?q={}", form_urlencode(q))))
            }
        },
    )
}

fn form_urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub struct SettingsView<'a> {
    pub me: &'a Member,
    pub notice: Option<&'a str>,
    pub profile_error: Option<&'a str>,
    pub password_error: Option<&'a str>,
    pub audience_error: Option<&'a str>,
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
            form.card #audience method="post" action="/settings/audience" {
                (csrf_field(chrome))
                h2 { "Who your posts are for" }
                (error_box(view.audience_error))
                p.hint { "What a new post is for unless you choose otherwise, here and in apps. A reply starts with the audience of what it answers." }
                label for="default_audience" { "Unless I choose, my posts are for" }
                select #default_audience name="audience" {
                    @for a in Audience::ALL.into_iter().filter(|a| audience::may_be_default(*a)) {
                        option value=(a.as_str()) selected[a == me.default_audience] { (a.label()) ": " (a.explanation()) }
                    }
                }
                p.hint { "In a Mastodon app, the lock (\"Followers only\") means your narrow audience: followers if you choose Followers here, the camp otherwise." }
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
            p { a href="/bookmarks" { "Your bookmarks" } }
            section.card #kept-away {
                h2 { "Muted and blocked" }
                @if view.kept_away.is_empty() {
                    p.hint { "Nobody. To mute or block someone, open their profile and choose \"Mute or block\"." }
                } @else {
                    table #kept-away-list {
                        tr { th { "Who" } th { "" } th {} }
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
                                            (csrf_field(chrome)) (back_field(chrome))
                                            button.link type="submit" { "Unmute" }
                                        }
                                    }
                                    @if k.blocked {
                                        form.inline method="post" action={ "/@" (k.handle) "/unblock" } {
                                            (csrf_field(chrome)) (back_field(chrome))
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
                        tr { th { "App" } th { "May" } th { "Since" } th {} }
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

pub struct AdminView<'a> {
    pub site: &'a Site,
    pub members: &'a [Member],
    pub member_count: u32,
    pub invites: &'a [Invite],
    /// The link of an invite just made, to copy.
    pub new_invite_link: Option<&'a str>,
    pub base_url: &'a str,
    pub error: Option<&'a str>,
    pub notice: Option<&'a str>,
    pub now: i64,
    /// Servers blocked for everyone: (domain, level name, reason).
    pub blocks: &'a [(String, &'static str, String)],
    /// Whether the camp talks to other servers (and how it is named to them).
    pub federating_as: Option<&'a str>,
    /// What needs the host's attention (empty when all is well).
    pub attention: &'a [String],
    /// The camp's public name and its certificate.
    pub address: AddressView<'a>,
}

/// The public-address section of the host's page.
pub struct AddressView<'a> {
    /// The public name kept now (it takes effect on restart).
    pub name: Option<&'a str>,
    /// Set by the config file or the command line: shown, not changed here.
    pub fixed: bool,
    /// A sentence about the certificate, when there is one to say.
    pub certificate: Option<String>,
}

pub fn admin(chrome: &Chrome, view: &AdminView) -> Markup {
    let is_host = chrome.me.is_some_and(|m| m.role == Role::Host);
    layout(
        chrome,
        "Host",
        html! {
            h1 { "Host's tools" }
            (error_box(view.error))
            @if let Some(n) = view.notice { p.notice role="status" { (n) } }
            @if !view.attention.is_empty() {
                section.card #attention {
                    h2 { "Needs your attention" }
                    ul { @for note in view.attention { li { (note) } } }
                }
            }
            section.card {
                h2 #invites { "Invite someone" }
                @if let Some(link) = view.new_invite_link {
                    div.notice {
                        label for="invite-link" { "Your new invite link — copy it and send it to your friend:" }
                        input #invite-link type="text" readonly value=(link);
                    }
                }
                p.hint { (view.member_count) " of " (view.site.member_cap.limit()) " places taken." }
                form #new-invite method="post" action="/admin/invites" {
                    (csrf_field(chrome))
                    label for="note" { "A personal welcome " span.hint { "(shown on the invite page)" } }
                    textarea #note name="note" rows="3" maxlength="1000" placeholder="Hi! Come join us — movie night is on Fridays." {}
                    label for="uses" { "How many people can use it" }
                    input #uses type="number" name="uses" value="1" min="1" max="100";
                    label for="expires_days" { "Expires after (days, empty for never)" }
                    input #expires_days type="number" name="expires_days" value="14" min="1" max="365";
                    p { button type="submit" { "Make invite link" } }
                }
                @if !view.invites.is_empty() {
                    h2 { "Invites" }
                    table {
                        tr { th { "Link" } th { "Used" } th { "Status" } th {} }
                        @for inv in view.invites {
                            tr {
                                td.mono { (view.base_url) "/invite/" (inv.code) }
                                td { (inv.uses) "/" (inv.max_uses) }
                                td {
                                    @if inv.revoked { "withdrawn" }
                                    @else if inv.uses >= inv.max_uses { "used" }
                                    @else if inv.expires_at.is_some_and(|t| t <= view.now) { "expired" }
                                    @else if let Some(t) = inv.expires_at { "until " (date(t)) }
                                    @else { "open" }
                                }
                                td {
                                    @if !inv.revoked && inv.uses < inv.max_uses {
                                        form method="post" action={ "/admin/invites/" (inv.code) "/revoke" } {
                                            (csrf_field(chrome))
                                            button.link type="submit" { "Withdraw" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if is_host {
                form.card #site method="post" action="/admin/site" {
                    (csrf_field(chrome))
                    h2 { "The camp" }
                    label for="site_name" { "Name" }
                    input #site_name type="text" name="site_name" value=(view.site.name) maxlength="60" required;
                    label for="member_cap" { "Member limit (at most 100)" }
                    input #member_cap type="number" name="member_cap" value=(view.site.member_cap.limit()) min="1" max="100";
                    label for="code_of_conduct" { "Code of conduct" }
                    textarea #code_of_conduct name="code_of_conduct" rows="6" { (view.site.code_of_conduct) }
                    p { button type="submit" { "Save" } }
                }
                section.card #address {
                    h2 { "Public address" }
                    @match view.address.name {
                        Some(name) => p { "People elsewhere reach this camp at " strong { "https://" (name) } "." }
                        None => p.hint { "This camp has no public address yet: only people on your home network reach it (as porchlight.local), and it does not talk to other servers." }
                    }
                    @if let Some(line) = &view.address.certificate { p #certificate-status { (line) } }
                    @if view.address.fixed {
                        p.hint { "The address is set in Porchlight's config file; change it there." }
                    } @else {
                        form #address-form method="post" action="/admin/address" {
                            (csrf_field(chrome))
                            label for="public-name" { "Public name (a domain you own)" }
                            input #public-name type="text" name="domain" value=(view.address.name.unwrap_or("")) placeholder="camp.example" maxlength="253" autocapitalize="none" spellcheck="false";
                            p.hint { "Point the name at your home's internet address and have your router forward ports 80 and 443 to this box. Porchlight then gets a certificate for it by itself and renews it. Other servers know the camp by this name, so change it only before you start following people elsewhere." }
                            p { button type="submit" { "Save and restart" } }
                        }
                    }
                }
                section.card #blocks {
                    h2 { "Other servers" }
                    @match view.federating_as {
                        Some(host) => p.hint { "This camp talks to the rest of the fediverse as " strong { (host) } ". Block a server to cut it off for everyone here." }
                        None => p.hint { "This camp does not talk to other servers yet: it needs a public address (above). Blocks you set now apply once it does." }
                    }
                    form #new-block method="post" action="/admin/blocks" {
                        (csrf_field(chrome))
                        label for="block-domain" { "Server (domain)" }
                        input #block-domain type="text" name="domain" placeholder="spam.example" required maxlength="260";
                        label for="block-level" { "What to do" }
                        select #block-level name="level" {
                            option value="suspend" { "Suspend: nothing in or out, follows dropped" }
                            option value="silence" { "Silence: hidden unless someone here follows them" }
                            option value="reject_media" { "Reject media: no pictures from there" }
                        }
                        label for="block-reason" { "Why " span.hint { "(members can read this)" } }
                        input #block-reason type="text" name="reason" maxlength="500";
                        p { button type="submit" { "Block" } }
                    }
                    @if !view.blocks.is_empty() {
                        table #block-list {
                            tr { th { "Server" } th { "Block" } th { "Why" } th {} }
                            @for (domain, level, reason) in view.blocks {
                                tr {
                                    td.mono { (domain) }
                                    td { (level) }
                                    td { (reason) }
                                    td {
                                        form method="post" action="/admin/blocks/remove" {
                                            (csrf_field(chrome))
                                            input type="hidden" name="domain" value=(domain);
                                            button.link type="submit" { "Unblock" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    details {
                        summary { "Share block lists with other servers" }
                        p { a href="/admin/blocks.csv" download="domain_blocks.csv" { "Download this camp's list" } " (Mastodon's domain_blocks.csv)." }
                        form #import-blocks method="post" action="/admin/blocks/import" {
                            (csrf_field(chrome))
                            label for="blocks-csv" { "Paste a domain_blocks.csv (or one domain per line)" }
                            textarea #blocks-csv name="csv" rows="5" {}
                            p { button type="submit" { "Import" } }
                        }
                    }
                }
                section.card {
                    h2 { "Roles" }
                    p.hint { "Moderators can remove posts and make invites. Co-hosts can do everything you can: have at least two, so the camp survives if one of you disappears." }
                    table {
                        @for m in view.members {
                            tr {
                                td { a href={ "/@" (m.username) } { "@" (m.username) } }
                                td {
                                    form method="post" action={ "/admin/members/" (m.id) "/role" } {
                                        (csrf_field(chrome))
                                        label.vh for={ "role-" (m.id) } { "Role of @" (m.username) }
                                        select id={ "role-" (m.id) } name="role" {
                                            @for r in [Role::Member, Role::Moderator, Role::Host] {
                                                option value=(r.as_str()) selected[r == m.role] { (match r { Role::Host => "co-host", Role::Moderator => "moderator", Role::Member => "member" }) }
                                            }
                                        }
                                        " " button.link type="submit" { "Set" }
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

pub fn error_page(chrome: &Chrome, status: u16, message: &str) -> Markup {
    let title = match status {
        400 | 422 => "That did not work",
        403 => "Not allowed",
        404 => "Not found",
        413 => "Too large",
        429 => "Slow down",
        507 => "The disk is full",
        _ => "Something went wrong",
    };
    layout(
        chrome,
        title,
        html! {
            h1 { (title) }
            div.error role="alert" { (message) }
            p { a href="/" { "Back to the start" } }
        },
    )
}
