//! Faces and the camp's look: a member's avatar and header, cut on the box and stripped of
//! where they were taken as every upload is; the host's accent colour, header picture, short
//! description and about page, which the pages, the instance API and NodeInfo all read.

use porchlight_core::AccountId;
use porchlight_core::audience::Role;
use porchlight_core::look;
use porchlight_db::uploads::{self, NewProfilePicture, ProfileRole};

use crate::members::require_role;
use crate::{App, AppError, AppResult};

pub use porchlight_core::views::CampLook;

pub fn camp_look(conn: &porchlight_db::Connection) -> AppResult<CampLook> {
    let setting = |key| -> AppResult<String> {
        Ok(porchlight_db::get_setting(conn, key)?.unwrap_or_default())
    };
    Ok(CampLook {
        accent: setting("accent")?,
        description: setting("description")?,
        about: setting("about")?,
        header: uploads::camp_picture(conn, ProfileRole::Header)?,
        updated_at: porchlight_db::get_setting(conn, "look_updated_at")?
            .and_then(|t| t.parse().ok()),
    })
}

fn cut(role: ProfileRole, bytes: &[u8]) -> AppResult<porchlight_pictures::Copy> {
    let picture = porchlight_pictures::clean(bytes)?;
    if !matches!(
        picture.kind,
        porchlight_pictures::Kind::Jpeg | porchlight_pictures::Kind::Png
    ) {
        return Err(AppError::Invalid(format!(
            "Avatars and headers are cut from JPEG or PNG pictures; this one is a {}.",
            picture.kind.extension().to_uppercase()
        )));
    }
    Ok(match role {
        ProfileRole::Avatar => porchlight_pictures::avatar(&picture)?,
        ProfileRole::Header => porchlight_pictures::header(&picture)?,
    })
}

/// Stores a cut picture in place of the one before (`None`: the camp's own).
fn store(
    tx: &porchlight_db::Connection,
    account: Option<AccountId>,
    role: ProfileRole,
    copy: &porchlight_pictures::Copy,
    file_name: &str,
) -> AppResult<String> {
    Ok(uploads::set_profile_picture(
        tx,
        &NewProfilePicture {
            account_id: account,
            role,
            file_name,
            media_type: copy.kind.media_type(),
            width: copy.width,
            height: copy.height,
            bytes: &copy.bytes,
            now: porchlight_db::now(),
        },
    )?)
}

/// A member's pictures changed: servers that follow them are sent their actor again.
fn tell_followers(
    tx: &porchlight_db::Connection,
    fed: Option<&porchlight_federation::Identity>,
    member: AccountId,
) -> AppResult<()> {
    if let Some(me) = fed {
        porchlight_federation::outbox::profile_updated(tx, me, member, porchlight_db::now())?;
    }
    Ok(())
}

impl App {
    /// The camp's look, for every page and the instance API.
    pub fn camp_look(&self) -> AppResult<CampLook> {
        self.db.read(camp_look)
    }

    /// Cuts `bytes` to an avatar or header (one picture at a time); a picture the box cannot
    /// decode within its memory bound is refused with a reason, nothing stored.
    fn cut_picture(&self, role: ProfileRole, bytes: &[u8]) -> AppResult<porchlight_pictures::Copy> {
        let _one_at_a_time = self
            .picture_work
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        cut(role, bytes).map_err(|e| match e {
            AppError::Invalid(reason) => AppError::Invalid(format!(
                "{reason} (A profile picture is cut on the box: it must be a picture it can read, \
                 of at most about 12 megapixels unless it is a JPEG.)"
            )),
            other => other,
        })
    }

    /// A member's new avatar, header, or both: both are cut before either is stored, so a
    /// refused one changes nothing. Servers that follow them hear of it.
    pub fn set_profile_pictures(
        &self,
        member: AccountId,
        avatar: Option<&[u8]>,
        header: Option<&[u8]>,
    ) -> AppResult<()> {
        if avatar.is_none() && header.is_none() {
            return Err(AppError::Invalid("Choose a picture first.".into()));
        }
        let mut cut = Vec::new();
        for (role, bytes) in [(ProfileRole::Avatar, avatar), (ProfileRole::Header, header)] {
            if let Some(bytes) = bytes {
                let copy = self.cut_picture(role, bytes)?;
                let file_name = format!("{}.{}", self.random_token(16), copy.kind.extension());
                cut.push((role, copy, file_name));
            }
        }
        self.write_and_send(|tx, fed| {
            for (role, copy, file_name) in &cut {
                store(tx, Some(member), *role, copy, file_name)?;
            }
            tell_followers(tx, fed, member)
        })
    }

    /// Goes back to the generated avatar, or to no header.
    pub fn remove_profile_picture(&self, member: AccountId, role: ProfileRole) -> AppResult<()> {
        self.write_and_send(|tx, fed| {
            if uploads::remove_profile_picture(tx, Some(member), role)? {
                tell_followers(tx, fed, member)?;
            }
            Ok(())
        })
    }

    /// The host sets the camp's look: everything is checked (and a new header cut) before
    /// anything is stored, then stored in one transaction.
    pub fn set_camp_look(&self, by: AccountId, change: &LookChange) -> AppResult<()> {
        let accent = if change.accent.trim().is_empty() {
            String::new()
        } else {
            look::parse_accent(change.accent).map_err(AppError::Invalid)?
        };
        let description = crate::bounded(
            "The camp's description",
            change.description,
            look::MAX_DESCRIPTION,
        )?;
        let about = crate::bounded("The about page", change.about, look::MAX_ABOUT)?;
        let zone = change.zone.trim();
        if !zone.is_empty() && !porchlight_core::events::zone_known(zone) {
            return Err(AppError::Invalid(format!(
                "\"{zone}\" is not a time zone this camp knows."
            )));
        }
        let header = match change.header {
            HeaderChange::New(bytes) => {
                let copy = self.cut_picture(ProfileRole::Header, bytes)?;
                let file_name = format!("{}.{}", self.random_token(16), copy.kind.extension());
                Some((copy, file_name))
            }
            _ => None,
        };
        self.db.write(|tx| {
            let me = require_role(tx, by, Role::Host)?;
            porchlight_db::set_setting(tx, "accent", &accent)?;
            porchlight_db::set_setting(tx, "description", description.trim())?;
            porchlight_db::set_setting(tx, "about", about.trim())?;
            porchlight_db::set_setting(tx, "look_updated_at", &porchlight_db::now().to_string())?;
            if !zone.is_empty() {
                porchlight_db::set_setting(tx, "time_zone", zone)?;
            }
            match (&header, change.header) {
                (Some((copy, file_name)), _) => {
                    store(tx, None, ProfileRole::Header, copy, file_name)?;
                }
                (None, HeaderChange::Remove) => {
                    uploads::remove_profile_picture(tx, None, ProfileRole::Header)?;
                }
                _ => {}
            }
            crate::member_care::log(
                tx,
                &format!("@{}", me.username),
                "changed",
                "the camp's look",
                "",
            )?;
            Ok(())
        })
    }
}

/// What the host's look form changes.
pub struct LookChange<'a> {
    /// `#rrggbb` (or `#rgb`); empty for the pages' own.
    pub accent: &'a str,
    pub description: &'a str,
    pub about: &'a str,
    /// An IANA zone; empty leaves it.
    pub zone: &'a str,
    pub header: HeaderChange<'a>,
}

/// What becomes of the camp's header picture.
#[derive(Clone, Copy)]
pub enum HeaderChange<'a> {
    Keep,
    Remove,
    New(&'a [u8]),
}

/// The generated avatar for a handle, as a PNG (served at `/avatars/{handle}.png`). Any
/// handle gets one: it is drawn, not looked up, so it tells nothing of who is here.
pub fn generated_avatar(handle: &str) -> Vec<u8> {
    porchlight_pictures::generated::avatar_png(handle)
}
