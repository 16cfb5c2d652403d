//! A camp against a second independent ActivityPub implementation: bovine-herd, a Python server
//! from PyPI (`tests/bovine-peer/peer.py` runs it and drives its user bob). Bob and the camp's
//! Ana follow each other and exchange posts over loopback, and a camp-only post never reaches
//! bovine. Bovine differs from Fedify where it counts: its actor lives at a random path, its
//! keys are `#serverKey`, it compacts its JSON (`"as:Public"`, one-item lists as strings, no
//! `published`), and it answers unsigned fetches of an actor with 401.
//! `scripts/install-test-deps` installs it; `PORCHLIGHT_SKIP_BOVINE=1` skips this knowingly.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use serde_json::Value;

use crate::follows;

/// bovine-herd and its driver, stopped when dropped; their output is shown if the test fails.
struct Bovine {
    child: Child,
    stdin: ChildStdin,
    answers: mpsc::Receiver<String>,
    address: SocketAddr,
    actor: String,
    log: Arc<Mutex<Vec<String>>>,
    workdir: String,
}

impl Bovine {
    fn start() -> Option<Bovine> {
        if std::env::var("PORCHLIGHT_SKIP_BOVINE").as_deref() == Ok("1") {
            eprintln!("bovine-herd peer test skipped on request (PORCHLIGHT_SKIP_BOVINE=1)");
            return None;
        }
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/bovine-peer");
        let python = dir.join(".venv/bin/python");
        assert!(
            python.exists(),
            "the bovine-herd peer test needs tests/bovine-peer/.venv: run scripts/install-test-deps \
             (or scripts/test, which does), or set PORCHLIGHT_SKIP_BOVINE=1 to skip it knowingly"
        );
        let mut child = Command::new(python)
            .arg(dir.join("peer.py"))
            // A group of its own: the server it starts (a multiprocessing child) is stopped with
            // it, where killing the driver alone left that child running after the suite.
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the bovine-herd peer");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (send, answers) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        let keep = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                keep.lock().unwrap().push(line);
            }
        });
        let stdin = child.stdin.take().unwrap();
        let Ok(first) = answers.recv_timeout(Duration::from_secs(60)) else {
            stop_group(&mut child);
            panic!(
                "bovine-herd did not start:\n{}",
                log.lock().unwrap().join("\n")
            );
        };
        let hello: Value = serde_json::from_str(&first).expect("the peer's first line");
        let base = hello["base"].as_str().unwrap();
        Some(Bovine {
            child,
            stdin,
            answers,
            address: base.trim_start_matches("http://").parse().unwrap(),
            actor: hello["actor"].as_str().unwrap().to_string(),
            log,
            workdir: hello["log"].as_str().unwrap_or("").to_string(),
        })
    }

    fn ask(&mut self, command: &str) -> Value {
        writeln!(self.stdin, "{command}").unwrap();
        let line = self
            .answers
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("bovine did not answer {command:?}"));
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    fn list(&mut self, command: &str) -> Vec<Value> {
        match self.ask(command) {
            Value::Array(items) => items,
            other => panic!("{command}: not a list: {other}"),
        }
    }

    /// Waits (up to 20 s) for an activity in bob's inbox that satisfies `found`.
    fn wait_in_inbox(&mut self, what: &str, found: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(item) = self.list("inbox").into_iter().find(&found) {
                return item;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!(
            "bovine never received {what}; its inbox: {:#}",
            Value::Array(self.list("inbox"))
        );
    }

    fn wait_until(&mut self, what: &str, mut done: impl FnMut(&mut Bovine) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !done(self) {
            assert!(
                Instant::now() < deadline,
                "bovine: timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Kills the driver and everything it started (its process group), then reaps the driver.
fn stop_group(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

impl Drop for Bovine {
    fn drop(&mut self) {
        stop_group(&mut self.child);
        if std::thread::panicking() {
            let server =
                std::fs::read_to_string(format!("{}/server.log", self.workdir)).unwrap_or_default();
            eprintln!(
                "--- bovine peer output ---\n{}\n--- bovine-herd's log ---\n{server}",
                self.log.lock().unwrap().join("\n")
            );
        }
        // The peer is killed, so its own clean-up never runs: its folder is removed here.
        if self.workdir.contains("bovine-peer-") {
            let _ = std::fs::remove_dir_all(&self.workdir);
        }
    }
}

/// The text of a delivered Create's note, however bovine stored it.
fn content(item: &Value) -> String {
    let object = &item["object"];
    object["content"]
        .as_str()
        .or_else(|| object["as:content"].as_str())
        .unwrap_or("")
        .to_string()
}

#[test]
fn a_camp_and_a_bovine_server_follow_each_other_and_exchange_posts() {
    let Some(mut bovine) = Bovine::start() else {
        return;
    };
    let started = Instant::now();
    let camp = TestCamp::federating();
    camp.allow_peers(&[bovine.address]);
    camp.add_member("ana", Role::Host);
    let mut ana = camp.logged_in("ana");
    let ana_id = format!("{}/users/ana", camp.base);
    let bob_id = bovine.actor.clone();
    let bob_handle = format!("bob@{}", bovine.address);

    // (a) Bob follows Ana: bovine fetches her (signed), delivers a Follow signed with its
    // #serverKey; the camp checks it, stores the follow and accepts, and bovine takes the Accept.
    let sent = bovine.ask(&format!("follow {ana_id}"));
    assert_eq!(sent["status"], 201, "{sent}");
    camp.wait_for("bob's follow of Ana", |c| follows(c, &bob_id, "ana") == 1);
    bovine.wait_until("the camp's Accept", |b| {
        b.list("following").iter().any(|f| f == ana_id.as_str())
    });
    println!("(a) bob follows Ana: {:?}", started.elapsed());

    // (b) Ana finds bob by handle (WebFinger over the test network) and follows; bob accepts.
    let found = ana.get(&format!("/search?q=@{bob_handle}"));
    assert_eq!(found.status, 303, "{}", found.body);
    let answer = ana.post(&format!("/@{bob_handle}/follow"), &[]);
    assert_eq!(answer.status, 303, "{}", answer.body);
    let follow = bovine.wait_in_inbox("Ana's Follow", |a| {
        a["type"] == "Follow" && a["actor"] == ana_id.as_str()
    });
    assert_eq!(follow["object"], bob_id.as_str(), "{follow}");
    let accepted = bovine.ask("accept");
    assert_eq!(
        accepted["accepted"][0]["follower"],
        ana_id.as_str(),
        "{accepted}"
    );
    camp.wait_for("bovine's Accept of Ana's follow", |c| {
        follows(c, "ana", &bob_id) == 1
    });
    assert!(
        bovine
            .list("followers")
            .iter()
            .any(|f| f == ana_id.as_str()),
        "Ana is among bob's followers"
    );
    println!("(b) Ana follows bob: {:?}", started.elapsed());

    // (c) Bob posts: it reaches Ana's home, so the camp verified bovine's signature and read
    // its compacted document.
    let posted = bovine.ask("post hello from the bovine herd");
    assert_eq!(posted["status"], 201, "{posted}");
    let note_id = posted["id"].as_str().expect("the note's id").to_string();
    camp.wait_for("bob's post", |c| {
        c.query_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE uri = '{note_id}'"
        )) == 1
    });
    assert_eq!(
        camp.query_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE uri = '{note_id}' AND audience = 'public'"
        )),
        1,
        "bob's post, addressed to as:Public, is public"
    );
    ana.get("/").assert_contains("hello from the bovine herd");
    println!("(c) bob's post reaches Ana: {:?}", started.elapsed());

    // (d) Ana's posts: public and followers-only ones reach bob; a camp-only one never does.
    ana.write_post("camp secret by the fire", "local");
    ana.write_post("public words for bob", "public");
    ana.write_post("followers words for bob", "followers");
    for text in ["public words for bob", "followers words for bob"] {
        let create =
            bovine.wait_in_inbox(text, |a| a["type"] == "Create" && content(a).contains(text));
        assert_eq!(create["actor"], ana_id.as_str(), "{create}");
    }
    camp.settle();
    let inbox = bovine.list("inbox");
    assert!(
        !Value::Array(inbox.clone()).to_string().contains("secret"),
        "a camp-only post left the camp: {inbox:#?}"
    );
    println!("(d) Ana's posts reach bob: {:?}", started.elapsed());
}
