//! megalodon (from the npm registry, pinned in tests/megalodon/package-lock.json), a third
//! client library nobody here wrote, drives a real camp: tests/megalodon/flow.mjs says what it
//! checks. `scripts/install-test-deps` installs it; set `PORCHLIGHT_SKIP_MEGALODON=1` to skip
//! this knowingly.

use std::path::PathBuf;
use std::process::Command;

use porchlight_core::audience::Role;
use porchlight_testkit::{PASSWORD, TestCamp};

#[test]
fn megalodon_registers_authorizes_posts_reads_and_subscribes() {
    if std::env::var("PORCHLIGHT_SKIP_MEGALODON").as_deref() == Ok("1") {
        eprintln!("megalodon test skipped on request (PORCHLIGHT_SKIP_MEGALODON=1)");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/megalodon");
    assert!(
        dir.join("node_modules/megalodon/package.json").exists(),
        "the megalodon test needs tests/megalodon/node_modules: run scripts/install-test-deps \
         (or scripts/test, which does), or set PORCHLIGHT_SKIP_MEGALODON=1 to skip it knowingly"
    );
    // Federating, so that the camp can push (megalodon subscribes to Web Push).
    let camp = TestCamp::federating();
    camp.add_member("hana", Role::Host);
    camp.add_member("mo", Role::Member);
    let mut mo = camp.logged_in("mo");
    mo.write_post("@hana the canoes are ready", "local");
    let poll = mo.post(
        "/posts",
        &[
            ("text", "Where do we paddle?"),
            ("audience", "local"),
            ("poll_option", "lake"),
            ("poll_option", "river"),
            ("poll_option", "sea"),
            ("poll_multiple", "1"),
            ("poll_expires_in", "86400"),
        ],
    );
    assert_eq!(poll.status, 303, "{}", poll.body);
    let poll = camp.query_i64("SELECT post_id FROM polls");
    let (_picture_dir, picture) = crate::phone_photo();
    let out = Command::new("node")
        .arg("flow.mjs")
        .current_dir(&dir)
        .env("PORCHLIGHT_BASE", &camp.base)
        .env("PORCHLIGHT_USER", "hana")
        .env("PORCHLIGHT_PASSWORD", PASSWORD)
        .env("PORCHLIGHT_PICTURE", &picture)
        .env("PORCHLIGHT_POLL", poll.to_string())
        .output()
        .expect("run node");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "megalodon's flow failed:\n{said}");
    assert!(said.contains("megalodon: all done"), "{said}");
    assert_eq!(camp.count("oauth_tokens"), 0, "the token was revoked");
    assert_eq!(
        camp.count("push_subscriptions"),
        0,
        "and its subscription with it"
    );
    // What it posted is there, as it asked.
    assert_eq!(
        camp.query_i64(
            "SELECT COUNT(*) FROM posts WHERE audience = 'unlisted' AND text LIKE '@mo meet%'"
        ),
        1
    );
}
