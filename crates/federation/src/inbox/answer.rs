//! `Accept` and `Reject` of a member's `Follow`: an accepted request becomes a follow; a
//! rejection ends the request, or the follow if it was already kept.

use porchlight_ap::inbound::{id_of, kind};
use porchlight_db::federation as store;
use porchlight_db::{accounts, now, social};
use serde_json::Value;

use super::{Context, object_id};
use crate::FedError;

#[derive(Debug, PartialEq)]
pub(super) struct Answer {
    pub accepted: bool,
    /// Who followed, as our Follow (quoted) names them; None when only its id was given.
    pub follower: Option<String>,
    /// The id of our Follow, which names the follower when it is not quoted.
    pub follow_id: String,
}

impl Answer {
    pub fn read(activity: &Value) -> Result<Answer, FedError> {
        let object = activity.get("object").cloned().unwrap_or(Value::Null);
        Ok(Answer {
            accepted: kind(activity) == "Accept",
            follower: match &object {
                Value::Object(_) => object.get("actor").and_then(id_of).map(String::from),
                _ => None,
            },
            follow_id: object_id(activity),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let follower = match &self.follower {
            Some(f) => cx.local_member(f)?,
            None => match cx.fed.me.local_username(&self.follow_id) {
                Some(name) => cx.db.read(|c| accounts::member_by_username(c, name))?,
                None => None,
            },
        };
        let Some(follower) = follower else {
            return Ok(());
        };
        let actor = cx.actor.id;
        cx.db.write(|tx| -> Result<(), FedError> {
            let pending = store::take_follow_request(tx, follower.id, actor)?;
            if self.accepted && pending.is_some() {
                social::follow(tx, follower.id, actor, now())?;
            } else if !self.accepted {
                social::unfollow(tx, follower.id, actor)?;
            }
            Ok(())
        })
    }
}
