//! The `porchlight` binary as a host uses it from a shell: every command, its messages and exit
//! codes, and the server process itself (start, first-run link, graceful stop, kill -9).

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use common::{Server, ok, porchlight, text};

use porchlight_testkit::{Browser, PASSWORD};

#[track_caller]
fn fails(out: Output, message: &str) {
    assert!(!out.status.success(), "expected a failure:\n{}", text(&out));
    assert!(
        text(&out).contains(message),
        "expected {message:?} in:\n{}",
        text(&out)
    );
}

#[test]
fn user_add_list_and_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let added = ok(porchlight(
        &data,
        &["user", "add", "Hana", "--admin", "--password-stdin"],
        Some("a good long password\n"),
    ));
    assert!(
        added.contains("Added @hana as host (1 of 50 places taken)"),
        "{added}"
    );
    fails(
        porchlight(
            &data,
            &["user", "add", "hana", "--password-stdin"],
            Some("a good long password"),
        ),
        "already taken",
    );
    fails(
        porchlight(
            &data,
            &["user", "add", "root", "--password-stdin"],
            Some("a good long password"),
        ),
        "reserved",
    );
    fails(
        porchlight(
            &data,
            &["user", "add", "ken", "--password-stdin"],
            Some("short"),
        ),
        "at least 10",
    );
    fails(
        porchlight(&data, &["user", "add", "ken", "--password-stdin"], Some("")),
        "no password",
    );
    fails(
        porchlight(&data, &["user", "add", "ken"], None),
        "--password-stdin",
    );

    // Fill the camp to a cap of 2 (set the way the host's page sets it).
    {
        let db = porchlight_db::Db::open(&data.join("porchlight.db")).unwrap();
        db.write(|tx| porchlight_db::set_setting(tx, "member_cap", "2"))
            .unwrap();
    }
    ok(porchlight(
        &data,
        &["user", "add", "ken", "--password-stdin"],
        Some("a good long password"),
    ));
    fails(
        porchlight(
            &data,
            &["user", "add", "ana", "--password-stdin"],
            Some("a good long password"),
        ),
        "This camp is full",
    );
    let list = ok(porchlight(&data, &["user", "list"], None));
    assert!(
        list.contains("hana") && list.contains("ken") && list.contains("2 of 2 places taken"),
        "{list}"
    );
    assert!(!list.lines().any(|l| l.starts_with("ana ")), "{list}");

    let reset = ok(porchlight(
        &data,
        &["user", "reset-password", "ken", "--password-stdin"],
        Some("another long password"),
    ));
    assert!(reset.contains("changed"), "{reset}");
    fails(
        porchlight(
            &data,
            &["user", "reset-password", "nobody", "--password-stdin"],
            Some("another long password"),
        ),
        "no member called",
    );
}

/// The host's care from a terminal, beside the running server: a reset link the member uses in
/// a browser, suspending and lifting it, and removing (only with `--yes`, after a backup).
#[test]
fn looking_after_members_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (name, role) in [("hana", "--admin"), ("ken", "--moderator")] {
        ok(porchlight(
            &data,
            &["user", "add", name, role, "--password-stdin"],
            Some(PASSWORD),
        ));
    }
    let server = Server::start(&data, &[]);
    let mut ken = Browser::new(&server.base);
    ken.log_in("ken", PASSWORD);

    let link = ok(porchlight(&data, &["user", "reset-link", "ken"], None));
    let link = link.trim();
    let path = link
        .strip_prefix(&server.base)
        .unwrap_or_else(|| panic!("the link names the running server: {link}"));
    assert!(
        path.starts_with("/reset/") && path.len() == 7 + 48,
        "{link}"
    );
    let mut fresh = Browser::new(&server.base);
    let set = fresh.post(path, &[("password", "a password from the link")]);
    assert_eq!(set.status, 303, "{}", set.body);
    assert_eq!(ken.get("/settings").status, 303, "the old session ended");
    fails(
        porchlight(&data, &["user", "reset-link", "nobody"], None),
        "no member called",
    );

    let suspended = ok(porchlight(
        &data,
        &["user", "suspend", "ken", "--reason", "a test"],
        None,
    ));
    assert!(suspended.contains("@ken is suspended"), "{suspended}");
    let refused = Browser::new(&server.base).post(
        "/login",
        &[
            ("username", "ken"),
            ("password", "a password from the link"),
        ],
    );
    assert_eq!(refused.status, 403, "{}", refused.body);
    fails(
        porchlight(&data, &["user", "suspend", "ken"], None),
        "already suspended",
    );
    ok(porchlight(&data, &["user", "unsuspend", "ken"], None));
    Browser::new(&server.base).log_in("ken", "a password from the link");
    fails(
        porchlight(&data, &["user", "suspend", "hana"], None),
        "only host",
    );

    fails(porchlight(&data, &["user", "remove", "ken"], None), "--yes");
    let list = ok(porchlight(&data, &["user", "list"], None));
    assert!(
        list.lines().any(|l| l.starts_with("ken ")),
        "nothing was removed: {list}"
    );
    let removed = ok(porchlight(&data, &["user", "remove", "ken", "--yes"], None));
    assert!(removed.contains("@ken is removed"), "{removed}");
    assert!(removed.contains("before-removing-ken-"), "{removed}");
    let list = ok(porchlight(&data, &["user", "list"], None));
    assert!(!list.lines().any(|l| l.starts_with("ken ")), "{list}");
    let mut host = Browser::new(&server.base);
    host.log_in("hana", PASSWORD);
    host.get("/admin/log")
        .assert_contains("the host's command line")
        .assert_contains("removed <strong>@ken</strong>");
}

/// `porchlight invite` run beside a server prints a link to where that server really is: the
/// port it took (not the default 8080), and once the host gives the camp a public name on the
/// host's page, that name.
#[test]
fn invite_links_from_the_command_line_point_where_the_camp_is() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(porchlight(
        &data,
        &["user", "add", "hana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    let server = Server::start(&data, &[]);
    let link = ok(porchlight(&data, &["invite"], None));
    assert!(
        link.trim().starts_with(&format!("{}/invite/", server.base)),
        "the link names the running server ({}): {link}",
        server.base
    );
    assert!(
        !server.base.ends_with(":8080"),
        "the server took a port of its own"
    );
    let mut host = Browser::new(&server.base);
    host.log_in("hana", PASSWORD);
    // The server restarts itself to take the name; the link does not wait for that.
    let saved = host.post("/admin/address", &[("domain", "camp.example")]);
    assert!(saved.status < 400, "{}", saved.body);
    let link = ok(porchlight(&data, &["invite"], None));
    assert!(
        link.trim().starts_with("https://camp.example/invite/"),
        "the link names the public name: {link}"
    );
}

#[test]
fn invites_check_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let link = ok(porchlight(
        &data,
        &[
            "invite",
            "--note",
            "Welcome!",
            "--uses",
            "3",
            "--expires",
            "7",
        ],
        None,
    ));
    assert!(
        link.trim().starts_with("http://127.0.0.1:8080/invite/"),
        "{link}"
    );
    fails(
        porchlight(&data, &["invite", "--uses", "0"], None),
        "from 1 to 100 times",
    );
    fails(
        porchlight(&data, &["invite", "--expires", "9999"], None),
        "from 1 to 365 days",
    );

    ok(porchlight(
        &data,
        &["user", "add", "hana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    assert!(ok(porchlight(&data, &["check"], None)).contains("The database is sound"));
    let backup = dir.path().join("camp.backup");
    let backup_arg = backup.to_str().unwrap();
    ok(porchlight(&data, &["backup", "--to", backup_arg], None));
    fails(
        porchlight(&data, &["backup", "--to", backup_arg], None),
        "already exists",
    );
    ok(porchlight(
        &data,
        &["user", "add", "ken", "--password-stdin"],
        Some(PASSWORD),
    ));
    let restored = ok(porchlight(&data, &["restore", "--from", backup_arg], None));
    assert!(restored.contains("kept as"), "{restored}");
    let list = ok(porchlight(&data, &["user", "list"], None));
    assert!(
        list.contains("hana") && !list.lines().any(|l| l.starts_with("ken ")),
        "{list}"
    );
    // A file that is not a backup changes nothing.
    let junk = dir.path().join("junk");
    std::fs::write(
        &junk,
        b"not a database at all, just some bytes................................",
    )
    .unwrap();
    fails(
        porchlight(&data, &["restore", "--from", junk.to_str().unwrap()], None),
        "not a Porchlight backup",
    );
    assert!(ok(porchlight(&data, &["user", "list"], None)).contains("hana"));
}

#[test]
fn bad_config_and_flags_say_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("porchlight.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\ncolour = \"blue\"\n").unwrap();
    let out = porchlight(
        &data,
        &["serve", "--config", config.to_str().unwrap()],
        None,
    );
    let said = text(&out);
    fails(out, "unknown field");
    // One line that names the file, the line and the key.
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(
        said.contains(&format!(
            "{} is not valid at line 2, key `colour`",
            config.display()
        )),
        "{said}"
    );
    std::fs::write(&config, "[federation]\nenabled = \"yes\"\n").unwrap();
    let out = porchlight(
        &data,
        &["serve", "--config", config.to_str().unwrap()],
        None,
    );
    let said = text(&out);
    fails(out, "key `federation.enabled`");
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    std::fs::write(&config, "max_post_chars = 5\n").unwrap();
    fails(
        porchlight(
            &data,
            &["serve", "--config", config.to_str().unwrap()],
            None,
        ),
        "between 10 and 10000",
    );
    fails(
        porchlight(
            &data,
            &["serve", "--config", "/nonexistent/porchlight.toml"],
            None,
        ),
        "cannot read the config file",
    );
    fails(
        porchlight(&data, &["serve", "--domain", "not a domain!"], None),
        "not a valid domain",
    );
    fails(
        porchlight(&data, &["serve", "--listen", "nonsense"], None),
        "cannot listen on nonsense",
    );
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").unwrap();
    fails(porchlight(&file, &["check"], None), "data folder");
}

#[test]
fn the_server_starts_with_a_setup_link_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(&data, &[]);
    let link_line = server.wait_for("To create the host account, open:");
    let link = link_line.split("open: ").nth(1).unwrap().trim().to_string();
    assert!(
        link.starts_with(&format!("{}/setup/", server.base)),
        "{link}"
    );

    let mut browser = Browser::new(&server.base);
    let path = link.trim_start_matches(&server.base).to_string();
    browser.get(&path).assert_status(200);
    browser
        .post(
            &path,
            &[
                ("username", "hana"),
                ("password", PASSWORD),
                ("site_name", "Maple"),
                ("code_of_conduct", ""),
            ],
        )
        .assert_status(303);
    browser.get("/").assert_contains("Maple");

    // A second server on the same data folder is refused, clearly.
    let second = porchlight(&data, &["serve", "--listen", "127.0.0.1:0"], None);
    fails(second, "already using");
    // So is a second server on the same port.
    let port = server.base.trim_start_matches("http://").to_string();
    let other = dir.path().join("other");
    fails(
        porchlight(&other, &["serve", "--listen", &port], None),
        "already in use",
    );

    server.signal(nix::sys::signal::Signal::SIGTERM);
    let status = server.child.wait().unwrap();
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    server.wait_for("Porchlight stopped.");
}

#[test]
fn nothing_acknowledged_is_lost_when_the_process_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(porchlight(
        &data,
        &["user", "add", "hana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    let mut server = Server::start(&data, &[]);
    let mut browser = Browser::new(&server.base);
    browser.log_in("hana", PASSWORD);
    for i in 0..20 {
        browser
            .post(
                "/posts",
                &[
                    ("text", &format!("acknowledged post {i}")),
                    ("audience", "local"),
                ],
            )
            .assert_status(303);
    }
    // Killed without warning right after the last answer.
    server.signal(nix::sys::signal::Signal::SIGKILL);
    server.child.wait().unwrap();

    let db = porchlight_db::Db::open(&data.join("porchlight.db")).unwrap();
    assert_eq!(db.integrity_check().unwrap(), "ok");
    let count: i64 = db
        .read(|c| c.query_row("SELECT COUNT(*) FROM posts", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(count, 20);
}

/// `kill -9` again and again while four browsers post at once: every post the server answered
/// (303) is there after each restart, exactly once, and SQLite's integrity check passes. At
/// least 2,000 acknowledged posts over five kills (fewer under an emulator, which is slow).
#[test]
fn kill_nine_under_concurrent_posting_loses_nothing_acknowledged() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    let emulated = std::env::var("PORCHLIGHT_TEST_RUNNER").is_ok_and(|r| !r.is_empty());
    let per_round = if emulated { 40 } else { 400 };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(porchlight(
        &data,
        &["user", "add", "hana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    for round in 0..5 {
        let mut server = Server::start(&data, &[]);
        let stop = Arc::new(AtomicBool::new(false));
        let this_round = Arc::new(AtomicUsize::new(0));
        // Logged in before the posting starts (logins are slow under an emulator, and a kill
        // must not land in one).
        let browsers: Vec<Browser> = (0..4)
            .map(|_| {
                let mut browser = Browser::new(&server.base);
                browser.log_in("hana", PASSWORD);
                browser
            })
            .collect();
        let writers: Vec<_> = browsers
            .into_iter()
            .enumerate()
            .map(|(writer, mut browser)| {
                let (stop, this_round, acknowledged) =
                    (stop.clone(), this_round.clone(), acknowledged.clone());
                std::thread::spawn(move || {
                    for n in 0.. {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let text = format!("round {round} writer {writer} post {n}");
                        match browser.try_post("/posts", &[("text", &text), ("audience", "local")])
                        {
                            Ok(answer) if answer.status == 303 => {
                                acknowledged.lock().unwrap().push(text);
                                this_round.fetch_add(1, Ordering::SeqCst);
                            }
                            // The server was killed under this request: it was never
                            // acknowledged, so it may or may not be there.
                            _ => break,
                        }
                    }
                })
            })
            .collect();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while this_round.load(Ordering::SeqCst) < per_round {
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: only {} posts in two minutes",
                this_round.load(Ordering::SeqCst)
            );
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        // Killed in the middle of the writes.
        server.signal(nix::sys::signal::Signal::SIGKILL);
        server.child.wait().unwrap();
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.join().unwrap();
        }
        let db = porchlight_db::Db::open(&data.join("porchlight.db")).unwrap();
        assert_eq!(db.integrity_check().unwrap(), "ok", "after kill {round}");
        for text in acknowledged.lock().unwrap().iter() {
            let count: i64 = db
                .read(|c| {
                    c.query_row("SELECT COUNT(*) FROM posts WHERE text = ?1", [text], |r| {
                        r.get(0)
                    })
                })
                .unwrap();
            assert_eq!(count, 1, "«{text}» after kill {round}");
        }
    }
    let total = acknowledged.lock().unwrap().len();
    assert!(total >= 5 * per_round, "{total} acknowledged");
    eprintln!("figure: {total} acknowledged posts over 5 kills, 0 lost");
}

#[test]
fn domain_blocks_from_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(porchlight(
        &data,
        &["block", "add", "Spam.Example", "--reason", "spam"],
        None,
    ));
    ok(porchlight(
        &data,
        &["block", "add", "loud.example", "--level", "silence"],
        None,
    ));
    fails(
        porchlight(
            &data,
            &["block", "add", "x.example", "--level", "banish"],
            None,
        ),
        "unknown level",
    );
    fails(
        porchlight(&data, &["block", "add", "not a domain"], None),
        "is not a domain",
    );
    let list = ok(porchlight(&data, &["block", "list"], None));
    assert!(
        list.contains("spam.example") && list.contains("suspend") && list.contains("2 blocked")
    );
    let exported = ok(porchlight(&data, &["block", "export"], None));
    assert!(exported.starts_with("#domain,#severity"));
    assert!(exported.contains("spam.example,suspend,true,false,spam,false"));
    assert!(exported.contains("loud.example,silence,false"));

    // A list with one bad row imports nothing.
    let csv = dir.path().join("blocks.csv");
    std::fs::write(
        &csv,
        "#domain,#severity\ngood.example,suspend\nbad domain,suspend\n",
    )
    .unwrap();
    fails(
        porchlight(&data, &["block", "import", csv.to_str().unwrap()], None),
        "Line 3",
    );
    assert!(!ok(porchlight(&data, &["block", "list"], None)).contains("good.example"));
    std::fs::write(&csv, exported.replace("loud.example", "other.example")).unwrap();
    assert!(
        ok(porchlight(
            &data,
            &["block", "import", csv.to_str().unwrap()],
            None
        ))
        .contains("Imported 2")
    );
    ok(porchlight(
        &data,
        &["block", "remove", "spam.example"],
        None,
    ));
    fails(
        porchlight(&data, &["block", "remove", "spam.example"], None),
        "is not blocked",
    );
    let list = ok(porchlight(&data, &["block", "list"], None));
    assert!(
        list.contains("other.example")
            && list.contains("loud.example")
            && !list.contains("spam.example")
    );
}

#[test]
fn serve_with_a_domain_federates_under_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(porchlight(
        &data,
        &["user", "add", "ana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    let mut server = Server::start(&data, &["--domain", "camp.example"]);
    server.wait_for("federating as https://camp.example");
    let mut b = Browser::new(&server.base);
    let finger = b.get("/.well-known/webfinger?resource=acct:ana@camp.example");
    finger.assert_status(200);
    assert!(
        finger
            .body
            .contains("\"href\":\"https://camp.example/users/ana\"")
    );
    let actor = b.get_with("/users/ana", &[("accept", "application/activity+json")]);
    actor.assert_status(200);
    assert!(
        actor
            .body
            .contains("\"inbox\":\"https://camp.example/users/ana/inbox\"")
    );
    assert!(actor.body.contains("BEGIN PUBLIC KEY"));

    // Without a domain, the camp keeps to itself and says why.
    drop(server);
    let mut server = Server::start(&data, &[]);
    server.wait_for("not federating: the camp has no public name yet");
    let mut b = Browser::new(&server.base);
    b.get("/.well-known/webfinger?resource=acct:ana@camp.example")
        .assert_status(404);
}

/// systemd's notify protocol, against a socket of our own standing in for systemd: READY=1 once
/// serving, WATCHDOG=1 again and again while healthy, STOPPING=1 on SIGTERM.
#[test]
fn tells_the_service_manager_ready_alive_and_stopping() {
    use std::os::unix::net::UnixDatagram;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_millis(200)))
        .unwrap();
    let mut server = Server::start_with_env(
        &data,
        &[],
        &[
            ("NOTIFY_SOCKET", path.to_str().unwrap()),
            // 0.2 s: the server says it is alive every 0.1 s.
            ("WATCHDOG_USEC", "200000"),
        ],
    );
    let mut heard = Vec::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut buf = [0u8; 512];
    while std::time::Instant::now() < deadline
        && heard
            .iter()
            .filter(|m: &&String| m.contains("WATCHDOG=1"))
            .count()
            < 3
    {
        if let Ok(n) = socket.recv(&mut buf) {
            heard.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    }
    assert!(heard[0].contains("READY=1"), "{heard:?}");
    assert!(
        heard[0].contains("STATUS=serving on 127.0.0.1:"),
        "{heard:?}"
    );
    assert!(
        heard.iter().filter(|m| m.contains("WATCHDOG=1")).count() >= 3,
        "{heard:?}"
    );
    server.signal(nix::sys::signal::Signal::SIGTERM);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut stopping = false;
    while std::time::Instant::now() < deadline && !stopping {
        if let Ok(n) = socket.recv(&mut buf) {
            stopping = String::from_utf8_lossy(&buf[..n]).contains("STOPPING=1");
        }
    }
    assert!(stopping, "STOPPING=1 on the way out");
    server.wait_for("Porchlight stopped.");
}

#[test]
fn backups_into_a_folder_keep_the_newest() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::write(backups.join("notes.txt"), "mine").unwrap();
    ok(porchlight(
        &data,
        &["user", "add", "ana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    for _ in 0..4 {
        ok(porchlight(
            &data,
            &["backup", "--to", backups.to_str().unwrap(), "--keep", "2"],
            None,
        ));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        3,
        "two backups and the file that was there: {names:?}"
    );
    assert!(names.contains(&"notes.txt".to_string()));
    fails(
        porchlight(
            &data,
            &[
                "backup",
                "--to",
                dir.path().join("x.db").to_str().unwrap(),
                "--keep",
                "2",
            ],
            None,
        ),
        "--keep needs --to to be a folder",
    );
}

/// HTTPS with the camp's own certificate: the site answers over TLS, plain HTTP sends browsers
/// there, the setup page shows the certificate's fingerprint, and the certificate is kept.
#[test]
fn https_with_its_own_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(&data, &["--https", "127.0.0.1:0"]);
    let https = https_base(&mut server);
    let line = server.wait_for("HTTPS on https://");
    let fingerprint = line
        .split("SHA-256 ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    let link_line = server.wait_for("To create the host account, open:");
    let link = link_line.split("open: ").nth(1).unwrap().trim().to_string();
    assert!(
        link.starts_with(&format!("{https}/setup/")),
        "the setup link is the HTTPS one: {link}"
    );

    // A client that trusts the camp's certificate (as a browser does once the host accepts it).
    let pem = std::fs::read(data.join("tls/lan-cert.pem")).unwrap();
    let cert = ureq::tls::Certificate::from_pem(&pem).unwrap().to_owned();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
                .build(),
        )
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut page = agent.get(&link).call().unwrap();
    assert_eq!(page.status(), 200);
    let body = page.body_mut().read_to_string().unwrap();
    assert!(
        body.contains(&fingerprint),
        "the setup page shows the fingerprint"
    );

    // Plain HTTP sends browsers to HTTPS, except the health probe.
    let plain = agent
        .get(&format!("{}/local?x=1", server.base))
        .call()
        .unwrap();
    assert_eq!(plain.status(), 308);
    let location = plain
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let port = https.rsplit(':').next().unwrap();
    assert_eq!(location, format!("https://127.0.0.1:{port}/local?x=1"));
    assert_eq!(
        agent
            .get(&format!("{}/health", server.base))
            .call()
            .unwrap()
            .status(),
        200
    );

    // The same certificate after a restart.
    drop(server);
    let mut server = Server::start(&data, &["--https", "127.0.0.1:0"]);
    let again = server.wait_for("HTTPS on https://");
    assert!(
        again.contains(&fingerprint),
        "the certificate is kept: {again}"
    );
}

/// A folder standing in for the box's hardware: the two LEDs, the watchdog device and the
/// reset button's input device (a FIFO the test writes key events into).
pub(crate) fn fake_hardware(root: &Path) {
    // The Pi's own pair, and a pair on GPIO pins (the gpio-led overlay's names).
    for name in ["ACT", "PWR", "porchlight-green", "porchlight-red"] {
        let led = root.join("leds").join(name);
        std::fs::create_dir_all(&led).unwrap();
        std::fs::write(led.join("trigger"), "mmc0").unwrap();
        std::fs::write(led.join("brightness"), "0").unwrap();
    }
    std::fs::write(root.join("watchdog"), b"").unwrap();
    nix::unistd::mkfifo(&root.join("button"), nix::sys::stat::Mode::S_IRWXU).unwrap();
}

/// The server in appliance mode on the fake hardware, on loopback ports, asking `time_server`
/// for the time.
fn start_box(data: &Path, hardware: &Path, time_server: &str) -> Server {
    Server::start(
        data,
        &[
            "--appliance",
            "--hardware",
            hardware.to_str().unwrap(),
            "--https",
            "127.0.0.1:0",
            "--time-server",
            time_server,
        ],
    )
}

/// The box's HTTPS address, from its log.
fn https_base(server: &mut Server) -> String {
    let line = server.wait_for("HTTPS on https://");
    let address = line
        .split("HTTPS on ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    address.to_string()
}

/// Holds the (fake) button for `hold`.
/// (Stamped with the time, as the kernel does: a busy machine may read both at once.)
fn press(button: &mut std::fs::File, hold: std::time::Duration) {
    use porchlight_device::input::key_at;
    button
        .write_all(&key_at(116, true, std::time::SystemTime::now()))
        .unwrap();
    std::thread::sleep(hold);
    // (A confirming press ends the server at once: nobody may be reading any more.)
    let _ = button.write_all(&key_at(116, false, std::time::SystemTime::now()));
}

#[test]
fn the_box_blinks_feeds_its_watchdog_and_answers_the_button() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hardware = dir.path().join("hw");
    fake_hardware(&hardware);
    // The last time known to be right is tomorrow, and no time server answers: the clock
    // cannot be trusted.
    std::fs::create_dir_all(&data).unwrap();
    let tomorrow = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 86_400;
    std::fs::write(data.join("clock-floor"), format!("{tomorrow}\n")).unwrap();
    let mut server = start_box(&data, &hardware, "127.0.0.1:9");
    server.wait_for("feeding the hardware watchdog");
    server.wait_for("answering mDNS for porchlight.local");
    // The clock is not set, so the box asks for attention: the green light stays on and the
    // red one blinks (four times, then a pause). The kernel's triggers are off.
    let leds = hardware.join("leds");
    let (mut green_states, mut red_states) = (
        std::collections::HashSet::new(),
        std::collections::HashSet::new(),
    );
    let until = std::time::Instant::now() + std::time::Duration::from_secs(4);
    while std::time::Instant::now() < until && red_states.len() < 2 {
        let green = std::fs::read_to_string(leds.join("ACT/brightness")).unwrap();
        let red = std::fs::read_to_string(leds.join("PWR/brightness")).unwrap();
        // A read that lands between the truncate and the write of a value sees it empty.
        // (Before the first red blink the lights may still show the start or the fake's "0".)
        if !green.is_empty() && !red.is_empty() && (red == "1" || !red_states.is_empty()) {
            green_states.insert(green);
            red_states.insert(red);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(red_states.len(), 2, "the red light blinks: {red_states:?}");
    assert_eq!(
        green_states,
        std::collections::HashSet::from(["1".to_string()]),
        "the green light stays on"
    );
    // The LEDs on the GPIO pins show the same as the board's (the clock is not set, so the red
    // ones blink), and the kernel's triggers are off there too.
    let read = |name: &str| {
        std::fs::read_to_string(hardware.join("leds").join(name).join("brightness")).unwrap()
    };
    let (mut red_states, mut samples, mut same) = (std::collections::HashSet::new(), 0, 0);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::time::Instant::now() < until {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let (board, pins) = (
            (read("ACT"), read("PWR")),
            (read("porchlight-green"), read("porchlight-red")),
        );
        // A read that lands between the truncate and the write of a value sees it empty.
        if [&board.0, &board.1, &pins.0, &pins.1]
            .iter()
            .any(|v| v.is_empty())
        {
            continue;
        }
        red_states.insert(pins.1.clone());
        samples += 1;
        same += usize::from(board == pins);
    }
    assert_eq!(
        red_states.len(),
        2,
        "the red light on the pins blinks: {red_states:?}"
    );
    assert!(
        same * 10 >= samples * 9,
        "the pins mirror the board: {same} of {samples}"
    );
    for name in ["ACT", "porchlight-green", "porchlight-red"] {
        assert_eq!(
            std::fs::read_to_string(hardware.join("leds").join(name).join("trigger")).unwrap(),
            "none"
        );
    }
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while std::fs::metadata(hardware.join("watchdog")).unwrap().len() == 0 {
        assert!(std::time::Instant::now() < until, "the watchdog is fed");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let mut button = std::fs::OpenOptions::new()
        .write(true)
        .open(hardware.join("button"))
        .unwrap();
    press(&mut button, std::time::Duration::from_millis(200));
    // (The clock is not set; on a machine whose disk is nearly full, that comes first.)
    let status = server.wait_for("status: Attention(");
    assert!(
        status.contains("ClockNotSet") || status.contains("DiskAlmostFull"),
        "{status}"
    );
    // Held for five seconds: a recovery link.
    press(&mut button, std::time::Duration::from_millis(5_300));
    let line = server.wait_for("open the recovery link: ");
    let link = line
        .split("recovery link: ")
        .nth(1)
        .unwrap()
        .trim()
        .to_string();
    assert!(link.contains("/recover/"), "{link}");
    // The box has no screen for the setup link: its front page offers setup to the home
    // network (here, loopback) while there is no host.
    let mut visitor = Browser::accepting_any_certificate(&https_base(&mut server));
    visitor
        .get("/")
        .assert_contains("This box is ready to be set up");

    // A deliberate stop disarms the watchdog (so it does not reboot the box).
    server.signal(nix::sys::signal::Signal::SIGTERM);
    server.wait_for("Porchlight stopped.");
    assert!(
        std::fs::read(hardware.join("watchdog"))
            .unwrap()
            .ends_with(b"V")
    );
}

#[test]
fn a_factory_reset_takes_the_long_hold_and_a_confirmation_and_keeps_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hardware = dir.path().join("hw");
    fake_hardware(&hardware);
    ok(porchlight(
        &data,
        &["user", "add", "ana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    let time = porchlight_device::clock::fake_server(std::time::SystemTime::now());
    let mut server = start_box(&data, &hardware, &time.to_string());
    // (Opening the FIFO waits for the server to open its end.)
    let mut button = std::fs::OpenOptions::new()
        .write(true)
        .open(hardware.join("button"))
        .unwrap();
    server.wait_for("reading the reset button");
    server.wait_for("clock: in step with 127.0.0.1:");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while !data.join("clock-floor").exists() {
        assert!(
            std::time::Instant::now() < until,
            "the time known to be right is kept"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Five seconds: a recovery link, which the box's front page offers to the home network
    // (the box has no screen to show it on), and which sets a new password for the host.
    press(&mut button, std::time::Duration::from_millis(5_300));
    let line = server.wait_for("open the recovery link: ");
    let token = line.trim().rsplit('/').next().unwrap().to_string();
    let mut visitor = Browser::accepting_any_certificate(&https_base(&mut server));
    visitor
        .get("/")
        .assert_contains("The button on the box was held")
        .assert_contains(&format!("href=\"/recover/{token}\""));
    // Fifteen seconds and more, then a confirming press.
    press(&mut button, std::time::Duration::from_millis(15_400));
    std::thread::sleep(std::time::Duration::from_millis(500));
    press(&mut button, std::time::Duration::from_millis(200));
    server.wait_for("factory settings restored");
    let status = server.child.wait().unwrap();
    assert!(status.success(), "the box restarts itself after the reset");
    assert!(!data.join("porchlight.db").exists(), "the camp is gone…");
    // (The box also keeps a backup a day there, made ten seconds after it started.)
    let backups: Vec<_> = std::fs::read_dir(data.join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let before_reset: Vec<_> = backups
        .iter()
        .filter(|p| p.to_string_lossy().contains("before-factory-reset-"))
        .collect();
    assert_eq!(before_reset.len(), 1, "…but kept in a backup first");
    let daily: Vec<_> = backups
        .iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("porchlight-")
        })
        .collect();
    assert_eq!(daily.len(), 1, "and in the day's backup: {backups:?}");
    server.wait_for("daily backup written to");
    let backup = before_reset[0].clone();
    // The backup is the whole camp: it restores.
    ok(porchlight(
        &data,
        &["restore", "--from", backup.to_str().unwrap()],
        None,
    ));
    assert!(ok(porchlight(&data, &["user", "list"], None)).contains("ana"));
}

/// Whether the tests that need private mount namespaces run here. They need `unshare` and root
/// (as on CI); a machine without them fails these tests, unless `PORCHLIGHT_SKIP_NAMESPACES=1`
/// says to skip them knowingly: a test that cannot run must never pass silently.
fn mount_namespaces_work() -> bool {
    let works = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "true"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return true;
    }
    assert!(
        std::env::var("PORCHLIGHT_SKIP_NAMESPACES").as_deref() == Ok("1"),
        "this test needs private mount namespaces (`unshare --mount`, as root), which this \
         machine cannot make; run it as root with util-linux installed, or set \
         PORCHLIGHT_SKIP_NAMESPACES=1 to skip it knowingly"
    );
    eprintln!("skipped on request (PORCHLIGHT_SKIP_NAMESPACES=1): no mount namespaces here");
    false
}

/// A data folder that went read-only (a write-protected card, or one the kernel remounted
/// read-only after errors): the server refuses to start, says why in words, and the data is
/// untouched.
#[test]
fn a_read_only_data_folder_is_refused_with_the_reason_and_left_alone() {
    if !mount_namespaces_work() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(porchlight(
        &data,
        &["user", "add", "hana", "--admin", "--password-stdin"],
        Some("a good long password"),
    ));
    let before = std::fs::read(data.join("porchlight.db")).unwrap();
    let inner = common::porchlight_command();
    let d = data.display();
    let out = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount --bind '{d}' '{d}' && mount -o remount,bind,ro '{d}' && exec \"$@\""
        ))
        .arg("inner")
        .arg(inner.get_program())
        .args(inner.get_args())
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    fails(out, "is on a read-only disk");
    assert_eq!(
        std::fs::read(data.join("porchlight.db")).unwrap(),
        before,
        "the database is untouched"
    );
    let checked = ok(porchlight(&data, &["check"], None));
    assert!(checked.contains("The database is sound"), "{checked}");
}

/// A full disk: new posts are refused with a clear message (507) and nothing half-written;
/// the host's page says the disk is full; everything acknowledged before is still there, and
/// once space is freed posting works again. The camp runs on a 4 MiB tmpfs in its own mount
/// namespace; the test fills that disk through /proc/PID/root.
#[test]
fn a_full_disk_refuses_new_posts_clearly_and_loses_nothing() {
    if !mount_namespaces_work() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let wrapper = format!(
        "exec unshare --mount --propagation private sh -c \
         'mount -t tmpfs -o size=4m tmpfs \"{}\" && exec \"$@\"' inner \"$@\"",
        disk.display()
    );
    let data = disk.join("data");
    let mut server = Server::start_wrapped(&wrapper, &data, &[]);
    let link_line = server.wait_for("To create the host account, open:");
    let link = link_line.split("open: ").nth(1).unwrap().trim().to_string();
    let mut host = Browser::new(&server.base);
    let setup_path = format!("/setup/{}", link.rsplit('/').next().unwrap());
    host.get(&setup_path);
    host.post(
        &setup_path,
        &[
            ("site_name", "Full Camp"),
            ("username", "hana"),
            ("password", PASSWORD),
            ("code_of_conduct", "Be kind."),
        ],
    )
    .assert_status(303);
    for n in 1..=3 {
        host.write_post(&format!("before the disk filled, {n}"), "local");
    }

    // Fill the disk from outside, through the server's view of it.
    let seen = std::path::PathBuf::from(format!(
        "/proc/{}/root{}",
        server.child.id(),
        disk.display()
    ));
    let mut filler = std::fs::File::create(seen.join("filler")).unwrap();
    let chunk = vec![7u8; 16 * 1024];
    while filler
        .write_all(&chunk)
        .and_then(|()| filler.sync_all())
        .is_ok()
    {}
    drop(filler);

    let mut refused = None;
    for n in 0..200 {
        let answer = host.post(
            "/posts",
            &[
                (
                    "text",
                    &format!("a long post to fill the last pages {n} {}", "x".repeat(400)),
                ),
                ("audience", "local"),
            ],
        );
        if answer.status != 303 {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("a post is refused once the disk is full");
    refused
        .assert_status(507)
        .assert_contains("disk is full, so nothing was saved");
    host.get("/admin")
        .assert_contains("The disk is almost full");
    let camp = host.get("/local");
    for n in 1..=3 {
        camp.assert_contains(&format!("before the disk filled, {n}"));
    }

    // Space freed: posting works again, and the database is sound.
    std::fs::remove_file(seen.join("filler")).unwrap();
    host.write_post("after the space was freed", "local");
    let camp = host.get("/local");
    camp.assert_contains("after the space was freed");
    for n in 1..=3 {
        camp.assert_contains(&format!("before the disk filled, {n}"));
    }
    // (SQLite resolves /proc/PID/root back to "/", so the check runs inside the namespace.)
    let inner = common::porchlight_command();
    let checked = std::process::Command::new("nsenter")
        .arg(format!("--mount=/proc/{}/ns/mnt", server.child.id()))
        .arg(inner.get_program())
        .args(inner.get_args())
        .args(["check", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let checked = ok(checked);
    assert!(checked.contains("The database is sound"), "{checked}");
    drop(server);
}

/// A database file a damaged card left empty (0 bytes) or garbled is never taken for a new camp
/// (with a fresh setup link over what the card held): every command refuses it, says what to
/// do, and leaves it as it is.
#[test]
fn an_empty_or_garbled_database_is_refused_not_replaced() {
    for (contents, said) in [
        (&b""[..], "is empty"),
        (
            &b"\x00\x01garbage that is not SQLite at all"[..],
            "is not an SQLite database",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("porchlight.db"), contents).unwrap();
        let serve = common::porchlight_command()
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        let said_out = text(&serve);
        fails(serve, said);
        assert!(said_out.contains("porchlight restore"), "{said_out}");
        assert!(!said_out.contains("/setup/"), "no setup link: {said_out}");
        fails(porchlight(&data, &["check"], None), said);
        fails(porchlight(&data, &["invite"], None), said);
        assert_eq!(
            std::fs::read(data.join("porchlight.db")).unwrap(),
            contents,
            "the file is left as it was"
        );
    }
}

/// Two camps, each the real binary on a private address of its own, federate through the
/// config file's test network (`[federation.test_network]`, as GoToSocial's
/// `http-client.allow-ips`): a follow across, its acceptance, and a post arriving. The mode is
/// announced in the log, and the box refuses it.
#[test]
fn two_binaries_federate_on_a_test_network() {
    let dir = tempfile::tempdir().unwrap();
    // A port of this run's own, on two loopback addresses nothing else here uses.
    let port = 20_000 + (std::process::id() % 20_000) as u16;
    let (a_at, b_at) = (format!("127.0.0.2:{port}"), format!("127.0.0.3:{port}"));
    let camp = |name: &str, at: &str, peer: &str, member: &str| {
        common::test_network_camp(dir.path(), name, at, peer, member, PASSWORD)
    };
    let a = camp("a", &a_at, &b_at, "hana");
    let b = camp("b", &b_at, &a_at, "bo");
    let mut hana = Browser::new(&a.base);
    hana.log_in("hana", PASSWORD);
    let mut bo = Browser::new(&b.base);
    bo.log_in("bo", PASSWORD);
    let follow = hana.post(&format!("/@bo@{b_at}/follow"), &[]);
    assert_eq!(follow.status, 303, "{}", follow.body);
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !hana.get(&format!("/@bo@{b_at}")).body.contains("Unfollow") {
        assert!(
            std::time::Instant::now() < until,
            "the follow was not accepted"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bo.write_post("hello from the other camp", "public");
    while !hana.get("/").body.contains("hello from the other camp") {
        assert!(std::time::Instant::now() < until, "the post did not arrive");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The box will not run so.
    let config = dir.path().join("a.toml");
    fails(
        porchlight(
            &dir.path().join("box"),
            &["serve", "--appliance", "--config", config.to_str().unwrap()],
            None,
        ),
        "the box refuses it",
    );
}

/// `porchlight export` writes the archive a member's page gives, while the camp runs, and
/// `porchlight import` brings it (or one of Mastodon's lists) into another camp: the host's way
/// at a terminal, and the way for an archive larger than the page takes.
#[test]
fn export_and_import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (data, other) = (dir.path().join("data"), dir.path().join("other"));
    for folder in [&data, &other] {
        ok(porchlight(
            folder,
            &["user", "add", "hana", "--admin", "--password-stdin"],
            Some(PASSWORD),
        ));
    }
    ok(porchlight(
        &other,
        &["user", "add", "ken", "--password-stdin"],
        Some(PASSWORD),
    ));
    let server = Server::start(&data, &[]);
    let mut hana = Browser::new(&server.base);
    hana.log_in("hana", PASSWORD);
    let taken = hana.write_post("taken along", "public");
    hana.write_post("camp only words", "local");
    hana.reply(taken, "and back again", "public");

    let archive = dir.path().join("hana.zip");
    let archive_arg = archive.to_str().unwrap();
    let wrote = ok(porchlight(
        &data,
        &["export", "hana", "--to", archive_arg],
        None,
    ));
    assert!(wrote.contains("Wrote"), "{wrote}");
    let mut zip = porchlight_archive::Reader::open(std::fs::File::open(&archive).unwrap()).unwrap();
    let mut texts = Vec::new();
    zip.outbox(|item| {
        texts.push(
            item["object"]["source"]["content"]
                .as_str()
                .unwrap()
                .to_string(),
        );
        true
    })
    .unwrap();
    assert_eq!(texts, ["taken along", "camp only words", "and back again"]);
    drop(server);

    fails(
        porchlight(&data, &["export", "nobody", "--to", archive_arg], None),
        "there is no member called \"nobody\"",
    );
    // Brought into another camp (neither has a public address, so both name their members the
    // same way): two posts, and a list.
    let report = ok(porchlight(
        &other,
        &["import", "hana", "--from", archive_arg],
        None,
    ));
    assert!(report.contains("Brought in: 3 posts"), "{report}");
    let again = ok(porchlight(
        &other,
        &["import", "hana", "--from", archive_arg],
        None,
    ));
    assert!(again.contains("3 posts were here already"), "{again}");
    // The reply is still a reply, to the post it answered as brought in.
    {
        let db = porchlight_db::Db::open(&other.join("porchlight.db")).unwrap();
        let answered: String = db
            .read(|c| {
                c.query_row(
                    "SELECT p.text FROM posts r JOIN posts p ON p.id = r.in_reply_to \
                     WHERE r.text = 'and back again'",
                    [],
                    |r| r.get(0),
                )
            })
            .unwrap();
        assert_eq!(answered, "taken along");
    }
    let list = dir.path().join("blocks.csv");
    std::fs::write(&list, "ken@porchlight.local\nnonsense\n").unwrap();
    let list_arg = list.to_str().unwrap();
    let blocked = ok(porchlight(
        &other,
        &["import", "hana", "--from", list_arg, "--list", "blocks"],
        None,
    ));
    assert!(blocked.contains("1 blocks"), "{blocked}");
    assert!(
        blocked.contains("line 2 of blocked_accounts.csv"),
        "{blocked}"
    );
    fails(
        porchlight(
            &other,
            &["import", "hana", "--from", list_arg, "--list", "friends"],
            None,
        ),
        "unknown list",
    );
    fails(
        porchlight(&other, &["import", "hana", "--from", list_arg], None),
        "cannot be read",
    );
    let server = Server::start(&other, &[]);
    let mut visitor = Browser::new(&server.base);
    visitor
        .get("/@hana")
        .assert_contains("taken along")
        .assert_contains("from an earlier account")
        .assert_lacks("camp only words");
}

/// A dead card's camp comes back on a new one. The host downloads a sealed backup from their
/// page; `porchlight restore` opens it only with its passphrase; and a fresh box's setup page
/// takes it, checks it, and starts again with it in place (the fresh camp kept beside), so the
/// host logs in as before and finds the camp as it was.
#[test]
fn a_sealed_backup_brings_a_camp_back_on_a_fresh_box() {
    let dir = tempfile::tempdir().unwrap();
    let (old, shell, fresh) = (
        dir.path().join("old"),
        dir.path().join("shell"),
        dir.path().join("fresh"),
    );
    ok(porchlight(
        &old,
        &["user", "add", "hana", "--admin", "--password-stdin"],
        Some(PASSWORD),
    ));
    let passphrase = "the lake at dawn";
    let sealed = {
        let server = Server::start(&old, &[]);
        let mut hana = Browser::new(&server.base);
        hana.log_in("hana", PASSWORD);
        hana.write_post("from the old card", "local");
        let download = hana.post(
            "/admin/backup",
            &[("passphrase", passphrase), ("again", passphrase)],
        );
        assert_eq!(download.status, 200, "{}", download.body);
        download.bytes
    };
    let file = dir.path().join("camp.porchlight-backup");
    std::fs::write(&file, &sealed).unwrap();
    let file_arg = file.to_str().unwrap();

    // From the shell.
    fails(
        porchlight(&shell, &["restore", "--from", file_arg], None),
        "--passphrase-stdin",
    );
    fails(
        porchlight(
            &shell,
            &["restore", "--from", file_arg, "--passphrase-stdin"],
            Some("not the passphrase\n"),
        ),
        "passphrase does not open",
    );
    let restored = ok(porchlight(
        &shell,
        &["restore", "--from", file_arg, "--passphrase-stdin"],
        Some(&format!("{passphrase}\n")),
    ));
    assert!(restored.contains("Restored from"), "{restored}");
    assert!(ok(porchlight(&shell, &["user", "list"], None)).contains("hana"));
    // A backup staged for a camp that has a host since is never put in place behind its back.
    let staged = shell.join("porchlight.db.restore");
    ok(porchlight(
        &old,
        &["backup", "--to", staged.to_str().unwrap()],
        None,
    ));
    ok(porchlight(
        &shell,
        &["user", "add", "ken", "--password-stdin"],
        Some(PASSWORD),
    ));
    {
        let mut server = Server::start(&shell, &[]);
        server.wait_for("could not be restored: the camp was set up in the meantime");
    }
    assert!(!staged.exists());
    assert!(ok(porchlight(&shell, &["user", "list"], None)).contains("ken"));

    // From a fresh box's setup page: the server starts again by itself, on the same address.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Server::start_at(&fresh, &format!("127.0.0.1:{port}"), &[], &[]);
    let link = server.wait_for("To create the host account, open:");
    let setup = link.split(&server.base).nth(1).unwrap().trim().to_string();
    let mut visitor = Browser::new(&server.base);
    let answer = visitor.post_multipart(
        &format!("{setup}/restore"),
        &[("passphrase", passphrase)],
        &[(
            "backup",
            "camp.porchlight-backup",
            "application/octet-stream",
            &sealed,
        )],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.assert_contains("The backup is checked and sound");
    server.forget_until("starting again");
    if std::env::var("PORCHLIGHT_TEST_RUNNER").is_ok_and(|r| !r.is_empty()) {
        // Under qemu-user (the ARM binary's tests) a program cannot exec itself; it stops
        // instead, and is started again as the box's supervisor or systemd would.
        server.wait_for("cannot restart");
        let _ = server.child.wait();
        server = Server::start_at(&fresh, &format!("127.0.0.1:{port}"), &[], &[]);
    }
    server.wait_for("restored from the backup given on the setup page");
    server.wait_for("is listening on");
    let mut hana = Browser::new(&server.base);
    hana.log_in("hana", PASSWORD);
    hana.get("/@hana").assert_contains("from the old card");
    let kept = std::fs::read_dir(&fresh)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("porchlight.db.before-restore-")
        });
    assert!(kept, "the fresh camp it replaced is kept beside");
}
