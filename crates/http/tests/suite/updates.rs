//! Updating the box from the host's page (docs/UPDATES.md), with a boot partition standing in
//! as a folder: a release made and signed as scripts/release makes one is checked, written into
//! the slot not in use and the box asked to restart; a release signed with another key, an
//! older one and a damaged one are refused with nothing written. Where it is not the box, the
//! page says how that installation is updated. (The restart into the update, the trial and the
//! fall back are the image's: `crates/porchlight/tests/suite/image.rs`.)

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use porchlight_app::updates::{BoxUpdates, Phase, State};
use porchlight_core::audience::Role;
use porchlight_release::slots::{self, Slot};
use porchlight_release::{SigningKey, Version};
use porchlight_testkit::{Browser, TestCamp};

/// A boot partition as the image lays it out: slot a/ committed.
fn boot_folder(boot: &Path) {
    std::fs::create_dir_all(boot.join("a")).unwrap();
    std::fs::write(
        boot.join("a/cmdline.txt"),
        "console=ttyS1,115200 panic=10\n",
    )
    .unwrap();
    std::fs::write(boot.join("a/vmlinuz"), b"the kernel running now").unwrap();
    std::fs::write(boot.join(slots::SLOT_FILE), slots::slot_txt(Slot::A, false)).unwrap();
}

/// A release of `version`, signed with `key`, as bytes.
fn release(dir: &Path, version: &str, key: &SigningKey) -> Vec<u8> {
    let slot = dir.join(format!("slot-{version}"));
    std::fs::create_dir_all(slot.join("overlays")).unwrap();
    std::fs::write(slot.join("vmlinuz"), vec![42u8; 200_000]).unwrap();
    std::fs::write(slot.join("initrd.zst"), format!("porchlight {version}")).unwrap();
    std::fs::write(slot.join("cmdline.txt"), "console=ttyS1,115200 panic=10\n").unwrap();
    let to = dir.join(format!("{version}.release"));
    porchlight_release::make(&slot, &Version::parse(version).unwrap(), key, &to).unwrap();
    std::fs::read(to).unwrap()
}

fn upload(host: &mut Browser, bytes: &[u8]) -> porchlight_testkit::Answer {
    host.get("/admin/update");
    host.post_multipart(
        "/admin/update",
        &[],
        &[("release", "porchlight.release", "application/zip", bytes)],
    )
}

#[track_caller]
fn page_says(host: &mut Browser, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = host.get("/admin/update");
        if page.body.contains(needle) {
            return page.body.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the page never said «{needle}»:\n{}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_signed_newer_release_is_written_to_the_other_slot_and_others_are_refused() {
    let camp = TestCamp::start();
    camp.add_member("hana", Role::Host);
    camp.add_member("ken", Role::Member);
    let work = tempfile::tempdir().unwrap();
    let boot = work.path().join("boot");
    boot_folder(&boot);
    let key = SigningKey::from_pkcs8(&SigningKey::generate().unwrap()).unwrap();
    let other = SigningKey::from_pkcs8(&SigningKey::generate().unwrap()).unwrap();
    let restarted = Arc::new(AtomicBool::new(false));
    let restart = {
        let restarted = restarted.clone();
        Arc::new(move || restarted.store(true, Ordering::SeqCst))
    };
    camp.app.set_box_updates(BoxUpdates::new(
        boot.clone(),
        key.public(),
        Version::parse("0.5.0").unwrap(),
        false,
        restart,
    ));
    let mut host = camp.logged_in("hana");
    host.get("/admin/update")
        .assert_status(200)
        .assert_contains("This box runs Porchlight <strong>0.5.0</strong>")
        .assert_contains(&key.public().fingerprint())
        .assert_lacks("test key");
    // Only the host.
    camp.logged_in("ken")
        .get("/admin/update")
        .assert_status(403);

    // Refused, with nothing written: another key, not newer, damaged, empty, not a release.
    let before = files_under(&boot);
    let good = release(work.path(), "0.6.0", &key);
    let mut cut = good.clone();
    cut.truncate(good.len() - 100);
    for (bytes, said) in [
        (
            release(work.path(), "0.6.1", &other),
            "not signed by Porchlight",
        ),
        (
            release(work.path(), "0.5.0", &key),
            "Porchlight 0.5.0, and the box already runs 0.5.0",
        ),
        (
            release(work.path(), "0.4.9", &key),
            "Porchlight 0.4.9, and the box already runs 0.5.0",
        ),
        (cut, "not a Porchlight release file"),
        (b"just some text".to_vec(), "not a Porchlight release file"),
    ] {
        upload(&mut host, &bytes).assert_status(303);
        page_says(&mut host, said);
        assert_eq!(files_under(&boot), before, "{said}: nothing written");
        assert!(State::read(&camp.dir.path().join("update/state")).is_none());
    }
    upload(&mut host, b"")
        .assert_status(422)
        .assert_contains("Choose the release file");
    assert!(!restarted.load(Ordering::SeqCst));

    // The good one: written into b/, the camp copied, pending, the box asked to restart.
    upload(&mut host, &good).assert_status(303);
    page_says(&mut host, "Porchlight 0.6.0 is written");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !restarted.load(Ordering::SeqCst) {
        assert!(
            Instant::now() < deadline,
            "the box was never asked to restart"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        std::fs::read(boot.join("b/vmlinuz")).unwrap(),
        vec![42u8; 200_000]
    );
    assert_eq!(
        std::fs::read_to_string(boot.join("b/initrd.zst")).unwrap(),
        "porchlight 0.6.0"
    );
    assert_eq!(
        std::fs::read(boot.join("a/vmlinuz")).unwrap(),
        b"the kernel running now",
        "the committed slot is untouched"
    );
    assert_eq!(
        std::fs::read_to_string(boot.join(slots::SLOT_FILE)).unwrap(),
        slots::slot_txt(Slot::A, true),
        "a/ stays committed, started once more to hand over"
    );
    assert_eq!(
        std::fs::read_to_string(boot.join("a").join(slots::UPDATE_CMDLINE)).unwrap(),
        "console=ttyS1,115200 panic=10 nr_cpus=1\n"
    );
    let state = State::read(&camp.dir.path().join("update/state")).unwrap();
    assert_eq!(state.phase, Phase::Pending);
    assert_eq!((state.from, state.to), (Slot::A, Slot::B));
    assert_eq!(
        (state.from_version.as_str(), state.version.as_str()),
        ("0.5.0", "0.6.0")
    );
    let backup = camp.dir.path().join(state.backup.unwrap());
    porchlight_app::db::check_backup(&backup).expect("the copy taken before is a whole camp");
    // A second one waits for the first.
    upload(&mut host, &release(work.path(), "0.7.0", &key))
        .assert_status(422)
        .assert_contains("already waiting to be tried");
}

#[test]
fn where_it_is_not_the_box_the_page_says_how_to_update() {
    let camp = TestCamp::start();
    camp.add_member("hana", Role::Host);
    let mut host = camp.logged_in("hana");
    host.get("/admin").assert_contains("href=\"/admin/update\"");
    host.get("/admin/update")
        .assert_status(200)
        .assert_contains(&format!(
            "This box runs Porchlight <strong>{}</strong>",
            env!("CARGO_PKG_VERSION")
        ))
        .assert_contains("runs from its Debian package")
        .assert_lacks("name=\"release\"");
    upload(&mut host, b"PK anything")
        .assert_status(422)
        .assert_contains("updated with its Debian package");
}
