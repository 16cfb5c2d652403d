//! The host's page.

use maud::{Markup, html};
use porchlight_core::audience::Role;
use porchlight_core::views::{Invite, InviteState, Member, Site};

use crate::{Chrome, csrf_field, date, error_box, layout};

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
    /// The camp's custom emoji: (shortcode, where its picture is).
    pub emojis: &'a [(String, String)],
    /// Reports waiting for a host or moderator.
    pub open_reports: u32,
    /// The announcements shown now: (id, text, when).
    pub announcements: &'a [(i64, String, i64)],
    /// Who joined in the last week, and who used the camp in the last day.
    pub joined_this_week: &'a [Member],
    pub active_today: &'a [Member],
    /// The camp's accent, header, description and about page.
    pub look: &'a porchlight_core::views::CampLook,
    /// The camp's time zone.
    pub zone: &'a str,
    /// Whether visitors may read the Fediverse timeline.
    pub fediverse_for_visitors: bool,
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
            section.card #people {
                h2 { "Looking after people" }
                p #report-count {
                    a href="/admin/reports" {
                        @match view.open_reports {
                            0 => "No open reports",
                            1 => "1 open report",
                            n => { (n) " open reports" }
                        }
                    }
                    " · " a href="/admin/log" { "Moderation log" }
                }
                @let hosts: Vec<_> = view.members.iter().filter(|m| m.role == Role::Host).collect();
                @let moderators: Vec<_> = view.members.iter().filter(|m| m.role == Role::Moderator).collect();
                h3 { "Who can run the camp" }
                p #runners {
                    "Hosts: " @for (i, m) in hosts.iter().enumerate() { @if i > 0 { ", " } "@" (m.username) }
                    @if !moderators.is_empty() {
                        ". Moderators: " @for (i, m) in moderators.iter().enumerate() { @if i > 0 { ", " } "@" (m.username) }
                    }
                    "."
                }
                @if hosts.len() <= 1 {
                    p.warning #one-host { "The camp has only one host. If you lose your password or disappear, nobody can run it: make someone you trust a co-host below." }
                }
                @if !view.joined_this_week.is_empty() {
                    h3 { "New this week" }
                    p #joined {
                        @for (i, m) in view.joined_this_week.iter().enumerate() {
                            @if i > 0 { ", " }
                            a href={ "/admin/members/" (m.id) } { "@" (m.username) }
                            @if m.introduction.is_empty() { " (not introduced yet)" }
                        }
                    }
                }
                h3 { "Here in the last day" }
                p #active {
                    @if view.active_today.is_empty() { "Nobody yet today." }
                    @for (i, m) in view.active_today.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/@" (m.username) } { "@" (m.username) }
                    }
                }
                h3 #members { "Members" }
                table #member-list {
                    @for m in view.members {
                        tr {
                            td { a href={ "/admin/members/" (m.id) } { "@" (m.username) } }
                            td { (match m.role { Role::Host => "host", Role::Moderator => "moderator", Role::Member => "" }) }
                            td { @if m.suspended_at.is_some() { strong { "suspended" } } }
                        }
                    }
                }
                p.hint { "Open a member to introduce them to the camp, make a password reset link, write a private note, write to them, suspend or remove them." }
            }
            section.card #announcements {
                h2 { "Announce something" }
                p.hint { "An announcement stays at the top of every page until each camper dismisses it; apps show it too." }
                form #new-announcement method="post" action="/admin/announcements" {
                    (csrf_field(chrome))
                    label for="announcement-text" { "What everyone should know" }
                    textarea #announcement-text name="text" rows="3" maxlength="1000" required {}
                    p { button type="submit" { "Announce" } }
                }
                @if !view.announcements.is_empty() {
                    ul #announcement-list {
                        @for (id, text, at) in view.announcements {
                            li {
                                (text) " " span.meta { "· " (date(*at)) }
                                form.inline method="post" action={ "/admin/announcements/" (id) "/withdraw" } {
                                    (csrf_field(chrome))
                                    " " button.link type="submit" { "Withdraw" }
                                }
                            }
                        }
                    }
                }
            }
            section.card {
                h2 #invites { "Invite someone" }
                @if let Some(link) = view.new_invite_link {
                    div.notice {
                        (crate::copy_field("invite-link", "Your new invite link — copy it and send it to your friend:", link))
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
                        tr { th { "Link" } th { "Used" } th { "Status" } th { span.vh { "Withdraw" } } }
                        @for inv in view.invites {
                            tr {
                                @let link = format!("{}/invite/{}", view.base_url, inv.code);
                                @let state = inv.state(view.now);
                                td.mono {
                                    @if state == InviteState::Open {
                                        // Still usable: ready to copy again for the next friend.
                                        div.copy-row {
                                            input id={ "invite-" (inv.code) } type="text" readonly value=(link) aria-label="Invite link";
                                            button.copy type="button" data-copy={ "invite-" (inv.code) } hidden { "Copy" }
                                        }
                                    } @else {
                                        (link)
                                    }
                                }
                                td { (inv.uses) "/" (inv.max_uses) }
                                td {
                                    @match (state, inv.expires_at) {
                                        (InviteState::Withdrawn, _) => "withdrawn",
                                        (InviteState::Used, _) => "used",
                                        (InviteState::Expired, _) => "expired",
                                        (InviteState::Open, Some(t)) => { "until " (date(t)) }
                                        (InviteState::Open, None) => "open",
                                    }
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
                    p.hint { "One rule per line: they are numbered, shown to apps, and named in reports. When you change them, every member is asked to read them and agree again." }
                    label for="coc-change" { "What changed " span.hint { "(shown to members with the new rules)" } }
                    input #coc-change type="text" name="code_of_conduct_change" maxlength="500" placeholder="Added rule 3: ask before posting photos of others.";
                    p { button type="submit" { "Save" } }
                }
                form.card #look method="post" action="/admin/look" enctype="multipart/form-data" {
                    (csrf_field(chrome))
                    h2 { "The camp's look" }
                    @if let Some(header) = &view.look.header { img.header src=(header) alt="The camp's header" width="1500" height="500"; }
                    label for="accent" { "Accent colour " span.hint { "(buttons, links and the top bar; pages darken or lighten it just enough for text to stay readable)" } }
                    input #accent type="color" name="accent" value=(if view.look.accent.is_empty() { porchlight_core::look::DEFAULT_ACCENT } else { view.look.accent.as_str() });
                    label for="camp-header" { "Header picture " span.hint { "(a wide band, three times as wide as it is high; shown to visitors and apps)" } }
                    input #camp-header type="file" name="header" accept="image/jpeg,image/png";
                    label for="description" { "Short description " span.hint { "(one or two sentences for visitors, apps and other servers)" } }
                    textarea #description name="description" rows="2" maxlength=(porchlight_core::look::MAX_DESCRIPTION) { (view.look.description) }
                    label for="time-zone" { "Time zone " span.hint { "(events are planned in it when a browser does not say its own)" } }
                    select #time-zone name="time_zone" {
                        @for name in porchlight_core::events::zone_names() {
                            option value=(name) selected[name == view.zone] { (name) }
                        }
                    }
                    label for="about" { "About page " span.hint { "(who you are, what the camp is for; shown at " a href="/about" { "/about" } ")" } }
                    textarea #about name="about" rows="6" maxlength=(porchlight_core::look::MAX_ABOUT) { (view.look.about) }
                    p {
                        button type="submit" { "Save the look" }
                        @if view.look.header.is_some() { " " button type="submit" name="remove_header" value="1" { "Remove the header" } }
                    }
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
                form.card #backup method="post" action="/admin/backup" {
                    (csrf_field(chrome))
                    h2 { "A backup to keep somewhere else" }
                    p.hint { "The box makes a backup on its card every day; if the card dies, so do they. Download one now and then and keep it on your computer: a new card's setup page restores it. It is sealed with a passphrase you choose, so a lost file is not a leaked camp; without the passphrase nobody can open it, not even you." }
                    label for="backup-passphrase" { "Passphrase " span.hint { "(at least 10 characters; write it down)" } }
                    input #backup-passphrase type="password" name="passphrase" autocomplete="new-password" minlength="10" required;
                    label for="backup-passphrase-again" { "The passphrase again" }
                    input #backup-passphrase-again type="password" name="again" autocomplete="new-password" minlength="10" required;
                    p { button type="submit" { "Download a sealed backup" } }
                }
                section.card #updates-link {
                    h2 { "Updates" }
                    p.hint { "Install a new version of Porchlight; the box goes back to the one before by itself if the new one does not start well." }
                    p { a href="/admin/update" { "Updating Porchlight" } }
                }
                section.card #camp-2-link {
                    h2 { "Camp 2" }
                    p.hint { "Part of the camp wants to start a camp of its own? Bundle everything of the members who want to go, for the new camp's host to bring in; or bring in a bundle from another camp." }
                    p { a href="/admin/fork" { "Camp 2: bundles out and in" } }
                }
                section.card #neighborhood-link {
                    h2 { "Neighborhood" }
                    p.hint { "A few camps whose hosts approve each other share Neighborhood posts that nobody else sees." }
                    p { a href="/admin/neighborhood" { "Neighbors and proposals" } }
                }
                section.card #blocks {
                    h2 { "Other servers" }
                    @match view.federating_as {
                        Some(host) => p.hint { "This camp talks to the rest of the fediverse as " strong { (host) } ". Block a server to cut it off for everyone here." }
                        None => p.hint { "This camp does not talk to other servers yet: it needs a public address (above). Blocks you set now apply once it does." }
                    }
                    @if is_host {
                        form #fediverse-visitors method="post" action="/admin/fediverse-visitors" {
                            (csrf_field(chrome))
                            label.inline {
                                input type="checkbox" name="open" value="1" checked[view.fediverse_for_visitors];
                                " Let visitors read the Fediverse timeline"
                            }
                            " " button.secondary type="submit" { "Save" }
                            p.hint { "Off, people who are not logged in see only the camp's own public posts in its timelines (the Fediverse and hashtag pages, and apps' public and hashtag timelines); members always see both." }
                        }
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
                            tr { th { "Server" } th { "Block" } th { "Why" } th { span.vh { "Unblock" } } }
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
                section.card #emoji {
                    h2 { "Camp emoji" }
                    p.hint { "Little pictures everyone here can use in posts by their shortcode, like :campfire:. Other servers show them too." }
                    @if !view.emojis.is_empty() {
                        ul.emoji-list {
                            @for (code, path) in view.emojis {
                                li {
                                    img.emoji src=(path) alt={ ":" (code) ":" } width="20" height="20";
                                    " " code { ":" (code) ":" } " "
                                    form.inline method="post" action={ "/admin/emoji/" (code) "/remove" } {
                                        (csrf_field(chrome))
                                        button.link type="submit" aria-label={ "Remove :" (code) ":" } { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                    form #new-emoji method="post" action="/admin/emoji" enctype="multipart/form-data" {
                        (csrf_field(chrome))
                        label for="emoji-code" { "Shortcode " span.hint { "(letters, digits and _, like campfire)" } }
                        input #emoji-code type="text" name="shortcode" required maxlength=(porchlight_core::emoji::MAX_SHORTCODE) pattern="[A-Za-z0-9_:]+";
                        label for="emoji-picture" { "Picture " span.hint { "(PNG, GIF or WebP, square, up to 256 KB)" } }
                        input #emoji-picture type="file" name="picture" accept="image/png,image/gif,image/webp,image/jpeg" required;
                        p { button type="submit" { "Add emoji" } }
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
