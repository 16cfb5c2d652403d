//! A member's notifications, as the Mastodon API pages, dismisses and clears them.

use porchlight_core::AccountId;
use porchlight_db::social;

use crate::{App, AppError, AppResult};

impl App {
    /// A page of notifications, newest first, older than `max_id`.
    pub fn notifications(
        &self,
        member: AccountId,
        max_id: Option<i64>,
        limit: u32,
    ) -> AppResult<Vec<social::Notification>> {
        Ok(self
            .db
            .read(|c| social::notifications(c, member, max_id, limit))?)
    }

    /// One notification, if it is the member's.
    pub fn notification(&self, member: AccountId, id: i64) -> AppResult<social::Notification> {
        self.db
            .read(|c| social::notification(c, member, id))?
            .ok_or(AppError::NotFound)
    }

    /// Dismisses one of the member's notifications.
    pub fn dismiss_notification(&self, member: AccountId, id: i64) -> AppResult<()> {
        if self
            .db
            .write(|tx| social::dismiss_notification(tx, member, id))?
        {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Dismisses all the member's notifications.
    pub fn clear_notifications(&self, member: AccountId) -> AppResult<()> {
        self.db
            .write(|tx| social::clear_notifications(tx, member))?;
        Ok(())
    }
}
