//! Fuzzes the camp's reading of a WebFinger `resource` and of its own actor and post ids: a
//! name it finds is always a piece of what was asked, and never names another server.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use porchlight_federation::Identity;

static ME: LazyLock<Identity> = LazyLock::new(|| Identity::new("https://camp.example/").unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(resource) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(name) = ME.webfinger_username(resource) {
        assert!(
            resource.contains(name) || name == ME.host,
            "{name:?} from {resource:?}"
        );
        if let Some(acct) = resource.strip_prefix("acct:") {
            let host = acct.rsplit_once('@').map(|(_, h)| h).unwrap_or("");
            assert!(host.eq_ignore_ascii_case(&ME.host), "{resource:?}");
        }
    }
    let _ = ME.local_username(resource);
    let _ = ME.local_post(resource);
});
