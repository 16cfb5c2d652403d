//! Fuzzes the HTTP signature reader (draft-cavage `Signature`/`Authorization` and RFC 9421
//! `Signature-Input`) with whole requests: a first line `METHOD path`, header lines, an empty
//! line, then the body. Whatever parses is then verified against a real key, which must refuse.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;
use porchlight_ap::keys::{PrivateKey, PublicKey};
use porchlight_ap::signature::{self, Incoming};

/// A fresh RSA key: nothing the fuzzer makes up can carry its signature.
static KEY: LazyLock<PublicKey> =
    LazyLock::new(|| PublicKey::from_pem(PrivateKey::generate().unwrap().public_pem()).unwrap());

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (method, path) = first.split_once(' ').unwrap_or((first, "/"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let authority = headers
        .iter()
        .find(|(n, _)| n == "host")
        .map(|(_, v)| v.as_str())
        .unwrap_or("camp.example");
    let request = Incoming {
        method,
        scheme: "https",
        authority,
        path_and_query: path,
        headers: &headers,
        body,
    };
    // The seeds are dated 2023-11-14 22:13:20 UTC.
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    if let Ok(parsed) = signature::parse(&request, now) {
        assert!(parsed.verify(&KEY).is_err(), "a made-up signature verified");
    }
});
