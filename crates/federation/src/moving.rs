//! Follows carried over when an account moves (docs/MOVING.md): every member here who followed
//! the old account follows the new one instead, and stops following the old. Used both when a
//! `Move` from elsewhere is believed and when a member of this camp moves away.

use porchlight_core::AccountId;
use porchlight_db::federation::{self as store, RemoteAccount};
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::{Connection, moving, muting, now};

use crate::{Identity, outbox};

/// An account in a move: a member of this camp, or someone elsewhere.
#[derive(Clone, Copy)]
pub enum Moved<'a> {
    Member(AccountId),
    Remote(&'a RemoteAccount),
}

impl Moved<'_> {
    fn id(&self) -> AccountId {
        match self {
            Moved::Member(id) => *id,
            Moved::Remote(r) => r.id,
        }
    }
}

/// Moves the members who follow `old` over to `new` and records the move; returns how many
/// were moved. A follow of someone elsewhere is asked for (their server accepts it); a member
/// who blocks the new account, or is blocked by it, only stops following the old one.
pub fn follow_on(
    tx: &Connection,
    me: Option<&Identity>,
    old: Moved,
    new: Moved,
    new_uri: &str,
) -> porchlight_db::Result<usize> {
    let mut moved = 0;
    for (follower, username) in moving::member_followers(tx, old.id())? {
        if follower == new.id() {
            continue;
        }
        let blocked =
            muting::blocks(tx, follower, new.id())? || muting::blocks(tx, new.id(), follower)?;
        if !blocked {
            match (new, me) {
                (Moved::Member(member), _) => {
                    if social::follow(tx, follower, member, now())? {
                        social::notify(
                            tx,
                            member,
                            NotificationKind::Follow,
                            follower,
                            None,
                            now(),
                        )?;
                    }
                }
                (Moved::Remote(remote), Some(me)) => {
                    let already = social::follows(tx, follower, remote.id)?
                        || store::follow_request_pending(tx, follower, remote.id)?;
                    if !already {
                        let follow_id = outbox::follow(tx, me, follower, &username, remote, now())?;
                        store::add_follow_request(tx, follower, remote.id, &follow_id, now())?;
                    }
                }
                (Moved::Remote(_), None) => {}
            }
        }
        // The old account is followed no more (and its server, if elsewhere, hears so).
        let follow_id = store::take_follow_request(tx, follower, old.id())?;
        if social::unfollow(tx, follower, old.id())? || follow_id.is_some() {
            social::withdraw_notification(tx, old.id(), NotificationKind::Follow, follower, None)?;
            if let (Moved::Remote(remote), Some(me)) = (old, me) {
                outbox::unfollow(
                    tx,
                    me,
                    follower,
                    &username,
                    remote,
                    follow_id.as_deref(),
                    now(),
                )?;
            }
        }
        moved += 1;
    }
    moving::set_moved(tx, old.id(), new_uri, now())?;
    Ok(moved)
}
