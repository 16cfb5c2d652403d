//! ActivityPub for Porchlight, with no I/O: keys, HTTP signatures, and the JSON documents the
//! server publishes and reads. The `federation` crate does the fetching and delivering.

pub mod activities;
pub mod documents;
pub mod inbound;
pub mod keys;
pub mod neighborhood;
pub mod signature;
