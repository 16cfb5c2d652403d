//! `Announce` (a boost) of a post, and its `Undo`. Boosts are kept from people members follow,
//! and of our own posts; a boost is never wider than the post it shows allows.

use porchlight_ap::documents;
use porchlight_ap::inbound::{self, str_field};
use porchlight_core::PostId;
use porchlight_core::audience::Audience;
use porchlight_db::federation as store;
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::{now, posts};
use serde_json::Value;

use super::{Context, object_id};
use crate::{FedError, resolve};

#[derive(Debug, PartialEq)]
pub(super) struct Announce {
    /// The Announce's own id (kept with the boost, so an Undo by id finds it).
    pub id: String,
    /// The post boosted.
    pub object: String,
    pub to: Vec<String>,
    pub cc: Vec<String>,
}

impl Announce {
    pub fn read(activity: &Value) -> Result<Announce, FedError> {
        Ok(Announce {
            id: str_field(activity, "id").unwrap_or("").to_string(),
            object: object_id(activity),
            to: inbound::ids(activity.get("to")),
            cc: inbound::ids(activity.get("cc")),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        if self.object.is_empty() {
            return Ok(());
        }
        let (fed, db, actor) = (cx.fed, cx.db, &cx.actor);
        let followed = db.read(|c| store::followed_by_members(c, actor.id))?;
        if !followed && fed.me.local_post(&self.object).is_none() {
            return Ok(());
        }
        let original = resolve::post(fed, db, &self.object)?;
        let audience =
            documents::audience_of(&self.to, &self.cc, actor.followers_url.as_deref(), None);
        // A boost shows the original, so it can be no wider than what the original allows.
        let Some(original_audience) = db
            .read(|c| store::outgoing_post(c, original))?
            .map(|p| p.audience)
        else {
            return Ok(());
        };
        if !matches!(original_audience, Audience::Public | Audience::Unlisted) {
            return Ok(());
        }
        let audience = if audience == Audience::Public {
            Audience::Public
        } else {
            Audience::Unlisted
        };
        db.write(|tx| -> Result<(), FedError> {
            if let Some(boost) = posts::insert_boost(tx, actor.id, original, audience, now())? {
                if !self.id.is_empty() {
                    store::set_post_uri(tx, boost, &self.id, &self.id)?;
                }
                if let Some(author) = store::post_author(tx, original)? {
                    social::notify(
                        tx,
                        author,
                        NotificationKind::Boost,
                        actor.id,
                        Some(original),
                        now(),
                    )?;
                }
            }
            Ok(())
        })?;
        Ok(())
    }
}

/// `Undo` of an `Announce`: the actor's boost of `object` goes, found by the post it boosts or
/// else by the Announce's own `id`, in one transaction.
pub(super) fn undo(cx: &Context, id: Option<&str>, object: &str) -> Result<(), FedError> {
    let local = cx.fed.me.local_post(object);
    let actor = cx.actor.id;
    cx.db.write(|tx| -> Result<(), FedError> {
        let original = match local {
            Some(id) => Some(id),
            None if object.is_empty() => None,
            None => store::post_by_uri(tx, object)?,
        };
        let mut boost = match original {
            Some(original) => posts::boost_by(tx, actor, original)?,
            None => None,
        };
        if boost.is_none()
            && let Some(id) = id
        {
            boost = boost_with_id(tx, actor, id)?;
        }
        if let Some(boost) = boost {
            posts::delete_post(tx, boost)?;
        }
        Ok(())
    })
}

/// The actor's boost that arrived as the Announce `id`, if there is one.
fn boost_with_id(
    conn: &porchlight_db::Connection,
    actor: porchlight_core::AccountId,
    id: &str,
) -> Result<Option<PostId>, FedError> {
    let Some(post) = store::post_by_uri(conn, id)? else {
        return Ok(None);
    };
    Ok(posts::facts(conn, post)?
        .filter(|f| f.author_id == actor && f.boost_of.is_some())
        .map(|f| f.id))
}
