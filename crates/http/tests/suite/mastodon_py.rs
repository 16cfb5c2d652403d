//! Mastodon.py (from the Python package registry, pinned in tests/mastodon-py/requirements.txt)
//! drives a real camp through the whole client flow (tests/mastodon-py/flow.py says what it
//! checks), and reaches someone on another camp through it as a phone app does (elsewhere.py);
//! reports (reports.py); avatars, photos with their blurhash, and announcements (camp_life.py).
//! `scripts/install-test-deps` makes its virtual environment; set
//! `PORCHLIGHT_SKIP_MASTODON_PY=1` to skip this knowingly.

use std::path::PathBuf;
use std::process::Command;

use porchlight_testkit::{PASSWORD, TestCamp};

/// Runs a script of tests/mastodon-py with `env` (and the member's password), and asserts that
/// it got to its end; None when told to skip.
fn run_script(script: &str, base: &str, env: &[(&str, &str)]) -> Option<String> {
    if std::env::var("PORCHLIGHT_SKIP_MASTODON_PY").as_deref() == Ok("1") {
        eprintln!("Mastodon.py test skipped on request (PORCHLIGHT_SKIP_MASTODON_PY=1)");
        return None;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/mastodon-py");
    let python = dir.join(".venv/bin/python");
    assert!(
        python.exists(),
        "the Mastodon.py test needs tests/mastodon-py/.venv: run scripts/install-test-deps (or \
         scripts/test, which does), or set PORCHLIGHT_SKIP_MASTODON_PY=1 to skip it knowingly"
    );
    let out = Command::new(&python)
        .arg(dir.join(script))
        .env("PORCHLIGHT_BASE", base)
        .env("PORCHLIGHT_PASSWORD", PASSWORD)
        .envs(env.iter().copied())
        .output()
        .expect("run Mastodon.py");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "Mastodon.py's {script} failed:\n{said}"
    );
    assert!(said.contains("mastodon.py: all done"), "{said}");
    Some(said)
}

#[test]
fn mastodon_py_registers_authorizes_posts_and_reads() {
    let (camp, _) = TestCamp::with_host("hana");
    camp.add_member("mo", porchlight_core::audience::Role::Member);
    let (_picture_dir, picture) = crate::phone_photo();
    let picture = picture.to_str().unwrap();
    if run_script(
        "flow.py",
        &camp.base,
        &[("PORCHLIGHT_USER", "hana"), ("PORCHLIGHT_PICTURE", picture)],
    )
    .is_none()
    {
        return;
    }
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

#[test]
fn mastodon_py_finds_follows_and_reads_someone_on_another_camp() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("hana", porchlight_core::audience::Role::Host);
    b.add_member("bo", porchlight_core::audience::Role::Host);
    let mut bo = b.logged_in("bo");
    let post = bo.write_post("a view of the lake from the other camp", "public");
    let post_url = format!("{}/posts/{post}", b.base);
    let handle = format!("bo@{}", b.host());
    if run_script(
        "elsewhere.py",
        &a.base,
        &[
            ("PORCHLIGHT_USER", "hana"),
            ("PORCHLIGHT_ELSEWHERE", &handle),
            ("PORCHLIGHT_ELSEWHERE_POST", &post_url),
        ],
    )
    .is_none()
    {
        return;
    }
    // Bo's camp heard of each step: the follow and its undoing, and the favourite.
    b.wait_for("the favourite", |b| b.count("favourites") == 1);
    b.wait_for("the unfollow", |b| {
        b.query_i64("SELECT COUNT(*) FROM follows f JOIN accounts a ON a.id = f.follower_id WHERE a.domain IS NOT NULL") == 0
    });
}

#[test]
fn mastodon_py_reports_a_post_and_the_hosts_app_handles_it() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    hana.post(
        "/admin/site",
        &[
            ("site_name", "Camp"),
            ("member_cap", "50"),
            ("code_of_conduct", "1. Be kind\n2. No ads"),
        ],
    )
    .assert_status(303);
    camp.add_member("mo", porchlight_core::audience::Role::Member);
    camp.add_member("ken", porchlight_core::audience::Role::Member);
    camp.logged_in("ken")
        .write_post("Cheap watches, ask me", "local");
    if run_script(
        "reports.py",
        &camp.base,
        &[
            ("PORCHLIGHT_USER", "mo"),
            ("PORCHLIGHT_HOST_USER", "hana"),
            ("PORCHLIGHT_REPORTED", "ken"),
        ],
    )
    .is_none()
    {
        return;
    }
    // What it did is in the database: one report, handled; one warning for Ken.
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM reports WHERE resolved_at IS NOT NULL"),
        1
    );
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM notifications WHERE kind = 'warning'"),
        1
    );
}

#[test]
fn mastodon_py_sets_an_avatar_posts_a_photo_with_a_blurhash_and_reads_announcements() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("mo", porchlight_core::audience::Role::Member);
    hana.post(
        "/admin/announcements",
        &[("text", "The well is fixed: water is back from tonight.")],
    )
    .assert_status(303);
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("valley.jpg");
    std::fs::write(&photo, porchlight_pictures::samples::photo(3000, 2000, 1)).unwrap();
    if run_script(
        "camp_life.py",
        &camp.base,
        &[
            ("PORCHLIGHT_USER", "mo"),
            ("PORCHLIGHT_PHOTO", photo.to_str().unwrap()),
        ],
    )
    .is_none()
    {
        return;
    }
    // What the app did is in the database: Mo's pictures, the photo's copies, the reaction.
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM profile_pictures p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'mo'"),
        2
    );
    assert_eq!(camp.count("picture_copies"), 2);
    assert_eq!(camp.count("announcement_reactions"), 1);
    assert_eq!(camp.count("announcement_reads"), 1);
}
