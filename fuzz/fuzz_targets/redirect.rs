//! Fuzzes where a page may send a browser back to (`next`, `back`): whatever passes must stay on
//! this site when a browser's own URL parser (WHATWG, as the `url` crate implements it) reads it.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use url::Url;

static HERE: LazyLock<Url> = LazyLock::new(|| Url::parse("https://camp.example/login").unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(path) = porchlight_app::safe_local_path(text) {
        let target = HERE
            .join(path)
            .expect("a safe path is a valid relative URL");
        assert_eq!(target.origin(), HERE.origin(), "{path:?} leaves the site");
    }
});
