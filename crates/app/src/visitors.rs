//! What visitors (people who are not logged in) may read of the world through the camp: the
//! camp's own public posts always; the public posts of people elsewhere only when a host opens
//! the Fediverse timeline to them. It is closed unless opened: a camp's site is its members'
//! place, and strangers' posts shown under its name are the host's to choose.

use porchlight_core::audience::Role;

use crate::members::require_acting;
use crate::{Acting, App, AppResult};

const FEDIVERSE_FOR_VISITORS: &str = "fediverse_for_visitors";

impl App {
    /// Whether visitors may read the Fediverse timeline (the page, and the API's public timeline
    /// beyond `local=true`).
    pub fn fediverse_open_to_visitors(&self) -> AppResult<bool> {
        Ok(self
            .db
            .read(|c| porchlight_db::get_setting(c, FEDIVERSE_FOR_VISITORS))?
            .as_deref()
            == Some("1"))
    }

    /// A host opens the Fediverse timeline to visitors, or closes it again.
    pub fn set_fediverse_for_visitors(&self, by: Acting, open: bool) -> AppResult<()> {
        self.db.write(|tx| -> AppResult<()> {
            require_acting(tx, by, Role::Host)?;
            porchlight_db::set_setting(tx, FEDIVERSE_FOR_VISITORS, if open { "1" } else { "0" })?;
            Ok(())
        })
    }
}
