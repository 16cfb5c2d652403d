//! Camp life through the real server: a newcomer introduced by the host and welcomed on the Camp
//! timeline, the host's "new this week" and "here today", a new host's next steps, and a new
//! member's first page (who is here, and the Camp timeline instead of an empty home).

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;

use crate::care::member_id;

#[test]
fn a_host_introduces_a_newcomer_and_welcomes_them_on_the_camp_timeline() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let ken = camp.add_member("ken", Role::Member);
    camp.add_member("mia", Role::Moderator);
    let hana_id = member_id(&camp, "hana");
    let mut ken_b = camp.logged_in("ken");
    let mut mia = camp.logged_in("mia");

    // The host's page names who is new and not introduced yet, and who was here today.
    let admin = hana.get("/admin");
    admin
        .assert_contains(&format!(
            "<a href=\"/admin/members/{ken}\">@ken</a> (not introduced yet)"
        ))
        .assert_contains("<a href=\"/@ken\">@ken</a>");

    // Too long changes nothing; a moderator does not write about a host.
    hana.post(
        &format!("/admin/members/{ken}/introduce"),
        &[("introduction", &"x".repeat(301))],
    )
    .assert_status(422);
    mia.post(
        &format!("/admin/members/{hana_id}/introduce"),
        &[("introduction", "the boss")],
    )
    .assert_status(403);
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM users WHERE introduction != ''"),
        0
    );

    let line = "Ken builds boats and bakes bread; talk to Mia about sourdough.";
    hana.post(
        &format!("/admin/members/{ken}/introduce"),
        &[("introduction", line)],
    )
    .assert_status(303);
    ken_b
        .get("/@ken")
        .assert_contains("The hosts say: ")
        .assert_contains(line);
    mia.get("/members").assert_contains(line);
    hana.get("/admin").assert_lacks(&format!(
        "<a href=\"/admin/members/{ken}\">@ken</a> (not introduced yet)"
    ));

    // One click posts the welcome, as the host, on the Camp timeline; Ken is told.
    let welcomed = hana.post(&format!("/admin/members/{ken}/welcome"), &[]);
    assert_eq!(welcomed.status, 303, "{}", welcomed.body);
    assert!(
        welcomed
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/posts/")),
        "{:?}",
        welcomed.location
    );
    mia.get("/local")
        .assert_contains("Everyone, please welcome <a")
        .assert_contains("talk to Mia about sourdough");
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM posts WHERE audience = 'local' AND text LIKE 'Everyone, please welcome @ken%'"),
        1
    );
    ken_b.get("/notifications").assert_contains("mentioned you");
    hana.get("/admin/log").assert_contains(&format!(
        "<strong>@hana</strong> introduced <strong>@ken</strong> — “{line}”"
    ));
}

#[test]
fn a_new_host_sees_next_steps_and_a_new_member_sees_who_is_here_and_the_camp() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    // A new host's next steps: none done yet.
    let home = hana.get("/");
    home.assert_contains("id=\"next-steps\"")
        .assert_contains("<a href=\"/admin#invites\">Invite someone</a>")
        .assert_contains("<a href=\"/admin#site\">Write the code of conduct</a>");
    hana.post(
        "/admin/site",
        &[
            ("site_name", "Camp"),
            ("member_cap", "50"),
            ("code_of_conduct", "Be kind"),
        ],
    )
    .assert_status(303);
    hana.make_invite("", "1");
    hana.get("/")
        .assert_contains("✓ <s>Invite someone</s>")
        .assert_contains("✓ <s>Write the code of conduct</s>")
        .assert_contains("Make someone you trust a co-host")
        .assert_contains("<a href=\"/admin#look\">Give the camp its look");
    hana.post(
        "/admin/look",
        &[("accent", "#2a6f4e"), ("description", ""), ("about", "")],
    )
    .assert_status(303);
    hana.get("/").assert_contains("✓ <s>Give the camp its look");

    camp.add_member("cy", Role::Member);
    camp.add_member("jo", Role::Member);
    camp.add_member("rex", Role::Member);
    camp.add_member("zed", Role::Member);
    camp.logged_in("cy")
        .write_post("Campfire at eight, bring marshmallows", "local");
    camp.add_member("ken", Role::Member);
    let mut ken = camp.logged_in("ken");
    // Rex blocked Ken: neither is offered to the other. Ken muted Zed: not offered either.
    camp.logged_in("rex")
        .post("/@ken/block", &[])
        .assert_status(303);
    ken.post("/@zed/mute", &[]).assert_status(303);

    // Apps are offered the same people, as Mastodon's suggestions.
    let client = crate::api::Client::new(&camp);
    let token = crate::api::token_for(&camp, &client, "ken", "read");
    let suggested = client.get("/api/v2/suggestions", Some(&token));
    assert_eq!(suggested.status, 200, "{}", suggested.json);
    let names: Vec<&str> = suggested
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["account"]["acct"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hana", "cy", "jo"]);
    assert_eq!(suggested.json[0]["source"], "staff");
    assert_eq!(
        suggested.json[0]["sources"],
        serde_json::json!(["featured"])
    );
    let v1 = client.get("/api/v1/suggestions?limit=2", Some(&token));
    let names: Vec<&str> = v1
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["acct"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["hana", "cy"]);

    // Ken follows nobody: his first page offers who is here and shows the Camp timeline.
    let first = ken.get("/");
    first
        .assert_contains("id=\"who-is-here\"")
        .assert_contains("aria-label=\"Follow @cy\"")
        .assert_contains("aria-label=\"Follow @jo\"")
        .assert_contains("aria-label=\"Follow @hana\"")
        .assert_lacks("aria-label=\"Follow @ken\"")
        .assert_lacks("aria-label=\"Follow @rex\"")
        .assert_lacks("aria-label=\"Follow @zed\"")
        .assert_contains("id=\"camp-timeline\"")
        .assert_contains("Campfire at eight")
        .assert_lacks("id=\"next-steps\"");
    for name in ["cy", "jo"] {
        ken.post(&format!("/@{name}/follow"), &[("back", "/")])
            .assert_status(303);
    }
    ken.get("/")
        .assert_lacks("aria-label=\"Follow @cy\"")
        .assert_contains("aria-label=\"Follow @hana\"");
    let names: Vec<String> = client
        .get("/api/v2/suggestions", Some(&token))
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["account"]["acct"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["hana"], "those Ken follows are not suggested");
    ken.post("/@hana/follow", &[]).assert_status(303);
    // Following three, his home is his own.
    ken.get("/")
        .assert_lacks("id=\"who-is-here\"")
        .assert_lacks("id=\"camp-timeline\"")
        .assert_contains("Campfire at eight");
}

#[test]
fn notifications_quote_the_post_threads_say_when_and_the_fediverse_tab_waits_for_a_name() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("ken", Role::Member);
    let mut ken = camp.logged_in("ken");
    let said = hana.write_post("@ken movie night is at eight in the barn", "local");
    hana.post(
        "/posts",
        &[
            ("text", "@ken the twist is that the barn was a boat"),
            ("audience", "local"),
            ("content_warning", "spoilers"),
        ],
    )
    .assert_status(303);
    let long = format!("@ken {}", "word ".repeat(60));
    hana.write_post(&long, "local");
    let page = ken.get("/notifications");
    page.assert_contains(&format!(
        "<a class=\"excerpt\" href=\"/posts/{said}\">“@ken movie night is at eight in the barn”</a>"
    ))
    .assert_contains("“CW: spoilers”")
    .assert_lacks("the barn was a boat")
    .assert_contains("word word…”");

    // A thread page says exactly when, for the post it is about and its replies, in UTC for the
    // page (the script shows it in the reader's zone); lists say how long ago.
    ken.reply(said, "I'll bring popcorn", "local");
    let thread = ken.get(&format!("/posts/{said}"));
    assert_eq!(
        thread
            .body
            .matches("<time class=\"local\" datetime=")
            .count(),
        2,
        "the post and its reply: {}",
        thread.body
    );
    assert!(thread.body.contains(" UTC</time>"), "{}", thread.body);
    ken.get("/local").assert_lacks("class=\"local\"");

    // No public name, no Fediverse tab; a camp that talks to other servers has one.
    ken.get("/").assert_lacks("href=\"/federated\"");
    let federating = TestCamp::federating();
    federating.add_member("ana", Role::Host);
    federating
        .logged_in("ana")
        .get("/")
        .assert_contains("href=\"/federated\"");
}

#[test]
fn any_member_sounds_the_bugle_to_everyone_who_wants_to_hear_it() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let ken = camp.add_member("ken", Role::Member);
    camp.add_member("mo", Role::Member);
    camp.add_member("jo", Role::Member);
    camp.add_member("mia", Role::Moderator);
    let mut ken_b = camp.logged_in("ken");
    let mut mo = camp.logged_in("mo");
    let mut jo = camp.logged_in("jo");
    let mut mia = camp.logged_in("mia");
    // Jo turns it off; Mo blocks Ken.
    jo.post("/settings/bugle", &[]).assert_status(303);
    jo.get("/settings")
        .assert_lacks("name=\"hears\" value=\"on\" checked");
    mo.post("/@ken/block", &[]).assert_status(303);

    ken_b.get("/members").assert_contains("href=\"/bugle\"");
    ken_b
        .get("/bugle")
        .assert_contains("2 campers will hear it")
        .assert_contains("3 more times today");
    ken_b
        .post("/bugle", &[("text", "  ")])
        .assert_status(422)
        .assert_contains("Write what the bugle says");
    assert_eq!(camp.count("posts"), 0);
    let sent = ken_b.post("/bugle", &[("text", "Movie night moved to Saturday")]);
    assert_eq!(sent.status, 303, "{}", sent.body);
    ken_b
        .get("/bugle?sent=1")
        .assert_contains("The bugle sounded");
    let post = camp.query_i64("SELECT id FROM posts");
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM posts WHERE audience = 'direct'"),
        1
    );
    assert_eq!(camp.count("post_mentions"), 2, "Hana and Mia");
    hana.get("/notifications")
        .assert_contains("Movie night moved to Saturday");
    mia.get(&format!("/posts/{post}")).assert_status(200);
    jo.get("/notifications").assert_lacks("Movie night");
    mo.get("/notifications").assert_lacks("Movie night");
    jo.get(&format!("/posts/{post}")).assert_status(404);

    // Three a day; deleting one does not give it back.
    for text in ["Kettle is on", "Road is closed"] {
        ken_b.post("/bugle", &[("text", text)]).assert_status(303);
    }
    ken_b
        .post(&format!("/posts/{post}/delete"), &[])
        .assert_status(303);
    ken_b
        .post("/bugle", &[("text", "One more")])
        .assert_status(422)
        .assert_contains("3 times in the last day");
    assert_eq!(camp.count("bugles"), 3);

    // A moderator takes it away, and gives it back; the log keeps both.
    mia.post(&format!("/admin/members/{ken}/bugle"), &[("taken", "on")])
        .assert_status(303);
    ken_b
        .get("/bugle")
        .assert_contains("taken the bugle from you")
        .assert_lacks("id=\"bugle\"");
    mia.post(&format!("/admin/members/{ken}/bugle"), &[("taken", "off")])
        .assert_status(303);
    ken_b
        .get("/bugle")
        .assert_contains("you can sound it again in");
    hana.get("/admin/log")
        .assert_contains("<strong>@mia</strong> took the bugle from <strong>@ken</strong>")
        .assert_contains("<strong>@mia</strong> gave the bugle back to <strong>@ken</strong>");
}

#[test]
fn a_bugle_nobody_would_hear_says_so_without_naming_why() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("ken", Role::Member);
    camp.add_member("jo", Role::Member);
    let mut ken = camp.logged_in("ken");
    // Hana turns the bugle off; Jo blocks Ken. Ken is told nobody would hear, not who or why.
    hana.post("/settings/bugle", &[]).assert_status(303);
    camp.logged_in("jo")
        .post("/@ken/block", &[])
        .assert_status(303);
    let refused =
        "Nobody would hear it right now: no one else in the camp is listening to the bugle.";
    ken.get("/bugle").assert_contains(refused);
    ken.post("/bugle", &[("text", "Anyone?")])
        .assert_status(422)
        .assert_contains(refused);
    assert_eq!(camp.count("posts"), 0);
}

#[test]
fn announcements_stay_on_every_page_until_dismissed_and_apps_read_and_react_to_them() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("ken", Role::Member);
    let mut ken = camp.logged_in("ken");
    // Only hosts and moderators announce; an empty one is refused.
    ken.post("/admin/announcements", &[("text", "I am the host now")])
        .assert_status(403);
    hana.post("/admin/announcements", &[("text", "  ")])
        .assert_status(422);
    assert_eq!(camp.count("announcements"), 0);
    hana.post(
        "/admin/announcements",
        &[("text", "The well is fixed: water is back from tonight.")],
    )
    .assert_status(303);
    let id = camp.query_i64("SELECT id FROM announcements");

    // On every page Ken opens, until he dismisses it (and back where he was).
    for path in ["/", "/members", "/settings"] {
        ken.get(path)
            .assert_contains("class=\"announcement\"")
            .assert_contains("The well is fixed");
    }
    let dismissed = ken.post(
        &format!("/announcements/{id}/dismiss"),
        &[("back", "/members")],
    );
    assert_eq!(dismissed.location.as_deref(), Some("/members"));
    ken.get("/").assert_lacks("The well is fixed");
    hana.get("/").assert_contains("The well is fixed");

    // Apps: the list (read for Ken), a reaction, a bad one, dismissing.
    let client = crate::api::Client::new(&camp);
    let ken_token = crate::api::token_for(&camp, &client, "ken", "read write");
    let hana_token = crate::api::token_for(&camp, &client, "hana", "read write");
    let list = client.get("/api/v1/announcements", Some(&ken_token));
    assert_eq!(list.status, 200, "{}", list.json);
    assert_eq!(list.json[0]["id"], id.to_string());
    assert_eq!(
        list.json[0]["content"],
        "<p>The well is fixed: water is back from tonight.</p>"
    );
    assert_eq!(list.json[0]["read"], true);
    let reaction =
        "/api/v1/announcements/".to_string() + &id.to_string() + "/reactions/%F0%9F%8E%89";
    assert_eq!(
        client
            .json("PUT", &reaction, Some(&ken_token), serde_json::json!({}))
            .status,
        200
    );
    let bad = client.json(
        "PUT",
        &format!("/api/v1/announcements/{id}/reactions/ok"),
        Some(&ken_token),
        serde_json::json!({}),
    );
    assert_eq!(bad.status, 422);
    let seen = client.get("/api/v1/announcements", Some(&hana_token));
    assert_eq!(seen.json[0]["read"], false);
    assert_eq!(
        seen.json[0]["reactions"],
        serde_json::json!([{ "name": "🎉", "count": 1, "me": false }])
    );
    let done = client.form(
        &format!("/api/v1/announcements/{id}/dismiss"),
        Some(&hana_token),
        &[],
    );
    assert_eq!(done.status, 200);
    assert_eq!(
        client.get("/api/v1/announcements", Some(&hana_token)).json[0]["read"],
        true
    );
    assert_eq!(
        client
            .json("DELETE", &reaction, Some(&ken_token), serde_json::json!({}))
            .status,
        200
    );
    assert_eq!(
        client.get("/api/v1/announcements", Some(&ken_token)).json[0]["reactions"],
        serde_json::json!([])
    );
    // A keycap is an emoji, and so is one of the camp's own (with its picture for apps).
    let png = porchlight_pictures::samples::png(32, 32);
    hana.post_multipart(
        "/admin/emoji",
        &[("shortcode", "campfire")],
        &[("picture", "fire.png", "image/png", &png)],
    )
    .assert_status(303);
    for name in ["1%EF%B8%8F%E2%83%A3", "campfire"] {
        let r = client.json(
            "PUT",
            &format!("/api/v1/announcements/{id}/reactions/{name}"),
            Some(&ken_token),
            serde_json::json!({}),
        );
        assert_eq!(r.status, 200, "{name}: {}", r.json);
    }
    let reactions =
        client.get("/api/v1/announcements", Some(&ken_token)).json[0]["reactions"].clone();
    let names: Vec<&str> = reactions
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"1\u{FE0F}\u{20E3}") && names.contains(&"campfire"),
        "{reactions}"
    );
    let campfire = reactions
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "campfire")
        .unwrap();
    let url = campfire["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/emoji/", camp.base)),
        "{campfire}"
    );
    assert_eq!(campfire["static_url"], url);
    assert_eq!(
        camp.browser()
            .get(url.strip_prefix(&camp.base).unwrap())
            .status,
        200
    );

    // Withdrawn: gone from pages and apps; logged.
    hana.post(&format!("/admin/announcements/{id}/withdraw"), &[])
        .assert_status(303);
    assert_eq!(
        client.get("/api/v1/announcements", Some(&ken_token)).json,
        serde_json::json!([])
    );
    hana.get("/admin/log")
        .assert_contains("<strong>@hana</strong> announced <strong>to the camp</strong>");

    // Apps list them oldest first, as Mastodon does.
    for text in ["First: the well", "Second: the gate"] {
        hana.post("/admin/announcements", &[("text", text)])
            .assert_status(303);
    }
    let listed: Vec<String> = client
        .get("/api/v1/announcements", Some(&ken_token))
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["content"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        listed,
        ["<p>First: the well</p>", "<p>Second: the gate</p>"]
    );
}

#[test]
fn a_picture_without_a_description_still_names_its_link() {
    let (_camp, mut hana) = TestCamp::with_host("hana");
    let photo = porchlight_pictures::samples::jpeg(40, 30, Some(1));
    let posted = hana.post_multipart(
        "/posts",
        &[("text", "the lake"), ("audience", "local")],
        &[("picture", "lake.jpg", "image/jpeg", &photo)],
    );
    assert_eq!(posted.status, 303, "{}", posted.body);
    hana.get("/local")
        .assert_contains("alt=\"A picture (no description)\"")
        .assert_lacks("alt=\"\" loading");
}

#[test]
fn a_bugle_naming_someone_elsewhere_is_refused_and_nothing_leaves() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("ana", Role::Host);
    b.add_member("bo", Role::Host);
    b.add_member("bea", Role::Member);
    let mut ana = a.logged_in("ana");
    let bea_handle = format!("bea@{}", b.host());
    ana.get(&format!("/@{bea_handle}")).assert_status(200);
    ana.post(&format!("/@{bea_handle}/follow"), &[])
        .assert_status(303);
    b.wait_for("Ana's follow", |b| b.count("follows") == 1);
    // (The Accept of the follow is delivered first, so that the count below is steady.)
    b.settle();
    let mut bea = b.logged_in("bea");
    let jobs = b.count("jobs");
    bea.post(
        "/bugle",
        &[(
            "text",
            &format!("Party tonight! @ana@{} come too", a.host()),
        )],
    )
    .assert_status(422)
    .assert_contains("The bugle stays in the camp");
    assert_eq!((b.count("posts"), b.count("bugles")), (0, 0));
    assert_eq!(b.count("jobs"), jobs, "nothing queued for the other camp");
}

#[test]
fn a_phone_photo_gets_display_copies_a_blurhash_and_a_full_size_page() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    // 3000 × 2000 stored on its side (orientation 6): shown 2000 × 3000.
    let photo = porchlight_pictures::samples::photo(3000, 2000, 6);
    let posted = hana.post_multipart(
        "/posts",
        &[
            ("text", "the lake"),
            ("audience", "local"),
            ("picture_description", "The lake at dawn"),
        ],
        &[("picture", "lake.jpg", "image/jpeg", &photo)],
    );
    assert_eq!(posted.status, 303, "{}", posted.body);
    let post = camp.query_i64("SELECT id FROM posts");
    let original = camp.query_string("SELECT file_name FROM uploads");
    let small = camp.query_string("SELECT file_name FROM picture_copies WHERE size = 'small'");
    let large = camp.query_string("SELECT file_name FROM picture_copies WHERE size = 'large'");

    // Each copy is served, upright and of the size the page says.
    for (name, size) in [
        (&small, (427, 640)),
        (&large, (853, 1280)),
        (&original, (2000, 3000)),
    ] {
        let file = hana.get(&format!("/files/{name}"));
        assert_eq!(file.status, 200, "{name}");
        assert_eq!(file.header("content-type"), Some("image/jpeg"));
        let read = porchlight_pictures::clean(&file.bytes).unwrap();
        assert_eq!((read.width, read.height), size, "{name}");
    }
    // The timeline shows the small copy, the large one for sharp screens, with its size, and
    // links to the picture's own page.
    hana.get("/local")
        .assert_contains(&format!(
            "src=\"/files/{small}\" srcset=\"/files/{small} 427w, /files/{large} 853w\""
        ))
        .assert_contains("width=\"427\" height=\"640\"")
        .assert_contains(&format!("href=\"/posts/{post}/pictures/1\""));
    hana.get(&format!("/posts/{post}/pictures/1"))
        .assert_status(200)
        .assert_contains(&format!(
            "src=\"/files/{large}\" width=\"853\" height=\"1280\""
        ))
        .assert_contains("The lake at dawn")
        .assert_contains(&format!(
            "<a href=\"/files/{original}\">Full size (2000 × 3000)</a>"
        ));
    hana.get(&format!("/posts/{post}/pictures/2"))
        .assert_status(404);
    hana.get(&format!("/posts/{post}/pictures/0"))
        .assert_status(404);

    // Apps: the small copy as the preview, both sizes, and a blurhash.
    let client = crate::api::Client::new(&camp);
    let token = crate::api::token_for(&camp, &client, "hana", "read");
    let status = client.get(&format!("/api/v1/statuses/{post}"), Some(&token));
    let media = &status.json["media_attachments"][0];
    assert_eq!(media["url"], format!("{}/files/{original}", camp.base));
    assert_eq!(media["preview_url"], format!("{}/files/{small}", camp.base));
    assert_eq!(media["meta"]["small"]["width"], 427);
    assert_eq!(media["meta"]["original"]["height"], 3000);
    assert_eq!(
        media["blurhash"].as_str().map(str::len),
        Some(28),
        "{media}"
    );

    // Deleting the post deletes the copies.
    hana.post(&format!("/posts/{post}/delete"), &[]);
    assert_eq!(camp.count("picture_copies"), 0);
    hana.get(&format!("/files/{small}")).assert_status(404);
}

#[test]
fn members_choose_an_avatar_and_header_from_the_page_and_from_an_app() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("ken", Role::Member);
    let photo = porchlight_pictures::samples::photo(1200, 900, 1);

    // Before choosing, everyone has an avatar drawn from their name, served as a PNG.
    hana.get("/members")
        .assert_contains("src=\"/avatars/hana.png\"")
        .assert_contains("src=\"/avatars/ken.png\"");
    let drawn = hana.get("/avatars/ken.png");
    assert_eq!(drawn.header("content-type"), Some("image/png"));
    let drawn_size = porchlight_pictures::clean(&drawn.bytes).unwrap();
    assert_eq!((drawn_size.width, drawn_size.height), (120, 120));
    assert_ne!(drawn.bytes, hana.get("/avatars/hana.png").bytes);
    hana.get("/avatars/..%2Fetc.png").assert_status(404);

    // A file that is not a picture changes nothing and says why.
    let refused = hana.post_multipart(
        "/settings/pictures",
        &[],
        &[
            ("avatar", "me.jpg", "image/jpeg", &photo),
            ("header", "notes.txt", "text/plain", b"not a picture"),
        ],
    );
    assert_eq!(refused.status, 422);
    refused.assert_contains("not a picture");
    let gif = b"GIF89a\x02\x00\x02\x00\x00\x00\x00;";
    hana.post_multipart(
        "/settings/pictures",
        &[],
        &[("avatar", "me.gif", "image/gif", gif)],
    )
    .assert_status(422)
    .assert_contains("Avatars and headers are cut from JPEG or PNG pictures; this one is a GIF.");
    assert_eq!(camp.count("profile_pictures"), 0);

    let saved = hana.post_multipart(
        "/settings/pictures",
        &[],
        &[
            ("avatar", "me.jpg", "image/jpeg", &photo),
            ("header", "lake.jpg", "image/jpeg", &photo),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let avatar = camp.query_string("SELECT avatar_url FROM accounts WHERE username = 'hana'");
    let header = camp.query_string("SELECT header_url FROM accounts WHERE username = 'hana'");
    let mut cut = |path: &str| {
        let file = hana.get(path);
        assert_eq!(file.status, 200, "{path}");
        let p = porchlight_pictures::clean(&file.bytes).unwrap();
        (p.width, p.height)
    };
    assert_eq!(cut(&avatar), (400, 400), "a square from the middle");
    assert_eq!(cut(&header), (1200, 400), "three to one");
    hana.write_post("with a face now", "local");
    hana.get("/local")
        .assert_contains(&format!("src=\"{avatar}\""));
    hana.get("/@hana")
        .assert_contains(&format!("src=\"{header}\""))
        .assert_contains(&format!("src=\"{avatar}\""));

    // Apps see it, and change it with update_credentials.
    let client = crate::api::Client::new(&camp);
    let token = crate::api::token_for(&camp, &client, "ken", "read write");
    let me = client.get("/api/v1/accounts/verify_credentials", Some(&token));
    assert_eq!(me.json["avatar"], format!("{}/avatars/ken.png", camp.base));
    // No header: an address all the same (a see-through pixel), as Mastodon gives.
    let header = me.json["header"].as_str().unwrap();
    assert_eq!(header, format!("{}/static/header.png", camp.base));
    assert_eq!(me.json["header_static"], header);
    let pixel = camp.browser().get("/static/header.png");
    assert_eq!(pixel.header("content-type"), Some("image/png"));
    assert!(pixel.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let (content_type, body) = porchlight_testkit::multipart(
        &[("display_name", "Ken")],
        &[("avatar", "ken.jpg", "image/jpeg", &photo)],
    );
    let updated = client.send_raw(
        "PATCH",
        "/api/v1/accounts/update_credentials",
        Some(&token),
        &content_type,
        body,
    );
    assert_eq!(updated.status, 200, "{}", updated.json);
    let ken_avatar = camp.query_string("SELECT avatar_url FROM accounts WHERE username = 'ken'");
    assert_eq!(updated.json["avatar"], format!("{}{ken_avatar}", camp.base));
    assert_eq!(updated.json["display_name"], "Ken");
    // A display name too long refuses the whole change, picture included.
    let (content_type, body) = porchlight_testkit::multipart(
        &[("display_name", &"k".repeat(200))],
        &[("header", "ken.jpg", "image/jpeg", &photo)],
    );
    let refused = client.send_raw(
        "PATCH",
        "/api/v1/accounts/update_credentials",
        Some(&token),
        &content_type,
        body,
    );
    assert_eq!(refused.status, 422, "{}", refused.json);
    assert_eq!(
        camp.query_i64(
            "SELECT COUNT(*) FROM accounts WHERE username = 'ken' AND header_url IS NOT NULL"
        ),
        0
    );

    // Going back to the drawn avatar removes the picture.
    hana.post_multipart("/settings/pictures", &[("remove", "avatar")], &[])
        .assert_status(303);
    hana.get(&avatar).assert_status(404);
    hana.get("/@hana")
        .assert_contains("src=\"/avatars/hana.png\"");
}

#[test]
fn the_host_gives_the_camp_a_look_visitors_apps_and_servers_see() {
    let camp = TestCamp::federating();
    camp.add_member("hana", Role::Host);
    camp.add_member("ken", Role::Member);
    let mut hana = camp.logged_in("hana");
    let mut ken = camp.logged_in("ken");
    let header = porchlight_pictures::samples::photo(2000, 1000, 1);
    let look = |accent: &str, description: &str| {
        vec![
            ("accent", accent.to_string()),
            ("description", description.to_string()),
            (
                "about",
                "We are neighbours on Elm Street.\n\nWe share tools and recipes.".to_string(),
            ),
        ]
    };
    let send =
        |b: &mut porchlight_testkit::Browser, fields: &[(&str, String)], file: Option<&[u8]>| {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            match file {
                Some(bytes) => b.post_multipart(
                    "/admin/look",
                    &fields,
                    &[("header", "h.jpg", "image/jpeg", bytes)],
                ),
                None => b.post_multipart("/admin/look", &fields, &[]),
            }
        };

    // Only a host; a colour that is not one changes nothing (the header included).
    send(&mut ken, &look("#2a7ab5", "x"), None).assert_status(403);
    send(&mut hana, &look("#2a7ab5;}", "Elm Street"), Some(&header)).assert_status(422);
    send(&mut hana, &look("#2a7ab5", &"x".repeat(301)), Some(&header)).assert_status(422);
    assert_eq!(camp.count("profile_pictures"), 0);
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM settings WHERE key = 'accent'"),
        0
    );

    send(
        &mut hana,
        &look("#2A7AB5", "The Elm Street camp."),
        Some(&header),
    )
    .assert_status(303);
    let page = ken.get("/");
    page.assert_contains("<link rel=\"stylesheet\" href=\"/look/2a7ab5.css\">");
    let css = ken.get("/look/2a7ab5.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    css.assert_contains("border-top: 4px solid #2a7ab5")
        .assert_contains(&format!(
            "--accent: {}",
            porchlight_core::look::for_light_pages("#2a7ab5")
        ));
    ken.get("/look/2a7ab5%7D.css").assert_status(404);

    // Visitors read the about page.
    let about = camp.browser().get("/about");
    about
        .assert_status(200)
        .assert_contains("The Elm Street camp.")
        .assert_contains("<p>We are neighbours on Elm Street.</p>")
        .assert_contains("hosted by <a href=\"/@hana\">@hana</a>");
    let camp_header =
        camp.query_string("SELECT file_name FROM profile_pictures WHERE account_id IS NULL");
    about.assert_contains(&format!("src=\"/files/{camp_header}\""));

    // Apps and other servers.
    let client = crate::api::Client::new(&camp);
    let v2 = client.get("/api/v2/instance", None);
    assert_eq!(v2.json["description"], "The Elm Street camp.");
    assert_eq!(
        v2.json["thumbnail"]["url"],
        format!("{}/files/{camp_header}", camp.base)
    );
    let v1 = client.get("/api/v1/instance", None);
    assert_eq!(v1.json["short_description"], "The Elm Street camp.");
    let extended = client.get("/api/v1/instance/extended_description", None);
    let changed =
        camp.query_i64("SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'look_updated_at'");
    assert_eq!(
        extended.json["updated_at"],
        porchlight_web::iso_time(changed).replace('Z', ".000Z")
    );
    assert_eq!(
        extended.json["content"],
        "<p>We are neighbours on Elm Street.</p><p>We share tools and recipes.</p>"
    );
    let nodeinfo = client.get("/nodeinfo/2.1", None);
    assert_eq!(
        nodeinfo.json["metadata"]["nodeDescription"],
        "The Elm Street camp."
    );

    // Campers' avatars federate as `icon` (the drawn one until they choose), headers as `image`.
    let actor: serde_json::Value = serde_json::from_str(
        &ken.get_with("/users/hana", &[("accept", "application/activity+json")])
            .body,
    )
    .unwrap();
    assert_eq!(
        actor["icon"]["url"],
        format!("{}/avatars/hana.png", camp.base)
    );
    assert_eq!(actor["icon"]["mediaType"], "image/png");
    assert!(actor["image"].is_null(), "{actor}");

    // The host's log says who changed it.
    hana.get("/admin/log").assert_contains("the camp's look");
}

#[test]
fn favourites_of_one_post_are_one_notification_and_new_ones_are_marked() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let post = hana.write_post("Pancakes on Sunday?", "local");
    for name in ["ken", "mia", "ida"] {
        camp.add_member(name, Role::Member);
        camp.logged_in(name)
            .post(&format!("/posts/{post}/favourite"), &[])
            .assert_status(303);
    }
    let page = hana.get("/notifications");
    page.assert_contains("<span class=\"new-mark\">New</span>")
        .assert_contains(
            "<a href=\"/@ida\">ida</a>, <a href=\"/@mia\">mia</a> and 1 other favourited your post: ",
        )
        .assert_contains("“Pancakes on Sunday?”");
    assert_eq!(page.body.matches("favourited your post").count(), 1);
    // Seen once, they are no longer new.
    hana.get("/notifications")
        .assert_lacks("class=\"new-mark\"");
}
