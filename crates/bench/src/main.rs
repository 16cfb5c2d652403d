//! `porchlight-bench`: seeds a camp (50 members, 100,000 posts), runs the release `porchlight`
//! binary on it as a separate process, and measures it over loopback like a browser would:
//! cold start, timeline pages under concurrent load, posting, page weight and peak memory.
//! Every load loop is bounded in requests and in time. Run it with `scripts/bench`; with
//! `--soak SECONDS` it runs the soak instead (`soak.rs`).

mod soak;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use porchlight_app::db::posts::{self, NewPost};
use porchlight_app::db::social;
use porchlight_app::members::NewMember;
use porchlight_app::{App, Limits};
use porchlight_core::audience::{Audience, Role};
use porchlight_core::text::render_post;

const PASSWORD: &str = "benchmark password";

struct Settings {
    members: usize,
    posts: usize,
    seconds: f64,
    /// Upper bound on requests per load run, whatever the time.
    max_requests: usize,
    writes: usize,
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let settings = if quick {
        Settings {
            members: 50,
            posts: 2_000,
            seconds: 1.0,
            max_requests: 20_000,
            writes: 40,
        }
    } else {
        Settings {
            members: 50,
            posts: 100_000,
            seconds: 8.0,
            max_requests: 400_000,
            writes: 400,
        }
    };
    let binary = std::env::args()
        .skip_while(|a| a != "--binary")
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/porchlight"));
    if !binary.exists() {
        eprintln!(
            "no server binary at {}; build it with `cargo build --release -p porchlight` (scripts/bench does)",
            binary.display()
        );
        std::process::exit(2);
    }
    // `--keep DIR` seeds DIR and leaves it for profiling; otherwise a temporary folder is used.
    let keep = std::env::args()
        .skip_while(|a| a != "--keep")
        .nth(1)
        .map(PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("porchlight-bench-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    seed(&dir, &settings);
    println!(
        "seeded {} members and {} posts in {:.1} s",
        settings.members,
        settings.posts,
        started.elapsed().as_secs_f64()
    );

    let soak_seconds = std::env::args()
        .skip_while(|a| a != "--soak")
        .nth(1)
        .and_then(|s| s.parse::<u64>().ok());
    if let Some(seconds) = soak_seconds {
        let members = if quick { 10 } else { settings.members };
        let level = soak::run(&binary, &dir, members, seconds);
        if keep.is_none() {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::process::exit(if level { 0 } else { 1 });
    }

    let mut results = Vec::new();
    let cold = cold_start(&binary, &dir);
    results.push(format!(
        "| cold start (exec → first answer), median of 5 | {:.1} ms |",
        cold
    ));

    let mut server = Server::start(&binary, &dir);
    let mut memory = vec![format!(
        "started {:.1}",
        server.peak_rss_kb() as f64 / 1024.0
    )];
    let cookie = format!("Cookie: {}", log_in(&server.base, "member0"));
    memory.push(format!(
        "after a login {:.1}",
        server.peak_rss_kb() as f64 / 1024.0
    ));
    let home_raw = fetch(&server.addr, "/", &cookie, false);
    let home_gz = fetch(&server.addr, "/", &cookie, true);
    let posts_on_page = String::from_utf8_lossy(&home_raw)
        .matches("data-id=\"")
        .count();
    results.push(format!(
        "| home page weight ({posts_on_page} posts): raw / gzip | {:.1} KB / {:.1} KB |",
        home_raw.len() as f64 / 1024.0,
        home_gz.len() as f64 / 1024.0
    ));
    let local_gz = fetch(&server.addr, "/local", &cookie, true);
    results.push(format!(
        "| local page weight, gzip | {:.1} KB |",
        local_gz.len() as f64 / 1024.0
    ));

    // The home timeline through the Mastodon client API too, as a phone app reads it.
    let bearer = format!("Authorization: Bearer {}", api_token(&dir, "member0"));
    let api_home = fetch(&server.addr, API_HOME, &bearer, false);
    assert!(
        find(&api_home, b"\"visibility\"").is_some(),
        "the API answers the home timeline"
    );
    results.push(format!(
        "| API home timeline weight (20 statuses), raw | {:.1} KB |",
        api_home.len() as f64 / 1024.0
    ));
    for (path, label, credential) in [
        ("/", "home timeline", &cookie),
        ("/local", "local timeline", &cookie),
        (API_HOME, "API home timeline (20 statuses)", &bearer),
    ] {
        for clients in [4, 32] {
            let cpu_before = server.cpu_seconds();
            let r = load(&server.addr, path, credential, clients, &settings, false);
            let server_cpu_us = (server.cpu_seconds() - cpu_before) * 1e6 / r.count.max(1) as f64;
            results.push(format!(
                "| {label}, {clients} clients | {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms; server CPU {server_cpu_us:.0} µs/request ({} requests, {} errors) |",
                r.rate, r.p50, r.p99, r.count, r.errors
            ));
            memory.push(format!(
                "after {label} at {clients} clients {:.1}",
                server.peak_rss_kb() as f64 / 1024.0
            ));
        }
    }
    let r = load(&server.addr, "/", &cookie, 4, &settings, true);
    results.push(format!(
        "| home timeline, 4 clients, gzip | {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms |",
        r.rate, r.p50, r.p99
    ));
    memory.push(format!(
        "after gzip load {:.1}",
        server.peak_rss_kb() as f64 / 1024.0
    ));
    let w = writes(&server.base, &settings);
    results.push(format!(
        "| posting (4 clients, each post durable before the answer) | {w:.0} posts/s |"
    ));
    let rss = server.peak_rss_kb();
    results.push(format!(
        "| server peak RSS (VmHWM) after all of the above | {:.1} MB |",
        rss as f64 / 1024.0
    ));
    memory.push(format!("after posting {:.1}", rss as f64 / 1024.0));
    results.push(format!(
        "| peak RSS along the way, MB | {} |",
        memory.join("; ")
    ));
    // Last, as campers post: phone photos on the newest posts of the home timeline, each with
    // its display copies, then the page's weight and speed again.
    let pictures = post_pictures(&dir, &settings);
    let home_raw = fetch(&server.addr, "/", &cookie, false);
    let home_gz = fetch(&server.addr, "/", &cookie, true);
    let text = String::from_utf8_lossy(&home_raw);
    let shown = text.matches("<img src=\"/files/").count();
    assert!(
        shown >= pictures,
        "the home page shows the {pictures} pictures ({shown})"
    );
    results.push(format!(
        "| home page weight with {shown} pictures in {} posts: raw / gzip | {:.1} KB / {:.1} KB (target < 14 KB gzip) |",
        text.matches("data-id=\"").count(),
        home_raw.len() as f64 / 1024.0,
        home_gz.len() as f64 / 1024.0
    ));
    let cpu_before = server.cpu_seconds();
    let r = load(&server.addr, "/", &cookie, 4, &settings, false);
    results.push(format!(
        "| home timeline with pictures, 4 clients | {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms; server CPU {:.0} µs/request |",
        r.rate,
        r.p50,
        r.p99,
        (server.cpu_seconds() - cpu_before) * 1e6 / r.count.max(1) as f64
    ));
    server.stop();
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }

    println!();
    println!("| measure | result |");
    println!("|---|---|");
    for line in results {
        println!("{line}");
    }
    println!();
    println!(
        "(data: {} members, {} posts; {:.0} s per load run, at most {} requests; {} cores)",
        settings.members,
        settings.posts,
        settings.seconds,
        settings.max_requests,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(0)
    );
}

/// Fills a camp: members who follow each other, and posts of every audience, written through the
/// storage layer in one transaction (a real server would take hours to receive 100,000 posts).
fn seed(dir: &Path, settings: &Settings) {
    let app = App::open(dir, Limits::default()).expect("open camp");
    let mut ids = Vec::new();
    for i in 0..settings.members {
        let role = if i == 0 { Role::Host } else { Role::Member };
        let name = format!("member{i}");
        ids.push(
            app.add_member(&NewMember {
                username: &name,
                password: PASSWORD,
                display_name: &format!("Member {i}"),
                role,
            })
            .expect("add member"),
        );
    }
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let words = [
        "tent",
        "campfire",
        "marshmallow",
        "lake",
        "hike",
        "stars",
        "guitar",
        "canoe",
        "trail",
        "owl",
        "pine",
        "map",
    ];
    // Rows are written directly into the file (a second handle on it), far faster than the
    // use cases would for 100,000 posts.
    let db = porchlight_app::db::Db::open(&dir.join("porchlight.db")).expect("open the file");
    db.write(|tx| -> Result<(), rusqlite::Error> {
        let start = porchlight_app::db::now() - settings.posts as i64 * 30;
        for (i, &follower) in ids.iter().enumerate() {
            // Everyone follows about 30 of the others.
            for k in 1..=30 {
                social::follow(tx, follower, ids[(i + k * 7) % ids.len()], start)?;
            }
        }
        for n in 0..settings.posts {
            let author = ids[(next() % ids.len() as u64) as usize];
            let mentioned = ids[(next() % ids.len() as u64) as usize];
            let audience = match next() % 20 {
                0..=9 => Audience::Public,
                10..=14 => Audience::Local,
                15..=16 => Audience::Unlisted,
                17..=18 => Audience::Followers,
                _ => Audience::Direct,
            };
            let mut text = format!("Post {n}:");
            for _ in 0..(8 + next() % 30) {
                text.push(' ');
                text.push_str(words[(next() % words.len() as u64) as usize]);
            }
            text.push_str(&format!(
                " #{} @member{}",
                words[n % words.len()],
                mentioned - 1
            ));
            let rendered = render_post(&text, |_| true);
            posts::insert_post(
                tx,
                &NewPost {
                    author_id: author,
                    audience,
                    text: &text,
                    html: &rendered.html,
                    content_warning: if n % 25 == 0 { "spoilers" } else { "" },
                    in_reply_to: None,
                    mentions: &[mentioned],
                    tags: &rendered.tags,
                    now: start + n as i64 * 30,
                },
            )?;
        }
        Ok(())
    })
    .expect("seed posts");
}

/// Eight members the first one follows post a phone photo (1600 × 1200, with a description)
/// through the real use case, which makes its copies; returns how many.
fn post_pictures(dir: &Path, settings: &Settings) -> usize {
    use porchlight_app::posting::Compose;
    use porchlight_app::uploads::PictureDetails;
    let app = App::open(dir, Limits::default()).expect("open camp");
    let photo = porchlight_pictures::samples::photo(1600, 1200, 1);
    let mut posted = 0;
    // member0 follows members 7, 14, 21… (see `seed`).
    for k in 1..=8 {
        let (author, _) = app
            .log_in(&format!("member{}", (k * 7) % settings.members), PASSWORD)
            .expect("a member");
        app.post_with_picture(
            author,
            &Compose {
                text: &format!("Picture {k}: the lake at dusk from the #canoe"),
                content_warning: "",
                audience: Audience::Public,
                in_reply_to: None,
                media: &[],
                poll: None,
                event: None,
            },
            Some((
                &photo,
                &PictureDetails {
                    description: Some("The lake at dusk, pines on the far shore."),
                    focus: None,
                },
            )),
        )
        .expect("a post with a picture");
        posted += 1;
    }
    posted
}

struct Server {
    child: Child,
    addr: String,
    base: String,
}

impl Server {
    fn start(binary: &Path, dir: &Path) -> Server {
        let addr = format!("127.0.0.1:{}", free_port());
        Server::start_at(binary, dir, &addr, &[])
    }

    /// The server on `addr`, with `extra` arguments (a config file, say).
    fn start_at(binary: &Path, dir: &Path, addr: &str, extra: &[&str]) -> Server {
        let addr = addr.to_string();
        let child = spawn_server(binary, dir, &addr, extra, Stdio::inherit());
        let server = Server {
            child,
            base: format!("http://{addr}"),
            addr,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if TcpStream::connect(&server.addr).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("the server did not start");
    }

    /// CPU time the server has used so far (user + system), in seconds.
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // The fields after the command name (which is in parentheses and may contain spaces).
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        (ticks(11) + ticks(12)) / 100.0
    }

    fn peak_rss_kb(&self) -> u64 {
        self.status_kb("VmHWM:")
    }

    fn rss_kb(&self) -> u64 {
        self.status_kb("VmRSS:")
    }

    /// A figure in kB from /proc/PID/status.
    fn status_kb(&self, field: &str) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with(field))
                    .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
            })
            .unwrap_or(0)
    }

    fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `porchlight serve` on `addr`, quiet but for warnings.
fn spawn_server(binary: &Path, dir: &Path, addr: &str, extra: &[&str], stderr: Stdio) -> Child {
    Command::new(binary)
        .args(["serve", "--listen", addr, "--data"])
        .arg(dir)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("start the server")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Median milliseconds from exec to the first answer of /health, over five starts.
fn cold_start(binary: &Path, dir: &Path) -> f64 {
    let mut times = Vec::new();
    for _ in 0..5 {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let t0 = Instant::now();
        let mut child = spawn_server(binary, dir, &addr, &[], Stdio::null());
        loop {
            if let Ok(mut s) = TcpStream::connect(&addr) {
                let _ = s
                    .write_all(b"GET /health HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n");
                let mut buf = Vec::new();
                let _ = s.read_to_end(&mut buf);
                if buf.starts_with(b"HTTP/1.1 200") {
                    break;
                }
            }
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "no answer within 10 s"
            );
            std::thread::sleep(Duration::from_micros(200));
        }
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let _ = child.wait();
    }
    times.sort_by(f64::total_cmp);
    times[2]
}

/// An HTTP client that shows redirects and error statuses instead of following or failing on them.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .into()
}

/// Logs in through the real form and returns the Cookie header of the session.
fn log_in(base: &str, user: &str) -> String {
    let agent = agent();
    let mut page = agent
        .get(&format!("{base}/login"))
        .call()
        .expect("login page");
    let anon = cookie_from(&page).expect("anonymous cookie");
    let body = page.body_mut().read_to_string().unwrap();
    let csrf = csrf_from(&body);
    let answer = agent
        .post(&format!("{base}/login"))
        .header("cookie", &anon)
        .send_form([("username", user), ("password", PASSWORD), ("csrf", &csrf)])
        .expect("login");
    let session = cookie_from(&answer).expect("session cookie");
    format!("{anon}; {session}")
}

/// The API request the benchmark measures: a phone app's home timeline.
const API_HOME: &str = "/api/v1/timelines/home?limit=20";

/// A Mastodon API token for `member`, made the way an app gets one (register, authorize,
/// exchange the code), through the use cases on the data folder.
fn api_token(dir: &Path, member: &str) -> String {
    use porchlight_app::oauth::{AuthorizationAsk, NewApp, OUT_OF_BAND};
    let app = App::open(dir, Limits::default()).expect("open camp");
    let registered = app
        .register_oauth_app(&NewApp {
            name: "bench",
            redirect_uris: OUT_OF_BAND,
            scopes: "read write",
            website: "",
        })
        .expect("register");
    let request = app
        .check_authorization_request(&AuthorizationAsk {
            client_id: &registered.client_id,
            response_type: "code",
            redirect_uri: OUT_OF_BAND,
            scope: "read write",
            state: None,
            code_challenge: None,
            code_challenge_method: None,
        })
        .expect("authorization request");
    let id = app
        .read(|c| porchlight_app::db::accounts::member_by_username(c, member))
        .expect("read")
        .expect("member")
        .id;
    let code = app.authorize_app(id, &request).expect("authorize");
    app.exchange_code(
        &registered.client_id,
        registered.client_secret.as_deref().unwrap_or(""),
        &code,
        OUT_OF_BAND,
        None,
    )
    .expect("token")
    .access_token
}

fn cookie_from(r: &ureq::http::Response<ureq::Body>) -> Option<String> {
    r.headers()
        .get("set-cookie")?
        .to_str()
        .ok()?
        .split(';')
        .next()
        .map(str::to_string)
}

fn csrf_from(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("a form token") + marker.len();
    body[start..start + body[start..].find('"').unwrap()].to_string()
}

/// One GET over a fresh connection; returns the body as sent (compressed if asked).
fn fetch(addr: &str, path: &str, cookie: &str, gzip: bool) -> Vec<u8> {
    Client::connect(addr)
        .get(path, cookie, gzip)
        .expect("fetch")
}

/// A minimal HTTP/1.1 keep-alive client: enough to measure the server, not the client.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Client {
    fn connect(addr: &str) -> Client {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        Client {
            stream,
            buf: Vec::with_capacity(64 * 1024),
        }
    }

    /// `credential` is a whole header line: `Cookie: …` for pages, `Authorization: Bearer …`
    /// for the API.
    fn get(&mut self, path: &str, credential: &str, gzip: bool) -> Result<Vec<u8>, String> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: bench\r\n{credential}\r\n{}\r\n",
            if gzip {
                "Accept-Encoding: gzip\r\n"
            } else {
                ""
            }
        );
        self.stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        self.read_response()
    }

    /// A form POST (`body` is already encoded), as an app sends a new post.
    fn post_form(&mut self, path: &str, credential: &str, body: &str) -> Result<Vec<u8>, String> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: bench\r\n{credential}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        self.read_response()
    }

    fn read_response(&mut self) -> Result<Vec<u8>, String> {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).to_string();
                if !head.starts_with("HTTP/1.1 200") && !head.starts_with("HTTP/1.1 303") {
                    return Err(head.lines().next().unwrap_or("").to_string());
                }
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap_or(0))
                    })
                    .unwrap_or(0);
                while self.buf.len() < end + 4 + length {
                    let n = self.stream.read(&mut chunk).map_err(|e| e.to_string())?;
                    if n == 0 {
                        return Err("connection closed".into());
                    }
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                let body = self.buf[end + 4..end + 4 + length].to_vec();
                self.buf.drain(..end + 4 + length);
                return Ok(body);
            }
            let n = self.stream.read(&mut chunk).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed".into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

struct LoadResult {
    rate: f64,
    p50: f64,
    p99: f64,
    count: usize,
    errors: usize,
}

/// `clients` keep-alive connections each asking for `path` as fast as answers come, for the set
/// time or request count, whichever ends first.
fn load(
    addr: &str,
    path: &str,
    cookie: &str,
    clients: usize,
    s: &Settings,
    gzip: bool,
) -> LoadResult {
    let stop = Arc::new(AtomicBool::new(false));
    let per_client = s.max_requests / clients;
    let t0 = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (addr, path, cookie, stop) = (
                addr.to_string(),
                path.to_string(),
                cookie.to_string(),
                stop.clone(),
            );
            std::thread::spawn(move || {
                let mut client = Client::connect(&addr);
                let mut latencies = Vec::with_capacity(per_client);
                let mut errors = 0;
                while !stop.load(Ordering::Relaxed) && latencies.len() < per_client {
                    let t = Instant::now();
                    match client.get(&path, &cookie, gzip) {
                        Ok(_) => latencies.push(t.elapsed().as_secs_f64() * 1000.0),
                        Err(_) => {
                            errors += 1;
                            client = Client::connect(&addr);
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs_f64(s.seconds));
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in threads {
        let (l, e) = t.join().unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = t0.elapsed().as_secs_f64();
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    LoadResult {
        rate: all.len() as f64 / elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        count: all.len(),
        errors,
    }
}

/// Posts per second through the real form, 4 members at once.
fn writes(base: &str, s: &Settings) -> f64 {
    let t0 = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let base = base.to_string();
            let n = s.writes / 4;
            std::thread::spawn(move || {
                let cookie = log_in(&base, &format!("member{}", i + 1));
                let agent = agent();
                let mut page = agent
                    .get(&format!("{base}/settings"))
                    .header("cookie", &cookie)
                    .call()
                    .unwrap();
                let csrf = csrf_from(&page.body_mut().read_to_string().unwrap());
                let started = Instant::now();
                for k in 0..n {
                    let text = format!("benchmark post {k} from a member, about the #lake");
                    let answer = agent
                        .post(&format!("{base}/posts"))
                        .header("cookie", &cookie)
                        .send_form([
                            ("text", text.as_str()),
                            ("audience", "local"),
                            ("csrf", csrf.as_str()),
                        ])
                        .unwrap();
                    assert_eq!(answer.status().as_u16(), 303, "posting failed");
                }
                started.elapsed()
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    s.writes as f64 / t0.elapsed().as_secs_f64()
}
