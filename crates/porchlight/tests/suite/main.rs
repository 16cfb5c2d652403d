//! The `porchlight` binary's integration tests, as one test binary: the command line and the
//! server process (`cli`), certificates from a real ACME test CA (`acme`), the headless-Chromium
//! flow (`browser`), simulated power cuts under SQLite (`power_cut`) and the SD-card image booted under QEMU (`image`, ignored unless
//! `scripts/test-image` runs it). Run one with `cargo test -p porchlight --test suite MODULE::`.

mod acme;
mod browser;
mod cli;
mod common;
mod image;
mod power_cut;
mod tidy;
mod updates;
