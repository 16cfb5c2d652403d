//! A walk over the pages' route table (`porchlight_http::PAGE_ROUTES`), as the API's scope walk
//! does for its table: every form refuses a missing or another browser's form token, every
//! member page sends a visitor to the login page, every host's tool refuses a member (and the
//! hosts-only ones a moderator), and no page answers a server error for any of them. A route
//! added to the table is walked without anyone writing a test for it.

use porchlight_core::audience::Role;
use porchlight_http::{Access, PAGE_ROUTES, PageMethod};
use porchlight_testkit::{Answer, Browser, TestCamp};

/// The route's path with each parameter filled in with something plausible.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|part| match part {
            "{id}" | "{app}" => "1",
            "{tag}" => "camp",
            "{token}" | "{code}" => "0123456789abcdef",
            "@{handle}" => "@mira",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn send(browser: &mut Browser, method: PageMethod, path: &str, csrf: Option<&str>) -> Answer {
    match method {
        PageMethod::Get => browser.get(path),
        PageMethod::Post => {
            let fields: Vec<(&str, &str)> = csrf.map(|t| ("csrf", t)).into_iter().collect();
            browser.post_raw(path, &fields, &[])
        }
    }
}

fn is_login_redirect(answer: &Answer) -> bool {
    answer.status == 303
        && answer
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login?next="))
}

#[test]
fn every_route_keeps_its_door() {
    let (camp, mut host) = TestCamp::with_host("hana");
    camp.add_member("mira", Role::Member);
    camp.add_member("mo", Role::Moderator);
    let mut member = camp.logged_in("mira");
    let mut moderator = camp.logged_in("mo");
    let mut visitor = camp.browser();
    let member_token = member.csrf();
    let moderator_token = moderator.csrf();
    let visitor_token = visitor.csrf();
    let posts_before = camp.count("posts");
    // What the table must say, independently of it: the host's tools need a moderator at
    // least, a member's own pages a member, and every form but the ways in needs a member.
    let ways_in = [
        "/login",
        "/logout",
        "/setup",
        "/setup/{token}",
        "/setup/{token}/restore",
        "/recover/{token}",
        "/reset/{token}",
        "/invite/{code}",
    ];
    for route in PAGE_ROUTES {
        let what = format!("{:?} {}", route.method, route.path);
        if route.path.starts_with("/admin") {
            assert!(route.access >= Access::Moderator, "{what} is a host's tool");
        }
        if ["/settings", "/notifications", "/bookmarks", "/members"]
            .iter()
            .any(|p| route.path.starts_with(p))
        {
            assert!(route.access >= Access::Member, "{what} is for members");
        }
        if route.method == PageMethod::Post && !ways_in.contains(&route.path) {
            assert!(route.access >= Access::Member, "{what} changes something");
        }
    }
    let mut walked = 0;
    for route in PAGE_ROUTES {
        let path = concrete(route.path);
        let what = format!("{:?} {}", route.method, route.path);
        if route.method == PageMethod::Post {
            let missing = send(&mut host, route.method, &path, None);
            assert_eq!(
                missing.status, 403,
                "{what} without a form token: {}",
                missing.body
            );
            let foreign = send(&mut host, route.method, &path, Some(&member_token));
            assert_eq!(
                foreign.status, 403,
                "{what} with another browser's form token"
            );
            let garbled = send(&mut host, route.method, &path, Some("00"));
            assert_eq!(garbled.status, 403, "{what} with a garbled form token");
        }
        if route.access >= Access::Member {
            let answer = send(&mut visitor, route.method, &path, Some(&visitor_token));
            assert!(
                is_login_redirect(&answer),
                "{what} lets a visitor in: {} {:?}",
                answer.status,
                answer.location
            );
        }
        if route.access >= Access::Moderator {
            let answer = send(&mut member, route.method, &path, Some(&member_token));
            assert_eq!(answer.status, 403, "{what} lets a member in");
        }
        if route.access >= Access::Host {
            let answer = send(&mut moderator, route.method, &path, Some(&moderator_token));
            assert_eq!(answer.status, 403, "{what} lets a moderator in");
        }
        if route.method == PageMethod::Get {
            for (who, browser) in [("the host", &mut host), ("a visitor", &mut visitor)] {
                let answer = browser.get(&path);
                assert!(
                    answer.status < 500,
                    "{what} answers {} to {who}: {}",
                    answer.status,
                    answer.body
                );
            }
        }
        walked += 1;
    }
    assert_eq!(walked, PAGE_ROUTES.len());
    assert!(walked >= 50, "the table has every page ({walked} routes)");
    assert_eq!(
        camp.count("posts"),
        posts_before,
        "no refused form wrote anything"
    );
    // The sessions all still work: nothing above logged anyone out.
    assert!(host.get("/settings").status == 200 && member.get("/settings").status == 200);
}

/// After logging in, and after a button press, the browser goes back only to a path on this
/// site: a tab or line break that browsers drop (turning `/\t/evil.example` into
/// `//evil.example`, another site) or a backslash never reaches `Location`.
#[test]
fn no_redirect_leaves_the_site() {
    let (camp, mut host) = TestCamp::with_host("hana");
    let post = host.write_post("a post to press buttons under", "local");
    let nasty = [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "%5C%5Cevil.example",
        "https://evil.example",
        "%09//evil.example",
    ];
    for next in nasty {
        let mut visitor = camp.browser();
        let form = visitor.get(&format!("/login?next={next}"));
        assert_eq!(form.status, 200);
        let token = visitor.csrf();
        let answer = visitor.post_raw(
            &format!("/login?next={next}"),
            &[
                ("username", "hana"),
                ("password", porchlight_testkit::PASSWORD),
                ("csrf", &token),
            ],
            &[],
        );
        assert_eq!(answer.status, 303, "{next}");
        assert_eq!(
            answer.location.as_deref(),
            Some("/"),
            "login with next={next}"
        );
    }
    let decoded = [
        "/\t/evil.example",
        "/\n/evil.example",
        "//evil.example",
        "/\\evil.example",
    ];
    for back in decoded {
        let answer = host.post(&format!("/posts/{post}/favourite"), &[("back", back)]);
        assert_eq!(answer.status, 303);
        assert_eq!(
            answer.location.as_deref(),
            Some(format!("/posts/{post}").as_str()),
            "back={back:?}"
        );
    }
    // A path on this site is where it goes.
    let answer = host.post(&format!("/posts/{post}/unfavourite"), &[("back", "/local")]);
    assert_eq!(answer.location.as_deref(), Some("/local"));
}

/// The route table keeps members out of the host's tools, and the use cases check the role
/// again, so a page or an API route that forgets cannot act above someone's role.
#[test]
fn the_use_cases_check_roles_too() {
    use porchlight_app::db::federation::BlockLevel;
    use porchlight_app::{Acting, AppError};
    let (camp, _) = TestCamp::with_host("hana");
    let hana = camp.query_i64("SELECT id FROM accounts WHERE username = 'hana'");
    let mo = camp.add_member("mo", Role::Moderator);
    let mira = camp.add_member("mira", Role::Member);
    let app = &camp.app;
    let csv = "#domain,#severity\nspam.example,suspend\n";
    for who in [Acting::Member(mo), Acting::Member(mira)] {
        let refused = |r: Result<(), AppError>| matches!(r, Err(AppError::Forbidden(_)));
        assert!(refused(app.block_domain(
            who,
            "spam.example",
            BlockLevel::Suspend,
            ""
        )));
        assert!(refused(app.unblock_domain(who, "spam.example")));
        assert!(refused(app.import_domain_blocks(who, csv).map(|_| ())));
    }
    assert!(matches!(
        app.export_domain_blocks(Acting::Member(mira)),
        Err(AppError::Forbidden(_))
    ));
    assert!(app.export_domain_blocks(Acting::Member(mo)).is_ok());
    assert_eq!(camp.count("domain_blocks"), 0, "nothing was blocked");
    app.block_domain(
        Acting::Member(hana),
        "spam.example",
        BlockLevel::Suspend,
        "",
    )
    .unwrap();
    app.unblock_domain(Acting::Shell, "spam.example").unwrap();
    assert_eq!(app.import_domain_blocks(Acting::Shell, csv).unwrap(), 1);
}

/// What pages and the API read goes through `App::read`, on read-only connections: a write
/// tried there is refused by SQLite itself, so only the use cases change anything.
#[test]
fn the_read_side_cannot_write() {
    let (camp, _) = TestCamp::with_host("hana");
    let tried = camp.app.read(|c| c.execute("DELETE FROM accounts", []));
    assert!(tried.is_err(), "{tried:?}");
    assert_eq!(camp.count("accounts"), 1);
}
