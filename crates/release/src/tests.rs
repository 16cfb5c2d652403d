//! Release files made, checked and refused, with real files in a temp folder.

use super::*;

struct Fixture {
    dir: tempfile::TempDir,
    key: SigningKey,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let slot = dir.path().join("slot");
        std::fs::create_dir_all(slot.join("overlays")).unwrap();
        std::fs::write(slot.join("vmlinuz"), vec![7u8; 300_000]).unwrap();
        std::fs::write(slot.join("initrd.zst"), b"the system in RAM").unwrap();
        std::fs::write(slot.join("cmdline.txt"), b"console=ttyS1 panic=10\n").unwrap();
        std::fs::write(slot.join("overlays/porchlight-leds.dtbo"), b"dtbo").unwrap();
        let key = SigningKey::from_pkcs8(&SigningKey::generate().unwrap()).unwrap();
        Fixture { dir, key }
    }

    fn release(&self, version: &str) -> PathBuf {
        let to = self
            .dir
            .path()
            .join(format!("porchlight-{version}.release"));
        make(
            &self.dir.path().join("slot"),
            &Version::parse(version).unwrap(),
            &self.key,
            &to,
        )
        .unwrap();
        to
    }
}

fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

#[test]
fn a_release_is_checked_then_written_with_the_same_bytes() {
    let f = Fixture::new();
    let release = f.release("0.2.0");
    let again = f.dir.path().join("again.release");
    make(&f.dir.path().join("slot"), &v("0.2.0"), &f.key, &again).unwrap();
    assert_eq!(
        std::fs::read(&release).unwrap(),
        std::fs::read(&again).unwrap(),
        "the same folder makes the same bytes"
    );
    let manifest = check(&release, &f.key.public(), &v("0.1.0")).unwrap();
    assert_eq!(manifest.version, v("0.2.0"));
    let names: Vec<&str> = manifest.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cmdline.txt",
            "initrd.zst",
            "overlays/porchlight-leds.dtbo",
            "vmlinuz"
        ]
    );
    let into = f.dir.path().join("b");
    let mut seen = Vec::new();
    extract(&release, &f.key.public(), &into, |done, total| {
        seen.push((done, total))
    })
    .unwrap();
    for name in names {
        assert_eq!(
            std::fs::read(into.join(name)).unwrap(),
            std::fs::read(f.dir.path().join("slot").join(name)).unwrap(),
            "{name}"
        );
    }
    let total = manifest.total_bytes();
    assert_eq!(
        seen.last(),
        Some(&(total, total)),
        "progress ends at the total"
    );
    assert!(seen.len() > 2, "progress is told as it goes");
}

#[test]
fn every_bad_file_is_refused_by_name() {
    let f = Fixture::new();
    let good = f.release("0.2.0");
    let bytes = std::fs::read(&good).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = f.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let other_key = SigningKey::from_pkcs8(&SigningKey::generate().unwrap()).unwrap();
    // A byte of the kernel changed (found by its digest), the file cut short, nothing, junk.
    let mut changed = bytes.clone();
    let at = changed.len() / 2;
    changed[at] ^= 0xff;
    let cases: Vec<(PathBuf, PublicKey, &str, &str)> = vec![
        (
            good.clone(),
            other_key.public(),
            "0.1.0",
            "not signed by Porchlight's release key",
        ),
        (good.clone(), f.key.public(), "0.2.0", "already runs 0.2.0"),
        (good.clone(), f.key.public(), "0.3.0", "already runs 0.3.0"),
        (
            write("changed", &changed),
            f.key.public(),
            "0.1.0",
            "damaged or cut short",
        ),
        (
            write("cut", &bytes[..bytes.len() - 40]),
            f.key.public(),
            "0.1.0",
            "not a Porchlight release",
        ),
        (
            write("half", &bytes[..bytes.len() / 2]),
            f.key.public(),
            "0.1.0",
            "not a Porchlight release",
        ),
        (
            write("empty", b""),
            f.key.public(),
            "0.1.0",
            "the file is empty",
        ),
        (
            write("junk", b"PK\x03\x04 not a zip at all"),
            f.key.public(),
            "0.1.0",
            "not a Porchlight release",
        ),
    ];
    for (path, key, running, said) in cases {
        let error = check(&path, &key, &v(running)).unwrap_err().to_string();
        assert!(
            error.contains(said),
            "{}: «{error}» says «{said}»",
            path.display()
        );
    }
    // A pre-release is older than its release.
    assert!(check(&good, &f.key.public(), &v("0.2.0-rc.1")).is_ok());
}

/// A zip written by hand around a manifest: unsigned, or with a file the manifest lacks.
fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn unsigned_added_to_and_unsafe_releases_are_refused() {
    let f = Fixture::new();
    let manifest = Manifest {
        version: v("0.2.0"),
        files: ["vmlinuz", "initrd.zst", "cmdline.txt"]
            .iter()
            .map(|name| FileEntry {
                name: name.to_string(),
                size: 1,
                sha256: to_hex(digest::digest(&digest::SHA256, b"x").as_ref()),
            })
            .collect(),
    };
    let text = manifest.render();
    let signature = f.key.sign(text.as_bytes());
    let path = f.dir.path().join("r");
    let key = f.key.public();

    zip_of(
        &path,
        &[
            (MANIFEST, text.as_bytes()),
            ("vmlinuz", b"x"),
            ("initrd.zst", b"x"),
            ("cmdline.txt", b"x"),
        ],
    );
    assert!(
        check(&path, &key, &v("0.1.0"))
            .unwrap_err()
            .to_string()
            .contains("not signed")
    );

    zip_of(
        &path,
        &[
            (MANIFEST, text.as_bytes()),
            (SIGNATURE, &signature),
            ("vmlinuz", b"x"),
            ("initrd.zst", b"x"),
            ("cmdline.txt", b"x"),
            ("extra", b"!"),
        ],
    );
    assert!(
        check(&path, &key, &v("0.1.0"))
            .unwrap_err()
            .to_string()
            .contains("holds 4 files where its manifest names 3")
    );

    zip_of(
        &path,
        &[
            (MANIFEST, text.as_bytes()),
            (SIGNATURE, &signature),
            ("vmlinuz", b"x"),
            ("initrd.zst", b"x"),
            ("cmdline.txt", b"x"),
        ],
    );
    check(&path, &key, &v("0.1.0")).unwrap();

    // A kernel swapped for another of the same size, in a zip made again around it.
    zip_of(
        &path,
        &[
            (MANIFEST, text.as_bytes()),
            (SIGNATURE, &signature),
            ("vmlinuz", b"y"),
            ("initrd.zst", b"x"),
            ("cmdline.txt", b"x"),
        ],
    );
    assert!(
        check(&path, &key, &v("0.1.0"))
            .unwrap_err()
            .to_string()
            .contains("vmlinuz is not the file")
    );
    let into = f.dir.path().join("into");
    assert!(
        extract(&path, &key, &into, |_, _| {}).is_err(),
        "extracting checks again"
    );

    for bad in [
        "porchlight-release 2\nversion 1.0.0\n",
        "porchlight-release 1\nversion one\n",
        "porchlight-release 1\nversion 1.0.0\nfile ../etc/passwd 1 00\n",
        "porchlight-release 1\nversion 1.0.0\nfile vmlinuz 1 zz\n",
        "porchlight-release 1\nversion 1.0.0\nrun rm -rf /\n",
        "porchlight-release 1\nversion 1.0.0\n",
    ] {
        assert!(Manifest::parse(bad).is_err(), "{bad:?}");
    }
    for (name, safe) in [
        ("vmlinuz", true),
        ("overlays/porchlight-leds.dtbo", true),
        ("bcm2711-rpi-4-b.dtb", true),
        ("../x", false),
        ("/etc/x", false),
        ("a/b/c", false),
        ("a//b", false),
        ("a\\b", false),
        (".", false),
        ("with space", false),
    ] {
        assert_eq!(safe_name(name), safe, "{name}");
    }
}

#[test]
fn keys_read_back_and_junk_keys_are_refused() {
    let key = SigningKey::from_pkcs8(&SigningKey::generate().unwrap()).unwrap();
    let text = format!("# the test key\n{}", key.public().render());
    assert_eq!(PublicKey::parse(&text).unwrap(), key.public());
    assert_eq!(key.public().fingerprint().len(), 16);
    for junk in ["", "abc", &"g".repeat(64), &"0".repeat(66)] {
        assert!(PublicKey::parse(junk).is_err(), "{junk:?}");
    }
    assert!(SigningKey::from_pkcs8(b"not a key").is_err());
}
