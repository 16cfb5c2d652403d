//! Two Porchlight camps federating over loopback, as real servers with their workers running:
//! discovery, follow, posts of each audience, reply, favourite, boost, delete.

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;

const AP: &str = "application/activity+json";

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[test]
fn discovery_documents() {
    let camp = TestCamp::federating();
    camp.add_member("ana", Role::Host);
    let mut b = camp.browser();
    let host = camp.host();

    let finger = b.get(&format!("/.well-known/webfinger?resource=acct:ana@{host}"));
    finger.assert_status(200);
    let jrd = json(&finger.body);
    assert_eq!(jrd["subject"], format!("acct:ana@{host}"));
    let self_link = jrd["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .expect("a self link");
    assert_eq!(self_link["href"], format!("{}/users/ana", camp.base));
    b.get(&format!(
        "/.well-known/webfinger?resource=acct:nobody@{host}"
    ))
    .assert_status(404);
    b.get("/.well-known/webfinger?resource=acct:ana@elsewhere.example")
        .assert_status(404);
    // The camp's own actor, found the way GoToSocial checks a signer: its preferredUsername
    // at the camp's host, through WebFinger, back to the same actor.
    let instance = json(&b.get_with("/actor", &[("accept", AP)]).body);
    let name = instance["preferredUsername"].as_str().unwrap();
    assert_eq!(name, host);
    for resource in [
        format!("acct:{name}@{host}"),
        format!("{}/actor", camp.base),
    ] {
        let finger = b.get(&format!("/.well-known/webfinger?resource={resource}"));
        finger.assert_status(200);
        let jrd = json(&finger.body);
        assert_eq!(jrd["subject"], format!("acct:{host}@{host}"));
        let self_link = jrd["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == "self")
            .expect("a self link");
        assert_eq!(self_link["href"], instance["id"], "back to the same actor");
    }

    let actor = b.get_with("/users/ana", &[("accept", AP)]);
    actor.assert_status(200);
    assert!(actor.header("content-type").unwrap().starts_with(AP));
    let actor = json(&actor.body);
    assert_eq!(actor["type"], "Person");
    assert_eq!(actor["preferredUsername"], "ana");
    assert_eq!(actor["inbox"], format!("{}/users/ana/inbox", camp.base));
    assert_eq!(
        actor["endpoints"]["sharedInbox"],
        format!("{}/inbox", camp.base)
    );
    assert_eq!(
        actor["publicKey"]["id"],
        format!("{}/users/ana#main-key", camp.base)
    );
    assert!(
        actor["publicKey"]["publicKeyPem"]
            .as_str()
            .unwrap()
            .contains("BEGIN PUBLIC KEY")
    );
    // A browser asking for the same address gets the profile page.
    let page = b.get("/users/ana");
    assert_eq!(page.status, 302);

    let info = json(&b.get("/.well-known/nodeinfo").body);
    let href = info["links"][1]["href"].as_str().unwrap().to_string();
    let node = json(&b.get(href.trim_start_matches(&camp.base)).body);
    assert_eq!(node["software"]["name"], "porchlight");
    assert_eq!(node["metadata"]["localOnlyPosts"], true);
    assert_eq!(node["usage"]["users"]["total"], 1);
    assert!(
        b.get("/.well-known/host-meta")
            .body
            .contains("/.well-known/webfinger?resource={uri}")
    );

    let instance = json(&b.get_with("/actor", &[("accept", AP)]).body);
    assert_eq!(instance["type"], "Application");

    // Pinned posts are the featured collection, those for everyone only.
    let mut ana = camp.logged_in("ana");
    let public = ana.write_post("pinned for everyone", "public");
    let narrow = ana.write_post("pinned for followers", "followers");
    let ana_id = camp.query_i64("SELECT id FROM accounts WHERE username = 'ana'");
    for post in [public, narrow] {
        camp.app.pin(ana_id, post, true).unwrap();
    }
    let featured = json(
        &b.get_with("/users/ana/collections/featured", &[("accept", AP)])
            .body,
    );
    assert_eq!(featured["totalItems"], 1, "{featured}");
    assert_eq!(featured["orderedItems"][0]["type"], "Note");
    assert_eq!(
        featured["orderedItems"][0]["id"],
        format!("{}/posts/{public}", camp.base)
    );
}

#[test]
fn two_camps_follow_post_reply_like_boost_and_delete() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("ana", Role::Host);
    a.add_member("cy", Role::Member);
    b.add_member("bo", Role::Host);
    let mut ana = a.logged_in("ana");
    let mut cy = a.logged_in("cy");
    let mut bo = b.logged_in("bo");
    let bo_handle = format!("bo@{}", b.host());

    // Ana finds Bo by handle and follows; Bo's camp accepts.
    let found = ana.get(&format!("/search?q=@{bo_handle}"));
    assert_eq!(found.status, 303, "{}", found.body);
    assert_eq!(
        found.location.as_deref(),
        Some(format!("/@{bo_handle}").as_str())
    );
    ana.get(&format!("/@{bo_handle}"))
        .assert_status(200)
        .assert_contains("Follow");
    let follow = ana.post(&format!("/@{bo_handle}/follow"), &[]);
    assert_eq!(follow.status, 303, "{}", follow.body);
    a.wait_for("Bo's camp to accept the follow", |a| {
        a.count("follows") == 1
    });
    b.wait_for("Bo to be notified of the follow", |b| {
        b.query_i64("SELECT COUNT(*) FROM notifications WHERE kind = 'follow'") == 1
    });
    ana.get(&format!("/@{bo_handle}"))
        .assert_contains("Unfollow");

    // A public post reaches Ana's home; a camp-only one never leaves Bo's camp.
    let secret = bo.write_post("camp secret fire", "local");
    b.settle();
    let public = bo.write_post("hello from the other camp #outdoors", "public");
    let followers_only = bo.write_post("just for my followers", "followers");
    a.wait_for("Bo's posts to arrive", |a| {
        a.query_i64("SELECT COUNT(*) FROM posts WHERE uri IS NOT NULL") == 2
    });
    b.settle();
    let home = ana.get("/");
    home.assert_contains("hello from the other camp")
        .assert_contains("just for my followers")
        .assert_lacks("camp secret fire");
    assert_eq!(
        a.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE '%secret%'"),
        0
    );
    // Nor can it be fetched.
    let mut stranger = b.browser();
    stranger
        .get_with(&format!("/posts/{secret}"), &[("accept", AP)])
        .assert_status(404);
    stranger
        .get_with(&format!("/posts/{followers_only}"), &[("accept", AP)])
        .assert_status(404);
    let note = json(
        &stranger
            .get_with(&format!("/posts/{public}"), &[("accept", AP)])
            .body,
    );
    assert_eq!(note["type"], "Note");
    assert_eq!(
        note["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    let outbox = stranger.get("/users/bo/outbox").body;
    assert!(outbox.contains("hello from the other camp"));
    assert!(!outbox.contains("camp secret") && !outbox.contains("just for my followers"));

    // The camp's window on the fediverse shows public posts only.
    cy.get("/federated")
        .assert_status(200)
        .assert_contains("hello from the other camp")
        .assert_lacks("just for my followers");
    // Cy, on Ana's camp but not following Bo, sees the public post only.
    let remote_public = a.query_i64("SELECT id FROM posts WHERE text LIKE 'hello from%'");
    let remote_followers = a.query_i64("SELECT id FROM posts WHERE text LIKE 'just for%'");
    cy.get(&format!("/posts/{remote_public}"))
        .assert_status(200);
    cy.get(&format!("/posts/{remote_followers}"))
        .assert_status(404);
    ana.get(&format!("/posts/{remote_followers}"))
        .assert_status(200);

    // The public timeline as Mastodon defines it: the camp's and the public posts from
    // elsewhere; `local=true` the camp's, `remote=true` those from elsewhere. A status's `uri`
    // is its ActivityPub id, its `url` its page.
    ana.write_post("a camp-only note from ana", "local");
    ana.write_post("ana writes of #outdoors", "public");
    let client = crate::api::Client::new(a);
    let token = crate::api::token_for(a, &client, "cy", "read");
    let has = |reply: &crate::api::Reply, text: &str| {
        reply
            .json
            .as_array()
            .unwrap_or_else(|| panic!("not a list: {}", reply.json))
            .iter()
            .any(|s| s["content"].as_str().unwrap_or("").contains(text))
    };
    let all = client.get("/api/v1/timelines/public", Some(&token));
    assert!(has(&all, "hello from the other camp"), "{}", all.json);
    assert!(has(&all, "a camp-only note from ana"), "{}", all.json);
    assert!(!has(&all, "just for my followers"), "{}", all.json);
    let status = all
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["content"]
                .as_str()
                .unwrap()
                .contains("hello from the other camp")
        })
        .unwrap();
    assert_eq!(status["uri"], format!("{}/posts/{public}", b.base));
    assert_eq!(status["account"]["uri"], format!("{}/users/bo", b.base));
    assert_eq!(status["account"]["url"], format!("{}/@bo", b.base));
    let local = client.get("/api/v1/timelines/public?local=true", Some(&token));
    assert!(!has(&local, "hello from the other camp") && has(&local, "a camp-only note"));
    let remote = client.get("/api/v1/timelines/public?remote=true", Some(&token));
    assert!(has(&remote, "hello from the other camp") && !has(&remote, "a camp-only note"));
    // Visitors read the camp's public posts; what is from elsewhere only when a host opens it.
    let closed = client.get("/api/v1/timelines/public", None);
    assert_eq!(closed.status, 401, "{}", closed.json);
    let visitors_local = client.get("/api/v1/timelines/public?local=true", None);
    assert_eq!(visitors_local.status, 200);
    assert!(!has(&visitors_local, "a camp-only note"));
    let mut visitor = a.browser();
    assert_eq!(visitor.get("/federated").status, 303, "sent to log in");
    // A hashtag: the camp's own posts with it, for visitors; members see both.
    visitor
        .get("/tags/outdoors")
        .assert_status(200)
        .assert_contains("ana writes of")
        .assert_lacks("hello from the other camp");
    let tag = client.get("/api/v1/timelines/tag/outdoors", None);
    assert!(
        has(&tag, "ana writes of") && !has(&tag, "hello from the other camp"),
        "{}",
        tag.json
    );
    let tag = client.get("/api/v1/timelines/tag/outdoors", Some(&token));
    assert!(
        has(&tag, "ana writes of") && has(&tag, "hello from the other camp"),
        "{}",
        tag.json
    );
    let tag = client.get("/api/v1/timelines/tag/outdoors?local=true", Some(&token));
    assert!(
        has(&tag, "ana writes of") && !has(&tag, "hello from the other camp"),
        "{}",
        tag.json
    );
    cy.get("/tags/outdoors")
        .assert_contains("hello from the other camp");
    assert_eq!(
        cy.post("/admin/fediverse-visitors", &[("open", "1")])
            .status,
        403,
        "a host's choice"
    );
    ana.post("/admin/fediverse-visitors", &[("open", "1")])
        .assert_status(303);
    ana.get("/admin")
        .assert_contains("Let visitors read the Fediverse timeline");
    visitor
        .get("/federated")
        .assert_status(200)
        .assert_contains("hello from the other camp")
        .assert_lacks("just for my followers");
    let open = client.get("/api/v1/timelines/public", None);
    assert!(has(&open, "hello from the other camp") && !has(&open, "a camp-only note"));
    visitor
        .get("/tags/outdoors")
        .assert_contains("hello from the other camp");
    ana.post("/admin/fediverse-visitors", &[])
        .assert_status(303);
    assert_eq!(visitor.get("/federated").status, 303, "closed again");

    // Ana replies, favourites and boosts; Bo hears of each.
    ana.reply(remote_public, "hello back from camp A", "public");
    ana.post(&format!("/posts/{remote_public}/favourite"), &[]);
    ana.post(&format!("/posts/{remote_public}/boost"), &[]);
    b.wait_for("the reply, the like and the boost", |b| {
        b.query_i64(
            "SELECT COUNT(*) FROM notifications WHERE kind IN ('reply', 'favourite', 'boost')",
        ) == 3
    });
    bo.get(&format!("/posts/{public}"))
        .assert_contains("hello back from camp A");
    assert_eq!(
        b.query_i64(&format!(
            "SELECT favourite_count FROM posts WHERE id = {public}"
        )),
        1
    );

    // A message mentioning Bo by handle reaches Bo, and only Bo.
    ana.write_post(&format!("psst @{bo_handle}, movie night?"), "direct");
    b.wait_for("the direct mention", |b| {
        b.query_i64("SELECT COUNT(*) FROM notifications WHERE kind = 'mention'") == 1
    });
    assert_eq!(
        b.query_i64("SELECT COUNT(*) FROM posts WHERE audience = 'direct' AND text LIKE 'psst%'"),
        1
    );
    // Each notification names Ana at her own camp (not a member here who might be called ana).
    let ana_handle = format!("ana@{}", a.host());
    let notifications = bo.get("/notifications");
    notifications
        .assert_status(200)
        .assert_contains(&format!("href=\"/@{ana_handle}\""))
        .assert_lacks("href=\"/@ana\"");
    bo.get(&format!("/@{ana_handle}")).assert_status(200);

    // Bo deletes the post; it goes from Ana's camp too.
    bo.post(&format!("/posts/{public}/delete"), &[]);
    a.wait_for("the deletion to arrive", |a| {
        a.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE 'hello from%'") == 0
    });

    // Ana unfollows: Bo's camp drops the follow.
    ana.post(&format!("/@{bo_handle}/unfollow"), &[]);
    b.wait_for("the unfollow to arrive", |b| b.count("follows") == 0);

    // Ana follows again, then suspends Bo's server from the host's page: the follow is gone,
    // and what Bo's camp sends after is refused.
    ana.post(&format!("/@{bo_handle}/follow"), &[]);
    a.wait_for("the new follow", |a| a.count("follows") == 1);
    let blocked = ana.post(
        "/admin/blocks",
        &[
            ("domain", &b.host()),
            ("level", "suspend"),
            ("reason", "testing"),
        ],
    );
    assert_eq!(blocked.status, 303, "{}", blocked.body);
    ana.get("/admin")
        .assert_contains(&b.host())
        .assert_contains("testing");
    assert_eq!(a.count("follows"), 0);
    let cy_block = cy.post(
        "/admin/blocks",
        &[("domain", "x.example"), ("level", "suspend")],
    );
    assert_eq!(cy_block.status, 403, "only hosts block servers");
    bo.write_post("after the block", "public");
    b.settle();
    assert_eq!(
        a.query_i64("SELECT COUNT(*) FROM posts WHERE text = 'after the block'"),
        0
    );
    let csv = ana.get("/admin/blocks.csv");
    csv.assert_status(200)
        .assert_contains(&format!("{},suspend", b.host()));
}

#[test]
fn authorized_fetch_answers_signed_requests_only() {
    let a = TestCamp::federating();
    let b = TestCamp::federating_with(porchlight_federation::Settings {
        authorized_fetch: true,
        ..Default::default()
    });
    a.allow_peers(&[b.address()]);
    b.allow_peers(&[a.address()]);
    a.add_member("ana", Role::Host);
    b.add_member("bo", Role::Host);
    let mut stranger = b.browser();
    stranger
        .get_with("/users/bo", &[("accept", AP)])
        .assert_status(401);
    let public = b.logged_in("bo").write_post("signed eyes only", "public");
    stranger
        .get_with(&format!("/posts/{public}"), &[("accept", AP)])
        .assert_status(401);
    // Discovery and the server's own actor stay open, or nobody could check a signature.
    stranger
        .get(&format!(
            "/.well-known/webfinger?resource=acct:bo@{}",
            b.host()
        ))
        .assert_status(200);
    stranger
        .get_with("/actor", &[("accept", AP)])
        .assert_status(200);
    // Another camp signs its fetches, so it can find Bo and follow.
    let mut ana = a.logged_in("ana");
    let follow = ana.post(&format!("/@bo@{}/follow", b.host()), &[]);
    assert_eq!(follow.status, 303, "{}", follow.body);
    a.wait_for("the follow to be accepted", |a| a.count("follows") == 1);
    // Once Bo's host suspends Ana's server, its signed fetches are refused, although its key
    // is already stored there (the inbox and authorized fetch share one signed-request check;
    // authorized fetch let a suspended server read on before).
    let fed_a = a.app.federation.as_ref().unwrap();
    let bo_actor = format!("{}/users/bo", b.base);
    assert!(
        fed_a.fetch(&a.db, &bo_actor).is_ok(),
        "a signed fetch reads"
    );
    b.app
        .block_domain(
            porchlight_app::Acting::Shell,
            &a.host(),
            porchlight_app::db::federation::BlockLevel::Suspend,
            "",
        )
        .unwrap();
    assert!(
        fed_a.fetch(&a.db, &bo_actor).is_err(),
        "a suspended server's signed fetch is refused"
    );
}

#[test]
fn three_camps_a_boost_carries_a_post_to_a_third() {
    let camps = TestCamp::federating_group(3);
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);
    a.add_member("ana", Role::Host);
    b.add_member("bo", Role::Host);
    c.add_member("cyd", Role::Host);
    let mut ana = a.logged_in("ana");
    let mut bo = b.logged_in("bo");
    let mut cyd = c.logged_in("cyd");
    // Bo follows Ana; Cyd follows Bo (but not Ana).
    bo.post(&format!("/@ana@{}/follow", a.host()), &[]);
    cyd.post(&format!("/@bo@{}/follow", b.host()), &[]);
    // (Each camp also stores who follows its own members: count only members' follows.)
    let members_follow =
        "SELECT COUNT(*) FROM follows WHERE follower_id IN (SELECT account_id FROM users)";
    b.wait_for("Bo's follow to be accepted", |b| {
        b.query_i64(members_follow) == 1
    });
    c.wait_for("Cyd's follow to be accepted", |c| {
        c.query_i64(members_follow) == 1
    });

    ana.write_post("a camp-only note", "local");
    ana.write_post("a note worth sharing", "public");
    b.wait_for("Ana's post at Bo's camp", |b| {
        b.query_i64("SELECT COUNT(*) FROM posts WHERE text = 'a note worth sharing'") == 1
    });
    let at_b = b.query_i64("SELECT id FROM posts WHERE text = 'a note worth sharing'");
    bo.post(&format!("/posts/{at_b}/boost"), &[]);
    // Cyd's camp hears of the boost, fetches the post from Ana's camp, and shows it.
    // (The post is stored before the boost row: wait for both.)
    c.wait_for("the boosted post at Cyd's camp", |c| {
        c.query_i64("SELECT COUNT(*) FROM posts WHERE text = 'a note worth sharing'") == 1
            && c.query_i64("SELECT COUNT(*) FROM posts WHERE boost_of IS NOT NULL") == 1
    });
    cyd.get("/")
        .assert_contains("a note worth sharing")
        .assert_contains("boosted");
    a.wait_for("Ana to hear of the boost", |a| {
        a.query_i64("SELECT COUNT(*) FROM notifications WHERE kind = 'boost'") == 1
    });
    // Bo takes the boost back: it goes from Cyd's home.
    bo.post(&format!("/posts/{at_b}/unboost"), &[]);
    c.wait_for("the boost to be withdrawn", |c| {
        c.query_i64("SELECT COUNT(*) FROM posts WHERE boost_of IS NOT NULL") == 0
    });
    for camp in [b, c] {
        assert_eq!(
            camp.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE '%camp-only%'"),
            0
        );
    }
}

#[test]
fn a_picture_posted_from_the_page_reaches_the_other_camp_without_its_metadata() {
    use porchlight_pictures::samples;
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("ana", Role::Host);
    b.add_member("bo", Role::Host);
    let mut ana = a.logged_in("ana");
    let mut bo = b.logged_in("bo");
    let bo_handle = format!("bo@{}", b.host());
    ana.post(&format!("/@{bo_handle}/follow"), &[]);
    a.wait_for("the follow", |a| a.count("follows") == 1);

    // The home page's form takes a picture and its description.
    bo.get("/")
        .assert_contains("enctype=\"multipart/form-data\"")
        .assert_contains("name=\"picture\"");
    let photo = samples::jpeg(40, 30, Some(1));
    let posted = bo.post_multipart(
        "/posts",
        &[
            ("text", "sunset at the lake"),
            ("audience", "public"),
            ("picture_description", "An orange sky over a lake"),
        ],
        &[("picture", "sunset.jpg", "image/jpeg", &photo)],
    );
    assert_eq!(posted.status, 303, "{}", posted.body);
    let file = b.query_i64("SELECT COUNT(*) FROM uploads WHERE post_id IS NOT NULL");
    assert_eq!(file, 1);
    let home = bo.get("/");
    home.assert_contains("alt=\"An orange sky over a lake\"");

    // The Note carries it as a Document with its alt text, size and focus.
    let public = porchlight_testkit::first_post_id(&home.body).unwrap();
    let note = json(
        &b.browser()
            .get_with(&format!("/posts/{public}"), &[("accept", AP)])
            .body,
    );
    let document = &note["attachment"][0];
    assert_eq!(document["type"], "Document");
    assert_eq!(document["mediaType"], "image/jpeg");
    assert_eq!(document["name"], "An orange sky over a lake");
    assert_eq!(document["width"], 40);
    assert_eq!(document["focalPoint"], serde_json::json!([0.0, 0.0]));
    let url = document["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{}/files/", b.base)), "{url}");

    // Ana's camp stores it and shows it through its own cache; the bytes have no metadata.
    a.wait_for("the post with its picture", |a| a.count("post_media") == 1);
    let page = ana.get("/");
    page.assert_contains("sunset at the lake")
        .assert_contains("alt=\"An orange sky over a lake\"");
    // (The first picture through the cache is Bo's avatar: the post's is in its media.)
    let proxied = page
        .body
        .split("class=\"media\"")
        .nth(1)
        .expect("the post's media")
        .split("src=\"/media/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the picture through the camp's cache");
    let fetched = ana.get(&format!("/media/{proxied}"));
    fetched.assert_status(200);
    assert_eq!(fetched.header("content-type"), Some("image/jpeg"));
    let sent = porchlight_pictures::clean(&photo).unwrap().bytes;
    assert_eq!(fetched.bytes, sent, "the cleaned picture, byte for byte");
    for telling in samples::TELLING {
        assert!(
            !fetched.body.contains(telling),
            "{telling} reached the other camp"
        );
    }

    // A refused post keeps no picture: a picture that is not one, or a post too long.
    let uploads = b.count("uploads");
    let refused = bo.post_multipart(
        "/posts",
        &[("text", "x"), ("audience", "public")],
        &[("picture", "notes.txt", "text/plain", b"just words")],
    );
    assert_eq!(refused.status, 422);
    refused.assert_contains("not a picture");
    let too_long = "a".repeat(5000);
    let refused = bo.post_multipart(
        "/posts",
        &[("text", &too_long), ("audience", "public")],
        &[("picture", "p.png", "image/png", &samples::png(2, 2))],
    );
    assert_eq!(refused.status, 422);
    assert_eq!(b.count("uploads"), uploads, "nothing kept");
}

#[test]
fn avatars_reach_the_other_camp_and_its_pictures_come_fitted() {
    use porchlight_pictures::samples;
    let (camps, mut ana, mut bo) = TestCamp::two_following("ana", "bo");
    let (a, b) = (&camps[0], &camps[1]);
    let bo_handle = format!("bo@{}", b.host());

    // Bo chooses an avatar: his followers' camp hears of it (an Update of his actor) and
    // shows it through its own cache.
    let face = samples::photo(900, 600, 1);
    bo.post_multipart(
        "/settings/pictures",
        &[],
        &[
            ("avatar", "bo.jpg", "image/jpeg", &face),
            ("header", "hills.jpg", "image/jpeg", &face),
        ],
    )
    .assert_status(303);
    let bo_avatar = format!(
        "{}{}",
        b.base,
        b.query_string("SELECT avatar_url FROM accounts WHERE username = 'bo'")
    );
    a.wait_for("Bo's new avatar", |a| {
        a.query_i64(&format!(
            "SELECT COUNT(*) FROM accounts WHERE avatar_url = '{bo_avatar}' AND header_url IS NOT NULL"
        )) == 1
    });
    ana.get(&format!("/@{bo_handle}"))
        .assert_contains("<img class=\"header\" src=\"/media/");

    // A large photo from Bo's camp is kept and shown at the large copy's size.
    let photo = samples::photo(3000, 2000, 1);
    bo.post_multipart(
        "/posts",
        &[("text", "the whole valley"), ("audience", "public")],
        &[("picture", "valley.jpg", "image/jpeg", &photo)],
    )
    .assert_status(303);
    a.wait_for("the post with its picture", |a| a.count("post_media") == 1);
    let page = ana.get("/");
    let card = &page.body[page.body.find("the whole valley").expect("the post")..];
    let proxied = card
        .split("src=\"/media/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the picture through the cache");
    // Timelines get the small copy; the large one is beside it.
    let large = proxied.strip_suffix("/small").expect("the small copy");
    for (path, size) in [(proxied, (640, 427)), (large, (1280, 853))] {
        let fitted = ana.get(&format!("/media/{path}"));
        assert_eq!(fitted.header("content-type"), Some("image/jpeg"));
        let read = porchlight_pictures::clean(&fitted.bytes).unwrap();
        assert_eq!((read.width, read.height), size);
    }
    // Apps on Ana's camp get the blurhash and size Bo's camp sent with the picture.
    let sent = b.query_string("SELECT blurhash FROM picture_blurhashes");
    assert_eq!(a.query_string("SELECT blurhash FROM post_media"), sent);
    let client = crate::api::Client::new(a);
    let token = crate::api::token_for(a, &client, "ana", "read");
    let remote = a.query_i64("SELECT post_id FROM post_media");
    let status = client.get(&format!("/api/v1/statuses/{remote}"), Some(&token));
    let media = &status.json["media_attachments"][0];
    assert_eq!(media["blurhash"], sent.as_str());
    // The sizes of the camp's copies, from the 3000 × 2000 Bo's camp said.
    assert_eq!(media["meta"]["original"]["size"], "1280x853");
    assert_eq!(media["meta"]["small"]["size"], "640x427");
    page.assert_contains("width=\"640\" height=\"427\"");
    // Bo's face is on his post, through the cache, cut square as his camp cut it.
    let before = &page.body[..page.body.find("the whole valley").unwrap()];
    let avatar = before
        .rsplit("<img class=\"avatar\" src=\"")
        .next()
        .and_then(|s| s.split('"').next())
        .unwrap();
    assert!(avatar.starts_with("/media/"), "{avatar}");
    let face = porchlight_pictures::clean(&ana.get(avatar).bytes).unwrap();
    assert_eq!((face.width, face.height), (400, 400));
}

#[test]
fn a_silenced_server_is_heard_only_by_those_who_follow_its_people() {
    let (camps, mut ana, mut bo) = TestCamp::two_following("ana", "bo");
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("cy", Role::Member);
    let mut cy = a.logged_in("cy");
    // Ana silences Bo's server; she follows Bo, so his posts still come.
    ana.post(
        "/admin/blocks",
        &[
            ("domain", &b.host()),
            ("level", "silence"),
            ("reason", "loud"),
        ],
    )
    .assert_status(303);
    bo.write_post("loud news about the #lake", "public");
    a.wait_for("Bo's post", |a| {
        a.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE 'loud news%'") == 1
    });

    // Ana hears it on the Fediverse timeline and the hashtag; Cy, who does not follow Bo, does
    // not, on the page or in an app.
    for path in ["/federated", "/tags/lake"] {
        ana.get(path).assert_contains("loud news");
        cy.get(path).assert_lacks("loud news");
    }
    let client = crate::api::Client::new(a);
    let heard = |name: &str, path: &str| {
        let token = crate::api::token_for(a, &client, name, "read");
        let reply = client.get(path, Some(&token));
        assert_eq!(reply.status, 200, "{}", reply.json);
        reply.json.to_string().contains("loud news")
    };
    for path in ["/api/v1/timelines/public", "/api/v1/timelines/tag/lake"] {
        assert!(heard("ana", path), "{path}");
        assert!(!heard("cy", path), "{path}");
    }

    // Lifted: everyone hears it.
    ana.post("/admin/blocks/remove", &[("domain", &b.host())])
        .assert_status(303);
    cy.get("/federated").assert_contains("loud news");
    assert!(heard("cy", "/api/v1/timelines/public"));
}
