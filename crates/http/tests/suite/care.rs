//! The host's side, through the real server: a member who forgot their password gets back in
//! through a one-time link, suspension and removal with every refusal, reports from a member to
//! a moderator and handled, the moderation log, the code of conduct as numbered rules, and the
//! same through Mastodon's client and admin API.

use porchlight_core::audience::Role;
use porchlight_testkit::{Browser, PASSWORD, TestCamp};
use serde_json::Value;

use crate::api::{Client, token_for, token_for_app};

/// The one-time path in a page (`/reset/` and 48 hex digits).
fn reset_path(body: &str) -> String {
    let at = body.find("/reset/").expect("a reset link on the page");
    let token: String = body[at + 7..]
        .chars()
        .take_while(char::is_ascii_hexdigit)
        .collect();
    assert_eq!(token.len(), 48, "{body}");
    format!("/reset/{token}")
}

/// A member's account id, by name.
pub(crate) fn member_id(camp: &TestCamp, name: &str) -> i64 {
    camp.query_i64(&format!(
        "SELECT id FROM accounts WHERE username = '{name}' AND domain IS NULL"
    ))
}

#[test]
fn a_member_who_forgot_their_password_gets_back_in_through_the_hosts_link() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let mo = camp.add_member("mo", Role::Member);
    let mia = camp.add_member("mia", Role::Moderator);
    let hana_id = member_id(&camp, "hana");
    let client = Client::new(&camp);
    let mo_token = token_for(&camp, &client, "mo", "read");
    let mut mo_old = camp.logged_in("mo");

    // The login page says what to do.
    camp.browser()
        .get("/login")
        .assert_contains("Forgot your password? Ask your camp's host");

    // A member cannot make links; a moderator cannot make one for a host.
    let mut jo = {
        camp.add_member("jo", Role::Member);
        camp.logged_in("jo")
    };
    jo.post(&format!("/admin/members/{mo}/reset-link"), &[])
        .assert_status(403);
    let mut mia_b = camp.logged_in("mia");
    mia_b
        .get(&format!("/admin/members/{hana_id}"))
        .assert_contains("only a host can act on their account")
        .assert_lacks("/reset-link");
    mia_b
        .post(&format!("/admin/members/{hana_id}/reset-link"), &[])
        .assert_status(403)
        .assert_contains("only a host can act on a host");
    assert_eq!(camp.count("reset_links"), 0);

    // The moderator makes one for Mo: shown once, with a Copy button, never cached.
    let made = mia_b.post(&format!("/admin/members/{mo}/reset-link"), &[]);
    made.assert_status(200)
        .assert_contains("shown only this once")
        .assert_contains("data-copy=\"reset-link\"");
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let path = reset_path(&made.body);
    mia_b
        .get(&format!("/admin/members/{mo}"))
        .assert_lacks(&path);

    // Mo opens it, with no session; a short password is refused and the link still works.
    let mut mo_new = camp.browser();
    mo_new.get(&path).assert_status(200).assert_contains("@mo");
    mo_new
        .post(&path, &[("password", "short")])
        .assert_status(422)
        .assert_contains("at least 10 characters");
    let set = mo_new.post(&path, &[("password", "a brand new password")]);
    assert_eq!(set.status, 303, "{}", set.body);
    assert!(mo_new.is_logged_in());
    mo_new.get("/settings").assert_status(200);

    // Every old session and app token of Mo's ended; the link is spent.
    assert_eq!(mo_old.get("/settings").status, 303, "the old session ended");
    let refused = client.get("/api/v1/accounts/verify_credentials", Some(&mo_token));
    assert_eq!(refused.status, 401, "{}", refused.json);
    camp.browser()
        .get(&path)
        .assert_status(403)
        .assert_contains("does not work any more");
    let mut again = camp.browser();
    again.log_in("mo", "a brand new password");

    // A link ends when its member changes their password, and after a day.
    let second = reset_path(
        &mia_b
            .post(&format!("/admin/members/{mo}/reset-link"), &[])
            .body,
    );
    again
        .post(
            "/settings/password",
            &[
                ("current", "a brand new password"),
                ("new", "another new password"),
                ("confirm", "another new password"),
            ],
        )
        .assert_status(303);
    camp.browser().get(&second).assert_status(403);
    let third = reset_path(
        &mia_b
            .post(&format!("/admin/members/{mo}/reset-link"), &[])
            .body,
    );
    camp.execute("UPDATE reset_links SET expires_at = expires_at - 86400");
    camp.browser()
        .post(&third, &[("password", "yet another password")])
        .assert_status(403);

    // Each link made is in the log, by whom and for whom.
    hana.get("/admin/log")
        .assert_contains("<strong>@mia</strong> made a password reset link <strong>@mo</strong>");
    let _ = mia;
}

#[test]
fn suspending_and_removing_a_member_with_every_refusal() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let mo = camp.add_member("mo", Role::Member);
    camp.add_member("mia", Role::Moderator);
    let hana_id = member_id(&camp, "hana");
    let client = Client::new(&camp);
    let mo_token = token_for(&camp, &client, "mo", "read write");
    let mut mo_b = camp.logged_in("mo");
    let post = mo_b.write_post("Pancakes at mine on Sunday", "local");
    let mut mia = camp.logged_in("mia");

    // Nobody acts on themselves, a moderator not on a host, a member not at all.
    hana.post(&format!("/admin/members/{hana_id}/suspend"), &[])
        .assert_status(403)
        .assert_contains("your own account");
    mia.post(&format!("/admin/members/{hana_id}/suspend"), &[])
        .assert_status(403);
    mo_b.post(&format!("/admin/members/{hana_id}/suspend"), &[])
        .assert_status(403);
    assert_eq!(
        camp.query_i64("SELECT COUNT(*) FROM accounts WHERE suspended_at IS NOT NULL"),
        0
    );

    // The moderator suspends Mo.
    let done = mia.post(
        &format!("/admin/members/{mo}/suspend"),
        &[("reason", "spamming the camp")],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    mia.get(&format!("/admin/members/{mo}"))
        .assert_contains("Suspended since")
        .assert_contains("Lift the suspension");
    // Mo's session, app and login all stop; their post is hidden everywhere.
    assert_eq!(mo_b.get("/settings").status, 303);
    let refused = client.get("/api/v1/accounts/verify_credentials", Some(&mo_token));
    assert_eq!(refused.status, 401);
    let mut mo_again = camp.browser();
    mo_again
        .post("/login", &[("username", "mo"), ("password", PASSWORD)])
        .assert_status(403)
        .assert_contains("suspended");
    hana.get("/local").assert_lacks("Pancakes at mine");
    hana.get(&format!("/posts/{post}")).assert_status(404);
    hana.get("/members").assert_lacks("href=\"/@mo\"");
    hana.get("/@mo").assert_status(403);
    let hana_token = token_for(&camp, &client, "hana", "read");
    assert_eq!(
        client
            .get(&format!("/api/v1/statuses/{post}"), Some(&hana_token))
            .status,
        404
    );
    hana.get("/admin")
        .assert_contains("<strong>suspended</strong>");

    // Lifted: everything is back, nothing was lost.
    mia.post(&format!("/admin/members/{mo}/unsuspend"), &[])
        .assert_status(303);
    camp.logged_in("mo");
    hana.get("/local").assert_contains("Pancakes at mine");

    // Removal is the host's, confirmed by name, with a backup first.
    mia.post(&format!("/admin/members/{mo}/remove"), &[("confirm", "mo")])
        .assert_status(403);
    hana.post(&format!("/admin/members/{mo}/remove"), &[("confirm", "me")])
        .assert_status(422)
        .assert_contains("nothing was removed");
    assert_eq!(camp.count("users"), 3);
    let removed = hana.post(
        &format!("/admin/members/{mo}/remove"),
        &[("confirm", "mo"), ("reason", "asked to leave")],
    );
    assert_eq!(removed.status, 303, "{}", removed.body);
    assert_eq!(camp.count("users"), 2);
    assert_eq!(camp.count("posts"), 0);
    let backups: Vec<_> = std::fs::read_dir(camp.dir.path().join("backups"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        backups.iter().any(|b| b.starts_with("before-removing-mo-")),
        "{backups:?}"
    );
    // The name stays taken: nobody can sign up as Mo.
    let code = hana.make_invite("", "1");
    camp.browser()
        .post(
            &format!("/invite/{code}"),
            &[
                ("username", "mo"),
                ("password", PASSWORD),
                ("display_name", ""),
                ("agree", "on"),
            ],
        )
        .assert_status(422);

    // The log keeps it all, with reasons, after Mo is gone.
    hana.get("/admin/log")
        .assert_contains(
            "<strong>@mia</strong> suspended <strong>@mo</strong> — “spamming the camp”",
        )
        .assert_contains("<strong>@mia</strong> lifted the suspension of <strong>@mo</strong>")
        .assert_contains("<strong>@hana</strong> removed <strong>@mo</strong> — “asked to leave”");
}

#[test]
fn the_bus_problem_a_warning_while_one_host_and_handing_the_camp_over() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let kai = camp.add_member("kai", Role::Member);
    hana.get("/admin")
        .assert_contains("id=\"one-host\"")
        .assert_contains("Hosts: @hana.");
    hana.post(&format!("/admin/members/{kai}/hand-over"), &[])
        .assert_status(422)
        .assert_contains("nothing was changed");
    let handed = hana.post(
        &format!("/admin/members/{kai}/hand-over"),
        &[("confirm", "on")],
    );
    assert_eq!(handed.status, 303, "{}", handed.body);
    assert_eq!(hana.get("/admin").status, 403, "hana stepped down");
    let mut kai_b = camp.logged_in("kai");
    kai_b.get("/admin").assert_contains("Hosts: @kai.");
    kai_b
        .get("/admin/log")
        .assert_contains("<strong>@hana</strong> handed the camp over to <strong>@kai</strong>");
}

/// Writes the code of conduct as the host's page does.
fn set_code_of_conduct(host: &mut Browser, text: &str) {
    host.post(
        "/admin/site",
        &[
            ("site_name", "Camp"),
            ("member_cap", "50"),
            ("code_of_conduct", text),
        ],
    )
    .assert_status(303);
}

#[test]
fn a_report_goes_from_a_member_to_a_moderator_and_is_handled() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    set_code_of_conduct(&mut hana, "1. Be kind\n2. No ads\n");
    let mo = camp.add_member("mo", Role::Member);
    camp.add_member("jo", Role::Member);
    camp.add_member("mia", Role::Moderator);
    let mut mo_b = camp.logged_in("mo");
    let ad = mo_b.write_post("Buy cheap watches at my shop", "local");
    let hidden = mo_b.write_post("Only for my followers", "followers");
    let mut jo = camp.logged_in("jo");
    let mut mia = camp.logged_in("mia");

    // The Report action is on others' posts and profiles, not one's own.
    jo.get(&format!("/posts/{ad}"))
        .assert_contains(&format!("href=\"/posts/{ad}/report\""));
    mo_b.get(&format!("/posts/{ad}"))
        .assert_lacks(&format!("/posts/{ad}/report"));
    jo.get("/@mo").assert_contains("href=\"/@mo/report\"");
    jo.get(&format!("/posts/{ad}/report"))
        .assert_contains("2. No ads")
        .assert_contains("Buy cheap watches");

    // Bad reports change nothing: a rule that does not exist, a post Jo cannot see.
    let mo_s = mo.to_string();
    let bad_rule = jo.post(
        "/reports",
        &[
            ("account", &mo_s),
            ("post", &ad.to_string()),
            ("category", "rule"),
            ("rule", "9"),
        ],
    );
    bad_rule.assert_status(422).assert_contains("no rule 9");
    let unseen = jo.post(
        "/reports",
        &[
            ("account", &mo_s),
            ("post", &hidden.to_string()),
            ("category", "spam"),
        ],
    );
    unseen.assert_status(404);
    assert_eq!(camp.count("reports"), 0);

    let sent = jo.post(
        "/reports",
        &[
            ("account", &mo_s),
            ("post", &ad.to_string()),
            ("category", "rule"),
            ("rule", "2"),
            ("comment", "third time this week"),
        ],
    );
    sent.assert_status(200)
        .assert_contains("Your report is with");
    let report = camp.query_i64("SELECT id FROM reports");

    // Moderators are told; the host's page counts it; the queue shows the post as it was.
    mia.get("/notifications")
        .assert_contains("New report about or by")
        .assert_contains(&format!("/admin/reports/{report}"));
    hana.get("/admin").assert_contains("1 open report");
    mia.get("/admin/reports").assert_contains("About @mo");
    camp.execute(&format!(
        "UPDATE posts SET html = '<p>edited away</p>' WHERE id = {ad}"
    ));
    mia.get(&format!("/admin/reports/{report}"))
        .assert_contains("Breaks rule 2: “No ads”")
        .assert_contains("Buy cheap watches at my shop")
        .assert_contains("third time this week")
        .assert_contains("Reported by <a href=\"/@jo\">@jo</a>");
    // Nobody else reads the queue.
    jo.get(&format!("/admin/reports/{report}"))
        .assert_status(403);

    // A warning needs its message; then Mo reads it and Jo hears it was handled.
    mia.post(
        &format!("/admin/reports/{report}"),
        &[("outcome", "warned"), ("message", "")],
    )
    .assert_status(422)
    .assert_contains("Write the message");
    let handled = mia.post(
        &format!("/admin/reports/{report}"),
        &[("outcome", "warned"), ("message", "No ads here, please.")],
    );
    assert_eq!(handled.status, 303, "{}", handled.body);
    mo_b.get("/notifications")
        .assert_contains("A message from the camp's hosts")
        .assert_contains("No ads here, please.");
    jo.get("/notifications")
        .assert_contains("was handled: the hosts warned the person");
    mia.post(
        &format!("/admin/reports/{report}"),
        &[("outcome", "dismissed")],
    )
    .assert_status(422)
    .assert_contains("already handled");
    hana.get("/admin").assert_contains("No open reports");

    // A report about a host cannot be acted on by a moderator: it stays open for a host.
    let hana_id = member_id(&camp, "hana").to_string();
    jo.post(
        "/reports",
        &[
            ("account", &hana_id),
            ("category", "other"),
            ("comment", "rude to me"),
        ],
    )
    .assert_status(200);
    let about_host = camp.query_i64("SELECT MAX(id) FROM reports");
    mia.post(
        &format!("/admin/reports/{about_host}"),
        &[("outcome", "suspended")],
    )
    .assert_status(403);
    // Not even dismissed: burying a report about staff is a host's call.
    mia.post(
        &format!("/admin/reports/{about_host}"),
        &[("outcome", "dismissed")],
    )
    .assert_status(403)
    .assert_contains("only a host can handle it");
    assert_eq!(
        camp.query_i64(&format!(
            "SELECT resolved_at IS NULL FROM reports WHERE id = {about_host}"
        )),
        1
    );
    // Removing the posts of a report takes the post away, and is logged.
    jo.post(
        "/reports",
        &[
            ("account", &mo_s),
            ("post", &ad.to_string()),
            ("category", "spam"),
        ],
    )
    .assert_status(200);
    let spam = camp.query_i64("SELECT MAX(id) FROM reports");
    mia.post(
        &format!("/admin/reports/{spam}"),
        &[("outcome", "posts_removed")],
    )
    .assert_status(303);
    assert_eq!(
        camp.query_i64(&format!("SELECT COUNT(*) FROM posts WHERE id = {ad}")),
        0
    );
    hana.get("/admin/log")
        .assert_contains(
            "<strong>@mia</strong> warned <strong>@mo</strong> — “No ads here, please.”",
        )
        .assert_contains("<strong>@mia</strong> removed reported posts by <strong>@mo</strong>");
}

#[test]
fn reports_and_moderation_through_mastodons_client_and_admin_api() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    set_code_of_conduct(&mut hana, "Be kind\nNo ads");
    let mo = camp.add_member("mo", Role::Member);
    camp.add_member("jo", Role::Member);
    let mut mo_b = camp.logged_in("mo");
    let ad = mo_b.write_post("Watches, cheap", "local");
    let client = Client::new(&camp);
    let jo_token = token_for(&camp, &client, "jo", "read write");
    let all = "read write follow push profile admin:read admin:write";
    let hana_admin = token_for_app(&camp, &client, "hana", all, "read admin:read admin:write");
    let jo_admin = token_for_app(&camp, &client, "jo", all, "admin:read");

    // The rules, numbered as reports name them.
    let instance = client.get("/api/v2/instance", None);
    assert_eq!(
        instance.json["rules"],
        serde_json::json!([
            { "id": "1", "text": "Be kind", "hint": "" },
            { "id": "2", "text": "No ads", "hint": "" },
        ])
    );

    let filed = client.form(
        "/api/v1/reports",
        Some(&jo_token),
        &[
            ("account_id", &mo.to_string()),
            ("status_ids[]", &ad.to_string()),
            ("category", "violation"),
            ("rule_ids[]", "2"),
            ("comment", "ads again"),
        ],
    );
    assert_eq!(filed.status, 200, "{}", filed.json);
    assert_eq!(filed.json["category"], "violation");
    assert_eq!(filed.json["rule_ids"], serde_json::json!(["2"]));
    assert_eq!(
        filed.json["status_ids"],
        serde_json::json!([ad.to_string()])
    );
    assert_eq!(filed.json["comment"], "ads again");
    assert_eq!(filed.json["action_taken"], false);
    assert_eq!(filed.json["target_account"]["username"], "mo");
    let report_id = filed.json["id"].as_str().unwrap().to_string();
    // Bad input: no such rule, no such person, yourself.
    for (fields, why) in [
        (
            vec![
                ("account_id", mo.to_string()),
                ("category", "violation".into()),
                ("rule_ids[]", "7".into()),
            ],
            "no rule 7",
        ),
        (vec![("account_id", "999999".to_string())], "nobody"),
        (
            vec![("account_id", member_id(&camp, "jo").to_string())],
            "yourself",
        ),
    ] {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = client.form("/api/v1/reports", Some(&jo_token), &fields);
        assert!(
            matches!(refused.status, 404 | 422),
            "{why}: {}",
            refused.json
        );
    }
    assert_eq!(camp.count("reports"), 1);

    // A member's admin scopes give them nothing; a read token cannot report.
    let denied = client.get("/api/v1/admin/reports", Some(&jo_admin));
    assert_eq!(denied.status, 403, "{}", denied.json);
    let read_only = token_for(&camp, &client, "jo", "read");
    assert_eq!(
        client
            .form(
                "/api/v1/reports",
                Some(&read_only),
                &[("account_id", &mo.to_string())]
            )
            .status,
        403
    );

    // The host's moderation app: the queue, the notification, an action, the account.
    let queue = client.get("/api/v1/admin/reports", Some(&hana_admin));
    assert_eq!(queue.status, 200, "{}", queue.json);
    let one = &queue.json[0];
    assert_eq!(one["id"], report_id.as_str());
    assert_eq!(one["account"]["username"], "jo");
    assert_eq!(one["target_account"]["username"], "mo");
    assert_eq!(one["target_account"]["suspended"], false);
    assert_eq!(one["rules"][0]["text"], "No ads");
    assert_eq!(one["statuses"][0]["content"], "<p>Watches, cheap</p>");
    let notes = client.get("/api/v1/notifications", Some(&hana_admin));
    let admin_report = notes
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "admin.report")
        .expect("an admin.report notification");
    assert_eq!(admin_report["report"]["id"], report_id.as_str());

    let acted = client.form(
        &format!("/api/v1/admin/accounts/{mo}/action"),
        Some(&hana_admin),
        &[
            ("type", "none"),
            ("text", "Please stop the ads."),
            ("report_id", &report_id),
        ],
    );
    assert_eq!(acted.status, 200, "{}", acted.json);
    let shown = client.get(
        &format!("/api/v1/admin/reports/{report_id}"),
        Some(&hana_admin),
    );
    assert_eq!(shown.json["action_taken"], true);
    assert_eq!(shown.json["action_taken_by_account"]["username"], "hana");
    let mo_token = token_for(&camp, &client, "mo", "read");
    let warned = client.get("/api/v1/notifications", Some(&mo_token));
    let warning = warned
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "moderation_warning")
        .expect("a moderation_warning notification");
    assert_eq!(
        warning["moderation_warning"]["text"],
        "Please stop the ads."
    );

    let unsupported = client.form(
        &format!("/api/v1/admin/accounts/{mo}/action"),
        Some(&hana_admin),
        &[("type", "silence")],
    );
    assert_eq!(unsupported.status, 422);
    let suspended = client.form(
        &format!("/api/v1/admin/accounts/{mo}/action"),
        Some(&hana_admin),
        &[("type", "suspend")],
    );
    assert_eq!(suspended.status, 200, "{}", suspended.json);
    let accounts = client.get("/api/v1/admin/accounts", Some(&hana_admin));
    let mo_entry: &Value = accounts
        .json
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "mo")
        .unwrap();
    assert_eq!(mo_entry["suspended"], true);
    assert_eq!(mo_entry["role"]["name"], "member");
    assert_eq!(
        client
            .get("/api/v1/accounts/verify_credentials", Some(&mo_token))
            .status,
        401,
        "a suspended member's apps stop at once"
    );
    let lifted = client.form(
        &format!("/api/v1/admin/accounts/{mo}/unsuspend"),
        Some(&hana_admin),
        &[],
    );
    assert_eq!(lifted.json["suspended"], false);
}

#[test]
fn between_two_camps_reports_travel_as_flags_and_suspension_and_removal_are_told() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("ana", Role::Host);
    b.add_member("bo", Role::Host);
    b.add_member("bea", Role::Member);
    let mut ana = a.logged_in("ana");
    let mut bo = b.logged_in("bo");
    let mut bea = b.logged_in("bea");
    let bea_handle = format!("bea@{}", b.host());

    // Ana follows Bea, and Bea's public post reaches Ana's camp.
    ana.get(&format!("/@{bea_handle}")).assert_status(200);
    ana.post(&format!("/@{bea_handle}/follow"), &[])
        .assert_status(303);
    a.wait_for("the follow to be accepted", |a| a.count("follows") == 1);
    let ad = bea.write_post("Cheap watches, all week", "public");
    a.wait_for("Bea's post", |a| {
        a.query_i64("SELECT COUNT(*) FROM posts WHERE text LIKE 'Cheap watches%'") == 1
    });
    let remote_post = a.query_i64("SELECT id FROM posts WHERE text LIKE 'Cheap watches%'");
    let remote_bea = a.query_i64(&format!(
        "SELECT id FROM accounts WHERE username = 'bea' AND domain = '{}'",
        b.host()
    ));

    // Ana reports it and sends it on: Bo's camp gets a Flag, in its own queue.
    ana.get(&format!("/posts/{remote_post}/report"))
        .assert_contains(&format!("Also send it to {}", b.host()));
    ana.post(
        "/reports",
        &[
            ("account", &remote_bea.to_string()),
            ("post", &remote_post.to_string()),
            ("category", "spam"),
            ("comment", "selling watches"),
            ("forward", "on"),
        ],
    )
    .assert_status(200);
    assert_eq!(a.query_i64("SELECT forwarded FROM reports"), 1);
    b.wait_for("the Flag to arrive", |b| b.count("reports") == 1);
    let flagged = b.query_i64("SELECT id FROM reports");
    assert_eq!(
        b.query_i64(&format!(
            "SELECT post_id FROM report_posts WHERE report_id = {flagged}"
        )),
        ad,
        "the Flag names Bea's post here"
    );
    bo.get(&format!("/admin/reports/{flagged}"))
        .assert_contains(&format!("a moderator of {}", a.host()))
        .assert_contains("selling watches")
        .assert_contains("Cheap watches, all week")
        .assert_lacks("@ana");
    bo.get("/notifications").assert_contains("New report");

    // The other way: Bo reports Ana (who follows Bea, so Bo's camp knows her).
    let remote_ana = b.query_i64(&format!(
        "SELECT id FROM accounts WHERE username = 'ana' AND domain = '{}'",
        a.host()
    ));
    bo.post(
        "/reports",
        &[
            ("account", &remote_ana.to_string()),
            ("category", "other"),
            ("comment", "following only to spy"),
            ("forward", "on"),
        ],
    )
    .assert_status(200);
    a.wait_for("Bo's Flag to reach Ana's camp", |a| {
        a.query_i64("SELECT COUNT(*) FROM reports WHERE from_domain IS NOT NULL") == 1
    });
    assert_eq!(
        a.query_i64("SELECT target_id FROM reports WHERE from_domain IS NOT NULL"),
        a.query_i64("SELECT id FROM accounts WHERE username = 'ana' AND domain IS NULL")
    );

    // Ana's own report, handled here: Bea is suspended on Ana's camp alone, and lifted again
    // from the report's page.
    let own = a.query_i64("SELECT id FROM reports WHERE from_domain IS NULL");
    ana.post(
        &format!("/admin/reports/{own}"),
        &[("outcome", "suspended")],
    )
    .assert_status(303);
    ana.get("/").assert_lacks("Cheap watches");
    let lift = ana.get(&format!("/admin/reports/{own}"));
    lift.assert_contains(&format!("Lift the suspension of @{bea_handle}"));
    ana.post(
        &format!("/admin/members/{remote_bea}/unsuspend"),
        &[("back", &format!("/admin/reports/{own}"))],
    )
    .assert_status(303);
    ana.get("/").assert_contains("Cheap watches");

    // Bo suspends Bea: Ana's camp hears it and hides her; lifting it shows her again.
    let bea_id = member_id(b, "bea");
    bo.post(&format!("/admin/members/{bea_id}/suspend"), &[])
        .assert_status(303);
    a.wait_for("the suspension to be told", |a| {
        a.query_i64(&format!(
            "SELECT suspended_at IS NOT NULL FROM accounts WHERE id = {remote_bea}"
        )) == 1
    });
    ana.get("/").assert_lacks("Cheap watches");
    bo.post(&format!("/admin/members/{bea_id}/unsuspend"), &[])
        .assert_status(303);
    a.wait_for("the suspension to be lifted", |a| {
        a.query_i64(&format!(
            "SELECT suspended_at IS NULL FROM accounts WHERE id = {remote_bea}"
        )) == 1
    });
    ana.get("/").assert_contains("Cheap watches");

    // Bo removes Bea: her actor's Delete reaches Ana's camp, and she is gone there too.
    bo.post(
        &format!("/admin/members/{bea_id}/remove"),
        &[("confirm", "bea")],
    )
    .assert_status(303);
    a.wait_for("the removal to be told", |a| {
        a.query_i64(&format!(
            "SELECT COUNT(*) FROM accounts WHERE id = {remote_bea}"
        )) == 0
    });
    ana.get("/").assert_lacks("Cheap watches");
}

#[test]
fn a_changed_code_of_conduct_asks_every_member_to_agree_again() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    camp.add_member("mo", Role::Member);
    let mut mo = camp.logged_in("mo");
    mo.get("/").assert_lacks("id=\"coc-changed\"");
    hana.get("/admin")
        .assert_contains("name=\"code_of_conduct_change\"");

    hana.post(
        "/admin/site",
        &[
            ("site_name", "Camp"),
            ("member_cap", "50"),
            ("code_of_conduct", "1. Be kind\n2. No ads"),
            ("code_of_conduct_change", "Added rule 2 about ads."),
        ],
    )
    .assert_status(303);
    // Mo is asked on every page until they agree; the host who wrote it is not.
    mo.get("/")
        .assert_contains("id=\"coc-changed\"")
        .assert_contains("Added rule 2 about ads.");
    mo.get("/members").assert_contains("id=\"coc-changed\"");
    hana.get("/").assert_lacks("id=\"coc-changed\"");
    mo.get("/code-of-conduct")
        .assert_contains("<ol id=\"rules\"><li>Be kind</li><li>No ads</li></ol>")
        .assert_contains("action=\"/code-of-conduct/agree\"");
    mo.post("/code-of-conduct/agree", &[]).assert_status(303);
    mo.get("/").assert_lacks("id=\"coc-changed\"");
    mo.get("/code-of-conduct")
        .assert_lacks("/code-of-conduct/agree");

    // Saving the camp's settings with the same rules asks nobody again; someone who joins
    // after a change has agreed to it by joining.
    hana.post(
        "/admin/site",
        &[
            ("site_name", "Camp renamed"),
            ("member_cap", "50"),
            ("code_of_conduct", "1. Be kind\n2. No ads"),
        ],
    )
    .assert_status(303);
    mo.get("/").assert_lacks("id=\"coc-changed\"");
    camp.add_member("jo", Role::Member);
    camp.logged_in("jo")
        .get("/")
        .assert_lacks("id=\"coc-changed\"");
    // Visitors read it too, with nothing to agree to.
    camp.browser()
        .get("/code-of-conduct")
        .assert_contains("<li>No ads</li>")
        .assert_lacks("/code-of-conduct/agree");
    hana.get("/admin/log").assert_contains(
        "<strong>@hana</strong> changed <strong>the code of conduct</strong> — “Added rule 2 about ads.”",
    );
}

/// A `Flag` as Mastodon sends it, from a stand-in server: what it may carry, and what is refused.
#[test]
fn a_flag_from_elsewhere_carries_only_what_that_server_could_see() {
    use serde_json::json;

    // Ana (host) and Cy, and Zed on a stand-in server who follows Ana.
    let (camp, peer, zed) = crate::federation_peer::camp_with_remote_follower();
    let ana = format!("{}/users/ana", camp.base);

    let mut ana_b = camp.logged_in("ana");
    let public = ana_b.write_post("public words", "public");
    let followers = ana_b.write_post("followers words", "followers");
    let camp_only = ana_b.write_post("camp secret words", "local");
    let by_cy = camp
        .logged_in("cy")
        .write_post("cy's public words", "public");
    let post = |id: i64| format!("{}/posts/{id}", camp.base);
    let flag = |id: &str, objects: Vec<String>| {
        json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{zed}#{id}"),
                "type": "Flag", "actor": zed, "object": objects, "content": "please look" })
    };
    let inbox = format!("{}/inbox", camp.base);

    let (status, body) = peer.post_signed(
        &inbox,
        "zed",
        &flag(
            "flag-1",
            vec![
                ana.clone(),
                post(public),
                post(followers),
                post(camp_only),
                post(by_cy),
                post(999_999),
            ],
        ),
    );
    assert_eq!(status, 202, "{body}");
    camp.wait_for("the Flag", |c| c.count("reports") == 1);
    camp.settle();
    let carried: Vec<i64> = (0..camp.count("report_posts"))
        .map(|i| {
            camp.query_i64(&format!(
                "SELECT post_id FROM report_posts ORDER BY position LIMIT 1 OFFSET {i}"
            ))
        })
        .collect();
    assert_eq!(
        carried,
        vec![public, followers],
        "Ana's posts that Zed's server was sent, nothing camp-only, nothing of Cy's"
    );
    ana_b
        .get(&format!(
            "/admin/reports/{}",
            camp.query_i64("SELECT id FROM reports")
        ))
        .assert_contains("please look")
        .assert_lacks("camp secret words");

    // A Flag that names nobody here is dropped; so is every Flag once its server is suspended.
    peer.post_signed(
        &inbox,
        "zed",
        &flag("flag-2", vec![zed.clone(), post(public)]),
    );
    camp.settle();
    assert_eq!(camp.count("reports"), 1);
    ana_b
        .post(
            "/admin/blocks",
            &[
                ("domain", &peer.host()),
                ("level", "suspend"),
                ("reason", ""),
            ],
        )
        .assert_status(303);
    let (status, _) = peer.post_signed(&inbox, "zed", &flag("flag-3", vec![ana.clone()]));
    assert!(
        status >= 400,
        "a suspended server's Flag is refused at the door: {status}"
    );
    camp.settle();
    assert_eq!(camp.count("reports"), 1);
}
