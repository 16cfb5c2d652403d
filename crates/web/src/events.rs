//! The events page: what is coming, the form to plan an event, and a member's calendar feed.

use maud::{Markup, html};
use porchlight_core::audience::Audience;
use porchlight_core::views::PostView;

use crate::post_card::{PostContext, post_card};
use crate::{Chrome, csrf_field, error_box, layout};

/// What the planning form holds (again, after a refusal).
#[derive(Default)]
pub struct EventForm<'a> {
    /// What, when, where, as written.
    pub draft: porchlight_core::events::EventDraft<'a>,
    pub description: &'a str,
    pub audience: Option<Audience>,
}

pub struct EventsView<'a> {
    pub events: &'a [PostView],
    pub form: EventForm<'a>,
    pub error: Option<&'a str>,
    /// The zone times are planned in when the browser does not say its own.
    pub camp_zone: &'a str,
    /// The member's calendar feed address, whole.
    pub feed_url: Option<&'a str>,
    pub now: i64,
}

/// Changing an event: its form, with the times in the zone it was planned in.
pub fn event_edit(
    chrome: &Chrome,
    post_id: i64,
    zone: &str,
    form: &EventForm,
    error: Option<&str>,
) -> Markup {
    layout(
        chrome,
        "Change the event",
        html! {
            h1 { "Change the event" }
            form.card #edit-event method="post" action={ "/posts/" (post_id) "/event" } {
                (csrf_field(chrome))
                (error_box(error))
                label for="event-title" { "What" }
                input #event-title type="text" name="title" value=(form.draft.title) maxlength=(porchlight_core::events::MAX_TITLE) required;
                label for="event-starts" { "Starts" }
                input #event-starts type="datetime-local" name="starts" value=(form.draft.starts) required;
                label for="event-ends" { "Ends " span.hint { "(optional)" } }
                input #event-ends type="datetime-local" name="ends" value=(form.draft.ends);
                // The times shown are in the event's own zone, so they are read in it.
                input type="hidden" name="zone" value=(zone);
                p.hint { "Times are in " (zone) ", the zone the event was planned in." }
                label for="event-place" { "Where " span.hint { "(optional)" } }
                input #event-place type="text" name="place" value=(form.draft.place) maxlength=(porchlight_core::events::MAX_PLACE);
                label for="event-link" { "Link " span.hint { "(optional)" } }
                input #event-link type="url" name="link" value=(form.draft.link) placeholder="https://";
                label for="event-description" { "More about it " span.hint { "(optional)" } }
                textarea #event-description name="description" rows="3" { (form.description) }
                p { button type="submit" { "Save the change" } " " a href={ "/posts/" (post_id) } { "Cancel" } }
            }
        },
    )
}

pub fn events_page(chrome: &Chrome, view: &EventsView) -> Markup {
    let f = &view.form;
    layout(
        chrome,
        "Events",
        html! {
            h1 { "Events" }
            @if view.events.is_empty() {
                p.notice { "Nothing is planned yet." @if chrome.me.is_some() { " Plan something below: movie night, a walk, book club." } }
            }
            @for post in view.events {
                (post_card(chrome, post, PostContext { now: view.now, ..Default::default() }))
            }
            @if chrome.me.is_some() {
                form.card #plan-event method="post" action="/events" {
                    (csrf_field(chrome))
                    h2 { "Plan an event" }
                    (error_box(view.error))
                    label for="event-title" { "What" }
                    input #event-title type="text" name="title" value=(f.draft.title) maxlength=(porchlight_core::events::MAX_TITLE) required placeholder="e.g. Movie night";
                    label for="event-starts" { "Starts" }
                    input #event-starts type="datetime-local" name="starts" value=(f.draft.starts) required;
                    label for="event-ends" { "Ends " span.hint { "(optional)" } }
                    input #event-ends type="datetime-local" name="ends" value=(f.draft.ends);
                    // The script puts the browser's own zone here; without it, the camp's is used.
                    input type="hidden" name="zone" data-zone value="";
                    p.hint { "Times are in your own time zone (" (view.camp_zone) " if your browser does not say); everyone sees them in theirs." }
                    label for="event-place" { "Where " span.hint { "(optional)" } }
                    input #event-place type="text" name="place" value=(f.draft.place) maxlength=(porchlight_core::events::MAX_PLACE) placeholder="e.g. The barn";
                    label for="event-link" { "Link " span.hint { "(optional: a video call, tickets)" } }
                    input #event-link type="url" name="link" value=(f.draft.link) placeholder="https://";
                    label for="event-description" { "More about it " span.hint { "(optional)" } }
                    textarea #event-description name="description" rows="3" { (f.description) }
                    label for="event-audience" { "Who is invited" }
                    select #event-audience name="audience" {
                        @for a in [Audience::Local, Audience::Followers, Audience::Public] {
                            option value=(a.as_str()) selected[f.audience.unwrap_or(Audience::Local) == a] { (a.label()) ": " (a.explanation()) }
                        }
                    }
                    p { button type="submit" { "Plan it" } }
                }
                @if let Some(url) = view.feed_url {
                    section.card #calendar-feed {
                        h2 { "In your calendar" }
                        p.hint { "Add this address to your phone's or computer's calendar as a subscription: every event you are invited to shows there. Keep it to yourself; if it gets out, make a new one." }
                        (crate::copy_field("feed-url", "Your calendar address", url))
                        form method="post" action="/events/feed" {
                            (csrf_field(chrome))
                            p { button type="submit" { "Make a new address" } }
                        }
                    }
                }
            }
        },
    )
}
