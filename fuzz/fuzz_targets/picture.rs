//! Fuzzes the picture check (headers, sizes, EXIF orientation, re-encoding without what a
//! picture says about its taker): anything is refused or cleaned, never a crash or a blow-up.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = porchlight_pictures::clean(data);
});
