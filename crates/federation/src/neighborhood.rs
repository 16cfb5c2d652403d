//! Neighborhoods between camps (docs/NEIGHBORHOODS.md): keeping what the consent rules
//! (`porchlight_core::neighborhood`) decide, and sending the protocol's messages from the camp's
//! instance actor. Both the host's use cases (`app`) and the inbox apply changes through
//! `record` and `change_hood`, so a change made here or learned from elsewhere has the same
//! effects: the neighborhood stored, neighborhood posts of camps that are no longer neighbors
//! dropped, out-of-date proposals made void, and a `Leave` to every camp no longer counted.

use std::collections::BTreeSet;

use porchlight_ap::inbound;
use porchlight_ap::neighborhood as wire;
use porchlight_core::UnixTime;
use porchlight_core::blocklists::Mode;
use porchlight_core::neighborhood::{self as rules, Answer, Hood, Proposal, Settled, State};
use porchlight_db::neighborhood as store;
use porchlight_db::{Connection, blocklists};

use crate::identity::Identity;
use crate::outbox::queue;

/// A fresh, unguessable piece for an id.
pub fn token() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 12];
    // The system's randomness does not fail on the systems we run on; a clock-based fallback
    // would still be unique per camp.
    if ring::rand::SystemRandom::new().fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The camp's name in the protocol: its instance actor.
pub fn me(identity: &Identity) -> String {
    identity.instance_actor_id()
}

/// The host part of a camp's actor id, which is how a camp is shown and how posts are matched
/// to it (the authors of its posts are on that host).
pub fn host_of(camp: &str) -> String {
    inbound::host(camp).unwrap_or_else(|| camp.to_string())
}

/// Whether `actor` (with `username`) is a camp's instance actor: `scheme://HOST/actor`, named
/// after its host.
pub fn is_camp_actor(actor: &str, username: &str) -> bool {
    inbound::origin(actor).is_some_and(|origin| format!("{origin}/actor") == actor)
        && inbound::host(actor).is_some_and(|host| host.eq_ignore_ascii_case(username))
}

/// The neighborhood and every proposal, as the rules weigh them.
pub fn state(
    conn: &Connection,
    identity: &Identity,
) -> porchlight_db::Result<(Option<Hood>, Vec<Proposal>)> {
    Ok((
        store::hood(conn, &me(identity))?,
        store::all_proposals(conn)?,
    ))
}

/// What the host of a camp the others asked to leave reads once it is out.
pub const ASKED_TO_LEAVE: &str =
    "The other camps asked this camp to leave the neighborhood; it has left.";

/// Saves a proposal as it stands now, and makes the change if every approval is in.
pub fn record(
    conn: &Connection,
    identity: &Identity,
    proposal: &Proposal,
    now: UnixTime,
) -> porchlight_db::Result<()> {
    store::save_proposal(conn, proposal, now)?;
    let me = me(identity);
    let hood = store::hood(conn, &me)?;
    match rules::settle(&me, hood.as_ref(), proposal) {
        Settled::Waiting => {}
        Settled::Void => {
            let void = Proposal {
                state: State::Void,
                ..proposal.clone()
            };
            store::save_proposal(conn, &void, now)?;
            store::log(
                conn,
                &format!(
                    "The proposal about {} was made void: the neighborhood changed before everyone agreed.",
                    host_of(proposal.subject())
                ),
                now,
            )?;
        }
        Settled::Done(new) => {
            let done = Proposal {
                state: State::Done,
                ..proposal.clone()
            };
            store::save_proposal(conn, &done, now)?;
            let subject = host_of(proposal.subject());
            let said = match (&proposal.change, proposal.subject() == me) {
                (rules::Change::Join { .. }, true) => "This camp joined the neighborhood.".into(),
                (rules::Change::Join { .. }, false) => {
                    format!("{subject} joined the neighborhood.")
                }
                (rules::Change::Remove { .. }, true) => ASKED_TO_LEAVE.into(),
                (rules::Change::Remove { .. }, false) => {
                    format!("{subject} was asked to leave the neighborhood by all the others.")
                }
            };
            store::log(conn, &said, now)?;
            let departed = store::departures(conn)?;
            change_hood(conn, identity, rules::without_departed(new, &departed), now)?;
        }
    }
    Ok(())
}

/// Makes `new` this camp's neighborhood, with everything that follows from it.
pub fn change_hood(
    conn: &Connection,
    identity: &Identity,
    new: Option<Hood>,
    now: UnixTime,
) -> porchlight_db::Result<()> {
    let me = me(identity);
    let old = store::hood(conn, &me)?;
    let old_members: BTreeSet<String> = old.as_ref().map(|h| h.members.clone()).unwrap_or_default();
    let new_members: BTreeSet<String> = new.as_ref().map(|h| h.members.clone()).unwrap_or_default();
    let others: Vec<(String, String)> = new_members
        .iter()
        .filter(|m| **m != me)
        .map(|m| (m.clone(), host_of(m)))
        .collect();
    store::set_hood(conn, new.as_ref().map(|h| h.id.as_str()), &others, now)?;
    // Each neighbor's block list is read (for the host's review until the host says otherwise).
    for (_, host) in &others {
        blocklists::add_source(conn, host, false, Mode::Review)?;
    }
    let gone: Vec<String> = old_members
        .difference(&new_members)
        .filter(|m| **m != me)
        .cloned()
        .collect();
    for camp in &gone {
        blocklists::remove_source(conn, &host_of(camp))?;
        let dropped = store::drop_posts_from(conn, &host_of(camp))?;
        if dropped > 0 {
            log::info!("dropped {dropped} neighborhood posts of {camp}, no longer a neighbor");
        }
    }
    if let Some(old) = &old
        && !gone.is_empty()
    {
        send_leave(conn, identity, &old.id, &gone, now)?;
    }
    let (hood, proposals) = state(conn, identity)?;
    for stale in rules::outdated(&me, hood.as_ref(), &proposals) {
        store::save_proposal(
            conn,
            &Proposal {
                state: State::Void,
                ..stale.clone()
            },
            now,
        )?;
    }
    Ok(())
}

/// The inboxes of these camps, skipping this one.
fn inboxes(
    conn: &Connection,
    identity: &Identity,
    camps: impl IntoIterator<Item = String>,
) -> porchlight_db::Result<Vec<(String, String)>> {
    let me = me(identity);
    let camps: Vec<String> = camps.into_iter().filter(|c| *c != me).collect();
    store::inboxes_of(conn, &camps)
}

/// Sends a proposal to every camp it concerns.
pub fn send_offer(
    conn: &Connection,
    identity: &Identity,
    proposal: &Proposal,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let to = inboxes(conn, identity, proposal.audience())?;
    queue(conn, None, &wire::offer(proposal), to, now)
}

/// Sends this camp's answer to every camp the proposal concerns.
pub fn send_answer(
    conn: &Connection,
    identity: &Identity,
    proposal: &Proposal,
    answer: Answer,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let id = format!("{}/neighborhood/answers/{}", identity.base_url, token());
    let activity = wire::answer(&id, &me(identity), proposal, answer);
    let to = inboxes(conn, identity, proposal.audience())?;
    queue(conn, None, &activity, to, now)
}

/// Takes back this camp's proposal, telling every camp it concerns.
pub fn send_withdraw(
    conn: &Connection,
    identity: &Identity,
    proposal: &Proposal,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let id = format!("{}/neighborhood/withdrawn/{}", identity.base_url, token());
    let to = inboxes(conn, identity, proposal.audience())?;
    queue(conn, None, &wire::withdraw(&id, proposal), to, now)
}

/// Tells these camps that this camp no longer counts them as neighbors.
pub fn send_leave(
    conn: &Connection,
    identity: &Identity,
    neighborhood: &str,
    camps: &[String],
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let id = format!("{}/neighborhood/left/{}", identity.base_url, token());
    let activity = wire::leave(&id, &me(identity), neighborhood, camps);
    let to = inboxes(conn, identity, camps.iter().cloned())?;
    queue(conn, None, &activity, to, now)
}

/// Where this camp's block list is, for its neighbors.
pub fn block_list_id(identity: &Identity) -> String {
    format!("{}/neighborhood/blocks", identity.base_url)
}

/// Tells the neighbors that this camp's block list changed, so that they read it now.
pub fn send_blocks_changed(
    conn: &Connection,
    identity: &Identity,
    now: UnixTime,
) -> porchlight_db::Result<usize> {
    let camps: Vec<String> = store::camps(conn)?.into_iter().map(|c| c.actor).collect();
    if camps.is_empty() {
        return Ok(0);
    }
    let id = format!(
        "{}/neighborhood/blocks-changed/{}",
        identity.base_url,
        token()
    );
    let activity = wire::blocks_changed(&id, &me(identity), &block_list_id(identity), &camps);
    let to = inboxes(conn, identity, camps)?;
    queue(conn, None, &activity, to, now)
}

/// The neighborhood a post is addressed to, if it is addressed as a neighborhood post (to one
/// address of the form `https://HOST/neighborhoods/ID`, nothing else): the shape of a post for
/// a neighborhood that this camp does not count the author's camp in.
pub fn stray_neighborhood(to: &[String], cc: &[String]) -> Option<String> {
    match (to, cc) {
        ([only], []) => {
            let origin = inbound::origin(only)?;
            let id = only
                .strip_prefix(&origin)?
                .strip_prefix("/neighborhoods/")?;
            (!id.is_empty() && !id.contains('/')).then(|| only.clone())
        }
        _ => None,
    }
}

/// A neighborhood post from a camp that this camp does not count as a neighbor: refused, and
/// that camp is told with a `Leave` naming its neighborhood, so that it stops counting this one.
pub fn refuse_stray_post(
    fed: &crate::Federation,
    db: &porchlight_db::Db,
    author: &porchlight_db::federation::RemoteAccount,
    neighborhood: &str,
) -> Result<(), crate::FedError> {
    let Some(origin) = inbound::origin(&author.uri) else {
        return Ok(());
    };
    let camp = format!("{origin}/actor");
    log::info!(
        "refused a neighborhood post from {}: its camp is not a neighbor here",
        author.domain
    );
    // Its camp's inbox, known before the write.
    let actor = crate::resolve::actor(fed, db, &camp, false)?;
    if !is_camp_actor(&actor.uri, &actor.username) {
        return Ok(());
    }
    db.write(|tx| -> porchlight_db::Result<()> {
        let now = porchlight_db::now();
        store::log(
            tx,
            &format!(
                "A neighborhood post from {} was refused: its camp is not a neighbor here; it was told.",
                author.domain
            ),
            now,
        )?;
        send_leave(tx, &fed.me, neighborhood, std::slice::from_ref(&actor.uri), now)?;
        Ok(())
    })?;
    Ok(())
}
