//! Events: planning one (a post with its facts), answering, the list of what is coming, the
//! reminder an hour before, and calendar files (one event's, and a member's secret feed).

use porchlight_core::audience::{Action, Audience};
use porchlight_core::events::{self, Answer, CalendarEntry, EventDraft, EventFacts};
use porchlight_core::views::{NotificationKind, PostView};
use porchlight_core::{AccountId, PostId, UnixTime};
use porchlight_db::events as store;
use porchlight_db::timeline::{self, Reader};

use crate::posting::Compose;
use crate::{App, AppError, AppResult};

/// An event as it is posted: its facts, checked, and what the organizer wrote.
pub struct PlannedEvent {
    pub facts: EventFacts,
    pub description: String,
}

/// The most events the events page and a calendar feed list.
const UPCOMING: u32 = 100;

impl App {
    /// The camp's time zone: the host's choice, or UTC.
    pub fn camp_zone(&self) -> AppResult<String> {
        Ok(self
            .db
            .read(|c| porchlight_db::get_setting(c, "time_zone"))?
            .filter(|z| events::zone_known(z))
            .unwrap_or_else(|| events::DEFAULT_ZONE.to_string()))
    }

    /// Plans an event: one post (for `audience`) that says what, when and where, with the
    /// event's facts beside it; the organizer is going. `draft.zone` empty: the camp's zone.
    pub fn plan_event(
        &self,
        by: AccountId,
        draft: &EventDraft,
        description: &str,
        audience: Audience,
    ) -> AppResult<PostId> {
        let (text, planned) = checked(draft, &self.camp_zone()?, description)?;
        self.post(
            by,
            &Compose {
                text: &text,
                content_warning: "",
                audience,
                in_reply_to: None,
                media: &[],
                poll: None,
                event: Some(&planned),
            },
        )
    }

    /// The organizer changes an event: its facts are checked as when it was planned, its
    /// post's text follows, and servers that have it are sent the change. Its reminder comes
    /// again if its start moved. `draft.zone` empty: the zone it was planned in.
    pub fn edit_event(
        &self,
        by: AccountId,
        post: PostId,
        draft: &EventDraft,
        description: &str,
    ) -> AppResult<()> {
        let current = self.view_post(Reader::member(by), post)?;
        let event = current.event.as_ref().ok_or(AppError::NotFound)?;
        if !current.viewer.is_author {
            return Err(AppError::Forbidden(
                "Only the one who planned an event can change it.".into(),
            ));
        }
        let (text, planned) = checked(draft, &event.facts.zone, description)?;
        self.edit_with(by, post, &text, "", None, &[], Some(&planned))
    }

    /// A member answers an event they may see.
    pub fn answer_event(&self, member: AccountId, post: PostId, answer: Answer) -> AppResult<()> {
        let view = self.view_post(Reader::member(member), post)?;
        if view.event.is_none() || !view.may(Action::Favourite) {
            return Err(AppError::NotFound);
        }
        self.db.write(|tx| {
            if store::answer(tx, post, member, answer, porchlight_db::now())? {
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        })
    }

    /// Who answered an event, going first: (username, answer).
    pub fn event_answers(&self, reader: Reader, post: PostId) -> AppResult<Vec<(String, Answer)>> {
        self.view_post(reader, post)?;
        Ok(self.db.read(|c| store::answers(c, post))?)
    }

    /// The events to come (or under way) that `reader` may see, soonest first.
    pub fn upcoming_events(&self, reader: Reader) -> AppResult<Vec<PostView>> {
        let now = porchlight_db::now();
        let mut events = self.db.read(|c| -> porchlight_db::Result<Vec<PostView>> {
            let mut seen = Vec::new();
            for id in store::upcoming(c, now, UPCOMING)? {
                if let Some(post) = timeline::post(c, id, reader)? {
                    seen.push(post);
                }
            }
            Ok(seen)
        })?;
        for post in &mut events {
            self.proxy_media(post);
        }
        Ok(events)
    }

    /// Writes the reminders of events starting within the hour to the members going or
    /// maybe going. The workers' tick calls this with the clock's time.
    pub fn send_event_reminders(&self, now: UnixTime) -> AppResult<usize> {
        let due = self.read(|c| store::due_reminders(c, now, events::REMIND_BEFORE))?;
        let mut sent = 0;
        for (post, organizer) in due {
            sent += self.db.write(|tx| -> AppResult<usize> {
                let Some(members) = store::mark_reminded(tx, post, porchlight_db::now())? else {
                    return Ok(0);
                };
                for &member in &members {
                    // The organizer is reminded too (the notification names them).
                    porchlight_db::social::notify(
                        tx,
                        member,
                        NotificationKind::Event,
                        organizer,
                        Some(post),
                        porchlight_db::now(),
                    )?;
                }
                Ok(members.len())
            })?;
        }
        Ok(sent)
    }

    /// One event as a calendar file, for a reader who may see it.
    pub fn event_calendar(&self, reader: Reader, post: PostId, base: &str) -> AppResult<String> {
        let view = self.view_post(reader, post)?;
        if view.event.is_none() {
            return Err(AppError::NotFound);
        }
        Ok(calendar(&self.site()?.name, &[view], base))
    }

    /// A member's calendar feed (every event they may see), by its secret token.
    pub fn calendar_feed(&self, token: &str, base: &str) -> AppResult<String> {
        let member = self
            .db
            .read(|c| store::feed_owner(c, token))?
            .ok_or(AppError::NotFound)?;
        let events = self.upcoming_events(Reader::member(member))?;
        Ok(calendar(&self.site()?.name, &events, base))
    }

    /// A member's feed token; made (or with `renew`, made anew, ending the old address).
    pub fn calendar_token(&self, member: AccountId, renew: bool) -> AppResult<String> {
        if !renew && let Some(token) = self.db.read(|c| store::feed_token(c, member))? {
            return Ok(token);
        }
        let token = self.random_token(24);
        self.db
            .write(|tx| store::set_feed_token(tx, member, &token))?;
        Ok(token)
    }
}

/// An event as written, checked now (its times in `draft.zone`, or `default_zone` when the form
/// names none): its post's text, and its facts.
fn checked(
    draft: &EventDraft,
    default_zone: &str,
    description: &str,
) -> AppResult<(String, PlannedEvent)> {
    let zone = match draft.zone.trim() {
        "" => default_zone,
        zone => zone,
    };
    let facts = events::check(
        &EventDraft {
            zone,
            ..draft.clone()
        },
        porchlight_db::now(),
    )
    .map_err(AppError::Invalid)?;
    let text = events::post_text(&facts, description);
    Ok((
        text,
        PlannedEvent {
            facts,
            description: description.trim().to_string(),
        },
    ))
}

/// A calendar file of event posts (those without an event are left out).
fn calendar(name: &str, posts: &[PostView], base: &str) -> String {
    let urls: Vec<String> = posts
        .iter()
        .map(|p| match &p.remote_url {
            Some(url) => url.clone(),
            None => format!("{base}/posts/{}", p.id),
        })
        .collect();
    let entries: Vec<CalendarEntry> = posts
        .iter()
        .zip(&urls)
        .filter_map(|(p, url)| {
            let e = p.event.as_ref()?;
            Some(CalendarEntry {
                uid: url,
                title: &e.facts.title,
                starts_at: e.facts.starts_at,
                ends_at: e.facts.ends_at,
                place: &e.facts.place,
                description: &e.description,
                url,
                stamp: p.edited_at.unwrap_or(p.created_at),
            })
        })
        .collect();
    events::ics(name, &entries)
}
