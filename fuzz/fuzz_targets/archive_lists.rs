//! Fuzzes the reading of Mastodon's CSV lists (follows, blocks, mutes, servers, bookmarks,
//! lists) brought in from elsewhere: every row kept is well-formed, every other is skipped with
//! its line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porchlight_archive::lists::{self, Entry, ListKind};

fuzz_target!(|data: &[u8]| {
    let Some((&which, file)) = data.split_first() else {
        return;
    };
    let kind = ListKind::ALL[which as usize % ListKind::ALL.len()];
    let (kept, skipped) = lists::read(kind, file);
    assert!(kept.len() <= lists::MAX_ROWS);
    for entry in kept {
        match entry {
            Entry::Account { address, .. } | Entry::ListMember { address, .. } => {
                let (name, host) = address.split_once('@').expect("name@host");
                assert!(!name.is_empty() && !host.is_empty(), "{address}");
                assert!(!address.contains(char::is_whitespace), "{address}");
            }
            Entry::Domain(domain) => assert!(!domain.is_empty() && domain.len() <= 259),
            Entry::Post(url) => assert!(url.starts_with("http"), "{url}"),
        }
    }
    for s in skipped {
        assert!(s.line >= 1);
    }
});
