//! Plain, owned request and response values, so the router can run on a blocking thread and be
//! tested without a socket.

use std::net::SocketAddr;

use bytes::Bytes;
use hyper::Method;

/// One request as the router sees it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: Method,
    /// The decoded path's segments, without empty ones: `/posts/5/edit` is `["posts", "5", "edit"]`.
    pub segments: Vec<String>,
    /// The path and query as sent (for "come back here" links).
    pub path_and_query: String,
    pub query: Vec<(String, String)>,
    pub cookies: Vec<(String, String)>,
    pub form: Vec<(String, String)>,
    /// Files sent with a multipart form (a picture on a post).
    pub files: Vec<porchlight_api::Upload>,
    /// Large files of the forms that write them to disk as they arrive (`spool`).
    pub spooled: Vec<std::sync::Arc<crate::spool::SpooledFile>>,
    pub body_too_large: bool,
    pub remote: SocketAddr,
    /// The Origin header, when the browser sent one (checked on every form post).
    pub origin: Option<String>,
    pub host: Option<String>,
    /// Every header, names in lower case (ActivityPub signatures cover some of them).
    pub headers: Vec<(String, String)>,
    /// The body as sent (an inbox verifies its digest).
    pub body: Bytes,
}

impl Request {
    pub fn from_parts(parts: &hyper::http::request::Parts, remote: SocketAddr) -> Request {
        let path = parts.uri.path();
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let query = parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let header = |name: hyper::header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let cookies = parts
            .headers
            .get_all(hyper::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| {
                let (name, value) = pair.trim().split_once('=')?;
                Some((name.trim().to_string(), value.trim().to_string()))
            })
            .collect();
        Request {
            method: parts.method.clone(),
            segments,
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into()),
            query,
            cookies,
            form: Vec::new(),
            files: Vec::new(),
            spooled: Vec::new(),
            body_too_large: false,
            remote,
            origin: header(hyper::header::ORIGIN),
            host: header(hyper::header::HOST),
            headers: parts
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_string(), value.to_str().ok()?.to_string()))
                })
                .collect(),
            body: Bytes::new(),
        }
    }

    pub fn set_body(&mut self, body: Bytes) {
        let content_type = self.header("content-type").unwrap_or("");
        let multipart = content_type.starts_with("multipart/form-data");
        // The API reads its own multipart bodies; reading them here too would hold a second
        // copy of every picture.
        let api = self.segments.first().is_some_and(|s| s == "api");
        if multipart && !api {
            // A malformed body leaves the form empty, which its CSRF check then refuses.
            match porchlight_api::read_multipart(content_type, &body) {
                Ok((fields, files)) => {
                    self.form = fields;
                    self.files = files;
                }
                Err(e) => log::info!("a multipart form could not be read: {}", e.error),
            }
        } else if !multipart && !self.is_json() {
            self.form = form_urlencoded::parse(&body).into_owned().collect();
        }
        self.body = body;
    }

    /// A file of a spooled form, by its field (an empty one counts as none).
    pub fn spooled(&self, field: &str) -> Option<&crate::spool::SpooledFile> {
        self.spooled
            .iter()
            .map(|f| &**f)
            .find(|f| f.field == field && f.size > 0)
    }

    /// A header's value (the first, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn is_json(&self) -> bool {
        self.header("content-type")
            .is_some_and(|t| t.contains("json"))
    }

    /// Whether the client asked for ActivityPub JSON rather than a page.
    pub fn wants_activity_json(&self) -> bool {
        self.header("accept").is_some_and(|a| {
            a.contains("application/activity+json") || a.contains("application/ld+json")
        })
    }

    /// The file sent in the form field `name`, if one was chosen.
    pub fn file(&self, name: &str) -> Option<&porchlight_api::Upload> {
        self.files
            .iter()
            .find(|f| f.field == name && !(f.bytes.is_empty() && f.file_name.is_empty()))
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A form field; absent fields read as empty.
    pub fn field(&self, name: &str) -> &str {
        self.form
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// Every value of a field that a form sends several times (checkboxes, a poll's options).
    pub fn fields(&self, name: &str) -> Vec<&str> {
        self.form
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn segments(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }
}

/// One answer.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Bytes,
}

impl Response {
    pub fn html(status: u16, markup: porchlight_web::Markup) -> Response {
        Response {
            status,
            content_type: "text/html; charset=utf-8",
            headers: Vec::new(),
            body: Bytes::from(markup.into_string()),
        }
    }

    pub fn text(status: u16, text: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            headers: Vec::new(),
            body: Bytes::copy_from_slice(text.as_bytes()),
        }
    }

    /// "See Other": after a form, the browser loads `location` with GET, so a reload never
    /// sends the form twice.
    pub fn redirect(location: &str) -> Response {
        Response {
            status: 303,
            content_type: "text/plain; charset=utf-8",
            headers: vec![("location", location.to_string())],
            body: Bytes::new(),
        }
    }

    /// A file to download, streamed from disk (see `sendfile`); `download_name` is what the
    /// browser saves it as (letters, digits, `-`, `_` and `.` only).
    pub fn send_file(
        path: &std::path::Path,
        content_type: &'static str,
        download_name: &str,
    ) -> Response {
        let name: String = download_name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let mut headers = vec![
            (
                crate::sendfile::SEND_FILE,
                path.to_string_lossy().into_owned(),
            ),
            (
                "content-disposition",
                format!("attachment; filename=\"{name}\""),
            ),
        ];
        if let Ok(meta) = std::fs::metadata(path) {
            headers.push(("content-length", meta.len().to_string()));
        }
        Response {
            status: 200,
            content_type,
            headers,
            body: Bytes::new(),
        }
    }

    pub fn with_status(mut self, status: u16) -> Response {
        self.status = status;
        self
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Response {
        self.headers.push((name, value));
        self
    }
}
