//! Custom emoji, end to end: the host adds one on the host's page, members use it in posts, pages
//! and apps show it, another camp receives it as an `Emoji` tag and shows it through its own
//! media proxy, and removing it leaves the shortcode as text.

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use serde_json::{Value, json};

use crate::api::{Client, token_for};

const AP: &str = "application/activity+json";

fn emoji_path(camp: &TestCamp) -> String {
    let rows = camp.query_i64("SELECT COUNT(*) FROM custom_emojis");
    assert_eq!(rows, 1);
    let page = camp.logged_in("hana").get("/admin").body;
    let start = page
        .find("src=\"/emoji/")
        .expect("the emoji on the host's page")
        + 5;
    page[start..start + page[start..].find('"').unwrap()].to_string()
}

#[test]
fn the_host_adds_an_emoji_and_every_page_app_and_camp_shows_it() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("hana", Role::Host);
    a.add_member("mo", Role::Member);
    b.add_member("bo", Role::Host);
    let mut hana = a.logged_in("hana");
    let mut mo = a.logged_in("mo");
    let png = porchlight_pictures::samples::png(32, 32);

    // Bad input changes nothing and says why.
    for (code, file, words) in [
        ("camp fire", &png[..], "not a shortcode"),
        ("x", &png[..], "2 to 30"),
        ("campfire", &b"not a picture"[..], ""),
        ("campfire", &vec![0u8; 300 * 1024][..], "at most 256 KB"),
    ] {
        let r = hana.post_multipart(
            "/admin/emoji",
            &[("shortcode", code)],
            &[("picture", "fire.png", "image/png", file)],
        );
        assert_eq!(r.status, 422, "{code}: {}", r.body);
        r.assert_contains(words);
    }
    let r = mo.post_multipart(
        "/admin/emoji",
        &[("shortcode", "campfire")],
        &[("picture", "fire.png", "image/png", &png)],
    );
    assert_eq!(r.status, 403, "only hosts and moderators");
    assert_eq!(a.count("custom_emojis"), 0);

    let r = hana.post_multipart(
        "/admin/emoji",
        &[("shortcode", ":campfire:")],
        &[("picture", "fire.png", "image/png", &png)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let again = hana.post_multipart(
        "/admin/emoji",
        &[("shortcode", "campfire")],
        &[("picture", "fire.png", "image/png", &png)],
    );
    assert_eq!(again.status, 422);
    again.assert_contains("already an emoji :campfire:");
    let path = emoji_path(a);
    let picture = a.browser().get(&path);
    assert_eq!(picture.status, 200);
    assert_eq!(picture.header("content-type"), Some("image/png"));

    // Apps see the camp's emoji for their picker.
    let client = Client::new(a);
    let list = client.get("/api/v1/custom_emojis", None).json;
    assert_eq!(
        list,
        json!([{
            "shortcode": "campfire",
            "url": format!("{}{path}", a.base),
            "static_url": format!("{}{path}", a.base),
            "visible_in_picker": true,
            "category": null,
        }])
    );

    // Mo uses it; the page shows the picture, in the text only.
    let b_host = b.host();
    let mut bo = b.logged_in("bo");
    bo.post(&format!("/@mo@{}/follow", a.host()), &[]);
    b.wait_for("the follow to be accepted", |b| b.count("follows") == 1);
    let post = mo.write_post("warm by the :campfire: tonight, :nothing: else", "public");
    let page = mo.get(&format!("/posts/{post}")).body;
    assert!(
        page.contains(&format!(
            "warm by the <img class=\"emoji\" src=\"{path}\" alt=\":campfire:\" title=\":campfire:\" width=\"20\" height=\"20\"> tonight, :nothing: else"
        )),
        "{page}"
    );
    let token = token_for(a, &client, "mo", "read write");
    let status = client
        .get(&format!("/api/v1/statuses/{post}"), Some(&token))
        .json;
    assert_eq!(
        status["emojis"],
        json!([{
            "shortcode": "campfire",
            "url": format!("{}{path}", a.base),
            "static_url": format!("{}{path}", a.base),
            "visible_in_picker": false,
            "category": null,
        }])
    );
    assert!(
        status["content"].as_str().unwrap().contains(":campfire:"),
        "apps draw it themselves"
    );

    // Other servers get it as an Emoji tag, and the other camp shows it from its own copy.
    let note: Value = serde_json::from_str(
        &a.browser()
            .get_with(&format!("/posts/{post}"), &[("accept", AP)])
            .body,
    )
    .unwrap();
    let tag = note["tag"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["type"] == "Emoji")
        .expect("an Emoji tag")
        .clone();
    assert_eq!(tag["name"], ":campfire:");
    assert_eq!(tag["icon"]["url"], format!("{}{path}", a.base));
    assert_eq!(tag["icon"]["mediaType"], "image/png");
    b.wait_for("Mo's post at Bo's camp", |b| b.count("post_emojis") == 1);
    let there = b.query_i64("SELECT post_id FROM post_emojis");
    let page = bo.get(&format!("/posts/{there}")).body;
    let start = page
        .find("<img class=\"emoji\" src=\"")
        .expect("the emoji at Bo's camp")
        + 24;
    let proxied = &page[start..start + page[start..].find('"').unwrap()];
    assert!(proxied.starts_with("/media/"), "{proxied}");
    let copy = bo.get(proxied);
    assert_eq!(copy.status, 200, "{b_host} fetched it from Mo's camp");
    assert_eq!(copy.header("content-type"), Some("image/png"));

    // In a name and a bio: on Mo's profile and posts, in what apps see, in Mo's actor
    // document, and at Bo's camp once Mo's profile change reaches it.
    let saved = mo.post(
        "/settings/profile",
        &[
            ("display_name", "Mo :campfire:"),
            ("bio", "I keep the :campfire: going"),
            ("who_i_am", ""),
        ],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let picture_of = |src: &str| {
        format!(
            "<img class=\"emoji\" src=\"{src}\" alt=\":campfire:\" title=\":campfire:\" width=\"20\" height=\"20\">"
        )
    };
    mo.get("/@mo")
        .assert_contains(&format!("Mo {}", picture_of(&path)))
        .assert_contains(&format!("I keep the {} going", picture_of(&path)));
    mo.get(&format!("/posts/{post}"))
        .assert_contains(&format!("Mo {}</a>", picture_of(&path)));
    let mo_account = client.get("/api/v1/accounts/lookup?acct=mo", None).json;
    assert_eq!(
        mo_account["emojis"][0]["shortcode"], "campfire",
        "{mo_account}"
    );
    assert_eq!(mo_account["emojis"][0]["url"], format!("{}{path}", a.base));
    let actor: Value =
        serde_json::from_str(&a.browser().get_with("/users/mo", &[("accept", AP)]).body).unwrap();
    assert_eq!(actor["tag"][0]["type"], "Emoji", "{actor}");
    assert_eq!(actor["tag"][0]["name"], ":campfire:");
    b.wait_for("Mo's profile change at Bo's camp", |b| {
        b.count("account_emojis") == 1
    });
    let there_page = bo.get(&format!("/posts/{there}")).body;
    let name_at = there_page
        .find("Mo <img class=\"emoji\" src=\"/media/")
        .is_some();
    assert!(
        name_at,
        "Mo's name at Bo's camp shows the emoji through its proxy: {there_page}"
    );

    // Removed, the shortcode is text again (here and in what apps see).
    let removed = hana.post("/admin/emoji/campfire/remove", &[]);
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(a.count("custom_emojis"), 0);
    mo.get(&format!("/posts/{post}"))
        .assert_contains("warm by the :campfire: tonight")
        .assert_lacks("class=\"emoji\"");
    assert_eq!(
        client
            .get(&format!("/api/v1/statuses/{post}"), Some(&token))
            .json["emojis"],
        json!([])
    );
    assert_eq!(a.browser().get(&path).status, 404);
    mo.get("/@mo")
        .assert_contains("Mo :campfire:")
        .assert_lacks("class=\"emoji\"");
}
