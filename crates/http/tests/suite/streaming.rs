//! The streaming API over a real WebSocket: a member's stream gets new posts from people they
//! follow and their notifications, live; a hashtag stream gets tagged posts; a camp-only post
//! never reaches anyone who could not read it; a bad token is refused before the upgrade.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

/// A token for `name` (made through the OAuth use cases, as an app gets one).
fn token(camp: &TestCamp, name: &str) -> String {
    use porchlight_app::oauth::{AuthorizationAsk, NewApp, OUT_OF_BAND};
    let app = camp
        .app
        .register_oauth_app(&NewApp {
            name: "stream test",
            redirect_uris: OUT_OF_BAND,
            scopes: "read write",
            website: "",
        })
        .unwrap();
    let request = camp
        .app
        .check_authorization_request(&AuthorizationAsk {
            client_id: &app.client_id,
            response_type: "code",
            redirect_uri: OUT_OF_BAND,
            scope: "read write",
            state: None,
            code_challenge: None,
            code_challenge_method: None,
        })
        .unwrap();
    let member = camp.query_i64(&format!(
        "SELECT id FROM accounts WHERE username = '{name}'"
    ));
    let code = camp.app.authorize_app(member, &request).unwrap();
    camp.app
        .exchange_code(
            &app.client_id,
            app.client_secret.as_deref().unwrap(),
            &code,
            OUT_OF_BAND,
            None,
        )
        .unwrap()
        .access_token
}

/// Posts a status as the token's member (on a blocking thread: ureq blocks).
async fn post(base: &str, token: &str, body: &'static str) -> Value {
    let (base, token) = (base.to_string(), token.to_string());
    tokio::task::spawn_blocking(move || {
        let mut r = ureq::post(&format!("{base}/api/v1/statuses"))
            .header("authorization", &format!("Bearer {token}"))
            .header("content-type", "application/json")
            .send(body)
            .unwrap();
        serde_json::from_str::<Value>(&r.body_mut().read_to_string().unwrap()).unwrap()
    })
    .await
    .unwrap()
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next event on `socket` within `wait`, if any (pings and the like are skipped).
async fn next_event(socket: &mut Socket, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let message = tokio::time::timeout_at(deadline, socket.next())
            .await
            .ok()??;
        if let Ok(Message::Text(text)) = message {
            return serde_json::from_str(text.as_str()).ok();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_deliver_what_the_member_may_read_live() {
    let camp = TestCamp::start();
    camp.add_member("hana", Role::Host);
    camp.add_member("mo", Role::Member);
    let (hana, mo) = (token(&camp, "hana"), token(&camp, "mo"));
    camp.app
        .follow(
            camp.query_i64("SELECT id FROM accounts WHERE username = 'hana'"),
            "mo",
            true,
        )
        .unwrap();
    let ws = camp.base.replace("http://", "ws://");

    // A made-up token is refused before the upgrade.
    let refused = tokio_tungstenite::connect_async(format!(
        "{ws}/api/v1/streaming?stream=user&access_token=made-up"
    ))
    .await;
    assert!(refused.is_err(), "a bad token gets no stream");

    let (mut user, _) = tokio_tungstenite::connect_async(format!(
        "{ws}/api/v1/streaming?stream=user&access_token={hana}"
    ))
    .await
    .expect("open the user stream");
    let (mut tagged, _) =
        tokio_tungstenite::connect_async(format!("{ws}/api/v1/streaming?access_token={mo}"))
            .await
            .expect("open a second stream");
    tagged
        .send(Message::text(
            r#"{"type":"subscribe","stream":"hashtag","tag":"dune"}"#,
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Mo posts to the camp with a tag and a mention: Hana's stream gets the post (she follows
    // Mo) and the mention; Mo's hashtag stream gets the post too.
    let posted = post(&camp.base, &mo, r##"{"status":"@hana #dune tonight?"}"##).await;
    let id = posted["id"].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let event = next_event(&mut user, Duration::from_secs(10))
            .await
            .expect("events on the user stream");
        seen.push(event);
    }
    let kinds: Vec<&str> = seen.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert!(
        kinds.contains(&"update") && kinds.contains(&"notification"),
        "{kinds:?}"
    );
    for event in &seen {
        assert_eq!(event["stream"][0], "user");
        let payload: Value = serde_json::from_str(event["payload"].as_str().unwrap()).unwrap();
        match event["event"].as_str().unwrap() {
            "update" => {
                assert_eq!(payload["id"], id.as_str());
                assert_eq!(payload["local_only"], true, "a camp post, read by a member");
            }
            _ => assert_eq!(payload["type"], "mention"),
        }
    }
    let tag_event = next_event(&mut tagged, Duration::from_secs(10))
        .await
        .expect("the hashtag stream");
    assert_eq!(tag_event["stream"], serde_json::json!(["hashtag", "dune"]));

    // Hana's own stream does not get a followers-only post of someone she does not follow.
    camp.add_member("ken", Role::Member);
    let ken = token(&camp, "ken");
    post(
        &camp.base,
        &ken,
        r#"{"status":"just for my followers","visibility":"private","local_only":false}"#,
    )
    .await;
    assert!(
        next_event(&mut user, Duration::from_millis(2500))
            .await
            .is_none(),
        "nothing Hana may not read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletions_reach_the_stream() {
    let camp = TestCamp::start();
    camp.add_member("hana", Role::Host);
    let hana = token(&camp, "hana");
    let ws = camp.base.replace("http://", "ws://");
    let (mut user, _) = tokio_tungstenite::connect_async(format!(
        "{ws}/api/v1/streaming?stream=user&access_token={hana}"
    ))
    .await
    .expect("open the user stream");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posted = post(
        &camp.base,
        &hana,
        r#"{"status":"first draft","visibility":"public"}"#,
    )
    .await;
    let id = posted["id"].as_str().unwrap().to_string();
    let update = next_event(&mut user, Duration::from_secs(10))
        .await
        .expect("the post");
    assert_eq!(update["event"], "update");

    let (base, token_for_edit, id_for_edit) = (camp.base.clone(), hana.clone(), id.clone());
    tokio::task::spawn_blocking(move || {
        ureq::put(&format!("{base}/api/v1/statuses/{id_for_edit}"))
            .header("authorization", &format!("Bearer {token_for_edit}"))
            .header("content-type", "application/json")
            .send(r#"{"status":"second draft"}"#)
            .unwrap();
    })
    .await
    .unwrap();
    let edited = next_event(&mut user, Duration::from_secs(10))
        .await
        .expect("the edit");
    assert_eq!(edited["event"], "status.update");
    let payload: Value = serde_json::from_str(edited["payload"].as_str().unwrap()).unwrap();
    assert!(
        payload["content"]
            .as_str()
            .unwrap()
            .contains("second draft")
    );

    let (base, token_for_delete, id_for_delete) = (camp.base.clone(), hana.clone(), id.clone());
    tokio::task::spawn_blocking(move || {
        ureq::delete(&format!("{base}/api/v1/statuses/{id_for_delete}"))
            .header("authorization", &format!("Bearer {token_for_delete}"))
            .call()
            .unwrap();
    })
    .await
    .unwrap();
    let deleted = next_event(&mut user, Duration::from_secs(10))
        .await
        .expect("the deletion");
    assert_eq!(deleted["event"], "delete");
    assert_eq!(
        deleted["payload"],
        id.as_str(),
        "a delete's payload is the bare id"
    );
}

/// A camp served over HTTPS (here: told so by its configuration, as the binary does with
/// `--https`) hands out `https://` addresses in its stream's posts and `wss://` as the
/// streaming address, the same as its pages and the rest of its API: the base URL is worked
/// out in one place. (The stream's posts said `http://` before.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camp_served_over_https_streams_https_addresses() {
    let camp = TestCamp::start_with(porchlight_http::HttpConfig {
        secure_cookies: true,
        ..Default::default()
    });
    camp.add_member("hana", Role::Host);
    let hana = token(&camp, "hana");
    let ws = camp.base.replace("http://", "ws://");
    let host = camp.base.trim_start_matches("http://").to_string();
    let (mut user, _) = tokio_tungstenite::connect_async(format!(
        "{ws}/api/v1/streaming?stream=user&access_token={hana}"
    ))
    .await
    .expect("open the user stream");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posted = post(&camp.base, &hana, r#"{"status":"over https"}"#).await;
    assert_eq!(
        posted["url"].as_str().unwrap(),
        format!("https://{host}/posts/{}", posted["id"].as_str().unwrap())
    );
    let event = next_event(&mut user, Duration::from_secs(10))
        .await
        .expect("the post on the stream");
    let payload: Value = serde_json::from_str(event["payload"].as_str().unwrap()).unwrap();
    assert_eq!(
        payload["url"], posted["url"],
        "the stream's address for the post"
    );
    assert_eq!(payload["uri"], posted["uri"]);
    let instance = tokio::task::spawn_blocking({
        let base = camp.base.clone();
        move || {
            let mut r = ureq::get(&format!("{base}/api/v1/instance"))
                .call()
                .unwrap();
            serde_json::from_str::<Value>(&r.body_mut().read_to_string().unwrap()).unwrap()
        }
    })
    .await
    .unwrap();
    assert_eq!(
        instance["urls"]["streaming_api"].as_str().unwrap(),
        format!("wss://{host}")
    );
}
