//! masto.js (from the npm registry, pinned in tests/masto-js/package-lock.json) drives a real
//! camp: tests/masto-js/flow.mjs says what it checks. `scripts/install-test-deps` installs it;
//! set `PORCHLIGHT_SKIP_MASTO_JS=1` to skip this knowingly.

use std::path::PathBuf;
use std::process::Command;

use porchlight_testkit::{PASSWORD, TestCamp};

#[test]
fn masto_js_registers_authorizes_posts_and_reads() {
    if std::env::var("PORCHLIGHT_SKIP_MASTO_JS").as_deref() == Ok("1") {
        eprintln!("masto.js test skipped on request (PORCHLIGHT_SKIP_MASTO_JS=1)");
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/masto-js");
    assert!(
        dir.join("node_modules/masto/package.json").exists(),
        "the masto.js test needs tests/masto-js/node_modules: run scripts/install-test-deps (or \
         scripts/test, which does), or set PORCHLIGHT_SKIP_MASTO_JS=1 to skip it knowingly"
    );
    let (camp, _) = TestCamp::with_host("hana");
    let (_picture_dir, picture) = crate::phone_photo();
    let out = Command::new("node")
        .arg("flow.mjs")
        .current_dir(&dir)
        .env("PORCHLIGHT_BASE", &camp.base)
        .env("PORCHLIGHT_USER", "hana")
        .env("PORCHLIGHT_PASSWORD", PASSWORD)
        .env("PORCHLIGHT_PICTURE", &picture)
        .output()
        .expect("run node");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "masto.js's flow failed:\n{said}");
    assert!(said.contains("masto.js: all done"), "{said}");
    assert_eq!(camp.count("oauth_tokens"), 0, "the token was revoked");
}
