//! The host's neighborhood page: the camps in it, the proposals with their buttons, the form to
//! propose a camp, and what the host was told (docs/NEIGHBORHOODS.md).

use maud::{Markup, html};
use porchlight_core::views::{NeighborhoodView, SharedBlocksView};

use crate::{Chrome, csrf_field, error_box, layout, relative_time};

/// What the page says besides the neighborhood itself.
pub struct PageState<'a> {
    pub error: Option<&'a str>,
    /// What the last change did (after a form).
    pub notice: Option<&'a str>,
    /// Only hosts act for the camp; moderators read.
    pub is_host: bool,
    pub federating: bool,
    pub now: i64,
}

fn state_words(state: &str) -> &'static str {
    match state {
        "open" => "Waiting",
        "done" => "Done",
        "declined" => "Declined",
        "withdrawn" => "Withdrawn",
        _ => "Void (the neighborhood changed first)",
    }
}

fn mode_words(mode: &str) -> &'static str {
    match mode {
        "apply" => "Apply them at once",
        "review" => "Let me review each",
        _ => "Ignore them",
    }
}

fn mode_select(id: &str, current: &str) -> Markup {
    html! {
        select id=(id) name="mode" {
            @for mode in ["apply", "review", "ignore"] {
                option value=(mode) selected[mode == current] { (mode_words(mode)) }
            }
        }
    }
}

/// Block lists: what this camp shares, whose lists it reads and how, and the review queue.
fn shared_blocks(chrome: &Chrome, blocks: &SharedBlocksView, page: &PageState) -> Markup {
    html! {
        section.card #shared-blocks {
            h2 { "Shared block lists" }
            p.hint { "Neighbors share the servers they block. For each neighbor, and for any list you subscribe to by its address, choose whether its blocks apply here at once or wait for your review. A block that would cut off a neighbor camp or this camp is never applied, and you are told of every change." }
            @if !blocks.pending.is_empty() {
                h3 { "Waiting for your review" }
                ul.review {
                    @for (i, (source, domain, level, reason)) in blocks.pending.iter().enumerate() {
                        li {
                            strong { (source) } " would " (level) " " strong { (domain) }
                            @if !reason.is_empty() { span.hint { " — " (reason) } }
                            @if page.is_host {
                                form.inline method="post" action="/admin/neighborhood/blocks/review" {
                                    (csrf_field(chrome))
                                    input type="hidden" name="source" value=(source);
                                    input type="hidden" name="domain" value=(domain);
                                    " "
                                    button type="submit" name="decision" value="apply" aria-label={ "Apply the block of " (domain) " " (i + 1) } { "Apply" }
                                    " "
                                    button.secondary type="submit" name="decision" value="dismiss" aria-label={ "Dismiss the block of " (domain) " " (i + 1) } { "Dismiss" }
                                }
                            }
                        }
                    }
                }
            }
            @if !blocks.sources.is_empty() {
                h3 { "Lists this camp reads" }
                @for (i, source) in blocks.sources.iter().enumerate() {
                    div.source {
                        p {
                            strong { (source.source) }
                            span.hint {
                                @if source.is_list { " · a list" } @else { " · a neighbor" }
                                @if let Some(t) = source.checked_at { " · read " (relative_time(t, page.now)) }
                                @if !source.status.is_empty() { " · " (source.status) }
                            }
                        }
                        @if page.is_host {
                            form.inline method="post" action="/admin/neighborhood/blocks/mode" {
                                (csrf_field(chrome))
                                input type="hidden" name="source" value=(source.source);
                                label.vh for={ "mode-" (i) } { "What to do with the blocks of " (source.source) }
                                (mode_select(&format!("mode-{i}"), source.mode))
                                " " button.secondary type="submit" { "Save" }
                            }
                            @if source.is_list {
                                form.inline method="post" action="/admin/neighborhood/blocks/unsubscribe" {
                                    (csrf_field(chrome))
                                    input type="hidden" name="source" value=(source.source);
                                    " " button.link type="submit" { "Stop reading it" }
                                }
                            }
                        }
                    }
                }
            }
            @if page.is_host && page.federating {
                form #subscribe method="post" action="/admin/neighborhood/blocks/subscribe" {
                    (csrf_field(chrome))
                    h3 { "Subscribe to a list" }
                    label for="list-url" { "The list's address " span.hint { "(a domain_blocks.csv, read daily)" } }
                    input #list-url type="url" name="url" required placeholder="https://example.org/domain_blocks.csv";
                    label for="list-mode" { "Its blocks" }
                    (mode_select("list-mode", "review"))
                    p { button type="submit" { "Subscribe" } }
                }
                form #share-reasons method="post" action="/admin/neighborhood/blocks/reasons" {
                    (csrf_field(chrome))
                    label.inline {
                        input type="checkbox" name="share" value="1" checked[blocks.share_reasons];
                        " Share the reasons of this camp's blocks with its neighbors"
                    }
                    " " button.secondary type="submit" { "Save" }
                }
            }
        }
    }
}

pub fn host_page(
    chrome: &Chrome,
    view: &NeighborhoodView,
    blocks: &SharedBlocksView,
    page: PageState,
) -> Markup {
    let body = html! {
        h1 { "Neighborhood" }
        p.hint {
            "A neighborhood is a few camps whose hosts approved each other. Their members see each other's "
            strong { "Neighborhood" } " posts, which go to nobody else. A camp joins only when every camp in it approves, and any camp may leave at any time."
        }
        (error_box(page.error))
        @if let Some(notice) = page.notice {
            p.notice role="status" { (notice) }
        }
        @if !page.federating {
            p.notice { "This camp does not talk to other servers yet: it needs a public address (on the host's page) before it can have neighbors." }
        }
        section.card #camps {
            h2 { "The camps" }
            @if view.in_one {
                ul {
                    li { strong { (view.me) } " (this camp)" }
                    @for camp in &view.camps {
                        li {
                            strong { (camp.host) }
                            span.hint { " · neighbor since " (relative_time(camp.joined_at, page.now)) }
                            @if let Some(days) = camp.quiet_days {
                                " " span.badge { "not heard from in " (days) " days" }
                            }
                            // With one neighbor, asking it to leave is leaving: the button
                            // below says so plainly.
                            @if page.is_host && view.camps.len() > 1 {
                                form.inline method="post" action="/admin/neighborhood/ask-to-leave" {
                                    (csrf_field(chrome))
                                    input type="hidden" name="camp" value=(camp.host);
                                    " " button.link type="submit" { "Propose asking it to leave" }
                                }
                            }
                        }
                    }
                }
                @if page.is_host {
                    form method="post" action="/admin/neighborhood/leave" {
                        (csrf_field(chrome))
                        p.hint { "Leaving needs nobody's approval. The neighbors' posts are removed from here, and this camp's neighborhood posts from theirs." }
                        button.danger type="submit" { "Leave the neighborhood" }
                    }
                }
            } @else {
                p { "This camp is not in a neighborhood." }
            }
        }
        @if page.is_host && page.federating {
            form.card #propose method="post" action="/admin/neighborhood/propose" {
                (csrf_field(chrome))
                h2 { "Propose a camp" }
                label for="address" { "The camp's address " span.hint { "(like camp.example)" } }
                input #address type="text" name="address" required placeholder="camp.example" autocomplete="off" autocapitalize="none";
                p.hint { "Its host is asked, and so is every camp already in the neighborhood." }
                p { button type="submit" { "Propose" } }
            }
        }
        section.card #proposals {
            h2 { "Proposals" }
            @if view.proposals.is_empty() {
                p.hint { "None yet." }
            }
            @for p in &view.proposals {
                article.proposal {
                    p { (p.what) }
                    p.hint {
                        (state_words(p.state))
                        @if let Some(by) = &p.declined_by { " by " (by) }
                        @if p.state == "open" && !p.waiting_for.is_empty() {
                            " for " (p.waiting_for.join(", "))
                        }
                        " · " (relative_time(p.updated_at, page.now))
                    }
                    @if page.is_host && p.may_approve {
                        form.inline method="post" action="/admin/neighborhood/answer" {
                            (csrf_field(chrome))
                            input type="hidden" name="proposal" value=(p.id);
                            button type="submit" name="answer" value="approve" { "Approve" }
                            " "
                            button.secondary type="submit" name="answer" value="decline" { "Decline" }
                        }
                    }
                    @if page.is_host && p.may_withdraw {
                        form.inline method="post" action="/admin/neighborhood/withdraw" {
                            (csrf_field(chrome))
                            input type="hidden" name="proposal" value=(p.id);
                            button.link type="submit" { "Withdraw" }
                        }
                    }
                }
            }
        }
        (shared_blocks(chrome, blocks, &page))
        @if !view.log.is_empty() {
            section.card #told {
                h2 { "What happened" }
                ul {
                    @for (at, said) in &view.log {
                        li { (said) span.hint { " · " (relative_time(*at, page.now)) } }
                    }
                }
            }
        }
    };
    layout(chrome, "Neighborhood", body)
}
