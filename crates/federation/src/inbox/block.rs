//! `Block` of a member by someone elsewhere: the follows between the two end both ways, and a
//! pending request from the member is dropped. (Nobody is told; the member simply no longer
//! reaches them.)

use porchlight_db::federation as store;
use porchlight_db::social;
use serde_json::Value;

use super::{Context, object_id};
use crate::FedError;

#[derive(Debug, PartialEq)]
pub(super) struct Block {
    pub object: String,
}

impl Block {
    pub fn read(activity: &Value) -> Result<Block, FedError> {
        Ok(Block {
            object: object_id(activity),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let Some(member) = cx.local_member(&self.object)? else {
            return Ok(());
        };
        let actor = cx.actor.id;
        cx.db.write(|tx| -> Result<(), FedError> {
            social::unfollow(tx, actor, member.id)?;
            social::unfollow(tx, member.id, actor)?;
            store::take_follow_request(tx, member.id, actor)?;
            Ok(())
        })
    }
}
