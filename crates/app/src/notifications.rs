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

    /// The member has seen their notifications (the page showed them).
    pub fn mark_notifications_seen(&self, member: AccountId) -> AppResult<()> {
        self.db
            .write(|tx| social::mark_notifications_seen(tx, member))?;
        Ok(())
    }

    /// The member read a conversation (of direct posts) up to `last_post`.
    pub fn mark_conversation_read(
        &self,
        member: AccountId,
        root: porchlight_core::PostId,
        last_post: porchlight_core::PostId,
    ) -> AppResult<()> {
        self.db
            .write(|tx| porchlight_db::conversations::mark_read(tx, member, root, last_post))?;
        Ok(())
    }

    /// The member puts a conversation away until someone writes in it again (its posts stay).
    pub fn put_conversation_away(
        &self,
        member: AccountId,
        root: porchlight_core::PostId,
        last_post: porchlight_core::PostId,
    ) -> AppResult<()> {
        self.db
            .write(|tx| porchlight_db::conversations::hide(tx, member, root, last_post))?;
        Ok(())
    }

    /// Dismisses all the member's notifications.
    pub fn clear_notifications(&self, member: AccountId) -> AppResult<()> {
        self.db
            .write(|tx| social::clear_notifications(tx, member))?;
        Ok(())
    }
}

impl App {
    /// Where the member stopped reading their timelines.
    pub fn markers(&self, member: AccountId) -> AppResult<Vec<porchlight_db::oauth::Marker>> {
        Ok(self.db.read(|c| porchlight_db::oauth::markers(c, member))?)
    }

    /// Moves the member's marker on `timeline` (`home` or `notifications`) to `last_read_id`.
    pub fn set_marker(
        &self,
        member: AccountId,
        timeline: &str,
        last_read_id: &str,
    ) -> AppResult<()> {
        if !matches!(timeline, "home" | "notifications") {
            return Err(AppError::Invalid(format!(
                "\"{timeline}\" is not a timeline that keeps a marker (home or notifications)"
            )));
        }
        if last_read_id.is_empty()
            || last_read_id.len() > 30
            || !last_read_id.chars().all(|c| c.is_ascii_alphanumeric())
        {
            return Err(AppError::Invalid(
                "last_read_id must be a status or notification id".into(),
            ));
        }
        self.db
            .write(|tx| porchlight_db::oauth::set_marker(tx, member, timeline, last_read_id))?;
        Ok(())
    }
}
