//! `Delete` of an account (the actor itself) or of one of its posts; nobody may delete what is
//! not theirs.

use porchlight_db::federation as store;
use porchlight_db::posts;
use serde_json::Value;

use super::{Context, object_id};
use crate::FedError;

#[derive(Debug, PartialEq)]
pub(super) struct Delete {
    pub object: String,
}

impl Delete {
    pub fn read(activity: &Value) -> Result<Delete, FedError> {
        Ok(Delete {
            object: object_id(activity),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let actor = &cx.actor;
        if self.object == actor.uri {
            cx.db
                .write(|tx| store::delete_remote_account(tx, actor.id))?;
        } else if let Some(post) = cx.db.read(|c| store::post_by_uri(c, &self.object))? {
            cx.db.write(|tx| -> Result<(), FedError> {
                if store::post_author(tx, post)? == Some(actor.id) {
                    posts::delete_post(tx, post)?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }
}
