//! One post as a card, with the buttons its viewer may use.

use maud::{Markup, PreEscaped, html};
use porchlight_core::audience::{self, Action, Audience};
use porchlight_core::views::{Poll, PostView};

use crate::{Chrome, iso_time, relative_time};

/// How a card is shown.
#[derive(Clone, Copy, Debug, Default)]
pub struct PostContext {
    /// The post a thread page is about.
    pub focus: bool,
    /// Indentation in a thread.
    pub depth: u32,
    /// Says exactly when, as a thread page does for every post in it (lists say how long ago).
    pub exact_time: bool,
    pub now: i64,
}

fn audience_badge(audience: Audience) -> &'static str {
    audience.label()
}

pub fn post_card(chrome: &Chrome, post: &PostView, ctx: PostContext) -> Markup {
    let signed_in = chrome.me.is_some();
    let can_delete = chrome
        .me
        .is_some_and(|me| audience::can_delete(post.audience, post.viewer, Some(me.role)));
    let link = format!("/posts/{}", post.id);
    let class = match (ctx.focus, ctx.depth) {
        (true, _) => "post focus".to_string(),
        (false, 0) => "post".to_string(),
        // Replies indent with their depth, up to a point where a phone still has room to read.
        (false, depth) => format!("post reply-depth d{}", depth.min(5)),
    };
    // Custom emoji show as their pictures (this camp's copies), in the text only.
    let html = crate::html_with_emojis(&post.html, &post.emojis);
    html! {
        article class=(class) data-id=(post.id) aria-label={ "Post by " (post.author.shown_name()) } {
            @if let Some(booster) = &post.boosted_by {
                p.boosted-by { "↻ " a href={ "/@" (booster.handle()) } { (crate::with_emojis(booster.shown_name(), &booster.emojis)) } " boosted" }
            }
            div.post-head {
                a.name href={ "/@" (post.author.handle()) } {
                    (crate::avatar(Some(&post.author.avatar_proxy), &post.author.handle()))
                    (crate::with_emojis(post.author.shown_name(), &post.author.emojis))
                }
                span.handle { "@" (post.author.handle()) }
                span.audience title="Who can see this" { (audience_badge(post.audience)) }
                a.when href=(link) {
                    @if ctx.focus || ctx.exact_time {
                        time.local datetime=(iso_time(post.created_at)) { (crate::date_time(post.created_at)) }
                    } @else {
                        time datetime=(iso_time(post.created_at)) { (relative_time(post.created_at, ctx.now)) }
                    }
                }
                @if post.imported {
                    span.imported.hint title="Brought in from an archive of an earlier account" { " · from an earlier account" }
                }
                @if let Some(url) = &post.remote_url {
                    a.origin href=(url) rel="nofollow noopener noreferrer" title="Read it on its own server" { "↗" }
                }
            }
            @if let Some(parent) = post.in_reply_to {
                p.meta {
                    a href={ "/posts/" (parent) } {
                        @match &post.replying_to_handle {
                            Some(handle) => { "↳ in reply to " strong { "@" (handle) } }
                            None => "↳ in reply to an earlier post",
                        }
                    }
                }
            }
            @if let Some(event) = &post.event {
                (event_block(chrome, post, event))
            } @else if post.content_warning.is_empty() {
                div.content lang=[post.language.as_deref()] { (PreEscaped(&html)) }
            } @else {
                details.cw {
                    summary { "CW: " (post.content_warning) }
                    div.content lang=[post.language.as_deref()] { (PreEscaped(&html)) }
                }
            }
            @if !post.media.is_empty() {
                // Pictures someone marked sensitive (or put under a warning) wait to be opened.
                @if post.is_sensitive() {
                    details.sensitive-media {
                        summary { "Sensitive media: show" }
                        (media_block(post, &link))
                    }
                } @else {
                    (media_block(post, &link))
                }
            }
            @if let Some(card) = &post.card {
                a.link-card href=(card.url) rel="nofollow noopener noreferrer" {
                    @if !card.image_proxy.is_empty() {
                        // A thumbnail (the style sheet's size): the camp's small copy is plenty.
                        img src={ (card.image_proxy) "/small" } width="96" height="72" alt="" loading="lazy" decoding="async";
                    }
                    span.link-text {
                        strong { (card.title) }
                        @if !card.description.is_empty() { span.link-description { (card.description) } }
                        small { (card.site) }
                    }
                }
            }
            @if let Some(poll) = &post.poll {
                (poll_block(chrome, post, poll, ctx.now))
            }
            @if post.edited_at.is_some() {
                p.meta { a href={ (link) "/history" } { "edited" } }
            }
            // One form per post: the token and the way back are sent once, and each button says
            // where it goes (this keeps a timeline page small).
            form.actions method="post" action={ (link) "/favourite" } {
                @if signed_in {
                    (chrome.form_fields())
                }
                // Each button shows an icon (drawn by the style sheet, silent to screen
                // readers) and its count; its name is in words.
                @if signed_in && post.may(Action::Reply) {
                    a.reply href={ (link) "#reply" } { span.vh { "Reply" } @if post.reply_count > 0 { " " (post.reply_count) } }
                } @else if post.reply_count > 0 {
                    a.reply href=(link) { span.vh { "Replies" } " " (post.reply_count) }
                }
                @if signed_in && post.boosted {
                    button.unboost type="submit" formaction={ (link) "/unboost" } aria-pressed="true" { span.vh { "Boosted" } " " (post.boost_count) }
                } @else if signed_in && post.may(Action::Boost) {
                    button.boost type="submit" formaction={ (link) "/boost" } aria-pressed="false" { span.vh { "Boost" } @if post.boost_count > 0 { " " (post.boost_count) } }
                }
                @if signed_in && post.favourited {
                    button.unfavourite type="submit" formaction={ (link) "/unfavourite" } aria-pressed="true" { span.vh { "Favourited" } " " (post.favourite_count) }
                } @else if signed_in && post.may(Action::Favourite) {
                    button.favourite type="submit" formaction={ (link) "/favourite" } aria-pressed="false" { span.vh { "Favourite" } @if post.favourite_count > 0 { " " (post.favourite_count) } }
                }
                @if signed_in && post.bookmarked {
                    button.unbookmark type="submit" formaction={ (link) "/unbookmark" } aria-pressed="true" { span.vh { "Bookmarked" } }
                } @else if signed_in && post.may(Action::Bookmark) {
                    button.bookmark type="submit" formaction={ (link) "/bookmark" } aria-pressed="false" { span.vh { "Bookmark" } }
                }
                // What is done less often waits behind "…".
                @if signed_in {
                    details.more {
                        summary { span.vh { "More" } }
                        div.more-menu {
                            @if post.viewer.is_author {
                                // An event is changed through its own form.
                                a.edit href={ (link) @if post.event.is_some() { "/event" } @else { "/edit" } } { "Edit" }
                            }
                            @if can_delete {
                                a.delete href={ (link) "/delete" } { "Delete" }
                            }
                            @if signed_in && !post.viewer.is_author {
                                a.report href={ (link) "/report" } { "Report" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// When a poll ends, in words ("ends in 3 hours", "ended").
fn poll_time(poll: &Poll, now: i64) -> String {
    match poll.expires_at {
        _ if poll.ended => "ended".into(),
        None => "open".into(),
        Some(t) => {
            let left = (t - now).max(0);
            let (n, unit) = match left {
                l if l < 3600 => ((l + 59) / 60, "minute"),
                l if l < 86400 => ((l + 1799) / 3600, "hour"),
                l => ((l + 43199) / 86400, "day"),
            };
            format!("ends in {n} {unit}{}", if n == 1 { "" } else { "s" })
        }
    }
}

/// A poll: a ballot for a member who may still vote, otherwise the results (with what the
/// viewer chose marked).
fn poll_block(chrome: &Chrome, post: &PostView, poll: &Poll, now: i64) -> Markup {
    let may_vote =
        chrome.me.is_some() && !post.viewer.is_author && poll.own_votes.is_empty() && !poll.ended;
    let votes = poll.votes();
    let shares = porchlight_core::polls::percentages(
        &poll.options.iter().map(|(_, v)| *v).collect::<Vec<_>>(),
    );
    let people = if poll.voters == 1 { "person" } else { "people" };
    let footer = format!("{} {people} voted · {}", poll.voters, poll_time(poll, now));
    html! {
        @if may_vote {
            form.poll method="post" action={ "/posts/" (post.id) "/vote" } {
                (chrome.form_fields())
                fieldset {
                    legend.vh { "Vote" }
                    @for (i, (title, _)) in poll.options.iter().enumerate() {
                        label.poll-option {
                            @if poll.multiple {
                                input type="checkbox" name="choice" value=(i);
                            } @else {
                                input type="radio" name="choice" value=(i) required;
                            }
                            " " (title)
                        }
                    }
                }
                div.row {
                    span.meta { (footer) @if poll.multiple { " · choose any" } }
                    button type="submit" { "Vote" }
                }
            }
        } @else {
            div.poll aria-label="Poll results" {
                @for (i, (title, count)) in poll.options.iter().enumerate() {
                    div.poll-result {
                        progress.poll-bar max="100" value=(shares[i]) aria-hidden="true" {}
                        span.poll-label {
                            strong { (shares[i]) "%" } " " (title)
                            @if poll.own_votes.contains(&i) { " ✓" span.vh { " (your choice)" } }
                        }
                        span.vh { ", " (count) " of " (votes) " votes" }
                        span.poll-count.meta { (count) }
                    }
                }
                p.meta { (footer) }
            }
        }
    }
}

/// A picture on a post as lists show it: the small copy, the large one for wide or sharp
/// screens, with its size so the page does not jump when it arrives. A link must have a name:
/// a picture without a description says so.
pub fn picture(m: &porchlight_core::views::Media) -> Markup {
    let alt = if m.description.is_empty() {
        "A picture (no description)"
    } else {
        m.description.as_str()
    };
    match &m.upload {
        Some(u) => {
            let small = u.small_or_original();
            let large = u.large_or_original();
            html! {
                img src={ "/files/" (small.file_name) }
                    srcset={ "/files/" (small.file_name) " " (small.width) "w, /files/" (large.file_name) " " (large.width) "w" }
                    sizes="(max-width: 40rem) 100vw, 38rem"
                    width=(small.width) height=(small.height)
                    alt=(alt) loading="lazy" decoding="async";
            }
        }
        // From elsewhere, through the camp's copies: the small one, and the large one for wide
        // or sharp screens. Its size is as the camp measured it once fetched, as its server said
        // before that (0: not said, and the page cannot reserve its place).
        None => match m.copy_sizes() {
            Some(sizes) => {
                let ((large_width, _), (small_width, small_height)) = (sizes.large, sizes.small);
                html! {
                    img src={ (m.proxy) "/small" }
                        srcset={ (m.proxy) "/small " (small_width) "w, " (m.proxy) " " (large_width) "w" }
                        sizes="(max-width: 40rem) 100vw, 38rem"
                        width=(small_width) height=(small_height)
                        alt=(alt) loading="lazy" decoding="async";
                }
            }
            None => html! {
                img src={ (m.proxy) "/small" } alt=(alt) loading="lazy" decoding="async";
            },
        },
    }
}

/// An event on a card: what, when (in the reader's time zone where the script runs; the zone
/// it was planned in otherwise), where, who is coming, and the reader's answer.
fn event_block(chrome: &Chrome, post: &PostView, e: &porchlight_core::views::EventView) -> Markup {
    use porchlight_core::events::{self, Answer};
    let link = format!("/posts/{}", post.id);
    let description = porchlight_core::text::render_post(&e.description, |_| false).html;
    let f = &e.facts;
    html! {
        section.event aria-label={ "Event: " (f.title) } {
            p.event-title { strong { "📅 " (f.title) } }
            p.event-when {
                time.local datetime=(iso_time(f.starts_at)) { (events::shown(f.starts_at, &f.zone)) " (" (f.zone) ")" }
                @if let Some(ends) = f.ends_at {
                    " – " time.local datetime=(iso_time(ends)) { (events::shown(ends, &f.zone)) }
                }
            }
            @if !f.place.is_empty() { p.event-place { "📍 " (f.place) } }
            @if !f.link.is_empty() { p.event-link { "🔗 " a href=(f.link) rel="nofollow noopener noreferrer" { (f.link) } } }
            @if !description.is_empty() { div.content { (PreEscaped(&description)) } }
            p.meta.event-count {
                (e.going) " going"
                @if e.maybe > 0 { " · " (e.maybe) " maybe" }
                " · " a href={ (link) "/event.ics" } download { "Add to calendar" }
            }
            @if chrome.me.is_some() && post.may(Action::Favourite) {
                form.event-answer method="post" action={ (link) "/answer" } {
                    (chrome.form_fields())
                    @for a in Answer::ALL {
                        button type="submit" name="answer" value=(a.as_str())
                            aria-pressed=(if e.my_answer == Some(a) { "true" } else { "false" }) { (a.label()) }
                    }
                }
            }
        }
    }
}

/// A post's pictures and files.
fn media_block(post: &PostView, link: &str) -> Markup {
    html! {
        div.media {
            @for (i, m) in post.media.iter().enumerate() {
                @if m.proxy.is_empty() {
                    a href=(m.url) rel="nofollow noopener noreferrer" {
                        "Attachment" @if !m.description.is_empty() { ": " (m.description) }
                    }
                } @else {
                    a href={ (link) "/pictures/" (i + 1) } {
                        (picture(m))
                    }
                }
            }
        }
    }
}
