//! Posting and reading through the real web server, and the audience rules on every page.

use porchlight_core::audience::{self, Action, Audience, Listing, Role, Viewer};
use porchlight_testkit::{Browser, TestCamp, post_ids};

/// The kinds of viewer of the audience table, each a browser on one camp where `author` writes,
/// fred follows the author, mona is mentioned in every post, mia is a member and maud a moderator.
struct Cast {
    camp: TestCamp,
    author: Browser,
    viewers: Vec<(&'static str, Browser, Viewer)>,
}

fn cast() -> Cast {
    let (camp, author) = TestCamp::with_host("author");
    for (name, role) in [
        ("mia", Role::Member),
        ("fred", Role::Member),
        ("mona", Role::Member),
        ("maud", Role::Moderator),
    ] {
        camp.add_member(name, role);
    }
    let mut follower = camp.logged_in("fred");
    follower.post("/@author/follow", &[]).assert_status(303);
    let member = Viewer {
        is_member: true,
        ..Viewer::ANONYMOUS
    };
    let viewers = vec![
        ("anonymous", camp.browser(), Viewer::ANONYMOUS),
        ("member", camp.logged_in("mia"), member),
        (
            "follower",
            follower,
            Viewer {
                follows_author: true,
                ..member
            },
        ),
        (
            "mentioned",
            camp.logged_in("mona"),
            Viewer {
                is_mentioned: true,
                ..member
            },
        ),
        ("moderator", camp.logged_in("maud"), member),
    ];
    Cast {
        camp,
        author,
        viewers,
    }
}

/// A refusal: an error status, or (for nobody signed in) a trip to the login page.
fn refused(answer: &porchlight_testkit::Answer) -> bool {
    answer.status != 303
        || answer
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/login"))
}

/// Every audience × every kind of viewer, for view, local timeline, profile, hashtag, search,
/// boost and reply, through real pages; each expectation comes from the one audience function.
#[test]
fn every_page_respects_the_audience_of_every_post() {
    let Cast {
        camp,
        mut author,
        mut viewers,
    } = cast();
    let mut posts = Vec::new();
    for a in Audience::ALL {
        let text = format!("secret{} for @mona #matrix", a.as_str());
        posts.push((a, author.write_post(&text, a.as_str()), text));
    }
    let author_view = Viewer {
        is_member: true,
        is_author: true,
        ..Viewer::ANONYMOUS
    };
    for (audience, id, _) in &posts {
        author.get(&format!("/posts/{id}")).assert_status(200);
        assert!(audience::can_view(*audience, author_view));
    }
    let mut checked = 0;
    for (kind, browser, viewer) in viewers.iter_mut() {
        let local = browser.get("/local").body;
        let profile = browser.get("/@author").body;
        let tag = browser.get("/tags/matrix").body;
        let search = if *kind == "anonymous" {
            String::new()
        } else {
            browser.get("/search?q=matrix").body
        };
        for (audience, id, text) in &posts {
            let page = browser.get(&format!("/posts/{id}"));
            let visible = audience::can_view(*audience, *viewer);
            assert_eq!(
                page.status == 200,
                visible,
                "{kind} viewing {audience:?}: {}",
                page.status
            );
            if !visible {
                assert_eq!(page.status, 404, "hidden posts look like missing ones");
                page.assert_lacks(text);
            }
            let listed = |body: &str| post_ids(body).contains(id);
            assert_eq!(
                listed(&local),
                audience::is_listed(*audience, Listing::LocalTimeline, *viewer),
                "{kind} local {audience:?}"
            );
            assert_eq!(
                listed(&profile),
                audience::is_listed(*audience, Listing::Profile, *viewer),
                "{kind} profile {audience:?}"
            );
            assert_eq!(
                listed(&tag),
                audience::is_listed(*audience, Listing::Hashtag, *viewer),
                "{kind} tag {audience:?}"
            );
            if *kind != "anonymous" {
                assert_eq!(
                    listed(&search),
                    audience::is_listed(*audience, Listing::Search, *viewer),
                    "{kind} search {audience:?}"
                );
            }
            // Boosting: allowed exactly when the rules say so; a refused boost stores nothing.
            let before = camp.count("posts");
            let boost = browser.post(&format!("/posts/{id}/boost"), &[]);
            let may_boost = audience::may(Action::Boost, *audience, *viewer);
            if may_boost {
                boost.assert_status(303);
                assert_eq!(camp.count("posts"), before + 1, "{kind} boost {audience:?}");
                browser
                    .post(&format!("/posts/{id}/unboost"), &[])
                    .assert_status(303);
            } else {
                assert!(refused(&boost), "{kind} must not boost {audience:?}");
                assert_eq!(camp.count("posts"), before);
            }
            // Replying, with the reply's default audience (the parent's).
            let reply = browser.post(
                "/posts",
                &[
                    ("text", "a reply @author"),
                    ("audience", audience.as_str()),
                    ("in_reply_to", &id.to_string()),
                ],
            );
            let may_reply = audience::may(Action::Reply, *audience, *viewer);
            assert_eq!(
                !refused(&reply),
                may_reply,
                "{kind} reply to {audience:?}: {}",
                reply.status
            );
            if !may_reply {
                assert_eq!(
                    camp.count("posts"),
                    before,
                    "a refused reply stores nothing"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * Audience::ALL.len());
}

#[test]
fn boosts_of_camp_posts_stay_in_the_camp() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("ken", Role::Member);
    let mut ken = camp.logged_in("ken");
    let id = hana.write_post("camp only news", "local");
    ken.post(&format!("/posts/{id}/boost"), &[])
        .assert_status(303);
    let boost_audience: String = camp
        .db
        .read(|c| {
            c.query_row(
                "SELECT audience FROM posts WHERE boost_of = ?1",
                [id],
                |r| r.get(0),
            )
        })
        .unwrap();
    assert_eq!(boost_audience, "local");
    // Visitors see neither the post nor the boost on ken's profile.
    let mut visitor = camp.browser();
    visitor.get("/@ken").assert_lacks("camp only news");
    // A reply to a camp post cannot go public.
    let reply = ken.post(
        "/posts",
        &[
            ("text", "going public"),
            ("audience", "public"),
            ("in_reply_to", &id.to_string()),
        ],
    );
    reply.assert_status(422).assert_contains("cannot be for");
    // Boosting twice does not double.
    ken.post(&format!("/posts/{id}/boost"), &[])
        .assert_status(303);
    assert_eq!(camp.count("posts WHERE boost_of IS NOT NULL"), 1);
}

#[test]
fn writing_replying_boosting_favouriting_editing_deleting() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("ken", Role::Member);
    let mut ken = camp.logged_in("ken");
    ken.post("/@hana/follow", &[]).assert_status(303);

    let id = hana.write_post(
        "Movie night on Friday! #movies with @ken, see https://example.org/film.",
        "public",
    );
    let home = ken.get("/");
    home.assert_contains("Movie night on Friday!")
        .assert_contains("<a class=\"hashtag\" href=\"/tags/movies\">#movies</a>")
        .assert_contains("<a class=\"mention\" href=\"/@ken\">@ken</a>")
        .assert_contains("href=\"https://example.org/film\"");

    // The thread page offers a reply that starts with a mention of the author.
    let thread = ken.get(&format!("/posts/{id}"));
    thread
        .assert_contains("name=\"in_reply_to\"")
        .assert_contains(">@hana </textarea>");
    let reply = ken.reply(id, "@hana I'll bring popcorn", "public");
    ken.get(&format!("/posts/{id}"))
        .assert_contains("bring popcorn")
        .assert_contains("<span class=\"vh\">Reply</span> 1</a>")
        .assert_contains("↳ in reply to <strong>@hana</strong>");

    ken.post(&format!("/posts/{id}/favourite"), &[("back", "/local")])
        .assert_status(303);
    let back = ken.post(&format!("/posts/{id}/boost"), &[("back", "/local")]);
    assert_eq!(back.location.as_deref(), Some("/local"));
    // Only paths on this site are followed back.
    let evil = ken.post(
        &format!("/posts/{id}/bookmark"),
        &[("back", "//evil.example/")],
    );
    assert_eq!(evil.location.as_deref(), Some(&*format!("/posts/{id}")));
    ken.get("/bookmarks").assert_contains("Movie night");
    // Lists mark what the viewer did (read for the whole page at once), and only for them.
    ken.get("/local")
        .assert_contains("class=\"unfavourite\"")
        .assert_contains("class=\"unboost\"")
        .assert_contains("class=\"unbookmark\"");
    camp.add_member("ana", Role::Member);
    camp.logged_in("ana")
        .get("/local")
        .assert_lacks("class=\"unfavourite\"")
        .assert_contains("class=\"favourite\"");

    let notes = hana.get("/notifications");
    notes
        .assert_contains("replied to you")
        .assert_contains("favourited your post")
        .assert_contains("boosted your post")
        .assert_contains("followed you");
    // Seen once, the badge goes.
    hana.get("/").assert_lacks("class=\"badge\"");

    // Edit, with history; only the author may.
    ken.post(
        &format!("/posts/{id}/edit"),
        &[("text", "hijacked"), ("content_warning", "")],
    )
    .assert_status(403);
    hana.post(
        &format!("/posts/{id}/edit"),
        &[
            ("text", "Movie night moved to Saturday!"),
            ("content_warning", ""),
        ],
    )
    .assert_status(303);
    ken.get(&format!("/posts/{id}"))
        .assert_contains("Saturday")
        .assert_contains("edited");
    ken.get(&format!("/posts/{id}/history"))
        .assert_contains("Friday")
        .assert_contains("Saturday");
    hana.post(
        &format!("/posts/{id}/edit"),
        &[("text", ""), ("content_warning", "")],
    )
    .assert_status(422)
    .assert_contains("needs some text");

    // Delete: not by others, yes by the author; the reply stays.
    ken.post(&format!("/posts/{id}/delete"), &[])
        .assert_status(403);
    hana.get(&format!("/posts/{id}/delete"))
        .assert_contains("Delete this post?");
    hana.post(&format!("/posts/{id}/delete"), &[])
        .assert_status(303);
    ken.get(&format!("/posts/{id}")).assert_status(404);
    ken.get(&format!("/posts/{reply}"))
        .assert_status(200)
        .assert_contains("popcorn");
    assert_eq!(camp.count("favourites"), 0);
    assert_eq!(
        camp.count(&format!("notifications WHERE post_id = {id}")),
        0,
        "its notifications went with it"
    );
}

#[test]
fn moderators_remove_posts_they_can_see() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("troll", Role::Member);
    let mut troll = camp.logged_in("troll");
    let id = troll.write_post("buy my stuff", "public");
    hana.get(&format!("/posts/{id}")).assert_contains("/delete");
    hana.post(&format!("/posts/{id}/delete"), &[])
        .assert_status(303);
    assert_eq!(camp.count("posts"), 0);
}

#[test]
fn bad_posts_are_refused_whole() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let long = "é".repeat(501);
    for (text, audience, message) in [
        ("", "public", "needs some text"),
        ("   \n  ", "local", "needs some text"),
        (long.as_str(), "public", "the limit is 500"),
        ("hello", "everyone", "is not an audience"),
        ("just me", "direct", "at least one @mention"),
    ] {
        hana.post("/posts", &[("text", text), ("audience", audience)])
            .assert_status(422)
            .assert_contains(message);
    }
    hana.post(
        "/posts",
        &[
            ("text", "hi"),
            ("content_warning", &"w".repeat(201)),
            ("audience", "public"),
        ],
    )
    .assert_status(422)
    .assert_contains("at most 200");
    hana.post(
        "/posts",
        &[("text", "reply to nothing"), ("in_reply_to", "99999")],
    )
    .assert_status(404);
    hana.post(
        "/posts",
        &[("text", "reply to nonsense"), ("in_reply_to", "abc")],
    )
    .assert_status(422);
    assert_eq!(camp.count("posts"), 0);
    // The draft comes back for fixing.
    hana.post("/posts", &[("text", &long), ("audience", "public")])
        .assert_contains("ééé");

    // Markup typed into a post is shown as text.
    let id = hana.write_post(
        "<script>alert('x')</script> <img src=x onerror=alert(1)>",
        "public",
    );
    let page = hana.get(&format!("/posts/{id}"));
    page.assert_contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
        .assert_lacks("<script>alert")
        .assert_lacks("<img src=x");
}

#[test]
fn forged_and_oversized_requests_change_nothing() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    // No token, a wrong token, another browser's token.
    hana.post_raw("/posts", &[("text", "forged")], &[])
        .assert_status(403)
        .assert_contains("expired");
    hana.post_raw("/posts", &[("text", "forged"), ("csrf", "00ff")], &[])
        .assert_status(403);
    let mut other = camp.logged_in("hana");
    let their_token = other.csrf();
    hana.post_raw("/posts", &[("text", "forged"), ("csrf", &their_token)], &[])
        .assert_status(403);
    // The right token from another site's page.
    let token = hana.csrf();
    hana.post_raw(
        "/posts",
        &[("text", "forged"), ("csrf", &token)],
        &[("origin", "http://evil.example")],
    )
    .assert_status(403);
    assert_eq!(camp.count("posts"), 0);
    // An anonymous login form without its cookie is refused too.
    let mut stranger = camp.browser();
    stranger
        .post_raw(
            "/login",
            &[
                ("username", "hana"),
                ("password", porchlight_testkit::PASSWORD),
            ],
            &[],
        )
        .assert_status(403);

    let huge = format!("text={}&csrf={token}", "a".repeat(70 * 1024));
    hana.post_bytes("/posts", huge.as_bytes())
        .assert_status(413);
    assert_eq!(camp.count("posts"), 0);
    // Unknown pages and methods.
    hana.get("/nothing/here").assert_status(404);
    hana.get("/posts/notanumber").assert_status(404);
    hana.get("/@nobody").assert_status(404);
}

#[test]
fn timelines_paginate_and_search_finds_words() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    for i in 0..45 {
        hana.post(
            "/posts",
            &[
                ("text", &format!("note number {i} about tents")),
                ("audience", "local"),
            ],
        )
        .assert_status(303);
    }
    let first = hana.get("/");
    let ids = post_ids(&first.body);
    assert_eq!(ids.len(), 20);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    let older = |body: &str| {
        body.split("class=\"button\" href=\"/?max_id=")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    let next = older(&first.body);
    let second = hana.get(&format!("/?max_id={next}"));
    let ids2 = post_ids(&second.body);
    assert_eq!(ids2.len(), 20);
    assert!(ids2[0] < ids[19]);
    let last_cursor = older(&second.body);
    let third = hana.get(&format!("/?max_id={last_cursor}"));
    assert_eq!(post_ids(&third.body).len(), 5);
    third.assert_lacks("Older posts");

    hana.get("/search?q=number+44")
        .assert_contains("note number 44 about tents");
    // FTS syntax is taken as plain words, never as a query language.
    hana.get("/search?q=%22tents%22+OR+NEAR(")
        .assert_status(200);
    hana.get("/search?q=hana")
        .assert_contains("href=\"/@hana\"");
    hana.get("/search?q=%23tents")
        .assert_contains("/tags/tents");
    assert_eq!(camp.count("posts"), 45);
}

#[test]
fn pages_compress_and_static_files_cache() {
    let (_camp, mut hana) = TestCamp::with_host("hana");
    for i in 0..20 {
        hana.post(
            "/posts",
            &[
                ("text", &format!("a post to fill the page, number {i}")),
                ("audience", "local"),
            ],
        );
    }
    let plain = hana.get("/");
    let gz = hana.get_with("/", &[("accept-encoding", "gzip")]);
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert!(
        plain
            .header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
    let css = hana.get("/static/style.css");
    css.assert_status(200);
    assert!(css.header("cache-control").unwrap().contains("immutable"));
    hana.get("/static/app.js")
        .assert_status(200)
        .assert_contains("counter");
    hana.get("/health").assert_status(200);
}

/// A member's default audience from the settings page: "Camp only" until they change it, the
/// composer starts with it, a post sent without choosing gets it (a reply still starts with
/// what it answers), and "Mentioned only" cannot be a default (refused, nothing changed).
#[test]
fn a_member_chooses_their_default_audience_on_the_settings_page() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let settings = hana.get("/settings");
    assert!(settings.body.contains(r#"<option value="local" selected>"#));
    let home = hana.get("/");
    assert!(home.body.contains(r#"<option value="local" selected"#));
    let first = hana.post("/posts", &[("text", "nothing chosen")]);
    assert_eq!(first.status, 303);
    assert_eq!(
        camp.query_i64("SELECT count(*) FROM posts WHERE audience = 'local'"),
        1
    );

    let refused = hana.post("/settings/audience", &[("audience", "direct")]);
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("needs an @mention"),
        "{}",
        refused.body
    );
    let garbled = hana.post("/settings/audience", &[("audience", "everyone")]);
    assert_eq!(garbled.status, 422);
    assert!(
        hana.get("/settings")
            .body
            .contains(r#"<option value="local" selected>"#)
    );

    let saved = hana.post("/settings/audience", &[("audience", "followers")]);
    assert_eq!(saved.status, 303);
    assert!(
        hana.get("/")
            .body
            .contains(r#"<option value="followers" selected"#)
    );
    hana.post("/posts", &[("text", "for my followers")]);
    assert_eq!(
        camp.query_i64("SELECT count(*) FROM posts WHERE audience = 'followers'"),
        1
    );
    // A reply to a camp-only post stays in the camp, whatever the default.
    let camp_post = camp.query_i64("SELECT id FROM posts WHERE audience = 'local'");
    let reply = hana.post(
        "/posts",
        &[("text", "a reply"), ("in_reply_to", &camp_post.to_string())],
    );
    assert_eq!(reply.status, 303);
    assert_eq!(
        camp.query_i64("SELECT count(*) FROM posts WHERE audience = 'local'"),
        2
    );
}
