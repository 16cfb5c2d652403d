//! Events: movie night, book club. An event is a post (so its audience, replies, boosts and
//! federation are a post's) with a title, a time, a place or a link, and members' answers.
//! Times are instants (UTC); they are entered and shown in a named time zone, read from the
//! IANA database bundled with the binary (the box's image has none of its own).

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{self, TimeZone};

use crate::UnixTime;

pub const MAX_TITLE: usize = 120;
pub const MAX_PLACE: usize = 200;
pub const MAX_LINK: usize = 500;
/// The longest an event may last.
pub const MAX_LENGTH: UnixTime = 14 * 86_400;
/// How long before an event its reminder comes.
pub const REMIND_BEFORE: UnixTime = 3_600;
/// The zone a camp uses until its host chooses one.
pub const DEFAULT_ZONE: &str = "UTC";

/// A member's answer to an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Going,
    Maybe,
    NotGoing,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Going, Answer::Maybe, Answer::NotGoing];

    pub fn as_str(self) -> &'static str {
        match self {
            Answer::Going => "going",
            Answer::Maybe => "maybe",
            Answer::NotGoing => "no",
        }
    }

    pub fn parse(s: &str) -> Option<Answer> {
        Answer::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// What the button says.
    pub fn label(self) -> &'static str {
        match self {
            Answer::Going => "Going",
            Answer::Maybe => "Maybe",
            Answer::NotGoing => "Can't go",
        }
    }

    /// Whether the member wants the reminder.
    pub fn reminded(self) -> bool {
        matches!(self, Answer::Going | Answer::Maybe)
    }
}

/// What a member writes in the event form.
#[derive(Clone, Debug, Default)]
pub struct EventDraft<'a> {
    pub title: &'a str,
    /// `2026-12-11T20:00`, as a `datetime-local` field sends it.
    pub starts: &'a str,
    /// Empty: no set end.
    pub ends: &'a str,
    pub place: &'a str,
    pub link: &'a str,
    /// The IANA zone the times are in.
    pub zone: &'a str,
}

/// An event's facts, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFacts {
    pub title: String,
    pub starts_at: UnixTime,
    pub ends_at: Option<UnixTime>,
    pub place: String,
    pub link: String,
    pub zone: String,
}

/// Whether `name` is a time zone of the bundled database.
pub fn zone_known(name: &str) -> bool {
    tz::db().get(name).is_ok()
}

/// Every time zone name, for the host's choice.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = tz::db()
        .available()
        .map(|n| n.as_str().to_string())
        .filter(|n| n.contains('/') || n == "UTC")
        .collect();
    names.sort();
    names
}

fn zone(name: &str) -> Result<TimeZone, String> {
    tz::db()
        .get(name)
        .map_err(|_| format!("\"{name}\" is not a time zone this camp knows."))
}

/// The instant a wall-clock time in `zone` names (`2026-12-11T20:00`, seconds optional). A
/// time that a clock change skips or repeats is taken as the clocks' change makes it (the
/// earlier of two, or just after the gap), as calendars do.
pub fn local_to_utc(local: &str, zone_name: &str) -> Result<UnixTime, String> {
    let local = local.trim();
    let parsed = DateTime::strptime("%Y-%m-%dT%H:%M", local)
        .or_else(|_| DateTime::strptime("%Y-%m-%dT%H:%M:%S", local))
        .map_err(|_| format!("\"{local}\" is not a date and time."))?;
    parsed
        .to_zoned_datetime(zone(zone_name)?)
        .map(|z| z.timestamp().as_second())
        .map_err(|_| format!("\"{local}\" is not a time in {zone_name}."))
}

fn zoned(at: UnixTime, zone_name: &str) -> Option<jiff::ZonedDateTime> {
    let tz = tz::db().get(zone_name).unwrap_or(TimeZone::UTC);
    Timestamp::from_second(at)
        .ok()
        .map(|t| t.to_zoned_datetime(tz))
}

/// `Fri 11 Dec 2026, 20:00` in `zone`.
pub fn shown(at: UnixTime, zone_name: &str) -> String {
    zoned(at, zone_name)
        .map(|z| z.strftime("%a %-d %b %Y, %H:%M").to_string())
        .unwrap_or_default()
}

/// `2026-12-11T20:00` in `zone`: a `datetime-local` field's value.
pub fn input_value(at: UnixTime, zone_name: &str) -> String {
    zoned(at, zone_name)
        .map(|z| z.strftime("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

fn bounded(what: &str, value: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(format!("{what} can be at most {max} characters."));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{what} must be one line."));
    }
    Ok(value.to_string())
}

/// Checks an event as a member wrote it, at `now`: a title, a time to come, an end after the
/// start and within two weeks of it, a place and a link of sensible length, the link a web
/// address.
pub fn check(draft: &EventDraft, now: UnixTime) -> Result<EventFacts, String> {
    let title = bounded("The title", draft.title, MAX_TITLE)?;
    if title.is_empty() {
        return Err("Please give the event a title.".into());
    }
    if draft.starts.trim().is_empty() {
        return Err("Please say when the event starts.".into());
    }
    let starts_at = local_to_utc(draft.starts, draft.zone)?;
    if starts_at < now {
        return Err("That time has already passed.".into());
    }
    let ends_at = match draft.ends.trim() {
        "" => None,
        ends => {
            let ends_at = local_to_utc(ends, draft.zone)?;
            if ends_at <= starts_at {
                return Err("The end must come after the start.".into());
            }
            if ends_at - starts_at > MAX_LENGTH {
                return Err("An event can last at most two weeks.".into());
            }
            Some(ends_at)
        }
    };
    let place = bounded("The place", draft.place, MAX_PLACE)?;
    let link = bounded("The link", draft.link, MAX_LINK)?;
    let web_address = link.starts_with("https://") || link.starts_with("http://");
    if !(link.is_empty() || web_address) || link.contains(char::is_whitespace) {
        return Err("The link must be a web address (https://…).".into());
    }
    Ok(EventFacts {
        title,
        starts_at,
        ends_at,
        place,
        link,
        zone: draft.zone.to_string(),
    })
}

/// The text of an event's post, for apps and servers that know posts but not events: the
/// title, when (in the event's zone, named), where, and what the organizer wrote.
pub fn post_text(facts: &EventFacts, description: &str) -> String {
    let mut text = format!(
        "📅 {}\n{} ({})",
        facts.title,
        shown(facts.starts_at, &facts.zone),
        facts.zone
    );
    if !facts.place.is_empty() {
        text.push_str(&format!("\n📍 {}", facts.place));
    }
    if !facts.link.is_empty() {
        text.push_str(&format!("\n🔗 {}", facts.link));
    }
    if !description.trim().is_empty() {
        text.push_str("\n\n");
        text.push_str(description.trim());
    }
    text
}

/// Whether an event starting at `starts_at` is due its reminder at `now`.
pub fn reminder_due(starts_at: UnixTime, now: UnixTime) -> bool {
    starts_at > now && starts_at - now <= REMIND_BEFORE
}

/// One event of a calendar file.
pub struct CalendarEntry<'a> {
    /// A unique, lasting id (the post's address).
    pub uid: &'a str,
    pub title: &'a str,
    pub starts_at: UnixTime,
    pub ends_at: Option<UnixTime>,
    pub place: &'a str,
    pub description: &'a str,
    /// The event's page.
    pub url: &'a str,
    /// When it was last changed.
    pub stamp: UnixTime,
}

fn ics_time(at: UnixTime) -> String {
    Timestamp::from_second(at)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// Text as an iCalendar value (RFC 5545 §3.3.11): backslash, `;`, `,` escaped, new lines as `\n`.
fn ics_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets (RFC 5545 §3.1), never inside a character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// An iCalendar file (RFC 5545) of `entries`, times in UTC (calendars show them in their own
/// zone), named `calendar_name`.
pub fn ics(calendar_name: &str, entries: &[CalendarEntry]) -> String {
    let mut out = String::new();
    for line in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Porchlight//Events//EN",
        "CALSCALE:GREGORIAN",
    ] {
        fold(line, &mut out);
    }
    fold(
        &format!("X-WR-CALNAME:{}", ics_text(calendar_name)),
        &mut out,
    );
    for e in entries {
        fold("BEGIN:VEVENT", &mut out);
        fold(&format!("UID:{}", ics_text(e.uid)), &mut out);
        fold(&format!("DTSTAMP:{}", ics_time(e.stamp)), &mut out);
        fold(&format!("DTSTART:{}", ics_time(e.starts_at)), &mut out);
        // Without an end, an event is taken to last an hour (RFC 5545 would make it a moment).
        let ends = e.ends_at.unwrap_or(e.starts_at + 3_600);
        fold(&format!("DTEND:{}", ics_time(ends)), &mut out);
        fold(&format!("SUMMARY:{}", ics_text(e.title)), &mut out);
        if !e.place.is_empty() {
            fold(&format!("LOCATION:{}", ics_text(e.place)), &mut out);
        }
        if !e.description.is_empty() {
            fold(
                &format!("DESCRIPTION:{}", ics_text(e.description)),
                &mut out,
            );
        }
        fold(&format!("URL:{}", ics_text(e.url)), &mut out);
        fold("END:VEVENT", &mut out);
    }
    fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: UnixTime = 1_796_000_000; // 2026-11-30

    #[test]
    fn wall_clock_times_become_instants_in_their_zone() {
        let cases = [
            ("2026-12-11T20:00", "Europe/Berlin", Ok(1_797_015_600)),
            ("2026-12-11T20:00", "UTC", Ok(1_797_019_200)),
            ("2026-12-11T20:00:00", "America/New_York", Ok(1_797_037_200)),
            // Summer time in Berlin: UTC+2.
            ("2026-07-01T12:00", "Europe/Berlin", Ok(1_782_900_000)),
            // A time the spring change skips is taken just after the gap.
            ("2026-03-29T02:30", "Europe/Berlin", Ok(1_774_747_800)),
            ("11 Dec 2026", "UTC", Err(())),
            ("2026-12-11T20:00", "Mars/Olympus", Err(())),
        ];
        for (local, zone, expected) in cases {
            assert_eq!(
                local_to_utc(local, zone).map_err(|_| ()),
                expected,
                "{local} {zone}"
            );
        }
        assert_eq!(
            shown(1_797_015_600, "Europe/Berlin"),
            "Fri 11 Dec 2026, 20:00"
        );
        assert_eq!(shown(1_797_015_600, "UTC"), "Fri 11 Dec 2026, 19:00");
        assert_eq!(
            input_value(1_797_015_600, "Europe/Berlin"),
            "2026-12-11T20:00"
        );
        assert!(zone_known("Europe/Berlin") && !zone_known("Europe/Nowhere"));
        assert!(zone_names().iter().any(|n| n == "Asia/Tokyo"));
    }

    #[test]
    fn an_event_is_checked_whole() {
        let good = EventDraft {
            title: "Movie night",
            starts: "2026-12-11T20:00",
            ends: "2026-12-11T23:00",
            place: "The barn",
            link: "",
            zone: "Europe/Berlin",
        };
        let facts = check(&good, NOW).unwrap();
        assert_eq!(facts.starts_at, 1_797_015_600);
        assert_eq!(facts.ends_at, Some(1_797_015_600 + 3 * 3600));
        // (what is changed, the start of the error)
        let long_title = "x".repeat(MAX_TITLE + 1);
        let cases: [(EventDraft, &str); 8] = [
            (
                EventDraft {
                    title: " ",
                    ..good.clone()
                },
                "Please give the event a title",
            ),
            (
                EventDraft {
                    title: &long_title,
                    ..good.clone()
                },
                "The title can be at most",
            ),
            (
                EventDraft {
                    starts: "",
                    ..good.clone()
                },
                "Please say when",
            ),
            (
                EventDraft {
                    starts: "2026-01-01T10:00",
                    ..good.clone()
                },
                "That time has already passed",
            ),
            (
                EventDraft {
                    ends: "2026-12-11T19:00",
                    ..good.clone()
                },
                "The end must come after",
            ),
            (
                EventDraft {
                    ends: "2027-01-11T19:00",
                    ..good.clone()
                },
                "An event can last at most",
            ),
            (
                EventDraft {
                    link: "javascript:alert(1)",
                    ..good.clone()
                },
                "The link must be a web address",
            ),
            (
                EventDraft {
                    place: "the barn\r\nX-EVIL:1",
                    ..good.clone()
                },
                "The place must be one line",
            ),
        ];
        for (draft, error) in cases {
            let got = check(&draft, NOW).unwrap_err();
            assert!(got.starts_with(error), "{got:?} for {draft:?}");
        }
    }

    #[test]
    fn answers_and_reminders() {
        for a in Answer::ALL {
            assert_eq!(Answer::parse(a.as_str()), Some(a));
        }
        assert_eq!(Answer::parse("yes"), None);
        assert!(
            Answer::Going.reminded() && Answer::Maybe.reminded() && !Answer::NotGoing.reminded()
        );
        // (starts in, due)
        for (starts_in, due) in [
            (3_601, false),
            (3_600, true),
            (60, true),
            (0, false),
            (-60, false),
        ] {
            assert_eq!(reminder_due(NOW + starts_in, NOW), due, "{starts_in}");
        }
    }

    #[test]
    fn the_post_says_what_when_and_where() {
        let facts = check(
            &EventDraft {
                title: "Book club",
                starts: "2026-12-11T20:00",
                ends: "",
                place: "Mia's kitchen",
                link: "https://example.org/book",
                zone: "Europe/Berlin",
            },
            NOW,
        )
        .unwrap();
        assert_eq!(
            post_text(&facts, "We read chapter 3."),
            "📅 Book club\nFri 11 Dec 2026, 20:00 (Europe/Berlin)\n📍 Mia's kitchen\n🔗 https://example.org/book\n\nWe read chapter 3."
        );
    }

    #[test]
    fn calendar_files_escape_fold_and_use_utc() {
        let file = ics(
            "Maple Camp",
            &[CalendarEntry {
                uid: "https://camp.example/posts/7",
                title: "Movie night; bring snacks, blankets",
                starts_at: 1_797_015_600,
                ends_at: None,
                place: "The barn",
                description: &format!("Line one\nLine two {}", "é".repeat(60)),
                url: "https://camp.example/posts/7",
                stamp: NOW,
            }],
        );
        assert!(
            file.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
            "{file}"
        );
        assert!(file.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"), "{file}");
        assert!(file.contains("\r\nDTSTART:20261211T190000Z\r\n"));
        assert!(file.contains("\r\nDTEND:20261211T200000Z\r\n"));
        assert!(file.contains("\r\nSUMMARY:Movie night\\; bring snacks\\, blankets\r\n"));
        assert!(file.contains("DESCRIPTION:Line one\\nLine two"));
        for line in file.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Unfolded, the description is whole again.
        let unfolded = file.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("Line two {}\r\n", "é".repeat(60))));
    }
}
