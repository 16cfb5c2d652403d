//! Neighborhoods (docs/NEIGHBORHOODS.md) between real camps on loopback: hosts propose and
//! approve from their pages, a third camp joins only when both approve, a neighborhood post
//! reaches the neighbor camps and nobody else (checked on an outsider camp and in the
//! recording of every request a stand-in server received), and a camp that leaves keeps none
//! of the others' posts and gets no new ones. Bad messages are refused and said on the host's
//! page.

use porchlight_core::audience::Role;
use porchlight_testkit::peer::Peer;
use porchlight_testkit::{Browser, TestCamp};
use serde_json::json;

use crate::api::Client;

const AP: &str = "application/activity+json";

fn open_proposals(camp: &TestCamp) -> i64 {
    camp.query_i64("SELECT COUNT(*) FROM neighborhood_proposals WHERE state = 'open'")
}

fn latest_open(camp: &TestCamp) -> String {
    camp.query_string(
        "SELECT uri FROM neighborhood_proposals WHERE state = 'open' ORDER BY id DESC LIMIT 1",
    )
}

fn approve(host: &mut Browser, camp: &TestCamp) {
    let id = latest_open(camp);
    let r = host.post(
        "/admin/neighborhood/answer",
        &[("proposal", &id), ("answer", "approve")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
}

fn neighbors(camp: &TestCamp) -> i64 {
    camp.count("neighbor_camps")
}

fn neighborhood_posts_like(camp: &TestCamp, text: &str) -> i64 {
    camp.query_i64(&format!(
        "SELECT COUNT(*) FROM posts WHERE audience = 'neighborhood' AND text LIKE '%{text}%'"
    ))
}

/// Three camps (hosts ana, bo, cy) in one neighborhood, formed through the hosts' pages: A and
/// B found it, then C joins once both have approved. Also a fourth camp that stays outside, and
/// a recording server whose person follows ana.
struct Neighborhood {
    camps: Vec<TestCamp>,
    hosts: Vec<Browser>,
    outsider: TestCamp,
    peer: Peer,
}

fn three_camps() -> Neighborhood {
    let camps = TestCamp::federating_group(3);
    let outsider = TestCamp::federating();
    let peer = Peer::start();
    let mut everyone: Vec<std::net::SocketAddr> = camps.iter().map(|c| c.address()).collect();
    everyone.push(outsider.address());
    everyone.push(peer.address());
    for camp in camps.iter().chain([&outsider]) {
        camp.allow_peers(&everyone);
    }
    for (camp, host) in camps.iter().zip(["ana", "bo", "cy"]) {
        camp.add_member(host, Role::Host);
    }
    outsider.add_member("oz", Role::Host);
    let mut hosts: Vec<Browser> = camps
        .iter()
        .zip(["ana", "bo", "cy"])
        .map(|(c, h)| c.logged_in(h))
        .collect();
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);

    // The peer's zed follows ana: a followers delivery would reach it.
    let zed = peer.add_actor("zed");
    let ana = format!("{}/users/ana", a.base);
    let (status, body) = peer.post_signed(
        &format!("{ana}/inbox"),
        "zed",
        &json!({ "id": format!("{zed}#follow"), "type": "Follow", "actor": zed, "object": ana }),
    );
    assert_eq!(status, 202, "{body}");
    peer.wait_for("the Accept", |d| d.iter().any(|a| a["type"] == "Accept"));

    // A proposes B; nothing changes until B's host approves.
    let r = hosts[0].post("/admin/neighborhood/propose", &[("address", &b.host())]);
    assert_eq!(r.status, 303, "{}", r.body);
    b.wait_for("the proposal", |b| open_proposals(b) == 1);
    assert_eq!(neighbors(a), 0);
    hosts[1]
        .get("/admin/neighborhood")
        .assert_contains("asks this camp to be neighbors")
        .assert_contains("Approve");
    approve(&mut hosts[1], b);
    a.wait_for("B's approval", |a| neighbors(a) == 1);
    assert_eq!(neighbors(b), 1);

    // A proposes C: B and C must both approve. C says yes first; that is not enough.
    let r = hosts[0].post("/admin/neighborhood/propose", &[("address", &c.host())]);
    assert_eq!(r.status, 303, "{}", r.body);
    c.wait_for("the proposal", |c| open_proposals(c) == 1);
    b.wait_for("the proposal", |b| open_proposals(b) == 1);
    approve(&mut hosts[2], c);
    b.wait_for("C's approval", |b| {
        b.query_i64(&format!(
            "SELECT COUNT(*) FROM neighborhood_proposals WHERE state = 'open' AND approvals LIKE '%{}/actor%'",
            c.host()
        )) == 1
    });
    assert_eq!(neighbors(a), 1, "C is not in before B approves");
    assert_eq!(neighbors(c), 0);
    approve(&mut hosts[1], b);
    for camp in [a, b, c] {
        camp.wait_for("three camps in the neighborhood", |camp| {
            neighbors(camp) == 2
        });
    }
    Neighborhood {
        camps,
        hosts,
        outsider,
        peer,
    }
}

#[test]
fn a_neighborhood_post_reaches_the_neighbors_and_nobody_else_until_a_camp_leaves() {
    let Neighborhood {
        camps,
        mut hosts,
        outsider,
        peer,
    } = three_camps();
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);
    for camp in [a, b, c] {
        camp.settle();
    }
    b.add_member("bea", Role::Member);
    let mut bea = b.logged_in("bea");

    // The composer offers the neighborhood, explained.
    hosts[0]
        .get("/")
        .assert_contains("<option value=\"neighborhood\"")
        .assert_contains("members of this camp and of its neighbor camps, nobody else");
    let post = hosts[0].write_post("porch supper on friday", "neighborhood");
    b.wait_for("the post on B", |b| {
        neighborhood_posts_like(b, "porch supper") == 1
    });
    c.wait_for("the post on C", |c| {
        neighborhood_posts_like(c, "porch supper") == 1
    });
    // B's members see it on their Neighborhood timeline, and its own page.
    bea.get("/neighborhood")
        .assert_status(200)
        .assert_contains("porch supper on friday");
    let on_b = b.query_i64("SELECT id FROM posts WHERE text LIKE '%porch supper%'");
    bea.get(&format!("/posts/{on_b}"))
        .assert_status(200)
        .assert_contains("Neighborhood");
    // The Camp timeline of A lists it for A's members.
    hosts[0].get("/local").assert_contains("porch supper");

    // Bea replies for the neighborhood: it reaches A and C.
    bea.reply(on_b, "I'll bring the pie", "neighborhood");
    a.wait_for("the reply on A", |a| {
        neighborhood_posts_like(a, "bring the pie") == 1
    });
    c.wait_for("the reply on C", |c| {
        neighborhood_posts_like(c, "bring the pie") == 1
    });
    // A reply may not widen it.
    let wider = bea.try_post(
        "/posts",
        &[
            ("text", "everyone come"),
            ("audience", "public"),
            ("in_reply_to", &on_b.to_string()),
        ],
    );
    assert!(
        wider.as_ref().map(|r| r.status != 303).unwrap_or(true),
        "a public reply to a neighborhood post"
    );
    // Bea boosts it: the boost stays on B.
    bea.post(&format!("/posts/{on_b}/boost"), &[]);
    for camp in [a, b, c] {
        camp.settle();
    }

    // Nobody else: not the outsider camp (delivery, or a signed fetch), not the recording
    // server that follows ana, not anyone anonymous, not search.
    assert_eq!(outsider.query_i64("SELECT COUNT(*) FROM posts"), 0);
    let url = format!("{}/posts/{post}", a.base);
    let fed_out = outsider.app.federation.as_ref().unwrap();
    assert!(
        fed_out.fetch(&outsider.db, &url).is_err(),
        "an outsider's signed fetch"
    );
    let fed_b = b.app.federation.as_ref().unwrap();
    let fetched = fed_b.fetch(&b.db, &url).expect("a neighbor's signed fetch");
    assert_eq!(fetched.0["content"], "<p>porch supper on friday</p>");
    assert_eq!(
        fetched.0["to"],
        json!([a.query_string("SELECT uri FROM neighborhood")])
    );
    let mut stranger = a.browser();
    stranger
        .get_with(&format!("/posts/{post}"), &[("accept", AP)])
        .assert_status(404);
    stranger.get(&format!("/posts/{post}")).assert_status(404);
    stranger
        .get("/local")
        .assert_lacks("porch supper")
        .assert_lacks("bring the pie");
    stranger
        .get("/users/ana/outbox?page=true")
        .assert_lacks("porch supper");
    for request in peer.recorded() {
        assert!(
            !request.body.contains("porch supper") && !request.body.contains("bring the pie"),
            "the recording server got {} {}: {}",
            request.method,
            request.path,
            request.body
        );
    }

    // The app sees the same: a `private` post marked as the neighborhood's, on its timeline.
    let api = Client::new(b);
    let token = crate::api::token_for(b, &api, "bea", "read write");
    let timeline = api.get("/api/v1/timelines/neighborhood", Some(&token));
    assert_eq!(timeline.status, 200, "{}", timeline.json);
    let status = timeline
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["content"] == "<p>porch supper on friday</p>")
        .expect("the post in the app's neighborhood timeline")
        .clone();
    assert_eq!(status["visibility"], "private");
    assert_eq!(status["neighborhood"], true);
    assert_eq!(status["local_only"], false);
    // An app's reply with the lock stays in the neighborhood.
    let reply = api.form(
        "/api/v1/statuses",
        Some(&token),
        &[
            ("status", "count me in"),
            ("visibility", "private"),
            ("in_reply_to_id", status["id"].as_str().unwrap()),
        ],
    );
    assert_eq!(reply.status, 200, "{}", reply.json);
    assert_eq!(reply.json["neighborhood"], true);
    a.wait_for("the app's reply on A", |a| {
        neighborhood_posts_like(a, "count me in") == 1
    });
    // An app asks for it by name.
    let named = api.form(
        "/api/v1/statuses",
        Some(&token),
        &[
            ("status", "lanterns needed"),
            ("visibility", "neighborhood"),
        ],
    );
    assert_eq!(named.json["neighborhood"], true, "{}", named.json);
    c.wait_for("the named one on C", |c| {
        neighborhood_posts_like(c, "lanterns needed") == 1
    });

    // C leaves. It keeps nothing of A's and B's, and A and B keep nothing of C's.
    let cy_post = hosts[2].write_post("cy's garden is open", "neighborhood");
    a.wait_for("C's post on A", |a| {
        neighborhood_posts_like(a, "garden is open") == 1
    });
    let r = hosts[2].post("/admin/neighborhood/leave", &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(neighbors(c), 0);
    assert_eq!(
        c.query_i64("SELECT COUNT(*) FROM posts WHERE audience = 'neighborhood' AND author_id IN (SELECT id FROM accounts WHERE domain IS NOT NULL)"),
        0,
        "C drops the neighbors' posts"
    );
    assert_eq!(
        neighborhood_posts_like(c, "garden is open"),
        1,
        "its own stay"
    );
    a.wait_for("C's Leave", |a| neighbors(a) == 1);
    b.wait_for("C's Leave", |b| neighbors(b) == 1);
    assert_eq!(neighborhood_posts_like(a, "garden is open"), 0);
    assert_eq!(neighborhood_posts_like(b, "garden is open"), 0);
    let _ = cy_post;
    // A's new neighborhood post reaches B only, and C may no longer fetch A's old one.
    hosts[0].write_post("second supper", "neighborhood");
    b.wait_for("the new post on B", |b| {
        neighborhood_posts_like(b, "second supper") == 1
    });
    for camp in [a, b, c] {
        camp.settle();
    }
    assert_eq!(neighborhood_posts_like(c, "second supper"), 0);
    let fed_c = c.app.federation.as_ref().unwrap();
    assert!(
        fed_c.fetch(&c.db, &url).is_err(),
        "a camp that left fetches nothing"
    );
    // Each host is told.
    hosts[0]
        .get("/admin/neighborhood")
        .assert_contains(&format!("{} left the neighborhood.", c.host()));
    // C's host no longer sees the neighborhood in the composer.
    hosts[2]
        .get("/")
        .assert_lacks("<option value=\"neighborhood\"");
}

#[test]
fn bad_neighborhood_messages_are_refused_and_change_nothing() {
    let Neighborhood {
        camps,
        hosts: _,
        outsider,
        peer,
    } = three_camps();
    let (a, b) = (&camps[0], &camps[1]);
    let inbox = format!("{}/inbox", a.base);
    let hood = a.query_string("SELECT uri FROM neighborhood");
    let a_actor = format!("{}/actor", a.base);

    // A person's account cannot speak for a camp.
    let zed = peer.actor_id("zed");
    let (status, _) = peer.post_signed(
        &inbox,
        "zed",
        &json!({
            "id": format!("{zed}#offer"), "type": "Offer", "actor": zed,
            "object": { "type": "Join", "actor": zed,
                        "object": { "id": hood, "type": "Neighborhood", "members": [zed] } },
        }),
    );
    assert_eq!(status, 202);
    a.wait_for("the refusal", |a| {
        a.query_i64("SELECT COUNT(*) FROM neighborhood_log WHERE message LIKE '%not a camp%'") == 1
    });

    // A proposal naming members A does not have, from a camp outside: refused, said.
    let out_actor = format!("{}/actor", outsider.base);
    let key = outsider.app.instance_key().unwrap();
    let forged = json!({
        "id": format!("{}/neighborhood/proposals/forged", outsider.base),
        "type": "Offer", "actor": out_actor,
        "object": { "type": "Join", "actor": out_actor,
                    "object": { "id": hood, "type": "Neighborhood", "members": [out_actor, a_actor] } },
    });
    let (status, _) = peer.post_signed_with(
        &inbox,
        &format!("{out_actor}#main-key"),
        &key,
        forged.to_string().as_bytes(),
    );
    assert_eq!(status, 202);
    a.wait_for("the refusal", |a| {
        a.query_i64("SELECT COUNT(*) FROM neighborhood_log WHERE message LIKE '%was refused%'") >= 1
    });
    assert_eq!(a.count("neighborhood_proposals"), 2, "nothing kept");
    assert_eq!(neighbors(a), 2);

    // An approval from a camp that has no say in a proposal it never saw.
    let answer = json!({
        "id": format!("{}/neighborhood/answers/x", outsider.base),
        "type": "Accept", "actor": out_actor,
        "object": { "id": a.query_string("SELECT uri FROM neighborhood_proposals LIMIT 1"), "type": "Offer" },
    });
    peer.post_signed_with(
        &inbox,
        &format!("{out_actor}#main-key"),
        &key,
        answer.to_string().as_bytes(),
    );
    a.wait_for("the refusal", |a| {
        a.query_i64(
            "SELECT COUNT(*) FROM neighborhood_log WHERE message LIKE '%answer from%refused%'",
        ) == 1
    });

    // A post addressed to the neighborhood by a camp that is not in it is for nobody here.
    let note_id = format!("{}/posts/999", outsider.base);
    outsider.add_member("oz2", Role::Member);
    let oz = format!("{}/users/oz", outsider.base);
    let oz_key = outsider
        .app
        .member_key(
            outsider.query_i64("SELECT id FROM accounts WHERE username = 'oz' AND domain IS NULL"),
        )
        .unwrap();
    let sneaky = json!({
        "id": format!("{note_id}/activity"), "type": "Create", "actor": oz, "to": [hood],
        "object": { "id": note_id, "type": "Note", "attributedTo": oz, "to": [hood],
                    "content": "<p>let me in</p>", "published": "2026-12-06T10:00:00Z" },
    });
    peer.post_signed_with(
        &inbox,
        &format!("{oz}#main-key"),
        &oz_key,
        sneaky.to_string().as_bytes(),
    );
    for camp in [a, b] {
        camp.settle();
    }
    assert_eq!(
        a.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE '%let me in%'"),
        0
    );
    // The host's page says what was refused.
    a.logged_in("ana")
        .get("/admin/neighborhood")
        .assert_contains("not a camp");
}

#[test]
fn a_host_cannot_propose_itself_twice_at_once_or_without_rights() {
    let camps = TestCamp::federating_group(3);
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);
    a.add_member("ana", Role::Host);
    a.add_member("mo", Role::Moderator);
    b.add_member("bo", Role::Host);
    c.add_member("cy", Role::Host);
    let mut ana = a.logged_in("ana");
    ana.post("/admin/neighborhood/propose", &[("address", &a.host())])
        .assert_status(422)
        .assert_contains("own address");
    ana.post("/admin/neighborhood/propose", &[("address", "not a host")])
        .assert_status(422);
    let r = ana.post("/admin/neighborhood/propose", &[("address", &b.host())]);
    assert_eq!(r.status, 303, "{}", r.body);
    // One change at a time.
    ana.post("/admin/neighborhood/propose", &[("address", &c.host())])
        .assert_status(422)
        .assert_contains("one change at a time");
    // A moderator reads the page but cannot act.
    let mut mo = a.logged_in("mo");
    mo.get("/admin/neighborhood")
        .assert_status(200)
        .assert_lacks("Propose a camp");
    let r = mo.post("/admin/neighborhood/propose", &[("address", &c.host())]);
    assert_eq!(r.status, 403, "{}", r.body);
    // Withdrawn, B can no longer approve it.
    b.wait_for("the proposal", |b| open_proposals(b) == 1);
    let id = latest_open(a);
    let r = ana.post("/admin/neighborhood/withdraw", &[("proposal", &id)]);
    assert_eq!(r.status, 303, "{}", r.body);
    b.wait_for("the withdrawal", |b| open_proposals(b) == 0);
    let mut bo = b.logged_in("bo");
    bo.post(
        "/admin/neighborhood/answer",
        &[("proposal", &id), ("answer", "approve")],
    )
    .assert_status(422);
    assert_eq!(neighbors(a) + neighbors(b), 0);
}

fn blocks_of(camp: &TestCamp, domain: &str) -> String {
    camp.query_string(&format!(
        "SELECT IFNULL((SELECT level || ' from ' || IFNULL(source, 'the host') FROM domain_blocks WHERE domain = '{domain}'), 'none')"
    ))
}

fn offered_state(camp: &TestCamp, domain: &str) -> String {
    camp.query_string(&format!(
        "SELECT IFNULL((SELECT state FROM offered_blocks WHERE domain = '{domain}'), 'none')"
    ))
}

#[test]
fn neighbors_share_block_lists_applied_or_reviewed_and_never_against_a_neighbor() {
    let Neighborhood {
        camps,
        mut hosts,
        outsider: _,
        peer: _,
    } = three_camps();
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);
    // Each camp reads each neighbor's list, for review until its host says otherwise.
    assert_eq!(
        b.query_i64("SELECT COUNT(*) FROM block_sources WHERE mode = 'review'"),
        2
    );
    // B applies A's blocks at once; C reviews them.
    let r = hosts[1].post(
        "/admin/neighborhood/blocks/mode",
        &[("source", &a.host()), ("mode", "apply")],
    );
    assert_eq!(r.status, 303, "{}", r.body);

    // A suspends a server: B blocks it too, C is asked.
    let r = hosts[0].post(
        "/admin/blocks",
        &[
            ("domain", "spam.example"),
            ("level", "suspend"),
            ("reason", "sends spam"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    b.wait_for("A's block on B", |b| {
        blocks_of(b, "spam.example") == format!("suspend from {}", a.host())
    });
    c.wait_for("A's block in C's review", |c| {
        offered_state(c, "spam.example") == "pending"
    });
    assert_eq!(blocks_of(c, "spam.example"), "none");
    hosts[1]
        .get("/admin/neighborhood")
        .assert_contains(&format!("Applied from {}: suspend spam.example.", a.host()));
    hosts[2]
        .get("/admin/neighborhood")
        .assert_contains("waiting for your review")
        .assert_contains("sends spam");

    // A lifts it: B lifts it too, and C's review no longer asks.
    let r = hosts[0].post("/admin/blocks/remove", &[("domain", "spam.example")]);
    assert_eq!(r.status, 303, "{}", r.body);
    b.wait_for("the retraction on B", |b| {
        blocks_of(b, "spam.example") == "none"
    });
    c.wait_for("the retraction on C", |c| {
        offered_state(c, "spam.example") == "none"
    });

    // C reviews another: applies it; it is C's from A, and A's later retraction lifts it.
    hosts[0].post(
        "/admin/blocks",
        &[
            ("domain", "trolls.example"),
            ("level", "silence"),
            ("reason", ""),
        ],
    );
    c.wait_for("the new block in C's review", |c| {
        offered_state(c, "trolls.example") == "pending"
    });
    let r = hosts[2].post(
        "/admin/neighborhood/blocks/review",
        &[
            ("source", &a.host()),
            ("domain", "trolls.example"),
            ("decision", "apply"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        blocks_of(c, "trolls.example"),
        format!("silence from {}", a.host())
    );

    // A host cannot block a neighbor camp; a list that blocks one is not applied there.
    hosts[0]
        .post(
            "/admin/blocks",
            &[("domain", &b.host()), ("level", "suspend"), ("reason", "")],
        )
        .assert_status(422)
        .assert_contains("a neighbor camp");
    let peer = Peer::start();
    c.allow_peers(&[a.address(), b.address(), peer.address()]);
    let list = format!("http://{}/blocks.csv", peer.host());
    peer.publish_as(
        "/blocks.csv",
        "text/csv",
        &format!("{}\nads.example\n", b.host()),
    );
    let r = hosts[2].post(
        "/admin/neighborhood/blocks/subscribe",
        &[("url", &list), ("mode", "apply")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    c.wait_for("the list read", |c| blocks_of(c, "ads.example") != "none");
    assert_eq!(offered_state(c, &b.host()), "refused");
    assert_eq!(blocks_of(c, &b.host()), "none");
    hosts[2]
        .get("/admin/neighborhood")
        .assert_contains("would cut off a neighbor camp or this camp: not applied");
    assert_eq!(neighbors(c), 2);

    // A keeps its reasons to itself: the list goes without them.
    hosts[0].post("/admin/neighborhood/blocks/reasons", &[]);
    let fed_b = b.app.federation.as_ref().unwrap();
    let list = fed_b
        .fetch(&b.db, &format!("{}/neighborhood/blocks", a.base))
        .expect("a neighbor reads the list")
        .0;
    assert!(
        list["orderedItems"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["comment"] == "")
    );
    // Nobody else reads it.
    let mut stranger = a.browser();
    stranger
        .get_with("/neighborhood/blocks", &[("accept", AP)])
        .assert_status(404);
}

#[test]
fn a_subscribed_list_is_read_whole_or_not_at_all() {
    let camp = TestCamp::federating();
    let peer = Peer::start();
    camp.allow_peers(&[peer.address()]);
    camp.add_member("ana", Role::Host);
    let mut ana = camp.logged_in("ana");
    let list = format!("http://{}/blocks.csv", peer.host());
    peer.publish_as(
        "/blocks.csv",
        "text/csv",
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
         spam.example,suspend,false,false,spam,false\n\
         loud.example,silence,false,false,,false\n",
    );
    let r = ana.post(
        "/admin/neighborhood/blocks/subscribe",
        &[("url", &list), ("mode", "apply")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    camp.wait_for("the list applied", |c| {
        blocks_of(c, "spam.example") == format!("suspend from {list}")
            && blocks_of(c, "loud.example") == format!("silence from {list}")
    });
    // Garbage in the next version: refused whole, said, and nothing changes.
    peer.publish_as(
        "/blocks.csv",
        "text/csv",
        "#domain,#severity\nnew.example,suspend\nthis is not a domain,suspend\n",
    );
    camp.execute(&format!(
        "UPDATE block_sources SET due_at = 0 WHERE source = '{list}'"
    ));
    camp.wait_for("the refusal", |c| {
        c.query_i64("SELECT COUNT(*) FROM block_sources WHERE status LIKE 'Refused%Line 3%'") == 1
    });
    assert_eq!(blocks_of(&camp, "new.example"), "none");
    assert_eq!(
        blocks_of(&camp, "spam.example"),
        format!("suspend from {list}")
    );
    // A list longer than any real one: refused whole.
    let mut huge = String::from("#domain,#severity\n");
    for i in 0..10_001 {
        huge.push_str(&format!("d{i}.example,suspend\n"));
    }
    peer.publish_as("/blocks.csv", "text/csv", &huge);
    camp.execute(&format!(
        "UPDATE block_sources SET due_at = 0 WHERE source = '{list}'"
    ));
    camp.wait_for("the refusal", |c| {
        c.query_i64("SELECT COUNT(*) FROM block_sources WHERE status LIKE 'Refused%more than%'")
            == 1
    });
    assert_eq!(blocks_of(&camp, "d1.example"), "none");
    ana.get("/admin/neighborhood")
        .assert_contains("was not applied");
    // The list drops a block: it is lifted here.
    peer.publish_as("/blocks.csv", "text/csv", "spam.example\n");
    camp.execute(&format!(
        "UPDATE block_sources SET due_at = 0 WHERE source = '{list}'"
    ));
    camp.wait_for("the retraction", |c| blocks_of(c, "loud.example") == "none");
    assert_eq!(
        blocks_of(&camp, "spam.example"),
        format!("suspend from {list}")
    );
    // Bad addresses are refused.
    ana.post(
        "/admin/neighborhood/blocks/subscribe",
        &[("url", "ftp://x.example/list"), ("mode", "apply")],
    )
    .assert_status(422);
    ana.post(
        "/admin/neighborhood/blocks/subscribe",
        &[("url", &list), ("mode", "apply")],
    )
    .assert_status(422)
    .assert_contains("reads that list already");
}

#[test]
fn a_camp_is_asked_to_leave_only_when_all_the_others_agree() {
    let Neighborhood {
        camps,
        mut hosts,
        outsider: _,
        peer: _,
    } = three_camps();
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);
    hosts[1].write_post("bo's neighborhood note", "neighborhood");
    c.wait_for("B's post on C", |c| {
        neighborhood_posts_like(c, "neighborhood note") == 1
    });
    // A proposes asking C to leave; C hears of it but has no say.
    let r = hosts[0].post("/admin/neighborhood/ask-to-leave", &[("camp", &c.host())]);
    assert_eq!(r.status, 303, "{}", r.body);
    c.wait_for("the proposal on C", |c| open_proposals(c) == 1);
    hosts[2]
        .get("/admin/neighborhood")
        .assert_contains("proposes that this camp leaves the neighborhood")
        .assert_lacks("name=\"answer\" value=\"approve\"");
    let id = latest_open(c);
    hosts[2]
        .post(
            "/admin/neighborhood/answer",
            &[("proposal", &id), ("answer", "decline")],
        )
        .assert_status(422);
    // Nothing changes until B agrees too.
    b.wait_for("the proposal on B", |b| open_proposals(b) == 1);
    assert_eq!(neighbors(c), 2);
    approve(&mut hosts[1], b);
    a.wait_for("C out on A", |a| neighbors(a) == 1);
    b.wait_for("C out on B", |b| neighbors(b) == 1);
    c.wait_for("C told it is out", |c| neighbors(c) == 0);
    assert_eq!(
        neighborhood_posts_like(c, "neighborhood note"),
        0,
        "C keeps none"
    );
    hosts[2]
        .get("/admin/neighborhood")
        .assert_contains("asked this camp to leave");
}

#[test]
fn a_camp_that_joins_later_gets_none_of_the_posts_written_before() {
    let camps = TestCamp::federating_group(3);
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);
    for (camp, host) in camps.iter().zip(["ana", "bo", "cy"]) {
        camp.add_member(host, Role::Host);
    }
    let mut ana = a.logged_in("ana");
    let mut bo = b.logged_in("bo");
    let mut cy = c.logged_in("cy");
    ana.post("/admin/neighborhood/propose", &[("address", &b.host())]);
    b.wait_for("the proposal", |b| open_proposals(b) == 1);
    approve(&mut bo, b);
    a.wait_for("the neighborhood", |a| neighbors(a) == 1);
    let before = ana.write_post("written before cy came", "neighborhood");
    b.wait_for("the post on B", |b| {
        neighborhood_posts_like(b, "before cy") == 1
    });
    // One second on, so that C's joining is later than the post by the clock's seconds.
    std::thread::sleep(std::time::Duration::from_millis(1100));

    ana.post("/admin/neighborhood/propose", &[("address", &c.host())]);
    c.wait_for("the proposal", |c| open_proposals(c) == 1);
    b.wait_for("the proposal", |b| open_proposals(b) == 1);
    approve(&mut cy, c);
    approve(&mut bo, b);
    for camp in [a, b, c] {
        camp.wait_for("three camps", |camp| neighbors(camp) == 2);
    }
    // C may not fetch the older post, and an edit of it does not reach C.
    let url = format!("{}/posts/{before}", a.base);
    let fed_c = c.app.federation.as_ref().unwrap();
    assert!(
        fed_c.fetch(&c.db, &url).is_err(),
        "C fetched a post from before it came"
    );
    let fed_b = b.app.federation.as_ref().unwrap();
    assert!(fed_b.fetch(&b.db, &url).is_ok(), "B was there");
    let r = ana.post(
        &format!("/posts/{before}/edit"),
        &[
            ("text", "written before cy came (edited)"),
            ("content_warning", ""),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    b.wait_for("the edit on B", |b| {
        neighborhood_posts_like(b, "(edited)") == 1
    });
    let after = ana.write_post("written after cy came", "neighborhood");
    c.wait_for("the new post on C", |c| {
        neighborhood_posts_like(c, "after cy") == 1
    });
    c.settle();
    assert_eq!(neighborhood_posts_like(c, "before cy"), 0);
    assert!(
        fed_c
            .fetch(&c.db, &format!("{}/posts/{after}", a.base))
            .is_ok()
    );
}
