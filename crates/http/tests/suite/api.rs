//! The Mastodon client API and OAuth2 over real HTTP: the whole authorization-code flow with
//! PKCE through the consent page, every bad input the issue lists, the scope of every route in
//! the table, and audiences through the API. (The same flows driven by Mastodon.py, a client
//! nobody here wrote, are in `mastodon_py.rs`.)

use base64::Engine;
use porchlight_core::audience::Role;
use porchlight_testkit::{Browser, TestCamp};
use serde_json::{Value, json};

/// A JSON client for the camp, optionally with a bearer token.
pub(crate) struct Client {
    agent: ureq::Agent,
    base: String,
}

pub(crate) struct Reply {
    pub status: u16,
    pub json: Value,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    pub(crate) fn new(camp: &TestCamp) -> Client {
        Client {
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(0)
                .build()
                .into(),
            base: camp.base.clone(),
        }
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<(&str, Vec<u8>)>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut request = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        for (k, v) in extra {
            request = request.header(*k, *v);
        }
        let (content_type, bytes) = body.unwrap_or(("", Vec::new()));
        if !content_type.is_empty() {
            request = request.header("content-type", content_type);
        }
        let mut response = self
            .agent
            .run(request.body(bytes).unwrap())
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            json,
            headers,
        }
    }

    /// A request with a body of the given type (a multipart form, say).
    pub(crate) fn send_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        self.send(method, path, token, Some((content_type, body)), &[])
    }

    pub(crate) fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send("GET", path, token, None, &[])
    }

    pub(crate) fn form(&self, path: &str, token: Option<&str>, fields: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            "POST",
            path,
            token,
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
            &[],
        )
    }

    pub(crate) fn json(&self, method: &str, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(
            method,
            path,
            token,
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    }
}

const REDIRECT: &str = "http://127.0.0.1:9/callback";
const VERIFIER: &str = "a-long-random-code-verifier-of-at-least-forty-three-characters";

fn challenge(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Registers an app; returns (client_id, client_secret).
fn register(client: &Client, scopes: &str) -> (String, String) {
    let app = client.form(
        "/api/v1/apps",
        None,
        &[
            ("client_name", "Test App"),
            (
                "redirect_uris",
                &format!("{REDIRECT}\nurn:ietf:wg:oauth:2.0:oob"),
            ),
            ("scopes", scopes),
            ("website", "https://app.example"),
        ],
    );
    assert_eq!(app.status, 200, "{}", app.json);
    (
        app.json["client_id"].as_str().unwrap().to_string(),
        app.json["client_secret"].as_str().unwrap().to_string(),
    )
}

fn authorize_path(client_id: &str, scope: &str, extra: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", scope)
        .append_pair("state", "xyz");
    for (k, v) in extra {
        query.append_pair(k, v);
    }
    format!("/oauth/authorize?{}", query.finish())
}

/// The member in `browser` approves; returns the code from the redirect.
fn approve(browser: &mut Browser, path: &str) -> String {
    let page = browser.get(path);
    page.assert_status(200).assert_contains("Test App");
    let fields: Vec<(String, String)> = path
        .split_once('?')
        .unwrap()
        .1
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            let decode = |s: &str| {
                percent_encoding::percent_decode_str(&s.replace('+', " "))
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (decode(k), decode(v))
        })
        .collect();
    let mut form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    form.push(("decision", "approve"));
    let answer = browser.post("/oauth/authorize", &form);
    answer.assert_status(303);
    let location = answer.location.clone().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    assert!(location.contains("state=xyz"), "{location}");
    location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string()
}

/// A token for the member logged in as `name`, with `scope`, through the consent page.
pub(crate) fn token_for(camp: &TestCamp, client: &Client, name: &str, scope: &str) -> String {
    token_for_app(camp, client, name, "read write follow push profile", scope)
}

/// A token as `token_for`, from an app that registered `registered` (a moderation app asks for
/// the admin scopes).
pub(crate) fn token_for_app(
    camp: &TestCamp,
    client: &Client,
    name: &str,
    registered: &str,
    scope: &str,
) -> String {
    let mut browser = camp.logged_in(name);
    let (id, secret) = register(client, registered);
    let code = approve(
        &mut browser,
        &authorize_path(
            &id,
            scope,
            &[
                ("code_challenge", &challenge(VERIFIER)),
                ("code_challenge_method", "S256"),
            ],
        ),
    );
    let token = client.form(
        "/oauth/token",
        None,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("client_id", &id),
            ("client_secret", &secret),
            ("redirect_uri", REDIRECT),
            ("code_verifier", VERIFIER),
        ],
    );
    assert_eq!(token.status, 200, "{}", token.json);
    token.json["access_token"].as_str().unwrap().to_string()
}

/// A camp with hana (host) and mo, and a token for hana with `scope`.
fn camp_with_token(scope: &str) -> (TestCamp, Client, String) {
    let (camp, _) = TestCamp::with_host("hana");
    camp.add_member("mo", Role::Member);
    let client = Client::new(&camp);
    let token = token_for(&camp, &client, "hana", scope);
    (camp, client, token)
}

#[test]
fn the_authorization_code_flow_with_pkce_gives_a_working_token() {
    let (camp, client, token) = camp_with_token("read write");
    let me = client.get("/api/v1/accounts/verify_credentials", Some(&token));
    assert_eq!(me.status, 200, "{}", me.json);
    assert_eq!(me.json["username"], "hana");
    assert_eq!(me.json["acct"], "hana");
    assert!(me.json["source"].is_object());

    // The metadata document names the endpoints and what they support.
    let meta = client.get("/.well-known/oauth-authorization-server", None);
    assert_eq!(
        meta.json["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(
        meta.json["token_endpoint"],
        format!("{}/oauth/token", camp.base)
    );

    // The member sees the app in settings and can revoke it; then the token is dead.
    let mut hana = camp.logged_in("hana");
    let settings = hana.get("/settings");
    settings
        .assert_contains("Test App")
        .assert_contains("read your timelines");
    let app_id = camp.query_i64("SELECT id FROM oauth_apps");
    hana.post(&format!("/settings/apps/{app_id}/revoke"), &[])
        .assert_status(303);
    let after = client.get("/api/v1/accounts/verify_credentials", Some(&token));
    assert_eq!(after.status, 401);
    assert_eq!(after.json["error"], "The access token is invalid");
}

#[test]
fn bad_oauth_input_gets_mastodons_errors_and_stores_nothing() {
    let (camp, mut hana) = TestCamp::with_host("hana");
    let client = Client::new(&camp);

    // Registration: no name, no redirect, a relative redirect, an unknown scope.
    for fields in [
        vec![("redirect_uris", REDIRECT)],
        vec![("client_name", "X")],
        vec![("client_name", "X"), ("redirect_uris", "/relative")],
        vec![
            ("client_name", "X"),
            ("redirect_uris", REDIRECT),
            ("scopes", "read admin:everything"),
        ],
    ] {
        let r = client.form("/api/v1/apps", None, &fields);
        assert_eq!(r.status, 422, "{fields:?}: {}", r.json);
        assert!(
            r.json["error"]
                .as_str()
                .unwrap()
                .starts_with("Validation failed")
        );
    }
    assert_eq!(camp.count("oauth_apps"), 0, "nothing was registered");
    let r = client.send(
        "POST",
        "/api/v1/apps",
        None,
        Some(("application/json", b"{not json".to_vec())),
        &[],
    );
    assert_eq!(r.status, 400);

    let (id, secret) = register(&client, "read write");
    // The consent page refuses a wrong redirect, plain PKCE and scopes beyond the app's, without
    // sending anyone anywhere.
    for (path, says) in [
        (
            authorize_path(&id, "read", &[]).replace("callback", "elsewhere"),
            "redirect uri included is not valid",
        ),
        (
            authorize_path(
                &id,
                "read",
                &[
                    ("code_challenge", &challenge(VERIFIER)),
                    ("code_challenge_method", "plain"),
                ],
            ),
            "must be S256",
        ),
        (authorize_path(&id, "read push", &[]), "scope is invalid"),
        (authorize_path("nobody", "read", &[]), "unknown client"),
    ] {
        let page = hana.get(&path);
        page.assert_status(400).assert_contains(says);
        assert!(page.location.is_none());
    }
    assert_eq!(camp.count("oauth_codes"), 0);

    // A code with a challenge: no verifier, then it is spent.
    let pkce = [
        ("code_challenge", challenge(VERIFIER)),
        ("code_challenge_method", "S256".to_string()),
    ];
    let pkce: Vec<(&str, &str)> = pkce.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let code = approve(&mut hana, &authorize_path(&id, "read", &pkce));
    let exchange = |code: &str, verifier: Option<&str>, secret: &str, redirect: &str| {
        let mut fields = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", id.as_str()),
            ("client_secret", secret),
            ("redirect_uri", redirect),
        ];
        if let Some(v) = verifier {
            fields.push(("code_verifier", v));
        }
        client.form("/oauth/token", None, &fields)
    };
    let missing = exchange(&code, None, &secret, REDIRECT);
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json["error"], "invalid_grant");
    let too_late = exchange(&code, Some(VERIFIER), &secret, REDIRECT);
    assert_eq!(
        too_late.json["error"], "invalid_grant",
        "a failed exchange spends the code"
    );

    // Wrong secret, wrong redirect.
    let code = approve(&mut hana, &authorize_path(&id, "read", &pkce));
    let bad_client = exchange(&code, Some(VERIFIER), "wrong", REDIRECT);
    assert_eq!(bad_client.status, 401);
    assert_eq!(bad_client.json["error"], "invalid_client");
    let bad_redirect = exchange(&code, Some(VERIFIER), &secret, "http://127.0.0.1:9/other");
    assert_eq!(bad_redirect.json["error"], "invalid_grant");

    // A reused code: the second exchange fails and revokes the token the first one gave.
    let code = approve(&mut hana, &authorize_path(&id, "read", &pkce));
    let first = exchange(&code, Some(VERIFIER), &secret, REDIRECT);
    assert_eq!(first.status, 200, "{}", first.json);
    let token = first.json["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        client
            .get("/api/v1/accounts/verify_credentials", Some(&token))
            .status,
        200
    );
    let again = exchange(&code, Some(VERIFIER), &secret, REDIRECT);
    assert_eq!(again.json["error"], "invalid_grant");
    assert_eq!(
        client
            .get("/api/v1/accounts/verify_credentials", Some(&token))
            .status,
        401,
        "the token from a reused code is revoked"
    );

    // Unknown grant types and the removed password grant.
    for grant in ["password", "implicit"] {
        let r = client.form(
            "/oauth/token",
            None,
            &[
                ("grant_type", grant),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        );
        assert_eq!(r.json["error"], "unsupported_grant_type");
    }
    // Client credentials: an app token, which cannot act as a member.
    let app_token = client.form(
        "/oauth/token",
        None,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "read"),
        ],
    );
    assert_eq!(app_token.status, 200, "{}", app_token.json);
    let app_token = app_token.json["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        client
            .get("/api/v1/apps/verify_credentials", Some(&app_token))
            .json["name"],
        "Test App"
    );
    assert_eq!(
        client
            .get("/api/v1/accounts/verify_credentials", Some(&app_token))
            .status,
        422
    );
    // Revoking: the app gives its token back.
    let revoked = client.form(
        "/oauth/revoke",
        None,
        &[
            ("token", &app_token),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    );
    assert_eq!(revoked.status, 200);
    assert_eq!(
        client
            .get("/api/v1/apps/verify_credentials", Some(&app_token))
            .status,
        401
    );
    // A made-up token.
    assert_eq!(
        client.get("/api/v1/timelines/home", Some("made-up")).status,
        401
    );
}

/// Every route in the table, hit with a token that lacks what the route needs, is refused;
/// routes that need a member are refused without any token.
#[test]
fn every_route_refuses_a_token_without_its_scope() {
    let (_camp, client, profile_only) = camp_with_token("profile");
    let (_camp2, client2, push_only) = camp_with_token("push");
    for route in porchlight_api::ROUTES {
        let path = route.path.replace(":id", "1").replace(":tag", "camp");
        let (needs_member, scopes) = match route.needs {
            porchlight_api::Needs::Nothing => continue,
            porchlight_api::Needs::Member(s) => (true, s),
            porchlight_api::Needs::Token(s) => (false, s),
        };
        for (c, token, scope) in [
            (&client, &profile_only, "profile"),
            (&client2, &push_only, "push"),
        ] {
            let allowed = porchlight_core::scopes::Scopes::parse(scope).unwrap();
            if scopes.iter().any(|s| allowed.allows(s)) {
                continue;
            }
            let r = c.send(route.method, &path, Some(token), None, &[]);
            assert_eq!(
                r.status, 403,
                "{} {} with a {scope} token: {}",
                route.method, route.path, r.json
            );
            assert_eq!(
                r.json["error"],
                "This action is outside the authorized scopes"
            );
        }
        if needs_member {
            let r = client.send(route.method, &path, None, None, &[]);
            assert_eq!(
                r.status, 401,
                "{} {} without a token",
                route.method, route.path
            );
        }
    }
}

#[test]
fn audiences_through_the_api_never_widen() {
    let (camp, client, token) = camp_with_token("read write");
    let post = |body: Value| client.json("POST", "/api/v1/statuses", Some(&token), body);
    // Apps that know glitch-soc's field, apps that know Akkoma's, and apps that know neither.
    let a = post(
        json!({"status": "for the camp, glitch style", "visibility": "public", "local_only": true}),
    );
    let b = post(json!({"status": "for the camp, akkoma style", "visibility": "local"}));
    let c = post(json!({"status": "for the camp, no visibility at all"}));
    let d = post(json!({"status": "for everyone", "visibility": "public"}));
    for local in [&a, &b, &c] {
        assert_eq!(local.status, 200, "{}", local.json);
        assert_eq!(local.json["local_only"], true);
        assert_eq!(local.json["visibility"], "private", "never shown as public");
    }
    assert_eq!(d.json["visibility"], "public");
    assert_eq!(d.json["local_only"], false);
    assert_eq!(d.json["account"]["username"], "hana");

    // Anonymous readers of the public timeline see only the public post; members see all.
    let open = client.get("/api/v1/timelines/public?local=true", None);
    let texts: Vec<String> = open
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["content"].to_string())
        .collect();
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("for everyone"));
    let local_id = a.json["id"].as_str().unwrap();
    assert_eq!(
        client
            .get(&format!("/api/v1/statuses/{local_id}"), None)
            .status,
        404
    );
    assert_eq!(
        client
            .get(&format!("/api/v1/statuses/{local_id}"), Some(&token))
            .status,
        200
    );
    let home = client.get("/api/v1/timelines/home?limit=2", Some(&token));
    assert_eq!(home.json.as_array().unwrap().len(), 2);
    let link = home.header("link").expect("a Link header");
    assert!(
        link.contains("rel=\"next\"") && link.contains("max_id="),
        "{link}"
    );

    // A bad visibility is refused; nothing is stored.
    let before = camp.count("posts");
    let bad = post(json!({"status": "x", "visibility": "everyone"}));
    assert_eq!(bad.status, 422);
    let blank = post(json!({"status": "   "}));
    assert_eq!(blank.status, 422);
    assert_eq!(
        blank.json["error"],
        "Validation failed: Text can't be blank"
    );
    assert_eq!(camp.count("posts"), before);

    // Idempotency-Key: a retry gives the same status, not a second post.
    let body = br#"{"status":"only once","visibility":"public"}"#.to_vec();
    let once = client.send(
        "POST",
        "/api/v1/statuses",
        Some(&token),
        Some(("application/json", body.clone())),
        &[("idempotency-key", "k1")],
    );
    let twice = client.send(
        "POST",
        "/api/v1/statuses",
        Some(&token),
        Some(("application/json", body)),
        &[("idempotency-key", "k1")],
    );
    assert_eq!(once.json["id"], twice.json["id"]);
    assert_eq!(camp.count("posts"), before + 1);
    // Eight retries at once (an app on a flaky network): one post, and every answer names it.
    let answers: Vec<Value> = std::thread::scope(|scope| {
        let retries: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    client
                        .send(
                            "POST",
                            "/api/v1/statuses",
                            Some(&token),
                            Some((
                                "application/json",
                                br#"{"status":"sent on a train","visibility":"public"}"#.to_vec(),
                            )),
                            &[("idempotency-key", "k2")],
                        )
                        .json
                })
            })
            .collect();
        retries.into_iter().map(|r| r.join().unwrap()).collect()
    });
    assert!(
        answers
            .iter()
            .all(|a| a["id"] == answers[0]["id"] && a["id"].is_string()),
        "{answers:?}"
    );
    assert_eq!(
        camp.count("posts"),
        before + 2,
        "one post for eight retries"
    );

    // Favourite, bookmark, delete.
    let id = d.json["id"].as_str().unwrap();
    let fav = client.form(
        &format!("/api/v1/statuses/{id}/favourite"),
        Some(&token),
        &[],
    );
    assert_eq!(fav.json["favourited"], true);
    assert_eq!(fav.json["favourites_count"], 1);
    let gone = client.send(
        "DELETE",
        &format!("/api/v1/statuses/{id}"),
        Some(&token),
        None,
        &[],
    );
    assert_eq!(gone.status, 200);
    assert_eq!(gone.json["text"], "for everyone");
    assert_eq!(
        client
            .get(&format!("/api/v1/statuses/{id}"), Some(&token))
            .status,
        404
    );
}

/// The default audience, as apps meet it: `verify_credentials` reports the member's default
/// (camp only, shown as `private`), a post with no visibility or with the app's `private` stays
/// in the camp (it went to followers elsewhere before), `local_only: false` asks for followers
/// only, and `source[privacy]` changes the default, which the web's settings page then shows.
#[test]
fn an_app_never_posts_beyond_the_camp_unless_the_member_chose() {
    let (camp, client, token) = camp_with_token("read write");
    let me = client.get("/api/v1/accounts/verify_credentials", Some(&token));
    assert_eq!(me.json["source"]["privacy"], "private");
    let post = |body: Value| client.json("POST", "/api/v1/statuses", Some(&token), body);
    let audience_of = |reply: &Reply| {
        let id: i64 = reply.json["id"].as_str().unwrap().parse().unwrap();
        camp.app
            .view_post(porchlight_app::db::timeline::Reader { account: None }, id)
            .map(|p| p.audience.as_str().to_string())
            .unwrap_or_else(|_| "hidden from visitors".into())
    };
    let posted = |reply: &Reply| {
        let id: i64 = reply.json["id"].as_str().unwrap().parse().unwrap();
        camp.query_i64(&format!(
            "SELECT count(*) FROM posts WHERE id = {id} AND audience = 'local'"
        ))
    };
    // What an app sends back from `source.privacy`, and what it sends when it sends nothing.
    let lock = post(json!({"status": "the app's lock", "visibility": "private"}));
    let nothing = post(json!({"status": "no visibility"}));
    for reply in [&lock, &nothing] {
        assert_eq!(reply.status, 200, "{}", reply.json);
        assert_eq!(reply.json["local_only"], true, "{}", reply.json["content"]);
        assert_eq!(posted(reply), 1, "camp only: {}", reply.json["content"]);
    }
    // An app that knows `local_only` may ask for followers only.
    let followers =
        post(json!({"status": "followers", "visibility": "private", "local_only": false}));
    assert_eq!(followers.json["visibility"], "private");
    assert_eq!(followers.json["local_only"], false);
    let followers_id = followers.json["id"].as_str().unwrap();
    assert_eq!(
        camp.query_i64(&format!(
            "SELECT count(*) FROM posts WHERE id = {followers_id} AND audience = 'followers'"
        )),
        1
    );
    // A followers-only post cannot be kept in the camp: refused, not shown to the whole camp.
    let kept = post(
        json!({"status": "x", "visibility": "private", "local_only": true, "in_reply_to_id": followers_id}),
    );
    assert_eq!(kept.status, 422, "{}", kept.json);
    // A reply with nothing chosen keeps the member's default where a reply may have it: a
    // reply to a public post from an app that sends no visibility stays in the camp.
    let public = post(json!({"status": "for everyone", "visibility": "public"}));
    let reply = post(json!({"status": "an answer", "in_reply_to_id": public.json["id"]}));
    assert_eq!(reply.status, 200, "{}", reply.json);
    assert_eq!(reply.json["local_only"], true);
    // A direct post kept from federating stays direct, never widened to the camp.
    let dm = post(json!({"status": "@mo hi", "visibility": "direct", "local_only": true}));
    assert_eq!(dm.json["visibility"], "direct", "{}", dm.json);
    // The member makes public their default from the app.
    let before = camp.count("posts");
    let refused = client.send(
        "PATCH",
        "/api/v1/accounts/update_credentials",
        Some(&token),
        Some((
            "application/x-www-form-urlencoded",
            b"source%5Bprivacy%5D=direct".to_vec(),
        )),
        &[],
    );
    assert_eq!(refused.status, 422, "{}", refused.json);
    assert_eq!(
        client
            .get("/api/v1/accounts/verify_credentials", Some(&token))
            .json["source"]["privacy"],
        "private",
        "a refused default changes nothing"
    );
    let changed = client.send(
        "PATCH",
        "/api/v1/accounts/update_credentials",
        Some(&token),
        Some((
            "application/x-www-form-urlencoded",
            b"source%5Bprivacy%5D=public".to_vec(),
        )),
        &[],
    );
    assert_eq!(changed.status, 200, "{}", changed.json);
    assert_eq!(changed.json["source"]["privacy"], "public");
    assert_eq!(
        client.get("/api/v1/preferences", Some(&token)).json["posting:default:visibility"],
        "public",
        "apps that read the preferences see the new default too"
    );
    let wide = post(json!({"status": "now public by default"}));
    assert_eq!(wide.json["visibility"], "public");
    assert_eq!(audience_of(&wide), "public");
    // Even then the app's lock stays in the camp.
    let still_locked = post(json!({"status": "locked", "visibility": "private"}));
    assert_eq!(still_locked.json["local_only"], true);
    assert_eq!(camp.count("posts"), before + 2);
    // The web sees the same default: the settings page and the composer preselect it.
    let mut web = camp.logged_in("hana");
    let settings = web.get("/settings");
    assert!(
        settings
            .body
            .contains(r#"<option value="public" selected>"#),
        "{}",
        settings.body
    );
    let home = web.get("/");
    assert!(home.body.contains(r#"<option value="public" selected"#));
}

#[test]
fn instance_documents_say_what_the_camp_supports() {
    let (camp, _) = TestCamp::with_host("hana");
    let client = Client::new(&camp);
    let v2 = client.get("/api/v2/instance", None);
    assert_eq!(v2.status, 200);
    assert!(
        v2.json["version"]
            .as_str()
            .unwrap()
            .starts_with("4.3.0 (compatible; Porchlight")
    );
    assert_eq!(v2.json["porchlight"]["member_cap"], 50);
    assert_eq!(v2.json["porchlight"]["local_only_posts"], true);
    assert_eq!(v2.json["registrations"]["enabled"], false);
    assert_eq!(v2.json["configuration"]["statuses"]["max_characters"], 500);
    let v1 = client.get("/api/v1/instance", None);
    assert_eq!(v1.json["stats"]["user_count"], 1);
    // CORS, so that web apps on their own sites can call the API.
    assert_eq!(v1.header("access-control-allow-origin"), Some("*"));
    let unknown = client.get("/api/v1/nothing-here", None);
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json["error"], "Record not found");
}

#[test]
fn follows_notifications_and_relationships() {
    let (camp, client, hana) = camp_with_token("read write follow");
    let mo = token_for(&camp, &client, "mo", "read write follow");
    let hana_id = camp.query_i64("SELECT id FROM accounts WHERE username = 'hana'");
    let mo_id = camp.query_i64("SELECT id FROM accounts WHERE username = 'mo'");

    // Mo follows Hana through the API.
    let followed = client.form(
        &format!("/api/v1/accounts/{hana_id}/follow"),
        Some(&mo),
        &[],
    );
    assert_eq!(followed.status, 200, "{}", followed.json);
    assert_eq!(followed.json["following"], true);
    let rel = client.get(
        &format!("/api/v1/accounts/relationships?id[]={mo_id}"),
        Some(&hana),
    );
    assert_eq!(rel.json[0]["followed_by"], true);
    assert_eq!(rel.json[0]["following"], false);
    let followers = client.get(&format!("/api/v1/accounts/{hana_id}/followers"), None);
    assert_eq!(followers.json[0]["username"], "mo");
    let account = client.get(&format!("/api/v1/accounts/{hana_id}"), None);
    assert_eq!(account.json["followers_count"], 1);

    // Hana posts; Mo favourites it and replies with a mention.
    let post = client.json(
        "POST",
        "/api/v1/statuses",
        Some(&hana),
        json!({"status": "movie night?", "visibility": "public"}),
    );
    let post_id = post.json["id"].as_str().unwrap().to_string();
    client.form(
        &format!("/api/v1/statuses/{post_id}/favourite"),
        Some(&mo),
        &[],
    );
    client.json(
        "POST",
        "/api/v1/statuses",
        Some(&mo),
        json!({"status": "@hana yes!", "in_reply_to_id": post_id, "visibility": "public"}),
    );

    let all = client.get("/api/v1/notifications", Some(&hana));
    let kinds: Vec<&str> = all
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["mention", "favourite", "follow"], "{}", all.json);
    assert_eq!(all.json[1]["status"]["id"], post_id.as_str());
    assert_eq!(all.json[2]["account"]["username"], "mo");
    let only = client.get("/api/v1/notifications?types[]=favourite", Some(&hana));
    assert_eq!(only.json.as_array().unwrap().len(), 1);
    let without = client.get("/api/v1/notifications?exclude_types[]=mention", Some(&hana));
    assert_eq!(without.json.as_array().unwrap().len(), 2);
    // Mo cannot read or dismiss Hana's notifications.
    let first = all.json[0]["id"].as_str().unwrap();
    assert_eq!(
        client
            .get(&format!("/api/v1/notifications/{first}"), Some(&mo))
            .status,
        404
    );
    assert_eq!(
        client
            .form(
                &format!("/api/v1/notifications/{first}/dismiss"),
                Some(&mo),
                &[]
            )
            .status,
        404
    );
    assert_eq!(
        client
            .form(
                &format!("/api/v1/notifications/{first}/dismiss"),
                Some(&hana),
                &[]
            )
            .status,
        200
    );
    assert_eq!(
        client
            .get("/api/v1/notifications", Some(&hana))
            .json
            .as_array()
            .unwrap()
            .len(),
        2
    );
    client.form("/api/v1/notifications/clear", Some(&hana), &[]);
    assert_eq!(
        client.get("/api/v1/notifications", Some(&hana)).json,
        json!([])
    );

    // Unfollow.
    let unfollowed = client.form(
        &format!("/api/v1/accounts/{hana_id}/unfollow"),
        Some(&mo),
        &[],
    );
    assert_eq!(unfollowed.json["following"], false);

    // The documents apps ask for when they start answer with the right shapes.
    for path in [
        "/api/v1/custom_emojis",
        "/api/v1/announcements",
        "/api/v1/lists",
        "/api/v2/filters",
        "/api/v1/follow_requests",
        "/api/v1/trends/tags",
    ] {
        let r = client.get(path, Some(&hana));
        assert_eq!((r.status, r.json.clone()), (200, json!([])), "{path}");
    }
    assert_eq!(client.get("/api/v1/markers", Some(&hana)).json, json!({}));
    assert_eq!(
        client.get("/api/v1/preferences", Some(&hana)).json["posting:default:visibility"],
        "private"
    );
}

#[test]
fn threads_edits_profile_and_search() {
    let (camp, client, hana) = camp_with_token("read write");
    let mo = token_for(&camp, &client, "mo", "read write");
    let post = |token: &str, body: Value| {
        let r = client.json("POST", "/api/v1/statuses", Some(token), body);
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["id"].as_str().unwrap().to_string()
    };
    let root = post(
        &hana,
        json!({"status": "book club: #dune on friday", "visibility": "public"}),
    );
    let answer = post(
        &mo,
        json!({"status": "count me in", "in_reply_to_id": root, "visibility": "public"}),
    );
    let context = client.get(&format!("/api/v1/statuses/{answer}/context"), None);
    assert_eq!(context.json["ancestors"][0]["id"], root.as_str());
    let context = client.get(&format!("/api/v1/statuses/{root}/context"), None);
    assert_eq!(context.json["descendants"][0]["id"], answer.as_str());

    // Editing: the author only, with history and source.
    let edited = client.json(
        "PUT",
        &format!("/api/v1/statuses/{root}"),
        Some(&hana),
        json!({"status": "book club: #dune on saturday"}),
    );
    assert_eq!(edited.status, 200, "{}", edited.json);
    assert!(
        edited.json["content"]
            .as_str()
            .unwrap()
            .contains("saturday")
    );
    assert!(edited.json["edited_at"].is_string());
    let history = client.get(&format!("/api/v1/statuses/{root}/history"), None);
    let versions = history.json.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions[0]["content"].as_str().unwrap().contains("friday"));
    let source = client.get(&format!("/api/v1/statuses/{root}/source"), Some(&hana));
    assert_eq!(source.json["text"], "book club: #dune on saturday");
    let not_hers = client.json(
        "PUT",
        &format!("/api/v1/statuses/{root}"),
        Some(&mo),
        json!({"status": "hijacked"}),
    );
    assert_eq!(not_hers.status, 403);

    // The profile.
    let updated = client.send(
        "PATCH",
        "/api/v1/accounts/update_credentials",
        Some(&hana),
        Some((
            "application/x-www-form-urlencoded",
            b"display_name=Hana+S.&note=Hosting+since+2026".to_vec(),
        )),
        &[],
    );
    assert_eq!(updated.status, 200, "{}", updated.json);
    assert_eq!(updated.json["display_name"], "Hana S.");
    assert_eq!(updated.json["source"]["note"], "Hosting since 2026");
    let too_long = client.form("/api/v1/accounts/update_credentials", Some(&hana), &[]);
    assert_eq!(too_long.status, 405, "update_credentials is PATCH");

    // Search: people, hashtags, and post text for members only.
    let found = client.get("/api/v2/search?q=mo&type=accounts", None);
    assert_eq!(found.json["accounts"][0]["username"], "mo");
    let tags = client.get("/api/v2/search?q=%23dune", None);
    assert_eq!(tags.json["hashtags"][0]["name"], "dune");
    let text = client.get("/api/v2/search?q=saturday", Some(&mo));
    assert_eq!(text.json["statuses"][0]["id"], root.as_str());
    let anonymous = client.get("/api/v2/search?q=saturday", None);
    assert_eq!(anonymous.json["statuses"], json!([]));
}

/// Every entity the API returns has the attributes Mastodon's documentation lists as always
/// present (nullable ones included), with ids and times as strings.
#[test]
fn entities_have_every_documented_attribute() {
    const ACCOUNT: &[&str] = &[
        "id",
        "username",
        "acct",
        "url",
        "uri",
        "display_name",
        "note",
        "avatar",
        "avatar_static",
        "header",
        "header_static",
        "locked",
        "fields",
        "emojis",
        "bot",
        "group",
        "discoverable",
        "created_at",
        "last_status_at",
        "statuses_count",
        "followers_count",
        "following_count",
    ];
    const STATUS: &[&str] = &[
        "id",
        "uri",
        "created_at",
        "account",
        "content",
        "visibility",
        "sensitive",
        "spoiler_text",
        "media_attachments",
        "application",
        "mentions",
        "tags",
        "emojis",
        "reblogs_count",
        "favourites_count",
        "replies_count",
        "url",
        "in_reply_to_id",
        "in_reply_to_account_id",
        "reblog",
        "poll",
        "card",
        "language",
        "edited_at",
        "favourited",
        "reblogged",
        "muted",
        "bookmarked",
        "pinned",
        "filtered",
    ];
    const NOTIFICATION: &[&str] = &["id", "type", "group_key", "created_at", "account", "status"];
    const RELATIONSHIP: &[&str] = &[
        "id",
        "following",
        "showing_reblogs",
        "notifying",
        "languages",
        "followed_by",
        "blocking",
        "blocked_by",
        "muting",
        "muting_notifications",
        "requested",
        "requested_by",
        "domain_blocking",
        "endorsed",
        "note",
    ];
    const INSTANCE_V2: &[&str] = &[
        "domain",
        "title",
        "version",
        "source_url",
        "description",
        "usage",
        "thumbnail",
        "icon",
        "languages",
        "configuration",
        "registrations",
        "api_versions",
        "contact",
        "rules",
    ];
    const INSTANCE_V1: &[&str] = &[
        "uri",
        "title",
        "short_description",
        "description",
        "email",
        "version",
        "urls",
        "stats",
        "thumbnail",
        "languages",
        "registrations",
        "approval_required",
        "invites_enabled",
        "configuration",
        "contact_account",
        "rules",
    ];
    const APPLICATION: &[&str] = &[
        "id",
        "name",
        "website",
        "scopes",
        "redirect_uri",
        "redirect_uris",
        "client_id",
        "client_secret",
        "client_secret_expires_at",
    ];
    const STATUS_EDIT: &[&str] = &[
        "content",
        "spoiler_text",
        "sensitive",
        "created_at",
        "account",
        "poll",
        "media_attachments",
        "emojis",
    ];
    #[track_caller]
    fn has_all(what: &str, value: &Value, fields: &[&str]) {
        for field in fields {
            assert!(
                value.get(field).is_some(),
                "{what} lacks \"{field}\": {value}"
            );
        }
        for key in ["id", "created_at"] {
            if let Some(v) = value.get(key) {
                assert!(v.is_string(), "{what}.{key} is a string: {v}");
            }
        }
    }

    let (camp, client, hana) = camp_with_token("read write follow");
    let mo = token_for(&camp, &client, "mo", "read write follow");
    let hana_id = camp.query_i64("SELECT id FROM accounts WHERE username = 'hana'");
    client.form(
        &format!("/api/v1/accounts/{hana_id}/follow"),
        Some(&mo),
        &[],
    );
    let status = client.json(
        "POST",
        "/api/v1/statuses",
        Some(&hana),
        json!({"status": "hello", "visibility": "public"}),
    );
    let id = status.json["id"].as_str().unwrap().to_string();
    client.json(
        "PUT",
        &format!("/api/v1/statuses/{id}"),
        Some(&hana),
        json!({"status": "hello again"}),
    );

    has_all("Status", &status.json, STATUS);
    has_all("Account", &status.json["account"], ACCOUNT);
    has_all(
        "Account",
        &client
            .get("/api/v1/accounts/verify_credentials", Some(&hana))
            .json,
        ACCOUNT,
    );
    let notifications = client.get("/api/v1/notifications", Some(&hana));
    has_all("Notification", &notifications.json[0], NOTIFICATION);
    has_all("Account", &notifications.json[0]["account"], ACCOUNT);
    let rel = client.get(
        &format!("/api/v1/accounts/relationships?id[]={hana_id}"),
        Some(&mo),
    );
    has_all("Relationship", &rel.json[0], RELATIONSHIP);
    has_all(
        "Instance",
        &client.get("/api/v2/instance", None).json,
        INSTANCE_V2,
    );
    has_all(
        "Instance (v1)",
        &client.get("/api/v1/instance", None).json,
        INSTANCE_V1,
    );
    let app = client.form(
        "/api/v1/apps",
        None,
        &[("client_name", "shape"), ("redirect_uris", REDIRECT)],
    );
    has_all("Application", &app.json, APPLICATION);
    let history = client.get(&format!("/api/v1/statuses/{id}/history"), None);
    has_all("StatusEdit", &history.json[0], STATUS_EDIT);
    has_all(
        "Context",
        &client
            .get(&format!("/api/v1/statuses/{id}/context"), None)
            .json,
        &["ancestors", "descendants"],
    );
    has_all(
        "StatusSource",
        &client
            .get(&format!("/api/v1/statuses/{id}/source"), Some(&hana))
            .json,
        &["id", "text", "spoiler_text"],
    );
    has_all(
        "Search",
        &client.get("/api/v2/search?q=hana", None).json,
        &["accounts", "statuses", "hashtags"],
    );
    let boosted = client.form(&format!("/api/v1/statuses/{id}/reblog"), Some(&mo), &[]);
    has_all("Status (a reblog)", &boosted.json, STATUS);
    assert_eq!(
        boosted.json["reblog"]["id"],
        id.as_str(),
        "a reblog carries the original"
    );
    assert_eq!(boosted.json["account"]["username"], "mo");
    assert_eq!(boosted.json["reblog"]["reblogged"], true);
}

#[test]
fn markers_and_pins() {
    let (camp, client, hana) = camp_with_token("read write");
    let mo = token_for(&camp, &client, "mo", "read write");
    // Markers: set by form and by JSON, read back with versions; each member has their own.
    assert_eq!(client.get("/api/v1/markers", Some(&hana)).json, json!({}));
    let set = client.form(
        "/api/v1/markers",
        Some(&hana),
        &[("home[last_read_id]", "12")],
    );
    assert_eq!(set.status, 200, "{}", set.json);
    assert_eq!(set.json["home"]["last_read_id"], "12");
    assert_eq!(set.json["home"]["version"], 1);
    let again = client.json(
        "POST",
        "/api/v1/markers",
        Some(&hana),
        json!({"home": {"last_read_id": "15"}, "notifications": {"last_read_id": "3"}}),
    );
    assert_eq!(again.json["home"]["version"], 2);
    let read = client.get("/api/v1/markers?timeline[]=notifications", Some(&hana));
    assert_eq!(
        read.json,
        json!({"notifications": read.json["notifications"].clone()})
    );
    assert_eq!(read.json["notifications"]["last_read_id"], "3");
    assert_eq!(client.get("/api/v1/markers", Some(&mo)).json, json!({}));
    let bad = client.form(
        "/api/v1/markers",
        Some(&hana),
        &[("home[last_read_id]", "not an id!")],
    );
    assert_eq!(bad.status, 422);
    assert_eq!(client.form("/api/v1/markers", Some(&hana), &[]).status, 400);

    // Pins: own posts only, never direct ones, five at most; shown with pinned=true.
    let post = |token: &str, body: Value| {
        client
            .json("POST", "/api/v1/statuses", Some(token), body)
            .json["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mine = post(&hana, json!({"status": "pin me", "visibility": "public"}));
    let theirs = post(&mo, json!({"status": "not yours", "visibility": "public"}));
    let direct = post(&hana, json!({"status": "@mo psst", "visibility": "direct"}));
    let pinned = client.form(&format!("/api/v1/statuses/{mine}/pin"), Some(&hana), &[]);
    assert_eq!(pinned.json["pinned"], true);
    assert_eq!(
        client
            .form(&format!("/api/v1/statuses/{theirs}/pin"), Some(&hana), &[])
            .status,
        422
    );
    assert_eq!(
        client
            .form(&format!("/api/v1/statuses/{direct}/pin"), Some(&hana), &[])
            .status,
        422
    );
    for n in 0..4 {
        let id = post(
            &hana,
            json!({"status": format!("more {n}"), "visibility": "public"}),
        );
        assert_eq!(
            client
                .form(&format!("/api/v1/statuses/{id}/pin"), Some(&hana), &[])
                .status,
            200
        );
    }
    let sixth = post(
        &hana,
        json!({"status": "one too many", "visibility": "public"}),
    );
    let refused = client.form(&format!("/api/v1/statuses/{sixth}/pin"), Some(&hana), &[]);
    assert_eq!(refused.status, 422);
    assert!(
        refused.json["error"].as_str().unwrap().contains("up to 5"),
        "{}",
        refused.json
    );
    let hana_id = camp.query_i64("SELECT id FROM accounts WHERE username = 'hana'");
    let on_profile = client.get(
        &format!("/api/v1/accounts/{hana_id}/statuses?pinned=true"),
        None,
    );
    assert_eq!(on_profile.json.as_array().unwrap().len(), 5);
    let unpinned = client.form(&format!("/api/v1/statuses/{mine}/unpin"), Some(&hana), &[]);
    assert_eq!(unpinned.json["pinned"], false);
    assert_eq!(
        client
            .get(
                &format!("/api/v1/accounts/{hana_id}/statuses?pinned=true"),
                None
            )
            .json
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

impl Client {
    fn multipart(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Reply {
        let files: Vec<(&str, &str, &str, &[u8])> = file
            .map(|(content_type, bytes)| vec![("file", "picture", content_type, bytes)])
            .unwrap_or_default();
        let (content_type, body) = porchlight_testkit::multipart(fields, &files);
        self.send(method, path, token, Some((&content_type, body)), &[])
    }
}

#[test]
fn pictures_upload_describe_post_and_lose_where_they_were_taken() {
    use porchlight_pictures::samples;
    let (camp, client, hana) = camp_with_token("read write");
    let mo = token_for(&camp, &client, "mo", "read write");
    let photo = samples::jpeg(600, 400, Some(6));
    // A PNG sent as a file, with nothing else.
    let upload_png = |token: Option<&str>, bytes: &[u8]| {
        client.multipart(
            "POST",
            "/api/v2/media",
            token,
            &[],
            Some(("image/png", bytes)),
        )
    };

    // Upload with alt text and focus: ready at once, turned upright, described.
    let up = client.multipart(
        "POST",
        "/api/v2/media",
        Some(&hana),
        &[
            ("description", "Our dog asleep on the porch"),
            ("focus", "0.5,-0.25"),
        ],
        Some(("image/jpeg", &photo)),
    );
    assert_eq!(up.status, 200, "{}", up.json);
    const ATTACHMENT: &[&str] = &[
        "id",
        "type",
        "url",
        "preview_url",
        "remote_url",
        "meta",
        "description",
        "blurhash",
    ];
    for key in ATTACHMENT {
        assert!(
            up.json.get(key).is_some(),
            "MediaAttachment lacks {key}: {}",
            up.json
        );
    }
    assert_eq!(up.json["type"], "image");
    assert_eq!(up.json["description"], "Our dog asleep on the porch");
    assert_eq!(up.json["meta"]["original"]["width"], 400);
    assert_eq!(up.json["meta"]["original"]["height"], 600);
    assert_eq!(up.json["meta"]["focus"], json!({"x": 0.5, "y": -0.25}));
    let media_id = up.json["id"].as_str().unwrap().to_string();
    let url = up.json["url"].as_str().unwrap().to_string();
    let path = url
        .strip_prefix(&camp.base)
        .expect("on this camp")
        .to_string();
    assert!(
        path.starts_with("/files/") && path.ends_with(".jpg"),
        "{path}"
    );

    // The file: the same picture, without the camera, the place or the comment.
    let mut browser = camp.browser();
    let file = client.send("GET", &path, None, None, &[]);
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("image/jpeg"));
    assert_eq!(file.header("x-content-type-options"), Some("nosniff"));
    let file = browser.get(&path);
    assert_eq!(
        file.bytes,
        porchlight_pictures::clean(&photo).unwrap().bytes
    );
    assert!(
        file.bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]),
        "the picture data is whole"
    );
    for telling in samples::TELLING {
        assert!(
            !file.body.contains(telling),
            "{telling} is still in the file"
        );
    }

    // Alt text and focus change until it is posted; GET shows it to its owner only.
    let changed = client.multipart(
        "PUT",
        &format!("/api/v1/media/{media_id}"),
        Some(&hana),
        &[("description", "Our dog, Pepper, asleep on the porch")],
        None,
    );
    assert_eq!(changed.status, 200, "{}", changed.json);
    assert_eq!(changed.json["meta"]["focus"]["x"], 0.5, "the focus stays");
    assert_eq!(
        client
            .get(&format!("/api/v1/media/{media_id}"), Some(&mo))
            .status,
        404
    );
    // Someone else's picture cannot be posted: 422, and no status is written.
    let statuses_before = camp.count("posts");
    let stolen = client.form(
        "/api/v1/statuses",
        Some(&mo),
        &[("status", "look"), ("media_ids[]", &media_id)],
    );
    assert_eq!(stolen.status, 422, "{}", stolen.json);
    assert_eq!(camp.count("posts"), statuses_before);

    // Posted with text; the status carries it as a MediaAttachment, the page shows it with
    // its alt text, and it can no longer be changed or deleted on its own.
    let post = client.json(
        "POST",
        "/api/v1/statuses",
        Some(&hana),
        json!({"status": "Pepper!", "visibility": "public", "media_ids": [media_id]}),
    );
    assert_eq!(post.status, 200, "{}", post.json);
    let attached = &post.json["media_attachments"][0];
    assert_eq!(attached["id"], media_id.as_str());
    assert_eq!(attached["url"], url.as_str());
    assert_eq!(
        attached["description"],
        "Our dog, Pepper, asleep on the porch"
    );
    for key in ATTACHMENT {
        assert!(
            attached.get(key).is_some(),
            "the status's attachment lacks {key}"
        );
    }
    let status_id = post.json["id"].as_str().unwrap().to_string();
    browser
        .get(&format!("/posts/{status_id}"))
        .assert_contains(&format!("src=\"{path}\""))
        .assert_contains("alt=\"Our dog, Pepper, asleep on the porch\"");
    let home = client.get("/api/v1/timelines/home", Some(&hana));
    assert_eq!(
        home.json[0]["media_attachments"][0]["id"],
        media_id.as_str()
    );
    let late = client.multipart(
        "PUT",
        &format!("/api/v1/media/{media_id}"),
        Some(&hana),
        &[("description", "too late")],
        None,
    );
    assert_eq!(late.status, 404);
    let reuse = client.json(
        "POST",
        "/api/v1/statuses",
        Some(&hana),
        json!({"status": "again", "media_ids": [media_id]}),
    );
    assert_eq!(reuse.status, 422, "a posted picture is not posted twice");

    // Once posted, its alt text and focus change through an edit of the status (as Mastodon's
    // `media_attributes`); a bad one changes nothing, the text included.
    let redescribed = client.json(
        "PUT",
        &format!("/api/v1/statuses/{status_id}"),
        Some(&hana),
        json!({"status": "Pepper!", "media_ids": [media_id],
               "media_attributes": [{"id": media_id, "description": "Pepper, asleep", "focus": "0,0.5"}]}),
    );
    assert_eq!(redescribed.status, 200, "{}", redescribed.json);
    assert_eq!(
        redescribed.json["media_attachments"][0]["description"],
        "Pepper, asleep"
    );
    assert_eq!(
        redescribed.json["media_attachments"][0]["meta"]["focus"]["y"],
        0.5
    );
    let refused = client.json(
        "PUT",
        &format!("/api/v1/statuses/{status_id}"),
        Some(&hana),
        json!({"status": "changed?", "media_attributes": [{"id": media_id, "focus": "9,9"}]}),
    );
    assert_eq!(refused.status, 422, "{}", refused.json);
    let unchanged = client
        .get(&format!("/api/v1/statuses/{status_id}"), Some(&hana))
        .json;
    assert!(
        unchanged["content"].as_str().unwrap().contains("Pepper!"),
        "{unchanged}"
    );

    // A picture alone is a post; an edit can replace the pictures or keep them.
    let png = client.multipart(
        "POST",
        "/api/v1/media",
        Some(&hana),
        &[],
        Some(("image/png", &samples::png(3, 2))),
    );
    assert_eq!(png.status, 200, "{}", png.json);
    let png_id = png.json["id"].as_str().unwrap();
    let alone = client.json(
        "POST",
        "/api/v1/statuses",
        Some(&hana),
        json!({"media_ids": [png_id]}),
    );
    assert_eq!(alone.status, 200, "{}", alone.json);
    let edited = client.json(
        "PUT",
        &format!("/api/v1/statuses/{status_id}"),
        Some(&hana),
        json!({"status": "Pepper, edited"}),
    );
    assert_eq!(
        edited.json["media_attachments"].as_array().unwrap().len(),
        1
    );
    let removed = client.json(
        "PUT",
        &format!("/api/v1/statuses/{status_id}"),
        Some(&hana),
        json!({"status": "Pepper, no picture", "media_ids": []}),
    );
    assert_eq!(removed.status, 200, "{}", removed.json);
    assert_eq!(removed.json["media_attachments"], json!([]));
    assert_eq!(
        client.send("GET", &path, None, None, &[]).status,
        404,
        "its file is gone"
    );

    // Deleting a post deletes its pictures.
    let alone_id = alone.json["id"].as_str().unwrap();
    let alone_url = alone.json["media_attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    let alone_path = alone_url.strip_prefix(&camp.base).unwrap();
    assert_eq!(client.send("GET", alone_path, None, None, &[]).status, 200);
    client.send(
        "DELETE",
        &format!("/api/v1/statuses/{alone_id}"),
        Some(&hana),
        None,
        &[],
    );
    assert_eq!(client.send("GET", alone_path, None, None, &[]).status, 404);

    // An upload not posted can be deleted.
    let waiting = upload_png(Some(&hana), &samples::png(2, 2));
    let waiting_id = waiting.json["id"].as_str().unwrap();
    let gone = client.send(
        "DELETE",
        &format!("/api/v1/media/{waiting_id}"),
        Some(&hana),
        None,
        &[],
    );
    assert_eq!(gone.status, 200);
    assert_eq!(camp.count("uploads"), 0);

    // Bad input: each refused with Mastodon's status and a sentence, nothing stored.
    let five: Vec<String> = (0..5)
        .map(|_| {
            client
                .multipart(
                    "POST",
                    "/api/v2/media",
                    Some(&hana),
                    &[],
                    Some(("image/png", &samples::png(2, 2))),
                )
                .json["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let too_many = client.json(
        "POST",
        "/api/v1/statuses",
        Some(&hana),
        json!({"status": "five", "media_ids": five}),
    );
    assert_eq!(too_many.status, 422);
    assert!(
        too_many.json["error"]
            .as_str()
            .unwrap()
            .contains("at most 4 pictures"),
        "{}",
        too_many.json
    );
    let uploads_before = camp.count("uploads");
    let heic = {
        let mut b = vec![0, 0, 0, 0x18];
        b.extend(b"ftypheic\0\0\0\0mif1heic");
        b
    };
    let big_png = samples::png(9000, 9000);
    let not_a_picture: &[u8] =
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
    for (what, content_type, bytes, words) in [
        ("svg", "image/svg+xml", not_a_picture, "not a picture"),
        (
            "heic",
            "image/heic",
            &heic[..],
            "HEIC pictures are not taken",
        ),
        ("too many pixels", "image/png", &big_png[..], "pixels"),
        ("empty", "image/png", &b""[..], "empty"),
    ] {
        let r = client.multipart(
            "POST",
            "/api/v2/media",
            Some(&hana),
            &[],
            Some((content_type, bytes)),
        );
        assert_eq!(r.status, 422, "{what}: {}", r.json);
        assert!(
            r.json["error"].as_str().unwrap().contains(words),
            "{what}: {}",
            r.json
        );
    }
    let bad_focus = client.multipart(
        "POST",
        "/api/v2/media",
        Some(&hana),
        &[("focus", "2,0")],
        Some(("image/png", &samples::png(2, 2))),
    );
    assert_eq!(bad_focus.status, 422, "{}", bad_focus.json);
    let no_file = client.multipart(
        "POST",
        "/api/v2/media",
        Some(&hana),
        &[("description", "x")],
        None,
    );
    assert_eq!(no_file.status, 422);
    // Over the picture limit but within what is read: 422 with the size; far over it: 413.
    let mut over = samples::png(100, 100);
    over.resize(porchlight_pictures::MAX_BYTES + 1000, 0);
    let r = upload_png(Some(&hana), &over);
    assert_eq!(r.status, 422, "{}", r.json);
    assert!(
        r.json["error"].as_str().unwrap().contains("at most 10 MB"),
        "{}",
        r.json
    );
    // Without a token, nothing large is taken (a megabyte is read and dropped, so that the
    // sender hears 413; past two more the connection is simply closed).
    let mut megabyte = samples::png(100, 100);
    megabyte.resize(1_000_000, 0);
    let stranger = upload_png(None, &megabyte);
    assert_eq!(stranger.status, 413, "{}", stranger.json);
    let huge = vec![0u8; porchlight_pictures::MAX_BYTES + 200_000];
    let r = upload_png(Some(&hana), &huge);
    assert_eq!(r.status, 413, "{}", r.json);
    assert_eq!(camp.count("uploads"), uploads_before, "nothing stored");
}

/// A camp of hana (the host), mo and jo, with a token for each ("read write follow").
fn camp_of_three() -> (TestCamp, Client, String, String, String) {
    let (camp, client, hana) = camp_with_token("read write follow");
    camp.add_member("jo", Role::Member);
    let mo = token_for(&camp, &client, "mo", "read write follow");
    let jo = token_for(&camp, &client, "jo", "read write follow");
    (camp, client, hana, mo, jo)
}

/// An account's id by its handle.
fn account_id(client: &Client, acct: &str) -> String {
    client
        .get(&format!("/api/v1/accounts/lookup?acct={acct}"), None)
        .json["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Posts a status as `token` (a reply if `reply_to`); returns its id.
fn post_status(
    client: &Client,
    token: &str,
    text: &str,
    visibility: &str,
    reply_to: Option<&str>,
) -> String {
    let mut body = json!({"status": text, "visibility": visibility});
    if let Some(parent) = reply_to {
        body["in_reply_to_id"] = json!(parent);
    }
    let r = client.json("POST", "/api/v1/statuses", Some(token), body);
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["id"].as_str().unwrap().to_string()
}

/// The ids of a list of statuses.
fn status_ids(client: &Client, token: &str, path: &str) -> Vec<String> {
    client
        .get(path, Some(token))
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lists_of_people_one_follows_with_their_timelines() {
    let (camp, client, hana, mo, jo) = camp_of_three();
    let id_of = |name: &str| account_id(&client, name);
    let (mo_id, jo_id) = (id_of("mo"), id_of("jo"));
    let followed = client.form(
        &format!("/api/v1/accounts/{mo_id}/follow"),
        Some(&hana),
        &[],
    );
    assert_eq!(followed.status, 200, "{}", followed.json);

    // Making a list; bad input changes nothing.
    let made = client.form("/api/v1/lists", Some(&hana), &[("title", "Book club")]);
    assert_eq!(made.status, 200, "{}", made.json);
    let list_id = made.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        made.json,
        json!({"id": list_id, "title": "Book club", "replies_policy": "list", "exclusive": false})
    );
    for (fields, words) in [
        (vec![("title", "  ")], "needs a title"),
        (
            vec![("title", "x"), ("replies_policy", "everyone")],
            "not a replies policy",
        ),
    ] {
        let r = client.form("/api/v1/lists", Some(&hana), &fields);
        assert_eq!(r.status, 422, "{}", r.json);
        assert!(
            r.json["error"].as_str().unwrap().contains(words),
            "{}",
            r.json
        );
    }
    assert_eq!(camp.count("lists"), 1);

    // Only people one follows go on a list; a request with one who is not adds nobody.
    let path = format!("/api/v1/lists/{list_id}/accounts");
    let r = client.form(
        &path,
        Some(&hana),
        &[("account_ids[]", &mo_id), ("account_ids[]", &jo_id)],
    );
    assert_eq!(r.status, 422, "{}", r.json);
    assert!(
        r.json["error"]
            .as_str()
            .unwrap()
            .contains("follow them first")
    );
    assert_eq!(camp.count("list_members"), 0);
    let r = client.form(&path, Some(&hana), &[("account_ids[]", &mo_id)]);
    assert_eq!(r.status, 200, "{}", r.json);
    let on_it = client.get(&path, Some(&hana));
    assert_eq!(on_it.json.as_array().unwrap().len(), 1);
    assert_eq!(on_it.json[0]["id"], mo_id.as_str());
    let lists_of_mo = client.get(&format!("/api/v1/accounts/{mo_id}/lists"), Some(&hana));
    assert_eq!(lists_of_mo.json[0]["id"], list_id.as_str());

    // The list's timeline: the people on it, and replies as its policy says.
    let post = |token: &str, text: &str, reply_to: Option<&str>| {
        post_status(&client, token, text, "public", reply_to)
    };
    let chapter = post(&mo, "Chapter three is the best", None);
    let jo_post = post(&jo, "I have not read it", None);
    let to_jo = post(&mo, "You should!", Some(&jo_post));
    let to_self = post(&mo, "Chapter four too", Some(&chapter));
    let timeline_path = format!("/api/v1/timelines/list/{list_id}");
    let ids = |token: &str| status_ids(&client, token, &timeline_path);
    assert_eq!(
        ids(&hana),
        vec![to_self.clone(), chapter.clone()],
        "list: not the reply to jo"
    );
    let changed = client.json(
        "PUT",
        &format!("/api/v1/lists/{list_id}"),
        Some(&hana),
        json!({"replies_policy": "none"}),
    );
    assert_eq!(changed.json["replies_policy"], "none");
    assert_eq!(changed.json["title"], "Book club", "what is not sent stays");
    assert_eq!(ids(&hana), vec![chapter.clone()], "none: no replies");
    client.json(
        "PUT",
        &format!("/api/v1/lists/{list_id}"),
        Some(&hana),
        json!({"replies_policy": "followed"}),
    );
    assert_eq!(
        ids(&hana),
        vec![to_self.clone(), chapter.clone()],
        "followed: jo is not"
    );
    assert!(!ids(&hana).contains(&to_jo));

    // An exclusive list keeps its people off the home timeline.
    let home = |token: &str| status_ids(&client, token, "/api/v1/timelines/home");
    assert!(home(&hana).contains(&chapter));
    client.json(
        "PUT",
        &format!("/api/v1/lists/{list_id}"),
        Some(&hana),
        json!({"exclusive": true}),
    );
    assert!(!home(&hana).contains(&chapter), "exclusive: off home");
    client.json(
        "PUT",
        &format!("/api/v1/lists/{list_id}"),
        Some(&hana),
        json!({"exclusive": false}),
    );
    assert!(home(&hana).contains(&chapter));

    // Another member neither sees nor changes it.
    for (method, p) in [
        ("GET", format!("/api/v1/lists/{list_id}")),
        ("GET", timeline_path.clone()),
        ("DELETE", format!("/api/v1/lists/{list_id}")),
        ("GET", path.clone()),
    ] {
        assert_eq!(
            client.send(method, &p, Some(&mo), None, &[]).status,
            404,
            "{method} {p}"
        );
    }
    assert_eq!(client.get("/api/v1/lists", Some(&mo)).json, json!([]));

    // Unfollowing takes someone off one's lists; deleting a list deletes it.
    client.form(
        &format!("/api/v1/accounts/{mo_id}/unfollow"),
        Some(&hana),
        &[],
    );
    assert_eq!(client.get(&path, Some(&hana)).json, json!([]));
    let gone = client.send(
        "DELETE",
        &format!("/api/v1/lists/{list_id}"),
        Some(&hana),
        None,
        &[],
    );
    assert_eq!(gone.status, 200);
    assert_eq!(
        client
            .get(&format!("/api/v1/lists/{list_id}"), Some(&hana))
            .status,
        404
    );
    assert_eq!(camp.count("lists"), 0);
}

#[test]
fn mutes_and_blocks_keep_people_away_without_telling_them() {
    let (_camp, client, hana, mo, jo) = camp_of_three();
    let id_of = |name: &str| account_id(&client, name);
    let (hana_id, mo_id, jo_id) = (id_of("hana"), id_of("mo"), id_of("jo"));
    // An action on an account: follow, mute, block and their undoing.
    let act = |token: &str, account: &str, action: &str| {
        client.form(
            &format!("/api/v1/accounts/{account}/{action}"),
            Some(token),
            &[],
        )
    };
    for (token, other) in [
        (&hana, &mo_id),
        (&hana, &jo_id),
        (&jo, &hana_id),
        (&mo, &hana_id),
    ] {
        let r = act(token, other, "follow");
        assert_eq!(r.status, 200, "{}", r.json);
    }
    let post = |token: &str, text: &str| post_status(&client, token, text, "public", None);
    let texts = |token: &str, path: &str| -> Vec<String> {
        client
            .get(path, Some(token))
            .json
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["content"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let seen =
        |token: &str, path: &str, words: &str| texts(token, path).iter().any(|t| t.contains(words));
    let hanas = post(&hana, "hana here");
    post(&mo, "mo here");
    post(&jo, "jo here");
    assert!(seen(&hana, "/api/v1/timelines/home", "mo here"));

    // A mute: mo's posts leave hana's timelines (not mo's own profile), and mo's
    // notifications leave hana's; mo is not told.
    let muted = act(&hana, &mo_id, "mute");
    assert_eq!(muted.status, 200, "{}", muted.json);
    assert_eq!(muted.json["muting"], true);
    assert_eq!(muted.json["muting_notifications"], true);
    assert_eq!(muted.json["following"], true, "a mute is not an unfollow");
    assert!(!seen(&hana, "/api/v1/timelines/home", "mo here"));
    assert!(!seen(
        &hana,
        "/api/v1/timelines/public?local=true",
        "mo here"
    ));
    assert!(seen(
        &hana,
        &format!("/api/v1/accounts/{mo_id}/statuses"),
        "mo here"
    ));
    client.form(
        &format!("/api/v1/statuses/{hanas}/favourite"),
        Some(&mo),
        &[],
    );
    let notifications = client.get("/api/v1/notifications", Some(&hana)).json;
    assert!(
        !notifications
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["account"]["id"] == mo_id.as_str()),
        "{notifications}"
    );
    let towards_hana = |token: &str| {
        let path = format!("/api/v1/accounts/relationships?id[]={hana_id}");
        client.get(&path, Some(token)).json
    };
    let from_mo = towards_hana(&mo);
    assert_eq!(from_mo[0]["muting"], false);
    let mutes = client.get("/api/v1/mutes", Some(&hana)).json;
    assert_eq!(mutes[0]["id"], mo_id.as_str());
    assert_eq!(mutes[0]["mute_expires_at"], Value::Null);
    act(&hana, &mo_id, "unmute");
    assert!(seen(&hana, "/api/v1/timelines/home", "mo here"));
    // A mute for a while ends by itself.
    let brief = client.form(
        &format!("/api/v1/accounts/{mo_id}/mute"),
        Some(&hana),
        &[("duration", "1"), ("notifications", "false")],
    );
    assert_eq!(brief.json["muting_notifications"], false);
    assert!(client.get("/api/v1/mutes", Some(&hana)).json[0]["mute_expires_at"].is_string());
    assert!(!seen(&hana, "/api/v1/timelines/home", "mo here"));
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(
        seen(&hana, "/api/v1/timelines/home", "mo here"),
        "the mute ran out"
    );

    // A block: follows end both ways, each is hidden from the other, no follow across it.
    let blocked = act(&hana, &jo_id, "block");
    assert_eq!(blocked.status, 200, "{}", blocked.json);
    assert_eq!(blocked.json["blocking"], true);
    assert_eq!(blocked.json["following"], false);
    assert_eq!(blocked.json["followed_by"], false);
    assert!(!seen(
        &hana,
        "/api/v1/timelines/public?local=true",
        "jo here"
    ));
    assert!(!seen(
        &jo,
        "/api/v1/timelines/public?local=true",
        "hana here"
    ));
    assert!(!seen(
        &jo,
        &format!("/api/v1/accounts/{hana_id}/statuses"),
        "hana here"
    ));
    let theirs = towards_hana(&jo);
    assert_eq!(theirs[0]["blocked_by"], true);
    let follow_back = act(&jo, &hana_id, "follow");
    assert_eq!(follow_back.status, 403, "{}", follow_back.json);
    let follow_blocked = act(&hana, &jo_id, "follow");
    assert_eq!(follow_blocked.status, 422);
    assert!(
        follow_blocked.json["error"]
            .as_str()
            .unwrap()
            .contains("unblock it first")
    );
    assert_eq!(
        client.get("/api/v1/blocks", Some(&hana)).json[0]["id"],
        jo_id.as_str()
    );
    // Someone blocked can write, but their direct posts and replies stay out of sight.
    let dm = post_status(&client, &jo, "@hana are you there?", "direct", None);
    assert_eq!(
        client.get("/api/v1/conversations", Some(&hana)).json,
        json!([])
    );
    let reply = post_status(&client, &jo, "@hana disagree", "public", Some(&hanas));
    let thread = client
        .get(&format!("/api/v1/statuses/{hanas}/context"), Some(&hana))
        .json;
    assert_eq!(thread["descendants"], json!([]), "{thread}");
    let _ = (dm, reply);
    let unblocked = act(&hana, &jo_id, "unblock");
    assert_eq!(unblocked.json["blocking"], false);
    assert_eq!(act(&hana, &jo_id, "follow").status, 200);

    // Nobody mutes or blocks themself, or someone who does not exist.
    let myself = act(&hana, &hana_id, "block");
    assert_eq!(myself.status, 422);
    assert_eq!(
        client
            .form("/api/v1/accounts/999999/mute", Some(&hana), &[])
            .status,
        404
    );
    let bad = client.form(
        &format!("/api/v1/accounts/{mo_id}/mute"),
        Some(&hana),
        &[("duration", "soon")],
    );
    assert_eq!(bad.status, 422);
}

#[test]
fn conversations_group_direct_posts_by_thread() {
    let (camp, client, hana, mo, jo) = camp_of_three();
    let direct = |token: &str, text: &str, reply_to: Option<&str>| {
        post_status(&client, token, text, "direct", reply_to)
    };
    let conversations = |token: &str| client.get("/api/v1/conversations", Some(token)).json;

    let first = direct(&hana, "@mo movie night on Friday?", None);
    let of_mo = conversations(&mo);
    assert_eq!(of_mo.as_array().unwrap().len(), 1, "{of_mo}");
    for key in ["id", "unread", "accounts", "last_status"] {
        assert!(of_mo[0].get(key).is_some(), "Conversation lacks {key}");
    }
    assert_eq!(of_mo[0]["unread"], true);
    assert_eq!(of_mo[0]["accounts"][0]["username"], "hana");
    assert_eq!(of_mo[0]["last_status"]["id"], first.as_str());
    assert_eq!(conversations(&hana)[0]["unread"], false, "she wrote last");
    assert_eq!(conversations(&jo), json!([]), "jo is not in it");

    // A reply stays in the same conversation and makes it unread for the other.
    let answer = direct(&mo, "@hana yes, I'll bring snacks", Some(&first));
    let of_hana = conversations(&hana);
    assert_eq!(of_hana.as_array().unwrap().len(), 1);
    assert_eq!(of_hana[0]["id"], of_mo[0]["id"]);
    assert_eq!(of_hana[0]["last_status"]["id"], answer.as_str());
    assert_eq!(of_hana[0]["unread"], true);
    let id = of_hana[0]["id"].as_str().unwrap().to_string();
    let read = client.form(
        &format!("/api/v1/conversations/{id}/read"),
        Some(&hana),
        &[],
    );
    assert_eq!(read.status, 200, "{}", read.json);
    assert_eq!(read.json["unread"], false);
    assert_eq!(conversations(&hana)[0]["unread"], false);
    assert_eq!(conversations(&mo)[0]["unread"], false, "mo wrote last");

    // A second thread: newest first, paged.
    direct(&jo, "@hana can I borrow your tent?", None);
    let page = client.get("/api/v1/conversations?limit=1", Some(&hana));
    assert_eq!(page.json[0]["accounts"][0]["username"], "jo");
    let next = page.header("link").expect("a next page");
    let next = next.split('<').nth(1).unwrap().split('>').next().unwrap();
    let path = next.strip_prefix(&camp.base).unwrap();
    let second = client.get(path, Some(&hana)).json;
    assert_eq!(second[0]["id"], id.as_str());

    // Put away, it leaves hana's list but not mo's, and comes back when mo writes again.
    let gone = client.send(
        "DELETE",
        &format!("/api/v1/conversations/{id}"),
        Some(&hana),
        None,
        &[],
    );
    assert_eq!(gone.status, 200);
    assert_eq!(conversations(&hana).as_array().unwrap().len(), 1);
    assert_eq!(conversations(&mo).as_array().unwrap().len(), 1);
    direct(&mo, "@hana and popcorn", Some(&answer));
    assert_eq!(conversations(&hana).as_array().unwrap().len(), 2);
    // Someone else's conversation is not found.
    assert_eq!(
        client
            .form(&format!("/api/v1/conversations/{id}/read"), Some(&jo), &[])
            .status,
        404
    );
}

#[test]
fn filters_hide_or_flag_posts_by_keyword_where_the_member_chose() {
    let (camp, client, hana, mo, _jo) = camp_of_three();
    let mo_id = account_id(&client, "mo");
    client.form(
        &format!("/api/v1/accounts/{mo_id}/follow"),
        Some(&hana),
        &[],
    );
    let spoiler = post_status(&client, &mo, "Spoiler: the butler did it", "public", None);
    let dune = post_status(&client, &mo, "Dune is on tonight", "public", None);
    let plain = post_status(&client, &mo, "Nice weather", "public", None);
    let home = |token: &str| client.get("/api/v1/timelines/home", Some(token)).json;

    // A warn filter on home, made by form (Rails' nested keywords), and one that hides, by JSON.
    let warn = client.form(
        "/api/v2/filters",
        Some(&hana),
        &[
            ("title", "Spoilers"),
            ("context[]", "home"),
            ("context[]", "thread"),
            ("filter_action", "warn"),
            ("keywords_attributes[][keyword]", "spoiler"),
            ("keywords_attributes[][whole_word]", "true"),
        ],
    );
    assert_eq!(warn.status, 200, "{}", warn.json);
    for key in [
        "id",
        "title",
        "context",
        "expires_at",
        "filter_action",
        "keywords",
        "statuses",
    ] {
        assert!(warn.json.get(key).is_some(), "Filter lacks {key}");
    }
    assert_eq!(warn.json["context"], json!(["home", "thread"]));
    assert_eq!(warn.json["keywords"][0]["keyword"], "spoiler");
    let hide = client.json(
        "POST",
        "/api/v2/filters",
        Some(&hana),
        json!({"title": "No Dune", "context": ["home"], "filter_action": "hide",
               "keywords_attributes": [{"keyword": "dune", "whole_word": true}]}),
    );
    assert_eq!(hide.status, 200, "{}", hide.json);

    let shown = home(&hana);
    let ids: Vec<&str> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&dune.as_str()), "hidden");
    assert!(ids.contains(&plain.as_str()));
    let flagged = shown
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == spoiler.as_str())
        .unwrap();
    assert_eq!(flagged["filtered"][0]["filter"]["title"], "Spoilers");
    assert_eq!(
        flagged["filtered"][0]["keyword_matches"],
        json!(["spoiler"])
    );
    let unflagged = shown
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == plain.as_str())
        .unwrap();
    assert_eq!(unflagged["filtered"], json!([]));
    // Only where chosen: the public timeline and mo's own view are untouched.
    let public = client
        .get("/api/v1/timelines/public?local=true", Some(&hana))
        .json;
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == dune.as_str())
    );
    assert!(
        home(&mo)
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == dune.as_str())
    );

    // Keywords come and go through their own routes; a filter that runs out stops.
    let warn_id = warn.json["id"].as_str().unwrap().to_string();
    let added = client.form(
        &format!("/api/v2/filters/{warn_id}/keywords"),
        Some(&hana),
        &[("keyword", "weather"), ("whole_word", "false")],
    );
    assert_eq!(added.status, 200, "{}", added.json);
    let keyword_id = added.json["id"].as_str().unwrap().to_string();
    let listed = client
        .get(&format!("/api/v2/filters/{warn_id}/keywords"), Some(&hana))
        .json;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let shown = home(&hana);
    let weather = shown
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == plain.as_str())
        .unwrap();
    assert_eq!(
        weather["filtered"][0]["keyword_matches"],
        json!(["weather"])
    );
    let gone = client.send(
        "DELETE",
        &format!("/api/v2/filter_keywords/{keyword_id}"),
        Some(&hana),
        None,
        &[],
    );
    assert_eq!(gone.status, 200);
    let hide_id = hide.json["id"].as_str().unwrap().to_string();
    let brief = client.json(
        "PUT",
        &format!("/api/v2/filters/{hide_id}"),
        Some(&hana),
        json!({"expires_in": 1}),
    );
    assert!(brief.json["expires_at"].is_string(), "{}", brief.json);
    assert_eq!(
        brief.json["keywords"][0]["keyword"], "dune",
        "keywords stay"
    );
    std::thread::sleep(std::time::Duration::from_millis(2100));
    assert!(
        home(&hana)
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == dune.as_str()),
        "ran out"
    );

    // Bad input changes nothing; another member's filter is not found.
    let before = camp.count("filters");
    for (body, words) in [
        (json!({"title": "", "context": ["home"]}), "needs a title"),
        (
            json!({"title": "x", "context": []}),
            "where the filter applies",
        ),
        (
            json!({"title": "x", "context": ["everywhere"]}),
            "not a place",
        ),
        (
            json!({"title": "x", "context": ["home"], "filter_action": "delete"}),
            "warn, hide or blur",
        ),
        (
            json!({"title": "x", "context": ["home"], "keywords_attributes": [{"keyword": " "}]}),
            "cannot be empty",
        ),
    ] {
        let r = client.json("POST", "/api/v2/filters", Some(&hana), body);
        assert_eq!(r.status, 422, "{}", r.json);
        assert!(
            r.json["error"].as_str().unwrap().contains(words),
            "{}",
            r.json
        );
    }
    assert_eq!(camp.count("filters"), before);
    let filter_path = format!("/api/v2/filters/{warn_id}");
    let status_of = |method: &str, token: &str| {
        client
            .send(method, &filter_path, Some(token), None, &[])
            .status
    };
    assert_eq!(status_of("GET", &mo), 404);
    assert_eq!(status_of("DELETE", &mo), 404);
    assert_eq!(status_of("DELETE", &hana), 200);
    assert_eq!(
        client
            .get("/api/v2/filters", Some(&hana))
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn min_id_catches_up_from_a_point_and_since_id_gives_the_newest() {
    let (_camp, client, hana) = camp_with_token("read write");
    let ids: Vec<String> = (1..=5)
        .map(|n| post_status(&client, &hana, &format!("post {n}"), "public", None))
        .collect();
    let page = |query: &str| status_ids(&client, &hana, &format!("/api/v1/timelines/home?{query}"));
    assert_eq!(
        page(&format!("min_id={}&limit=2", ids[0])),
        vec![ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(
        page(&format!("since_id={}&limit=2", ids[0])),
        vec![ids[4].clone(), ids[3].clone()]
    );
    assert_eq!(
        page(&format!("max_id={}&limit=2", ids[4])),
        vec![ids[3].clone(), ids[2].clone()]
    );
    assert_eq!(
        page(&format!("min_id={}&max_id={}", ids[0], ids[3])),
        vec![ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(page(&format!("min_id={}", ids[4])), Vec::<String>::new());
    // The Link header of a catch-up page points both ways from it.
    let r = client.get(
        &format!("/api/v1/timelines/home?min_id={}&limit=2", ids[0]),
        Some(&hana),
    );
    let link = r.header("link").unwrap();
    assert!(
        link.contains(&format!("max_id={}>; rel=\"next\"", ids[1])),
        "{link}"
    );
    assert!(
        link.contains(&format!("min_id={}>; rel=\"prev\"", ids[2])),
        "{link}"
    );
}

/// A new password ends every app's access too, not only the browser sessions: from the
/// settings page, and from the host's command line (`porchlight user reset-password`).
#[test]
fn a_new_password_ends_every_apps_access() {
    let (camp, client, token) = camp_with_token("read write");
    let me = |token: &str| {
        client
            .get("/api/v1/accounts/verify_credentials", Some(token))
            .status
    };
    assert_eq!(me(&token), 200);
    let mut web = camp.logged_in("hana");
    let changed = web.post(
        "/settings/password",
        &[
            ("current", porchlight_testkit::PASSWORD),
            ("new", "another long password"),
        ],
    );
    assert_eq!(changed.status, 303, "{}", changed.body);
    assert_eq!(me(&token), 401, "the token made before the change");
    assert!(
        web.get("/settings?saved=password")
            .body
            .contains("your apps were logged out")
    );
    // A token made after it works, until the host resets the password from the shell.
    camp.app
        .reset_password("hana", porchlight_testkit::PASSWORD)
        .unwrap();
    let fresh = token_for(&camp, &client, "hana", "read");
    assert_eq!(me(&fresh), 200);
    camp.app
        .reset_password("hana", "a third long password")
        .unwrap();
    assert_eq!(me(&fresh), 401, "the token made before the reset");
    assert_eq!(camp.count("oauth_tokens"), 0);
}

/// Only a member's real credentials get a picture's worth of body and one of the two turns to
/// send it: connections that claim an upload with a junk `Authorization` and trickle it get the
/// form limit (and a 413 at once), so they cannot keep a member's picture waiting. (Before,
/// any `Authorization` header took a turn, and two such connections blocked every upload.)
#[test]
fn junk_credentials_get_no_turn_for_a_large_body() {
    use std::io::{Read, Write};
    use std::time::Duration;
    let (camp, client, token) = camp_with_token("read write");
    let address = camp.address();
    let mut hogs = Vec::new();
    for junk in ["x", "Bearer not-a-token", "Bearer "] {
        let mut hog = std::net::TcpStream::connect(address).unwrap();
        write!(
            hog,
            "POST /api/v2/media HTTP/1.1\r\nHost: {address}\r\nAuthorization: {junk}\r\n\
             Content-Type: multipart/form-data; boundary=X\r\nContent-Length: 1000000\r\n\r\n-"
        )
        .unwrap();
        hogs.push(hog);
    }
    // One that says it will send more than a picture's worth is told so at once.
    let mut big = std::net::TcpStream::connect(address).unwrap();
    write!(
        big,
        "POST /api/v2/media HTTP/1.1\r\nHost: {address}\r\nAuthorization: x\r\n\
         Content-Type: multipart/form-data; boundary=X\r\nContent-Length: 5000000\r\n\r\n-"
    )
    .unwrap();
    big.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut answer = [0u8; 12];
    big.read_exact(&mut answer).unwrap();
    assert_eq!(&answer, b"HTTP/1.1 413");
    // Meanwhile a member's picture goes through (bounded: a blocked upload fails the test).
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let png = porchlight_pictures::samples::png(3, 2);
        let answer = client.multipart(
            "POST",
            "/api/v2/media",
            Some(&token),
            &[],
            Some(("image/png", &png)),
        );
        let _ = done.send(answer.status);
    });
    assert_eq!(result.recv_timeout(Duration::from_secs(30)), Ok(200));
    drop(hogs);
}

#[test]
fn statuses_say_whom_they_mention_answer_and_tag_and_who_favourited_and_boosted() {
    let (camp, client, hana, mo, jo) = camp_of_three();
    let base = camp.base.clone();
    let (mo_id, jo_id) = (account_id(&client, "mo"), account_id(&client, "jo"));
    let first = post_status(&client, &mo, "a question for the camp", "public", None);
    let reply = post_status(
        &client,
        &hana,
        "@mo and @jo: look #Campfire #stars",
        "public",
        Some(&first),
    );
    let status = client
        .get(&format!("/api/v1/statuses/{reply}"), Some(&jo))
        .json;
    assert_eq!(
        status["mentions"],
        json!([
            { "id": mo_id, "username": "mo", "url": format!("{base}/@mo"), "acct": "mo" },
            { "id": jo_id, "username": "jo", "url": format!("{base}/@jo"), "acct": "jo" },
        ]),
        "{status}"
    );
    assert_eq!(
        status["tags"],
        json!([
            { "name": "campfire", "url": format!("{base}/tags/campfire") },
            { "name": "stars", "url": format!("{base}/tags/stars") },
        ])
    );
    assert_eq!(status["in_reply_to_id"], first.as_str());
    assert_eq!(status["in_reply_to_account_id"], mo_id.as_str());
    assert_eq!(status["pinned"], false);
    // The same values in lists (computed for a whole page at once).
    let home = client.get("/api/v1/timelines/home", Some(&hana)).json;
    let listed = home
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == reply.as_str())
        .expect("the reply on hana's home");
    assert_eq!(listed["mentions"], status["mentions"]);
    assert_eq!(listed["in_reply_to_account_id"], mo_id.as_str());

    // Pinned for its author only.
    let pinned = client.form(&format!("/api/v1/statuses/{reply}/pin"), Some(&hana), &[]);
    assert_eq!(pinned.status, 200, "{}", pinned.json);
    let mine = client
        .get(&format!("/api/v1/statuses/{reply}"), Some(&hana))
        .json;
    assert_eq!(mine["pinned"], true);
    let theirs = client
        .get(&format!("/api/v1/statuses/{reply}"), Some(&mo))
        .json;
    assert_eq!(theirs["pinned"], false);

    // Who favourited and who boosted, paged.
    for token in [&mo, &jo] {
        let r = client.form(
            &format!("/api/v1/statuses/{reply}/favourite"),
            Some(token),
            &[],
        );
        assert_eq!(r.status, 200, "{}", r.json);
    }
    let r = client.form(&format!("/api/v1/statuses/{reply}/reblog"), Some(&mo), &[]);
    assert_eq!(r.status, 200, "{}", r.json);
    let page = client.get(
        &format!("/api/v1/statuses/{reply}/favourited_by?limit=1"),
        None,
    );
    assert_eq!(page.status, 200, "{}", page.json);
    assert_eq!(page.json.as_array().unwrap().len(), 1);
    let link = page
        .header("link")
        .expect("a link to the next page")
        .to_string();
    let next = link
        .split(['<', '>'])
        .nth(1)
        .unwrap()
        .strip_prefix(&base)
        .unwrap()
        .to_string();
    let rest = client.get(&next, None);
    let mut who: Vec<String> = page
        .json
        .as_array()
        .unwrap()
        .iter()
        .chain(rest.json.as_array().unwrap())
        .map(|a| a["acct"].as_str().unwrap().to_string())
        .collect();
    who.sort();
    assert_eq!(who, ["jo", "mo"], "each favourite once, over two pages");
    let boosted = client.get(&format!("/api/v1/statuses/{reply}/reblogged_by"), None);
    assert_eq!(boosted.json, json!([boosted.json[0].clone()]));
    assert_eq!(boosted.json[0]["acct"], "mo");
    assert_eq!(boosted.json[0]["id"], mo_id.as_str());

    // A post the asker may not see answers as if it did not exist.
    let direct = post_status(&client, &hana, "@mo just for you", "direct", None);
    for path in ["favourited_by", "reblogged_by"] {
        let r = client.get(&format!("/api/v1/statuses/{direct}/{path}"), Some(&jo));
        assert_eq!(r.status, 404, "{path}: {}", r.json);
        let r = client.get(&format!("/api/v1/statuses/{direct}/{path}"), Some(&mo));
        assert_eq!(r.status, 200, "{path}: {}", r.json);
    }
}

#[test]
fn an_app_finds_follows_and_reads_people_and_posts_elsewhere() {
    let camps = TestCamp::federating_group(2);
    let (a, b) = (&camps[0], &camps[1]);
    a.add_member("ana", Role::Host);
    b.add_member("bo", Role::Host);
    let (ca, cb) = (Client::new(a), Client::new(b));
    let ana = token_for(a, &ca, "ana", "read write follow");
    let bo = token_for(b, &cb, "bo", "read write follow");
    let bo_handle = format!("bo@{}", b.host());
    let bo_post = post_status(&cb, &bo, "news from the other camp #lake", "public", None);
    let bo_post_url = format!("{}/posts/{bo_post}", b.base);

    // Not known here yet: without resolve, nothing; with it, Bo as an account of his server.
    let unresolved = ca.get(&format!("/api/v2/search?q=@{bo_handle}"), Some(&ana));
    assert_eq!(
        unresolved.json["accounts"],
        json!([]),
        "{}",
        unresolved.json
    );
    let found = ca.get(
        &format!("/api/v2/search?q=@{bo_handle}&resolve=true"),
        Some(&ana),
    );
    assert_eq!(found.status, 200, "{}", found.json);
    let account = found.json["accounts"][0].clone();
    assert_eq!(account["acct"], bo_handle.as_str(), "{account}");
    assert_eq!(account["username"], "bo");
    assert_eq!(account["uri"], format!("{}/users/bo", b.base));
    assert_eq!(account["url"], format!("{}/@bo", b.base));
    let bo_id = account["id"].as_str().unwrap().to_string();
    // The same account by lookup and by id.
    let looked_up = ca.get(
        &format!("/api/v1/accounts/lookup?acct={bo_handle}"),
        Some(&ana),
    );
    assert_eq!(looked_up.json, account);
    assert_eq!(
        ca.get(&format!("/api/v1/accounts/{bo_id}"), None).json,
        account
    );
    // Opened by a member, his numbers are what his server says (his camp's collections), and
    // his account's day is the day it was made there.
    let opened = ca
        .get(&format!("/api/v1/accounts/{bo_id}"), Some(&ana))
        .json;
    assert_eq!(opened["acct"], bo_handle.as_str());
    assert_eq!(
        (
            opened["followers_count"].clone(),
            opened["following_count"].clone(),
            opened["statuses_count"].clone()
        ),
        (json!(0), json!(0), json!(1)),
        "{opened}"
    );
    let made = b.query_i64("SELECT created_at FROM accounts WHERE username = 'bo'");
    assert_eq!(
        opened["created_at"],
        porchlight_api::entities::timestamp(made - made % 86_400)
    );

    // Ana follows him from the app: requested until his camp accepts, then following.
    let follow = ca.form(&format!("/api/v1/accounts/{bo_id}/follow"), Some(&ana), &[]);
    assert_eq!(follow.status, 200, "{}", follow.json);
    assert!(
        follow.json["requested"] == true || follow.json["following"] == true,
        "{}",
        follow.json
    );
    a.wait_for("Bo's camp to accept", |_| {
        ca.get(
            &format!("/api/v1/accounts/relationships?id[]={bo_id}"),
            Some(&ana),
        )
        .json[0]["following"]
            == true
    });

    // His profile has nothing here yet (the follow brings what comes after it): its first
    // page is fetched from his outbox.
    let profile = ca.get(&format!("/api/v1/accounts/{bo_id}/statuses"), Some(&ana));
    assert_eq!(
        profile.json[0]["uri"],
        bo_post_url.as_str(),
        "{}",
        profile.json
    );

    // His post, found by its address, is a status with its own uri and url.
    let by_url = ca.get(
        &format!(
            "/api/v2/search?q={}&resolve=true&type=statuses",
            bo_post_url
        ),
        Some(&ana),
    );
    let status = by_url.json["statuses"][0].clone();
    assert_eq!(status["uri"], bo_post_url.as_str(), "{}", by_url.json);
    assert_eq!(status["url"], bo_post_url.as_str());
    assert_eq!(status["account"]["acct"], bo_handle.as_str());
    assert_eq!(status["account"]["url"], format!("{}/@bo", b.base));
    assert_eq!(status["tags"][0]["name"], "lake");
    // And on his profile's list of posts, here.
    let listed = status_ids(&ca, &ana, &format!("/api/v1/accounts/{bo_id}/statuses"));
    assert!(
        listed.contains(&status["id"].as_str().unwrap().to_string()),
        "{listed:?}"
    );

    // New posts of his reach Ana's home through the follow.
    let later = post_status(&cb, &bo, "and one more", "public", None);
    let later_url = format!("{}/posts/{later}", b.base);
    a.wait_for("Bo's new post", |_| {
        ca.get("/api/v1/timelines/home", Some(&ana))
            .json
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == later_url.as_str())
    });

    // Unfollowed from the app.
    let unfollow = ca.form(
        &format!("/api/v1/accounts/{bo_id}/unfollow"),
        Some(&ana),
        &[],
    );
    assert_eq!(unfollow.json["following"], false, "{}", unfollow.json);
    assert_eq!(unfollow.json["requested"], false);
    // Someone unknown, or a garbled handle: a clear 404, nothing stored.
    let accounts_before = a.count("accounts");
    let missing = ca.get(
        &format!("/api/v1/accounts/lookup?acct=nobody@{}", b.host()),
        Some(&ana),
    );
    assert_eq!(missing.status, 404, "{}", missing.json);
    let garbled = ca.get("/api/v2/search?q=@x@&resolve=true", Some(&ana));
    assert_eq!(garbled.status, 200);
    assert_eq!(garbled.json["accounts"], json!([]));
    assert_eq!(a.count("accounts"), accounts_before);
}
