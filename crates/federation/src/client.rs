//! The one way this server talks to others: ureq behind the SSRF guard, with size and time
//! limits, signing what it sends. Blocking: call it from plain threads, never the async runtime.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use porchlight_ap::documents::{ACTIVITY_JSON, LD_JSON};
use porchlight_ap::inbound::{self, MAX_DOCUMENT_BYTES};
use porchlight_ap::keys::PrivateKey;
use porchlight_ap::signature;
use serde_json::Value;
use ureq::ResponseExt;
use ureq::unversioned::transport::DefaultConnector;

use crate::guard::{AllowList, GuardedResolver};

/// Who signs a request: an actor's key id and key.
pub struct Signer<'a> {
    pub key_id: &'a str,
    pub key: &'a PrivateKey,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// The address is not one we may reach (not https, not public), or the URL is bad.
    Refused(String),
    /// The server could not be reached, or timed out.
    Unreachable(String),
    /// The server answered with an error status.
    Status(u16),
    /// The server answered with something that is not what was asked for.
    Invalid(String),
}

impl FetchError {
    /// Whether trying again later could help.
    pub fn is_temporary(&self) -> bool {
        match self {
            FetchError::Unreachable(_) => true,
            FetchError::Status(status) => *status == 429 || *status >= 500 || *status == 408,
            FetchError::Refused(_) | FetchError::Invalid(_) => false,
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Refused(why) => write!(f, "refused: {why}"),
            FetchError::Unreachable(why) => write!(f, "unreachable: {why}"),
            FetchError::Status(status) => write!(f, "answered {status}"),
            FetchError::Invalid(why) => write!(f, "invalid answer: {why}"),
        }
    }
}

impl std::error::Error for FetchError {}

pub struct Client {
    agent: ureq::Agent,
    allow: Arc<RwLock<AllowList>>,
}

/// Pictures the media proxy passes on.
pub const IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
];

const ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

impl Client {
    pub fn new(user_agent: &str) -> Client {
        let allow = Arc::new(RwLock::new(AllowList::default()));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(3)
            .save_redirect_history(true)
            // A proxy from the environment would be resolved by the guard and refused if local;
            // deliveries go straight to the servers.
            .proxy(None)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_global(Some(Duration::from_secs(20)))
            .max_response_header_size(32 * 1024)
            .user_agent(user_agent)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::new(),
            GuardedResolver {
                allow: allow.clone(),
            },
        );
        Client { agent, allow }
    }

    /// Lets this client reach the given loopback addresses (test peers), over plain http too.
    pub fn allow_for_tests(&self, list: AllowList) {
        *self.allow.write().unwrap_or_else(|e| e.into_inner()) = list;
    }

    /// The scheme to try for a bare host name: https, or http on a test network that asks for it.
    pub fn default_scheme(&self) -> &'static str {
        if self
            .allow
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .plain_http()
        {
            "http"
        } else {
            "https"
        }
    }

    /// Only https, except towards a test's allowed loopback peers.
    fn check_url(&self, url: &str) -> Result<url::Url, FetchError> {
        let parsed =
            url::Url::parse(url).map_err(|e| FetchError::Refused(format!("{url}: {e}")))?;
        let testing = self
            .allow
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .plain_http();
        match parsed.scheme() {
            "https" => {}
            "http" if testing => {}
            other => return Err(FetchError::Refused(format!("{other} URLs are not fetched"))),
        }
        if parsed.host_str().is_none()
            || !parsed.username().is_empty()
            || parsed.password().is_some()
        {
            return Err(FetchError::Refused(format!("{url} has no plain host")));
        }
        Ok(parsed)
    }

    fn signed_headers(
        parsed: &url::Url,
        method: &str,
        body: Option<&[u8]>,
        signer: &Signer,
    ) -> (String, signature::Outgoing) {
        let host = match parsed.port() {
            Some(port) => format!("{}:{port}", parsed.host_str().unwrap_or("")),
            None => parsed.host_str().unwrap_or("").to_string(),
        };
        let mut path = parsed.path().to_string();
        if let Some(query) = parsed.query() {
            path.push('?');
            path.push_str(query);
        }
        let out = signature::sign(
            method,
            &host,
            &path,
            body,
            signer.key_id,
            signer.key,
            SystemTime::now(),
        );
        (host, out)
    }

    /// Fetches an ActivityPub document (signed when a signer is given, for servers in
    /// authorized-fetch mode). Returns the document and the URL it finally came from.
    pub fn get_activity_json(
        &self,
        url: &str,
        signer: Option<&Signer>,
    ) -> Result<(Value, String), FetchError> {
        let parsed = self.check_url(url)?;
        let mut request = self.agent.get(url).header("accept", ACCEPT);
        if let Some(signer) = signer {
            let (host, out) = Client::signed_headers(&parsed, "GET", None, signer);
            request = request
                .header("host", &host)
                .header("date", &out.date)
                .header("signature", &out.signature);
        }
        let response = request.call().map_err(transport_error)?;
        let final_url = response.get_uri().to_string();
        let content_type = content_type_of_ok(&response)?;
        // A file served as an image or as plain JSON is not an ActivityPub object, whatever
        // it says inside (an uploaded file posing as an actor: Misskey CVE-2023-49079).
        if !(content_type.starts_with(ACTIVITY_JSON)
            || content_type.starts_with("application/ld+json"))
        {
            return Err(FetchError::Invalid(format!(
                "{url} is not an ActivityPub document (it is {content_type:?})"
            )));
        }
        let body = read_limited(response)?;
        let doc = inbound::parse_json(&body).map_err(|e| FetchError::Invalid(e.to_string()))?;
        Ok((doc, final_url))
    }

    /// A plain JSON GET (WebFinger, NodeInfo).
    pub fn get_json(&self, url: &str) -> Result<Value, FetchError> {
        self.check_url(url)?;
        let response = self
            .agent
            .get(url)
            .header("accept", "application/jrd+json, application/json")
            .call()
            .map_err(transport_error)?;
        content_type_of_ok(&response)?;
        let body = read_limited(response)?;
        inbound::parse_json(&body).map_err(|e| FetchError::Invalid(e.to_string()))
    }

    /// A text file (a block list's CSV) of at most `max_bytes`; a longer one is refused whole,
    /// so that a list is never read half.
    pub fn get_text(&self, url: &str, max_bytes: usize) -> Result<String, FetchError> {
        self.check_url(url)?;
        let response = self
            .agent
            .get(url)
            .header("accept", "text/csv, text/plain")
            .call()
            .map_err(transport_error)?;
        content_type_of_ok(&response)?;
        let bytes = read_at_most(response, max_bytes)?;
        String::from_utf8(bytes)
            .map_err(|_| FetchError::Invalid("the file is not text (UTF-8)".into()))
    }

    /// Fetches a picture (PNG, JPEG, GIF, WebP or AVIF; never SVG, which can carry script) of at
    /// most `max_bytes`. Returns its content type and bytes.
    pub fn get_image(&self, url: &str, max_bytes: usize) -> Result<(String, Vec<u8>), FetchError> {
        self.check_url(url)?;
        let response = self
            .agent
            .get(url)
            .header(
                "accept",
                "image/avif, image/webp, image/png, image/jpeg, image/gif",
            )
            .call()
            .map_err(transport_error)?;
        let content_type = content_type_of_ok(&response)?;
        let content_type = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if !IMAGE_TYPES.contains(&content_type.as_str()) {
            return Err(FetchError::Invalid(format!(
                "{url} is not a picture ({content_type:?})"
            )));
        }
        Ok((content_type, read_at_most(response, max_bytes)?))
    }

    /// A web page (for its link preview): HTML only, its first `max_bytes`, after at most three
    /// redirects through the guard. Also where it was in the end.
    pub fn get_page(
        &self,
        url: &str,
        max_bytes: usize,
    ) -> Result<(String, Option<url::Url>), FetchError> {
        self.check_url(url)?;
        let response = self
            .agent
            .get(url)
            .header("accept", "text/html, application/xhtml+xml")
            .call()
            .map_err(transport_error)?;
        let content_type = content_type_of_ok(&response)?;
        if !(content_type.starts_with("text/html")
            || content_type.starts_with("application/xhtml+xml"))
        {
            return Err(FetchError::Invalid(format!(
                "{url} is not a web page ({content_type:?})"
            )));
        }
        let landed = url::Url::parse(&response.get_uri().to_string()).ok();
        // Only the start of a long page is read: what a preview needs is in its head.
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(response.into_body().into_reader(), max_bytes as u64),
            &mut bytes,
        )
        .map_err(|e| FetchError::Unreachable(e.to_string()))?;
        Ok((String::from_utf8_lossy(&bytes).into_owned(), landed))
    }

    /// Delivers an activity to an inbox, signed. Redirects are not followed (a POST must reach
    /// the inbox it was meant for).
    pub fn post_activity(
        &self,
        inbox: &str,
        body: &[u8],
        signer: &Signer,
    ) -> Result<u16, FetchError> {
        let parsed = self.check_url(inbox)?;
        let (host, out) = Client::signed_headers(&parsed, "POST", Some(body), signer);
        let response = self
            .agent
            .post(inbox)
            .config()
            .max_redirects(0)
            .build()
            .header("host", &host)
            .header("date", &out.date)
            .header("digest", out.digest.as_deref().unwrap_or(""))
            .header("signature", &out.signature)
            .header("content-type", LD_JSON)
            .header("accept", ACCEPT)
            .send(body)
            .map_err(transport_error)?;
        success(&response)
    }
}

impl Client {
    /// Whether a Web Push endpoint is one the camp may push to: https (or plain http on a test
    /// network), a plain host, and not a private address written out (a name is checked again
    /// when it is resolved, at each push).
    pub fn check_push_endpoint(&self, endpoint: &str) -> Result<(), FetchError> {
        let parsed = self.check_url(endpoint)?;
        let literal = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
            _ => None,
        };
        if let Some(ip) = literal {
            let port = parsed.port_or_known_default().unwrap_or(443);
            let allowed = self
                .allow
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .allows(std::net::SocketAddr::new(ip, port));
            if !crate::guard::is_public(ip) && !allowed {
                return Err(FetchError::Refused(format!("{ip} is not a public address")));
            }
        }
        Ok(())
    }

    /// Delivers an encrypted Web Push message (RFC 8030). Redirects are not followed. Ok is the
    /// push service's status (2xx); a 404 or 410 means the subscription is gone.
    pub fn post_push(
        &self,
        endpoint: &str,
        body: &[u8],
        authorization: &str,
    ) -> Result<u16, FetchError> {
        self.check_url(endpoint)?;
        let response = self
            .agent
            .post(endpoint)
            .config()
            .max_redirects(0)
            .build()
            .header("content-encoding", "aes128gcm")
            .header("content-type", "application/octet-stream")
            .header("ttl", "86400")
            .header("urgency", "normal")
            .header("authorization", authorization)
            .send(body)
            .map_err(transport_error)?;
        success(&response)
    }
}

/// The status of a 2xx answer; any other status is an error.
fn success(response: &ureq::http::Response<ureq::Body>) -> Result<u16, FetchError> {
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(status)
    } else {
        Err(FetchError::Status(status))
    }
}

/// The content type (lower case, without parameters) of a 200 answer; any other status is an
/// error.
fn content_type_of_ok(response: &ureq::http::Response<ureq::Body>) -> Result<String, FetchError> {
    let status = response.status().as_u16();
    if status != 200 {
        return Err(FetchError::Status(status));
    }
    Ok(response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase())
}

fn read_limited(response: ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, FetchError> {
    read_at_most(response, MAX_DOCUMENT_BYTES)
}

fn read_at_most(
    mut response: ureq::http::Response<ureq::Body>,
    max_bytes: usize,
) -> Result<Vec<u8>, FetchError> {
    response
        .body_mut()
        .with_config()
        .limit(max_bytes as u64)
        .read_to_vec()
        .map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => {
                FetchError::Invalid("the answer is too large".into())
            }
            other => FetchError::Unreachable(other.to_string()),
        })
}

fn transport_error(e: ureq::Error) -> FetchError {
    match e {
        ureq::Error::ConnectionFailed => {
            FetchError::Refused("the address is not a public one, or refused the connection".into())
        }
        ureq::Error::BadUri(why) => FetchError::Refused(why),
        ureq::Error::TooManyRedirects => FetchError::Invalid("too many redirects".into()),
        ureq::Error::RedirectFailed => {
            FetchError::Invalid("a redirect could not be followed".into())
        }
        other => FetchError::Unreachable(other.to_string()),
    }
}
