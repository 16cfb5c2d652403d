//! Link previews: a post's first link gets a card from what the linked page says of itself,
//! fetched once through the SSRF guard (a page server on loopback, allowed as a test network),
//! shown on the page and as `card` in the API. A link to the camp itself is never previewed, so
//! a camp-only post's words never show up in a preview.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use serde_json::{Value, json};

use crate::api::{Client, token_for};

/// A web server with a few pages; it counts the requests for each path.
fn page_server() -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let seen = asked.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            let _ = reader.read_line(&mut first);
            let path = first.split(' ').nth(1).unwrap_or("/").to_string();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            seen.lock().unwrap().push(path.clone());
            let body = match path.as_str() {
                "/article" => r#"<!doctype html><html><head><title>Lake News: today</title>
                    <meta property="og:title" content="The lake is warm">
                    <meta property="og:description" content="Swimming season opens on Saturday.">
                    <meta property="og:image" content="/lake.jpg">
                    <meta property="og:site_name" content="Lake News">
                    </head><body><p>…</p></body></html>"#
                    .to_string(),
                // Far over the cap: the preview comes from the start of it.
                "/long" => format!(
                    "<html><head><title>A long read</title></head><body>{}</body></html>",
                    "<p>more words</p>".repeat(60_000)
                ),
                _ => "<html><body><p>no title at all</p></body></html>".to_string(),
            };
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (address, asked)
}

fn card_of(client: &Client, token: &str, id: &str) -> Value {
    client
        .get(&format!("/api/v1/statuses/{id}"), Some(token))
        .json["card"]
        .clone()
}

/// Waits until the post's link was looked at (a card, or none for good).
fn settled_card(camp: &TestCamp, client: &Client, token: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let waiting = camp.query_i64(&format!(
            "SELECT COUNT(*) FROM link_cards c JOIN posts p ON p.card_url = c.url \
             WHERE p.id = {id} AND c.state = 'waiting'"
        ));
        if waiting == 0 {
            return card_of(client, token, id);
        }
        assert!(
            Instant::now() < deadline,
            "the link of post {id} was never looked at"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn post(client: &Client, token: &str, text: &str, visibility: &str) -> String {
    let r = client.json(
        "POST",
        "/api/v1/statuses",
        Some(token),
        json!({ "status": text, "visibility": visibility }),
    );
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["id"].as_str().unwrap().to_string()
}

#[test]
fn a_first_link_gets_a_preview_fetched_once_and_the_camp_is_never_previewed() {
    let (pages, asked) = page_server();
    let camp = TestCamp::federating();
    camp.allow_peers(&[pages]);
    camp.add_member("hana", Role::Host);
    camp.add_member("mo", Role::Member);
    let client = Client::new(&camp);
    let hana = token_for(&camp, &client, "hana", "read write");
    let article = format!("http://{pages}/article");

    // A mention and a tag come first; the preview is of the first real link.
    let first = post(
        &client,
        &hana,
        &format!("@mo #lake read this: {article} and http://{pages}/other"),
        "public",
    );
    let card = settled_card(&camp, &client, &hana, &first);
    assert_eq!(card["url"], article.as_str(), "{card}");
    assert_eq!(card["title"], "The lake is warm");
    assert_eq!(card["description"], "Swimming season opens on Saturday.");
    assert_eq!(card["provider_name"], "Lake News");
    assert_eq!(card["type"], "link");
    assert!(
        card["image"]
            .as_str()
            .is_some_and(|i| i.starts_with(&format!("{}/media/", camp.base))),
        "the picture comes through the camp's proxy: {card}"
    );
    let mut browser = camp.logged_in("hana");
    let image = card["image"]
        .as_str()
        .unwrap()
        .strip_prefix(&camp.base)
        .unwrap();
    browser
        .get(&format!("/posts/{first}"))
        .assert_contains("class=\"link-card\"")
        .assert_contains(&format!(
            "<img src=\"{image}/small\" width=\"96\" height=\"72\" alt=\"\""
        ))
        .assert_contains("The lake is warm")
        .assert_contains("Swimming season opens on Saturday.");

    // Another post with the same link shares the preview: the page is fetched once.
    let again = post(&client, &hana, &format!("still true: {article}"), "public");
    assert_eq!(card_of(&client, &hana, &again)["title"], "The lake is warm");
    let fetched = asked
        .lock()
        .unwrap()
        .iter()
        .filter(|p| *p == "/article")
        .count();
    assert_eq!(fetched, 1, "{:?}", asked.lock().unwrap());

    // A long page is read only as far as the cap; a page with nothing to say gets no card.
    let long = post(
        &client,
        &hana,
        &format!("long: http://{pages}/long"),
        "public",
    );
    assert_eq!(
        settled_card(&camp, &client, &hana, &long)["title"],
        "A long read"
    );
    let bare = post(
        &client,
        &hana,
        &format!("bare: http://{pages}/bare"),
        "public",
    );
    assert_eq!(settled_card(&camp, &client, &hana, &bare), Value::Null);

    // A link to a camp-only post here: no preview, so its words stay in the camp.
    let secret = post(&client, &hana, "the secret words by the fire", "private");
    let pointer = post(
        &client,
        &hana,
        &format!("see {}/posts/{secret}", camp.base),
        "public",
    );
    assert_eq!(settled_card(&camp, &client, &hana, &pointer), Value::Null);
    browser
        .get(&format!("/posts/{pointer}"))
        .assert_lacks("link-card");
    // Edited to another link, the post previews that one instead.
    let edited = client.json(
        "PUT",
        &format!("/api/v1/statuses/{pointer}"),
        Some(&hana),
        json!({ "status": format!("better: {article}") }),
    );
    assert_eq!(edited.status, 200, "{}", edited.json);
    assert_eq!(
        card_of(&client, &hana, &pointer)["title"],
        "The lake is warm"
    );
}
