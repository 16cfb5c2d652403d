//! Polls, end to end: written in the page's composer and by an app, voted on from a page and
//! from an app, their results, bad input, the end of a poll with its notifications, and a poll
//! travelling between two camps as a Question with a vote coming back.

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use serde_json::{Value, json};

use crate::api::{Client, token_for};

const AP: &str = "application/activity+json";

fn now() -> i64 {
    porchlight_app::db::now()
}

fn iso(t: i64) -> String {
    porchlight_api::entities::timestamp(t)
}

#[test]
fn a_poll_from_the_page_and_from_an_app_with_votes_results_and_its_end() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("mo", Role::Member);
    camp.add_member("jo", Role::Member);
    let mut mo = camp.logged_in("mo");
    let client = Client::new(&camp);
    let jo_token = token_for(&camp, &client, "jo", "read write");
    let hana_token = token_for(&camp, &client, "hana", "read write");
    let mo_token = token_for(&camp, &client, "mo", "read write");

    // One option is not a poll: the form comes back with what was written, nothing stored.
    let bad = hana.post(
        "/posts",
        &[
            ("text", "Movie night: which one?"),
            ("audience", "local"),
            ("poll_option", "Alien"),
            ("poll_option", ""),
            ("poll_expires_in", "86400"),
        ],
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    bad.assert_contains("at least two options")
        .assert_contains("value=\"Alien\"")
        .assert_contains("Movie night: which one?");
    assert_eq!((camp.count("posts"), camp.count("polls")), (0, 0));

    let made = hana.post(
        "/posts",
        &[
            ("text", "Movie night: which one?"),
            ("audience", "local"),
            ("poll_option", "Alien"),
            ("poll_option", " Heat "),
            ("poll_option", "Up"),
            ("poll_option", ""),
            ("poll_expires_in", "86400"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let id = camp.query_i64("SELECT post_id FROM polls");
    let expires_at = camp.query_i64("SELECT expires_at FROM polls");
    let written = camp.query_i64("SELECT created_at FROM posts");
    assert_eq!(expires_at - written, 86400);

    // Its author sees the results; Mo a ballot; nobody has voted.
    hana.get(&format!("/posts/{id}"))
        .assert_contains("Poll results")
        .assert_contains("0 people voted · ends in 1 day")
        .assert_lacks("name=\"choice\"");
    mo.get(&format!("/posts/{id}"))
        .assert_contains("type=\"radio\" name=\"choice\" value=\"1\"")
        .assert_contains("Heat");
    let voted = mo.post(&format!("/posts/{id}/vote"), &[("choice", "1")]);
    assert_eq!(voted.status, 303, "{}", voted.body);
    mo.get(&format!("/posts/{id}"))
        .assert_contains("<strong>100%</strong> Heat ✓")
        .assert_contains("1 person voted")
        .assert_lacks("name=\"choice\"");
    let again = mo.post(&format!("/posts/{id}/vote"), &[("choice", "0")]);
    assert_eq!(again.status, 422, "{}", again.body);
    again.assert_contains("already voted");
    let own = hana.post(&format!("/posts/{id}/vote"), &[("choice", "0")]);
    assert_eq!(own.status, 422);
    own.assert_contains("your own poll");

    // From an app: the Poll entity, value by value.
    let poll = client.get(&format!("/api/v1/polls/{id}"), Some(&jo_token));
    assert_eq!(poll.status, 200, "{}", poll.json);
    let expected = json!({
        "id": id.to_string(),
        "expires_at": iso(expires_at),
        "expired": false,
        "multiple": false,
        "votes_count": 1,
        "voters_count": 1,
        "options": [
            { "title": "Alien", "votes_count": 0 },
            { "title": "Heat", "votes_count": 1 },
            { "title": "Up", "votes_count": 0 },
        ],
        "emojis": [],
        "voted": false,
        "own_votes": [],
    });
    assert_eq!(poll.json, expected);
    let status = client.get(&format!("/api/v1/statuses/{id}"), Some(&jo_token));
    assert_eq!(
        status.json["poll"], expected,
        "the status carries the same poll"
    );
    let by_author = client.get(&format!("/api/v1/polls/{id}"), Some(&hana_token));
    assert_eq!(
        by_author.json["voted"], true,
        "an author has nothing to vote"
    );

    // Bad votes are refused with Mastodon's error shape, and nothing is counted.
    let votes = format!("/api/v1/polls/{id}/votes");
    for (fields, words) in [
        (vec![("choices[]", "0"), ("choices[]", "2")], "one choice"),
        (vec![("choices[]", "7")], "not in this poll"),
        (vec![("choices[]", "first")], "option numbers"),
        (vec![], "Choose an option"),
    ] {
        let r = client.form(&votes, Some(&jo_token), &fields);
        assert_eq!(r.status, 422, "{fields:?}: {}", r.json);
        assert!(
            r.json["error"].as_str().unwrap().contains(words),
            "{}",
            r.json
        );
    }
    assert_eq!(camp.count("poll_votes"), 1);
    let r = client.form(&votes, Some(&jo_token), &[("choices[]", "0")]);
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["voted"], true);
    assert_eq!(r.json["own_votes"], json!([0]));
    assert_eq!(r.json["votes_count"], 2);
    assert_eq!(
        client.get("/api/v1/polls/999999", Some(&jo_token)).status,
        404
    );

    // An app's poll: several choices, five minutes. Bad ones change nothing.
    let instance = client.get("/api/v2/instance", None).json;
    assert_eq!(
        instance["configuration"]["polls"],
        json!({ "max_options": 4, "max_characters_per_option": 50, "min_expiration": 300, "max_expiration": 2592000 })
    );
    for (poll, words) in [
        (
            json!({ "options": ["a"], "expires_in": 3600 }),
            "at least two",
        ),
        (
            json!({ "options": ["a", "b", "c", "d", "e"], "expires_in": 3600 }),
            "at most 4",
        ),
        (
            json!({ "options": ["a", "b"], "expires_in": 10 }),
            "at least 5 minutes",
        ),
        (
            json!({ "options": ["a", "b"], "expires_in": "soon" }),
            "seconds",
        ),
        (
            json!({ "options": ["a", "a"], "expires_in": 3600 }),
            "twice",
        ),
    ] {
        let r = client.json(
            "POST",
            "/api/v1/statuses",
            Some(&hana_token),
            json!({ "status": "snacks?", "poll": poll }),
        );
        assert_eq!(r.status, 422, "{poll}: {}", r.json);
        assert!(
            r.json["error"].as_str().unwrap().contains(words),
            "{}",
            r.json
        );
    }
    assert_eq!(camp.count("polls"), 1, "nothing stored half-way");
    let snacks = client.json(
        "POST",
        "/api/v1/statuses",
        Some(&hana_token),
        json!({ "status": "snacks?",
                "poll": { "options": ["chips", "fruit", "nuts"], "expires_in": 300, "multiple": true } }),
    );
    assert_eq!(snacks.status, 200, "{}", snacks.json);
    let snacks_id = snacks.json["id"].as_str().unwrap().to_string();
    assert_eq!(snacks.json["poll"]["multiple"], true);
    assert_eq!(snacks.json["poll"]["options"][2]["title"], "nuts");
    // Mo picks two.
    let r = client.form(
        &format!("/api/v1/polls/{snacks_id}/votes"),
        Some(&mo_token),
        &[("choices[]", "2"), ("choices[]", "0")],
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["own_votes"], json!([0, 2]));
    assert_eq!(
        (
            r.json["votes_count"].clone(),
            r.json["voters_count"].clone()
        ),
        (json!(2), json!(1))
    );
    // Jo picks one (a camp member sees a poll for the camp).
    let r = client.form(
        &format!("/api/v1/polls/{snacks_id}/votes"),
        Some(&jo_token),
        &[("choices[]", "1")],
    );
    assert_eq!(r.status, 200, "{}", r.json);
    let counts: Vec<&Value> = r.json["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["votes_count"])
        .collect();
    assert_eq!(counts, [&json!(1), &json!(1), &json!(1)]);
    assert_eq!(
        (
            r.json["votes_count"].clone(),
            r.json["voters_count"].clone()
        ),
        (json!(3), json!(2))
    );

    // The end: both polls close; voters and the author hear of it, once.
    assert_eq!(camp.app.end_polls(now()).unwrap(), 0, "nothing is due yet");
    assert_eq!(camp.app.end_polls(now() + 2 * 86400).unwrap(), 2);
    assert_eq!(
        camp.app.end_polls(now() + 3 * 86400).unwrap(),
        0,
        "announced once"
    );
    let polls_told = |name: &str| {
        camp.query_i64(&format!(
            "SELECT COUNT(*) FROM notifications n JOIN accounts a ON a.id = n.account_id \
             WHERE n.kind = 'poll' AND a.username = '{name}'"
        ))
    };
    assert_eq!(
        (polls_told("hana"), polls_told("mo"), polls_told("jo")),
        (2, 2, 2)
    );
    let told = client.get("/api/v1/notifications", Some(&jo_token)).json;
    assert_eq!(told[0]["type"], "poll");
    assert_eq!(told[0]["account"]["acct"], "hana");
    assert_eq!(told[0]["status"]["poll"]["expired"], true);
    mo.get("/notifications")
        .assert_contains("a poll of theirs you took part in has ended");
    mo.get(&format!("/posts/{id}")).assert_contains("ended");
    let late = client.form(&votes, Some(&hana_token), &[("choices[]", "0")]);
    assert_eq!(late.status, 422);
    camp.add_member("zed", Role::Member);
    let mut zed = camp.logged_in("zed");
    let late = zed.post(&format!("/posts/{id}/vote"), &[("choice", "0")]);
    assert_eq!(late.status, 422);
    late.assert_contains("has ended");
}

#[test]
fn a_poll_travels_as_a_question_and_a_vote_comes_back() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("ana", Role::Host);
    b.add_member("bo", Role::Host);
    let mut ana = a.logged_in("ana");
    let mut bo = b.logged_in("bo");
    let ana_handle = format!("ana@{}", a.host());
    bo.post(&format!("/@{ana_handle}/follow"), &[]);
    b.wait_for("Ana's camp to accept the follow", |b| {
        b.count("follows") == 1
    });

    let made = ana.post(
        "/posts",
        &[
            ("text", "tea or coffee?"),
            ("audience", "public"),
            ("poll_option", "tea"),
            ("poll_option", "coffee"),
            ("poll_expires_in", "3600"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let id = a.query_i64("SELECT post_id FROM polls");
    let question: Value = serde_json::from_str(
        &a.browser()
            .get_with(&format!("/posts/{id}"), &[("accept", AP)])
            .body,
    )
    .unwrap();
    assert_eq!(question["type"], "Question");
    assert_eq!(question["oneOf"][1]["name"], "coffee");

    b.wait_for("the Question to arrive", |b| b.count("polls") == 1);
    let there = b.query_i64("SELECT post_id FROM polls");
    assert_eq!(
        b.query_i64("SELECT expires_at FROM polls"),
        a.query_i64("SELECT expires_at FROM polls")
    );
    let client = Client::new(b);
    let token = token_for(b, &client, "bo", "read write");
    let poll = client
        .get(&format!("/api/v1/polls/{there}"), Some(&token))
        .json;
    assert_eq!(poll["options"][0]["title"], "tea");
    assert_eq!(poll["voted"], false);
    let r = client.form(
        &format!("/api/v1/polls/{there}/votes"),
        Some(&token),
        &[("choices[]", "1")],
    );
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(r.json["own_votes"], json!([1]));

    // Ana's camp counts it (Bo is someone elsewhere who follows her), and keeps no post of it.
    a.wait_for("Bo's vote to be counted", |a| {
        a.query_i64("SELECT votes FROM poll_options WHERE position = 1") == 1
    });
    assert_eq!(a.count("posts"), 1, "a vote is not a post");
    let question: Value = serde_json::from_str(
        &a.browser()
            .get_with(&format!("/posts/{id}"), &[("accept", AP)])
            .body,
    )
    .unwrap();
    assert_eq!(question["oneOf"][1]["replies"]["totalItems"], 1);
    assert_eq!(question["votersCount"], 1);
    ana.get(&format!("/posts/{id}"))
        .assert_contains("<strong>100%</strong> coffee");
    // The same vote again (a retry, or a second one for a one-choice poll) counts once.
    let r = client.form(
        &format!("/api/v1/polls/{there}/votes"),
        Some(&token),
        &[("choices[]", "0")],
    );
    assert_eq!(r.status, 422);

    // It ends: Ana's camp sends it closed, with the final count; Bo hears of the end.
    assert_eq!(a.app.end_polls(now() + 7200).unwrap(), 1);
    b.wait_for("the closed Question to arrive", |b| {
        b.query_i64("SELECT closed FROM polls") == 1
    });
    assert_eq!(
        b.query_i64("SELECT votes FROM poll_options WHERE position = 1"),
        1
    );
    assert_eq!(
        b.count("post_edits"),
        0,
        "a count that changed is not an edit"
    );
    assert_eq!(b.app.end_polls(now()).unwrap(), 1);
    assert_eq!(
        b.query_i64("SELECT COUNT(*) FROM notifications WHERE kind = 'poll'"),
        1
    );
    let poll = client
        .get(&format!("/api/v1/polls/{there}"), Some(&token))
        .json;
    assert_eq!(poll["expired"], true);
    assert_eq!(poll["options"][1]["votes_count"], 1);
}
