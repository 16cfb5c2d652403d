//! A post's own pages: its thread, editing it, deleting it, and its edit history.

use maud::PreEscaped;
use maud::{Markup, html};
use porchlight_core::events::Answer;
use porchlight_core::views::{PostVersion, PostView};

use crate::timelines::{ComposeDraft, composer};
use crate::{Chrome, PostContext, csrf_field, date, error_box, layout, post_card};

/// A thread: the post it is about, what it answers, and its replies (each with its depth).
pub struct Thread<'a> {
    pub ancestors: &'a [PostView],
    pub focus: &'a PostView,
    /// For an event read by a member: who answered it, and how (members of this camp).
    pub answers: &'a [(String, Answer)],
    pub replies: &'a [(u32, PostView)],
}

pub fn thread(chrome: &Chrome, thread: &Thread, draft: Option<&ComposeDraft>, now: i64) -> Markup {
    let Thread {
        ancestors,
        focus,
        answers,
        replies,
    } = *thread;
    layout(
        chrome,
        &format!("Post by {}", focus.author.shown_name()),
        html! {
            h1.vh { "Post by " (focus.author.shown_name()) }
            @for post in ancestors {
                (post_card(chrome, post, PostContext { now, exact_time: true, ..Default::default() }))
            }
            (post_card(chrome, focus, PostContext { focus: true, now, exact_time: true, ..Default::default() }))
            @if !answers.is_empty() {
                section.card #answers {
                    h2 { "Who is coming" }
                    @for answer in Answer::ALL {
                        @let names: Vec<&str> = answers.iter().filter(|(_, a)| *a == answer).map(|(n, _)| n.as_str()).collect();
                        @if !names.is_empty() {
                            p {
                                strong { (answer.label()) " (" (names.len()) "): " }
                                @for (i, name) in names.iter().enumerate() {
                                    @if i > 0 { ", " }
                                    a href={ "/@" (name) } { "@" (name) }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(draft) = draft {
                (composer(chrome, draft))
            }
            @if !replies.is_empty() {
                h2 { "Replies" }
            }
            @for (depth, post) in replies {
                (post_card(chrome, post, PostContext { depth: *depth, now, exact_time: true, ..Default::default() }))
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

/// One picture of a post, as large as the screen allows, with its description and a link to
/// the picture as it was uploaded.
pub fn picture_page(chrome: &Chrome, post: &PostView, index: usize) -> Markup {
    let m = &post.media[index];
    let back = format!("/posts/{}", post.id);
    let title = format!("Picture {} of {}", index + 1, post.media.len());
    layout(
        chrome,
        &title,
        html! {
            h1 { (title) " · " (post.author.shown_name()) }
            figure.picture-view {
                @match &m.upload {
                    Some(u) => {
                        @let large = u.large_or_original();
                        img src={ "/files/" (large.file_name) } width=(large.width) height=(large.height)
                            alt=(if m.description.is_empty() { "A picture (no description)" } else { m.description.as_str() });
                        figcaption {
                            @if m.description.is_empty() { "No description was given." } @else { (m.description) }
                            " " a href={ "/files/" (u.file_name) } { "Full size (" (u.width) " × " (u.height) ")" }
                        }
                    }
                    None => {
                        // The large copy; its size reserved where the camp knows it.
                        @let size = m.copy_sizes().map(|s| s.large);
                        img src=(m.proxy) width=[size.map(|s| s.0)] height=[size.map(|s| s.1)]
                            alt=(if m.description.is_empty() { "A picture (no description)" } else { m.description.as_str() });
                        figcaption {
                            @if m.description.is_empty() { "No description was given." } @else { (m.description) }
                            " " a href=(m.url) rel="nofollow noopener noreferrer" { "Where it lives" }
                        }
                    }
                }
            }
            nav.picture-nav {
                @if index > 0 { a href={ (back) "/pictures/" (index) } { "← Previous" } " " }
                a href=(back) { "Back to the post" }
                @if index + 1 < post.media.len() { " " a href={ (back) "/pictures/" (index + 2) } { "Next →" } }
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
