//! Fuzzes the reading of a block list a host subscribes to by address (Mastodon's
//! `domain_blocks.csv`, or one domain per line): whatever the file holds, it is read whole into
//! blocks of well-formed domains, or refused with a reason; never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(blocks) = porchlight_app::moderation::parse_domain_blocks_csv(text) {
        for block in blocks {
            assert!(!block.domain.is_empty());
            assert!(block.domain.len() <= 253 + 6, "{}", block.domain);
            assert!(!block.domain.contains(char::is_whitespace), "{}", block.domain);
            assert!(block.reason.chars().count() <= 500);
        }
    }
});
