//! Leaving is a right (docs/MOVING.md), between real camps on loopback, through the members'
//! own pages: moving an account (its followers here, on the new camp and on a third follow the
//! new account; the old one points there, stays readable and takes no posts; apps see `moved`);
//! a `Move` that its target does not confirm changes nothing; the archive a member downloads
//! holds their posts, pictures and lists in Mastodon's format; and a fork: five of eight members
//! take their archives to a new camp, bring them in and move, so that every post and follow of
//! theirs arrives and nothing of those who stayed travels with them.

use std::io::Cursor;

use porchlight_core::audience::Role;
use porchlight_testkit::peer::Peer;
use porchlight_testkit::{Browser, PASSWORD, TestCamp};
use serde_json::{Value, json};

use crate::api::{Client, token_for};
use crate::follows;

/// Waits for a member's newest export or import on `camp` to finish; its state and report.
fn job_done(camp: &TestCamp, member: &str, kind: &str) -> (String, String) {
    let newest = format!(
        "SELECT {{}} FROM archive_jobs j JOIN accounts a ON a.id = j.account_id \
         WHERE a.username = '{member}' AND a.domain IS NULL AND j.kind = '{kind}' \
         ORDER BY j.id DESC LIMIT 1"
    );
    camp.wait_for(&format!("{member}'s {kind} to finish"), |c| {
        matches!(
            c.query_string(&newest.replace("{}", "state")).as_str(),
            "done" | "failed"
        )
    });
    (
        camp.query_string(&newest.replace("{}", "state")),
        camp.query_string(&newest.replace("{}", "report")),
    )
}

/// Asks for an archive from the member's page, waits for it, and downloads it.
fn download_archive(camp: &TestCamp, browser: &mut Browser, member: &str) -> Vec<u8> {
    let asked = browser.post("/settings/export", &[]);
    assert_eq!(asked.status, 303, "{}", asked.body);
    let (state, report) = job_done(camp, member, "export");
    assert_eq!(state, "done", "{report}");
    let page = browser.get("/settings/moving");
    page.assert_status(200).assert_contains("Download");
    let id = camp.query_i64(&format!(
        "SELECT j.id FROM archive_jobs j JOIN accounts a ON a.id = j.account_id \
         WHERE a.username = '{member}' AND a.domain IS NULL AND j.kind = 'export' \
         ORDER BY j.id DESC LIMIT 1"
    ));
    let download = browser.get(&format!("/settings/export/{id}"));
    assert_eq!(download.status, 200, "{}", download.body);
    assert_eq!(download.header("content-type"), Some("application/zip"));
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.contains(&format!("porchlight-{member}-archive.zip"))),
        "{:?}",
        download.headers
    );
    download.bytes
}

/// A move the new account does not confirm: refused on the page, and nothing moved.
pub(crate) fn refused_move(camp: &TestCamp, browser: &mut Browser, target: &str) {
    let refused = browser.post(
        "/settings/move",
        &[("target", target), ("password", PASSWORD)],
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("does not name this account"),
        "{}",
        refused.body
    );
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM accounts WHERE moved_to IS NOT NULL"),
        0
    );
}

/// A member moves to their account of the same name on `camp`, from their settings.
fn move_to(browser: &mut Browser, name: &str, camp: &TestCamp) {
    let moved = browser.post(
        "/settings/move",
        &[
            ("target", &format!("{name}@{}", camp.host())),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(moved.status, 303, "{name}: {}", moved.body);
}

/// Sends an archive from the member's "Bring your things here" form.
fn bring_in(browser: &mut Browser, archive: &[u8]) -> porchlight_testkit::Answer {
    browser.post_multipart(
        "/settings/import",
        &[("list", "")],
        &[("archive", "archive.zip", "application/zip", archive)],
    )
}

fn entry(zip: &mut porchlight_archive::Reader<Cursor<Vec<u8>>>, name: &str) -> Vec<u8> {
    zip.bytes(name, 64 * 1024 * 1024)
        .unwrap_or_else(|e| panic!("{name} in the archive: {e}"))
        .unwrap_or_else(|| panic!("no {name} in the archive"))
}

/// Ana moves from camp A to camp B. Her followers on A (Al), on B (Bo) and on C (Cy) follow her
/// new account; her old profile points there and takes no posts; apps see `moved`.
#[test]
fn a_member_moves_between_camps_and_every_follower_follows_on() {
    let camps = TestCamp::federating_group(3);
    let (a, b, c) = (&camps[0], &camps[1], &camps[2]);
    a.add_member("ana", Role::Host);
    a.add_member("al", Role::Member);
    b.add_member("bo", Role::Host);
    b.add_member("ana", Role::Member);
    c.add_member("cy", Role::Host);
    let old = format!("{}/users/ana", a.base);
    let new = format!("{}/users/ana", b.base);

    let mut al = a.logged_in("al");
    assert_eq!(al.post("/@ana/follow", &[]).status, 303);
    let mut bo = b.logged_in("bo");
    assert_eq!(
        bo.post(&format!("/@ana@{}/follow", a.host()), &[]).status,
        303
    );
    let mut cy = c.logged_in("cy");
    assert_eq!(
        cy.post(&format!("/@ana@{}/follow", a.host()), &[]).status,
        303
    );
    b.wait_for("Bo's follow of Ana on A", |b| follows(b, "bo", &old) == 1);
    c.wait_for("Cy's follow of Ana on A", |c| follows(c, "cy", &old) == 1);
    let mut ana_a = a.logged_in("ana");
    ana_a.write_post("written before the move", "public");

    // Without the new account naming the old one, nothing moves.
    refused_move(a, &mut ana_a, &format!("ana@{}", b.host()));

    // On B, Ana names her account on A; her actor there says so.
    let mut ana_b = b.logged_in("ana");
    let named = ana_b.post(
        "/settings/aliases",
        &[("account", &format!("@ana@{}", a.host()))],
    );
    assert_eq!(named.status, 303, "{}", named.body);
    ana_b
        .get("/settings/moving")
        .assert_contains(&format!("@ana@{}", a.host()));
    let doc = b.actor_document("ana");
    assert_eq!(doc["alsoKnownAs"], json!([old]), "{doc}");

    // She moves from A.
    let moved = ana_a.post(
        "/settings/move",
        &[
            ("target", &format!("ana@{}", b.host())),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(moved.status, 303, "{}", moved.body);
    a.wait_for("Al to follow Ana on B", |a| {
        follows(a, "al", &new) == 1 && follows(a, "al", "ana") == 0
    });
    b.wait_for("Bo to follow Ana here", |b| {
        follows(b, "bo", "ana") == 1 && follows(b, "bo", &old) == 0
    });
    c.wait_for("Cy to follow Ana on B", |c| {
        follows(c, "cy", &new) == 1 && follows(c, "cy", &old) == 0
    });
    b.wait_for("Al's and Cy's follows to arrive on B", |b| {
        b.query_i64(
            "SELECT COUNT(*) FROM follows f JOIN accounts a ON a.id = f.followee_id \
             WHERE a.username = 'ana' AND a.domain IS NULL",
        ) == 3
    });

    // The old account: readable, pointing at the new one, taking no posts.
    a.browser()
        .get("/@ana")
        .assert_status(200)
        .assert_contains("This account has moved to")
        .assert_contains(&format!("@ana@{}", b.host()))
        .assert_contains("written before the move");
    let post = ana_a.post("/posts", &[("text", "one more"), ("audience", "public")]);
    assert_eq!(post.status, 403, "{}", post.body);
    let again = ana_a.post(
        "/settings/move",
        &[
            ("target", &format!("ana@{}", b.host())),
            ("password", PASSWORD),
        ],
    );
    assert_eq!(again.status, 422, "{}", again.body);
    // Cy's camp shows the old profile's pointer too.
    cy.get(&format!("/@ana@{}", a.host()))
        .assert_contains("This account has moved to");
    // Apps see `moved` (Mastodon's Account entity), on the old camp and elsewhere.
    let client = Client::new(a);
    let token = token_for(a, &client, "al", "read");
    let account = client.get("/api/v1/accounts/lookup?acct=ana", Some(&token));
    assert_eq!(account.status, 200);
    assert_eq!(
        account.json["moved"]["acct"],
        format!("ana@{}", b.host()),
        "{}",
        account.json
    );
    assert_eq!(account.json["moved"]["url"], format!("{}/@ana", b.base));
}

/// A `Move` is believed only when its target names the sender: a stand-in server's person
/// followed by a member, moving to an account that does not name them (and to one on the same
/// server that moved on, and on someone else's behalf), changes no follow here.
#[test]
fn a_move_its_target_does_not_confirm_changes_nothing() {
    let camp = TestCamp::federating();
    let peer = Peer::start();
    camp.allow_peers(&[peer.address()]);
    camp.add_member("ana", Role::Host);
    let zed = peer.add_actor("zed");
    let other = peer.add_actor("other");
    let inbox = format!("{}/inbox", camp.base);
    let mut ana = camp.logged_in("ana");
    assert_eq!(
        ana.post(&format!("/@zed@{}/follow", peer.host()), &[])
            .status,
        303
    );
    // The stand-in accepts by hand.
    let follow_id = camp.query_string("SELECT activity_id FROM follow_requests LIMIT 1");
    let (status, body) = peer.post_signed(
        &inbox,
        "zed",
        &json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{zed}#accept/1"),
            "type": "Accept",
            "actor": zed,
            "object": { "id": follow_id, "type": "Follow", "actor": format!("{}/users/ana", camp.base), "object": zed },
        }),
    );
    assert_eq!(status, 202, "{body}");
    camp.wait_for("Ana to follow zed", |c| follows(c, "ana", &zed) == 1);

    for (n, (sender, sender_id, moved, target)) in [
        // zed moves to `other`, whose actor does not name zed.
        ("zed", &zed, &zed, &other),
        // Someone moves zed on zed's behalf.
        ("other", &other, &zed, &other),
        // zed moves to itself.
        ("zed", &zed, &zed, &zed),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, body) = peer.post_signed(
            &inbox,
            sender,
            &json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": format!("{sender_id}#moves/{n}"),
                "type": "Move",
                "actor": sender_id,
                "object": moved,
                "target": target,
            }),
        );
        assert_eq!(status, 202, "{body}");
    }
    camp.settle();
    assert_eq!(follows(&camp, "ana", &zed), 1);
    assert_eq!(follows(&camp, "ana", &other), 0);
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM accounts WHERE moved_to IS NOT NULL"),
        0
    );
}

/// What a member downloads is Mastodon's archive: their actor, every post of theirs with its
/// audience (camp-only ones too, marked as such), their pictures, likes, bookmarks and lists.
#[test]
fn the_archive_holds_every_post_picture_and_list_of_the_member() {
    let camp = TestCamp::federating();
    camp.add_member("ana", Role::Host);
    camp.add_member("bo", Role::Member);
    let mut ana = camp.logged_in("ana");
    let mut bo = camp.logged_in("bo");
    let bo_post = bo.write_post("bo's own post", "public");
    ana.write_post("for everyone", "public");
    ana.write_post("just the camp", "local");
    ana.write_post("followers only", "followers");
    let photo = porchlight_pictures::samples::jpeg(64, 48, None);
    let pictured = ana.post_multipart(
        "/posts",
        &[
            ("text", "with a picture"),
            ("audience", "public"),
            ("picture_description", "a tent by the lake"),
        ],
        &[("picture", "tent.jpg", "image/jpeg", &photo)],
    );
    assert_eq!(pictured.status, 303, "{}", pictured.body);
    assert_eq!(ana.post("/@bo/follow", &[]).status, 303);
    assert_eq!(
        ana.post(&format!("/posts/{bo_post}/favourite"), &[]).status,
        303
    );
    assert_eq!(
        ana.post(&format!("/posts/{bo_post}/bookmark"), &[]).status,
        303
    );

    let bytes = download_archive(&camp, &mut ana, "ana");
    let mut zip = porchlight_archive::Reader::open(Cursor::new(bytes)).unwrap();
    let actor: Value = serde_json::from_slice(&entry(&mut zip, "actor.json")).unwrap();
    assert_eq!(actor["id"], format!("{}/users/ana", camp.base));
    assert_eq!(actor["type"], "Person");
    let outbox: Value = serde_json::from_slice(&entry(&mut zip, "outbox.json")).unwrap();
    assert_eq!(outbox["type"], "OrderedCollection");
    assert_eq!(outbox["totalItems"], 4);
    let items = outbox["orderedItems"].as_array().unwrap();
    let texts: Vec<&str> = items
        .iter()
        .map(|i| i["object"]["source"]["content"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        texts,
        [
            "for everyone",
            "just the camp",
            "followers only",
            "with a picture"
        ]
    );
    let audiences: Vec<&str> = items
        .iter()
        .map(|i| i["object"]["porchlightAudience"].as_str().unwrap())
        .collect();
    assert_eq!(audiences, ["public", "local", "followers", "public"]);
    assert!(items.iter().all(|i| i["type"] == "Create"));
    assert_eq!(
        items[1]["object"]["to"],
        json!([]),
        "camp-only is addressed to nobody"
    );
    assert!(
        !texts.contains(&"bo's own post"),
        "only the member's own posts"
    );
    let attachment = &items[3]["object"]["attachment"][0];
    assert_eq!(attachment["name"], "a tent by the lake");
    let path = attachment["url"].as_str().unwrap();
    assert!(path.starts_with("/media_attachments/files/"), "{path}");
    let picture = entry(&mut zip, path.trim_start_matches('/'));
    assert!(picture.starts_with(&[0xFF, 0xD8]), "a JPEG");
    let likes: Value = serde_json::from_slice(&entry(&mut zip, "likes.json")).unwrap();
    assert_eq!(
        likes["orderedItems"],
        json!([format!("{}/posts/{bo_post}", camp.base)])
    );
    let bookmarks: Value = serde_json::from_slice(&entry(&mut zip, "bookmarks.json")).unwrap();
    assert_eq!(bookmarks["orderedItems"], likes["orderedItems"]);
    let following = String::from_utf8(entry(&mut zip, "following_accounts.csv")).unwrap();
    assert_eq!(
        following,
        format!(
            "Account address,Show boosts,Notify on new posts,Languages\nbo@{},true,false,\n",
            camp.host()
        )
    );
    for name in [
        "blocked_accounts.csv",
        "muted_accounts.csv",
        "lists.csv",
        "bookmarks.csv",
        "blocked_domains.csv",
    ] {
        entry(&mut zip, name);
    }
    // Nobody else may download it, and a member's export page is their own.
    let id = camp.query_i64("SELECT id FROM archive_jobs LIMIT 1");
    assert_eq!(bo.get(&format!("/settings/export/{id}")).status, 404);
    assert_eq!(
        camp.browser().get(&format!("/settings/export/{id}")).status,
        303
    );
}

/// Bad files are refused with a clear message and change nothing; a list with garbage rows
/// brings in the good ones and says which lines it skipped.
#[test]
fn bad_archives_and_lists_are_refused_or_reported_line_by_line() {
    let camp = TestCamp::federating();
    camp.add_member("ana", Role::Host);
    camp.add_member("bo", Role::Member);
    let mut ana = camp.logged_in("ana");
    for (bytes, list, expected) in [
        (&b""[..], "", "the one sent was empty"),
        (b"PK\x03\x04 not really a zip", "", "cannot be read"),
        (b"bo\n", "", "not a zip archive"),
    ] {
        let answer = ana.post_multipart(
            "/settings/import",
            &[("list", list)],
            &[("archive", "file", "application/octet-stream", bytes)],
        );
        assert_eq!(answer.status, 422, "{}", answer.body);
        assert!(
            answer.body.contains(expected),
            "{expected}: {}",
            answer.body
        );
    }
    assert_eq!(camp.count("archive_jobs"), 0);
    let list = format!("bo@{}\nnot an address\n<script>@x\n", camp.host());
    let answer = ana.post_multipart(
        "/settings/import",
        &[("list", "blocks")],
        &[("archive", "blocks.csv", "text/csv", list.as_bytes())],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let (state, report) = job_done(&camp, "ana", "import");
    assert_eq!(state, "done", "{report}");
    assert!(report.contains("1 blocks"), "{report}");
    assert!(
        report.contains("line 2 of blocked_accounts.csv"),
        "{report}"
    );
    assert!(
        report.contains("line 3 of blocked_accounts.csv"),
        "{report}"
    );
    assert_eq!(camp.count("account_blocks"), 1);
    ana.get("/settings/moving")
        .assert_contains("line 2 of blocked_accounts.csv");
}

/// Camp 2: five of eight members leave camp A for camp B without the old host's help. Each
/// downloads their archive, makes an account on B, names their old one, brings the archive in
/// and moves. Every post of theirs arrives (dates, audiences, pictures), nothing of the three
/// who stayed does, and their follows of each other are made again inside B by the moves.
#[test]
fn five_of_eight_members_fork_a_camp_and_take_everything_of_theirs() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    let everyone = ["m1", "m2", "m3", "m4", "m5", "s6", "s7", "s8"];
    let movers = &everyone[..5];
    let stayers = &everyone[5..];
    a.add_member("m1", Role::Host);
    for name in &everyone[1..] {
        a.add_member(name, Role::Member);
    }
    b.add_member("kim", Role::Host);
    let mut on_a: Vec<Browser> = everyone.iter().map(|n| a.logged_in(n)).collect();
    // Everyone follows everyone, and writes one post of each kind; movers add a picture.
    for (i, browser) in on_a.iter_mut().enumerate() {
        for other in everyone.iter().filter(|o| **o != everyone[i]) {
            assert_eq!(browser.post(&format!("/@{other}/follow"), &[]).status, 303);
        }
        let me = everyone[i];
        browser.write_post(&format!("{me} public"), "public");
        browser.write_post(&format!("{me} camp only"), "local");
        browser.write_post(&format!("{me} for followers"), "followers");
        if i < movers.len() {
            let photo = porchlight_pictures::samples::jpeg(32, 24, None);
            let answer = browser.post_multipart(
                "/posts",
                &[("text", &format!("{me} pictured")), ("audience", "public")],
                &[("picture", "p.jpg", "image/jpeg", &photo)],
            );
            assert_eq!(answer.status, 303, "{}", answer.body);
        }
    }
    // The posts were written at least a second ago (their dates must travel unchanged).
    a.execute("UPDATE posts SET created_at = created_at - 86400");
    let written_at: i64 = a.query_i64("SELECT MIN(created_at) FROM posts");

    for (i, mover) in movers.iter().enumerate() {
        let archive = download_archive(a, &mut on_a[i], mover);
        b.add_member(mover, Role::Member);
        let mut there = b.logged_in(mover);
        // Someone else's archive is refused post by post until it is named as one's own.
        if i == 0 {
            let answer = bring_in(&mut there, &archive);
            assert_eq!(answer.status, 303, "{}", answer.body);
            let (state, report) = job_done(b, mover, "import");
            assert_eq!(state, "done", "{report}");
            assert!(
                report.contains("does not name as an earlier account"),
                "{report}"
            );
            assert_eq!(
                b.query_i64("SELECT COUNT(*) FROM posts WHERE imported_from IS NOT NULL"),
                0
            );
        }
        let named = there.post(
            "/settings/aliases",
            &[("account", &format!("{mover}@{}", a.host()))],
        );
        assert_eq!(named.status, 303, "{}", named.body);
        let answer = bring_in(&mut there, &archive);
        assert_eq!(answer.status, 303, "{}", answer.body);
        let (state, report) = job_done(b, mover, "import");
        assert_eq!(state, "done", "{report}");
        assert!(report.contains("4 posts, 1 pictures"), "{mover}: {report}");
        // Importing the same archive again adds nothing.
        if i == 0 {
            bring_in(&mut there, &archive);
            let (_, report) = job_done(b, mover, "import");
            assert!(report.contains("4 posts were here already"), "{report}");
        }
    }
    // Every mover's four posts arrived, with their dates and audiences; none of the stayers'.
    for mover in movers {
        let of = |audience: &str| {
            b.query_i64(&format!(
                "SELECT COUNT(*) FROM posts p JOIN accounts a ON a.id = p.author_id \
                 WHERE a.username = '{mover}' AND a.domain IS NULL AND p.audience = '{audience}' \
                 AND p.imported_from IS NOT NULL AND p.created_at <= {}",
                written_at + 86400
            ))
        };
        assert_eq!(
            (of("public"), of("local"), of("followers")),
            (2, 1, 1),
            "{mover}"
        );
    }
    assert_eq!(b.count("uploads"), 5);
    for stayer in stayers {
        assert_eq!(
            b.query_i64(&format!(
                "SELECT COUNT(*) FROM posts WHERE text LIKE '{stayer} %'"
            )),
            0,
            "{stayer}'s posts stay on A"
        );
    }
    // Imported posts are not anyone's news: not on timelines, not delivered, no notifications.
    assert_eq!(b.count("notifications"), 0);
    let mut m2 = b.logged_in("m2");
    m2.get("/local").assert_lacks("m1 public");
    m2.get("/@m1")
        .assert_contains("m1 public")
        .assert_contains("from an earlier account");
    m2.get("/search?q=pictured").assert_contains("m1 pictured");
    // Nor are they news to other servers: the ActivityPub outbox leaves them out.
    let outbox = b.browser().get_with(
        "/users/m1/outbox",
        &[("accept", "application/activity+json")],
    );
    assert_eq!(outbox.status, 200, "{}", outbox.body);
    assert!(!outbox.body.contains("m1 public"), "{}", outbox.body);

    // Each mover moves; their follows of each other are made again inside B, and the stayers
    // on A now follow them on B. (First, their imported follows of each other's old accounts
    // are accepted.)
    b.wait_for("the movers on B to follow each other's old accounts", |b| {
        movers.iter().all(|m| {
            movers
                .iter()
                .filter(|o| *o != m)
                .all(|o| follows(b, m, &format!("{}/users/{o}", a.base)) == 1)
        })
    });
    for (i, mover) in movers.iter().enumerate() {
        move_to(&mut on_a[i], mover, b);
    }
    b.wait_for("the movers to follow each other inside B", |b| {
        movers.iter().all(|m| {
            movers
                .iter()
                .filter(|o| *o != m)
                .all(|o| follows(b, m, o) == 1)
        })
    });
    a.wait_for("the stayers to follow the movers on B", |a| {
        stayers.iter().all(|s| {
            movers.iter().all(|m| {
                follows(a, s, &format!("{}/users/{m}", b.base)) == 1 && follows(a, s, m) == 0
            })
        })
    });
    b.wait_for("the stayers' follows to arrive on B", |b| {
        stayers.iter().all(|s| {
            movers
                .iter()
                .all(|m| follows(b, &format!("{}/users/{s}", a.base), m) == 1)
        })
    });
}

/// Backups that leave the card: the host downloads a sealed copy (only a host; the two
/// passphrases must agree); a fresh camp's setup page takes it back only with its passphrase,
/// checks it, and stages it to replace the database at the next start. Junk changes nothing.
#[test]
fn a_sealed_backup_leaves_the_card_and_a_fresh_camp_takes_it_back() {
    let camp = TestCamp::federating();
    camp.add_member("ana", Role::Host);
    camp.add_member("bo", Role::Member);
    let mut ana = camp.logged_in("ana");
    ana.write_post("worth keeping", "local");
    let passphrase = "the lake at dawn";
    let differ = ana.post(
        "/admin/backup",
        &[("passphrase", passphrase), ("again", "the lake at dusk")],
    );
    assert_eq!(differ.status, 422, "{}", differ.body);
    assert!(differ.body.contains("not the same"), "{}", differ.body);
    let mut bo = camp.logged_in("bo");
    assert_eq!(
        bo.post(
            "/admin/backup",
            &[("passphrase", passphrase), ("again", passphrase)]
        )
        .status,
        403
    );
    let download = ana.post(
        "/admin/backup",
        &[("passphrase", passphrase), ("again", passphrase)],
    );
    assert_eq!(download.status, 200, "{}", download.body);
    assert!(download.bytes.starts_with(b"PORCHLIGHT-SEALED-1\n"));
    assert!(
        !download.bytes.windows(13).any(|w| w == b"worth keeping"),
        "nothing of the camp shows through the seal"
    );
    assert!(
        download
            .header("content-disposition")
            .is_some_and(|d| d.contains(".porchlight-backup")),
        "{:?}",
        download.headers
    );

    // A fresh camp, not set up yet.
    let fresh = TestCamp::start();
    let token = fresh.app.issue_setup_token().unwrap().expect("no host yet");
    let mut visitor = fresh.browser();
    visitor
        .get(&format!("/setup/{token}"))
        .assert_contains("Or restore a camp from a backup");
    let staged = fresh.dir.path().join("porchlight.db.restore");
    let restore = |visitor: &mut Browser, bytes: &[u8], passphrase: &str| {
        visitor.post_multipart(
            &format!("/setup/{token}/restore"),
            &[("passphrase", passphrase)],
            &[(
                "backup",
                "camp.porchlight-backup",
                "application/octet-stream",
                bytes,
            )],
        )
    };
    for (bytes, passphrase, expected) in [
        (
            &download.bytes[..],
            "not the passphrase",
            "passphrase does not open",
        ),
        (
            &download.bytes[..download.bytes.len() - 100],
            passphrase,
            "cut short",
        ),
        (
            &b"just some bytes that are no camp at all"[..],
            "",
            "not a Porchlight backup",
        ),
        (&b""[..], "", "Choose the backup file"),
    ] {
        let answer = restore(&mut visitor, bytes, passphrase);
        assert_eq!(answer.status, 422, "{expected}: {}", answer.body);
        assert!(
            answer.body.contains(expected),
            "{expected}: {}",
            answer.body
        );
        assert!(!staged.exists(), "{expected}: nothing is staged");
    }
    let answer = restore(&mut visitor, &download.bytes, passphrase);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.assert_contains("The backup is checked and sound");
    assert!(staged.exists());
    let restored = porchlight_app::db::Db::open(&staged).unwrap();
    let kept: String = restored
        .read(|c| c.query_row("SELECT text FROM posts", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(kept, "worth keeping");
    // Nothing half-sent is left in the spool.
    let spool = fresh.dir.path().join("incoming");
    assert!(
        std::fs::read_dir(&spool).map(|d| d.count()).unwrap_or(0) == 0,
        "the spool is empty"
    );
    // Once a camp has a host, its setup link restores nothing.
    let other = TestCamp::start();
    let token = other.app.issue_setup_token().unwrap().expect("no host yet");
    other.add_member("cy", Role::Host);
    let answer = other.browser().post_multipart(
        &format!("/setup/{token}/restore"),
        &[("passphrase", passphrase)],
        &[("backup", "b", "application/octet-stream", &download.bytes)],
    );
    assert!(
        answer.status == 403 || answer.status == 413,
        "{}",
        answer.status
    );
    assert!(!other.dir.path().join("porchlight.db.restore").exists());
}

/// An archive past the largest the page takes is refused by its declared length, before a
/// byte of it is written.
#[test]
fn an_archive_larger_than_the_page_takes_is_refused_before_it_is_read() {
    use std::io::{Read, Write};
    let camp = TestCamp::federating();
    camp.add_member("ana", Role::Host);
    let mut ana = camp.logged_in("ana");
    let token = ana.csrf();
    let cookie = ana.cookie_header();
    let mut stream = std::net::TcpStream::connect(camp.address()).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // One write: the camp answers as soon as it has read the head, and a request written in
    // pieces could find the connection closed under its later pieces.
    let head = format!(
        "POST /settings/import HTTP/1.1\r\nHost: {}\r\nCookie: {cookie}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 5368709120\r\n\r\n\
         --x\r\ncontent-disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n",
        camp.host()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert_eq!(camp.count("archive_jobs"), 0);
}

/// Camp 2 with the old host's help: five of eight members say on their own pages that they
/// want to go; the host's bundle holds them and nobody else; the new camp's host brings it in:
/// an account for each with a link to choose a password, their posts, their follows of each
/// other made inside the new camp. Then each moves with one action, and those who stayed follow
/// them there.
#[test]
fn a_host_bundles_the_members_who_want_to_go_and_camp_2_brings_them_in() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    let everyone = ["hana", "m2", "m3", "m4", "m5", "m6", "s7", "s8"];
    let movers = &everyone[1..6];
    a.add_member("hana", Role::Host);
    for name in &everyone[1..] {
        a.add_member(name, Role::Member);
    }
    let mut on_a: Vec<Browser> = everyone.iter().map(|n| a.logged_in(n)).collect();
    for (i, browser) in on_a.iter_mut().enumerate() {
        for other in everyone.iter().filter(|o| **o != everyone[i]) {
            assert_eq!(browser.post(&format!("/@{other}/follow"), &[]).status, 303);
        }
        let me = everyone[i];
        browser.write_post(&format!("{me} public"), "public");
        browser.write_post(&format!("{me} camp only"), "local");
    }
    // A direct message stays with its people: no bundle holds it.
    on_a[1].write_post("@s7 a secret between us", "direct");
    // Nobody is bundled without saying so.
    let refused = on_a[0].post("/admin/fork", &[]);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("Nobody has said"), "{}", refused.body);
    for (i, name) in everyone.iter().enumerate() {
        if movers.contains(name) {
            let said = on_a[i].post("/settings/fork-consent", &[("wants", "on")]);
            assert_eq!(said.status, 303, "{}", said.body);
        }
    }
    // A member cannot make the bundle, nor download one.
    assert_eq!(on_a[6].post("/admin/fork", &[]).status, 403);
    on_a[0]
        .get("/admin/fork")
        .assert_contains("5 want to go: @m2, @m3, @m4, @m5, @m6");
    assert_eq!(on_a[0].post("/admin/fork", &[]).status, 303);
    let (state, report) = job_done(a, "hana", "fork");
    assert_eq!(state, "done", "{report}");
    let id = a.query_i64("SELECT id FROM archive_jobs WHERE kind = 'fork'");
    assert_eq!(on_a[6].get(&format!("/admin/fork/{id}")).status, 403);
    let download = on_a[0].get(&format!("/admin/fork/{id}"));
    assert_eq!(download.status, 200, "{}", download.body);
    let bundle = download.bytes;
    let mut reader = porchlight_archive::Reader::open(Cursor::new(bundle.clone())).unwrap();
    let mut names = reader.names_under("members/");
    names.sort();
    assert_eq!(
        names,
        movers
            .iter()
            .map(|m| format!("members/{m}.zip"))
            .collect::<Vec<_>>()
    );
    let camp: Value = serde_json::from_slice(&entry(&mut reader, "camp.json")).unwrap();
    assert_eq!(camp["host"], a.host());
    assert_eq!(camp["members"].as_array().unwrap().len(), 5);

    // Camp 2.
    b.add_member("kim", Role::Host);
    let mut kim = b.logged_in("kim");
    let answer = kim.post_multipart(
        "/admin/fork/import",
        &[],
        &[("bundle", "bundle.zip", "application/zip", &bundle)],
    );
    assert_eq!(answer.status, 303, "{}", answer.body);
    let (state, report) = job_done(b, "kim", "fork_import");
    assert_eq!(state, "done", "{report}");
    assert!(report.contains("5 members brought in"), "{report}");
    for mover in movers {
        assert_eq!(
            b.query_i64(&format!(
                "SELECT COUNT(*) FROM posts p JOIN accounts a ON a.id = p.author_id \
                 WHERE a.username = '{mover}' AND a.domain IS NULL AND p.imported_from IS NOT NULL"
            )),
            2,
            "{mover}'s posts"
        );
        for other in movers.iter().filter(|o| *o != mover) {
            assert_eq!(
                follows(b, mover, other),
                1,
                "{mover} follows {other} inside Camp 2"
            );
        }
    }
    for stayer in ["hana", "s7", "s8"] {
        assert_eq!(
            b.query_i64(&format!(
                "SELECT COUNT(*) FROM posts WHERE text LIKE '{stayer} %'"
            )),
            0,
            "nothing of {stayer}'s travels"
        );
    }
    assert_eq!(
        b.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE '%secret%'"),
        0,
        "no direct message travels in a bundle"
    );
    // Each has a link to choose a password.
    let link = report
        .lines()
        .find(|l| l.contains("/reset/"))
        .and_then(|l| l.split("(for a day): ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    b.browser().get(&link).assert_status(200);

    // Each moves with one action on the old camp; those who stayed follow them to Camp 2.
    for (i, name) in everyone.iter().enumerate() {
        if movers.contains(name) {
            move_to(&mut on_a[i], name, b);
        }
    }
    a.wait_for("the stayers to follow the movers in Camp 2", |a| {
        ["hana", "s7", "s8"].iter().all(|s| {
            movers
                .iter()
                .all(|m| follows(a, s, &format!("{}/users/{m}", b.base)) == 1)
        })
    });
}

/// A member's archives go with them when a host removes them (the backup made before the
/// removal keeps everything); nothing of theirs is left lying in the exports folder.
#[test]
fn removing_a_member_deletes_their_archives() {
    let camp = TestCamp::federating();
    camp.add_member("ana", Role::Host);
    let bo = camp.add_member("bo", Role::Member);
    let mut bo_browser = camp.logged_in("bo");
    bo_browser.write_post("mine to take", "public");
    download_archive(&camp, &mut bo_browser, "bo");
    let file = camp
        .dir
        .path()
        .join(camp.query_string("SELECT file FROM archive_jobs"));
    assert!(file.is_file());
    let mut ana = camp.logged_in("ana");
    let removed = ana.post(
        &format!("/admin/members/{bo}/remove"),
        &[("confirm", "bo"), ("reason", "asked to leave")],
    );
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert!(!file.exists(), "the archive went with them");
    assert_eq!(camp.count("archive_jobs"), 0);
}
