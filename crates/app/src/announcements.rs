//! Announcements: the hosts (or moderators) tell the whole camp something that stays on every
//! page until each member dismisses it; apps read them through Mastodon's announcements API,
//! with reactions.

use std::sync::atomic::Ordering;

use porchlight_core::AccountId;
use porchlight_core::audience::Role;
use porchlight_db::announcements::{self as store, Announcement};
use porchlight_db::now;

use crate::member_care::{actor_name, log};
use crate::members::require_acting;
use crate::{Acting, App, AppError, AppResult, bounded};

/// The most an announcement may say.
pub const MAX_ANNOUNCEMENT: usize = 1000;

/// Whether `name` can be a reaction as a unicode emoji: a few characters, none of them spaces
/// or controls, and plain ASCII only as the digit, `#` or `*` of a keycap (`1️⃣`). A camp
/// emoji's shortcode is a reaction too (`react_to_announcement` looks it up).
pub fn is_reaction(name: &str) -> bool {
    /// COMBINING ENCLOSING KEYCAP, which makes a keycap of the character before it.
    const KEYCAP: char = '\u{20E3}';
    let chars: Vec<char> = name.chars().collect();
    let keycap_base = |at: usize| {
        matches!(chars[at], '0'..='9' | '#' | '*')
            && match chars.get(at + 1) {
                Some(&KEYCAP) => true,
                Some('\u{FE0F}') => chars.get(at + 2) == Some(&KEYCAP),
                _ => false,
            }
    };
    (1..=8).contains(&chars.len())
        && chars.iter().any(|c| !c.is_ascii())
        && chars.iter().enumerate().all(|(at, c)| {
            !c.is_whitespace() && !c.is_control() && (!c.is_ascii() || keycap_base(at))
        })
}

impl App {
    pub fn announce(&self, by: Acting, text: &str) -> AppResult<i64> {
        let text = bounded("The announcement", text.trim(), MAX_ANNOUNCEMENT)?;
        if text.is_empty() {
            return Err(AppError::Invalid("Write what to announce.".into()));
        }
        let html = porchlight_core::text::render_post(&text, |_| false).html;
        self.db
            .write(|tx| {
                require_acting(tx, by, Role::Moderator)?;
                let author = match by {
                    Acting::Member(id) => id,
                    Acting::Shell => {
                        return Err(AppError::Forbidden("Announce from the page.".into()));
                    }
                };
                let id = store::insert(tx, &text, &html, author, now())?;
                log(tx, &actor_name(tx, by)?, "announced", "to the camp", &text)?;
                Ok(id)
            })
            .inspect(|_| self.announcements_up.store(true, Ordering::Relaxed))
    }

    /// The announcements `reader` has not dismissed, for the pages' banners: (id, HTML). No
    /// query at all while none is up.
    pub fn unread_announcements(
        &self,
        conn: &porchlight_db::Connection,
        reader: AccountId,
    ) -> AppResult<Vec<(i64, String)>> {
        if !self.announcements_up.load(Ordering::Relaxed) {
            return Ok(Vec::new());
        }
        Ok(store::unread(conn, reader)?)
    }

    pub fn withdraw_announcement(&self, by: Acting, id: i64) -> AppResult<()> {
        self.db
            .write(|tx| {
                require_acting(tx, by, Role::Moderator)?;
                if !store::delete(tx, id)? {
                    return Err(AppError::NotFound);
                }
                log(tx, &actor_name(tx, by)?, "withdrew an announcement", "", "")?;
                Ok(store::any(tx)?)
            })
            .map(|any| self.announcements_up.store(any, Ordering::Relaxed))
    }

    /// Every announcement as `reader` sees it (read or not, with reactions), newest first.
    pub fn announcements(&self, reader: AccountId) -> AppResult<Vec<Announcement>> {
        Ok(self.db.read(|c| store::list(c, reader))?)
    }

    pub fn dismiss_announcement(&self, reader: AccountId, id: i64) -> AppResult<()> {
        self.db.write(|tx| {
            if !store::exists(tx, id)? {
                return Err(AppError::NotFound);
            }
            store::dismiss(tx, id, reader)?;
            Ok(())
        })
    }

    pub fn react_to_announcement(
        &self,
        reader: AccountId,
        id: i64,
        name: &str,
        on: bool,
    ) -> AppResult<()> {
        self.db.write(|tx| {
            if !store::exists(tx, id)? {
                return Err(AppError::NotFound);
            }
            // Taking one back needs no check: it can only be one that was allowed.
            if on && !is_reaction(name) && porchlight_db::emoji::by_shortcode(tx, name)?.is_none() {
                return Err(AppError::Invalid(format!(
                    "\"{name}\" is not an emoji to react with."
                )));
            }
            store::react(tx, id, reader, name, on)?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reactions_are_emoji() {
        for (name, ok) in [
            ("👍", true),
            ("🎉", true),
            ("👩‍🚒", true),
            ("1\u{FE0F}\u{20E3}", true),
            ("#\u{FE0F}\u{20E3}", true),
            ("*\u{20E3}", true),
            ("12\u{20E3}", false),
            ("1\u{FE0F}", false),
            ("a\u{20E3}", false),
            ("", false),
            ("a", false),
            ("ok", false),
            ("👍 ", false),
            ("<b>", false),
            ("🎉🎉🎉🎉🎉🎉🎉🎉🎉", false),
        ] {
            assert_eq!(super::is_reaction(name), ok, "{name:?}");
        }
    }
}
