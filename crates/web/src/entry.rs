//! Coming in: the front page for visitors, login, setup, the restart after a new name, a
//! host's recovery, and signing up with an invite.

use maud::{Markup, html};
use porchlight_core::views::{CampLook, Invite, Site};

use crate::{Chrome, csrf_field, error_box, layout};

/// The front page for visitors. `setup_here`: the camp has no host and this visitor may set it
/// up from here (on the box, from its home network). `recovery`: the token of a recovery link
/// the box's button just made, offered the same way. A camp with a host greets visitors with its
/// look: its header picture and the host's description.
pub fn landing(
    chrome: &Chrome,
    site: &Site,
    look: &CampLook,
    has_host: bool,
    members: u32,
    setup_here: bool,
    recovery: Option<&str>,
) -> Markup {
    layout(
        chrome,
        "Welcome",
        html! {
            @if let (true, Some(header)) = (has_host, &look.header) { img.header src=(header) alt="" width="1500" height="500"; }
            h1 { "Welcome to " (site.name) }
            @if has_host && !look.description.is_empty() { p.lead { (look.description) } }
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
                p { a.button href="/login" { "Log in" } " " a href="/local" { "See public posts" } " · " a href="/about" { "About the camp" } }
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
                p.hint #forgot { "Forgot your password? Ask your camp's host: they can make you a link to choose a new one." }
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
    /// Why a backup given to restore was refused.
    pub restore_error: Option<&'a str>,
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
            form.card #restore method="post" action={ "/setup/" (token) "/restore" } enctype="multipart/form-data" {
                (csrf_field(chrome))
                h2 { "Or restore a camp from a backup" }
                p.hint { "A new card for a camp that was already running? Give the backup you downloaded from the host's page (or one of the box's daily backups). Everything comes back as it was then: members, posts, pictures, settings." }
                (error_box(form.restore_error))
                label for="backup" { "The backup file" }
                input #backup type="file" name="backup" required;
                label for="passphrase" { "Its passphrase " span.hint { "(the one chosen when it was downloaded)" } }
                input #passphrase type="password" name="passphrase" autocomplete="off";
                p { button type="submit" { "Restore the camp" } }
            }
        },
    )
}

/// Shown while the camp starts again from a restored backup; opens the front page by itself.
pub fn restoring(chrome: &Chrome, restarts: bool) -> Markup {
    layout(
        chrome,
        "Restoring",
        html! {
            @if restarts { meta http-equiv="refresh" content="8; url=/login"; }
            h1 { "Restoring your camp" }
            p role="status" {
                "The backup is checked and sound. "
                @if restarts {
                    "Porchlight is starting again with it; in a few seconds, log in with your account as it was."
                } @else {
                    "Start Porchlight again to finish: it puts the backup in place as it starts."
                }
            }
            p { a href="/login" { "Log in" } }
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
