//! Fuzzes the picture check (headers, sizes, EXIF orientation, re-encoding without what a
//! picture says about its taker) and what the box then decodes (display copies, blurhash,
//! avatars): anything is refused or made, never a crash or a blow-up past the memory bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(picture) = porchlight_pictures::clean(data) {
        let _ = porchlight_pictures::display_copies(&picture);
        let _ = porchlight_pictures::avatar(&picture);
    }
});
