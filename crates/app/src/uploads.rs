//! Pictures members upload: checked and stripped of where they were taken, stored, described,
//! then attached to a post (by the API's `media_ids` or the page's picture field).

use porchlight_core::AccountId;
use porchlight_core::media::{self, Focus, MediaError};
use porchlight_db::uploads::{self, NewUpload, Upload, UploadId};
use porchlight_pictures::{DisplayCopies, Kind, PictureError};

use crate::{App, AppError, AppResult};

impl From<MediaError> for AppError {
    fn from(e: MediaError) -> AppError {
        AppError::Invalid(e.to_string())
    }
}

impl From<PictureError> for AppError {
    fn from(e: PictureError) -> AppError {
        AppError::Invalid(e.to_string())
    }
}

/// What a member sends with a picture.
#[derive(Default)]
pub struct PictureDetails<'a> {
    /// The alt text.
    pub description: Option<&'a str>,
    /// `"x,y"`, from -1 to 1.
    pub focus: Option<&'a str>,
}

impl PictureDetails<'_> {
    /// The alt text and focus, checked; `None` where not given.
    pub(crate) fn checked(&self) -> AppResult<(Option<String>, Option<Focus>)> {
        let description = self.description.map(media::check_description).transpose()?;
        let focus = self
            .focus
            .filter(|f| !f.trim().is_empty())
            .map(media::parse_focus)
            .transpose()?;
        Ok((description, focus))
    }
}

impl App {
    /// Stores a picture to be posted; it waits a day for its post.
    pub fn upload_picture(
        &self,
        owner: AccountId,
        bytes: &[u8],
        details: &PictureDetails,
    ) -> AppResult<Upload> {
        let (description, focus) = details.checked()?;
        // The slow parts (reading the file, making its copies) happen before the write lock is
        // taken.
        let picture = porchlight_pictures::clean(bytes)?;
        let stem = self.random_token(16);
        let file_name = format!("{stem}.{}", picture.kind.extension());
        let copies = self.display_copies(&picture);
        self.db.write(|tx| {
            let now = porchlight_db::now();
            uploads::forget_waiting(tx, now - media::WAITING_UPLOAD_TTL)?;
            let id = uploads::insert(
                tx,
                &NewUpload {
                    account_id: owner,
                    file_name: &file_name,
                    media_type: picture.kind.media_type(),
                    width: picture.width,
                    height: picture.height,
                    description: description.as_deref().unwrap_or(""),
                    focus: focus.unwrap_or((0.0, 0.0)),
                    bytes: &picture.bytes,
                    now,
                },
            )?;
            for (size, copy) in [("small", &copies.small), ("large", &copies.large)] {
                if let Some(copy) = copy {
                    uploads::insert_copy(
                        tx,
                        &uploads::NewCopy {
                            upload_id: id,
                            size,
                            file_name: &format!("{stem}-{size}.{}", copy.kind.extension()),
                            media_type: copy.kind.media_type(),
                            width: copy.width,
                            height: copy.height,
                            bytes: &copy.bytes,
                        },
                    )?;
                }
            }
            if let Some(blurhash) = &copies.blurhash {
                uploads::set_blurhash(tx, id, blurhash)?;
            }
            uploads::own(tx, id, owner)?.ok_or(AppError::NotFound)
        })
    }

    /// A picture from elsewhere (fetched from `url`) as the camp keeps and shows it: without
    /// what it says about where it was taken, in the same display copies as a picture uploaded
    /// here. Its real size, and a blurhash where its server sent none, are written on the posts
    /// that carry it, so apps get them as for a camp picture. One the box cannot read is kept
    /// as it came (the proxy already checked its type and size).
    pub(crate) fn fit_picture_from_elsewhere(
        &self,
        url: &str,
        picture: porchlight_federation::media::Picture,
    ) -> porchlight_federation::media::Fitted {
        use porchlight_federation::media::{Fitted, Picture};
        let Ok(clean) = porchlight_pictures::clean(&picture.bytes) else {
            return Fitted {
                large: picture,
                small: None,
            };
        };
        let copies = self.display_copies(&clean);
        let shown = |copy: porchlight_pictures::copies::Copy| Picture {
            content_type: copy.kind.media_type().to_string(),
            bytes: copy.bytes,
        };
        let facts = self.db.write(|tx| {
            uploads::note_picture_from_elsewhere(
                tx,
                url,
                clean.width,
                clean.height,
                copies.blurhash.as_deref(),
            )
        });
        if let Err(e) = facts {
            // The picture is still shown; only its size and blurhash wait for the next fetch.
            log::warn!("could not note the size of a picture from elsewhere: {e}");
        }
        Fitted {
            small: copies.small.map(shown),
            large: copies.large.map(shown).unwrap_or_else(|| Picture {
                content_type: clean.kind.media_type().to_string(),
                bytes: clean.bytes,
            }),
        }
    }

    /// The display copies of a picture, made one picture at a time. A picture that cannot be
    /// decoded within the memory bound is still taken, and shown as it is.
    fn display_copies(&self, picture: &porchlight_pictures::Picture) -> DisplayCopies {
        let _one_at_a_time = self
            .picture_work
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        porchlight_pictures::display_copies(picture).unwrap_or_else(|e| {
            log::info!(
                "no display copies for a {}×{} {} picture: {e}",
                picture.width,
                picture.height,
                picture.kind.extension()
            );
            DisplayCopies::default()
        })
    }

    /// A member's own upload.
    pub fn own_upload(&self, owner: AccountId, id: UploadId) -> AppResult<Upload> {
        self.db
            .read(|c| uploads::own(c, id, owner))?
            .ok_or(AppError::NotFound)
    }

    /// Changes the alt text or focus of a picture not posted yet (what is not given stays).
    pub fn describe_upload(
        &self,
        owner: AccountId,
        id: UploadId,
        details: &PictureDetails,
    ) -> AppResult<Upload> {
        let (description, focus) = details.checked()?;
        self.db.write(|tx| {
            let current = uploads::own(tx, id, owner)?
                .filter(|u| u.post_id.is_none())
                .ok_or(AppError::NotFound)?;
            uploads::describe(
                tx,
                id,
                owner,
                None,
                description.as_deref().unwrap_or(&current.description),
                focus.unwrap_or(current.focus),
            )?;
            uploads::own(tx, id, owner)?.ok_or(AppError::NotFound)
        })
    }

    /// Deletes a picture not posted yet.
    pub fn delete_upload(&self, owner: AccountId, id: UploadId) -> AppResult<()> {
        self.db.write(|tx| {
            if uploads::delete_waiting(tx, id, owner)? {
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        })
    }

    /// The picture at `/files/NAME`: its type and bytes. The random name is the permission
    /// (as for Mastodon's files): servers that received the post fetch it without signing.
    pub fn file(&self, name: &str) -> AppResult<(Kind, Vec<u8>)> {
        let (media_type, bytes) = self
            .db
            .read(|c| uploads::file(c, name))?
            .ok_or(AppError::NotFound)?;
        let kind = Kind::from_media_type(&media_type).ok_or(AppError::NotFound)?;
        Ok((kind, bytes))
    }
}
