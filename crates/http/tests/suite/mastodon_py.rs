//! Mastodon.py (from the Python package registry, pinned in tests/mastodon-py/requirements.txt)
//! drives a real camp through the whole client flow: tests/mastodon-py/flow.py says what it
//! checks. `scripts/install-test-deps` makes its virtual environment; set
//! `PORCHLIGHT_SKIP_MASTODON_PY=1` to skip this knowingly.

use std::path::PathBuf;
use std::process::Command;

use porchlight_testkit::{PASSWORD, TestCamp};

#[test]
fn mastodon_py_registers_authorizes_posts_and_reads() {
    if std::env::var("PORCHLIGHT_SKIP_MASTODON_PY").as_deref() == Ok("1") {
        eprintln!("Mastodon.py test skipped on request (PORCHLIGHT_SKIP_MASTODON_PY=1)");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/mastodon-py");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "the Mastodon.py test needs tests/mastodon-py/.venv: run scripts/install-test-deps (or \
         scripts/test, which does), or set PORCHLIGHT_SKIP_MASTODON_PY=1 to skip it knowingly"
    );
    let (camp, _) = TestCamp::with_host("hana");
    camp.add_member("mo", porchlight_core::audience::Role::Member);
    // A phone photo with a camera make and a GPS position, for the app to upload.
    let picture_dir = tempfile::tempdir().unwrap();
    let picture = picture_dir.path().join("photo.jpg");
    std::fs::write(
        &picture,
        porchlight_pictures::samples::jpeg(64, 48, Some(6)),
    )
    .unwrap();
    let out = Command::new(&python)
        .arg(dir.join("flow.py"))
        .env("PORCHLIGHT_BASE", &camp.base)
        .env("PORCHLIGHT_USER", "hana")
        .env("PORCHLIGHT_PASSWORD", PASSWORD)
        .env("PORCHLIGHT_PICTURE", &picture)
        .output()
        .expect("run Mastodon.py");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "Mastodon.py's flow failed:\n{said}");
    assert!(said.contains("mastodon.py: all done"), "{said}");
    // What it did is in the database: its posts (one deleted), one app, one live token.
    assert_eq!(camp.count("oauth_apps"), 1);
    assert_eq!(camp.count("oauth_tokens"), 1, "the revoked token is gone");
    // Camp only: the post with no visibility, the two by the app's lock, and the one after the
    // default went back to the camp; public: the one sent while public was the default.
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM posts WHERE audience = 'local'"),
        4
    );
    assert_eq!(
        camp.query_i64(
            "SELECT COUNT(*) FROM posts WHERE audience = 'public' AND text LIKE 'Public by my own%'"
        ),
        1
    );
}
