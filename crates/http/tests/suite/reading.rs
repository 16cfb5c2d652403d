//! Posts of the shapes other servers send, read from a stand-in server and checked on the page a
//! camper reads and in what an app gets: a quote (fetched and given by id), a text only in
//! `contentMap` (its language), a picture someone marked sensitive, a PeerTube-like video, and a
//! kind that is no post, which is kept out. (fediverse-pasture, in `pasture.rs`, covers the API
//! for every input of its own.)

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use porchlight_testkit::peer::Peer;
use serde_json::{Value, json};

use crate::api::{Client, token_for};

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

/// A camp with its host Ana, and a stand-in server with Pia on it: the camp, the server, Pia's
/// id, Ana's id, and the server's address.
fn camp_and_stand_in() -> (TestCamp, Peer, String, String, String) {
    let camp = TestCamp::federating();
    let peer = Peer::start();
    camp.allow_peers(&[peer.address()]);
    camp.add_member("ana", Role::Host);
    let pia = peer.add_actor("pia");
    let ana = format!("{}/users/ana", camp.base);
    let base = format!("http://{}", peer.host());
    (camp, peer, pia, ana, base)
}

#[test]
fn quotes_languages_sensitive_pictures_and_videos_from_elsewhere_on_the_page_and_in_apps() {
    let (camp, peer, pia, ana, base) = camp_and_stand_in();
    let mut sent = 0;
    let mut send = |object: Value| {
        sent += 1;
        let mut object = object;
        object["attributedTo"] = pia.clone().into();
        object["to"] = json!([PUBLIC, ana]);
        let (status, body) = peer.post_signed(
            &format!("{ana}/inbox"),
            "pia",
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{pia}/activities/{sent}"),
                "type": "Create",
                "actor": pia,
                "to": [PUBLIC, ana],
                "object": object,
            }),
        );
        assert_eq!(status, 202, "{body}");
    };
    // The quoted post is only on pia's server.
    peer.publish(
        "/notes/quoted",
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{base}/notes/quoted"), "type": "Note", "attributedTo": pia,
            "to": [PUBLIC], "content": "<p>the words being quoted</p>",
        }),
    );
    send(json!({
        "id": format!("{base}/notes/1"), "type": "Note",
        "contentMap": { "fr": "<p>Regardez ça</p>" },
        "quoteUrl": format!("{base}/notes/quoted"),
    }));
    send(json!({
        "id": format!("{base}/notes/2"), "type": "Note", "content": "<p>see the picture</p>",
        "attachment": [{ "type": "Image", "mediaType": "image/png", "sensitive": true,
                         "url": format!("{base}/media/sensitive.png"), "name": "a cat" }],
    }));
    send(json!({
        "id": format!("{base}/videos/3"), "type": "Video", "name": "Building a boat, day 3",
        "content": "<p>Planking the hull</p>", "summary": "an excerpt, not a warning",
        "url": [
            { "type": "Link", "mediaType": "text/html", "href": format!("{base}/w/3") },
            { "type": "Link", "mediaType": "video/mp4", "href": format!("{base}/files/3-720.mp4"),
              "width": 1280, "height": 720 },
        ],
    }));
    send(json!({ "id": format!("{base}/places/4"), "type": "Place", "name": "the barn" }));
    // Quotes of camp posts pia could not have seen, or that are not there: kept, naming nothing.
    let secret = camp
        .logged_in("ana")
        .write_post("a camp-only plan", "local");
    send(json!({
        "id": format!("{base}/notes/5"), "type": "Note", "content": "<p>guessing</p>",
        "quote": format!("{}/posts/{secret}", camp.base),
    }));
    send(json!({
        "id": format!("{base}/notes/6"), "type": "Note", "content": "<p>gone</p>",
        "quote": format!("{}/posts/999999", camp.base),
    }));
    // A quote of a post its server does not give yet.
    send(json!({
        "id": format!("{base}/notes/7"), "type": "Note", "content": "<p>wait for it</p>",
        "quote": format!("{base}/notes/later"),
    }));
    camp.wait_for("the six posts and the quoted one", |c| {
        c.query_i64("SELECT COUNT(*) FROM posts WHERE uri IS NOT NULL") == 7
    });
    camp.settle();
    assert_eq!(
        camp.query_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE uri = '{base}/places/4'"
        )),
        0,
        "a Place is no post"
    );
    let id_of = |uri: String| camp.query_i64(&format!("SELECT id FROM posts WHERE uri = '{uri}'"));
    let (quoting, quoted) = (
        id_of(format!("{base}/notes/1")),
        id_of(format!("{base}/notes/quoted")),
    );
    let (sensitive, video) = (
        id_of(format!("{base}/notes/2")),
        id_of(format!("{base}/videos/3")),
    );

    // In an app.
    let client = Client::new(&camp);
    let token = token_for(&camp, &client, "ana", "read");
    let status = |id: i64| {
        let reply = client.get(&format!("/api/v1/statuses/{id}"), Some(&token));
        assert_eq!(reply.status, 200, "{}", reply.json);
        reply.json
    };
    let q = status(quoting);
    assert_eq!(q["language"], "fr");
    assert_eq!(q["uri"], format!("{base}/notes/1"));
    assert_eq!(
        q["quote"],
        json!({ "state": "accepted", "quoted_status_id": quoted.to_string() })
    );
    let quoted_link = format!("{base}/notes/quoted");
    assert!(
        q["content"]
            .as_str()
            .unwrap()
            .starts_with("<p>Regardez ça</p>")
            && q["content"].as_str().unwrap().contains(&format!(
                "<p class=\"quote-inline\">RE: <a href=\"{quoted_link}\""
            )),
        "{}",
        q["content"]
    );
    for n in [5, 6, 7] {
        let other = status(id_of(format!("{base}/notes/{n}")));
        assert_eq!(
            other["quote"],
            json!({ "state": "unauthorized", "quoted_status_id": null }),
            "notes/{n}"
        );
    }
    // The quoted post arrives after all: the quote names it.
    send(json!({
        "id": format!("{base}/notes/later"), "type": "Note", "content": "<p>here it is</p>",
    }));
    camp.wait_for("the quoted post, late", |c| {
        c.query_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE uri = '{base}/notes/later'"
        )) == 1
    });
    let later = id_of(format!("{base}/notes/later"));
    assert_eq!(
        status(id_of(format!("{base}/notes/7")))["quote"],
        json!({ "state": "accepted", "quoted_status_id": later.to_string() })
    );
    assert!(
        status(quoted)["content"]
            .as_str()
            .unwrap()
            .contains("the words being quoted")
    );
    let s = status(sensitive);
    assert_eq!(
        (s["sensitive"].clone(), s["spoiler_text"].clone()),
        (json!(true), json!(""))
    );
    assert_eq!(s["media_attachments"][0]["description"], "a cat");
    assert_eq!(status(quoting)["sensitive"], false);
    let v = status(video);
    assert_eq!(v["url"], format!("{base}/w/3"));
    assert_eq!(v["uri"], format!("{base}/videos/3"));
    assert_eq!(v["spoiler_text"], "", "a video's summary is no warning");
    assert_eq!(v["media_attachments"][0]["type"], "video");
    assert_eq!(
        v["media_attachments"][0]["remote_url"],
        format!("{base}/files/3-720.mp4")
    );
    let v_content = v["content"].as_str().unwrap();
    assert!(
        v_content
            .starts_with("<p><strong>Building a boat, day 3</strong></p><p>Planking the hull</p>")
            && v_content.contains(&format!("href=\"{base}/w/3\"")),
        "{v_content}"
    );

    // On the page a camper reads.
    let mut reader = camp.logged_in("ana");
    reader
        .get(&format!("/posts/{quoting}"))
        .assert_status(200)
        .assert_contains("lang=\"fr\"")
        .assert_contains("Regardez ça")
        .assert_contains(&format!("RE: <a href=\"{quoted_link}\""));
    let page = reader.get(&format!("/posts/{sensitive}"));
    page.assert_status(200)
        .assert_contains("Sensitive media: show");
    let hidden = page.body.split("Sensitive media: show").nth(1).unwrap();
    assert!(
        hidden.contains("a cat"),
        "the picture is inside the closed part"
    );
    reader
        .get(&format!("/posts/{quoting}"))
        .assert_lacks("Sensitive media");
    reader
        .get(&format!("/posts/{video}"))
        .assert_status(200)
        .assert_contains("Building a boat, day 3")
        .assert_contains("Planking the hull")
        .assert_contains(&format!("{base}/w/3"));
    reader
        .get("/federated")
        .assert_status(200)
        .assert_contains("Regardez ça")
        .assert_contains("Building a boat");
}

/// A 3000 × 2000 photo from a server that sends no size and no blurhash gets what a camp photo
/// gets once the camp first fetches it: a 640-pixel copy for timelines and previews, a
/// 1280-pixel one for wide screens, its real size on the page and in apps, and a blurhash made
/// on the box. A blurhash its server sent is kept.
#[test]
fn a_photo_from_elsewhere_gets_display_copies_its_size_and_a_blurhash() {
    let (camp, peer, pia, ana, base) = camp_and_stand_in();
    let photo = porchlight_pictures::samples::photo(3000, 2000, 1);
    peer.publish_bytes("/media/boat.jpg", "image/jpeg", &photo);
    peer.publish_bytes("/media/hashed.jpg", "image/jpeg", &photo);
    for (n, file, blurhash) in [
        (1, "boat.jpg", None),
        (2, "hashed.jpg", Some("LEHV6nWB2yk8pyo0adR*.7kCMdnj")),
    ] {
        let mut attachment = json!({ "type": "Document", "mediaType": "image/jpeg",
                                     "url": format!("{base}/media/{file}"), "name": "the boat" });
        if let Some(hash) = blurhash {
            attachment["blurhash"] = hash.into();
        }
        let (status, body) = peer.post_signed(
            &format!("{ana}/inbox"),
            "pia",
            &json!({
                "id": format!("{pia}/activities/{n}"), "type": "Create", "actor": pia,
                "to": [PUBLIC, ana],
                "object": { "id": format!("{base}/notes/{n}"), "type": "Note", "attributedTo": pia,
                            "to": [PUBLIC, ana], "content": "<p>launched</p>",
                            "attachment": [attachment] },
            }),
        );
        assert_eq!(status, 202, "{body}");
    }
    camp.wait_for("the two posts", |c| c.count("post_media") == 2);
    let id_of = |n: i64| {
        camp.query_i64(&format!(
            "SELECT id FROM posts WHERE uri = '{base}/notes/{n}'"
        ))
    };
    let mut reader = camp.logged_in("ana");
    let page = reader.get(&format!("/posts/{}", id_of(1)));
    let at = page
        .body
        .find("<img src=\"/media/")
        .expect("the photo, through the camp")
        + 10;
    let small = page.body[at..at + page.body[at..].find('"').unwrap()].to_string();
    let large = small
        .strip_suffix("/small")
        .expect("the small copy first")
        .to_string();
    // Before the first fetch the camp knows no size: none is claimed.
    assert!(
        !page.body[at..]
            .split('>')
            .next()
            .unwrap()
            .contains("width=")
    );

    let fetched = reader.get(&small);
    fetched.assert_status(200);
    assert_eq!(fetched.header("content-type"), Some("image/jpeg"));
    let decoded = |bytes: &[u8]| {
        let p = porchlight_pictures::clean(bytes).expect("a picture");
        (p.width, p.height)
    };
    assert_eq!(decoded(&fetched.bytes), (640, 427));
    assert_eq!(decoded(&reader.get(&large).bytes), (1280, 853));
    assert_eq!(
        peer.recorded()
            .iter()
            .filter(|r| r.path == "/media/boat.jpg")
            .count(),
        1,
        "fetched once for both copies"
    );
    // Now the page reserves its place, and offers the large copy to wide screens.
    let page = reader.get(&format!("/posts/{}", id_of(1)));
    page.assert_contains(&format!(
        "<img src=\"{small}\" srcset=\"{small} 640w, {large} 1280w\" sizes=\"(max-width: 40rem) 100vw, 38rem\" width=\"640\" height=\"427\""
    ));
    // The picture's own page shows the large copy, its place reserved too.
    reader
        .get(&format!("/posts/{}/pictures/1", id_of(1)))
        .assert_contains(&format!(
            "<img src=\"{large}\" width=\"1280\" height=\"853\""
        ));

    let client = Client::new(&camp);
    let token = token_for(&camp, &client, "ana", "read");
    let media = |n: i64| {
        let reply = client.get(&format!("/api/v1/statuses/{}", id_of(n)), Some(&token));
        assert_eq!(reply.status, 200, "{}", reply.json);
        reply.json["media_attachments"][0].clone()
    };
    let boat = media(1);
    assert_eq!(boat["url"], format!("{}{large}", camp.base));
    assert_eq!(boat["preview_url"], format!("{}{small}", camp.base));
    assert_eq!(boat["remote_url"], format!("{base}/media/boat.jpg"));
    assert_eq!(boat["meta"]["original"]["width"], 1280);
    assert_eq!(boat["meta"]["original"]["height"], 853);
    assert_eq!(boat["meta"]["small"]["size"], "640x427");
    let hash = boat["blurhash"].as_str().expect("a blurhash made here");
    assert_eq!(hash.len(), 28, "{hash}");
    // The other post: its server's blurhash stays; its size is learned when it is fetched.
    let hashed = media(2);
    assert_eq!(hashed["blurhash"], "LEHV6nWB2yk8pyo0adR*.7kCMdnj");
    assert_eq!(hashed["meta"], json!({}));
    let path = hashed["preview_url"]
        .as_str()
        .unwrap()
        .strip_prefix(&camp.base)
        .unwrap()
        .to_string();
    reader.get(&path).assert_status(200);
    let hashed = media(2);
    assert_eq!(hashed["blurhash"], "LEHV6nWB2yk8pyo0adR*.7kCMdnj");
    assert_eq!(hashed["meta"]["small"]["size"], "640x427");

    // An edit writes the post's pictures again, and a new post may carry a picture the camp
    // already keeps: both keep what the camp measured, without fetching it again.
    let attachment = json!({ "type": "Document", "mediaType": "image/jpeg",
                             "url": format!("{base}/media/boat.jpg"), "name": "the boat" });
    for (n, kind, note, content) in [
        (3, "Update", 1, "launched, and afloat"),
        (4, "Create", 3, "again"),
    ] {
        let (status, body) = peer.post_signed(
            &format!("{ana}/inbox"),
            "pia",
            &json!({
                "id": format!("{pia}/activities/{n}"), "type": kind, "actor": pia,
                "to": [PUBLIC, ana],
                "object": { "id": format!("{base}/notes/{note}"), "type": "Note", "attributedTo": pia,
                            "to": [PUBLIC, ana], "content": format!("<p>{content}</p>"),
                            "updated": "2026-12-07T12:00:00Z", "attachment": [attachment.clone()] },
            }),
        );
        assert_eq!(status, 202, "{body}");
    }
    camp.wait_for("the edit and the third post", |c| {
        c.query_i64("SELECT COUNT(*) FROM posts WHERE html LIKE '%afloat%'") == 1
            && c.query_i64(&format!(
                "SELECT COUNT(*) FROM posts WHERE uri = '{base}/notes/3'"
            )) == 1
    });
    camp.wait_for("the third post's picture", |c| c.count("post_media") == 3);
    for n in [1, 3] {
        let shown = media(n);
        assert_eq!(shown["meta"]["small"]["size"], "640x427", "notes/{n}");
        assert_eq!(shown["blurhash"], hash, "notes/{n}");
    }
    assert_eq!(
        peer.recorded()
            .iter()
            .filter(|r| r.path == "/media/boat.jpg")
            .count(),
        1,
        "still fetched once"
    );
}
