//! A camp against an independent ActivityPub implementation: a small server built on Fedify
//! (`tests/fedify-peer/server.mjs`, run with node) whose actor `fedi` and the camp's Ana follow
//! each other and exchange posts over loopback. Fedify checks our signatures and documents with
//! its own code, and we check its, so this catches what a stand-in written by us would share
//! with our own mistakes. `scripts/install-test-deps` installs Fedify; set
//! `PORCHLIGHT_SKIP_FEDIFY=1` to skip this knowingly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;

use crate::follows;
use serde_json::{Value, json};

/// The Fedify server, killed when dropped. Its output is kept and shown if the test fails.
struct Fedify {
    child: Child,
    address: SocketAddr,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Fedify {
    /// Starts the peer, or returns `None` when told to skip.
    fn start() -> Option<Fedify> {
        if std::env::var("PORCHLIGHT_SKIP_FEDIFY").as_deref() == Ok("1") {
            eprintln!("Fedify peer test skipped on request (PORCHLIGHT_SKIP_FEDIFY=1)");
            return None;
        }
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fedify-peer");
        let advice = "run scripts/install-test-deps (or scripts/test, which does), \
                      or set PORCHLIGHT_SKIP_FEDIFY=1 to skip it knowingly";
        if !dir
            .join("node_modules/@fedify/fedify/package.json")
            .exists()
        {
            panic!("the Fedify peer test needs tests/fedify-peer/node_modules: {advice}");
        }
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            // The peer exits when its standard input closes, so it dies with this process.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("could not run node ({e}): {advice}"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("LISTENING ") {
                    let _ = port_tx.send(port.trim().parse::<u16>().ok());
                }
                keep.lock().unwrap().push(line);
            }
        });
        let keep = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                keep.lock().unwrap().push(line);
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(30)).ok().flatten();
        let Some(port) = port else {
            let _ = child.kill();
            let _ = child.wait();
            std::thread::sleep(Duration::from_millis(200));
            panic!(
                "the Fedify peer did not start:\n{}",
                log.lock().unwrap().join("\n")
            );
        };
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        Some(Fedify {
            child,
            address,
            base: format!("http://{address}"),
            log,
        })
    }

    fn host(&self) -> String {
        self.address.to_string()
    }

    /// One plain HTTP/1.1 exchange with the peer's control endpoints.
    fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(self.address).expect("connect to the Fedify peer");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host(),
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("the peer's answer");
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let status = head.split(' ').nth(1).unwrap_or("");
        assert_eq!(
            status, "200",
            "{method} {path} on the Fedify peer: {response}"
        );
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
    }

    /// fedi follows a member of the camp; returns once the camp has the follow.
    fn follow_member(&self, camp: &TestCamp, name: &str) -> Value {
        let fedi_id = format!("{}/users/fedi", self.base);
        let follow = self.control(
            "POST",
            "/control/follow",
            Some(&json!({ "handle": format!("{name}@{}", camp.host()) })),
        );
        camp.wait_for(&format!("fedi's follow of {name}"), |c| {
            follows(c, &fedi_id, name) == 1
        });
        follow
    }

    /// The activities Fedify's inbox listeners were handed (all with verified signatures).
    fn received(&self) -> Vec<Value> {
        match self.control("GET", "/control/received", None) {
            Value::Array(items) => items,
            other => panic!("not a list: {other}"),
        }
    }

    /// Inbox POSTs the peer answered, POSTs it made, and errors it met.
    fn requests(&self) -> Value {
        self.control("GET", "/control/requests", None)
    }

    /// Waits (up to 20 s) until an activity Fedify received satisfies `found`; returns it.
    fn wait_for(&self, what: &str, found: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(activity) = self.received().into_iter().find(&found) {
                return activity;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "timed out waiting for Fedify to receive: {what}\nreceived: {:#}\nrequests: {:#}",
            Value::Array(self.received()),
            self.requests()
        );
    }
}

impl Drop for Fedify {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!(
                "--- Fedify peer output ---\n{}",
                self.log.lock().unwrap().join("\n")
            );
        }
    }
}

#[test]
fn a_camp_and_a_fedify_server_follow_each_other_and_exchange_posts() {
    let Some(fedify) = Fedify::start() else {
        return;
    };
    let started = Instant::now();
    let camp = TestCamp::federating();
    camp.allow_peers(&[fedify.address]);
    camp.add_member("ana", Role::Host);
    let mut ana = camp.logged_in("ana");
    let ana_id = format!("{}/users/ana", camp.base);
    let fedi_id = format!("{}/users/fedi", fedify.base);
    let fedi_handle = format!("fedi@{}", fedify.host());

    // (a) Fedify's fedi follows Ana (WebFinger, actor, signed Follow). The camp stores the
    // follow and answers with an Accept, which Fedify verifies against Ana's published key.
    let follow = fedify.control(
        "POST",
        "/control/follow",
        Some(&json!({ "handle": format!("ana@{}", camp.host()) })),
    );
    assert_eq!(follow["actor"], ana_id, "{follow}");
    camp.wait_for("fedi's follow of Ana", |c| follows(c, &fedi_id, "ana") == 1);
    let accept = fedify.wait_for("the camp's Accept", |a| a["type"] == "Accept");
    assert_eq!(accept["actor"], ana_id, "{accept}");
    assert_eq!(accept["object"], follow["follow"], "{accept}");
    assert_eq!(accept["verified"], true);
    println!("(a) fedi follows Ana: {:?}", started.elapsed());

    // (b) Ana finds fedi by handle and follows; Fedify verifies the Follow and accepts, and
    // the camp takes Fedify's Accept.
    let found = ana.get(&format!("/search?q=@{fedi_handle}"));
    assert_eq!(found.status, 303, "{}", found.body);
    let answer = ana.post(&format!("/@{fedi_handle}/follow"), &[]);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let their_follow = fedify.wait_for("Ana's Follow", |a| a["type"] == "Follow");
    assert_eq!(their_follow["actor"], ana_id, "{their_follow}");
    assert_eq!(their_follow["object"], fedi_id, "{their_follow}");
    camp.wait_for("Fedify's Accept of Ana's follow", |c| {
        follows(c, "ana", &fedi_id) == 1
    });
    assert_eq!(
        fedify.control("GET", "/control/followers", None),
        json!([ana_id])
    );
    ana.get(&format!("/@{fedi_handle}"))
        .assert_status(200)
        .assert_contains("Unfollow");
    println!("(b) Ana follows fedi: {:?}", started.elapsed());

    // (c) fedi posts publicly: it reaches Ana's home, so the camp verified Fedify's signature.
    let note = fedify.control(
        "POST",
        "/control/post",
        Some(&json!({ "text": "hello from fedify & co" })),
    );
    let note_id = note["id"].as_str().unwrap().to_string();
    camp.wait_for("fedi's post", |c| {
        c.query_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE uri = '{note_id}'"
        )) == 1
    });
    ana.get("/")
        .assert_contains("hello from fedify &amp; co")
        .assert_contains("fedi");
    let sent = fedify.requests()["sent"].clone();
    println!("(c) fedi's post reaches Ana: {:?}", started.elapsed());
    println!("Fedify's deliveries to the camp: {sent:#}");
    for delivery in sent.as_array().unwrap() {
        let status = delivery["status"].as_u64().unwrap();
        assert!(
            (200..300).contains(&status),
            "the camp refused a delivery from Fedify: {delivery}"
        );
    }

    // (d) Ana's posts: a camp-only one never leaves; public and followers-only ones arrive.
    ana.write_post("camp secret by the fire", "local");
    ana.write_post("public words for fedi", "public");
    ana.write_post("followers words for fedi", "followers");
    for text in ["public words for fedi", "followers words for fedi"] {
        let create = fedify.wait_for(text, |a| {
            a["type"] == "Create" && a["content"].as_str().is_some_and(|c| c.contains(text))
        });
        assert_eq!(create["actor"], ana_id, "{create}");
        assert_eq!(create["objectType"], "Note", "{create}");
    }
    camp.settle();
    println!("(d) Ana's posts reach Fedify: {:?}", started.elapsed());

    // (e) Ana favourites and boosts fedi's post, then unfollows: Fedify hears of each.
    let remote = camp.query_i64(&format!("SELECT id FROM posts WHERE uri = '{note_id}'"));
    ana.post(&format!("/posts/{remote}/favourite"), &[]);
    ana.post(&format!("/posts/{remote}/boost"), &[]);
    for kind in ["Like", "Announce"] {
        let activity = fedify.wait_for(kind, |a| a["type"] == kind);
        assert_eq!(activity["actor"], ana_id, "{activity}");
        assert_eq!(activity["object"], note_id, "{activity}");
    }
    ana.post(&format!("/@{fedi_handle}/unfollow"), &[]);
    fedify.wait_for("Ana's Undo of her follow", |a| a["type"] == "Undo");
    assert_eq!(fedify.control("GET", "/control/followers", None), json!([]));
    camp.settle();
    println!(
        "(e) Like, Announce, Undo reach Fedify: {:?}",
        started.elapsed()
    );

    // Nothing camp-only reached Fedify in any request, and Fedify refused nothing the camp sent.
    let requests = fedify.requests();
    for request in requests["inbox"].as_array().unwrap() {
        assert!(
            !request["body"].as_str().unwrap().contains("secret"),
            "a camp-only post left the camp: {request}"
        );
        assert_eq!(
            request["status"], 202,
            "Fedify refused a delivery: {request}"
        );
    }
    assert_eq!(requests["errors"], json!([]), "{requests:#}");
    println!(
        "the camp signed its deliveries with: {:?}",
        requests["inbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["scheme"].as_str().unwrap_or("?"))
            .collect::<Vec<_>>()
    );
}

#[test]
fn polls_go_both_ways_with_a_fedify_server() {
    let Some(fedify) = Fedify::start() else {
        return;
    };
    let camp = TestCamp::federating();
    camp.allow_peers(&[fedify.address]);
    camp.add_member("ana", Role::Host);
    let mut ana = camp.logged_in("ana");
    let ana_id = format!("{}/users/ana", camp.base);
    let fedi_id = format!("{}/users/fedi", fedify.base);
    let fedi_handle = format!("fedi@{}", fedify.host());
    fedify.follow_member(&camp, "ana");
    ana.get(&format!("/search?q=@{fedi_handle}"));
    ana.post(&format!("/@{fedi_handle}/follow"), &[]);
    camp.wait_for("Fedify's Accept", |c| follows(c, "ana", &fedi_id) == 1);

    // Fedify's Question becomes a poll here; Ana's vote goes back as Mastodon sends votes.
    let question = fedify.control(
        "POST",
        "/control/poll",
        Some(
            &json!({ "text": "oars or paddles?", "options": ["oars", "paddles"], "seconds": 3600 }),
        ),
    );
    let question_id = question["id"].as_str().unwrap().to_string();
    camp.wait_for("fedi's poll", |c| c.count("polls") == 1);
    let post = camp.query_i64(&format!("SELECT id FROM posts WHERE uri = '{question_id}'"));
    ana.get(&format!("/posts/{post}"))
        .assert_contains("oars or paddles?")
        .assert_contains("type=\"radio\" name=\"choice\" value=\"1\"");
    let voted = ana.post(&format!("/posts/{post}/vote"), &[("choice", "1")]);
    assert_eq!(voted.status, 303, "{}", voted.body);
    let vote = fedify.wait_for("Ana's vote", |a| {
        a["type"] == "Create" && a["name"] == "paddles"
    });
    assert_eq!(vote["actor"], ana_id, "{vote}");
    assert_eq!(vote["objectType"], "Note", "{vote}");
    assert_eq!(vote["inReplyTo"], question_id, "{vote}");
    assert_eq!(vote["verified"], true);

    // Ana's poll reaches Fedify as a Question with its options.
    let made = ana.post(
        "/posts",
        &[
            ("text", "swim before breakfast?"),
            ("audience", "public"),
            ("poll_option", "yes"),
            ("poll_option", "no"),
            ("poll_expires_in", "3600"),
        ],
    );
    assert_eq!(made.status, 303, "{}", made.body);
    let create = fedify.wait_for("Ana's poll", |a| {
        a["type"] == "Create" && a["objectType"] == "Question"
    });
    let names: Vec<&str> = create["options"]
        .as_array()
        .unwrap_or_else(|| panic!("a Question with options: {create}"))
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["yes", "no"]);
    let requests = fedify.requests();
    assert_eq!(requests["errors"], json!([]), "{requests:#}");
}

/// Moving both ways with an independent server, the way Mastodon does it. Out: Fedify's `fedi`
/// names Ana as its own (`alsoKnownAs`, written by Fedify), Ana moves there from her settings,
/// Fedify verifies and takes the `Move`, and Bo here, who followed Ana, now follows fedi
/// (Fedify accepted his follow). In: Dee here names fedi as her earlier account, Fedify sends
/// fedi's `Move` (built and signed by Fedify) to its followers, and Cy and Bo here follow Dee.
#[test]
fn accounts_move_between_a_camp_and_a_fedify_server_both_ways() {
    let Some(fedify) = Fedify::start() else {
        return;
    };
    let camp = TestCamp::federating();
    camp.allow_peers(&[fedify.address]);
    for (name, role) in [
        ("ana", Role::Host),
        ("bo", Role::Member),
        ("cy", Role::Member),
    ] {
        camp.add_member(name, role);
    }
    let ana_id = format!("{}/users/ana", camp.base);
    let fedi_id = format!("{}/users/fedi", fedify.base);
    let fedi_handle = format!("fedi@{}", fedify.host());

    // (a) Out. fedi follows Ana; so does Bo, here.
    fedify.follow_member(&camp, "ana");
    let mut bo = camp.logged_in("bo");
    assert_eq!(bo.post("/@ana/follow", &[]).status, 303);
    // Before fedi names Ana, the move is refused and nothing changes.
    let mut ana = camp.logged_in("ana");
    crate::moving::refused_move(&camp, &mut ana, &fedi_handle);
    fedify.control("POST", "/control/alias", Some(&json!({ "uri": ana_id })));
    // A wrong password moves nothing either.
    let wrong = ana.post(
        "/settings/move",
        &[("target", &fedi_handle), ("password", "not it at all")],
    );
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    let moved = ana.post(
        "/settings/move",
        &[
            ("target", &fedi_handle),
            ("password", porchlight_testkit::PASSWORD),
        ],
    );
    assert_eq!(moved.status, 303, "{}", moved.body);
    let received = fedify.wait_for("Ana's Move", |a| a["type"] == "Move");
    assert_eq!(received["actor"], ana_id, "{received}");
    assert_eq!(received["object"], ana_id, "{received}");
    assert_eq!(received["target"], fedi_id, "{received}");
    assert_eq!(received["verified"], true);
    camp.wait_for("Bo to follow fedi instead of Ana", |c| {
        follows(c, "bo", &fedi_id) == 1 && follows(c, "bo", "ana") == 0
    });
    // Ana's profile points there and stays readable; she posts no more; her actor says where.
    camp.browser()
        .get("/@ana")
        .assert_status(200)
        .assert_contains("This account has moved to")
        .assert_contains(&format!("@{fedi_handle}"));
    let post = ana.post("/posts", &[("text", "still here?"), ("audience", "public")]);
    assert_eq!(post.status, 403, "{}", post.body);
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM posts WHERE text = 'still here?'"),
        0
    );
    let actor = camp.actor_document("ana");
    assert_eq!(actor["movedTo"], fedi_id, "{actor}");

    // (b) In. Cy follows fedi; Dee, new here, names fedi as her earlier account; fedi moves.
    camp.add_member("dee", Role::Member);
    let dee_id = format!("{}/users/dee", camp.base);
    let mut cy = camp.logged_in("cy");
    assert_eq!(cy.post(&format!("/@{fedi_handle}/follow"), &[]).status, 303);
    camp.wait_for("Cy's follow of fedi to be accepted", |c| {
        follows(c, "cy", &fedi_id) == 1
    });
    let mut dee = camp.logged_in("dee");
    let named = dee.post("/settings/aliases", &[("account", &fedi_handle)]);
    assert_eq!(named.status, 303, "{}", named.body);
    let actor = camp.actor_document("dee");
    assert_eq!(actor["alsoKnownAs"], json!([fedi_id]), "{actor}");
    fedify.control("POST", "/control/move", Some(&json!({ "target": dee_id })));
    camp.wait_for("Cy and Bo to follow Dee instead of fedi", |c| {
        follows(c, "cy", "dee") == 1
            && follows(c, "bo", "dee") == 1
            && follows(c, "cy", &fedi_id) == 0
            && follows(c, "bo", &fedi_id) == 0
    });
    cy.get(&format!("/@{fedi_handle}"))
        .assert_contains("This account has moved to")
        .assert_contains("@dee");
}
