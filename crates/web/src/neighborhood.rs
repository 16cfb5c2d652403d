//! The host's neighborhood page: the camps in it, the proposals with their buttons, the form to
//! propose a camp, and what the host was told (docs/NEIGHBORHOODS.md).

use maud::{Markup, html};
use porchlight_core::views::NeighborhoodView;

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

pub fn host_page(chrome: &Chrome, view: &NeighborhoodView, page: PageState) -> Markup {
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
                            @if page.is_host {
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
