//! The `http` crate's integration tests, as one test binary (one link instead of nine on a
//! 2-core machine): real camps on loopback ports, driven through pages, the Mastodon API, the
//! streaming WebSocket and ActivityPub. Each module is one concern; run one with
//! `cargo test -p porchlight-http --test suite MODULE::`.

mod api;
mod federation;
mod federation_peer;
mod fedify_peer;
mod hostile;
mod masto_js;
mod mastodon_py;
mod members;
mod pages;
mod posts;
mod slow;
mod streaming;
