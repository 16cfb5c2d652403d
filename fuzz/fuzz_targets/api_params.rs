//! Fuzzes how the client API reads its parameters: the query, then a form, JSON or multipart
//! body, with Mastodon's `name[]` and `name[key]` nesting. The first line is the query string,
//! the second the Content-Type, the rest the body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porchlight_api::{ApiRequest, Params};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let query = String::from_utf8_lossy(parts.next().unwrap_or(&[])).into_owned();
    let content_type = String::from_utf8_lossy(parts.next().unwrap_or(&[])).into_owned();
    let body = parts.next().unwrap_or(&[]);
    let query: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let headers = vec![("content-type".to_string(), content_type)];
    let request = ApiRequest {
        method: "POST",
        segments: &[],
        query: &query,
        headers: &headers,
        body,
        base_url: "https://camp.example",
    };
    if let Ok(params) = Params::read(&request) {
        for name in ["status", "media_ids", "source", "poll", "visibility"] {
            let _ = params.text(name);
            let _ = params.flag(name);
            let _ = params.objects(name);
            let _ = params.nested(name, "privacy");
        }
        let _ = params.limit(20, 40);
    }
});
