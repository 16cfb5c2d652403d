//! fediverse-pasture, an interoperability suite nobody here wrote (PyPI, pinned in
//! `tests/pasture/requirements.txt`), against a camp on loopback: its verify-actor checks, and
//! every one of fediverse-pasture-inputs' examples sent as a public post and read back through
//! the camp's `/api/v1/timelines/public` by the suite's own Mastodon adapter
//! (`tests/pasture/run.py`). What the camp answered is compared with what was accepted before,
//! `tests/pasture/expected.json`: an input that was shown and is not, or whose cells in the
//! suite's table changed, fails the test. `PORCHLIGHT_PASTURE_ACCEPT=1` writes the new answers as
//! the accepted ones and regenerates `docs/interop.md` (`scripts/interop-doc`) from them.
//! `scripts/install-test-deps` installs the suite (with a Python 3.13);
//! `PORCHLIGHT_SKIP_PASTURE=1` skips this knowingly.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use porchlight_core::audience::Role;
use porchlight_testkit::TestCamp;
use serde_json::{Value, json};

use crate::api::{Client, token_for};

fn pasture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/pasture")
}

/// Runs the suite against `camp` (whose member `name` the inputs are sent to) and returns what
/// it wrote, or None when told to skip.
fn run_pasture(camp: &TestCamp, name: &str) -> Option<Value> {
    if std::env::var("PORCHLIGHT_SKIP_PASTURE").as_deref() == Ok("1") {
        eprintln!("fediverse-pasture test skipped on request (PORCHLIGHT_SKIP_PASTURE=1)");
        return None;
    }
    let dir = pasture_dir();
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "the fediverse-pasture test needs tests/pasture/.venv: run scripts/install-test-deps (or \
         scripts/test, which does), or set PORCHLIGHT_SKIP_PASTURE=1 to skip it knowingly"
    );
    // The suite keeps its keys and a JSON-LD cache in its working directory.
    let out = tempfile::tempdir().unwrap();
    let mut child = Command::new(python)
        .arg(dir.join("run.py"))
        .current_dir(out.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fediverse-pasture");
    let (send, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = send.send(line);
        }
    });
    let log = Arc::new(Mutex::new(Vec::new()));
    let keep = log.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            keep.lock().unwrap().push(line);
        }
    });
    let said = |log: &Arc<Mutex<Vec<String>>>| log.lock().unwrap().join("\n");
    let Ok(first) = lines.recv_timeout(Duration::from_secs(60)) else {
        let _ = child.kill();
        panic!("fediverse-pasture did not start:\n{}", said(&log));
    };
    let hello: Value = serde_json::from_str(&first).expect("the suite's first line");
    let address = |key: &str| -> SocketAddr {
        hello[key]
            .as_str()
            .unwrap()
            .trim_start_matches("http://")
            .parse()
            .unwrap()
    };
    camp.allow_peers(&[address("actor_base"), address("verify_base")]);

    let client = Client::new(camp);
    let token = token_for(camp, &client, name, "read");
    let results = out.path().join("results.json");
    let order = json!({
        "camp": camp.host(),
        "token": token,
        "actor": format!("{}/users/{name}", camp.base),
        "out": results,
    });
    writeln!(child.stdin.as_mut().unwrap(), "{order}").unwrap();

    // 322 inputs: about a second each at worst on a busy 2-core machine.
    let deadline = std::time::Instant::now() + Duration::from_secs(900);
    let mut progress = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) if line == "pasture: done" => break,
            Ok(line) => progress.push(line),
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "fediverse-pasture did not finish in 15 minutes:\n{}\n{}",
                    progress.join("\n"),
                    said(&log)
                );
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let written = std::fs::read_to_string(&results)
        .unwrap_or_else(|e| panic!("the suite wrote no results ({e}):\n{}", said(&log)));
    Some(serde_json::from_str(&written).unwrap())
}

/// How a run differs from the accepted one, and the inputs kept out without a reason.
fn differences(results: &Value, expected: &Value, notes: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for (name, was) in expected["verify_actor"].as_object().unwrap() {
        let now = &results["verify_actor"]["table"][name];
        if now != was {
            found.push(format!("verify actor {name}: was {was}, now {now}"));
        }
    }
    let mut seen = 0;
    for row in results["inputs"].as_array().unwrap() {
        let key = format!(
            "{} {}",
            row["input"].as_str().unwrap(),
            row["index"].as_u64().unwrap() + 1
        );
        let shown = !row["status"].is_null();
        if !shown && notes[&key].as_str().unwrap_or("").is_empty() {
            found.push(format!(
                "{key}: kept out with no reason in tests/pasture/notes.json"
            ));
        }
        let Some(was) = expected["inputs"].get(&key) else {
            found.push(format!("{key}: a new input, not accepted yet"));
            continue;
        };
        seen += 1;
        if was["shown"] == true && !shown {
            found.push(format!("{key}: shown before, not shown now"));
            continue;
        }
        for field in ["details", "support", "fields"] {
            if row[field] != was[field] {
                found.push(format!(
                    "{key}: its {field} changed\n  was: {}\n  now: {}",
                    was[field], row[field]
                ));
            }
        }
    }
    let accepted = expected["inputs"].as_object().unwrap().len();
    if seen != accepted {
        found.push(format!(
            "{} accepted inputs were not run at all",
            accepted - seen
        ));
    }
    found
}

#[test]
fn fediverse_pasture_verifies_the_actor_and_every_input_is_shown_as_accepted() {
    let camp = TestCamp::federating();
    camp.add_member("ana", Role::Host);
    let Some(results) = run_pasture(&camp, "ana") else {
        return;
    };
    let dir = pasture_dir();
    let read = |name: &str| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
    };
    let mut shown: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for row in results["inputs"].as_array().unwrap() {
        let counts = shown
            .entry(row["input"].as_str().unwrap().to_string())
            .or_default();
        counts.1 += 1;
        counts.0 += usize::from(!row["status"].is_null());
    }
    for (input, (s, n)) in &shown {
        println!("{input}: {s} of {n} shown");
    }
    // The whole answer, to read when something differs (target/ is not kept in the repository).
    let kept_at = dir.join("../../target/pasture-results.json");
    let _ = std::fs::write(&kept_at, results.to_string());
    println!("the suite's whole answer: {}", kept_at.display());
    let total: usize = shown.values().map(|(_, n)| n).sum();
    assert_eq!(total, 322, "fediverse-pasture-inputs 0.3.5 has 322 inputs");

    if std::env::var("PORCHLIGHT_PASTURE_ACCEPT").as_deref() == Ok("1") {
        let kept = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(kept.path(), results.to_string()).unwrap();
        let doc = dir.join("../../docs/interop.md");
        let status = Command::new(dir.join(".venv/bin/python"))
            .arg(dir.join("interop_doc.py"))
            .arg(kept.path())
            .arg(dir.join("notes.json"))
            .arg(dir.join("expected.json"))
            .arg(&doc)
            .status()
            .unwrap();
        assert!(status.success(), "interop_doc.py failed");
        println!("accepted: tests/pasture/expected.json and docs/interop.md written");
    }
    let found = differences(&results, &read("expected.json"), &read("notes.json"));
    assert!(
        found.is_empty(),
        "fediverse-pasture: {} differences from the accepted run (tests/pasture/expected.json; \
         PORCHLIGHT_PASTURE_ACCEPT=1 accepts this run when the change is meant):\n{}",
        found.len(),
        found.join("\n")
    );
}
