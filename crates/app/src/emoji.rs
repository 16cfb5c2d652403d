//! Custom emoji: the host adds and removes the camp's own (`:campfire:`); a post records the
//! ones its text uses, so that pages, apps and other servers show them.

use porchlight_core::AccountId;
use porchlight_core::audience::Role;
use porchlight_core::emoji::{MAX_BYTES, check_shortcode, shortcodes_in};
use porchlight_db::emoji::{self, CampEmoji};
use porchlight_pictures::Kind;

use crate::{App, AppError, AppResult};

impl App {
    /// Adds a camp emoji (a host or a moderator): its picture is checked and cleaned as a
    /// post's would be, and at most 256 KB.
    pub fn add_emoji(&self, by: AccountId, shortcode: &str, bytes: &[u8]) -> AppResult<CampEmoji> {
        self.may_tend_emoji(by)?;
        let shortcode = check_shortcode(shortcode).map_err(AppError::Invalid)?;
        if bytes.len() > MAX_BYTES {
            return Err(AppError::Invalid(format!(
                "An emoji's picture can be at most {} KB; this one is {} KB.",
                MAX_BYTES / 1024,
                bytes.len().div_ceil(1024)
            )));
        }
        let picture = porchlight_pictures::clean(bytes)?;
        let emoji = CampEmoji {
            file_name: format!(
                "{shortcode}-{}.{}",
                self.random_token(4),
                picture.kind.extension()
            ),
            media_type: picture.kind.media_type().to_string(),
            shortcode,
        };
        self.db.write(|tx| {
            if !emoji::add(tx, &emoji, &picture.bytes, porchlight_db::now())? {
                return Err(AppError::Invalid(format!(
                    "There is already an emoji :{}:; remove it first to replace it.",
                    emoji.shortcode
                )));
            }
            Ok(emoji.clone())
        })
    }

    /// Removes a camp emoji (posts that used it show its shortcode as text).
    pub fn remove_emoji(&self, by: AccountId, shortcode: &str) -> AppResult<()> {
        self.may_tend_emoji(by)?;
        self.db.write(|tx| {
            if emoji::remove(tx, shortcode.trim_matches(':'))? {
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        })
    }

    /// The custom emoji of an account's name and bio, pointed at the pictures pages and apps
    /// show (this camp's copies of those from elsewhere).
    pub fn account_emojis(
        &self,
        account: AccountId,
    ) -> AppResult<Vec<porchlight_core::views::Emoji>> {
        let mut emojis = self
            .db
            .read(|c| emoji::of_accounts(c, &[account]))?
            .remove(&account)
            .unwrap_or_default();
        for e in &mut emojis {
            self.proxy_emoji(e);
        }
        Ok(emojis)
    }

    pub fn camp_emojis(&self) -> AppResult<Vec<CampEmoji>> {
        Ok(self.db.read(emoji::camp)?)
    }

    /// A camp emoji's picture, by its file name.
    pub fn emoji_file(&self, name: &str) -> AppResult<(Kind, Vec<u8>)> {
        let (media_type, bytes) = self
            .db
            .read(|c| emoji::file(c, name))?
            .ok_or(AppError::NotFound)?;
        let kind = Kind::from_media_type(&media_type).ok_or(AppError::NotFound)?;
        Ok((kind, bytes))
    }

    fn may_tend_emoji(&self, by: AccountId) -> AppResult<()> {
        match self.role_of(by)? {
            Some(Role::Host | Role::Moderator) => Ok(()),
            _ => Err(AppError::Forbidden(
                "Only a host or a moderator can change the camp's emoji.".into(),
            )),
        }
    }
}

/// The camp emoji a text uses, as (shortcode, path here).
pub(crate) fn used_in(
    conn: &porchlight_db::Connection,
    text: &str,
) -> porchlight_db::Result<Vec<(String, String)>> {
    let mut used = Vec::new();
    for code in shortcodes_in(text) {
        if let Some(found) = emoji::by_shortcode(conn, code)? {
            used.push((found.shortcode.clone(), found.path()));
        }
    }
    Ok(used)
}
