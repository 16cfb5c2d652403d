//! A member's "Moving and your data" page: download their archive, bring one in (or one of
//! Mastodon's lists), name the accounts they are moving from, and move away.

use maud::{Markup, html};
use porchlight_core::views::{ArchiveJob, Member};

use crate::{Chrome, csrf_field, date_time, error_box, layout};

pub struct MovingView<'a> {
    pub me: &'a Member,
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// This account's own address elsewhere (its actor id), to name on the new account.
    pub address: &'a str,
    /// Its `@name@host`.
    pub handle: &'a str,
    pub exports: &'a [ArchiveJob],
    pub imports: &'a [ArchiveJob],
    /// The accounts it names as earlier ones of its own: (actor id, how it is shown).
    pub aliases: &'a [(String, String)],
    /// Where it moved, once it has: (link, how it is shown).
    pub moved_to: Option<(&'a str, &'a str)>,
    /// The lists an upload may be: (value, what it is).
    pub list_kinds: &'a [(&'static str, &'static str)],
    /// The largest file the page takes, in gigabytes.
    pub upload_limit_gb: usize,
    /// Whether the camp talks to other servers (moving needs it).
    pub federates: bool,
}

fn progress(job: &ArchiveJob) -> Markup {
    html! {
        @match job.state.as_str() {
            "queued" => { span.state { "waiting to start" } }
            "running" => {
                @if job.total > 0 {
                    progress value=(job.done) max=(job.total) { (job.done) " of " (job.total) }
                    " " span.state { (job.done) " of " (job.total) " posts" }
                } @else {
                    span.state { "working: " (job.done) " posts so far" }
                }
            }
            "failed" => { span.state.error { "did not finish" } }
            _ => { span.state { "done" } }
        }
    }
}

fn report(job: &ArchiveJob) -> Markup {
    html! {
        @if !job.report.is_empty() {
            details open[job.state == "failed"] {
                summary { "What it says" }
                p.pre { (job.report) }
            }
        }
    }
}

pub fn moving(chrome: &Chrome, view: &MovingView) -> Markup {
    let working = view
        .exports
        .iter()
        .chain(view.imports)
        .any(|j| !j.finished());
    layout(
        chrome,
        "Moving and your data",
        html! {
            h1 { "Moving and your data" }
            p.hint { "Your posts, pictures and people are yours: take them with you, bring them here, or move your account, whenever you like. Nobody needs to agree." }
            @if let Some(n) = view.notice { p.notice role="status" { (n) } }
            (error_box(view.error))
            @if working {
                // Progress is read again every few seconds while something is being made.
                meta http-equiv="refresh" content="5";
            }
            @if let Some((link, shown)) = view.moved_to {
                p.notice #moved { "This account has moved to " a href=(link) { (shown) } ". It stays readable here and takes no new posts." }
            }
            section.card #export {
                h2 { "Download your data" }
                p.hint { "A zip in Mastodon's format: your profile, every post of yours with who it was for, your pictures, what you favourited and bookmarked, and the lists of whom you follow, mute and block. Mastodon, other camps and most fediverse servers can read it." }
                form method="post" action="/settings/export" {
                    (csrf_field(chrome))
                    button type="submit" disabled[view.exports.iter().any(|j| !j.finished())] { "Make an archive" }
                }
                @if !view.exports.is_empty() {
                    ul.jobs #exports {
                        @for job in view.exports {
                            li {
                                "Asked for " (date_time(job.created_at)) ": " (progress(job))
                                @if job.state == "done" { " · " a href={ "/settings/export/" (job.id) } download { "Download" } }
                                (report(job))
                            }
                        }
                    }
                }
            }
            form.card #import method="post" action="/settings/import" enctype="multipart/form-data" {
                (csrf_field(chrome))
                h2 { "Bring your things here" }
                p.hint { "An archive from Mastodon, GoToSocial or another camp (a .zip), or one of Mastodon's lists (a .csv). Your posts keep their dates and who they were for, and show on your profile and in search; nobody is notified of them as new. Posts are brought in only from accounts you name below as yours." }
                label for="archive" { "The file " span.hint { "(up to " (view.upload_limit_gb) " GB)" } }
                input #archive type="file" name="archive" accept=".zip,.csv,application/zip,text/csv" required;
                label for="list" { "If it is a list, which one" }
                select #list name="list" {
                    option value="" { "It is an archive (.zip)" }
                    @for (value, label) in view.list_kinds {
                        option value=(value) { (label) }
                    }
                }
                p { button type="submit" { "Bring it in" } }
                @if !view.imports.is_empty() {
                    ul.jobs #imports {
                        @for job in view.imports {
                            li { "Sent " (date_time(job.created_at)) ": " (progress(job)) (report(job)) }
                        }
                    }
                }
            }
            section.card #aliases {
                h2 { "Accounts you are moving from" }
                p.hint { "Moving here from another account? Name it here first: then its server believes the move, your followers there follow you here, and its posts can be brought in. Your address to give there is " code { (view.handle) } "." }
                @if view.aliases.is_empty() {
                    p.hint { "None yet." }
                } @else {
                    ul #alias-list {
                        @for (uri, shown) in view.aliases {
                            li {
                                (shown)
                                form.inline method="post" action="/settings/aliases/remove" {
                                    (csrf_field(chrome))
                                    input type="hidden" name="uri" value=(uri);
                                    " " button.link type="submit" { "Remove" }
                                }
                            }
                        }
                    }
                }
                form method="post" action="/settings/aliases" {
                    (csrf_field(chrome))
                    label for="alias" { "Your other account's address" }
                    input #alias type="text" name="account" placeholder="@you@mastodon.example" required;
                    p { button type="submit" disabled[!view.federates] { "Add it" } }
                }
            }
            @if view.moved_to.is_none() {
                form.card #move method="post" action="/settings/move" {
                    (csrf_field(chrome))
                    h2 { "Move to another account" }
                    p.hint { "First, on the new account, name this one as an account you are moving from (" code { (view.address) } "). Then your followers, here and elsewhere, follow the new account; this one stays readable with a pointer there and takes no new posts. Download your data first to bring your posts along." }
                    label for="target" { "The new account's address" }
                    input #target type="text" name="target" placeholder="@you@newcamp.example" required;
                    label for="move-password" { "Your password" }
                    input #move-password type="password" name="password" autocomplete="current-password" required;
                    p { button.danger type="submit" disabled[!view.federates] { "Move my account" } }
                }
            }
            p { a href="/settings" { "Back to settings" } }
        },
    )
}
