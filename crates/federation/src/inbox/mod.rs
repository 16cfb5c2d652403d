//! The inbox: a signed POST is checked (signature, key owner, origin, blocks), stored as a job
//! and answered 202; a worker then does what it says. Each kind of activity is read into a
//! typed value and applied by its own file here (`follow`, `answer` for Accept and Reject,
//! `post` for Create and Update, `delete`, `announce`, `like`, `block`, `undo`, `moved` for Move, and
//! `neighborhood` for the messages between camps of docs/NEIGHBORHOODS.md); `process`
//! is the one place that dispatches them.

mod announce;
mod answer;
mod block;
mod delete;
mod flag;
mod follow;
mod like;
mod moved;
mod neighborhood;
mod post;
mod undo;

use porchlight_ap::inbound::{self, id_of, kind, str_field};
use porchlight_ap::signature::Incoming;
use porchlight_db::federation::{self as store, BlockLevel, JobKind, NewJob, RemoteAccount};
use porchlight_db::{Db, accounts, now};
use serde_json::Value;

use crate::{FedError, Federation, resolve};

pub use post::store_note;
pub(crate) use post::store_note_at;

/// Why an inbox POST was refused, with the HTTP status to answer.
#[derive(Debug)]
pub enum Refusal {
    /// 401: no signature, a bad one, or signed by someone other than the actor.
    Unauthorized(String),
    /// 401: the signer's key cannot be fetched (their server is down, or they are gone).
    KeyUnavailable(String),
    /// 400: not a usable activity.
    BadRequest(String),
    /// 403: from a blocked server.
    Forbidden(String),
    /// 503: the database failed; the sender will try again.
    Unavailable(String),
}

impl Refusal {
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Unauthorized(_) | Refusal::KeyUnavailable(_) => 401,
            Refusal::BadRequest(_) => 400,
            Refusal::Forbidden(_) => 403,
            Refusal::Unavailable(_) => 503,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Refusal::Unauthorized(m)
            | Refusal::KeyUnavailable(m)
            | Refusal::BadRequest(m)
            | Refusal::Forbidden(m)
            | Refusal::Unavailable(m) => m,
        }
    }
}

impl From<porchlight_db::Error> for Refusal {
    fn from(e: porchlight_db::Error) -> Self {
        Refusal::Unavailable(format!("could not store the activity: {e}"))
    }
}

/// Checks a POST to an inbox and queues it. Ok means it is stored and will be processed.
pub fn receive(fed: &Federation, db: &Db, req: &Incoming) -> Result<(), Refusal> {
    // Unsigned or garbled: refused before anything is read or looked up.
    let signature = crate::signed::parse(fed, req)?;
    let activity = inbound::parse_json(req.body).map_err(|e| Refusal::BadRequest(e.0))?;
    let actor_id = activity
        .get("actor")
        .and_then(id_of)
        .ok_or_else(|| Refusal::BadRequest("the activity has no actor".into()))?
        .to_string();
    let actor_host = inbound::host(&actor_id)
        .ok_or_else(|| Refusal::BadRequest("the actor is not a URL".into()))?;
    if let Some(block) = db.read(|c| store::block_for(c, &actor_host))?
        && block.level == BlockLevel::Suspend
    {
        return Err(Refusal::Forbidden(format!(
            "{actor_host} is blocked on this server"
        )));
    }
    // The activity's own id, if it has one, must live where its actor does.
    if let Some(id) = str_field(&activity, "id")
        && !inbound::same_origin(id, &actor_id)
    {
        return Err(Refusal::BadRequest(
            "the activity's id is on another server than its actor".into(),
        ));
    }
    let owner = match crate::signed::verify_parsed(fed, db, &signature) {
        Ok(owner) => owner,
        // An account that is gone cannot be fetched; its Delete needs no more from us.
        Err(Refusal::KeyUnavailable(_))
            if kind(&activity) == "Delete"
                && activity.get("object").and_then(id_of) == Some(&actor_id) =>
        {
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    // Signed by one actor on behalf of another: refused (Mastodon CVE-2024-23832 and kin).
    if owner.uri != actor_id {
        return Err(Refusal::Unauthorized(
            "the activity is signed by someone other than its actor".into(),
        ));
    }
    let payload = String::from_utf8_lossy(req.body).into_owned();
    db.write(|tx| {
        store::enqueue(
            tx,
            &NewJob {
                kind: JobKind::Inbox,
                host: &actor_host,
                target: &actor_id,
                signer_id: None,
                payload: &payload,
            },
            now(),
        )
    })?;
    fed.wake();
    Ok(())
}

/// What every activity is applied with: the federation, the database, and the (remote) actor
/// who sent it, whose signature was checked when it arrived.
pub(crate) struct Context<'a> {
    pub fed: &'a Federation,
    pub db: &'a Db,
    pub actor: RemoteAccount,
}

impl Context<'_> {
    /// The member a local actor id names.
    fn local_member(&self, uri: &str) -> Result<Option<accounts::Member>, FedError> {
        local_member(self.fed, self.db, uri)
    }
}

/// The member a local actor id names.
fn local_member(
    fed: &Federation,
    db: &Db,
    uri: &str,
) -> Result<Option<accounts::Member>, FedError> {
    match fed.me.local_username(uri) {
        Some(name) => Ok(db.read(|c| accounts::member_by_username(c, name))?),
        None => Ok(None),
    }
}

/// Does what a queued activity says. Errors that a retry could fix are `FedError::Fetch` with a
/// temporary cause; anything else is dropped by the worker with a log line.
pub fn process(fed: &Federation, db: &Db, actor_id: &str, payload: &str) -> Result<(), FedError> {
    let activity = inbound::parse_json(payload.as_bytes()).map_err(|e| FedError::Invalid(e.0))?;
    // Read before anything is fetched: a garbled activity costs no lookup of its sender.
    let read = Inbound::read(&activity, actor_id)?;
    let actor = resolve::actor(fed, db, actor_id, false)?;
    read.apply(&Context { fed, db, actor })
}

/// An activity from elsewhere, read into the typed value its own file applies. Reading is pure
/// (no database, no network), so a fuzzer can drive it with anything.
#[derive(Debug)]
pub struct Inbound(Read);

#[derive(Debug)]
enum Read {
    Follow(follow::Follow),
    Answer(answer::Answer),
    Post(post::PostActivity),
    Delete(delete::Delete),
    Announce(announce::Announce),
    Like(like::Like),
    Block(block::Block),
    Flag(flag::Flag),
    Undo(undo::Undo),
    Move(moved::Move),
    Neighborhood(neighborhood::NeighborhoodMessage),
    /// A kind this camp does nothing with.
    Ignored(String),
}

impl Inbound {
    /// Reads `activity`, sent by `actor_id` (whose signature was checked when it arrived).
    pub fn read(activity: &Value, actor_id: &str) -> Result<Inbound, FedError> {
        if porchlight_ap::neighborhood::is_message(activity) {
            return Ok(Inbound(Read::Neighborhood(
                neighborhood::NeighborhoodMessage::read(activity, actor_id)?,
            )));
        }
        Ok(Inbound(match kind(activity) {
            "Follow" => Read::Follow(follow::Follow::read(activity)?),
            "Accept" | "Reject" => Read::Answer(answer::Answer::read(activity)?),
            "Create" | "Update" => Read::Post(post::PostActivity::read(activity)?),
            "Delete" => Read::Delete(delete::Delete::read(activity)?),
            "Announce" => Read::Announce(announce::Announce::read(activity)?),
            "Like" => Read::Like(like::Like::read(activity)?),
            "Block" => Read::Block(block::Block::read(activity)?),
            "Flag" => Read::Flag(flag::Flag::read(activity)?),
            "Undo" => Read::Undo(undo::Undo::read(activity, actor_id)?),
            "Move" => Read::Move(moved::Move::read(activity)?),
            other => Read::Ignored(other.to_string()),
        }))
    }

    fn apply(self, cx: &Context) -> Result<(), FedError> {
        match self.0 {
            Read::Follow(a) => a.apply(cx),
            Read::Answer(a) => a.apply(cx),
            Read::Post(a) => a.apply(cx),
            Read::Delete(a) => a.apply(cx),
            Read::Announce(a) => a.apply(cx),
            Read::Like(a) => a.apply(cx),
            Read::Block(a) => a.apply(cx),
            Read::Flag(a) => a.apply(cx),
            Read::Undo(a) => a.apply(cx),
            Read::Move(a) => a.apply(cx),
            Read::Neighborhood(a) => a.apply(cx),
            Read::Ignored(other) => {
                log::debug!("ignored a {other} from {}", cx.actor.uri);
                Ok(())
            }
        }
    }
}

/// The id of the activity's `object` (embedded or by id), or "" without one.
fn object_id(activity: &Value) -> String {
    activity
        .get("object")
        .and_then(id_of)
        .unwrap_or("")
        .to_string()
}
