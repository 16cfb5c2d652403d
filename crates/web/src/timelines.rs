//! Timelines: the composer, home, the camp's and the fediverse's lists, notifications and
//! search.

use maud::{Markup, html};
use porchlight_core::audience::{self, Audience};
use porchlight_core::views::{Member, Notification, NotificationKind, Page};

use crate::{Chrome, PostContext, csrf_field, error_box, layout, post_card};

/// What a composer starts with.
pub struct ComposeDraft<'a> {
    pub text: &'a str,
    pub content_warning: &'a str,
    pub audience: Audience,
    /// The post being answered, and the audiences a reply to it may have.
    pub in_reply_to: Option<(i64, Audience)>,
    pub error: Option<&'a str>,
    /// A poll being written: its options so far, whether several may be chosen, how long.
    pub poll_options: Vec<&'a str>,
    pub poll_multiple: bool,
    pub poll_expires_in: i64,
}

/// How long a poll may run, as the composer offers it (seconds, words).
pub const POLL_DURATIONS: &[(i64, &str)] = &[
    (5 * 60, "5 minutes"),
    (30 * 60, "30 minutes"),
    (3600, "1 hour"),
    (6 * 3600, "6 hours"),
    (86400, "1 day"),
    (3 * 86400, "3 days"),
    (7 * 86400, "7 days"),
];

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
            poll_options: Vec::new(),
            poll_multiple: false,
            poll_expires_in: 86400,
        }
    }
}

pub fn composer(chrome: &Chrome, draft: &ComposeDraft) -> Markup {
    // The neighborhood is offered only while the camp is in one (a post for it would stay
    // in the camp otherwise).
    let choices: Vec<Audience> = Audience::ALL
        .into_iter()
        .filter(|a| *a != Audience::Neighborhood || chrome.in_neighborhood)
        .filter(|a| match draft.in_reply_to {
            Some((_, parent)) => audience::reply_audience_allowed(parent, *a),
            None => true,
        })
        .collect();
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
                label for={ (id) "-picture" } { "Picture " span.hint { "(JPEG, PNG, GIF or WebP, up to " (porchlight_core::media::MAX_PICTURE_BYTES >> 20) " MB; where it was taken is removed)" } }
                input id={ (id) "-picture" } type="file" name="picture" accept="image/jpeg,image/png,image/gif,image/webp";
                label for={ (id) "-picture-description" } { "Describe it " span.hint { "(for people who cannot see it)" } }
                input id={ (id) "-picture-description" } type="text" name="picture_description" maxlength="1500" placeholder="e.g. Our dog asleep on the porch";
            }
            details.poll open[!draft.poll_options.iter().all(|o| o.trim().is_empty())] {
                summary.hint { "Add a poll" }
                fieldset {
                    legend.hint { "Options " span.hint { "(two to " (porchlight_core::polls::MAX_OPTIONS) ", up to " (porchlight_core::polls::MAX_OPTION_CHARS) " characters each)" } }
                    @for i in 0..porchlight_core::polls::MAX_OPTIONS {
                        input id={ (id) "-poll-" (i) } type="text" name="poll_option" aria-label={ "Option " (i + 1) }
                            maxlength=(porchlight_core::polls::MAX_OPTION_CHARS) placeholder={ "Option " (i + 1) }
                            value=(draft.poll_options.get(i).copied().unwrap_or(""));
                    }
                }
                label.inline.tight for={ (id) "-poll-expires" } {
                    span.hint { "Runs for " }
                    select id={ (id) "-poll-expires" } name="poll_expires_in" {
                        @for (secs, words) in POLL_DURATIONS {
                            option value=(secs) selected[*secs == draft.poll_expires_in] { (words) }
                        }
                    }
                }
                label.inline.tight for={ (id) "-poll-multiple" } {
                    input id={ (id) "-poll-multiple" } type="checkbox" name="poll_multiple" value="1" checked[draft.poll_multiple];
                    " People may choose more than one"
                }
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

pub(crate) fn post_list(
    chrome: &Chrome,
    page: &Page,
    empty: &str,
    now: i64,
    more_base: &str,
) -> Markup {
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

/// What a home page adds for someone new: a host's next steps, and people to follow.
#[derive(Default)]
pub struct Welcome<'a> {
    /// For a host while any is left: (what to do, where, done).
    pub next_steps: Vec<(&'static str, &'static str, bool)>,
    /// Members the viewer does not follow yet (shown while they follow few).
    pub who_is_here: &'a [Member],
    /// The Camp timeline's newest posts (those not on their home already), shown under a home
    /// that is nearly empty.
    pub camp: Option<&'a Page>,
}

pub fn home(
    chrome: &Chrome,
    page: &Page,
    draft: &ComposeDraft,
    now: i64,
    welcome: &Welcome,
) -> Markup {
    layout(
        chrome,
        "Home",
        html! {
            h1.vh { "Home" }
            @if !welcome.next_steps.is_empty() {
                section.card #next-steps {
                    h2 { "Getting the camp ready" }
                    ul.steps {
                        @for (what, href, done) in &welcome.next_steps {
                            li class=(if *done { "done" } else { "todo" }) {
                                @if *done { "✓ " s { (what) } } @else { "○ " a href=(href) { (what) } }
                            }
                        }
                    }
                }
            }
            (composer(chrome, draft))
            @if !welcome.who_is_here.is_empty() {
                section.card #who-is-here {
                    h2 { "Who's here" }
                    p.hint { "Follow campers to see their posts on your home page." }
                    ul.people {
                        @for m in welcome.who_is_here {
                            li {
                                a href={ "/@" (m.username) } { (crate::member_avatar(m)) strong { (m.shown_name()) } }
                                " " span.meta { "@" (m.username) }
                                @if !m.introduction.is_empty() { p.who { (m.introduction) } }
                                @else if !m.who_i_am.is_empty() { p.who { (m.who_i_am) } }
                                form.inline method="post" action={ "/@" (m.username) "/follow" } {
                                    (crate::csrf_field(chrome)) (crate::back_field(chrome))
                                    button.follow type="submit" aria-label={ "Follow @" (m.username) } { "Follow" }
                                }
                            }
                        }
                    }
                }
            }
            (post_list(chrome, page, "Nothing here yet. Follow some campers from the Members page, or write the first post!", now, "/"))
            @if let Some(camp) = welcome.camp {
                @if !camp.posts.is_empty() {
                    h2 #camp-timeline { "New on the camp" }
                    (post_list(chrome, camp, "", now, "/local"))
                }
            }
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

/// "Ken", "Ken and Mia", "Ken, Mia and 2 others": each a link to them.
fn senders(from: &[&Notification]) -> Markup {
    let link = |n: &Notification| html! { a href={ "/@" (n.from_handle()) } { (n.from_name()) } };
    html! {
        @match from {
            [] => {}
            [one] => { (link(one)) }
            [one, two] => { (link(one)) " and " (link(two)) }
            [one, two, rest @ ..] => {
                (link(one)) ", " (link(two)) " and " (rest.len())
                @if rest.len() == 1 { " other" } @else { " others" }
            }
        }
    }
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
            ul.people.notifications {
                @for g in porchlight_core::views::group_notifications(items) {
                    @let n = g.first;
                    li class=(if g.new { "new" } else { "seen" }) {
                        @if g.new { span.new-mark { "New" } " " }
                        @let name = n.from_name();
                        @let handle = n.from_handle();
                        @match n.kind {
                            NotificationKind::Report => {
                                "New report about or by " a href={ "/@" (handle) } { (name) }
                                @if let Some(report) = n.report_id { " · " a href={ "/admin/reports/" (report) } { "see report" } }
                            }
                            NotificationKind::Warning => {
                                strong { "A message from the camp's hosts: " } q { (n.message) }
                                " — " a href={ "/@" (handle) } { (name) }
                            }
                            NotificationKind::ReportHandled => {
                                "Your report about " a href={ "/@" (handle) } { (name) } " was handled: the hosts " (n.message) ". Thank you for looking out for the camp."
                            }
                            _ => {
                                (senders(&g.from))
                                " "
                                (match n.kind {
                                    NotificationKind::Mention => "mentioned you",
                                    NotificationKind::Reply => "replied to you",
                                    NotificationKind::Follow => "followed you",
                                    NotificationKind::Boost => "boosted your post",
                                    NotificationKind::Favourite => "favourited your post",
                                    NotificationKind::Poll => "— a poll of theirs you took part in has ended",
                                    NotificationKind::Event => "— their event starts within the hour",
                                    _ => "",
                                })
                                @if let Some(post) = n.post_id {
                                    @if n.excerpt.is_empty() {
                                        " · " a href={ "/posts/" (post) } { "see post" }
                                    } @else {
                                        ": " a.excerpt href={ "/posts/" (post) } { "“" (n.excerpt) "”" }
                                    }
                                }
                            }
                        }
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
