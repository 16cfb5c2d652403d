//! Fuzzes the reading of an archive someone brings in (Mastodon's, GoToSocial's, another
//! camp's): whatever the zip holds, opening it, streaming its outbox, reading its actor, likes,
//! bookmarks and pictures is bounded and ends in values or a said error, never a panic.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use porchlight_archive::{OUTBOX_ITEM_MAX_BYTES, Reader};

fuzz_target!(|data: &[u8]| {
    let Ok(mut archive) = Reader::open(Cursor::new(data.to_vec())) else {
        return;
    };
    let _ = archive.json(porchlight_archive::ACTOR);
    let _ = archive.id_collection(porchlight_archive::LIKES);
    let mut urls = Vec::new();
    let _ = archive.outbox(|item| {
        assert!(item.to_string().len() as u64 <= OUTBOX_ITEM_MAX_BYTES * 6);
        if let Some(url) = item["object"]["attachment"][0]["url"].as_str() {
            urls.push(url.to_string());
        }
        true
    });
    for url in urls.iter().take(8) {
        if let Ok(Some(bytes)) = archive.media(url) {
            assert!(bytes.len() as u64 <= porchlight_archive::MAX_MEDIA_BYTES);
        }
    }
});
