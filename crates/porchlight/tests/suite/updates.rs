//! The box's side of updates, through the real binary with folders standing in for the boot
//! partition and the data partition (docs/UPDATES.md): what `/init` is told at each start
//! (`porchlight update at-start`), the end of a trial (`update fail-trial`), the report to the
//! host when the box fell back, the database put back when the new version had migrated it,
//! and release files made, checked and refused from the command line. The same steps on the
//! image, with kexec and restarts, are in `image.rs`.

use std::path::Path;

use porchlight_release::slots::{self, Phase, Slot, State};

use crate::common::{Server, ok, porchlight, porchlight_command, text};

const PASSWORD: &str = "a long enough password";

/// A boot partition as the image lays it out, with an update written into b/ and pending.
fn pending_update(boot: &Path, data: &Path) {
    for slot in ["a", "b"] {
        std::fs::create_dir_all(boot.join(slot)).unwrap();
    }
    std::fs::write(
        boot.join("a/cmdline.txt"),
        "console=ttyS1,115200 quiet panic=10\n",
    )
    .unwrap();
    std::fs::write(
        boot.join("b/cmdline.txt"),
        "console=ttyS1,115200 quiet panic=10 loglevel=3\n",
    )
    .unwrap();
    std::fs::write(boot.join(slots::SLOT_FILE), slots::slot_txt(Slot::A, true)).unwrap();
    std::fs::create_dir_all(data.join("update")).unwrap();
    State {
        phase: Phase::Pending,
        from: Slot::A,
        from_version: "0.1.0".into(),
        to: Slot::B,
        version: "0.1.1".into(),
        backup: None,
        reason: None,
        written_ms: 1,
        started_ms: None,
        ended_ms: None,
        restored: false,
        seen: false,
    }
    .write(&data.join("update/state"))
    .unwrap();
}

/// `porchlight update at-start` with this command line; what it printed.
fn at_start(dir: &Path, cmdline: &str) -> String {
    std::fs::write(dir.join("cmdline"), cmdline).unwrap();
    let out = porchlight(
        &dir.join("data"),
        &[
            "update",
            "at-start",
            "--boot",
            dir.join("boot").to_str().unwrap(),
            "--cmdline",
            dir.join("cmdline").to_str().unwrap(),
            "--problems",
            dir.join("box-problems").to_str().unwrap(),
            "--kexec-cmdline",
            dir.join("kexec-cmdline").to_str().unwrap(),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out));
    // What /init reads is the standard output; the log goes to the console beside it.
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn state(dir: &Path) -> State {
    State::read(&dir.join("data/update/state")).expect("a state file")
}

#[test]
fn each_start_hands_over_tries_and_falls_back_as_the_state_says() {
    let dir = tempfile::tempdir().unwrap();
    let (boot, data) = (dir.path().join("boot"), dir.path().join("data"));
    pending_update(&boot, &data);
    let firmware =
        "console=ttyS1,115200 quiet panic=10 nr_cpus=1 console=ttyAMA0 porchlight.trial_seconds=30";

    // The committed slot starts with the one-start command line: it hands over to b/.
    let said = at_start(dir.path(), firmware);
    assert_eq!(said.trim(), format!("kexec {}", boot.join("b").display()));
    assert_eq!(state(dir.path()).phase, Phase::Trying);
    assert!(state(dir.path()).started_ms.is_some());
    assert_eq!(
        std::fs::read_to_string(boot.join(slots::SLOT_FILE)).unwrap(),
        slots::slot_txt(Slot::A, false),
        "the one-start line is gone, whatever happens next"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("kexec-cmdline")).unwrap(),
        "console=ttyS1,115200 quiet panic=10 loglevel=3 console=ttyAMA0 porchlight.trial_seconds=30 porchlight.trial=b\n"
    );

    // The new kernel, told it is trying b/: a trial of 30 seconds.
    let trial = std::fs::read_to_string(dir.path().join("kexec-cmdline")).unwrap();
    assert_eq!(at_start(dir.path(), &trial).trim(), "trial 30");

    // /init ends it (Porchlight kept stopping); a second end finds none.
    ok(porchlight(
        &data,
        &["update", "fail-trial", "--reason", "it kept stopping"],
        None,
    ));
    assert_eq!(state(dir.path()).phase, Phase::Failed);
    let again = porchlight(&data, &["update", "fail-trial", "--reason", "again"], None);
    assert!(!again.status.success(), "no trial to end: {}", text(&again));

    // The firmware starts the committed slot: it fell back, and the host is told.
    assert_eq!(
        at_start(dir.path(), "console=ttyS1,115200 quiet panic=10").trim(),
        ""
    );
    let fell = state(dir.path());
    assert_eq!(fell.phase, Phase::FellBack);
    assert_eq!(fell.reason.as_deref(), Some("it kept stopping"));
    let report = std::fs::read_to_string(dir.path().join("box-problems")).unwrap();
    assert!(
        report.starts_with(
            "update-fell-back The new version (0.1.1) did not start; the box is back on 0.1.0"
        ),
        "{report}"
    );

    // A trial the state does not know is never a hand-over, and nothing changes.
    let before = std::fs::read_to_string(data.join("update/state")).unwrap();
    assert_eq!(at_start(dir.path(), "quiet porchlight.trial=b").trim(), "");
    assert_eq!(
        std::fs::read_to_string(data.join("update/state")).unwrap(),
        before
    );

    // A trial that ends with the box restarting (a panic, the watchdog): fell back, with the
    // reason said for it.
    pending_update(&boot, &data);
    at_start(dir.path(), firmware);
    at_start(dir.path(), "console=ttyS1,115200 quiet panic=10");
    assert!(
        state(dir.path())
            .reason
            .unwrap()
            .contains("stopped the box during its trial"),
    );
}

#[test]
fn after_falling_back_a_database_the_new_version_migrated_is_put_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(porchlight(
        &data,
        &["user", "add", "hana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    std::fs::create_dir_all(data.join("backups")).unwrap();
    ok(porchlight(
        &data,
        &[
            "backup",
            "--to",
            data.join("backups/before-update.db").to_str().unwrap(),
        ],
        None,
    ));
    // The new version migrated the database past what this one reads, then fell back.
    {
        let db = porchlight_db::Db::open(&data.join("porchlight.db")).unwrap();
        db.write(|tx| -> Result<usize, porchlight_db::Error> {
            tx.execute("PRAGMA user_version = 9999", [])
        })
        .unwrap();
    }
    assert!(porchlight_db::schema_is_newer(&data.join("porchlight.db")).unwrap());
    std::fs::create_dir_all(data.join("update")).unwrap();
    let mut fell = State::parse(
        "phase=fell-back\nfrom=a\nfrom_version=0.1.0\nto=b\nversion=0.1.1\nwritten_ms=1\nbackup=backups/before-update.db\n",
    )
    .unwrap();
    fell.write(&data.join("update/state")).unwrap();

    let hardware = dir.path().join("hardware");
    crate::cli::fake_hardware(&hardware);
    let mut server = Server::start(
        &data,
        &[
            "--appliance",
            "--hardware",
            hardware.to_str().unwrap(),
            "--https",
            "127.0.0.1:0",
            "--time-server",
            "127.0.0.1:9",
        ],
    );
    server.wait_for("the copy from before it is back");
    server.wait_for("is listening on");
    drop(server);
    assert!(!porchlight_db::schema_is_newer(&data.join("porchlight.db")).unwrap());
    ok(porchlight(&data, &["check"], None));
    fell = State::read(&data.join("update/state")).unwrap();
    assert!(fell.restored, "said so in the state, for the host's page");
    let kept: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with("porchlight.db.from-0.1.1-")
                && !n.ends_with("-wal")
                && !n.ends_with("-shm")
        })
        .collect();
    assert!(!kept.is_empty(), "the migrated database is kept beside");
    assert!(porchlight_db::schema_is_newer(&data.join(&kept[0])).unwrap());
}

#[test]
fn release_files_are_made_and_checked_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let slot = dir.path().join("slot");
    std::fs::create_dir_all(&slot).unwrap();
    for (name, bytes) in [
        ("vmlinuz", "kernel"),
        ("initrd.zst", "system"),
        ("cmdline.txt", "quiet\n"),
    ] {
        std::fs::write(slot.join(name), bytes).unwrap();
    }
    let run = |args: &[&str]| {
        porchlight_command()
            .args(args)
            .output()
            .expect("run porchlight")
    };
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();
    if std::env::var_os("PORCHLIGHT_TEST_BINARY").is_some()
        && !run(&["release", "--help"]).status.success()
    {
        println!("the box's binary has no release tools (scripts/build-arm leaves them out)");
        return;
    }
    let said = text(&run(&[
        "release",
        "keygen",
        "--private",
        &path("k.pk8"),
        "--public",
        &path("k.pub"),
    ]));
    assert!(said.contains("fingerprint"), "{said}");
    assert!(
        !run(&[
            "release",
            "keygen",
            "--private",
            &path("k.pk8"),
            "--public",
            &path("k2.pub")
        ])
        .status
        .success(),
        "a private key is never overwritten"
    );
    let made = run(&[
        "release",
        "make",
        "--slot",
        &path("slot"),
        "--version",
        "1.2.3",
        "--key",
        &path("k.pk8"),
        "--out",
        &path("r.release"),
    ]);
    assert!(made.status.success(), "{}", text(&made));
    let checked = run(&[
        "release",
        "check",
        &path("r.release"),
        "--key",
        &path("k.pub"),
    ]);
    assert!(
        text(&checked).contains("Porchlight 1.2.3"),
        "{}",
        text(&checked)
    );
    let public = run(&["release", "public", "--key", &path("k.pk8")]);
    assert_eq!(
        String::from_utf8_lossy(&public.stdout),
        std::fs::read_to_string(path("k.pub")).unwrap()
    );
    let older = run(&[
        "release",
        "check",
        &path("r.release"),
        "--key",
        &path("k.pub"),
        "--running",
        "1.2.3",
    ]);
    assert!(!older.status.success());
    assert!(
        text(&older).contains("already runs 1.2.3"),
        "{}",
        text(&older)
    );
    let bad = run(&[
        "release",
        "make",
        "--slot",
        &path("slot"),
        "--version",
        "one",
        "--key",
        &path("k.pk8"),
        "--out",
        &path("x"),
    ]);
    assert!(
        text(&bad).contains("not a version like 1.2.3"),
        "{}",
        text(&bad)
    );
}
