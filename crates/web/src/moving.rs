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

/// The host's Camp 2 page.
pub struct ForkView<'a> {
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// Who wants to go along (usernames).
    pub going: &'a [String],
    /// The bundles made here, and those brought in.
    pub bundles: &'a [ArchiveJob],
    pub imports: &'a [ArchiveJob],
}

pub fn fork(chrome: &Chrome, view: &ForkView) -> Markup {
    let working = view
        .bundles
        .iter()
        .chain(view.imports)
        .any(|j| !j.finished());
    layout(
        chrome,
        "Camp 2",
        html! {
            h1 { "Camp 2" }
            p.hint { "When part of a camp wants a camp of its own, nobody has to stay. The members who want to go take everything of theirs along; the two camps can stay neighbors." }
            @if let Some(n) = view.notice { p.notice role="status" { (n) } }
            (error_box(view.error))
            @if working { meta http-equiv="refresh" content="5"; }
            section.card #bundle {
                h2 { "A bundle for the new camp" }
                p.hint { "Each member who wants to go says so on their own \"Moving and your data\" page; nobody is bundled without it. The bundle holds each one's posts (not their direct messages), pictures, lists and whom they follow, and nothing of anyone else's. Give it to the new camp's host." }
                @if view.going.is_empty() {
                    p #going { "Nobody has said they want to go yet." }
                } @else {
                    p #going { (view.going.len()) " want to go: " (view.going.iter().map(|n| format!("@{n}")).collect::<Vec<_>>().join(", ")) }
                }
                form method="post" action="/admin/fork" {
                    (csrf_field(chrome))
                    button type="submit" disabled[view.going.is_empty() || view.bundles.iter().any(|j| !j.finished())] { "Make the bundle" }
                }
                @if !view.bundles.is_empty() {
                    ul.jobs #bundles {
                        @for job in view.bundles {
                            li {
                                "Asked for " (date_time(job.created_at)) ": " (progress(job, "members"))
                                @if job.state == "done" { " · " a href={ "/admin/fork/" (job.id) } download { "Download" } }
                                (report(job))
                            }
                        }
                    }
                }
            }
            form.card #bring-in method="post" action="/admin/fork/import" enctype="multipart/form-data" {
                (csrf_field(chrome))
                h2 { "Bring in a bundle from another camp" }
                p.hint { "Every member in it gets an account here with their posts and lists, and their follows of each other; you get a link for each to choose a password. Then each moves their old account here from its own page, and their followers come along. To stay neighbors with the old camp, propose it on the " a href="/admin/neighborhood" { "neighborhood page" } "." }
                label for="bundle-file" { "The bundle (.zip)" }
                input #bundle-file type="file" name="bundle" accept=".zip,application/zip" required;
                p { button type="submit" { "Bring it in" } }
                @if !view.imports.is_empty() {
                    ul.jobs #fork-imports {
                        @for job in view.imports {
                            li { "Sent " (date_time(job.created_at)) ": " (progress(job, "members")) (report(job)) }
                        }
                    }
                }
            }
            p { a href="/admin" { "Back to the host's page" } }
        },
    )
}

fn progress(job: &ArchiveJob, what: &str) -> Markup {
    html! {
        @match job.state.as_str() {
            "queued" => { span.state { "waiting to start" } }
            "running" => {
                @if job.total > 0 {
                    progress value=(job.done) max=(job.total) { (job.done) " of " (job.total) }
                    " " span.state { (job.done) " of " (job.total) " " (what) }
                } @else {
                    span.state { "working: " (job.done) " " (what) " so far" }
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
                                "Asked for " (date_time(job.created_at)) ": " (progress(job, "posts"))
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
                            li { "Sent " (date_time(job.created_at)) ": " (progress(job, "posts")) (report(job)) }
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
            form.card #camp-2 method="post" action="/settings/fork-consent" {
                (csrf_field(chrome))
                h2 { "If the camp forks" }
                p.hint { "Sometimes part of a camp starts a Camp 2. If the hosts make one, they can bundle everything of the members who want to go, so that Camp 2 starts with them, their posts and their follows of each other. The bundle holds your posts (not your direct messages), your pictures, and whom you follow and put on lists; not your bookmarks, nor whom you mute or block. Only you can say you want to go; you can change your mind until the bundle is made." }
                label { input type="checkbox" name="wants" value="on" checked[view.me.fork_consent]; " I want to go along to a Camp 2" }
                p { button type="submit" { "Save" } }
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
