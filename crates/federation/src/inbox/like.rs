//! `Like` of a member's post, and its `Undo`. A like of a post its sender could not have seen
//! (camp-only, or not addressed to them) is ignored: the core decides, as for anyone.

use porchlight_core::audience::{self, Viewer};
use porchlight_db::federation as store;
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::{now, posts};
use serde_json::Value;

use super::{Context, object_id};
use crate::FedError;

#[derive(Debug, PartialEq)]
pub(super) struct Like {
    pub object: String,
}

impl Like {
    pub fn read(activity: &Value) -> Result<Like, FedError> {
        Ok(Like {
            object: object_id(activity),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let Some(post) = cx.fed.me.local_post(&self.object) else {
            return Ok(());
        };
        let actor = cx.actor.id;
        cx.db.write(|tx| -> Result<(), FedError> {
            let Some(facts) = posts::facts(tx, post)? else {
                return Ok(());
            };
            let viewer = Viewer {
                is_member: false,
                is_author: false,
                follows_author: social::follows(tx, actor, facts.author_id)?,
                is_mentioned: posts::is_mentioned(tx, post, actor)?,
                is_neighbor: porchlight_db::neighborhood::is_neighbor_host(tx, &cx.actor.domain)?,
            };
            if !audience::can_view(facts.audience, viewer) {
                return Ok(());
            }
            if posts::set_favourite(tx, actor, post, true, now())? {
                social::notify(
                    tx,
                    facts.author_id,
                    NotificationKind::Favourite,
                    actor,
                    Some(post),
                    now(),
                )?;
            }
            Ok(())
        })
    }
}

/// `Undo` of a `Like` of `post`: the favourite and its notification go.
pub(super) fn undo(cx: &Context, post: &str) -> Result<(), FedError> {
    let Some(post) = cx.fed.me.local_post(post) else {
        return Ok(());
    };
    let actor = cx.actor.id;
    cx.db.write(|tx| -> Result<(), FedError> {
        if posts::set_favourite(tx, actor, post, false, now())?
            && let Some(author) = store::post_author(tx, post)?
        {
            social::withdraw_notification(
                tx,
                author,
                NotificationKind::Favourite,
                actor,
                Some(post),
            )?;
        }
        Ok(())
    })
}
