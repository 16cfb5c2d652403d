//! The map keeps itself true: rules of the workspace's layout that `docs/ARCHITECTURE.md`
//! states, checked over the source. Every source file says what it is (`//!`); SQL lives in
//! `db` only; each heavy library belongs to the crates the map names; no crate lists a
//! dependency it does not use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Each crate: its folder name and its folder.
fn crates() -> Vec<(String, PathBuf)> {
    let mut list: Vec<(String, PathBuf)> = std::fs::read_dir(workspace().join("crates"))
        .expect("crates/")
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    list.sort();
    list
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn every_source_file_says_what_it_is() {
    let mut missing = Vec::new();
    for (_, dir) in crates() {
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        rust_files(&dir.join("tests"), &mut files);
        rust_files(&dir.join("benches"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            if !first.starts_with("//!") {
                missing.push(relative(&file));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "these files do not start with a //! line saying what they are: {missing:#?}"
    );
}

/// Whether a line of Rust holds an SQL statement (in a string; comments do not count).
fn holds_sql(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or("");
    let Some(start) = code.find('"') else {
        return false;
    };
    let string = &code[start..];
    [
        "SELECT ",
        "INSERT INTO",
        "INSERT OR",
        "DELETE FROM",
        "CREATE TABLE",
        "CREATE INDEX",
        "DROP TABLE",
        "PRAGMA ",
        "BEGIN IMMEDIATE",
    ]
    .iter()
    .any(|k| string.contains(k))
        || (string.contains("UPDATE ") && string.contains(" SET "))
}

#[test]
fn sql_lives_in_db_only() {
    // `db` owns the schema and every statement. The dev-only crates (testkit, bench) and the
    // tests read rows directly to check what a request stored; shipped code never does.
    let mut found = Vec::new();
    for (name, dir) in crates() {
        if matches!(name.as_str(), "db" | "testkit" | "bench") {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // Unit tests at the end of a file may set up rows the way a test does.
            let shipped = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in shipped.lines().enumerate() {
                if holds_sql(line) {
                    found.push(format!("{}:{}: {}", relative(&file), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL outside the db crate (make it a db function): {found:#?}"
    );
}

#[test]
fn writes_go_through_the_use_cases() {
    // A change is a use case of `app` (one write transaction with its checks), or federation's
    // own bookkeeping; pages, the API and the binary never open a write transaction themselves.
    let mut found = Vec::new();
    for (name, dir) in crates() {
        if matches!(
            name.as_str(),
            "db" | "app" | "federation" | "testkit" | "bench"
        ) {
            continue;
        }
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            // `.db` and `.write(|` may stand on lines of their own after rustfmt.
            let joined: String = text.split_whitespace().collect();
            if joined.contains(".db.write(") {
                found.push(relative(&file));
            }
        }
    }
    assert!(
        found.is_empty(),
        "write transactions outside app (make them use cases): {found:#?}"
    );
}

/// The `[dependencies]` of a Cargo.toml: each name, as written.
fn dependencies(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut in_section = false;
    let mut names = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_section = line == "[dependencies]";
            continue;
        }
        if in_section
            && !line.starts_with('#')
            && let Some((name, _)) = line.split_once('=')
        {
            names.push(name.trim().to_string());
        }
    }
    names
}

#[test]
fn heavy_libraries_stay_in_the_crates_that_own_them() {
    // Which crates may depend on each heavy library directly (docs/ARCHITECTURE.md's map).
    let owners: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("hyper", &["http", "testkit", "bench"][..]),
        ("hyper-util", &["http", "testkit", "bench"][..]),
        ("rusqlite", &["db", "bench"][..]),
        ("rustls", &["tls"][..]),
        ("tokio-rustls", &["tls", "http"][..]),
        ("ureq", &["federation", "tls", "testkit", "bench"][..]),
        ("ring", &["ap", "app", "federation", "release", "tls"][..]),
        ("maud", &["web"][..]),
        ("instant-acme", &["tls"][..]),
        ("ammonia", &["federation"][..]),
        ("zip", &["archive", "release"][..]),
    ]);
    let mut wrong = Vec::new();
    for (name, dir) in crates() {
        for dependency in dependencies(&dir.join("Cargo.toml")) {
            if let Some(allowed) = owners.get(dependency.as_str())
                && !allowed.contains(&name.as_str())
            {
                wrong.push(format!("crates/{name} depends on {dependency}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "heavy libraries outside the crates that own them: {wrong:#?}"
    );
    // Pages render plain values: `web` reaches its view types through `core` alone, so it
    // compiles none of the storage or network stack.
    let web: Vec<String> = dependencies(&workspace().join("crates/web/Cargo.toml"))
        .into_iter()
        .filter(|d| d.starts_with("porchlight-"))
        .collect();
    assert_eq!(web, ["porchlight-core"], "web depends on {web:?}");
}

#[test]
fn no_crate_lists_a_dependency_it_does_not_use() {
    let mut unused = Vec::new();
    for (name, dir) in crates() {
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        let source: String = files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect();
        for dependency in dependencies(&dir.join("Cargo.toml")) {
            let path = dependency.replace('-', "_");
            // kamadak-exif's library is called `exif`.
            let path = if path == "kamadak_exif" {
                "exif".to_string()
            } else {
                path
            };
            let used = [
                format!("{path}::"),
                format!("use {path}"),
                format!("{path} as "),
            ]
            .iter()
            .any(|needle| source.contains(needle.as_str()));
            if !used {
                unused.push(format!("crates/{name}: {dependency}"));
            }
        }
    }
    assert!(
        unused.is_empty(),
        "dependencies no source file uses: {unused:#?}"
    );
}
