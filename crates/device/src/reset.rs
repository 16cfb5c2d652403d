//! Restoring factory settings, safely: a backup is written first, and a journal file records how
//! far the reset got, so a power cut at any moment either finishes the reset on the next boot
//! (if the backup was complete) or rolls it back (if it was not). Nothing is erased before a
//! complete backup exists.

use std::io::Write;
use std::path::{Path, PathBuf};

const JOURNAL: &str = "factory-reset.journal";
/// What the data folder keeps through a factory reset: the backups, the journal itself, and
/// the last time known to be right (it belongs to the box, not to the camp).
const KEPT: &[&str] = &["backups", JOURNAL, "clock-floor"];

/// How far a reset got, as written in the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// The backup is being written to this file.
    BackingUp(PathBuf),
    /// The backup is complete; the camp's data is being erased.
    Erasing(PathBuf),
}

fn write_journal(data: &Path, stage: &Stage) -> std::io::Result<()> {
    let text = match stage {
        Stage::BackingUp(p) => format!("backing-up\n{}\n", p.display()),
        Stage::Erasing(p) => format!("erasing\n{}\n", p.display()),
    };
    let temporary = data.join(format!("{JOURNAL}.new"));
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, data.join(JOURNAL))?;
    sync_dir(data)
}

fn read_journal(data: &Path) -> std::io::Result<Option<Stage>> {
    let text = match std::fs::read_to_string(data.join(JOURNAL)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut lines = text.lines();
    let stage = lines.next().unwrap_or("");
    let path = PathBuf::from(lines.next().unwrap_or(""));
    Ok(match stage {
        "erasing" => Some(Stage::Erasing(path)),
        // Anything else (a torn write cannot happen: the journal is renamed into place) is
        // treated as the earlier, safer stage.
        _ => Some(Stage::BackingUp(path)),
    })
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// What a reset did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Everything but the backups is gone; the backup is here.
    Reset { backup: PathBuf },
    /// An interrupted reset was undone; nothing was erased.
    RolledBack,
    /// No reset was in progress.
    Nothing,
}

/// Restores factory settings in `data`: `backup` writes a complete backup to the path it is
/// given (and fails if it cannot); only then is the rest of the folder erased. `now` names the
/// backup file.
pub fn factory_reset(
    data: &Path,
    now: i64,
    backup: impl FnOnce(&Path) -> std::io::Result<()>,
) -> std::io::Result<Outcome> {
    let backups = data.join("backups");
    std::fs::create_dir_all(&backups)?;
    let target = backups.join(format!("before-factory-reset-{now}.db"));
    write_journal(data, &Stage::BackingUp(target.clone()))?;
    if let Err(e) = backup(&target) {
        // No backup, no reset.
        let _ = std::fs::remove_file(&target);
        std::fs::remove_file(data.join(JOURNAL))?;
        return Err(e);
    }
    std::fs::File::open(&target)?.sync_all()?;
    write_journal(data, &Stage::Erasing(target.clone()))?;
    erase(data)?;
    Ok(Outcome::Reset { backup: target })
}

fn erase(data: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(data)? {
        let entry = entry?;
        let name = entry.file_name();
        if KEPT.iter().any(|k| name == *k) {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    sync_dir(data)?;
    std::fs::remove_file(data.join(JOURNAL))?;
    sync_dir(data)
}

/// At start-up, before the database is opened: finishes or undoes a reset a power cut
/// interrupted.
pub fn recover(data: &Path) -> std::io::Result<Outcome> {
    match read_journal(data)? {
        None => Ok(Outcome::Nothing),
        Some(Stage::BackingUp(partial)) => {
            // The backup may be incomplete: drop it; the data was never touched.
            if partial.starts_with(data.join("backups")) {
                let _ = std::fs::remove_file(&partial);
            }
            std::fs::remove_file(data.join(JOURNAL))?;
            sync_dir(data)?;
            Ok(Outcome::RolledBack)
        }
        Some(Stage::Erasing(backup)) => {
            erase(data)?;
            Ok(Outcome::Reset { backup })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn camp(dir: &Path) {
        std::fs::write(dir.join("porchlight.db"), b"the camp").unwrap();
        std::fs::write(dir.join("porchlight.db-wal"), b"recent").unwrap();
        std::fs::create_dir_all(dir.join("media-cache")).unwrap();
        std::fs::write(dir.join("media-cache/x"), b"pic").unwrap();
    }

    fn copy_db(data: &Path) -> impl FnOnce(&Path) -> std::io::Result<()> + '_ {
        move |to: &Path| std::fs::copy(data.join("porchlight.db"), to).map(|_| ())
    }

    #[test]
    fn a_reset_keeps_a_backup_and_erases_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        camp(dir.path());
        let outcome = factory_reset(dir.path(), 1000, copy_db(dir.path())).unwrap();
        let Outcome::Reset { backup } = outcome else {
            panic!()
        };
        assert_eq!(std::fs::read(&backup).unwrap(), b"the camp");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec!["backups"]);
        assert_eq!(recover(dir.path()).unwrap(), Outcome::Nothing);
    }

    #[test]
    fn no_backup_no_reset() {
        let dir = tempfile::tempdir().unwrap();
        camp(dir.path());
        let failed = factory_reset(dir.path(), 1000, |_| {
            Err(std::io::Error::other("disk full"))
        });
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read(dir.path().join("porchlight.db")).unwrap(),
            b"the camp"
        );
        assert!(!dir.path().join(JOURNAL).exists());
    }

    #[test]
    fn a_power_cut_while_backing_up_rolls_back() {
        let dir = tempfile::tempdir().unwrap();
        camp(dir.path());
        let partial = dir.path().join("backups/before-factory-reset-5.db");
        std::fs::create_dir_all(dir.path().join("backups")).unwrap();
        std::fs::write(&partial, b"the ca").unwrap();
        write_journal(dir.path(), &Stage::BackingUp(partial.clone())).unwrap();
        // … power cut; next boot:
        assert_eq!(recover(dir.path()).unwrap(), Outcome::RolledBack);
        assert!(!partial.exists());
        assert_eq!(
            std::fs::read(dir.path().join("porchlight.db")).unwrap(),
            b"the camp"
        );
        assert_eq!(recover(dir.path()).unwrap(), Outcome::Nothing);
    }

    #[test]
    fn a_power_cut_while_erasing_finishes_the_reset() {
        let dir = tempfile::tempdir().unwrap();
        camp(dir.path());
        let backup = dir.path().join("backups/before-factory-reset-5.db");
        std::fs::create_dir_all(dir.path().join("backups")).unwrap();
        std::fs::write(&backup, b"the camp").unwrap();
        write_journal(dir.path(), &Stage::Erasing(backup.clone())).unwrap();
        // Half erased when the power went.
        std::fs::remove_file(dir.path().join("porchlight.db-wal")).unwrap();
        assert_eq!(
            recover(dir.path()).unwrap(),
            Outcome::Reset {
                backup: backup.clone()
            }
        );
        assert!(!dir.path().join("porchlight.db").exists());
        assert_eq!(std::fs::read(&backup).unwrap(), b"the camp");
    }
}
