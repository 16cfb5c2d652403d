//! Updating the box from the host's page (docs/UPDATES.md): a release file the host uploads
//! is checked whole (signed by the release key built into the image, newer than what runs,
//! every file as its manifest says) before anything is written; then it is written into the
//! boot slot not in use, the database is copied, and the box restarts to try it. The trial,
//! the commit and the fall back are the box's (`porchlight_release::slots`, the binary and
//! the image's /init); this module shows how the last update ended.
//!
//! Only on the box: elsewhere (the Debian package, a development machine) there are no slots
//! and the page says how that installation is updated instead.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use porchlight_core::AccountId;
use porchlight_core::audience::Role;
use porchlight_release::slots::{self, Slot};
pub use porchlight_release::slots::{Phase, State};
pub use porchlight_release::{PublicKey, Version};

use crate::backups::capitalized;
use crate::{App, AppError, AppResult};

/// Where the update's state file and the uploaded release wait, under the data folder.
pub const UPDATE_FOLDER: &str = "update";
pub const STATE_FILE: &str = "update/state";

/// The box's side: where its slots are, the key it trusts, what it runs, and how it restarts.
pub struct BoxUpdates {
    /// The mounted boot partition (the firmware's FAT), holding `a/`, `b/` and `slot.txt`.
    pub boot: PathBuf,
    pub key: PublicKey,
    pub running: Version,
    /// Whether the key is the test key that ships in the repository (a development build).
    pub test_key: bool,
    /// Stops the server so that the box restarts into the update (set by the binary).
    pub restart: Arc<dyn Fn() + Send + Sync>,
    /// Makes the boot partition writable (true) or read-only again (false): the box keeps it
    /// read-only but while an update is written, so that a power cut finds it clean.
    boot_writable: Option<BootWritable>,
    work: Mutex<Work>,
}

type BootWritable = Arc<dyn Fn(bool) -> Result<(), String> + Send + Sync>;

impl BoxUpdates {
    pub fn new(
        boot: PathBuf,
        key: PublicKey,
        running: Version,
        test_key: bool,
        restart: Arc<dyn Fn() + Send + Sync>,
    ) -> BoxUpdates {
        BoxUpdates {
            boot,
            key,
            running,
            test_key,
            restart,
            boot_writable: None,
            work: Mutex::new(Work::Idle),
        }
    }

    /// With a way to make the boot partition writable while an update is written.
    pub fn with_boot_remount(mut self, remount: BootWritable) -> BoxUpdates {
        self.boot_writable = Some(remount);
        self
    }

    /// Runs `write` with the boot partition writable, and makes it read-only again after.
    fn writing_boot<T>(&self, write: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
        if let Some(remount) = &self.boot_writable {
            remount(true).map_err(|e| {
                format!("Could not write to the boot partition ({e}); nothing was changed.")
            })?;
        }
        let result = write();
        if let Some(remount) = &self.boot_writable
            && let Err(e) = remount(false)
        {
            log::warn!("the boot partition stays writable: {e}");
        }
        result
    }

    /// The slot the firmware starts now.
    pub fn committed(&self) -> Slot {
        std::fs::read_to_string(self.boot.join(slots::SLOT_FILE))
            .ok()
            .and_then(|text| slots::read_slot_txt(&text).0)
            .unwrap_or(Slot::A)
    }
}

/// What the update in hand is doing, while it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Work {
    Idle,
    Checking,
    Writing {
        done: u64,
        total: u64,
    },
    /// Refused or failed, with the sentence for the host; nothing was changed.
    Refused(String),
    /// Written; the box is restarting into it.
    Restarting {
        version: String,
    },
}

/// What the host's update page shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpdateView {
    /// Whether this installation updates from this page (the box) or otherwise.
    pub on_the_box: bool,
    pub running: String,
    pub key_fingerprint: Option<String>,
    pub test_key: bool,
    pub work: Work,
    pub last: Option<State>,
}

impl App {
    /// Makes the box's updates available (the binary, on the box).
    pub fn set_box_updates(&self, updates: BoxUpdates) {
        let _ = self.box_updates.set(Arc::new(updates));
    }

    fn update_state_path(&self) -> PathBuf {
        self.data_dir.join(STATE_FILE)
    }

    /// The host's view of updating: the version running, the update in hand, how the last
    /// one ended.
    pub fn update_view(&self, by: AccountId) -> AppResult<UpdateView> {
        self.read(|c| crate::members::require_role(c, by, Role::Host))?;
        let last = State::read(&self.update_state_path());
        Ok(match self.box_updates.get() {
            Some(updates) => UpdateView {
                on_the_box: true,
                running: updates.running.to_string(),
                key_fingerprint: Some(updates.key.fingerprint()),
                test_key: updates.test_key,
                work: updates.work.lock().map(|w| w.clone()).unwrap_or(Work::Idle),
                last,
            },
            None => UpdateView {
                on_the_box: false,
                running: env!("CARGO_PKG_VERSION").to_string(),
                key_fingerprint: None,
                test_key: false,
                work: Work::Idle,
                last,
            },
        })
    }

    /// How the last update ended, once, for the host's page: marks it seen.
    pub fn dismiss_update_news(&self, by: AccountId) -> AppResult<()> {
        self.read(|c| crate::members::require_role(c, by, Role::Host))?;
        let path = self.update_state_path();
        if let Some(mut state) = State::read(&path)
            && matches!(state.phase, Phase::Committed | Phase::FellBack)
        {
            state.seen = true;
            state.write(&path).map_err(|e| {
                AppError::Invalid(format!("Could not write {}: {e}.", path.display()))
            })?;
        }
        Ok(())
    }

    /// Takes a release file the host uploaded (on disk, in the spool): checks it and writes
    /// it on a thread of its own (the page follows its progress), then restarts the box into
    /// it. Refused at once when this is not the box or an update is already under way.
    pub fn start_update(self: &Arc<Self>, by: AccountId, upload: &Path) -> AppResult<()> {
        self.read(|c| crate::members::require_role(c, by, Role::Host))?;
        let Some(updates) = self.box_updates.get().cloned() else {
            return Err(AppError::Invalid(
                "This Porchlight is not the box: it is updated with its Debian package (apt or dpkg), not from this page.".into(),
            ));
        };
        let empty = std::fs::metadata(upload)
            .map(|m| m.len() == 0)
            .unwrap_or(true);
        if empty {
            return Err(AppError::Invalid(
                "Choose the release file to install.".into(),
            ));
        }
        if !slots::may_start_update(State::read(&self.update_state_path()).as_ref()) {
            return Err(AppError::Invalid(
                "An update is already waiting to be tried; the box restarts into it shortly."
                    .into(),
            ));
        }
        {
            let mut work = updates
                .work
                .lock()
                .map_err(|_| AppError::Invalid("Try again.".into()))?;
            if matches!(
                *work,
                Work::Checking | Work::Writing { .. } | Work::Restarting { .. }
            ) {
                return Err(AppError::Invalid(
                    "An update is already being written.".into(),
                ));
            }
            *work = Work::Checking;
        }
        let folder = self.data_dir.join(UPDATE_FOLDER);
        let release = folder.join("release.zip");
        let kept = std::fs::create_dir_all(&folder)
            .and_then(|_| crate::archive::keep_file(upload, &release));
        if let Err(e) = kept {
            set_work(
                &updates,
                Work::Refused(format!("Could not keep the file: {e}.")),
            );
            return Err(AppError::Invalid(format!("Could not keep the file: {e}.")));
        }
        let app = self.clone();
        std::thread::Builder::new()
            .name("update".into())
            .spawn(move || {
                let outcome = app.write_update(&updates, &release);
                let _ = std::fs::remove_file(&release);
                match outcome {
                    Ok(version) => {
                        log::warn!("update to Porchlight {version} written; restarting to try it");
                        set_work(&updates, Work::Restarting { version });
                        // Long enough for the page that follows the progress to say so.
                        std::thread::sleep(std::time::Duration::from_secs(2));
                        (updates.restart)();
                    }
                    Err(sentence) => {
                        log::warn!("update refused: {sentence}");
                        set_work(&updates, Work::Refused(sentence));
                    }
                }
            })
            .map_err(|e| AppError::Invalid(format!("Could not start the update: {e}.")))?;
        Ok(())
    }

    /// Checks, writes the slot not in use, copies the database, and records the update as
    /// pending; any failure leaves the committed slot and the state as they were.
    fn write_update(&self, updates: &BoxUpdates, release: &Path) -> Result<String, String> {
        let sentence = |e: porchlight_release::ReleaseError| {
            format!("{}; nothing was changed.", capitalized(&e.to_string()))
        };
        let manifest =
            porchlight_release::check(release, &updates.key, &updates.running).map_err(sentence)?;
        updates.writing_boot(|| self.write_checked(updates, release, manifest))
    }

    /// Writes a release [`porchlight_release::check`] passed (see [`App::write_update`]).
    fn write_checked(
        &self,
        updates: &BoxUpdates,
        release: &Path,
        manifest: porchlight_release::Manifest,
    ) -> Result<String, String> {
        let sentence = |e: porchlight_release::ReleaseError| {
            format!("{}; nothing was changed.", capitalized(&e.to_string()))
        };
        let committed = updates.committed();
        let target = updates.boot.join(committed.other().folder());
        let _ = std::fs::remove_dir_all(&target);
        let written = porchlight_release::extract(release, &updates.key, &target, |done, total| {
            set_work(updates, Work::Writing { done, total });
        });
        match written {
            // What was written is what was checked (the file is read twice).
            Ok(extracted) if extracted == manifest => {}
            Ok(_) => {
                let _ = std::fs::remove_dir_all(&target);
                return Err(
                    "The release file changed while it was being written; nothing was changed."
                        .into(),
                );
            }
            Err(e) => {
                let _ = std::fs::remove_dir_all(&target);
                return Err(sentence(e));
            }
        }
        let io = |what: &str, e: std::io::Error| {
            format!("Could not write {what}: {e}; the version running now is untouched.")
        };
        // The committed slot starts once more, on one processor, to hand over (see
        // `slots::UPDATE_CMDLINE`).
        let committed_folder = updates.boot.join(committed.folder());
        let cmdline = std::fs::read_to_string(committed_folder.join("cmdline.txt"))
            .map_err(|e| io("the boot partition", e))?;
        slots::write_atomically(
            &committed_folder.join(slots::UPDATE_CMDLINE),
            format!("{} nr_cpus=1\n", cmdline.trim()).as_bytes(),
        )
        .map_err(|e| io("the boot partition", e))?;
        let backup = format!(
            "backups/before-update-to-{}-{}.db",
            manifest.version,
            porchlight_db::now()
        );
        std::fs::create_dir_all(self.data_dir.join("backups")).map_err(|e| io("the backup", e))?;
        self.db
            .backup_to(&self.data_dir.join(&backup))
            .map_err(|e| {
                format!("Could not copy the database before updating: {e}; nothing was changed.")
            })?;
        // The one-start line first: alone (a failure or a power cut before the state is
        // written) it is harmless, the next start takes it out again. The state is last: once
        // it says pending, everything it needs is on the card.
        slots::write_atomically(
            &updates.boot.join(slots::SLOT_FILE),
            slots::slot_txt(committed, true).as_bytes(),
        )
        .map_err(|e| io("the boot partition", e))?;
        let state = State {
            phase: Phase::Pending,
            from: committed,
            from_version: updates.running.to_string(),
            to: committed.other(),
            version: manifest.version.to_string(),
            backup: Some(backup),
            reason: None,
            written_ms: now_ms(),
            started_ms: None,
            ended_ms: None,
            restored: false,
            seen: false,
        };
        if let Err(e) = state.write(&self.update_state_path()) {
            let _ = slots::write_atomically(
                &updates.boot.join(slots::SLOT_FILE),
                slots::slot_txt(committed, false).as_bytes(),
            );
            return Err(io("the update's state", e));
        }
        Ok(manifest.version.to_string())
    }
}

fn set_work(updates: &BoxUpdates, work: Work) {
    if let Ok(mut now) = updates.work.lock() {
        *now = work;
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
