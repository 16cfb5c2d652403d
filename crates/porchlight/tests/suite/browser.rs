//! The whole product in a real browser: headless Chromium (Debian's package) at phone width goes
//! through setup → invite → signup → post → reply → boost → notifications → a report handled →
//! a password reset link, then runs axe-core over every main page (zero violations), against the
//! real `porchlight` binary, saving screenshots under `target/screenshots/`. The steps live in
//! `tests/browser/flow.mjs` (playwright-core driving /usr/bin/chromium); `scripts/install-test-deps`
//! installs both.

use crate::common;

use std::path::PathBuf;
use std::process::Command;

use common::Server;

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether Chromium and playwright-core are here; without them the test fails, unless
/// `PORCHLIGHT_SKIP_BROWSER` asks to skip it knowingly.
fn browser_ready(root: &std::path::Path) -> bool {
    let missing: Vec<&str> = [
        (
            "/usr/bin/chromium",
            std::path::Path::new("/usr/bin/chromium").exists(),
        ),
        (
            "playwright-core",
            root.join("tests/browser/node_modules/playwright-core")
                .exists(),
        ),
    ]
    .into_iter()
    .filter(|(_, present)| !present)
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var_os("PORCHLIGHT_SKIP_BROWSER").is_some() {
        eprintln!(
            "browser test skipped on request (PORCHLIGHT_SKIP_BROWSER); missing: {missing:?}"
        );
        return false;
    }
    panic!(
        "the browser test needs {missing:?}: run scripts/install-test-deps (or scripts/test, which does), \
         or set PORCHLIGHT_SKIP_BROWSER=1 to skip it knowingly"
    );
}

#[test]
fn a_camper_signs_up_posts_replies_and_boosts_in_chromium_on_a_phone() {
    let root = workspace();
    let flow = root.join("tests/browser/flow.mjs");
    if !browser_ready(&root) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(&dir.path().join("data"), &[]);
    let line = server.wait_for("To create the host account, open:");
    let setup = line.split("open: ").nth(1).unwrap().trim().to_string();
    let shots = root.join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let photo = dir.path().join("valley.jpg");
    std::fs::write(&photo, porchlight_pictures::samples::photo(3000, 2000, 1)).unwrap();
    let output = Command::new("node")
        .env("PORCHLIGHT_PHOTO", &photo)
        .arg(&flow)
        .arg(&server.base)
        .arg(&setup)
        .arg(&shots)
        .output()
        .expect("run node");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{log}");
    assert!(output.status.success(), "the browser flow failed:\n{log}");
    assert!(log.contains("steps passed"), "{log}");
    assert!(
        !log.contains("wider than the screen") && !log.contains("scrolls sideways"),
        "a page scrolls sideways on a phone:\n{log}"
    );
}

/// Two real binaries on a test network of their own; two hosts, each on a phone in Chromium,
/// make their camps neighbors from the neighborhood page (one proposes, the other approves),
/// and a neighborhood post from one camp is read on the other (`tests/browser/neighbors.mjs`).
#[test]
fn two_hosts_make_their_camps_neighbors_from_their_phones() {
    let root = workspace();
    if !browser_ready(&root) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A port of this run's own, on two loopback addresses no other test uses.
    let port = 20_000 + ((std::process::id() + 7) % 20_000) as u16;
    let (a_at, b_at) = (format!("127.0.0.6:{port}"), format!("127.0.0.7:{port}"));
    let password = "correct horse battery";
    let camp = |name: &str, at: &str, peer: &str, host: &str| {
        common::test_network_camp(dir.path(), name, at, peer, host, password)
    };
    let a = camp("a", &a_at, &b_at, "hana");
    let b = camp("b", &b_at, &a_at, "bo");
    let shots = root.join("target/screenshots");
    let output = Command::new("node")
        .env("PORCHLIGHT_PASSWORD", password)
        .arg(root.join("tests/browser/neighbors.mjs"))
        .arg(&a.base)
        .arg(&b.base)
        .arg(&shots)
        .output()
        .expect("run node");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    println!("{log}");
    assert!(output.status.success(), "the neighbors flow failed:\n{log}");
    assert!(log.contains("4 steps passed"), "{log}");
}
