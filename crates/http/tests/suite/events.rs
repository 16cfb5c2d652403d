//! Events through the real server: planning one, answers, the events page, calendar files and
//! a member's secret feed, the reminder an hour before, apps, and an event between two camps.

use porchlight_core::audience::Role;
use porchlight_core::events::input_value;
use porchlight_testkit::TestCamp;

const AP: &str = "application/activity+json";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The form of an event starting `in_secs` from now, as a planner in Berlin fills it in.
fn movie_night(in_secs: i64, audience: &str) -> Vec<(&'static str, String)> {
    let starts = now() + in_secs;
    vec![
        ("title", "Movie night".to_string()),
        ("starts", input_value(starts, "Europe/Berlin")),
        ("ends", input_value(starts + 3 * 3600, "Europe/Berlin")),
        ("zone", "Europe/Berlin".to_string()),
        ("place", "The barn".to_string()),
        ("link", String::new()),
        (
            "description",
            "Bring a blanket; we watch Paddington 2.".to_string(),
        ),
        ("audience", audience.to_string()),
    ]
}

/// The path of a member's secret calendar feed, as the events page gives it.
fn feed_path(camp: &TestCamp, member: &mut porchlight_testkit::Browser) -> String {
    let page = member.get("/events");
    let at = page.body.find("id=\"feed-url\"").expect("the feed address");
    let value = &page.body[at..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    value[..value.find('"').unwrap()]
        .strip_prefix(&camp.base)
        .expect("an address on this camp")
        .to_string()
}

fn fields<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[test]
fn members_plan_an_event_answer_it_and_find_it_in_their_calendar() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("ken", Role::Member);
    camp.add_member("mia", Role::Member);
    let mut ken = camp.logged_in("ken");

    // Bad input changes nothing and says why.
    let mut past = movie_night(-3600, "local");
    past[0].1 = "Yesterday's movie".into();
    for (form, error) in [
        (past, "That time has already passed."),
        (
            {
                let mut f = movie_night(86_400, "local");
                f[5].1 = "javascript:alert(1)".into();
                f
            },
            "The link must be a web address",
        ),
        (
            {
                let mut f = movie_night(86_400, "local");
                f[3].1 = "Mars/Olympus".into();
                f
            },
            "is not a time zone this camp knows",
        ),
    ] {
        let refused = hana.post("/events", &fields(&form));
        assert_eq!(refused.status, 422, "{error}");
        refused.assert_contains(error);
    }
    assert_eq!(camp.count("events"), 0);
    assert_eq!(camp.count("posts"), 0);

    // A camp-only movie night two days from now.
    let planned = hana.post("/events", &fields(&movie_night(2 * 86_400, "local")));
    assert_eq!(planned.status, 303, "{}", planned.body);
    let post = camp.query_i64("SELECT post_id FROM events");
    let starts = camp.query_i64("SELECT starts_at FROM events");
    assert_eq!(
        planned.location.as_deref(),
        Some(format!("/posts/{post}").as_str())
    );
    // The organizer goes.
    assert_eq!(
        camp.query_string("SELECT answer FROM event_answers"),
        "going"
    );

    // On the events page and the Camp timeline, with its time for the reader's clock.
    let page = ken.get("/events");
    page.assert_contains("📅 Movie night")
        .assert_contains(&format!(
            "datetime=\"{}\"",
            porchlight_web::iso_time(starts)
        ))
        .assert_contains("(Europe/Berlin)")
        .assert_contains("📍 The barn")
        .assert_contains("Bring a blanket")
        .assert_contains("1 going");
    ken.get("/local").assert_contains("📅 Movie night");
    // Visitors see nothing of a camp-only event.
    camp.browser().get("/events").assert_lacks("Movie night");
    camp.browser()
        .get(&format!("/posts/{post}/event.ics"))
        .assert_status(404);

    // Ken answers, changes his mind; the counts follow.
    ken.post(&format!("/posts/{post}/answer"), &[("answer", "maybe")])
        .assert_status(303);
    ken.get("/events")
        .assert_contains("1 going · 1 maybe")
        .assert_contains("value=\"maybe\" aria-pressed=\"true\"");
    ken.post(&format!("/posts/{post}/answer"), &[("answer", "going")])
        .assert_status(303);
    ken.get("/events").assert_contains("2 going");
    // The event's own page says who is coming.
    camp.logged_in("mia")
        .post(&format!("/posts/{post}/answer"), &[("answer", "no")])
        .assert_status(303);
    hana.get(&format!("/posts/{post}"))
        .assert_contains("<h2>Who is coming</h2>")
        .assert_contains(
            "<strong>Going (2): </strong><a href=\"/@hana\">@hana</a>, <a href=\"/@ken\">@ken</a>",
        )
        .assert_contains("<strong>Can't go (1): </strong><a href=\"/@mia\">@mia</a>")
        .assert_lacks("Maybe (");
    ken.post(
        &format!("/posts/{post}/answer"),
        &[("answer", "yes please")],
    )
    .assert_status(422);
    // A post that is not an event takes no answers.
    let plain = ken.write_post("just a post", "local");
    ken.post(&format!("/posts/{plain}/answer"), &[("answer", "going")])
        .assert_status(404);

    // One event as a calendar file.
    let ics = ken.get(&format!("/posts/{post}/event.ics"));
    assert_eq!(
        ics.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    ics.assert_contains("BEGIN:VEVENT")
        .assert_contains("SUMMARY:Movie night")
        .assert_contains("LOCATION:The barn")
        .assert_contains(&format!("UID:{}/posts/{post}", camp.base));

    // Ken's secret feed: read without a session; a new address ends the old one.
    let first_feed = feed_path(&camp, &mut ken);
    let feed = camp.browser().get(&first_feed);
    feed.assert_status(200)
        .assert_contains("SUMMARY:Movie night");
    camp.browser()
        .get("/calendar/0123456789abcdef0123456789abcdef0123456789abcdef.ics")
        .assert_status(404);
    ken.post("/events/feed", &[]).assert_status(303);
    camp.browser().get(&first_feed).assert_status(404);
    // A suspension ends the new address too, and restoring Ken does not bring it back.
    let renewed = feed_path(&camp, &mut ken);
    assert_ne!(renewed, first_feed);
    camp.browser().get(&renewed).assert_status(200);
    let ken_id = camp.query_i64("SELECT id FROM accounts WHERE username = 'ken'");
    hana.post(&format!("/admin/members/{ken_id}/suspend"), &[])
        .assert_status(303);
    camp.browser().get(&renewed).assert_status(404);
    // Nor is a suspended member named among those coming.
    hana.get(&format!("/posts/{post}"))
        .assert_contains("<strong>Going (1): </strong><a href=\"/@hana\">@hana</a></p>");
    hana.post(&format!("/admin/members/{ken_id}/unsuspend"), &[])
        .assert_status(303);
    camp.browser().get(&renewed).assert_status(404);
    let mut ken = camp.logged_in("ken");

    // Apps read the event as a post that says what, when and where.
    let client = crate::api::Client::new(&camp);
    let token = crate::api::token_for(&camp, &client, "ken", "read");
    let status = client.get(&format!("/api/v1/statuses/{post}"), Some(&token));
    let content = status.json["content"].as_str().unwrap();
    assert!(content.contains("📅 Movie night"), "{content}");
    assert!(content.contains("(Europe/Berlin)"), "{content}");

    // The organizer moves it a day later and to the lake; nobody else may, and a bad time
    // changes nothing.
    let mut moved = movie_night(3 * 86_400, "local");
    moved[4].1 = "The lake".into();
    ken.post(&format!("/posts/{post}/event"), &fields(&moved))
        .assert_status(403);
    hana.get(&format!("/posts/{post}/event"))
        .assert_status(200)
        .assert_contains(&format!(
            "value=\"{}\"",
            input_value(starts, "Europe/Berlin")
        ))
        .assert_contains("Times are in Europe/Berlin");
    let mut bad = moved.clone();
    bad[1].1 = "whenever".into();
    hana.post(&format!("/posts/{post}/event"), &fields(&bad))
        .assert_status(422)
        .assert_contains("is not a date and time");
    assert_eq!(camp.query_i64("SELECT starts_at FROM events"), starts);
    hana.post(&format!("/posts/{post}/event"), &fields(&moved))
        .assert_status(303);
    let starts = camp.query_i64("SELECT starts_at FROM events");
    ken.get(&format!("/posts/{post}"))
        .assert_contains("📍 The lake")
        .assert_contains("edited");
    assert_eq!(camp.query_string("SELECT place FROM events"), "The lake");
    assert!(
        camp.query_string("SELECT text FROM posts WHERE id = (SELECT post_id FROM events)")
            .contains("📍 The lake")
    );
    // The answers stay.
    ken.get("/events").assert_contains("2 going");

    // Within the hour (the workers' tick asks every two seconds; here the test asks): the
    // reminder reaches those going or maybe (Hana, Ken), not Mia.
    assert_eq!(camp.app.send_event_reminders(now()).unwrap(), 0, "not yet");
    assert_eq!(
        camp.app.send_event_reminders(starts - 1800).unwrap(),
        2,
        "half an hour before"
    );
    ken.get("/notifications")
        .assert_contains("their event starts within the hour")
        .assert_contains("Movie night");
    let mut mia = camp.logged_in("mia");
    mia.get("/notifications")
        .assert_lacks("starts within the hour");
    let reminded = client.get("/api/v1/notifications", Some(&token));
    assert_eq!(reminded.json[0]["type"], "status", "{}", reminded.json);
    assert_eq!(reminded.json[0]["status"]["id"], post.to_string());
    // Once only.
    assert_eq!(camp.app.send_event_reminders(starts - 600).unwrap(), 0);
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM notifications WHERE kind = 'event'"),
        2
    );
    // Moved to another day, it is reminded of again; changed but not moved, it is not.
    let mut later = movie_night(5 * 86_400, "local");
    later[4].1 = "The lake".into();
    hana.post(&format!("/posts/{post}/event"), &fields(&later))
        .assert_status(303);
    let starts = camp.query_i64("SELECT starts_at FROM events");
    assert_eq!(camp.app.send_event_reminders(starts - 1800).unwrap(), 2);
    later[6].1 = "Bring two blankets.".into();
    hana.post(&format!("/posts/{post}/event"), &fields(&later))
        .assert_status(303);
    assert_eq!(camp.query_i64("SELECT starts_at FROM events"), starts);
    assert_eq!(camp.app.send_event_reminders(starts - 600).unwrap(), 0);
}

#[test]
fn a_public_event_travels_to_another_camp_as_an_event() {
    let (camps, mut ana, mut bo) = TestCamp::two_following("ana", "bo");
    let (a, b) = (&camps[0], &camps[1]);

    bo.post("/events", &fields(&movie_night(3 * 86_400, "public")))
        .assert_status(303);
    let post = b.query_i64("SELECT post_id FROM events");
    let starts = b.query_i64("SELECT starts_at FROM events");

    // The document is an Event, as Mobilizon and Gancio publish one.
    let doc: serde_json::Value = serde_json::from_str(
        &bo.get_with(&format!("/posts/{post}"), &[("accept", AP)])
            .body,
    )
    .unwrap();
    assert_eq!(doc["type"], "Event");
    assert_eq!(doc["name"], "Movie night");
    assert_eq!(doc["startTime"], porchlight_web::iso_time(starts));
    assert_eq!(doc["endTime"], porchlight_web::iso_time(starts + 3 * 3600));
    assert_eq!(doc["location"]["type"], "Place");
    assert_eq!(doc["location"]["name"], "The barn");
    assert_eq!(doc["timezone"], "Europe/Berlin");
    assert!(
        doc["summary"]
            .as_str()
            .unwrap()
            .ends_with("(Europe/Berlin) · The barn")
    );

    // Ana's camp keeps it as an event: on her home page with its time and place, in her
    // events and her calendar.
    a.wait_for("the event", |a| a.count("events") == 1);
    assert_eq!(a.query_i64("SELECT starts_at FROM events"), starts);
    let home = ana.get("/");
    home.assert_contains("📅 Movie night")
        .assert_contains("📍 The barn")
        .assert_contains("Bring a blanket");
    ana.get("/events").assert_contains("📅 Movie night");
    let remote = a.query_i64("SELECT post_id FROM events");
    ana.post(&format!("/posts/{remote}/answer"), &[("answer", "going")])
        .assert_status(303);
    ana.get(&format!("/posts/{remote}/event.ics"))
        .assert_contains("SUMMARY:Movie night");
}
