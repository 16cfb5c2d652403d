//! Test fixtures: a real Porchlight camp on an ephemeral loopback port with its own SQLite file
//! in a temporary folder, and a `Browser` that keeps cookies and form tokens as a browser does.
//! Several camps can run in one test process.

pub mod peer;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use porchlight_app::members::NewMember;
use porchlight_app::{App, Limits};
use porchlight_core::AccountId;
use porchlight_core::audience::Role;
use porchlight_http::{HttpConfig, State};

/// The password every fixture member gets.
pub const PASSWORD: &str = "a long test password";

pub struct TestCamp {
    pub base: String,
    pub app: Arc<App>,
    /// The camp's database file, opened a second time, as someone reading the card would: what
    /// tests check a request stored, and the clock they move (the camp itself keeps its own
    /// handle private and changes only through its use cases).
    pub db: porchlight_app::db::Db,
    pub dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    workers: Option<porchlight_federation::workers::Workers>,
}

impl TestCamp {
    /// Starts a camp with no members, reached by its loopback address.
    pub fn start() -> TestCamp {
        TestCamp::start_with(HttpConfig::default())
    }

    /// Starts a camp with no members and the given presentation (public name, cookie flags).
    pub fn start_with(config: HttpConfig) -> TestCamp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let dir = tempfile::tempdir().expect("temp dir");
        let app = Arc::new(App::open(dir.path(), Limits::default()).expect("open camp"));
        TestCamp::serve(listener, dir, app, config)
    }

    /// Starts a camp that federates under its loopback address (`http://127.0.0.1:port`), with
    /// its delivery and inbox workers running. It may reach only the peers named with
    /// [`TestCamp::allow_peers`].
    pub fn federating() -> TestCamp {
        TestCamp::federating_with(Default::default())
    }

    /// A federating camp with its own federation settings (authorized fetch, threads).
    pub fn federating_with(settings: porchlight_federation::Settings) -> TestCamp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let dir = tempfile::tempdir().expect("temp dir");
        let identity = porchlight_federation::Identity::new(&base).expect("identity");
        let federation = porchlight_federation::Federation::new(identity, settings);
        let app = App::open(dir.path(), Limits::default())
            .expect("open camp")
            .with_federation(federation);
        let mut camp = TestCamp::serve(
            listener,
            dir,
            Arc::new(app),
            HttpConfig {
                base_url: Some(base),
                ..Default::default()
            },
        );
        camp.workers = Some(camp.app.start_workers());
        camp
    }

    /// Two federating camps, the first with a host `follower`, the second with a host
    /// `followee` whom `follower` follows (the follow accepted on both sides); their browsers.
    pub fn two_following(follower: &str, followee: &str) -> (Vec<TestCamp>, Browser, Browser) {
        let camps = TestCamp::federating_group(2);
        camps[0].add_member(follower, Role::Host);
        camps[1].add_member(followee, Role::Host);
        let mut a = camps[0].logged_in(follower);
        let b = camps[1].logged_in(followee);
        a.post(&format!("/@{followee}@{}/follow", camps[1].host()), &[]);
        camps[0].wait_for("the follow to be accepted", |c| c.count("follows") == 1);
        camps[1].wait_for("the follower", |c| c.count("follows") == 1);
        (camps, a, b)
    }

    /// Two or more federating camps that may reach each other.
    pub fn federating_group(n: usize) -> Vec<TestCamp> {
        let camps: Vec<TestCamp> = (0..n).map(|_| TestCamp::federating()).collect();
        let addresses: Vec<std::net::SocketAddr> = camps.iter().map(|c| c.address()).collect();
        for camp in &camps {
            camp.allow_peers(&addresses);
        }
        camps
    }

    /// The loopback address the camp listens on.
    pub fn address(&self) -> std::net::SocketAddr {
        self.base
            .trim_start_matches("http://")
            .parse()
            .expect("a loopback address")
    }

    /// Lets this camp's federation reach these loopback addresses (and nothing else local).
    pub fn allow_peers(&self, addresses: &[std::net::SocketAddr]) {
        let fed = self.app.federation.as_ref().expect("a federating camp");
        fed.client
            .allow_for_tests(porchlight_federation::guard::AllowList::loopback_for_tests(
                addresses,
            ));
    }

    /// The host part of handles here: `127.0.0.1:port`.
    pub fn host(&self) -> String {
        self.base.trim_start_matches("http://").to_string()
    }

    fn serve(
        listener: std::net::TcpListener,
        dir: tempfile::TempDir,
        app: Arc<App>,
        config: HttpConfig,
    ) -> TestCamp {
        let state = Arc::new(State::new(app.clone(), config));
        listener.set_nonblocking(true).expect("nonblocking");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                porchlight_http::serve(state, listener, async {
                    let _ = stopped.await;
                })
                .await
                .expect("serve");
            });
        });
        let db = porchlight_app::db::Db::open(&dir.path().join("porchlight.db"))
            .expect("open the camp's database beside it");
        TestCamp {
            base,
            app,
            db,
            dir,
            stop: Some(stop),
            thread: Some(thread),
            workers: None,
        }
    }

    /// Waits (up to 20 s) until `done` holds, checking every 20 ms; panics with `what` if it
    /// never does. Federation is asynchronous: deliveries and inbox work happen on workers.
    pub fn wait_for(&self, what: &str, mut done: impl FnMut(&TestCamp) -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while std::time::Instant::now() < deadline {
            if done(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("timed out waiting for: {what}");
    }

    /// Waits until no jobs are left to do (deliveries made, inbox processed).
    pub fn settle(&self) {
        self.wait_for("the job queue to empty", |c| c.count("jobs") == 0);
    }

    /// Runs a query that returns one integer.
    pub fn query_i64(&self, sql: &str) -> i64 {
        self.db
            .read(|c| c.query_row(sql, [], |r| r.get(0)))
            .expect("query")
    }

    /// Runs a query that returns one string.
    pub fn query_string(&self, sql: &str) -> String {
        self.db
            .read(|c| c.query_row(sql, [], |r| r.get(0)))
            .expect("query")
    }

    /// Runs a statement that changes the database: a test standing in for time passing (a
    /// retry that would come in minutes made due now). Returns the rows changed.
    pub fn execute(&self, sql: &str) -> usize {
        self.db
            .write(|tx| -> Result<usize, porchlight_app::db::Error> { tx.execute(sql, []) })
            .expect("execute")
    }

    /// Starts a camp with a host called `host`, and returns a browser logged in as them.
    pub fn with_host(host: &str) -> (TestCamp, Browser) {
        let camp = TestCamp::start();
        camp.add_member(host, Role::Host);
        let mut browser = camp.browser();
        browser.log_in(host, PASSWORD);
        (camp, browser)
    }

    pub fn add_member(&self, name: &str, role: Role) -> AccountId {
        self.app
            .add_member(&NewMember {
                username: name,
                password: PASSWORD,
                display_name: "",
                role,
            })
            .expect("add member")
    }

    /// A browser with no cookies yet.
    pub fn browser(&self) -> Browser {
        Browser::new(&self.base)
    }

    /// A browser logged in as `name`.
    pub fn logged_in(&self, name: &str) -> Browser {
        let mut b = self.browser();
        b.log_in(name, PASSWORD);
        b
    }

    /// A member's actor document, as other servers fetch it.
    pub fn actor_document(&self, name: &str) -> serde_json::Value {
        let answer = self.browser().get_with(
            &format!("/users/{name}"),
            &[("accept", "application/activity+json")],
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        serde_json::from_str(&answer.body).expect("an actor document")
    }

    /// Counts rows of a table (to prove that a refused request stored nothing).
    pub fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        self.db
            .read(|c| c.query_row(&sql, [], |r| r.get(0)))
            .expect("count")
    }
}

impl Drop for TestCamp {
    fn drop(&mut self) {
        if let Some(workers) = self.workers.take() {
            workers.stop();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One answer, as a test looks at it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// The body as text (lossy where it is not UTF-8); `bytes` has it exactly.
    pub body: String,
    pub bytes: Vec<u8>,
    pub location: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) -> &Self {
        assert!(
            self.body.contains(text),
            "expected {text:?} in:\n{}",
            self.body
        );
        self
    }

    #[track_caller]
    pub fn assert_lacks(&self, text: &str) -> &Self {
        assert!(
            !self.body.contains(text),
            "did not expect {text:?} in:\n{}",
            self.body
        );
        self
    }
}

/// A cookie-keeping HTTP client that fills in form tokens like a browser showing the form would.
pub struct Browser {
    agent: ureq::Agent,
    /// How it trusts certificates, kept to make the agent again with another timeout.
    tls: Option<ureq::tls::TlsConfig>,
    base: String,
    cookies: BTreeMap<String, String>,
    /// The form token seen last, and the cookies it was seen with.
    csrf: Option<(String, String)>,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser::with_tls(base, None)
    }

    /// A browser for an HTTPS camp whose certificate it trusts (as a host does once they have
    /// checked the fingerprint): `root_pem` is the certificate to trust.
    pub fn trusting(base: &str, root_pem: &[u8]) -> Browser {
        let cert = ureq::tls::Certificate::from_pem(root_pem)
            .expect("a PEM certificate")
            .to_owned();
        Browser::with_tls(
            base,
            Some(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&[cert]))
                    .build(),
            ),
        )
    }

    /// A browser whose person clicked through the warning about a certificate nobody vouches
    /// for (the box's own, before the camp has a public name). The test then compares the
    /// fingerprint the setup page shows with the one the box printed, as the page asks.
    pub fn accepting_any_certificate(base: &str) -> Browser {
        Browser::with_tls(
            base,
            Some(
                ureq::tls::TlsConfig::builder()
                    .disable_verification(true)
                    .build(),
            ),
        )
    }

    fn with_tls(base: &str, tls: Option<ureq::tls::TlsConfig>) -> Browser {
        Browser {
            agent: Browser::agent(tls.clone(), Duration::from_secs(30)),
            tls,
            base: base.to_string(),
            cookies: BTreeMap::new(),
            csrf: None,
        }
    }

    fn agent(tls: Option<ureq::tls::TlsConfig>, timeout: Duration) -> ureq::Agent {
        let mut config = ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .timeout_global(Some(timeout));
        if let Some(tls) = tls {
            config = config.tls_config(tls);
        }
        config.build().into()
    }

    /// The same browser, waiting up to `timeout` for each answer (a large upload to an
    /// emulated machine takes longer than the usual 30 s).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.agent = Browser::agent(self.tls.clone(), timeout);
    }

    /// The same browser (its cookies and form token) pointed at the camp's new address, as after
    /// the camp restarted on another port.
    pub fn rebase(&mut self, base: &str) {
        self.base = base.to_string();
    }

    /// The Cookie header this browser sends (for a request written by hand).
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn is_logged_in(&self) -> bool {
        self.cookies.contains_key("pl_session")
    }

    fn absorb(&mut self, mut response: ureq::http::Response<ureq::Body>) -> Answer {
        let status = response.status().as_u16();
        let mut headers = Vec::new();
        for (name, value) in response.headers() {
            let value = value.to_str().unwrap_or("").to_string();
            if name.as_str() == "set-cookie" {
                let pair = value.split(';').next().unwrap_or("");
                if let Some((k, v)) = pair.split_once('=') {
                    if v.is_empty() || value.contains("Max-Age=0") {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_string(), v.to_string());
                    }
                }
            }
            headers.push((name.as_str().to_string(), value));
        }
        let bytes = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap_or_default();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(token) = extract_csrf(&body) {
            self.csrf = Some((token, self.cookie_header()));
        }
        let location = headers
            .iter()
            .find(|(n, _)| n == "location")
            .map(|(_, v)| v.clone());
        Answer {
            status,
            body,
            bytes,
            location,
            headers,
        }
    }

    pub fn get(&mut self, path: &str) -> Answer {
        self.try_get(path).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A GET whose failed connection is an error rather than a panic (for a server that may
    /// be switched off in the middle of it).
    pub fn try_get(&mut self, path: &str) -> Result<Answer, String> {
        let url = format!("{}{}", self.base, path);
        let response = self
            .agent
            .get(&url)
            .header("cookie", &self.cookie_header())
            .call()
            .map_err(|e| format!("GET {url}: {e}"))?;
        Ok(self.absorb(response))
    }

    /// GET with extra request headers.
    pub fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Answer {
        let url = format!("{}{}", self.base, path);
        let mut request = self.agent.get(&url).header("cookie", &self.cookie_header());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.call().unwrap_or_else(|e| panic!("GET {url}: {e}"));
        self.absorb(response)
    }

    /// The form token for the current cookies, loading a page with a form if needed.
    pub fn csrf(&mut self) -> String {
        self.try_csrf().unwrap_or_else(|e| panic!("{e}"))
    }

    fn try_csrf(&mut self) -> Result<String, String> {
        let current = self.cookie_header();
        match &self.csrf {
            Some((token, seen_with)) if *seen_with == current && !current.is_empty() => {
                Ok(token.clone())
            }
            _ => {
                let answer = self.try_get("/login")?;
                if answer.status == 303 {
                    self.try_get("/settings")?;
                }
                self.csrf
                    .clone()
                    .map(|(token, _)| token)
                    .ok_or_else(|| "no page with a form token".to_string())
            }
        }
    }

    /// Submits a form as the browser would (with its token).
    pub fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        self.post_raw(path, &all, &[])
    }

    /// Submits a form as [`Browser::post`] does, but a failed connection is an error rather
    /// than a panic (for a server that may be switched off in the middle of it).
    pub fn try_post(&mut self, path: &str, fields: &[(&str, &str)]) -> Result<Answer, String> {
        let token = self.try_csrf()?;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        let url = format!("{}{}", self.base, path);
        let response = self
            .agent
            .post(&url)
            .header("cookie", &self.cookie_header())
            .send_form(all.iter().copied())
            .map_err(|e| format!("POST {url}: {e}"))?;
        Ok(self.absorb(response))
    }

    /// Posts exactly these fields and headers (for forged and malformed requests).
    pub fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = format!("{}{}", self.base, path);
        let mut request = self
            .agent
            .post(&url)
            .header("cookie", &self.cookie_header());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request
            .send_form(fields.iter().copied())
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        self.absorb(response)
    }

    /// Submits a form with files (`enctype="multipart/form-data"`) as the browser would:
    /// `files` are (field, file name, content type, bytes).
    pub fn post_multipart(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &str, &[u8])],
    ) -> Answer {
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        let (content_type, body) = multipart(&all, files);
        let url = format!("{}{}", self.base, path);
        let response = self
            .agent
            .post(&url)
            .header("cookie", &self.cookie_header())
            .header("content-type", &content_type)
            .send(&body[..])
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        self.absorb(response)
    }

    /// Posts a raw body (for oversized requests).
    pub fn post_bytes(&mut self, path: &str, body: &[u8]) -> Answer {
        let url = format!("{}{}", self.base, path);
        let response = self
            .agent
            .post(&url)
            .header("cookie", &self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .send(body)
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        self.absorb(response)
    }

    #[track_caller]
    pub fn log_in(&mut self, username: &str, password: &str) {
        let answer = self.post("/login", &[("username", username), ("password", password)]);
        assert_eq!(
            answer.status, 303,
            "login of {username} failed: {}",
            answer.body
        );
        assert!(self.is_logged_in());
    }

    /// Makes an invite on the host's page, as the host would; returns its code, after checking
    /// that the page shows the new link.
    #[track_caller]
    pub fn make_invite(&mut self, note: &str, uses: &str) -> String {
        let answer = self.post(
            "/admin/invites",
            &[("note", note), ("uses", uses), ("expires_days", "7")],
        );
        answer.assert_status(303);
        let location = answer.location.clone().expect("the page with the new link");
        let code = location
            .split("invite=")
            .nth(1)
            .and_then(|rest| rest.split('#').next())
            .expect("the new invite's code in the address")
            .to_string();
        self.get(&location)
            .assert_status(200)
            .assert_contains("id=\"invite-link\"")
            .assert_contains(&format!("/invite/{code}"));
        code
    }

    /// Writes a post; returns its id.
    #[track_caller]
    pub fn write_post(&mut self, text: &str, audience: &str) -> i64 {
        let answer = self.post("/posts", &[("text", text), ("audience", audience)]);
        assert_eq!(answer.status, 303, "posting failed: {}", answer.body);
        let home = self.get("/");
        first_post_id(&home.body).expect("the new post on the home page")
    }

    /// Writes a reply; returns its id.
    #[track_caller]
    pub fn reply(&mut self, to: i64, text: &str, audience: &str) -> i64 {
        let to = to.to_string();
        let answer = self.post(
            "/posts",
            &[("text", text), ("audience", audience), ("in_reply_to", &to)],
        );
        assert_eq!(answer.status, 303, "reply failed: {}", answer.body);
        answer
            .location
            .and_then(|l| l.trim_start_matches("/posts/").parse().ok())
            .expect("the reply's address")
    }
}

fn extract_csrf(body: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_string())
}

/// A blocking connection to `to` from `from`, a loopback address of its own (127.0.0.2, …), as
/// another machine on the network would connect: for tests of what is counted per address.
pub fn connect_from(from: std::net::Ipv4Addr, to: std::net::SocketAddr) -> std::net::TcpStream {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("runtime");
    let stream = runtime.block_on(async {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind((from, 0).into())
            .expect("bind a loopback address");
        socket.connect(to).await.expect("connect")
    });
    let stream = stream.into_std().expect("a std stream");
    stream.set_nonblocking(false).expect("blocking");
    stream
}

/// The id of the first post card on a page.
/// A `multipart/form-data` body: (its content type with the boundary, the bytes).
pub fn multipart(
    fields: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "----porchlight-test-boundary-7d3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, content_type, bytes) in files {
        body.extend(
            format!(
                "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\ncontent-type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

pub fn first_post_id(body: &str) -> Option<i64> {
    post_ids(body).into_iter().next()
}

/// The ids of the post cards on a page, in order.
pub fn post_ids(body: &str) -> Vec<i64> {
    let marker = "data-id=\"";
    let mut ids = Vec::new();
    let mut rest = body;
    while let Some(at) = rest.find(marker) {
        rest = &rest[at + marker.len()..];
        if let Some(end) = rest.find('"')
            && let Ok(id) = rest[..end].parse()
        {
            ids.push(id);
        }
    }
    ids
}
