//! `Move`: someone followed here moved to another account (Mastodon's account migration). It
//! is believed only when it moves its own sender and the target, read fresh from its server
//! (or this camp's own member), names the sender in `alsoKnownAs` and has not itself moved on
//! (no loops, no chains). Then every member here who followed the old account follows the new
//! one instead, as Mastodon does; the old account keeps its posts and says where it went.

use porchlight_ap::inbound::id_of;
use porchlight_db::moving;
use serde_json::Value;

use super::{Context, object_id};
use crate::moving::{Moved, follow_on};
use crate::{FedError, resolve};

#[derive(Debug, PartialEq)]
pub(super) struct Move {
    /// Who moved: must be the sender.
    pub object: String,
    /// Where to.
    pub target: String,
}

impl Move {
    pub fn read(activity: &Value) -> Result<Move, FedError> {
        let target = activity
            .get("target")
            .and_then(id_of)
            .ok_or_else(|| FedError::Invalid("a Move without a target".into()))?
            .to_string();
        Ok(Move {
            object: object_id(activity),
            target,
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let old = &cx.actor;
        if self.object != old.uri {
            return Err(FedError::Invalid(format!(
                "{} sent a Move of someone else ({})",
                old.uri, self.object
            )));
        }
        if self.target == old.uri {
            return Err(FedError::Invalid(format!("{} moved to itself", old.uri)));
        }
        // The target: a member here, or someone elsewhere read fresh from their server.
        let fetched;
        let member = cx.local_member(&self.target)?;
        let (new, names_old, moved_on) = match &member {
            Some(member) => (
                Moved::Member(member.id),
                cx.db
                    .read(|c| moving::aliases(c, member.id))?
                    .contains(&old.uri),
                member.moved_to.is_some(),
            ),
            None => {
                fetched = resolve::actor_document(cx.fed, cx.db, &self.target)?;
                (
                    Moved::Remote(&fetched.1),
                    fetched.0.also_known_as.contains(&old.uri),
                    fetched.0.moved_to.is_some(),
                )
            }
        };
        if !names_old {
            return Err(FedError::Invalid(format!(
                "{} moved to {}, which does not name them as an earlier account",
                old.uri, self.target
            )));
        }
        if moved_on {
            return Err(FedError::Invalid(format!(
                "{} moved to {}, which has itself moved on",
                old.uri, self.target
            )));
        }
        let moved = cx
            .db
            .write(|tx| follow_on(tx, Some(&cx.fed.me), Moved::Remote(old), new, &self.target))?;
        log::info!(
            "{} moved to {}; {moved} members here follow on",
            old.uri,
            self.target
        );
        cx.fed.wake();
        Ok(())
    }
}
