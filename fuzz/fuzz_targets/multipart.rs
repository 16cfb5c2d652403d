//! Fuzzes the `multipart/form-data` reader (pictures and forms from pages and apps). The first
//! line is the Content-Type, the rest the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let at = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let content_type = String::from_utf8_lossy(&data[..at]);
    let body = data.get(at + 1..).unwrap_or(&[]);
    if let Ok((_fields, files)) = porchlight_api::read_multipart(&content_type, body) {
        // No file comes out larger than the body it came in. (Text fields may grow: bytes
        // that are not UTF-8 are read as U+FFFD.)
        let total: usize = files.iter().map(|f| f.bytes.len()).sum();
        assert!(total <= body.len(), "{total} bytes out of {}", body.len());
    }
});
