//! Porchlight's vocabulary and pure rules: who may see and do what with a post, the member cap,
//! usernames, and how post text becomes safe HTML. No I/O, no async: everything here is tested by
//! tables of cases, and every other crate asks these functions instead of deciding for itself.

pub mod audience;
pub mod members;
pub mod text;

/// Row id of an account (a member of this server; later also a remote actor).
pub type AccountId = i64;
/// Row id of a post (a status, a reply or a boost).
pub type PostId = i64;
/// Seconds since the Unix epoch, UTC.
pub type UnixTime = i64;

/// The most characters a post may have unless the host configures otherwise.
pub const DEFAULT_MAX_POST_CHARS: usize = 500;
