//! Backups that leave the card (docs/MOVING.md): the host downloads a fresh copy of the camp
//! sealed with a passphrase of their choosing (`sealed`), and a fresh box's setup page takes
//! one back, so that a dead card loses at most what happened since. A backup to restore is
//! opened and checked (sound, from this version or an earlier one, with a host) before
//! anything is replaced; it is then staged beside the database, and the binary puts it in place
//! as it starts again, keeping what it replaced.

use std::path::{Path, PathBuf};

use porchlight_core::AccountId;
use porchlight_core::audience::Role;

use crate::sealed::{self, SealError};
use crate::{App, AppError, AppResult};

/// Where sealed backups wait to be downloaded (only the newest is kept).
pub const SEALED_FOLDER: &str = "backups/sealed";
/// The backup staged to replace the database at the next start.
pub const STAGED_RESTORE: &str = "porchlight.db.restore";

fn sealing_error(e: SealError) -> AppError {
    match e {
        SealError::Io(e) => AppError::Invalid(format!("Could not write the backup: {e}.")),
        other => AppError::Invalid(format!("{}.", capitalized(&other.to_string()))),
    }
}

pub(crate) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl App {
    /// A fresh copy of the whole camp, sealed with the host's passphrase (typed twice), to
    /// download. Older sealed copies are deleted: the card keeps one.
    pub fn sealed_backup(
        &self,
        by: AccountId,
        passphrase: &str,
        again: &str,
    ) -> AppResult<PathBuf> {
        self.read(|c| crate::members::require_role(c, by, Role::Host))?;
        if passphrase != again {
            return Err(AppError::Invalid(
                "The two passphrases are not the same; nothing was made.".into(),
            ));
        }
        if passphrase.chars().count() < sealed::MIN_PASSPHRASE {
            return Err(sealing_error(SealError::WeakPassphrase));
        }
        let folder = self.data_dir.join(SEALED_FOLDER);
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder)
            .map_err(|e| AppError::Invalid(format!("Could not make {}: {e}.", folder.display())))?;
        let now = porchlight_db::now();
        let plain = folder.join(format!("camp-{now}.db.partial"));
        let target = folder.join(format!("camp-{now}.porchlight-backup"));
        self.db.backup_to(&plain)?;
        let sealed = sealed::seal(&plain, &target, passphrase);
        let _ = std::fs::remove_file(&plain);
        if let Err(e) = sealed {
            let _ = std::fs::remove_file(&target);
            return Err(sealing_error(e));
        }
        log::info!("a sealed backup was made for a host to download");
        Ok(target)
    }

    /// On a camp not set up yet (the setup link's `token`): checks a backup (the file sent
    /// with the form, on disk: sealed with `passphrase`, or a plain one from `porchlight backup`
    /// or the box's daily ones) and stages it to replace the database when the camp starts
    /// again. Nothing is replaced when anything about it is wrong.
    pub fn stage_restore(&self, token: &str, upload: &Path, passphrase: &str) -> AppResult<()> {
        if !self.setup_token_valid(token)? {
            return Err(AppError::Forbidden(
                "This setup link is not valid: the camp already has a host, or the link is old."
                    .into(),
            ));
        }
        let mut start = [0u8; 32];
        let read = std::fs::File::open(upload)
            .and_then(|mut f| std::io::Read::read(&mut f, &mut start))
            .unwrap_or(0);
        if read == 0 {
            return Err(AppError::Invalid(
                "Choose the backup file to restore.".into(),
            ));
        }
        let plain = self.data_dir.join("restore.db.partial");
        let result = (|| {
            if sealed::is_sealed(&start[..read]) {
                sealed::unseal(upload, &plain, passphrase).map_err(sealing_error)?;
            } else {
                crate::archive::keep_file(upload, &plain)
                    .map_err(|e| AppError::Invalid(format!("Could not keep the file: {e}.")))?;
            }
            porchlight_db::check_backup(&plain).map_err(|problem| {
                AppError::Invalid(format!("{}; nothing was changed.", capitalized(&problem)))
            })?;
            std::fs::rename(&plain, self.data_dir.join(STAGED_RESTORE))
                .map_err(|e| AppError::Invalid(format!("Could not stage the backup: {e}.")))?;
            // The link has done its work: nobody sets this camp up in the meantime.
            self.db
                .write(|tx| porchlight_db::delete_setting(tx, "setup_token_hash"))?;
            Ok(())
        })();
        let _ = std::fs::remove_file(&plain);
        result
    }
}

/// Whether a restore is staged in the data folder `data`.
pub fn staged_restore(data: &Path) -> Option<PathBuf> {
    let path = data.join(STAGED_RESTORE);
    path.is_file().then_some(path)
}
