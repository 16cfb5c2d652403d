//! The streaming API's socket: `GET /api/v1/streaming` upgraded to a WebSocket. The token comes
//! in the `access_token` query parameter or the `Sec-WebSocket-Protocol` header (as apps send
//! it); streams are named in the query (`stream=user`) or subscribed and unsubscribed with
//! `{"type": "subscribe", "stream": "hashtag", "tag": "dune"}` messages. What is new is found by
//! `porchlight_api::streaming` once a second, on a blocking thread.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use porchlight_api::streaming::{Stream, Subscription};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::State;

/// How often each connection looks for news.
const POLL: Duration = Duration::from_secs(1);
/// A ping this often keeps home routers from dropping a quiet connection.
const PING: Duration = Duration::from_secs(30);

/// Whether this request asks to open a stream.
pub fn wants_stream(req: &hyper::Request<Incoming>) -> bool {
    let path = req.uri().path().trim_end_matches('/');
    (path == "/api/v1/streaming" || path.starts_with("/api/v1/streaming/"))
        && req
            .headers()
            .get(hyper::header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn json_error(status: u16, message: &str) -> hyper::Response<Full<Bytes>> {
    hyper::Response::builder()
        .status(status)
        .header(
            hyper::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(Full::new(Bytes::from(
            serde_json::json!({ "error": message }).to_string(),
        )))
        .expect("a valid response")
}

/// Answers the upgrade (101) and serves the stream on its own task.
pub async fn open(
    state: Arc<State>,
    mut req: hyper::Request<Incoming>,
    base_url: String,
) -> hyper::Response<Full<Bytes>> {
    let query: Vec<(String, String)> = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let find = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let Some(key) = req
        .headers()
        .get("sec-websocket-key")
        .map(|v| v.as_bytes().to_vec())
    else {
        return json_error(400, "Missing Sec-WebSocket-Key");
    };
    let protocol = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let token = find("access_token").or_else(|| protocol.clone());
    let mut first = Vec::new();
    if let Some(name) = find("stream") {
        match Stream::parse(&name, find("tag").as_deref()) {
            Ok(stream) => first.push(stream),
            Err(e) => return json_error(400, &e),
        }
    }
    let app = state.app.clone();
    let opened =
        tokio::task::spawn_blocking(move || Subscription::open(&app, token.as_deref())).await;
    let mut subscription = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => return json_error(e.status, &e.error),
        Err(_) => return json_error(500, "The stream could not be opened"),
    };
    for stream in first {
        subscription.subscribe(stream);
    }
    let upgrade = hyper::upgrade::on(&mut req);
    tokio::spawn(async move {
        match upgrade.await {
            Ok(upgraded) => {
                let socket = tokio_tungstenite::WebSocketStream::from_raw_socket(
                    TokioIo::new(upgraded),
                    Role::Server,
                    None,
                )
                .await;
                serve(state, socket, subscription, base_url).await;
            }
            Err(e) => log::debug!("streaming upgrade failed: {e}"),
        }
    });
    let mut response = hyper::Response::builder()
        .status(101)
        .header(hyper::header::UPGRADE, "websocket")
        .header(hyper::header::CONNECTION, "Upgrade")
        .header(
            "sec-websocket-accept",
            tokio_tungstenite::tungstenite::handshake::derive_accept_key(&key),
        );
    if let Some(protocol) = protocol {
        response = response.header("sec-websocket-protocol", protocol);
    }
    response
        .body(Full::new(Bytes::new()))
        .expect("a valid response")
}

async fn serve<S>(
    state: Arc<State>,
    mut socket: tokio_tungstenite::WebSocketStream<S>,
    subscription: Subscription,
    base_url: String,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let subscription = Arc::new(std::sync::Mutex::new(subscription));
    let mut poll = tokio::time::interval(POLL);
    let mut ping = tokio::time::interval(PING);
    loop {
        tokio::select! {
            message = socket.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    if let Some(reply) = command(&subscription, text.as_str()) {
                        let _ = socket.send(Message::text(reply)).await;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = poll.tick() => {
                let (app, subscription, base) = (state.app.clone(), subscription.clone(), base_url.clone());
                let news = tokio::task::spawn_blocking(move || {
                    subscription
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .poll(&app, &base)
                })
                .await;
                match news {
                    Ok(Ok(events)) => {
                        for event in events {
                            if socket.send(Message::text(event)).await.is_err() {
                                return;
                            }
                        }
                    }
                    // The token was revoked, or the database failed: end the stream.
                    other => {
                        log::debug!("streaming ends: {other:?}");
                        break;
                    }
                }
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                    break;
                }
            },
        }
    }
    let _ = socket.close(None).await;
}

/// A client's subscribe or unsubscribe message; returns an error message to send back.
fn command(subscription: &std::sync::Mutex<Subscription>, text: &str) -> Option<String> {
    let message: serde_json::Value = serde_json::from_str(text).ok()?;
    let name = message["stream"].as_str().unwrap_or("");
    let stream = match Stream::parse(name, message["tag"].as_str()) {
        Ok(s) => s,
        Err(e) => return Some(serde_json::json!({ "error": e }).to_string()),
    };
    let mut subscription = subscription.lock().unwrap_or_else(|e| e.into_inner());
    match message["type"].as_str() {
        Some("subscribe") => subscription.subscribe(stream),
        Some("unsubscribe") => subscription.unsubscribe(&stream),
        _ => return Some(serde_json::json!({ "error": "Unknown message type" }).to_string()),
    }
    None
}
