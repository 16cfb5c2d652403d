//! A camp against a recording stand-in server: every request that leaves the camp is recorded,
//! so these tests prove where each audience goes, and that camp-only posts go nowhere. Also
//! hostile and forged input at the inbox.

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use porchlight_testkit::peer::Peer;
use serde_json::{Value, json};

const AP: &str = "application/activity+json";

/// A camp with Ana (host) and Cy, and a peer with Zed who follows Ana.
pub(crate) fn camp_with_remote_follower() -> (TestCamp, Peer, String) {
    let camp = TestCamp::federating();
    let peer = Peer::start();
    camp.allow_peers(&[peer.address()]);
    camp.add_member("ana", Role::Host);
    camp.add_member("cy", Role::Member);
    let zed = peer.add_actor("zed");
    let ana = format!("{}/users/ana", camp.base);
    let (status, body) = peer.post_signed(
        &format!("{ana}/inbox"),
        "zed",
        &json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{zed}#follow-1"),
                 "type": "Follow", "actor": zed, "object": ana }),
    );
    assert_eq!(status, 202, "{body}");
    peer.wait_for("the Accept", |d| d.iter().any(|a| a["type"] == "Accept"));
    (camp, peer, zed)
}

#[test]
fn each_audience_goes_where_it_should_and_camp_only_goes_nowhere() {
    let (camp, peer, zed) = camp_with_remote_follower();
    let accept = peer
        .recorded()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert!(
        accept.signature_ok,
        "the Accept is signed with Ana's published key"
    );
    assert_eq!(accept.json()["object"]["id"], format!("{zed}#follow-1"));
    assert_eq!(camp.count("follows"), 1);

    let mut ana = camp.logged_in("ana");
    let public = ana.write_post("public words", "public");
    ana.write_post("unlisted words", "unlisted");
    ana.write_post("followers words", "followers");
    let secret = ana.write_post("camp secret words", "local");
    ana.write_post("a note for @cy only", "direct");
    // Everything one can do to a camp-only post, none of which may leave either.
    ana.reply(secret, "camp secret reply", "local");
    ana.post(&format!("/posts/{secret}/boost"), &[]);
    ana.post(
        &format!("/posts/{secret}/edit"),
        &[("text", "camp secret edited"), ("content_warning", "")],
    );
    ana.post(&format!("/posts/{secret}/favourite"), &[]);
    ana.post(&format!("/posts/{secret}/delete"), &[]);
    camp.settle();

    let mut creates: Vec<Value> = peer
        .deliveries()
        .into_iter()
        .filter(|a| a["type"] == "Create")
        .collect();
    // Deliveries run in parallel; put them in the order they were written.
    let post_number = |c: &Value| -> i64 {
        let id = c["object"]["id"].as_str().unwrap();
        id.rsplit('/').next().unwrap().parse().unwrap()
    };
    creates.sort_by_key(post_number);
    let texts: Vec<&str> = creates
        .iter()
        .map(|c| c["object"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(
        texts[0].contains("public words")
            && texts[1].contains("unlisted words")
            && texts[2].contains("followers words"),
        "{texts:?}"
    );
    let public_note = &creates[0]["object"];
    assert_eq!(
        public_note["to"],
        json!(["https://www.w3.org/ns/activitystreams#Public"])
    );
    assert_eq!(
        creates[2]["object"]["to"],
        json!([format!("{}/users/ana/followers", camp.base)])
    );
    assert_eq!(creates[2]["object"]["cc"], json!([]));
    // One delivery per server: Zed's server has a shared inbox.
    assert!(
        peer.recorded()
            .iter()
            .filter(|r| r.method == "POST")
            .all(|r| r.path == "/inbox" || r.path.ends_with("/inbox"))
    );
    for request in peer.recorded() {
        assert!(
            !request.body.contains("secret"),
            "a camp-only post left the camp: {}",
            request.body
        );
        assert!(
            !request.body.contains("a note for"),
            "a direct post went to someone not in it"
        );
        assert!(
            request.method != "POST" || request.signature_ok,
            "unsigned delivery: {request:?}"
        );
    }
    // A profile change reaches the servers that follow Ana.
    ana.post(
        "/settings/profile",
        &[
            ("display_name", "Ana B."),
            ("bio", "hello there"),
            ("who_i_am", "the host"),
        ],
    );
    peer.wait_for("the profile update", |d| {
        d.iter()
            .any(|a| a["type"] == "Update" && a["object"]["name"] == "Ana B.")
    });
    // Remote fetches of what is not public answer 404, like what does not exist.
    let mut outsider = camp.browser();
    outsider
        .get_with(&format!("/posts/{public}"), &[("accept", AP)])
        .assert_status(200);
    outsider
        .get_with(&format!("/posts/{}", public + 2), &[("accept", AP)])
        .assert_status(404);
    outsider
        .get_with(
            &format!("/posts/{}/activity", public + 2),
            &[("accept", AP)],
        )
        .assert_status(404);
    let outbox = outsider
        .get_with("/users/ana/outbox", &[("accept", AP)])
        .body;
    assert!(outbox.contains("public words") && outbox.contains("unlisted words"));
    assert!(
        !outbox.contains("followers words")
            && !outbox.contains("secret")
            && !outbox.contains("note for")
    );
}

#[test]
fn replies_to_remote_people_go_to_them_and_direct_ones_only_to_them() {
    let (camp, peer, zed) = camp_with_remote_follower();
    // Zed answers one of his own older posts, mentioning Ana; the camp has not seen the older
    // one, so it fetches it to show the thread.
    peer.publish(
        "/users/zed/notes/0",
        &json!({ "id": format!("{zed}/notes/0"), "type": "Note", "attributedTo": zed,
                 "content": "<p>what the thread is about</p>",
                 "to": ["https://www.w3.org/ns/activitystreams#Public"] }),
    );
    let note_id = format!("{zed}/notes/1");
    let (status, _) = peer.post_signed(
        &format!("{}/inbox", camp.base),
        "zed",
        &json!({ "id": format!("{note_id}/activity"), "type": "Create", "actor": zed,
                 "object": { "id": note_id, "type": "Note", "attributedTo": zed,
                             "inReplyTo": format!("{zed}/notes/0"),
                             "content": "<p>hi <a href=\"x\" class=\"mention\">@ana</a><script>x</script></p>",
                             "to": ["https://www.w3.org/ns/activitystreams#Public"],
                             "tag": [{ "type": "Mention", "href": format!("{}/users/ana", camp.base) }] } }),
    );
    assert_eq!(status, 202);
    camp.wait_for("Zed's post and the one it answers", |c| {
        c.query_i64("SELECT COUNT(*) FROM posts WHERE uri IS NOT NULL") == 2
    });
    let remote = camp.query_i64(&format!("SELECT id FROM posts WHERE uri = '{note_id}'"));
    assert_eq!(
        camp.query_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE uri = '{note_id}' AND in_reply_to IS NOT NULL"
        )),
        1
    );
    let mut ana = camp.logged_in("ana");
    let page = ana.get(&format!("/posts/{remote}"));
    page.assert_status(200)
        .assert_contains("hi")
        .assert_contains("what the thread is about")
        .assert_lacks("<script>");
    ana.get("/notifications").assert_contains("zed");

    let before = peer.deliveries().len();
    ana.reply(remote, "a quiet answer", "direct");
    ana.reply(remote, "a loud answer", "public");
    camp.settle();
    let deliveries: Vec<_> = peer
        .recorded()
        .into_iter()
        .filter(|r| r.method == "POST")
        .skip(before)
        .collect();
    assert_eq!(deliveries.len(), 2, "{deliveries:#?}");
    // Deliveries run in parallel: find each by what it says.
    let by_text = |text: &str| {
        deliveries
            .iter()
            .find(|d| d.body.contains(text))
            .unwrap_or_else(|| panic!("no delivery of {text:?}: {deliveries:#?}"))
    };
    let quiet = by_text("a quiet answer");
    assert_eq!(
        quiet.path, "/users/zed/inbox",
        "a direct reply goes to the person's own inbox"
    );
    assert_eq!(quiet.json()["object"]["to"], json!([zed]));
    assert_eq!(quiet.json()["object"]["inReplyTo"], note_id);
    assert_eq!(quiet.json()["object"]["cc"], json!([]));
    let loud = by_text("a loud answer").json();
    assert!(
        loud["object"]["cc"]
            .as_array()
            .unwrap()
            .contains(&json!(zed))
    );
    assert_eq!(loud["object"]["tag"][0]["href"], zed);
}

fn assert_refused(
    camp: &TestCamp,
    before_posts: i64,
    (status, body): (u16, String),
    expected: u16,
    what: &str,
) {
    assert_eq!(status, expected, "{what}: {body}");
    assert_eq!(camp.count("jobs"), 0, "{what}: nothing is queued");
    assert_eq!(
        camp.count("posts"),
        before_posts,
        "{what}: nothing is stored"
    );
}

#[test]
fn forged_and_hostile_inbox_input_is_refused_and_stores_nothing() {
    let (camp, peer, zed) = camp_with_remote_follower();
    camp.settle();
    let inbox = format!("{}/inbox", camp.base);
    let posts = camp.count("posts");
    let note = |id: &str, author: &str| {
        json!({ "id": format!("{id}/activity"), "type": "Create", "actor": author,
                "object": { "id": id, "type": "Note", "attributedTo": author, "content": "forged",
                            "to": ["https://www.w3.org/ns/activitystreams#Public"] } })
    };

    // Not signed at all.
    let unsigned = peer.post_unsigned(
        &inbox,
        note(&format!("{zed}/n/1"), &zed).to_string().as_bytes(),
    );
    assert_refused(&camp, posts, unsigned, 401, "unsigned");

    // Signed with another key under Zed's key id.
    let stranger_key = porchlight_federation::ap::keys::PrivateKey::generate().unwrap();
    let forged = peer.post_signed_with(
        &inbox,
        &format!("{zed}#main-key"),
        &stranger_key,
        note(&format!("{zed}/n/2"), &zed).to_string().as_bytes(),
    );
    assert_refused(&camp, posts, forged, 401, "a signature by another key");

    // Signed by Zed for another server, sent here with that server's Host: a captured request
    // replayed within the clock's window.
    let replayed = peer.post_signed_for(
        &inbox,
        Some("other.example"),
        &format!("{zed}#main-key"),
        &peer.key_of("zed"),
        note(&format!("{zed}/n/22"), &zed).to_string().as_bytes(),
    );
    assert_refused(
        &camp,
        posts,
        replayed,
        401,
        "a request signed for another host",
    );

    // Signed by Zed, on behalf of someone else (Mastodon CVE-2024-23832's shape).
    let yan = peer.add_actor("yan");
    let spoof = peer.post_signed(&inbox, "zed", &note(&format!("{yan}/n/3"), &yan));
    assert_refused(&camp, posts, spoof, 401, "signed by one actor for another");

    // An activity id on another server than its actor.
    let mut elsewhere = note(&format!("{zed}/n/4"), &zed);
    elsewhere["id"] = "https://other.example/activities/4".into();
    assert_refused(
        &camp,
        posts,
        peer.post_signed(&inbox, "zed", &elsewhere),
        400,
        "activity id elsewhere",
    );

    // Malformed, deeply nested, and oversized documents.
    let key = peer.key_of("zed");
    let key_id = format!("{zed}#main-key");
    assert_refused(
        &camp,
        posts,
        peer.post_signed_with(&inbox, &key_id, &key, b"{\"type\": \"Create\","),
        400,
        "malformed JSON",
    );
    let deep = format!(
        "{{\"actor\":\"{zed}\",\"x\":{}1{}}}",
        "[".repeat(500),
        "]".repeat(500)
    );
    assert_refused(
        &camp,
        posts,
        peer.post_signed_with(&inbox, &key_id, &key, deep.as_bytes()),
        400,
        "deep nesting",
    );
    let huge = format!(
        "{{\"actor\":\"{zed}\",\"x\":\"{}\"}}",
        "a".repeat(1_100_000)
    );
    let (status, _) = peer.post_signed_with(&inbox, &key_id, &key, huge.as_bytes());
    assert_eq!(status, 413, "a huge document");
    assert_eq!(camp.count("jobs"), 0);

    // A key id that points at an uploaded file posing as an actor (Misskey CVE-2023-49079):
    // it is not served as ActivityPub, so it is not a key.
    let media_key = porchlight_federation::ap::keys::PrivateKey::generate().unwrap();
    let fake_actor = json!({ "id": format!("{}/media/evil.png", peer.base), "type": "Person", "preferredUsername": "evil",
        "inbox": format!("{}/media/inbox", peer.base),
        "publicKey": { "id": format!("{}/media/evil.png#k", peer.base), "owner": format!("{}/media/evil.png", peer.base), "publicKeyPem": media_key.public_pem() } });
    peer.publish_as("/media/evil.png", "image/png", &fake_actor.to_string());
    let evil = format!("{}/media/evil.png", peer.base);
    let upload = peer.post_signed_with(
        &inbox,
        &format!("{evil}#k"),
        &media_key,
        note(&format!("{evil}/n"), &evil).to_string().as_bytes(),
    );
    assert_refused(&camp, posts, upload, 401, "an uploaded file as an actor");

    // A Create carrying a post that claims to be from another server is fetched from there
    // instead of trusted; that server has no such post, so nothing is stored.
    let smuggled = json!({ "id": format!("{zed}/n/6/activity"), "type": "Create", "actor": zed,
        "object": { "id": "http://127.0.0.1:9/notes/6", "type": "Note", "attributedTo": zed, "content": "smuggled",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"] } });
    let (status, _) = peer.post_signed(&inbox, "zed", &smuggled);
    assert_eq!(status, 202);
    camp.settle();
    assert_eq!(
        camp.count("posts"),
        posts,
        "a post from another origin is never taken inline"
    );

    // An Update of Ana's follower's profile by someone else, a Delete of another's post: ignored.
    let (status, _) = peer.post_signed(
        &inbox,
        "yan",
        &json!({ "id": format!("{yan}#d"), "type": "Delete", "actor": yan, "object": zed }),
    );
    assert_eq!(status, 202);
    camp.settle();
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM accounts WHERE username = 'zed'"),
        1
    );

    // A suspended server is refused outright, and its follows are gone.
    camp.app
        .block_domain(
            porchlight_app::Acting::Shell,
            &peer.host(),
            porchlight_app::db::federation::BlockLevel::Suspend,
            "test",
        )
        .unwrap();
    assert_eq!(camp.count("follows"), 0);
    let blocked = peer.post_signed(&inbox, "zed", &note(&format!("{zed}/n/7"), &zed));
    assert_refused(&camp, posts, blocked, 403, "a suspended server");
}

#[test]
fn a_rotated_key_is_fetched_again() {
    let (camp, peer, zed) = camp_with_remote_follower();
    peer.rotate_key("zed");
    let (status, body) = peer.post_signed(
        &format!("{}/inbox", camp.base),
        "zed",
        &json!({ "id": format!("{zed}/n/1/activity"), "type": "Create", "actor": zed,
                 "object": { "id": format!("{zed}/n/1"), "type": "Note", "attributedTo": zed, "content": "new key",
                             "to": ["https://www.w3.org/ns/activitystreams#Public"],
                             "cc": [format!("{}/users/ana", camp.base)] } }),
    );
    assert_eq!(status, 202, "{body}");
    camp.wait_for("the post signed with the new key", |c| {
        c.query_i64("SELECT COUNT(*) FROM posts WHERE text = 'new key'") == 1
    });
}

#[test]
fn a_failed_delivery_is_kept_and_retried_until_it_lands() {
    let (camp, peer, _zed) = camp_with_remote_follower();
    camp.settle();
    let mut ana = camp.logged_in("ana");
    // Zed's server is down for a while.
    peer.answer_inbox_with(503);
    ana.write_post("are you there?", "public");
    camp.wait_for("a failed attempt", |c| {
        c.query_i64("SELECT COUNT(*) FROM jobs WHERE attempts >= 1 AND last_error IS NOT NULL") == 1
    });
    let wait = camp.query_i64("SELECT next_at - strftime('%s', 'now') FROM jobs");
    assert!(
        (20..=60).contains(&wait),
        "the next try is about 30 s away, not {wait} s"
    );
    assert!(camp.query_i64("SELECT failing_since IS NOT NULL FROM servers") == 1);
    // An hour on, the host's page says so.
    camp.db
        .write(|tx| {
            tx.execute(
                "UPDATE servers SET failing_since = failing_since - 7200",
                [],
            )
        })
        .unwrap();
    ana.get("/admin")
        .assert_contains("Needs your attention")
        .assert_contains(&format!(
            "Posts have not reached one server for more than an hour; they are tried again for a week: {}",
            peer.host()
        ));
    // It comes back; the retry (brought forward, instead of waiting 30 s) lands.
    peer.answer_inbox_with(202);
    camp.db
        .write(|tx| tx.execute("UPDATE jobs SET next_at = 0", []))
        .unwrap();
    camp.app.federation.as_ref().unwrap().wake();
    camp.settle();
    let tries = peer
        .recorded()
        .iter()
        .filter(|r| r.method == "POST" && r.body.contains("are you there?"))
        .count();
    assert!(tries >= 2, "delivered after the failure ({tries} tries)");
    assert_eq!(
        camp.query_i64("SELECT failing_since IS NULL FROM servers"),
        1
    );

    // A refusal that retrying cannot fix (410 Gone) drops the delivery at once.
    peer.answer_inbox_with(410);
    ana.write_post("hello again", "public");
    camp.settle();
    assert_eq!(camp.count("jobs"), 0);
}

#[test]
fn a_key_at_its_own_address_leads_to_its_owner() {
    let camp = TestCamp::federating();
    let peer = Peer::start();
    camp.allow_peers(&[peer.address()]);
    camp.add_member("ana", Role::Host);
    // GoToSocial's shape: key id `…/main-key`, which serves a stub naming the owner.
    let gus = peer.add_actor_with_key_document("gus");
    let ana = format!("{}/users/ana", camp.base);
    let (status, body) = peer.post_signed(
        &format!("{ana}/inbox"),
        "gus",
        &json!({ "id": format!("{gus}#follow"), "type": "Follow", "actor": gus, "object": ana }),
    );
    assert_eq!(status, 202, "{body}");
    camp.wait_for("the follow", |c| c.count("follows") == 1);
    assert_eq!(
        camp.query_i64(&format!(
            "SELECT COUNT(*) FROM accounts WHERE key_id = '{gus}/main-key'"
        )),
        1
    );
}

#[test]
fn pictures_from_elsewhere_come_through_the_camp_once_and_within_limits() {
    let (camp, peer, zed) = camp_with_remote_follower();
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n a small picture".to_vec();
    peer.publish_as(
        "/media/cat.png",
        "image/png",
        &String::from_utf8_lossy(&png),
    );
    peer.publish_as("/media/huge.png", "image/png", &"x".repeat(9 << 20));
    peer.publish_as(
        "/media/page.svg",
        "image/svg+xml",
        "<svg onload=\"alert(1)\"></svg>",
    );
    let mut ana = camp.logged_in("ana");
    // Ana follows Zed, and his server accepts, so his posts are kept.
    ana.post(&format!("/@zed@{}/follow", peer.host()), &[]);
    peer.wait_for("Ana's follow", |d| d.iter().any(|a| a["type"] == "Follow"));
    let follow = peer
        .deliveries()
        .into_iter()
        .find(|a| a["type"] == "Follow")
        .unwrap();
    let (status, _) = peer.post_signed(
        &format!("{}/inbox", camp.base),
        "zed",
        &json!({ "id": format!("{zed}#accept-ana"), "type": "Accept", "actor": zed, "object": follow }),
    );
    assert_eq!(status, 202);
    camp.wait_for("Ana to follow Zed", |c| c.count("follows") == 2);
    let image = |url: &str, name: &str| json!({ "type": "Document", "mediaType": if url.ends_with(".svg") { "image/svg+xml" } else { "image/png" }, "url": url, "name": name });
    let (status, _) = peer.post_signed(
        &format!("{}/inbox", camp.base),
        "zed",
        &json!({ "id": format!("{zed}/n/pic/activity"), "type": "Create", "actor": zed,
                 "object": { "id": format!("{zed}/n/pic"), "type": "Note", "attributedTo": zed,
                             "content": "<p>look</p>", "to": ["https://www.w3.org/ns/activitystreams#Public"],
                             "attachment": [image(&format!("{}/media/cat.png", peer.base), "a cat on a mat"),
                                            image(&format!("{}/media/huge.png", peer.base), "too big"),
                                            image(&format!("{}/media/page.svg", peer.base), "a drawing")] } }),
    );
    assert_eq!(status, 202);
    camp.wait_for("the post with pictures", |c| c.count("post_media") == 3);
    let home = ana.get("/");
    home.assert_contains("alt=\"a cat on a mat\"");
    // Zed's avatar comes through the proxy too.
    let needle = "<img class=\"avatar\" src=\"";
    let card = home
        .body
        .find(&format!("href=\"/@zed@{}\"", peer.host()))
        .expect("Zed's post");
    let at = card + home.body[card..].find(needle).expect("an avatar") + needle.len();
    let avatar = &home.body[at..at + home.body[at..].find('"').unwrap()];
    ana.get(avatar)
        .assert_status(200)
        .assert_contains("avatar of zed");
    ana.get(&format!("/@zed@{}", peer.host()))
        .assert_status(200)
        .assert_contains(&format!("<img class=\"avatar\" src=\"{avatar}\""));
    // SVG can carry script: it is only linked, never shown or passed on.
    home.assert_contains(&format!("href=\"{}/media/page.svg\"", peer.base));
    let paths: Vec<String> = home
        .body
        .match_indices("<img src=\"/media/")
        .map(|(at, _)| {
            let rest = &home.body[at + 10..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(paths.len(), 2, "two pictures are proxied: {paths:?}");
    let cat = &paths[0];
    let first = ana.get(cat);
    first.assert_status(200);
    assert_eq!(first.header("content-type"), Some("image/png"));
    assert!(first.body.contains("a small picture"));
    ana.get(cat).assert_status(200);
    let fetched = peer
        .recorded()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/media/cat.png")
        .count();
    assert_eq!(fetched, 1, "the second view comes from the camp's cache");
    // Over the size cap: refused, and nothing kept.
    ana.get(&paths[1]).assert_status(502);
    // An address the camp did not make is not fetched.
    let forged = format!(
        "/media/{}/{}",
        "0".repeat(64),
        &cat[cat.rfind('/').unwrap() + 1..]
    );
    ana.get(&forged).assert_status(404);
    // The host rejects media from Zed's server: nothing more is shown from there.
    camp.app
        .block_domain(
            porchlight_app::Acting::Shell,
            &peer.host(),
            porchlight_app::db::federation::BlockLevel::RejectMedia,
            "",
        )
        .unwrap();
    let gets_before = peer.recorded().len();
    ana.get(&paths[1]).assert_status(502);
    assert_eq!(
        peer.recorded().len(),
        gets_before,
        "no request to a server whose media is rejected"
    );
}

#[test]
fn nothing_is_signed_while_the_clock_cannot_be_trusted() {
    let (camp, peer, _zed) = camp_with_remote_follower();
    camp.settle();
    let fed = camp.app.federation.as_ref().unwrap();
    fed.set_clock_trusted(false);
    camp.logged_in("ana")
        .get("/admin")
        .assert_contains("The clock is not set yet");
    let before = peer.deliveries().len();
    camp.logged_in("ana")
        .write_post("written before the clock was set", "public");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(camp.count("jobs"), 1, "the delivery waits in the queue");
    assert_eq!(peer.deliveries().len(), before, "nothing was sent");
    fed.set_clock_trusted(true);
    camp.settle();
    peer.wait_for("the delivery once the clock is set", |d| {
        d.iter()
            .any(|a| a.to_string().contains("written before the clock was set"))
    });
}

/// The SSRF guard holds through redirects: a server the camp may reach cannot send it on to an
/// address it may not (here a second loopback server outside the allow-list); and without an
/// allow-list, plain http and loopback are refused outright.
#[test]
fn redirects_cannot_lead_past_the_ssrf_guard() {
    let camp = TestCamp::federating();
    let allowed = Peer::start();
    let forbidden = Peer::start();
    camp.allow_peers(&[allowed.address()]);
    let target = forbidden.add_actor("inner");
    allowed.redirect("/users/hop", &target);
    let fed = camp.app.federation.as_ref().unwrap();
    let hop = format!("{}/users/hop", allowed.base);
    let refused = fed.fetch(&camp.db, &hop);
    assert!(
        matches!(
            refused,
            Err(porchlight_federation::FedError::Fetch(
                porchlight_federation::FetchError::Refused(_)
            ))
        ),
        "{refused:?}"
    );
    assert!(allowed.recorded().iter().any(|r| r.path == "/users/hop"));
    assert!(
        forbidden.recorded().is_empty(),
        "the forbidden server was never contacted"
    );
    // A direct fetch of the forbidden address is refused the same way.
    assert!(fed.fetch(&camp.db, &target).is_err());
    assert!(forbidden.recorded().is_empty());

    // A client with no allow-list (as in production) refuses http and loopback alike.
    let production = porchlight_federation::Client::new("test");
    for url in [
        format!("{}/users/inner", forbidden.base),
        "https://127.0.0.1:1/x".to_string(),
    ] {
        let e = production.get_json(&url).unwrap_err();
        assert!(
            matches!(e, porchlight_federation::FetchError::Refused(_)),
            "{url}: {e:?}"
        );
    }
    assert!(forbidden.recorded().is_empty());
}

#[test]
fn a_block_ends_the_follow_and_tells_their_server() {
    let (camp, peer, zed) = camp_with_remote_follower();
    let mut ana = camp.logged_in("ana");
    let handle = format!("zed@{}", peer.host());
    let blocked = ana.post(&format!("/@{handle}/block"), &[]);
    assert_eq!(blocked.status, 303, "{}", blocked.body);
    assert_eq!(camp.count("follows"), 0, "zed no longer follows ana here");
    // Their server is told, so that it drops the follow too and shows zed nothing of ana's
    // that it receives for others.
    peer.wait_for("the Block", |d| d.iter().any(|a| a["type"] == "Block"));
    let block = peer
        .deliveries()
        .into_iter()
        .find(|a| a["type"] == "Block")
        .unwrap();
    assert_eq!(block["actor"], format!("{}/users/ana", camp.base));
    assert_eq!(block["object"], zed);
    // A new Follow from zed is refused.
    let (status, body) = peer.post_signed(
        &format!("{}/users/ana/inbox", camp.base),
        "zed",
        &json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{zed}#follow-2"),
                 "type": "Follow", "actor": zed, "object": format!("{}/users/ana", camp.base) }),
    );
    assert_eq!(status, 202, "{body}");
    peer.wait_for("the Reject", |d| d.iter().any(|a| a["type"] == "Reject"));
    assert_eq!(camp.count("follows"), 0);
    // Unblocking says so too.
    ana.post(&format!("/@{handle}/unblock"), &[])
        .assert_status(303);
    peer.wait_for("the Undo of the Block", |d| {
        d.iter()
            .any(|a| a["type"] == "Undo" && a["object"]["type"] == "Block")
    });
}

/// A signed activity over the form limit (64 KiB) but within the documented 1 MiB is taken
/// whatever header carries the signature: Mastodon's `Signature` header, not only
/// `Authorization: Signature` (it was refused as too large before).
#[test]
fn a_large_signed_activity_is_taken_whatever_carries_the_signature() {
    let (camp, peer, zed) = camp_with_remote_follower();
    camp.settle();
    let inbox = format!("{}/inbox", camp.base);
    let long = json!({ "id": format!("{zed}/n/long/activity"), "type": "Create", "actor": zed,
        "object": { "id": format!("{zed}/n/long"), "type": "Note", "attributedTo": zed,
                    "content": "a long story ".repeat(8_000),
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "tag": [{ "type": "Mention", "href": format!("{}/users/ana", camp.base) }] } });
    assert!(long.to_string().len() > 64 * 1024);
    let (status, body) = peer.post_signed(&inbox, "zed", &long);
    assert_eq!(
        status, 202,
        "a 100 KB activity signed with Signature: {body}"
    );

    camp.wait_for("the long post stored", |c| {
        c.query_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE uri = '{zed}/n/long'"
        )) == 1
    });
}

/// A camp and a server that behaves as GoToSocial does on fetches (the stand-in of
/// `Peer::start_like_gotosocial`: every fetch signed, the signer checked through its key, its
/// owner and WebFinger for `preferredUsername@host`) follow each other and exchange posts; its
/// un-boost (an `Undo` embedding the `Announce`, addressed as the `Announce` was) takes the boost
/// back. (Before, the camp's own actor had no WebFinger answer, so every fetch the camp made of
/// such a server was refused, and nobody there could follow a camper.)
#[test]
fn a_gotosocial_like_server_and_a_camp_follow_each_other() {
    const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
    let camp = TestCamp::federating();
    let peer = Peer::start_like_gotosocial();
    camp.allow_peers(&[peer.address()]);
    camp.add_member("ana", Role::Host);
    let gts = peer.add_actor("gts");
    let ana = format!("{}/users/ana", camp.base);
    let inbox = format!("{}/inbox", camp.base);
    let refused = |peer: &Peer| -> Vec<String> {
        peer.recorded()
            .into_iter()
            .filter(|r| r.method == "GET" && !r.body.is_empty())
            .map(|r| format!("{}: {}", r.path, r.body))
            .collect()
    };
    // An unsigned fetch is refused there, as GoToSocial does.
    let unsigned = ureq::get(&gts)
        .header("accept", "application/activity+json")
        .config()
        .http_status_as_error(false)
        .build()
        .call()
        .unwrap();
    assert_eq!(unsigned.status(), 401);

    // Ana finds and follows gts: the camp's signed fetches pass its check.
    let mut browser = camp.logged_in("ana");
    let follow = browser.post(&format!("/@gts@{}/follow", peer.host()), &[]);
    assert_eq!(
        follow.status,
        303,
        "{} (refused: {:?})",
        follow.body,
        refused(&peer)
    );
    peer.wait_for("Ana's Follow", |d| d.iter().any(|a| a["type"] == "Follow"));
    let their_follow = peer
        .deliveries()
        .into_iter()
        .find(|a| a["type"] == "Follow")
        .unwrap();
    let (status, body) = peer.post_signed(
        &inbox,
        "gts",
        &json!({ "id": format!("{gts}#accepts/1"), "type": "Accept", "actor": gts,
                 "object": their_follow }),
    );
    assert_eq!(status, 202, "{body}");
    camp.wait_for("Ana following gts", |c| {
        c.query_i64(
            "SELECT COUNT(*) FROM follows WHERE follower_id IN (SELECT account_id FROM users)",
        ) == 1
    });
    // gts follows Ana back: the camp fetches its key (signed, checked there) and accepts.
    let (status, body) = peer.post_signed(
        &format!("{ana}/inbox"),
        "gts",
        &json!({ "id": format!("{gts}#follows/1"), "type": "Follow", "actor": gts, "object": ana }),
    );
    assert_eq!(status, 202, "{body}");
    peer.wait_for("the camp's Accept", |d| {
        d.iter().any(|a| a["type"] == "Accept")
    });
    // Posts both ways.
    let (status, _) = peer.post_signed(
        &inbox,
        "gts",
        &json!({ "id": format!("{gts}/statuses/1/activity"), "type": "Create", "actor": gts,
                 "to": [PUBLIC], "cc": [format!("{gts}/followers")],
                 "object": { "id": format!("{gts}/statuses/1"), "type": "Note", "attributedTo": gts,
                             "content": "<p>hello from a GoToSocial</p>",
                             "to": [PUBLIC], "cc": [format!("{gts}/followers")] } }),
    );
    assert_eq!(status, 202);
    camp.wait_for("gts's post", |c| {
        c.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE '%hello from a GoToSocial%'") == 1
    });
    let post = browser.write_post("a camper's post", "public");
    peer.wait_for("Ana's post", |d| {
        d.iter().any(|a| {
            a["type"] == "Create" && a["object"]["content"].to_string().contains("a camper")
        })
    });
    // gts boosts it, then takes the boost back as GoToSocial does.
    let post_uri = format!("{}/posts/{post}", camp.base);
    let announce = json!({ "id": format!("{gts}/statuses/2"), "type": "Announce", "actor": gts,
                           "object": post_uri, "published": "2026-12-06T10:00:00Z",
                           "to": [PUBLIC], "cc": [ana.clone(), format!("{gts}/followers")] });
    assert_eq!(peer.post_signed(&inbox, "gts", &announce).0, 202);
    let boosts = format!("SELECT COUNT(*) FROM posts WHERE boost_of = {post}");
    let counted = format!("SELECT boost_count FROM posts WHERE id = {post}");
    camp.wait_for("the boost", |c| c.query_i64(&boosts) == 1);
    assert_eq!(camp.query_i64(&counted), 1);
    let undo = json!({ "id": format!("{gts}/statuses/2/undo"), "type": "Undo", "actor": gts,
                       "to": announce["to"], "cc": announce["cc"], "object": announce });
    assert_eq!(peer.post_signed(&inbox, "gts", &undo).0, 202);
    camp.wait_for("the boost taken back", |c| c.query_i64(&boosts) == 0);
    assert_eq!(camp.query_i64(&counted), 0, "no longer counted");
    // Nothing the camp fetched was refused (only the test's own unsigned fetch above was).
    assert_eq!(refused(&peer).len(), 1, "{:?}", refused(&peer));
}

#[test]
fn a_profile_from_elsewhere_is_brought_up_to_date_at_most_every_ten_minutes() {
    let camp = TestCamp::federating();
    let peer = Peer::start();
    camp.allow_peers(&[peer.address()]);
    camp.add_member("ana", Role::Host);
    let zed = peer.add_actor("zed");
    // Zed's server says how many follow Zed, Zed follows and Zed wrote, and since when.
    let mut actor: Value = serde_json::from_str(
        &ureq::get(&zed)
            .header("accept", AP)
            .call()
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap(),
    )
    .unwrap();
    actor["following"] = format!("{zed}/following").into();
    actor["outbox"] = format!("{zed}/outbox").into();
    actor["published"] = "2023-04-01T10:00:00Z".into();
    peer.publish("/users/zed", &actor);
    peer.publish(
        "/users/zed/followers",
        &json!({ "id": format!("{zed}/followers"), "type": "OrderedCollection", "totalItems": 12 }),
    );
    peer.publish(
        "/users/zed/following",
        &json!({ "id": format!("{zed}/following"), "type": "OrderedCollection", "totalItems": 3 }),
    );
    let note = json!({
        "id": format!("{zed}/notes/1"), "type": "Note", "attributedTo": zed,
        "content": "<p>hello from zed's outbox</p>",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "published": "2026-12-01T10:00:00Z",
    });
    peer.publish(
        "/users/zed/outbox",
        &json!({ "id": format!("{zed}/outbox"), "type": "OrderedCollection", "totalItems": 40,
                 "orderedItems": [{ "id": format!("{zed}/notes/1/activity"), "type": "Create",
                                    "actor": zed, "object": note }] }),
    );
    let fetches = |path: &str| {
        peer.recorded()
            .iter()
            .filter(|r| r.method == "GET" && r.path == path)
            .count()
    };

    // The page, opened twice: one look at Zed's server.
    let mut ana = camp.logged_in("ana");
    let profile = format!("/@zed@{}", peer.host());
    ana.get(&profile)
        .assert_status(200)
        .assert_contains("hello from zed's outbox")
        .assert_contains("12 followers · 3 following · 40 posts on their server");
    ana.get(&profile).assert_status(200);
    assert_eq!(fetches("/users/zed/outbox"), 1);
    assert_eq!(fetches("/users/zed/followers"), 1);

    // An app sees Zed's numbers, and opening the account again fetches nothing new.
    let client = crate::api::Client::new(&camp);
    let token = crate::api::token_for(&camp, &client, "ana", "read");
    let id = client
        .get(
            &format!("/api/v1/accounts/lookup?acct=zed@{}", peer.host()),
            None,
        )
        .json["id"]
        .as_str()
        .unwrap()
        .to_string();
    let account = client
        .get(&format!("/api/v1/accounts/{id}"), Some(&token))
        .json;
    assert_eq!(
        (
            account["followers_count"].clone(),
            account["following_count"].clone(),
            account["statuses_count"].clone(),
            account["created_at"].clone(),
        ),
        (
            json!(12),
            json!(3),
            json!(40),
            json!("2023-04-01T00:00:00.000Z")
        ),
        "{account}"
    );
    assert_eq!(fetches("/users/zed/outbox"), 1, "once in ten minutes");
    assert_eq!(fetches("/users/zed/following"), 1);
}
