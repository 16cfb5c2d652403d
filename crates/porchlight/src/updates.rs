//! The box's side of updates (docs/UPDATES.md): what the image's /init asks as the box starts
//! (`porchlight update at-start`: hand over to an update on trial, or record that one fell
//! back), the end of a trial that failed (`porchlight update fail-trial`), the commit of one
//! that stayed healthy, and putting the database back after falling back when the new version
//! had changed it. The decisions are `porchlight_release::slots`; this is their I/O.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use porchlight_app::updates::{BoxUpdates, Phase, PublicKey, State, Version};
use porchlight_release::slots::{self, AtStart, Slot};

/// Where the image mounts the boot partition.
pub const BOOT: &str = "/boot";
/// The release the image is, and the public half of the release key it trusts, written into
/// the initramfs by scripts/build-image.
pub const RELEASE_FILE: &str = "/etc/porchlight-release";
pub const KEY_FILE: &str = "/etc/porchlight-release-key";
/// The test key's public half, to say so on the host's page when a box trusts it.
const TEST_KEY: &str = include_str!("../../../image/release-keys/test.pub");
/// How long a trial must stay healthy before it is kept, unless the command line says
/// (`porchlight.trial_seconds=`).
pub const TRIAL_SECONDS: u64 = 300;
/// Where `at-start` leaves the command line for /init's kexec.
pub const KEXEC_CMDLINE: &str = "/run/porchlight/kexec-cmdline";
/// The exit status that asks /init to restart the box (into an update).
pub const EXIT_RESTART_BOX: u8 = 75;

fn state_path(data: &Path) -> PathBuf {
    data.join(porchlight_app::updates::STATE_FILE)
}

/// The release this box runs: the image's, or this binary's version elsewhere.
pub fn running_version() -> Version {
    std::fs::read_to_string(RELEASE_FILE)
        .ok()
        .and_then(|v| Version::parse(v.trim()).ok())
        .unwrap_or_else(|| Version::parse(env!("CARGO_PKG_VERSION")).expect("our own version"))
}

/// Updates from the host's page, when this is the box: its boot partition holds the slots,
/// and the image names the release key.
pub fn box_updates(restart: std::sync::Arc<dyn Fn() + Send + Sync>) -> Option<BoxUpdates> {
    let boot = PathBuf::from(BOOT);
    if !boot.join(slots::SLOT_FILE).is_file() {
        log::info!(
            "updates: no boot slots at {BOOT} (not the box's image), so none from the host's page"
        );
        return None;
    }
    let key = match PublicKey::read(Path::new(KEY_FILE)) {
        Ok(key) => key,
        Err(e) => {
            log::warn!("updates: {e}; the host's page cannot take updates");
            return None;
        }
    };
    let test_key = PublicKey::parse(TEST_KEY).is_ok_and(|test| test == key);
    if test_key {
        log::warn!("updates: this box trusts the TEST release key: a development build");
    }
    Some(
        BoxUpdates::new(boot, key, running_version(), test_key, restart)
            .with_boot_remount(Arc::new(|writable| remount_boot(Path::new(BOOT), writable))),
    )
}

/// Makes the mounted boot partition writable or read-only again. /init mounts it read-only:
/// a FAT mounted for writing is marked dirty until it is unmounted, and the box is switched off
/// by pulling the plug.
pub fn remount_boot(boot: &Path, writable: bool) -> Result<(), String> {
    use nix::mount::{MsFlags, mount};
    let mut flags = MsFlags::MS_REMOUNT | MsFlags::MS_NOATIME;
    if !writable {
        flags |= MsFlags::MS_RDONLY;
    }
    mount(None::<&str>, boot, None::<&str>, flags, None::<&str>)
        .map_err(|e| format!("cannot remount {}: {e}", boot.display()))
}

/// The value of `name=` on a kernel command line.
fn boot_parameter<'a>(cmdline: &'a str, name: &str) -> Option<&'a str> {
    cmdline
        .split_whitespace()
        .find_map(|word| word.strip_prefix(name)?.strip_prefix('='))
}

fn now_ms() -> i64 {
    porchlight_app::updates::now_ms()
}

/// `porchlight update at-start`, run by /init once the data partition is mounted. Prints what
/// /init is to do: `kexec DIR` (the command line to give is written to `kexec_cmdline`),
/// `trial SECONDS`, or nothing.
pub fn at_start(
    boot: &Path,
    data: &Path,
    cmdline: &str,
    problems: &Path,
    kexec_cmdline: &Path,
) -> Result<Option<String>, String> {
    let slot_file = boot.join(slots::SLOT_FILE);
    let (committed, update_start) = std::fs::read_to_string(&slot_file)
        .map(|text| slots::read_slot_txt(&text))
        .unwrap_or((None, false));
    let committed = committed.unwrap_or(Slot::A);
    let trial = boot_parameter(cmdline, "porchlight.trial").and_then(Slot::parse);
    let path = state_path(data);
    let state = State::read(&path);
    let write_state = |state: &State| {
        state
            .write(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    // The one-start command line is for one start only, whatever happens next.
    if update_start {
        slots::write_atomically(&slot_file, slots::slot_txt(committed, false).as_bytes())
            .map_err(|e| format!("cannot write {}: {e}", slot_file.display()))?;
    }
    let fall_back = |mut state: State, reason: String| -> Result<Option<String>, String> {
        state.phase = Phase::FellBack;
        state.reason = Some(reason);
        state.ended_ms = Some(now_ms());
        write_state(&state)?;
        tell_host_it_fell_back(&state, problems);
        Ok(None)
    };
    match slots::at_start(state.as_ref(), committed, update_start, trial) {
        AtStart::HandOver(to) => {
            let state = state.expect("a hand-over comes from a state");
            let folder = boot.join(to.folder());
            let theirs = match std::fs::read_to_string(folder.join("cmdline.txt")) {
                Ok(theirs) => theirs,
                Err(e) => return fall_back(state, format!("its slot has no command line ({e})")),
            };
            let mut state = state;
            let ours = std::fs::read_to_string(boot.join(committed.folder()).join("cmdline.txt"))
                .unwrap_or_default();
            state.phase = Phase::Trying;
            state.started_ms = Some(now_ms());
            write_state(&state)?;
            std::fs::write(
                kexec_cmdline,
                format!("{}\n", slots::trial_cmdline(&theirs, cmdline, &ours, to)),
            )
            .map_err(|e| format!("cannot write {}: {e}", kexec_cmdline.display()))?;
            Ok(Some(format!("kexec {}", folder.display())))
        }
        AtStart::OnTrial(_) => Ok(Some(format!("trial {}", seconds_on(cmdline)))),
        AtStart::FellBack(reason) => {
            fall_back(state.expect("falling back comes from a state"), reason)
        }
        AtStart::RecordCommitted => {
            let mut state = state.expect("a commit comes from a state");
            state.phase = Phase::Committed;
            state.ended_ms = Some(now_ms());
            write_state(&state)?;
            Ok(None)
        }
        AtStart::StrayTrial => {
            log::warn!(
                "started as a trial the update's state does not know: running, never committing"
            );
            Ok(None)
        }
        AtStart::Usual => {
            if let Some(state) = &state
                && state.phase == Phase::FellBack
                && !state.seen
            {
                tell_host_it_fell_back(state, problems);
            }
            Ok(None)
        }
    }
}

/// The lights and the box's report say it until the host has seen the update page.
fn tell_host_it_fell_back(state: &State, problems: &Path) {
    use std::io::Write;
    let line = format!(
        "update-fell-back The new version ({}) did not start; the box is back on {}, and nothing was lost. The host's page, Updating Porchlight, says what happened.\n",
        state.version, state.from_version
    );
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(problems)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        log::warn!("cannot write {}: {e}", problems.display());
    }
}

/// `porchlight update fail-trial`: /init ends a trial that did not commit (Porchlight kept
/// stopping, or the trial ran out of time). True if there was a trial to end.
pub fn fail_trial(data: &Path, reason: &str) -> Result<bool, String> {
    let path = state_path(data);
    match State::read(&path) {
        Some(mut state) if state.phase == Phase::Trying => {
            state.phase = Phase::Failed;
            state.reason = Some(reason.to_string());
            state.ended_ms = Some(now_ms());
            state
                .write(&path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Keeps the trial running now: its slot becomes the one the firmware starts. Called once the
/// health check has passed for the whole trial.
pub fn commit(boot: &Path, data: &Path, trial: Slot) -> Result<Version, String> {
    let path = state_path(data);
    let mut state = State::read(&path)
        .filter(|s| s.phase == Phase::Trying && s.to == trial)
        .ok_or("no trial of this slot to keep")?;
    let slot_file = boot.join(slots::SLOT_FILE);
    // Only onto the boot partition itself: a /boot that is not mounted is a folder in RAM,
    // and a commit written there would be lost while the state said it was kept.
    if !is_mount_point(boot) || !slot_file.is_file() {
        return Err(format!(
            "{} is not the mounted boot partition; the trial is not kept",
            boot.display()
        ));
    }
    remount_boot(boot, true)?;
    let written = slots::write_atomically(&slot_file, slots::slot_txt(trial, false).as_bytes());
    let _ = std::fs::remove_file(boot.join(state.from.folder()).join(slots::UPDATE_CMDLINE));
    if let Err(e) = remount_boot(boot, false) {
        log::warn!("the boot partition stays writable: {e}");
    }
    written.map_err(|e| format!("cannot write {}: {e}", slot_file.display()))?;
    state.phase = Phase::Committed;
    state.ended_ms = Some(now_ms());
    state
        .write(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Version::parse(&state.version).map_err(|e| e.to_string())
}

/// Whether `path` is where a file system is mounted (its device differs from its parent's).
fn is_mount_point(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let parent = path.parent().unwrap_or(Path::new("/"));
    match (std::fs::metadata(path), std::fs::metadata(parent)) {
        (Ok(it), Ok(parent)) => it.dev() != parent.dev(),
        _ => false,
    }
}

/// After falling back, before the camp opens: when the new version had changed the database
/// past what this one reads, it is put aside (kept whole beside it) and the copy taken just
/// before the update goes back in place. A database this version reads is left as it is, with
/// whatever was written during the trial. The copy is in place beside it before anything is
/// moved, so a power cut at any point leaves a database or finishes the swap at the next start.
pub fn restore_after_falling_back(data: &Path) -> Result<(), String> {
    let path = state_path(data);
    let Some(state) = State::read(&path) else {
        return Ok(());
    };
    if state.phase != Phase::FellBack || state.restored {
        return Ok(());
    }
    let db = data.join("porchlight.db");
    let restoring = data.join("porchlight.db.restoring");
    let mark_restored = |mut state: State| {
        state.restored = true;
        state
            .write(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    if !db.exists() && restoring.is_file() {
        // Cut short after the changed database was put aside: finish.
        std::fs::rename(&restoring, &db)
            .map_err(|e| format!("cannot put the copy from before the update back: {e}"))?;
        return mark_restored(state);
    }
    if !db.exists() || !porchlight_app::db::schema_is_newer(&db)? {
        return Ok(());
    }
    let backup = state
        .backup
        .as_ref()
        .map(|b| data.join(b))
        .filter(|b| b.is_file())
        .ok_or("the database was changed by the new version and the copy from before the update is missing")?;
    let aside = format!(
        "porchlight.db.from-{}-{}",
        state.version,
        porchlight_app::db::now()
    );
    let partial = data.join("porchlight.db.restoring.partial");
    std::fs::copy(&backup, &partial)
        .and_then(|_| std::fs::File::open(&partial)?.sync_all())
        .and_then(|()| std::fs::rename(&partial, &restoring))
        .map_err(|e| {
            let _ = std::fs::remove_file(&partial);
            format!("cannot copy the database from before the update (nothing was moved): {e}")
        })?;
    put_aside(data, &aside)?;
    std::fs::rename(&restoring, &db)
        .map_err(|e| format!("cannot put the copy from before the update back: {e}"))?;
    if let Ok(folder) = std::fs::File::open(data) {
        let _ = folder.sync_all();
    }
    let version = state.version.clone();
    mark_restored(state)?;
    log::warn!(
        "the update to {version} had changed the database; the copy from before it is back, and the changed one is kept as {aside}"
    );
    Ok(())
}

/// Moves the database's files (with its write-ahead log, so that it stays whole) to `name`
/// beside it: for a database this version cannot open, which is kept, never deleted.
pub fn put_aside(data: &Path, name: &str) -> Result<(), String> {
    for suffix in ["", "-wal", "-shm"] {
        let from = data.join(format!("porchlight.db{suffix}"));
        if from.exists() {
            std::fs::rename(&from, data.join(format!("{name}{suffix}")))
                .map_err(|e| format!("cannot put {} aside: {e}", from.display()))?;
        }
    }
    Ok(())
}

/// The trial slot this start runs, if it is a trial (its command line says so).
pub fn trial_slot() -> Option<Slot> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").ok()?;
    boot_parameter(&cmdline, "porchlight.trial").and_then(Slot::parse)
}

/// How long this start's trial lasts.
pub fn trial_seconds() -> u64 {
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    seconds_on(&cmdline)
}

fn seconds_on(cmdline: &str) -> u64 {
    boot_parameter(cmdline, "porchlight.trial_seconds")
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(TRIAL_SECONDS)
}

/// The trial's thread: commits once `healthy` has passed for `seconds` without a failure in
/// between (a failure starts the count again; /init ends a trial that never gets there).
pub fn keep_when_healthy(
    slot: Slot,
    seconds: u64,
    data: &Path,
    over: &std::sync::atomic::AtomicBool,
    healthy: impl Fn() -> Result<(), String>,
) {
    let boot = Path::new(BOOT);
    let mut since: Option<std::time::Instant> = None;
    log::info!("update on trial: kept once healthy for {seconds} s");
    let still_on_trial =
        || State::read(&state_path(data)).is_some_and(|s| s.phase == Phase::Trying && s.to == slot);
    while !over.load(std::sync::atomic::Ordering::SeqCst) && still_on_trial() {
        match healthy() {
            Ok(()) => {
                let start = *since.get_or_insert_with(std::time::Instant::now);
                if start.elapsed().as_secs() >= seconds {
                    match commit(boot, data, slot) {
                        Ok(version) => {
                            log::warn!(
                                "update committed: Porchlight {version} is the box's system now"
                            );
                            return;
                        }
                        Err(e) => log::error!("cannot keep the update: {e}"),
                    }
                }
            }
            Err(e) => {
                log::warn!("update on trial: the health check failed ({e}); counting again");
                since = None;
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}
