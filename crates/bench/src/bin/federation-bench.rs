//! `federation-bench`: the two federation figures of docs/benchmarks.md, measured in process on
//! loopback with the release build.
//!
//! 1. **Fan-out**: a member with 5,000 followers spread over 1,000 servers (each a real loopback
//!    listener with a shared inbox) writes one public post; we time from the post until every
//!    server has received it. Every delivery is signed, as in production.
//! 2. **Inbound**: signed `Create` activities POSTed to the shared inbox by concurrent clients;
//!    we report accepted activities per second (signature verification, origin checks and the
//!    durable queue before each 202), then how fast the inbox worker stores them.
//!
//! Every loop is bounded in count and in time. Run with `scripts/bench` (or `--quick`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use porchlight_app::members::NewMember;
use porchlight_app::posting::Compose;
use porchlight_app::{App, Limits};
use porchlight_core::audience::{Audience, Role};
use porchlight_federation::ap::keys::PrivateKey;
use porchlight_federation::ap::signature;
use porchlight_federation::guard::AllowList;
use porchlight_federation::{Federation, Identity, Settings};
use porchlight_http::{HttpConfig, State};

struct Sizes {
    servers: usize,
    followers_per_server: usize,
    inbound: usize,
    clients: usize,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick {
        Sizes {
            servers: 50,
            followers_per_server: 5,
            inbound: 200,
            clients: 4,
        }
    } else {
        Sizes {
            servers: 1_000,
            followers_per_server: 5,
            inbound: 3_000,
            clients: 4,
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(8)
        .enable_all()
        .build()
        .expect("runtime");
    let received = Arc::new(AtomicUsize::new(0));
    let sinks: Vec<SocketAddr> = (0..sizes.servers)
        .map(|_| runtime.block_on(sink(received.clone())))
        .collect();
    println!("started {} listening servers on loopback", sinks.len());

    for threads in [4usize, 16] {
        let camp = Camp::start(&runtime, &sinks, threads);
        fan_out(&camp, &sinks, &sizes, &received, threads);
        if threads == 4 {
            inbound(&camp, &sizes);
        }
    }
}

struct Camp {
    app: Arc<App>,
    /// The camp's database file opened beside it, to seed rows directly (far faster than the
    /// use cases) and count what arrived.
    db: porchlight_app::db::Db,
    base: String,
    _dir: tempfile::TempDir,
    _workers: porchlight_federation::workers::Workers,
}

impl Camp {
    fn start(runtime: &tokio::runtime::Runtime, peers: &[SocketAddr], threads: usize) -> Camp {
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let federation = Federation::new(
            Identity::new(&base).expect("identity"),
            Settings {
                delivery_threads: threads,
                per_server: 2,
                authorized_fetch: false,
            },
        );
        federation
            .client
            .allow_for_tests(AllowList::loopback_for_tests(peers));
        let app = Arc::new(
            App::open(dir.path(), Limits::default())
                .expect("open")
                .with_federation(federation),
        );
        let state = Arc::new(State::new(
            app.clone(),
            HttpConfig {
                base_url: Some(base.clone()),
                ..Default::default()
            },
        ));
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = porchlight_http::serve(state, listener, std::future::pending()).await;
        });
        let workers = app.start_workers();
        let db = porchlight_app::db::Db::open(&dir.path().join("porchlight.db")).expect("db");
        Camp {
            app,
            db,
            base,
            _dir: dir,
            _workers: workers,
        }
    }
}

/// A server that answers every request 202 and counts the POSTs.
async fn sink(received: Arc<AtomicUsize>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let received = received.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let received = received.clone();
                        async move {
                            let post = req.method() == hyper::Method::POST;
                            let _ = req.into_body().collect().await;
                            if post {
                                received.fetch_add(1, Ordering::SeqCst);
                            }
                            Ok::<_, Infallible>(
                                hyper::Response::builder()
                                    .status(202)
                                    .body(Full::new(Bytes::new()))
                                    .expect("response"),
                            )
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

fn fan_out(
    camp: &Camp,
    sinks: &[SocketAddr],
    sizes: &Sizes,
    received: &AtomicUsize,
    threads: usize,
) {
    let ana = camp
        .app
        .add_member(&NewMember {
            username: "ana",
            password: "a benchmark password",
            display_name: "",
            role: Role::Host,
        })
        .expect("member");
    // Ana's key is made before timing: it is made once in a member's life.
    camp.app.member_key(ana).expect("key");
    let followers = sinks.len() * sizes.followers_per_server;
    camp.db
        .write(|tx| -> rusqlite::Result<()> {
            let mut account = tx.prepare(
                "INSERT INTO accounts (username, domain, uri, inbox, shared_inbox, key_id, public_key_pem, fetched_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'unused', 0, 0)",
            )?;
            let mut follow = tx.prepare("INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?1, ?2, 0)")?;
            for (n, sink) in sinks.iter().enumerate() {
                for f in 0..sizes.followers_per_server {
                    let name = format!("f{n}x{f}");
                    let actor = format!("http://{sink}/users/{name}");
                    account.execute(rusqlite::params![
                        name,
                        sink.to_string(),
                        actor,
                        format!("{actor}/inbox"),
                        format!("http://{sink}/inbox"),
                        format!("{actor}#main-key"),
                    ])?;
                    follow.execute([tx.last_insert_rowid(), ana])?;
                }
            }
            Ok(())
        })
        .expect("seed followers");
    let before = received.load(Ordering::SeqCst);
    let started = Instant::now();
    camp.app
        .post(
            ana,
            &Compose {
                text: "one post for the whole fediverse",
                content_warning: "",
                audience: Audience::Public,
                in_reply_to: None,
                media: &[],
                poll: None,
                event: None,
            },
        )
        .expect("post");
    let posted = started.elapsed();
    let deadline = started + Duration::from_secs(300);
    while received.load(Ordering::SeqCst) - before < sinks.len() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed();
    let delivered = received.load(Ordering::SeqCst) - before;
    println!(
        "| fan-out: 1 public post, {followers} followers on {} servers, {threads} delivery threads | all {delivered} servers had it after {:.2} s ({:.0} deliveries/s); the post itself (writing {} jobs) took {:.1} ms |",
        sinks.len(),
        took.as_secs_f64(),
        delivered as f64 / took.as_secs_f64(),
        sinks.len(),
        posted.as_secs_f64() * 1000.0,
    );
}

fn inbound(camp: &Camp, sizes: &Sizes) {
    // A remote sender the camp already knows (its key is stored, as after the first contact),
    // followed by a member so that its posts are kept.
    let key = PrivateKey::generate().expect("key");
    let sender = "http://127.0.0.1:9/users/sender".to_string();
    let member = camp
        .db
        .read(|c| porchlight_app::db::accounts::member_by_username(c, "ana"))
        .expect("read")
        .expect("ana")
        .id;
    camp.db
        .write(|tx| -> rusqlite::Result<()> {
            tx.execute(
                "INSERT INTO accounts (username, domain, uri, inbox, key_id, public_key_pem, fetched_at, created_at)
                 VALUES ('sender', '127.0.0.1:9', ?1, ?2, ?3, ?4, ?5, 0)",
                rusqlite::params![
                    sender,
                    format!("{sender}/inbox"),
                    format!("{sender}#main-key"),
                    key.public_pem(),
                    porchlight_app::db::now()
                ],
            )?;
            tx.execute("INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?1, ?2, 0)", [member, tx.last_insert_rowid()])?;
            Ok(())
        })
        .expect("seed sender");
    let host = camp.base.trim_start_matches("http://").to_string();
    // Sign everything first: the clients' signing is not the server's work.
    let requests: Vec<(Vec<u8>, signature::Outgoing)> = (0..sizes.inbound)
        .map(|n| {
            let body = serde_json::json!({
                "id": format!("{sender}/notes/{n}/activity"), "type": "Create", "actor": sender,
                "object": { "id": format!("{sender}/notes/{n}"), "type": "Note", "attributedTo": sender,
                            "content": format!("<p>inbound number {n}</p>"),
                            "to": ["https://www.w3.org/ns/activitystreams#Public"] }
            })
            .to_string()
            .into_bytes();
            let out = signature::sign("POST", &host, "/inbox", Some(&body), &format!("{sender}#main-key"), &key, SystemTime::now());
            (body, out)
        })
        .collect();
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let clients: Vec<_> = (0..sizes.clients)
        .map(|_| {
            let (requests, next, accepted) = (requests.clone(), next.clone(), accepted.clone());
            let url = format!("{}/inbox", camp.base);
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                let deadline = Instant::now() + Duration::from_secs(120);
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= requests.len() || Instant::now() > deadline {
                        break;
                    }
                    let (body, out) = &requests[n];
                    let response = agent
                        .post(&url)
                        .header("date", &out.date)
                        .header("digest", out.digest.as_deref().unwrap_or(""))
                        .header("signature", &out.signature)
                        .header("content-type", "application/activity+json")
                        .send(&body[..]);
                    if matches!(response, Ok(r) if r.status().as_u16() == 202) {
                        accepted.fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for c in clients {
        let _ = c.join();
    }
    let took = started.elapsed();
    let accepted = accepted.load(Ordering::SeqCst);
    println!(
        "| inbound: signed Create activities, {} clients | {accepted} of {} accepted (202) at {:.0} activities/s, each verified and queued durably |",
        sizes.clients,
        sizes.inbound,
        accepted as f64 / took.as_secs_f64()
    );
    let count = |sql: &str| -> i64 {
        camp.db
            .read(|c| c.query_row(sql, [], |r| r.get(0)))
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    while count("SELECT COUNT(*) FROM jobs WHERE kind = 'inbox'") > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    let all = started.elapsed();
    let stored = count("SELECT COUNT(*) FROM posts WHERE uri IS NOT NULL");
    println!(
        "| inbound: processing by the inbox worker | {stored} posts stored {:.2} s after the first request ({:.0} posts/s end to end) |",
        all.as_secs_f64(),
        stored as f64 / all.as_secs_f64()
    );
}
