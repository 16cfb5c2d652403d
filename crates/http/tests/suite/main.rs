//! The `http` crate's integration tests, as one test binary (one link instead of nine on a
//! 2-core machine): real camps on loopback ports, driven through pages, the Mastodon API, the
//! streaming WebSocket and ActivityPub. Each module is one concern; run one with
//! `cargo test -p porchlight-http --test suite MODULE::`.

mod api;
mod bovine_peer;
mod camp_life;
mod cards;
mod care;
mod emoji;
mod events;
mod federation;
mod federation_peer;
mod fedify_peer;
mod hostile;
mod masto_js;
mod mastodon_py;
mod megalodon;
mod members;
mod moving;
mod neighborhoods;
mod pages;
mod pasture;
mod polls;
mod posts;
mod push;
mod reading;
mod slow;
mod streaming;
mod updates;

use porchlight_testkit::TestCamp;

/// How many follows there are from the account with actor id or local name `from` to `to`.
pub(crate) fn follows(camp: &TestCamp, from: &str, to: &str) -> i64 {
    let who = |side: &str, name: &str| {
        if name.starts_with("http") {
            format!("{side}.uri = '{name}'")
        } else {
            format!("{side}.username = '{name}' AND {side}.domain IS NULL")
        }
    };
    camp.query_i64(&format!(
        "SELECT COUNT(*) FROM follows f JOIN accounts a ON a.id = f.follower_id \
         JOIN accounts b ON b.id = f.followee_id WHERE {} AND {}",
        who("a", from),
        who("b", to)
    ))
}

/// A phone photo (a camera make and a GPS position in its metadata) in a folder of its own, for
/// a client library to upload; the folder goes when it is dropped.
pub(crate) fn phone_photo() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let picture = dir.path().join("photo.jpg");
    std::fs::write(
        &picture,
        porchlight_pictures::samples::jpeg(64, 48, Some(6)),
    )
    .unwrap();
    (dir, picture)
}
