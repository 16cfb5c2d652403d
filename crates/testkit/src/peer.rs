//! A stand-in remote server for tests: it serves actor documents and WebFinger for actors it
//! holds keys for, serves any JSON document a test publishes, signs and posts activities to a
//! camp, and **records every request that reaches it**, checking the signature of each POST.
//! Tests use it to prove what leaves a camp (and what never does).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use porchlight_ap::keys::{PrivateKey, PublicKey};
use porchlight_ap::signature::{self, Incoming};
use serde_json::{Value, json};

/// One request the peer received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// For POSTs: whether the signature verified against the signer's published key.
    pub signature_ok: bool,
}

impl Recorded {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Default)]
struct Shared {
    recorded: Vec<Recorded>,
    /// path → (content type, body)
    documents: HashMap<String, (String, String)>,
    /// path → (content type, bytes): files that are not text, such as real photos.
    files: HashMap<String, (String, Vec<u8>)>,
    keys: HashMap<String, Arc<PrivateKey>>,
    /// Actors whose key id is not `{id}#main-key`.
    key_ids: HashMap<String, String>,
    /// Status answered to inbox POSTs (202 unless a test says otherwise).
    inbox_status: u16,
    /// path → where a GET of it is redirected.
    redirects: HashMap<String, String>,
    /// Behave as GoToSocial does on fetches: see [`Peer::start_like_gotosocial`].
    like_gotosocial: bool,
}

pub struct Peer {
    pub base: String,
    shared: Arc<Mutex<Shared>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

fn key() -> Arc<PrivateKey> {
    // Generating RSA keys takes a moment; tests share a few.
    static KEYS: Mutex<Vec<Arc<PrivateKey>>> = Mutex::new(Vec::new());
    let mut keys = KEYS.lock().unwrap();
    if keys.len() < 4 {
        let k = Arc::new(PrivateKey::generate().expect("key"));
        keys.push(k.clone());
        return k;
    }
    let n = keys.len();
    keys.rotate_left(1);
    keys[n - 1].clone()
}

impl Peer {
    /// A stand-in that behaves as GoToSocial does when it is fetched from (its `dereference` and
    /// `federatingdb` code, step for step): every ActivityPub GET must be signed (401 if not),
    /// and before answering it dereferences the signer's `keyId`, then the key's owner, then
    /// WebFinger for the owner's `preferredUsername@host`, and refuses (401) unless that round
    /// trip leads back to the same actor and the signature verifies with its key. WebFinger
    /// and the key documents themselves stay open, as there.
    pub fn start_like_gotosocial() -> Peer {
        let peer = Peer::start();
        peer.shared.lock().unwrap().like_gotosocial = true;
        peer
    }

    pub fn start() -> Peer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let address = listener.local_addr().expect("address");
        let base = format!("http://{address}");
        let shared = Arc::new(Mutex::new(Shared {
            inbox_status: 202,
            ..Shared::default()
        }));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                tokio::pin!(stopped);
                loop {
                    let (stream, _) = tokio::select! {
                        accepted = listener.accept() => match accepted { Ok(a) => a, Err(_) => continue },
                        _ = &mut stopped => break,
                    };
                    let state = state.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| answer(state.clone(), req));
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        Peer {
            base,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn address(&self) -> SocketAddr {
        self.base
            .trim_start_matches("http://")
            .parse()
            .expect("address")
    }

    pub fn host(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    pub fn actor_id(&self, name: &str) -> String {
        format!("{}/users/{name}", self.base)
    }

    /// Adds an actor with its own key; serves its actor document and WebFinger answer.
    pub fn add_actor(&self, name: &str) -> String {
        let id = self.actor_id(name);
        let key = key();
        let doc = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": id,
            "type": "Person",
            "preferredUsername": name,
            "name": format!("{name} elsewhere"),
            "inbox": format!("{id}/inbox"),
            "followers": format!("{id}/followers"),
            "endpoints": { "sharedInbox": format!("{}/inbox", self.base) },
            "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": key.public_pem() },
            "icon": { "type": "Image", "mediaType": "image/png", "url": format!("{}/media/avatar-{name}.png", self.base) },
        });
        let finger = json!({
            "subject": format!("acct:{name}@{}", self.host()),
            "links": [{ "rel": "self", "type": "application/activity+json", "href": id }],
        });
        let mut shared = self.shared.lock().unwrap();
        shared.documents.insert(
            format!("/media/avatar-{name}.png"),
            ("image/png".into(), format!("\u{89}PNG avatar of {name}")),
        );
        shared.keys.insert(id.clone(), key);
        shared.documents.insert(
            format!("/users/{name}"),
            ("application/activity+json".into(), doc.to_string()),
        );
        shared.documents.insert(
            format!(
                "/.well-known/webfinger?resource=acct:{name}@{}",
                self.host()
            ),
            ("application/jrd+json".into(), finger.to_string()),
        );
        id
    }

    /// Like [`Peer::add_actor`], but the key lives at its own address (`…/main-key`, no
    /// fragment), which answers with a stub that only names the key's owner, as GoToSocial does.
    pub fn add_actor_with_key_document(&self, name: &str) -> String {
        let id = self.add_actor(name);
        let key_id = format!("{id}/main-key");
        let mut shared = self.shared.lock().unwrap();
        let path = format!("/users/{name}");
        let (ct, body) = shared.documents.get(&path).cloned().expect("actor");
        let mut doc: Value = serde_json::from_str(&body).unwrap();
        doc["publicKey"]["id"] = key_id.clone().into();
        let stub = json!({
            "id": id, "type": "Person", "preferredUsername": name,
            "publicKey": doc["publicKey"].clone(),
        });
        shared.documents.insert(path, (ct.clone(), doc.to_string()));
        shared
            .documents
            .insert(format!("/users/{name}/main-key"), (ct, stub.to_string()));
        shared.key_ids.insert(id.clone(), key_id);
        id
    }

    /// Replaces an actor's key (key rotation): the actor document then publishes the new one.
    pub fn rotate_key(&self, name: &str) {
        let id = self.actor_id(name);
        let fresh = Arc::new(PrivateKey::generate().expect("key"));
        let mut shared = self.shared.lock().unwrap();
        let path = format!("/users/{name}");
        let (ct, body) = shared.documents.get(&path).cloned().expect("actor");
        let mut doc: Value = serde_json::from_str(&body).unwrap();
        doc["publicKey"]["publicKeyPem"] = fresh.public_pem().into();
        shared.documents.insert(path, (ct, doc.to_string()));
        shared.keys.insert(id, fresh);
    }

    /// Serves a document at a path (with the ActivityPub content type unless given).
    pub fn publish(&self, path: &str, doc: &Value) {
        self.publish_as(path, "application/activity+json", &doc.to_string());
    }

    /// Serves a file that is not text (a real photo) at a path.
    pub fn publish_bytes(&self, path: &str, content_type: &str, bytes: &[u8]) {
        self.shared
            .lock()
            .unwrap()
            .files
            .insert(path.to_string(), (content_type.to_string(), bytes.to_vec()));
    }

    pub fn publish_as(&self, path: &str, content_type: &str, body: &str) {
        self.shared.lock().unwrap().documents.insert(
            path.to_string(),
            (content_type.to_string(), body.to_string()),
        );
    }

    /// Answers GETs of `path` with a redirect to `location`.
    pub fn redirect(&self, path: &str, location: &str) {
        self.shared
            .lock()
            .unwrap()
            .redirects
            .insert(path.to_string(), location.to_string());
    }

    /// What to answer to inbox POSTs from now on.
    pub fn answer_inbox_with(&self, status: u16) {
        self.shared.lock().unwrap().inbox_status = status;
    }

    pub fn recorded(&self) -> Vec<Recorded> {
        self.shared.lock().unwrap().recorded.clone()
    }

    /// The activities POSTed to any inbox here.
    pub fn deliveries(&self) -> Vec<Value> {
        self.recorded()
            .iter()
            .filter(|r| r.method == "POST")
            .map(Recorded::json)
            .collect()
    }

    /// Waits up to 20 s for `done` over the deliveries.
    pub fn wait_for(&self, what: &str, done: impl Fn(&[Value]) -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if done(&self.deliveries()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "timed out waiting for: {what}; got {:#?}",
            self.deliveries()
        );
    }

    /// POSTs an activity to `url`, signed (draft-cavage) by the named actor. Returns the status
    /// and body.
    pub fn post_signed(&self, url: &str, actor: &str, activity: &Value) -> (u16, String) {
        let id = self.actor_id(actor);
        let (key, key_id) = {
            let shared = self.shared.lock().unwrap();
            let key = shared.keys.get(&id).cloned().expect("actor key");
            let key_id = shared
                .key_ids
                .get(&id)
                .cloned()
                .unwrap_or(format!("{id}#main-key"));
            (key, key_id)
        };
        self.post_signed_with(url, &key_id, &key, activity.to_string().as_bytes())
    }

    /// POSTs raw bytes signed with any key id and key (for forgeries).
    pub fn post_signed_with(
        &self,
        url: &str,
        key_id: &str,
        key: &PrivateKey,
        body: &[u8],
    ) -> (u16, String) {
        self.post_signed_for(url, None, key_id, key, body)
    }

    /// As [`Peer::post_signed_with`], but signed for, and sent with, the `Host` `for_host`, as
    /// a request captured on its way to another server and replayed would be.
    pub fn post_signed_for(
        &self,
        url: &str,
        for_host: Option<&str>,
        key_id: &str,
        key: &PrivateKey,
        body: &[u8],
    ) -> (u16, String) {
        let parsed = url.trim_start_matches("http://");
        let (host, path) = parsed.split_at(parsed.find('/').unwrap_or(parsed.len()));
        let host = for_host.unwrap_or(host);
        let out = signature::sign(
            "POST",
            host,
            path,
            Some(body),
            key_id,
            key,
            SystemTime::now(),
        );
        let mut request = agent().post(url);
        if let Some(for_host) = for_host {
            request = request.header("host", for_host);
        }
        let mut response = request
            .header("date", &out.date)
            .header("digest", out.digest.as_deref().unwrap_or(""))
            .header("signature", &out.signature)
            .header("content-type", "application/activity+json")
            .send(body)
            .expect("post");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        (status, text)
    }

    /// POSTs a body with no signature at all.
    pub fn post_unsigned(&self, url: &str, body: &[u8]) -> (u16, String) {
        let mut response = agent()
            .post(url)
            .header("content-type", "application/activity+json")
            .send(body)
            .expect("post");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().unwrap_or_default(),
        )
    }

    /// The key of one of this peer's actors.
    pub fn key_of(&self, actor: &str) -> Arc<PrivateKey> {
        self.shared
            .lock()
            .unwrap()
            .keys
            .get(&self.actor_id(actor))
            .cloned()
            .expect("actor key")
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A plain client that reports statuses instead of failing on them.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

async fn answer(
    shared: Arc<Mutex<Shared>>,
    req: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect();
    let method = parts.method.as_str().to_string();
    let signature_ok = if method == "POST" {
        let (h, p, b) = (headers.clone(), path.clone(), body.clone());
        tokio::task::spawn_blocking(move || verify(&h, &p, &b))
            .await
            .unwrap_or(false)
    } else {
        false
    };
    let like_gotosocial = shared.lock().unwrap().like_gotosocial;
    let open = path.starts_with("/.well-known/") || path.ends_with("/main-key");
    if like_gotosocial && method == "GET" && !open {
        let (h, p) = (headers.clone(), path.clone());
        let checked = tokio::task::spawn_blocking(move || check_like_gotosocial(&h, &p))
            .await
            .unwrap_or_else(|_| Err("the check panicked".into()));
        if let Err(why) = checked {
            let mut shared = shared.lock().unwrap();
            shared.recorded.push(Recorded {
                method,
                path,
                headers,
                body: why.clone(),
                signature_ok: false,
            });
            return Ok(hyper::Response::builder()
                .status(401)
                .header("content-type", "text/plain")
                .body(Full::new(Bytes::from(why)))
                .expect("response"));
        }
    }
    let mut shared = shared.lock().unwrap();
    shared.recorded.push(Recorded {
        method: method.clone(),
        path: path.clone(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        signature_ok,
    });
    if let Some(location) = shared.redirects.get(&path).filter(|_| method == "GET") {
        return Ok(hyper::Response::builder()
            .status(302)
            .header("location", location.as_str())
            .body(Full::new(Bytes::new()))
            .expect("response"));
    }
    let (status, content_type, body) = if method == "POST" {
        (shared.inbox_status, "text/plain".to_string(), Bytes::new())
    } else {
        match (shared.documents.get(&path), shared.files.get(&path)) {
            (Some((ct, body)), _) => (200, ct.clone(), Bytes::from(body.clone())),
            (None, Some((ct, bytes))) => (200, ct.clone(), Bytes::from(bytes.clone())),
            (None, None) => (404, "text/plain".into(), Bytes::from_static(b"not found")),
        }
    };
    Ok(hyper::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body))
        .expect("response"))
}

/// Checks a delivery's signature the way a receiving server would: fetch the signer's actor
/// document from the key id, read its key, verify.
fn verify(headers: &[(String, String)], path: &str, body: &[u8]) -> bool {
    let host = headers
        .iter()
        .find(|(n, _)| n == "host")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let incoming = Incoming {
        method: "POST",
        scheme: "http",
        authority: &host,
        path_and_query: path,
        headers,
        body,
    };
    let Ok(parsed) = signature::parse(&incoming, SystemTime::now()) else {
        return false;
    };
    let url = parsed.key_id.split('#').next().unwrap_or("").to_string();
    let Ok(mut response) = agent()
        .get(&url)
        .header("accept", "application/activity+json")
        .call()
    else {
        return false;
    };
    let Ok(text) = response.body_mut().read_to_string() else {
        return false;
    };
    let Ok(doc) = serde_json::from_str::<Value>(&text) else {
        return false;
    };
    let Some(pem) = doc["publicKey"]["publicKeyPem"].as_str() else {
        return false;
    };
    PublicKey::from_pem(pem).is_ok_and(|k| parsed.verify(&k).is_ok())
}

/// GoToSocial's check of a signed GET, step for step: the signature's header, the key document
/// at `keyId`, the key's owner (fetched when the key document is not the actor), WebFinger for
/// `preferredUsername@host` of that owner leading back to the same actor, then the signature.
fn check_like_gotosocial(headers: &[(String, String)], path: &str) -> Result<(), String> {
    let host = headers
        .iter()
        .find(|(n, _)| n == "host")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let incoming = Incoming {
        method: "GET",
        scheme: "http",
        authority: &host,
        path_and_query: path,
        headers,
        body: &[],
    };
    let parsed =
        signature::parse(&incoming, SystemTime::now()).map_err(|e| format!("not signed: {e}"))?;
    let fetch = |url: &str, accept: &str| -> Result<Value, String> {
        let mut response = agent()
            .get(url)
            .header("accept", accept)
            .call()
            .map_err(|e| format!("{url}: {e}"))?;
        if response.status() != 200 {
            return Err(format!("{url} answered {}", response.status()));
        }
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| format!("{url}: {e}"))?;
        serde_json::from_str(&text).map_err(|e| format!("{url}: {e}"))
    };
    const AP: &str = "application/activity+json";
    let key_doc = fetch(parsed.key_id.split('#').next().unwrap_or(""), AP)?;
    let owner =
        if key_doc["publicKey"]["id"] == parsed.key_id.as_str() && key_doc["inbox"].is_string() {
            key_doc
        } else {
            let owner_id = key_doc["owner"]
                .as_str()
                .or(key_doc["publicKey"]["owner"].as_str())
                .ok_or("the key names no owner")?;
            fetch(owner_id, AP)?
        };
    let owner_id = owner["id"].as_str().ok_or("the owner has no id")?;
    let name = owner["preferredUsername"]
        .as_str()
        .ok_or("the owner has no preferredUsername")?;
    let owner_host = owner_id
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .ok_or("the owner's id has no host")?;
    let finger = fetch(
        &format!("http://{owner_host}/.well-known/webfinger?resource=acct:{name}@{owner_host}"),
        "application/jrd+json",
    )
    .map_err(|e| format!("webfinger for {name}@{owner_host} failed: {e}"))?;
    let back = finger["links"]
        .as_array()
        .and_then(|links| links.iter().find(|l| l["rel"] == "self"))
        .and_then(|l| l["href"].as_str())
        .ok_or("webfinger has no self link")?;
    if back != owner_id {
        return Err(format!("webfinger leads to {back}, not {owner_id}"));
    }
    let pem = owner["publicKey"]["publicKeyPem"]
        .as_str()
        .ok_or("the owner publishes no key")?;
    let key = PublicKey::from_pem(pem).map_err(|e| e.to_string())?;
    parsed
        .verify(&key)
        .map_err(|e| format!("bad signature: {e}"))
}
