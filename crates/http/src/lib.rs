//! The HTTP edge: a hyper server on tokio. It reads each request (with size and time limits),
//! hands it to the synchronous router on a blocking thread (the router talks to SQLite and hashes
//! passwords, which must never run on an async worker), and writes the answer, compressed when
//! the browser accepts gzip.

mod activitypub;
mod limiter;
mod pages;
mod request;
mod router;
mod sendfile;
mod spool;
mod streaming;

use std::convert::Infallible;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use porchlight_app::App;
use tokio::net::TcpListener;

pub use pages::{Access, PageMethod, ROUTES as PAGE_ROUTES};
pub use request::{Request, Response};
pub use spool::SpooledFile;

/// What a response carries: bytes in memory, or a file streamed from disk.
type ResponseBody = Either<Full<Bytes>, sendfile::FileBody>;

/// The largest request body accepted: forms are small (a post is 500 characters; the code of
/// conduct at most 10,000).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The largest body of a picture upload: the picture and a little for the form around it.
pub const MAX_UPLOAD_BYTES: usize = porchlight_pictures::MAX_BYTES + 64 * 1024;

/// How many large bodies (pictures being uploaded) one server holds at a time.
const LARGE_BODY_TURNS: usize = 2;
/// Connections one address may hold open at once, and all addresses together: a flood of idle
/// or slow connections is closed at the door instead of taking every file descriptor (a box
/// has 1,024 unless its service raises it) and with them the site.
const MAX_CONNECTIONS_PER_ADDRESS: usize = 128;
const MAX_CONNECTIONS: usize = 768;

/// How long a request's body may take to arrive, once its headers have (20 s for those): a form
/// comes at once; a picture's worth from a phone on a poor line gets longer.
const BODY_DEADLINE: Duration = Duration::from_secs(20);
const LARGE_BODY_DEADLINE: Duration = Duration::from_secs(180);
/// An archive to bring in, or a camp's backup, may be gigabytes from a home's slow upload.
const SPOOLED_BODY_DEADLINE: Duration = Duration::from_secs(3 * 3600);

/// How many large files are written to disk as they arrive at a time (the next waits).
const SPOOLED_BODY_TURNS: usize = 2;

/// How many large signed activities (over the form limit) the inboxes hold at a time: a budget
/// of their own, so that other servers never take the members' turns, nor members theirs.
const INBOX_BODY_TURNS: usize = 4;

/// The largest body taken at `path`.
fn body_limit(path: &str, multipart: bool) -> usize {
    match path {
        // Inboxes take ActivityPub documents, which may be larger than any form.
        p if p.ends_with("/inbox") => porchlight_federation::ap::inbound::MAX_DOCUMENT_BYTES,
        "/api/v1/media" | "/api/v2/media" => MAX_UPLOAD_BYTES,
        // The composer's form, with a picture.
        "/posts" if multipart => MAX_UPLOAD_BYTES,
        // An avatar and a header at once (the camp's look has one picture, and its words).
        "/api/v1/accounts/update_credentials" | "/settings/pictures" | "/admin/look"
            if multipart =>
        {
            2 * MAX_UPLOAD_BYTES
        }
        // An archive or a list to bring in.
        p if multipart && spool::spools(p) => spool::MAX_SPOOLED_BYTES,
        // A camp emoji's picture, with room for the form around it.
        "/admin/emoji" if multipart => porchlight_core::emoji::MAX_BYTES * 2,
        _ => MAX_BODY_BYTES,
    }
}

/// How much more than its limit a too-large body may be: it is read and discarded before the
/// 413 is answered. Past this the connection is simply closed.
const DRAIN_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// How the server presents itself.
#[derive(Clone, Debug, Default)]
pub struct HttpConfig {
    /// The address people use to reach the camp, without a trailing slash, for links that leave
    /// the page (invite links): `https://camp.example`. None: taken from each request's Host.
    pub base_url: Option<String>,
    /// Mark cookies `Secure` (when the camp is served over HTTPS).
    pub secure_cookies: bool,
    /// The SHA-256 fingerprint of the LAN certificate, shown on the setup page so the host can
    /// tell the box's own certificate from an impostor's.
    pub tls_fingerprint: Option<String>,
    /// Answers to the certificate authority's HTTP-01 challenges, filled while the camp asks for
    /// its public certificate.
    pub acme_challenges: porchlight_tls::Challenges,
    /// Restarts the server, which takes a new public name (the binary sets it; without it the
    /// host's page asks for a restart by hand).
    pub restart: Option<Restart>,
    /// How long a body may take to arrive (None: 20 s for forms, 3 minutes for pictures); tests
    /// set a short one.
    pub body_deadline: Option<Duration>,
    /// Whether the public name is fixed by the config file or the command line.
    pub domain_fixed: bool,
    /// On the box: while there is no host, anyone on the home network may set the camp up from
    /// its front page (the box has no screen to show the setup link on).
    pub setup_from_home_network: bool,
}

/// What restarts the server.
#[derive(Clone)]
pub struct Restart(pub Arc<dyn Fn() + Send + Sync>);

impl std::fmt::Debug for Restart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Restart")
    }
}

/// What every request handler shares: the camp, the configuration and the login limiter. There
/// is no global state, so several servers can run in one process (tests run two or three).
pub struct State {
    pub app: Arc<App>,
    pub config: HttpConfig,
    limiter: limiter::LoginLimiter,
    /// Turns to hold a large body (a picture being uploaded), this server's own.
    large_bodies: Arc<tokio::sync::Semaphore>,
    /// Turns to hold a large signed activity at an inbox.
    inbox_bodies: Arc<tokio::sync::Semaphore>,
    /// Turns to write a large file to disk as it arrives (`spool`): a few at once, so that the
    /// card is not filled by many at a time.
    spooled_bodies: Arc<tokio::sync::Semaphore>,
    /// The connections open now, by address and in all.
    connections: Arc<std::sync::Mutex<Connections>>,
}

impl State {
    pub fn new(app: Arc<App>, config: HttpConfig) -> State {
        State {
            app,
            config,
            limiter: limiter::LoginLimiter::new(),
            large_bodies: Arc::new(tokio::sync::Semaphore::new(LARGE_BODY_TURNS)),
            inbox_bodies: Arc::new(tokio::sync::Semaphore::new(INBOX_BODY_TURNS)),
            spooled_bodies: Arc::new(tokio::sync::Semaphore::new(SPOOLED_BODY_TURNS)),
            connections: Arc::new(std::sync::Mutex::new(Connections::default())),
        }
    }

    /// The camp's address for links that leave the page (invites, the API's URLs, the
    /// streaming address), without a trailing slash: the public name when it has one;
    /// otherwise the name the visitor used (`host`, the request's Host), over HTTPS when the
    /// camp serves HTTPS (plain HTTP then only redirects there). The one place this is
    /// worked out.
    pub fn base_url(&self, host: Option<&str>) -> String {
        self.config.base_url_for(host)
    }
}

impl HttpConfig {
    /// See [`State::base_url`].
    pub fn base_url_for(&self, host: Option<&str>) -> String {
        match &self.base_url {
            Some(base) => base.clone(),
            None => format!(
                "{}://{}",
                if self.secure_cookies { "https" } else { "http" },
                host.unwrap_or("localhost")
            ),
        }
    }
}

/// The connections a server holds open.
#[derive(Default)]
struct Connections {
    by_address: std::collections::HashMap<std::net::IpAddr, usize>,
    total: usize,
}

/// One open connection, counted until it is dropped.
struct ConnectionSlot {
    connections: Arc<std::sync::Mutex<Connections>>,
    address: std::net::IpAddr,
}

impl ConnectionSlot {
    /// A slot for a connection from `address`, or None when it or everyone is at the cap.
    fn take(
        connections: &Arc<std::sync::Mutex<Connections>>,
        address: std::net::IpAddr,
    ) -> Option<ConnectionSlot> {
        let mut open = connections.lock().unwrap_or_else(|p| p.into_inner());
        let mine = open.by_address.get(&address).copied().unwrap_or(0);
        if open.total >= MAX_CONNECTIONS || mine >= MAX_CONNECTIONS_PER_ADDRESS {
            return None;
        }
        open.total += 1;
        *open.by_address.entry(address).or_default() += 1;
        Some(ConnectionSlot {
            connections: connections.clone(),
            address,
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.connections.lock().unwrap_or_else(|p| p.into_inner());
        open.total -= 1;
        if let Some(n) = open.by_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                open.by_address.remove(&self.address);
            }
        }
    }
}

/// How one listener serves.
#[derive(Clone)]
pub enum Mode {
    /// Plain HTTP: the site itself.
    Plain,
    /// HTTPS with this acceptor: the site itself.
    Tls(tokio_rustls::TlsAcceptor),
    /// Plain HTTP that sends browsers to the HTTPS site (keeping `/health` for probes).
    RedirectToHttps {
        /// The HTTPS port, when it is not 443.
        https_port: Option<u16>,
    },
}

/// Serves plain HTTP until `shutdown` completes (see [`serve_mode`]).
pub async fn serve(
    state: Arc<State>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    serve_mode(state, listener, Mode::Plain, shutdown).await
}

/// Drives one connection until it ends, or, once `stop` turns true, asks it to finish the request
/// in hand and close (hyper's graceful shutdown), then waits for that.
macro_rules! drive {
    ($conn:expr, $stop:expr) => {{
        let conn = $conn;
        tokio::pin!(conn);
        let mut stop = $stop;
        tokio::select! {
            result = conn.as_mut() => result,
            () = async { let _ = stop.wait_for(|s| *s).await; } => {
                conn.as_mut().graceful_shutdown();
                conn.await
            }
        }
    }};
}

/// Serves until `shutdown` completes, then stops accepting, lets requests in flight finish (for
/// up to ten seconds) and returns. Connections may be upgraded (the streaming API's WebSockets),
/// which hyper-util's graceful helper cannot watch, so each connection holds a token of the
/// `open` channel and shutdown waits until every token is dropped.
pub async fn serve_mode(
    state: Arc<State>,
    listener: TcpListener,
    mode: Mode,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let (open, mut all_closed) = tokio::sync::mpsc::channel::<()>(1);
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Running out of file descriptors is temporary: wait a little, go on.
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Over the cap: closed at once (dropping the stream), before any byte is read.
        let Some(slot) = ConnectionSlot::take(&state.connections, remote.ip()) else {
            log::debug!("refused a connection from {remote}: too many open");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let (stop, held) = (stop.clone(), open.clone());
        let mode = mode.clone();
        tokio::spawn(async move {
            let _held = held;
            let _slot = slot;
            let builder = {
                let mut b = http1::Builder::new();
                b.timer(TokioTimer::new())
                    .header_read_timeout(Duration::from_secs(20))
                    .max_buf_size(64 * 1024);
                b
            };
            let result = match mode {
                Mode::Plain => {
                    let service = service_fn(move |req| handle(state.clone(), remote, req));
                    drive!(
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .with_upgrades(),
                        stop
                    )
                }
                Mode::Tls(acceptor) => {
                    let handshake =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
                    let tls = match handshake.await {
                        Ok(Ok(tls)) => tls,
                        Ok(Err(e)) => {
                            log::debug!("TLS handshake with {remote} failed: {e}");
                            return;
                        }
                        Err(_) => return,
                    };
                    let service = service_fn(move |req| handle(state.clone(), remote, req));
                    drive!(
                        builder
                            .serve_connection(TokioIo::new(tls), service)
                            .with_upgrades(),
                        stop
                    )
                }
                Mode::RedirectToHttps { https_port } => {
                    let service = service_fn(move |req| redirect(state.clone(), https_port, req));
                    drive!(
                        builder.serve_connection(TokioIo::new(stream), service),
                        stop
                    )
                }
            };
            if let Err(e) = result {
                log::debug!("connection from {remote} ended: {e}");
            }
        });
    }
    log::info!("shutting down: finishing requests in flight");
    let _ = stopping.send(true);
    drop(open);
    tokio::select! {
        _ = all_closed.recv() => {}
        () = tokio::time::sleep(Duration::from_secs(10)) => {
            log::warn!("some connections were still open after 10 s; closing them");
        }
    }
    Ok(())
}

/// Sends a browser from `http://` to the same address over `https://`.
/// The certificate authority's HTTP-01 challenges are answered here too: it asks over plain HTTP.
async fn redirect(
    state: Arc<State>,
    https_port: Option<u16>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<ResponseBody>, Infallible> {
    if req.uri().path() == "/health" {
        return Ok(finish(Response::text(200, "ok"), false));
    }
    if let Some(token) = req
        .uri()
        .path()
        .strip_prefix("/.well-known/acme-challenge/")
    {
        return Ok(finish(
            router::acme_challenge(&state.config.acme_challenges, token),
            false,
        ));
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("porchlight.local");
    // The host without its port (an IPv6 literal keeps its brackets).
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.contains(']') => name,
        _ => host,
    };
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let location = match https_port {
        Some(port) => format!("https://{name}:{port}{path}"),
        None => format!("https://{name}{path}"),
    };
    let response = Response {
        status: 308,
        content_type: "text/plain; charset=utf-8",
        headers: vec![("location", location)],
        body: Bytes::from_static(b"This camp is served over HTTPS."),
    };
    Ok(finish(response, false))
}

async fn handle(
    state: Arc<State>,
    remote: SocketAddr,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<ResponseBody>, Infallible> {
    if streaming::wants_stream(&req) {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok());
        let base = state.base_url(host);
        return Ok(streaming::open(state, req, base).await.map(Either::Left));
    }
    let accepts_gzip = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let declared_length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let (parts, body) = req.into_parts();
    let mut request = Request::from_parts(&parts, remote);
    // A body over the limit is still read (and thrown away) up to a bound, so that the sender gets
    // the "too large" page instead of a connection closed under it mid-upload.
    let multipart = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    // A body over the form limit is held only for those entitled to it, each in a budget of
    // their own: a member (a valid token or session, checked before the body is read) sending
    // a picture, or a signed activity at an inbox (however the signature is carried; it is
    // checked once the body is in). A stranger, or junk credentials, get the form limit.
    let path = parts.uri.path();
    let wanted = body_limit(path, multipart);
    let is_inbox = path.ends_with("/inbox");
    let turns = if wanted <= MAX_BODY_BYTES {
        None
    } else if is_inbox {
        let signed = parts.headers.contains_key("signature")
            || parts
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("Signature "));
        signed.then(|| state.inbox_bodies.clone())
    } else {
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string());
        let session = request.cookie(pages::SESSION_COOKIE).map(str::to_string);
        let app = state.app.clone();
        // A backup to restore comes before there is anyone to be signed in: it is taken only
        // with the setup link of a camp that has no host yet.
        let setup_token = path
            .strip_prefix("/setup/")
            .and_then(|rest| rest.strip_suffix("/restore"))
            .map(str::to_string);
        let restoring = path.starts_with("/setup/");
        let entitled = tokio::task::spawn_blocking(move || {
            if restoring {
                setup_token.is_some_and(|t| app.setup_token_valid(&t).unwrap_or(false))
            } else {
                app.member_credentials(bearer.as_deref(), session.as_deref())
            }
        })
        .await
        .unwrap_or(false);
        entitled.then(|| state.large_bodies.clone())
    };
    let limit = if turns.is_some() {
        wanted
    } else {
        wanted.min(MAX_BODY_BYTES)
    };
    let drain_limit = limit + DRAIN_LIMIT_BYTES;
    let spooled = multipart && spool::spools(path) && turns.is_some();
    // At most a few large bodies of each kind are held at once; the next waits its turn. (A
    // spooled file goes to disk, not memory: it waits for a turn of its own.)
    let _large_body_turn = match turns {
        Some(_) if spooled => state.spooled_bodies.clone().acquire_owned().await.ok(),
        Some(turns) => turns.acquire_owned().await.ok(),
        None => None,
    };
    let deadline = state
        .config
        .body_deadline
        .unwrap_or(if limit >= spool::MAX_SPOOLED_BYTES {
            SPOOLED_BODY_DEADLINE
        } else if limit > MAX_BODY_BYTES {
            LARGE_BODY_DEADLINE
        } else {
            BODY_DEADLINE
        });
    if declared_length.is_some_and(|n| n > drain_limit) {
        request.body_too_large = true;
    } else if spooled {
        let content_type = request.header("content-type").unwrap_or("").to_string();
        let folder = state.app.spool_folder();
        let names = || state.app.random_token(12);
        match tokio::time::timeout(
            deadline,
            spool::read(body, &content_type, &folder, limit, names),
        )
        .await
        {
            Ok(Ok((fields, files))) => {
                request.form = fields;
                request.spooled = files;
            }
            Ok(Err(spool::SpoolError::TooLarge)) => request.body_too_large = true,
            Ok(Err(spool::SpoolError::Unreadable(e))) => {
                log::info!("a form with a file from {remote} could not be read: {e}");
                return Ok(finish(
                    Response::text(400, "What was sent could not be read (was it cut off?)."),
                    false,
                ));
            }
            Err(_) => {
                log::info!("a file from {remote} did not arrive in {deadline:?}");
                return Ok(finish(
                    Response::text(408, "The file took too long to arrive."),
                    false,
                ));
            }
        }
    } else {
        let Ok(collected) =
            tokio::time::timeout(deadline, Limited::new(body, drain_limit).collect()).await
        else {
            log::debug!("a request body from {remote} did not arrive in {deadline:?}");
            let mut slow = finish(
                Response::text(408, "The request took too long to arrive."),
                false,
            );
            slow.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            return Ok(slow);
        };
        match collected {
            Ok(collected) => {
                let bytes = collected.to_bytes();
                if bytes.len() > limit {
                    request.body_too_large = true;
                } else {
                    request.set_body(bytes);
                }
            }
            Err(e)
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some() =>
            {
                request.body_too_large = true;
            }
            Err(e) => {
                log::debug!("could not read a request body from {remote}: {e}");
                return Ok(finish(
                    Response::text(400, "The request could not be read."),
                    false,
                ));
            }
        }
    }
    let response = match tokio::task::spawn_blocking(move || router::handle(&state, &request)).await
    {
        Ok(response) => response,
        Err(e) => {
            log::error!("a request handler failed: {e}");
            Response::text(
                500,
                "Something went wrong on the server; nothing was changed.",
            )
        }
    };
    Ok(finish(response, accepts_gzip))
}

/// Turns a response into hyper's form: security headers, and gzip for text when accepted.
fn finish(mut response: Response, accepts_gzip: bool) -> hyper::Response<ResponseBody> {
    let send_file = response
        .headers
        .iter()
        .position(|(name, _)| *name == sendfile::SEND_FILE)
        .map(|at| response.headers.remove(at).1);
    let compressible = response.content_type.starts_with("text/")
        || response.content_type.starts_with("application/javascript");
    let (body, gzipped) = if accepts_gzip && compressible && response.body.len() > 1024 {
        (gzip(&response.body), true)
    } else {
        (response.body, false)
    };
    let mut builder = hyper::Response::builder()
        .status(response.status)
        .header(header::CONTENT_TYPE, response.content_type)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::REFERRER_POLICY, "same-origin");
    if response.content_type.starts_with("text/html") {
        // A page may bring its own policy (the OAuth consent page lets its form go to the app).
        if !response
            .headers
            .iter()
            .any(|(name, _)| *name == "content-security-policy")
        {
            builder = builder.header(
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            );
        }
        builder = builder.header(header::CACHE_CONTROL, "no-store");
    }
    if gzipped {
        builder = builder
            .header(header::CONTENT_ENCODING, "gzip")
            .header(header::VARY, "Accept-Encoding");
    }
    for (name, value) in response.headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            builder = builder.header(name, value);
        }
    }
    let body = match send_file {
        Some(path) => Either::Right(sendfile::FileBody::start(path.into())),
        None => Either::Left(Full::new(body)),
    };
    builder.body(body).unwrap_or_else(|_| {
        hyper::Response::new(Either::Left(Full::new(Bytes::from_static(
            b"internal error",
        ))))
    })
}

fn gzip(data: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(data.len() / 3),
        // Level 1: a timeline page still shrinks eightfold, at a fraction of the cost.
        flate2::Compression::fast(),
    );
    if encoder.write_all(data).is_err() {
        return Bytes::copy_from_slice(data);
    }
    encoder
        .finish()
        .map(Bytes::from)
        .unwrap_or_else(|_| Bytes::copy_from_slice(data))
}
