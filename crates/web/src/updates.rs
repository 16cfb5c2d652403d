//! The host's page for updating the box: the version running, a release file to upload with
//! its progress, and how the last update ended (docs/UPDATES.md).

use maud::{Markup, html};

use crate::{Chrome, csrf_field, error_box, layout};

/// What the update in hand is doing.
pub enum UpdateWork<'a> {
    Idle,
    Checking,
    Writing { done: u64, total: u64 },
    Refused(&'a str),
    Restarting { version: &'a str },
}

/// How the last update ended, while the host has not said they saw it.
pub enum UpdateNews<'a> {
    Waiting {
        version: &'a str,
    },
    Trying {
        version: &'a str,
        back_to: &'a str,
    },
    Committed {
        version: &'a str,
    },
    FellBack {
        version: &'a str,
        back_on: &'a str,
        reason: &'a str,
        restored: bool,
    },
}

pub struct UpdateView<'a> {
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// Whether this is the box (updates from this page) or a Debian installation.
    pub on_the_box: bool,
    pub running: &'a str,
    pub key_fingerprint: Option<&'a str>,
    pub test_key: bool,
    pub work: UpdateWork<'a>,
    pub news: Option<UpdateNews<'a>>,
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

pub fn update(chrome: &Chrome, view: &UpdateView) -> Markup {
    let busy = matches!(
        view.work,
        UpdateWork::Checking | UpdateWork::Writing { .. } | UpdateWork::Restarting { .. }
    ) || matches!(
        view.news,
        Some(UpdateNews::Waiting { .. }) | Some(UpdateNews::Trying { .. })
    );
    layout(
        chrome,
        "Updating Porchlight",
        html! {
            h1 { "Updating Porchlight" }
            @if busy { meta http-equiv="refresh" content="3"; }
            p #running { "This box runs Porchlight " strong { (view.running) } "." }
            @if let Some(n) = view.notice { p.notice role="status" { (n) } }
            (error_box(view.error))
            @match &view.news {
                Some(UpdateNews::Committed { version }) => {
                    section.card.notice #update-news role="status" {
                        p { "Updated to Porchlight " strong { (version) } ". Everything is as it was." }
                        (dismiss(chrome))
                    }
                }
                Some(UpdateNews::FellBack { version, back_on, reason, restored }) => {
                    section.card.error #update-news role="alert" {
                        @if *restored {
                            p { "The new version (" (version) ") did not start; you are back on " strong { (back_on) } ", with the camp as it was just before the update." }
                            p.hint { "What happened: " (reason) "." }
                            p.hint { "The new version had changed the database in a way " (back_on) " cannot read, so the copy taken just before the update was put back. Anything written while the new version ran is in the database it left, kept beside it on the card (porchlight.db.from-" (version) "-…)." }
                        } @else {
                            p { "The new version (" (version) ") did not start; you are back on " strong { (back_on) } ", and nothing was lost." }
                            p.hint { "What happened: " (reason) "." }
                        }
                        (dismiss(chrome))
                    }
                }
                Some(UpdateNews::Waiting { version }) => {
                    p.notice #update-news role="status" { "Porchlight " (version) " is written; the box is restarting to try it." }
                }
                Some(UpdateNews::Trying { version, back_to }) => {
                    p.notice #update-news role="status" { "Porchlight " (version) " is on trial: the box keeps it once it has run well for a few minutes, and goes back to " (back_to) " otherwise." }
                }
                None => {}
            }
            @match &view.work {
                UpdateWork::Checking => { p.notice #update-work role="status" { "Checking the release file…" } }
                UpdateWork::Writing { done, total } => {
                    p.notice #update-work role="status" {
                        "Writing the new version: " (megabytes(*done)) " of " (megabytes(*total)) " MB "
                        progress value=(done) max=(total) {}
                    }
                }
                UpdateWork::Restarting { version } => {
                    p.notice #update-work role="status" { "Porchlight " (version) " is written. The box is restarting to try it; this page comes back in a few minutes." }
                }
                UpdateWork::Refused(why) => { p.error #update-work role="alert" { (why) } }
                UpdateWork::Idle => {}
            }
            @if view.on_the_box {
                form.card #update method="post" action="/admin/update" enctype="multipart/form-data" data-upload-progress="upload-progress" {
                    (csrf_field(chrome))
                    h2 { "Install a new version" }
                    p.hint { "Download the release file (porchlight-VERSION.release) from Porchlight's releases and send it here. The box checks that it is signed by Porchlight's release key and newer than what runs before it writes anything, keeps a copy of the camp, and restarts into it (a few minutes). If the new version does not start well, the box goes back to this one by itself." }
                    label for="release-file" { "The release file" }
                    input #release-file type="file" name="release" accept=".release,.zip" required;
                    progress #upload-progress hidden value="0" max="1" {}
                    p { button type="submit" disabled[busy] { "Install" } }
                    @if let Some(fingerprint) = view.key_fingerprint {
                        p.hint #release-key { "Release key: " code { (fingerprint) } }
                    }
                    @if view.test_key {
                        p.error #test-key { "This box takes releases signed with the test key that ships with Porchlight's source: it is a development build, not one to run a camp on." }
                    }
                }
            } @else {
                section.card #update {
                    h2 { "Install a new version" }
                    p { "This Porchlight runs from its Debian package: update it the way the computer's other software is updated (" code { "apt upgrade" } ", or " code { "dpkg -i porchlight_VERSION.deb" } "). The package keeps a copy of the camp first and goes back to the version before if the new one does not start." }
                }
            }
            p { a href="/admin" { "Back to the host's page" } }
        },
    )
}

fn dismiss(chrome: &Chrome) -> Markup {
    html! {
        form method="post" action="/admin/update/dismiss" {
            (csrf_field(chrome))
            button type="submit" { "OK" }
        }
    }
}
