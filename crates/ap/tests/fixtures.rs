//! Real shapes of what other servers send (Mastodon, GoToSocial, Akkoma/Pleroma, Misskey,
//! WordPress), written from their documentation and captured traffic: each must be read the way
//! its sender meant it.

use porchlight_ap::documents::audience_of;
use porchlight_ap::inbound::{RemoteActor, RemoteNote, key_owner, parse_json};
use porchlight_core::audience::Audience;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn actors_of_every_kind_of_server() {
    // (file, fetched from, username, shared inbox, key id)
    let cases = [
        (
            "mastodon-actor.json",
            "https://mastodon.example/users/alice",
            "alice",
            Some("https://mastodon.example/inbox"),
            "https://mastodon.example/users/alice#main-key",
        ),
        (
            "gotosocial-actor.json",
            "https://gts.example/users/bruno",
            "bruno",
            Some("https://gts.example/sharedInbox"),
            "https://gts.example/users/bruno/main-key",
        ),
        (
            "akkoma-actor.json",
            "https://akkoma.example/users/cleo",
            "cleo",
            Some("https://akkoma.example/inbox"),
            "https://akkoma.example/users/cleo#main-key",
        ),
        (
            "misskey-actor.json",
            "https://misskey.example/users/9v8u7t6s5r",
            "dai",
            Some("https://misskey.example/inbox"),
            "https://misskey.example/users/9v8u7t6s5r#main-key",
        ),
    ];
    for (file, from, username, shared, key_id) in cases {
        let actor =
            RemoteActor::from_json(&fixture(file), from).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(actor.username, username, "{file}");
        assert_eq!(actor.shared_inbox.as_deref(), shared, "{file}");
        assert_eq!(actor.key_id, key_id, "{file}");
        assert!(actor.public_key_pem.contains("BEGIN PUBLIC KEY"), "{file}");
    }
    let mastodon = RemoteActor::from_json(
        &fixture("mastodon-actor.json"),
        "https://mastodon.example/users/alice",
    )
    .unwrap();
    assert_eq!(mastodon.url, "https://mastodon.example/@alice");
    assert_eq!(mastodon.display_name, "Alice 🌻");
    assert_eq!(
        mastodon.avatar_url.as_deref(),
        Some("https://files.mastodon.example/accounts/avatars/alice.png")
    );
    assert!(
        RemoteActor::from_json(
            &fixture("gotosocial-actor.json"),
            "https://gts.example/users/bruno"
        )
        .unwrap()
        .manually_approves_followers
    );
}

#[test]
fn key_documents_lead_to_their_owner() {
    // GoToSocial answers a key id with a stub actor that has no inbox: not an actor to store,
    // but it names the owner to fetch.
    let stub = fixture("gotosocial-key.json");
    let key_id = "https://gts.example/users/bruno/main-key";
    assert!(RemoteActor::from_json(&stub, key_id).is_err());
    assert_eq!(
        key_owner(&stub, key_id).as_deref(),
        Some("https://gts.example/users/bruno")
    );
    let key = serde_json::json!({ "id": "https://o.example/keys/1", "type": "Key",
        "owner": "https://o.example/users/x", "publicKeyPem": "…" });
    assert_eq!(
        key_owner(&key, "https://o.example/keys/1").as_deref(),
        Some("https://o.example/users/x")
    );
    // An owner on another server is nobody's.
    let foreign =
        serde_json::json!({ "id": "https://o.example/keys/1", "owner": "https://evil.example/x" });
    assert_eq!(key_owner(&foreign, "https://o.example/keys/1"), None);
}

fn object(file: &str) -> Value {
    let doc = fixture(file);
    match doc.get("object") {
        Some(object) => object.clone(),
        None => doc,
    }
}

#[test]
fn posts_of_every_kind_of_server() {
    /// What a fixture must read as.
    struct Case {
        file: &'static str,
        /// The author's followers collection.
        followers: &'static str,
        audience: Audience,
        text: &'static str,
        reply_to: Option<&'static str>,
        mentions: &'static [&'static str],
        tags: &'static [&'static str],
    }
    let cases = [
        Case {
            file: "mastodon-create.json",
            followers: "https://mastodon.example/users/alice/followers",
            audience: Audience::Public,
            text: "The tomatoes came in!",
            reply_to: Some("https://camp.example/posts/42"),
            mentions: &["https://camp.example/users/ana"],
            tags: &["garden"],
        },
        Case {
            file: "gotosocial-create.json",
            followers: "https://gts.example/users/bruno/followers",
            audience: Audience::Unlisted,
            text: "Unlisted thoughts",
            reply_to: None,
            mentions: &[],
            tags: &["bread"],
        },
        Case {
            file: "akkoma-create.json",
            followers: "https://akkoma.example/users/cleo/followers",
            audience: Audience::Direct,
            text: "psst, only for you",
            reply_to: None,
            mentions: &["https://camp.example/users/ana"],
            tags: &[],
        },
        Case {
            file: "misskey-create.json",
            followers: "https://misskey.example/users/9v8u7t6s5r/followers",
            audience: Audience::Followers,
            text: "Followers only",
            reply_to: None,
            mentions: &[],
            tags: &[],
        },
        Case {
            file: "misskey-question.json",
            followers: "https://misskey.example/users/9v8u7t6s5r/followers",
            audience: Audience::Public,
            text: "Pizza or pasta?",
            reply_to: None,
            mentions: &[],
            tags: &[],
        },
        Case {
            file: "wordpress-article.json",
            followers: "https://blog.example/wp-json/activitypub/1.0/users/2/followers",
            audience: Audience::Public,
            text: "compost",
            reply_to: None,
            mentions: &[],
            tags: &[],
        },
    ];
    for Case {
        file,
        followers,
        audience,
        text,
        reply_to,
        mentions,
        tags,
    } in cases
    {
        let note = RemoteNote::from_json(&object(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            audience_of(&note.to, &note.cc, Some(followers), None),
            audience,
            "{file}"
        );
        assert!(
            note.content_html.contains(text),
            "{file}: {}",
            note.content_html
        );
        assert_eq!(note.in_reply_to.as_deref(), reply_to, "{file}");
        assert_eq!(note.mentions, mentions, "{file}");
        assert_eq!(note.hashtags, tags, "{file}");
        assert!(note.published.is_some(), "{file}: published");
    }
    let misskey = RemoteNote::from_json(&object("misskey-create.json")).unwrap();
    assert_eq!(misskey.summary, "cw: food", "Misskey's content warning");
    let article = RemoteNote::from_json(&object("wordpress-article.json")).unwrap();
    assert!(
        article
            .content_html
            .starts_with("<p><strong>Notes from the allotment</strong></p>")
    );
    assert_eq!(
        article.summary, "",
        "an article's summary is an excerpt, not a content warning"
    );
    assert_eq!(article.url, "https://blog.example/2026/11/allotment/");
    // Misskey's poll, read as Mastodon's: one choice, counts from `replies.totalItems`.
    let question = RemoteNote::from_json(&object("misskey-question.json")).unwrap();
    assert_eq!(
        question.poll,
        Some(porchlight_ap::inbound::RemotePoll {
            options: vec![("Pizza".into(), 3), ("Pasta".into(), 5)],
            multiple: false,
            end_time: Some(1_795_399_200),
            closed: false,
            voters: 8,
        })
    );
    assert_eq!(question.vote, None, "a Question is not a vote");
    assert_eq!(misskey.poll, None, "a Note has no poll");
    let gts = RemoteNote::from_json(&object("gotosocial-create.json")).unwrap();
    assert_eq!(
        gts.url,
        "https://gts.example/@bruno/statuses/01JD2X7Q4ZKXN0P8W7T5GQ9H3A"
    );
}
