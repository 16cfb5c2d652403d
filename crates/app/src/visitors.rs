//! What visitors (people who are not logged in) may read of the world through the camp's
//! timelines: the camp's own public posts always; the public posts of people elsewhere only when
//! a host opens the Fediverse timeline to them (the Fediverse page and hashtag pages, and the
//! apps' public and hashtag timelines). It is closed unless opened: a camp's site is its members'
//! place, and strangers' posts listed under its name are the host's to choose. (A single post or
//! profile from elsewhere, reached by its link, stays readable, as on Mastodon.)

use porchlight_core::audience::Role;
use porchlight_db::timeline::Query;

use crate::members::require_acting;
use crate::{Acting, App, AppResult};

const FEDIVERSE_FOR_VISITORS: &str = "fediverse_for_visitors";

impl App {
    /// Whether a host opened the Fediverse to visitors (see `timeline_for` for what it opens).
    pub fn fediverse_open_to_visitors(&self) -> AppResult<bool> {
        Ok(self
            .db
            .read(|c| porchlight_db::get_setting(c, FEDIVERSE_FOR_VISITORS))?
            .as_deref()
            == Some("1"))
    }

    /// The timeline a reader gets for the one asked for, or None when it is not for them (a
    /// visitor asking for what is from elsewhere while it is closed to visitors: they sign in).
    /// A hashtag gives visitors the camp's own posts with it.
    pub fn timeline_for(&self, signed_in: bool, asked: Query) -> AppResult<Option<Query>> {
        if signed_in || !matches!(asked, Query::Federated | Query::Public | Query::Hashtag(_)) {
            return Ok(Some(asked));
        }
        if self.fediverse_open_to_visitors()? {
            return Ok(Some(asked));
        }
        Ok(match asked {
            Query::Hashtag(tag) => Some(Query::LocalHashtag(tag)),
            _ => None,
        })
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
