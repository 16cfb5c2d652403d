//! HTTP message signatures: draft-cavage (what the fediverse has spoken since 2018) for what we
//! send and receive, and RFC 9421 (which Mastodon 4.5 and others have begun to send) for what we
//! receive. Pure: the caller passes the request's parts and the time, then fetches the key named
//! by `key_id` and calls [`Parsed::verify`].

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sfv::FieldType;

use crate::keys::{PrivateKey, PublicKey};

/// How far a signature's date may be from our clock, either way (Mastodon allows 12 hours too).
pub const CLOCK_SKEW: Duration = Duration::from_secs(12 * 3600);

/// A request as it arrived, with header names in lower case.
pub struct Incoming<'a> {
    pub method: &'a str,
    /// `https` or `http`: RFC 9421's `@target-uri` includes it.
    pub scheme: &'a str,
    /// The Host header.
    pub authority: &'a str,
    pub path_and_query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Incoming<'_> {
    /// A header's value; repeated headers are joined with ", " as both specs say.
    fn header(&self, name: &str) -> Option<String> {
        let mut values = self
            .headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim());
        let first = values.next()?;
        let mut joined = first.to_string();
        for more in values {
            joined.push_str(", ");
            joined.push_str(more);
        }
        Some(joined)
    }
}

/// Why a signature was refused; each says what was wrong, for the sender's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigError {
    Missing,
    Malformed(String),
    /// The signature does not cover something it must (the method and path, the host, the date
    /// and, with a body, its digest).
    NotCovered(&'static str),
    UnsupportedAlgorithm(String),
    Expired,
    DigestMismatch,
    BadSignature,
}

impl fmt::Display for SigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigError::Missing => f.write_str("the request is not signed"),
            SigError::Malformed(why) => write!(f, "the signature header is malformed: {why}"),
            SigError::NotCovered(what) => write!(f, "the signature does not cover {what}"),
            SigError::UnsupportedAlgorithm(alg) => {
                write!(f, "the signature algorithm {alg} is not supported")
            }
            SigError::Expired => f.write_str("the signature's date is too far from now"),
            SigError::DigestMismatch => f.write_str("the body does not match its digest"),
            SigError::BadSignature => f.write_str("the signature does not verify"),
        }
    }
}

impl std::error::Error for SigError {}

/// Which specification a signature followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Cavage,
    Rfc9421,
}

/// A signature whose form, coverage, date and digest are checked; what remains is the key.
#[derive(Debug)]
pub struct Parsed {
    pub key_id: String,
    pub scheme: Scheme,
    signing_string: Vec<u8>,
    signature: Vec<u8>,
}

impl Parsed {
    pub fn verify(&self, key: &PublicKey) -> Result<(), SigError> {
        if key.verify(&self.signing_string, &self.signature) {
            Ok(())
        } else {
            Err(SigError::BadSignature)
        }
    }
}

/// Reads and checks everything about a request's signature except the key itself.
pub fn parse(req: &Incoming, now: SystemTime) -> Result<Parsed, SigError> {
    if req.header("signature-input").is_some() {
        return parse_rfc9421(req, now);
    }
    let header = match req.header("signature") {
        Some(value) => value,
        None => match req.header("authorization") {
            Some(value) if value.starts_with("Signature ") => value["Signature ".len()..].into(),
            _ => return Err(SigError::Missing),
        },
    };
    parse_cavage(req, &header, now)
}

fn cavage_params(header: &str) -> Result<Vec<(String, String)>, SigError> {
    let mut params = Vec::new();
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (name, after) = rest
            .split_once('=')
            .ok_or_else(|| SigError::Malformed("expected name=value".into()))?;
        let after = after.trim_start();
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| SigError::Malformed("an unterminated quote".into()))?;
            (quoted[..end].to_string(), &quoted[end + 1..])
        } else {
            // (created) and (expires) are unquoted integers.
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        params.push((name.trim().to_ascii_lowercase(), value));
        rest = after.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(params)
}

fn unix(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

fn within_skew(then: i64, now: SystemTime) -> bool {
    (unix(now) - then).unsigned_abs() <= CLOCK_SKEW.as_secs()
}

fn parse_cavage(req: &Incoming, header: &str, now: SystemTime) -> Result<Parsed, SigError> {
    let params = cavage_params(header)?;
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let key_id = param("keyid").ok_or_else(|| SigError::Malformed("no keyId".into()))?;
    let signature = BASE64
        .decode(param("signature").ok_or_else(|| SigError::Malformed("no signature".into()))?)
        .map_err(|_| SigError::Malformed("the signature is not base64".into()))?;
    match param("algorithm") {
        None | Some("rsa-sha256") | Some("hs2019") => {}
        Some(other) => return Err(SigError::UnsupportedAlgorithm(other.into())),
    }
    let covered: Vec<String> = param("headers")
        .unwrap_or("date")
        .split_ascii_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let covers = |name: &str| covered.iter().any(|c| c == name);
    if !covers("(request-target)") {
        return Err(SigError::NotCovered("(request-target)"));
    }
    if !covers("host") {
        return Err(SigError::NotCovered("host"));
    }
    let created = param("created")
        .map(|v| {
            v.parse::<i64>()
                .map_err(|_| SigError::Malformed("created is not a number".into()))
        })
        .transpose()?;
    if let Some(expires) = param("expires") {
        let expires: i64 = expires
            .parse()
            .map_err(|_| SigError::Malformed("expires is not a number".into()))?;
        if expires < unix(now) {
            return Err(SigError::Expired);
        }
    }
    if covers("date") {
        let date = req
            .header("date")
            .ok_or_else(|| SigError::Malformed("the signed Date header is missing".into()))?;
        let date = httpdate::parse_http_date(&date)
            .map_err(|_| SigError::Malformed("the Date header is not an HTTP date".into()))?;
        if !within_skew(unix(date), now) {
            return Err(SigError::Expired);
        }
    } else if covers("(created)") {
        let created = created.ok_or_else(|| SigError::Malformed("no created".into()))?;
        if !within_skew(created, now) {
            return Err(SigError::Expired);
        }
    } else {
        return Err(SigError::NotCovered("the date"));
    }
    if has_body(req) {
        if !covers("digest") {
            return Err(SigError::NotCovered("digest"));
        }
        check_digest(req)?;
    }
    let mut signing = String::new();
    for (index, name) in covered.iter().enumerate() {
        if index > 0 {
            signing.push('\n');
        }
        let value = match name.as_str() {
            "(request-target)" => {
                format!("{} {}", req.method.to_ascii_lowercase(), req.path_and_query)
            }
            "(created)" => param("created")
                .ok_or_else(|| SigError::Malformed("(created) without created".into()))?
                .to_string(),
            "(expires)" => param("expires")
                .ok_or_else(|| SigError::Malformed("(expires) without expires".into()))?
                .to_string(),
            header => req.header(header).ok_or_else(|| {
                SigError::Malformed(format!("the signed header {header} is missing"))
            })?,
        };
        signing.push_str(name);
        signing.push_str(": ");
        signing.push_str(&value);
    }
    Ok(Parsed {
        key_id: key_id.to_string(),
        scheme: Scheme::Cavage,
        signing_string: signing.into_bytes(),
        signature,
    })
}

fn has_body(req: &Incoming) -> bool {
    !req.body.is_empty() || req.method.eq_ignore_ascii_case("POST")
}

fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// The `Digest` header (RFC 3230) for a body, as we send it.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(sha256(body)))
}

/// Checks `Digest` (RFC 3230) or `Content-Digest` (RFC 9530): one of them must name SHA-256 and
/// match the body.
fn check_digest(req: &Incoming) -> Result<(), SigError> {
    let expected = sha256(req.body);
    let mut found = false;
    if let Some(digest) = req.header("digest") {
        for part in digest.split(',') {
            if let Some((alg, value)) = part.trim().split_once('=')
                && alg.eq_ignore_ascii_case("sha-256")
            {
                found = true;
                if BASE64.decode(value.trim()).ok().as_deref() != Some(&expected[..]) {
                    return Err(SigError::DigestMismatch);
                }
            }
        }
    }
    if let Some(content_digest) = req.header("content-digest") {
        let dict = sfv::Parser::new(&content_digest)
            .parse::<sfv::Dictionary>()
            .map_err(|e| SigError::Malformed(format!("Content-Digest: {e}")))?;
        if let Some(sfv::ListEntry::Item(item)) = dict.get("sha-256") {
            found = true;
            match &item.bare_item {
                sfv::BareItem::ByteSequence(bytes) if bytes[..] == expected[..] => {}
                _ => return Err(SigError::DigestMismatch),
            }
        }
    }
    if found {
        Ok(())
    } else {
        Err(SigError::NotCovered("a SHA-256 digest of the body"))
    }
}

fn parse_rfc9421(req: &Incoming, now: SystemTime) -> Result<Parsed, SigError> {
    let malformed = |what: &str| SigError::Malformed(what.to_string());
    let inputs = req.header("signature-input").unwrap_or_default();
    let inputs = sfv::Parser::new(&inputs)
        .parse::<sfv::Dictionary>()
        .map_err(|e| SigError::Malformed(format!("Signature-Input: {e}")))?;
    let signatures = req.header("signature").ok_or(SigError::Missing)?;
    let signatures = sfv::Parser::new(&signatures)
        .parse::<sfv::Dictionary>()
        .map_err(|e| SigError::Malformed(format!("Signature: {e}")))?;
    // A sender may attach several; we check the first, which is the one it made for us.
    let (label, entry) = inputs
        .iter()
        .next()
        .ok_or_else(|| malformed("Signature-Input is empty"))?;
    let sfv::ListEntry::InnerList(input) = entry else {
        return Err(malformed("Signature-Input is not an inner list"));
    };
    let signature = match signatures.get(label.as_str()) {
        Some(sfv::ListEntry::Item(sfv::Item {
            bare_item: sfv::BareItem::ByteSequence(bytes),
            ..
        })) => bytes.clone(),
        _ => {
            return Err(malformed(
                "no signature matches the Signature-Input's label",
            ));
        }
    };
    let key_id = match input.params.get("keyid") {
        Some(sfv::BareItem::String(s)) => s.as_str().to_string(),
        _ => return Err(malformed("no keyid")),
    };
    match input.params.get("alg") {
        None => {}
        Some(sfv::BareItem::String(alg)) if alg.as_str() == "rsa-v1_5-sha256" => {}
        Some(other) => return Err(SigError::UnsupportedAlgorithm(format!("{other:?}"))),
    }
    let created = match input.params.get("created") {
        Some(sfv::BareItem::Integer(n)) => i64::from(*n),
        _ => return Err(SigError::NotCovered("created")),
    };
    if !within_skew(created, now) {
        return Err(SigError::Expired);
    }
    if let Some(sfv::BareItem::Integer(expires)) = input.params.get("expires")
        && i64::from(*expires) < unix(now)
    {
        return Err(SigError::Expired);
    }
    let mut components = Vec::new();
    for item in &input.items {
        match &item.bare_item {
            sfv::BareItem::String(name) if item.params.is_empty() => {
                components.push(name.as_str().to_string())
            }
            _ => return Err(malformed("only plain component names are supported")),
        }
    }
    let covers = |name: &str| components.iter().any(|c| c == name);
    if !covers("@method") {
        return Err(SigError::NotCovered("@method"));
    }
    if !(covers("@target-uri")
        || (covers("@authority") && (covers("@path") || covers("@request-target"))))
    {
        return Err(SigError::NotCovered("@target-uri"));
    }
    if has_body(req) {
        if !covers("content-digest") && !covers("digest") {
            return Err(SigError::NotCovered("content-digest"));
        }
        check_digest(req)?;
    }
    let (path, query) = match req.path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (req.path_and_query, None),
    };
    let mut base = String::new();
    for name in &components {
        let value = match name.as_str() {
            "@method" => req.method.to_ascii_uppercase(),
            "@target-uri" => format!(
                "{}://{}{}",
                req.scheme,
                req.authority.to_ascii_lowercase(),
                req.path_and_query
            ),
            "@authority" => req.authority.to_ascii_lowercase(),
            "@scheme" => req.scheme.to_string(),
            "@request-target" => req.path_and_query.to_string(),
            "@path" => path.to_string(),
            "@query" => format!("?{}", query.unwrap_or("")),
            other if other.starts_with('@') => {
                return Err(SigError::Malformed(format!(
                    "unsupported component {other}"
                )));
            }
            header => req.header(header).ok_or_else(|| {
                SigError::Malformed(format!("the signed header {header} is missing"))
            })?,
        };
        base.push('"');
        base.push_str(name);
        base.push_str("\": ");
        base.push_str(&value);
        base.push('\n');
    }
    let params = FieldType::serialize(&vec![sfv::ListEntry::InnerList(input.clone())])
        .ok_or_else(|| malformed("cannot serialize the signature parameters"))?;
    base.push_str("\"@signature-params\": ");
    base.push_str(&params);
    Ok(Parsed {
        key_id,
        scheme: Scheme::Rfc9421,
        signing_string: base.into_bytes(),
        signature: signature.to_vec(),
    })
}

/// The headers to add to a request we send: `Date`, `Digest` (with a body), `Signature`.
pub struct Outgoing {
    pub date: String,
    pub digest: Option<String>,
    pub signature: String,
}

/// Signs a request the draft-cavage way with rsa-sha256, covering
/// `(request-target) host date` and, with a body, `digest` — what every server accepts.
pub fn sign(
    method: &str,
    host: &str,
    path_and_query: &str,
    body: Option<&[u8]>,
    key_id: &str,
    key: &PrivateKey,
    now: SystemTime,
) -> Outgoing {
    let date = httpdate::fmt_http_date(now);
    let digest = body.map(digest_header);
    let mut signing = format!(
        "(request-target): {} {path_and_query}\nhost: {host}\ndate: {date}",
        method.to_ascii_lowercase()
    );
    let mut headers = "(request-target) host date".to_string();
    if let Some(digest) = &digest {
        signing.push_str("\ndigest: ");
        signing.push_str(digest);
        headers.push_str(" digest");
    }
    let signature = BASE64.encode(key.sign(signing.as_bytes()));
    Outgoing {
        date,
        digest,
        signature: format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{headers}\",signature=\"{signature}\""
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn key() -> &'static PrivateKey {
        static KEY: OnceLock<PrivateKey> = OnceLock::new();
        KEY.get_or_init(|| PrivateKey::generate().unwrap())
    }

    fn public() -> PublicKey {
        PublicKey::from_pem(key().public_pem()).unwrap()
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    const NOW: u64 = 1_790_000_000;
    const BODY: &[u8] = br#"{"type":"Follow"}"#;

    /// A POST signed by `sign`, as the receiving side sees it.
    fn signed_post(signed_at: u64) -> Vec<(String, String)> {
        let out = sign(
            "POST",
            "camp.example",
            "/users/ana/inbox",
            Some(BODY),
            "https://other.example/users/bo#main-key",
            key(),
            at(signed_at),
        );
        vec![
            ("host".into(), "camp.example".into()),
            ("date".into(), out.date),
            ("digest".into(), out.digest.unwrap()),
            ("signature".into(), out.signature),
            ("content-type".into(), "application/activity+json".into()),
        ]
    }

    fn incoming<'a>(
        headers: &'a [(String, String)],
        path: &'a str,
        body: &'a [u8],
    ) -> Incoming<'a> {
        Incoming {
            method: "POST",
            scheme: "https",
            authority: "camp.example",
            path_and_query: path,
            headers,
            body,
        }
    }

    fn replace(headers: &mut [(String, String)], name: &str, value: String) {
        headers.iter_mut().find(|(n, _)| n == name).unwrap().1 = value;
    }

    #[test]
    fn what_we_sign_we_verify() {
        let headers = signed_post(NOW);
        let parsed = parse(&incoming(&headers, "/users/ana/inbox", BODY), at(NOW)).unwrap();
        assert_eq!(parsed.key_id, "https://other.example/users/bo#main-key");
        assert_eq!(parsed.scheme, Scheme::Cavage);
        parsed.verify(&public()).unwrap();
    }

    #[test]
    fn cavage_refusals() {
        let headers = signed_post(NOW);
        // Another body: the digest no longer matches.
        assert_eq!(
            parse(&incoming(&headers, "/users/ana/inbox", b"{}"), at(NOW)).unwrap_err(),
            SigError::DigestMismatch
        );
        // Another path: the signature no longer verifies.
        let parsed = parse(&incoming(&headers, "/inbox", BODY), at(NOW)).unwrap();
        assert_eq!(parsed.verify(&public()), Err(SigError::BadSignature));
        // Too old, and too far in the future.
        assert_eq!(
            parse(
                &incoming(&headers, "/users/ana/inbox", BODY),
                at(NOW + 13 * 3600)
            )
            .unwrap_err(),
            SigError::Expired
        );
        assert_eq!(
            parse(
                &incoming(&headers, "/users/ana/inbox", BODY),
                at(NOW - 13 * 3600)
            )
            .unwrap_err(),
            SigError::Expired
        );
        // Within twelve hours is fine.
        assert!(
            parse(
                &incoming(&headers, "/users/ana/inbox", BODY),
                at(NOW + 11 * 3600)
            )
            .is_ok()
        );
        // Another key does not verify it.
        let other = PrivateKey::generate().unwrap();
        let parsed = parse(&incoming(&headers, "/users/ana/inbox", BODY), at(NOW)).unwrap();
        assert_eq!(
            parsed.verify(&PublicKey::from_pem(other.public_pem()).unwrap()),
            Err(SigError::BadSignature)
        );
        // Not signed at all.
        let unsigned: Vec<_> = headers
            .iter()
            .filter(|(n, _)| n != "signature")
            .cloned()
            .collect();
        assert_eq!(
            parse(&incoming(&unsigned, "/users/ana/inbox", BODY), at(NOW)).unwrap_err(),
            SigError::Missing
        );
    }

    #[test]
    fn a_post_must_sign_its_digest_and_target() {
        let mut headers = signed_post(NOW);
        let signature = headers
            .iter()
            .find(|(n, _)| n == "signature")
            .unwrap()
            .1
            .clone();
        replace(
            &mut headers,
            "signature",
            signature.replace(
                "(request-target) host date digest",
                "(request-target) host date",
            ),
        );
        assert_eq!(
            parse(&incoming(&headers, "/users/ana/inbox", BODY), at(NOW)).unwrap_err(),
            SigError::NotCovered("digest")
        );
        replace(
            &mut headers,
            "signature",
            signature.replace("(request-target) ", ""),
        );
        assert_eq!(
            parse(&incoming(&headers, "/users/ana/inbox", BODY), at(NOW)).unwrap_err(),
            SigError::NotCovered("(request-target)")
        );
        replace(
            &mut headers,
            "signature",
            signature.replace("rsa-sha256", "hmac-sha256"),
        );
        assert!(matches!(
            parse(&incoming(&headers, "/users/ana/inbox", BODY), at(NOW)).unwrap_err(),
            SigError::UnsupportedAlgorithm(_)
        ));
        replace(
            &mut headers,
            "signature",
            "keyId=\"x\",signature=\"%%%\"".into(),
        );
        assert!(matches!(
            parse(&incoming(&headers, "/users/ana/inbox", BODY), at(NOW)).unwrap_err(),
            SigError::Malformed(_)
        ));
    }

    #[test]
    fn hs2019_with_created_and_expires() {
        let created = NOW - 10;
        let expires = NOW + 300;
        let digest = digest_header(BODY);
        let signing = format!(
            "(request-target): post /inbox\n(created): {created}\n(expires): {expires}\nhost: camp.example\ndigest: {digest}"
        );
        let signature = BASE64.encode(key().sign(signing.as_bytes()));
        let headers = vec![
            ("host".to_string(), "camp.example".to_string()),
            ("digest".to_string(), digest),
            (
                "signature".to_string(),
                format!(
                    "keyId=\"https://other.example/actor\", algorithm=\"hs2019\", created={created}, expires={expires}, headers=\"(request-target) (created) (expires) host digest\", signature=\"{signature}\""
                ),
            ),
        ];
        let parsed = parse(&incoming(&headers, "/inbox", BODY), at(NOW)).unwrap();
        assert_eq!(parsed.key_id, "https://other.example/actor");
        parsed.verify(&public()).unwrap();
        assert_eq!(
            parse(&incoming(&headers, "/inbox", BODY), at(NOW + 301)).unwrap_err(),
            SigError::Expired
        );
    }

    #[test]
    fn a_signed_get_needs_no_digest() {
        let out = sign(
            "GET",
            "camp.example",
            "/users/ana",
            None,
            "https://o.example/actor#main-key",
            key(),
            at(NOW),
        );
        assert!(out.digest.is_none());
        let headers = vec![
            ("host".to_string(), "camp.example".to_string()),
            ("date".to_string(), out.date),
            ("signature".to_string(), out.signature),
        ];
        let req = Incoming {
            method: "GET",
            scheme: "https",
            authority: "camp.example",
            path_and_query: "/users/ana",
            headers: &headers,
            body: b"",
        };
        parse(&req, at(NOW)).unwrap().verify(&public()).unwrap();
    }

    /// An RFC 9421 signature made the way Mastodon 4.5 makes them, with the signature base
    /// written out by hand from the RFC's rules rather than by the code under test.
    #[test]
    fn rfc9421_signatures_verify() {
        let created = NOW - 5;
        let content_digest = format!(
            "sha-256=:{}:",
            BASE64.encode(ring::digest::digest(&ring::digest::SHA256, BODY))
        );
        let params = format!(
            "(\"@method\" \"@target-uri\" \"content-digest\");created={created};keyid=\"https://other.example/users/bo#main-key\";alg=\"rsa-v1_5-sha256\""
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": https://camp.example/users/ana/inbox\n\"content-digest\": {content_digest}\n\"@signature-params\": {params}"
        );
        let signature = BASE64.encode(key().sign(base.as_bytes()));
        let headers = vec![
            ("host".to_string(), "camp.example".to_string()),
            ("content-digest".to_string(), content_digest),
            ("signature-input".to_string(), format!("sig1={params}")),
            ("signature".to_string(), format!("sig1=:{signature}:")),
        ];
        let parsed = parse(&incoming(&headers, "/users/ana/inbox", BODY), at(NOW)).unwrap();
        assert_eq!(parsed.scheme, Scheme::Rfc9421);
        assert_eq!(parsed.key_id, "https://other.example/users/bo#main-key");
        parsed.verify(&public()).unwrap();
        // Another path or body: refused.
        let parsed = parse(&incoming(&headers, "/inbox", BODY), at(NOW)).unwrap();
        assert_eq!(parsed.verify(&public()), Err(SigError::BadSignature));
        assert_eq!(
            parse(&incoming(&headers, "/users/ana/inbox", b"{}"), at(NOW)).unwrap_err(),
            SigError::DigestMismatch
        );
        assert_eq!(
            parse(
                &incoming(&headers, "/users/ana/inbox", BODY),
                at(NOW + 86_400)
            )
            .unwrap_err(),
            SigError::Expired
        );
        // A signature that leaves out the body's digest is not enough for a POST.
        let mut thin = headers.clone();
        thin[2].1 = thin[2].1.replace(" \"content-digest\"", "");
        assert_eq!(
            parse(&incoming(&thin, "/users/ana/inbox", BODY), at(NOW)).unwrap_err(),
            SigError::NotCovered("content-digest")
        );
    }
}
