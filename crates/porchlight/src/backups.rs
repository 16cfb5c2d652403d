//! Backups in the data folder's `backups/`: named `porchlight-MILLISECONDS.db`, so that they sort
//! by age, made by `porchlight backup --to FOLDER` and, on the box, once a day by itself (the
//! host of a box has no terminal to run the command from). Other files there (the backup taken
//! before a factory reset, say) are never touched.

use std::path::{Path, PathBuf};

use porchlight_app::App;

/// How many daily backups the box keeps.
pub const DAILY_KEPT: usize = 3;
/// How often the box makes one.
pub const DAY_MS: i64 = 24 * 3600 * 1000;

/// The `porchlight-TIME.db` backups in `dir`, oldest first.
pub fn list(dir: &Path) -> Vec<(i64, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut backups: Vec<(i64, PathBuf)> = entries
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_str()?;
            let time = name
                .strip_prefix("porchlight-")?
                .strip_suffix(".db")?
                .parse()
                .ok()?;
            Some((time, path))
        })
        .collect();
    backups.sort();
    backups
}

/// Keeps the newest `keep` backups in `dir`; returns the ones it removed.
pub fn prune(dir: &Path, keep: usize) -> Result<Vec<PathBuf>, String> {
    let backups = list(dir);
    let excess = backups.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for (_, old) in backups.into_iter().take(excess) {
        std::fs::remove_file(&old).map_err(|e| format!("cannot remove {}: {e}", old.display()))?;
        removed.push(old);
    }
    Ok(removed)
}

/// Whether a daily backup is due: none yet, or the newest is a day old (or from the future,
/// which a clock set wrong at the time would leave).
pub fn due(newest: Option<i64>, now_ms: i64) -> bool {
    match newest {
        None => true,
        Some(at) => now_ms - at >= DAY_MS || at > now_ms + DAY_MS,
    }
}

/// Makes today's backup if one is due, written whole or not at all (to a `.partial` file, synced,
/// then renamed), then keeps the newest [`DAILY_KEPT`]. Refuses, with the reason, when the card
/// has too little room: a backup must never be what fills it.
pub fn daily(app: &App, data: &Path, now_ms: i64) -> Result<Option<PathBuf>, String> {
    let dir = data.join("backups");
    if !due(list(&dir).last().map(|b| b.0), now_ms) {
        return Ok(None);
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    let size: u64 = ["porchlight.db", "porchlight.db-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(data.join(f)).ok())
        .map(|m| m.len())
        .sum();
    if let Ok(space) = nix::sys::statvfs::statvfs(&dir) {
        let free = space.blocks_available() * space.fragment_size();
        // Room for the copy, and as much again left over for the camp to grow into.
        if free < 2 * size + 64 * 1024 * 1024 {
            return Err(format!(
                "no room on the card for today's backup ({} MB free, the camp is {} MB)",
                free / 1_000_000,
                size / 1_000_000
            ));
        }
    }
    let target = dir.join(format!("porchlight-{now_ms}.db"));
    let partial = dir.join(format!("porchlight-{now_ms}.db.partial"));
    let _ = std::fs::remove_file(&partial);
    let written = app
        .backup_to(&partial)
        .map_err(|e| e.to_string())
        .and_then(|()| {
            std::fs::File::open(&partial)
                .and_then(|f| f.sync_all())
                .and_then(|()| std::fs::rename(&partial, &target))
                .and_then(|()| std::fs::File::open(&dir)?.sync_all())
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(format!("could not write {}: {e}", target.display()));
    }
    for old in prune(&dir, DAILY_KEPT)? {
        log::info!("removed the old backup {}", old.display());
    }
    Ok(Some(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backup_is_due_once_a_day() {
        let now = 1_800_000_000_000;
        let cases = [
            (None, true),
            (Some(now - 1000), false),
            (Some(now - DAY_MS + 1), false),
            (Some(now - DAY_MS), true),
            (Some(now - 10 * DAY_MS), true),
            (Some(now + 3600 * 1000), false),
            (Some(now + 2 * DAY_MS), true),
        ];
        for (newest, expected) in cases {
            assert_eq!(due(newest, now), expected, "{newest:?}");
        }
    }

    /// A day's backup is a whole camp; a second one the same day is not made; after four days
    /// three are kept, and no `.partial` file is left behind.
    #[test]
    fn daily_backups_are_whole_once_a_day_and_the_newest_three_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let app = App::open(&data, porchlight_app::Limits::default()).unwrap();
        app.issue_setup_token().unwrap();
        let day0 = 1_800_000_000_000;
        let first = daily(&app, &data, day0).unwrap().expect("the first backup");
        let copy = porchlight_app::db::Db::open(&first).unwrap();
        assert_eq!(copy.integrity_check().unwrap(), "ok");
        drop(copy);
        assert_eq!(daily(&app, &data, day0 + 3600 * 1000).unwrap(), None);
        for day in 1..=3 {
            assert!(daily(&app, &data, day0 + day * DAY_MS).unwrap().is_some());
        }
        let kept: Vec<i64> = list(&data.join("backups")).iter().map(|b| b.0).collect();
        assert_eq!(kept, [day0 + DAY_MS, day0 + 2 * DAY_MS, day0 + 3 * DAY_MS]);
        let partial = std::fs::read_dir(data.join("backups")).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".partial")
        });
        assert!(!partial);
    }

    #[test]
    fn pruning_keeps_the_newest_and_leaves_other_files_alone() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "porchlight-100.db",
            "porchlight-300.db",
            "porchlight-200.db",
            "before-factory-reset-5.db",
            "porchlight-400.db.partial",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let removed = prune(dir.path(), 2).unwrap();
        assert_eq!(removed, vec![dir.path().join("porchlight-100.db")]);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                "before-factory-reset-5.db",
                "porchlight-200.db",
                "porchlight-300.db",
                "porchlight-400.db.partial"
            ]
        );
    }
}
