//! `Follow` of a member, and its `Undo`: the follow is kept (unless the member blocked the
//! follower) and answered with `Accept` or `Reject`, quoting it.

use porchlight_db::now;
use porchlight_db::social::{self, NotificationKind};
use serde_json::Value;

use super::{Context, object_id};
use crate::{FedError, outbox};

/// Someone elsewhere asks to follow `object` (one of our actors).
#[derive(Debug, PartialEq)]
pub(super) struct Follow {
    pub object: String,
    /// The activity itself, quoted in the answer.
    pub quoted: Value,
}

impl Follow {
    pub fn read(activity: &Value) -> Result<Follow, FedError> {
        Ok(Follow {
            object: object_id(activity),
            quoted: activity.clone(),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let Some(member) = cx.local_member(&self.object)? else {
            return Ok(());
        };
        let actor = &cx.actor;
        cx.db.write(|tx| {
            // Someone the member blocked is refused.
            let blocked = porchlight_db::muting::blocks(tx, member.id, actor.id)?;
            if !blocked && social::follow(tx, actor.id, member.id, now())? {
                social::notify(
                    tx,
                    member.id,
                    NotificationKind::Follow,
                    actor.id,
                    None,
                    now(),
                )?;
            }
            outbox::answer_follow(
                tx,
                &cx.fed.me,
                outbox::LocalActor {
                    id: member.id,
                    username: &member.username,
                },
                actor,
                self.quoted,
                !blocked,
                now(),
            )
        })?;
        cx.fed.wake();
        Ok(())
    }
}

/// `Undo` of a `Follow` of `followee`: the follow and its notification go.
pub(super) fn undo(cx: &Context, followee: &str) -> Result<(), FedError> {
    let Some(member) = cx.local_member(followee)? else {
        return Ok(());
    };
    let actor = cx.actor.id;
    cx.db.write(|tx| -> Result<(), FedError> {
        if social::unfollow(tx, actor, member.id)? {
            social::withdraw_notification(tx, member.id, NotificationKind::Follow, actor, None)?;
        }
        Ok(())
    })
}
