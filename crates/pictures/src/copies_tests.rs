//! Display copies, avatars and headers, with real photos decoded and checked pixel by pixel.

use super::*;
use crate::clean;
use crate::samples::{clear_png, photo};

fn decoded(copy: &Copy) -> image::RgbaImage {
    image::load_from_memory(&copy.bytes).unwrap().to_rgba8()
}

#[test]
fn display_copies_fit_their_boxes_and_keep_the_shape() {
    // (width, height, orientation) → (small, large); None: the picture is its own copy.
    type Size = Option<(u32, u32)>;
    let cases: [((u32, u32, u16), Size, Size); 6] = [
        ((4000, 3000, 1), Some((640, 480)), Some((1280, 960))),
        // A portrait photo stored on its side: the copies stand up.
        ((4000, 3000, 6), Some((480, 640)), Some((960, 1280))),
        ((1000, 500, 1), Some((640, 320)), None),
        ((600, 400, 1), None, None),
        ((640, 640, 8), None, None),
        ((3000, 100, 1), Some((640, 22)), Some((1280, 43))),
    ];
    for ((w, h, o), small, large) in cases {
        let picture = clean(&photo(w, h, o)).unwrap();
        let copies = display_copies(&picture).unwrap();
        let size = |c: &Option<Copy>| c.as_ref().map(|c| (c.width, c.height));
        assert_eq!(size(&copies.small), small, "small of {w}×{h} ({o})");
        assert_eq!(size(&copies.large), large, "large of {w}×{h} ({o})");
        for copy in copies.small.iter().chain(&copies.large) {
            assert_eq!(copy.kind, Kind::Jpeg);
            let pixels = decoded(copy);
            assert_eq!((pixels.width(), pixels.height()), (copy.width, copy.height));
        }
        let hash = copies.blurhash.expect("a blurhash");
        // 4 × 3 components: 1 + 1 + 4 + 2 × 11 characters.
        assert_eq!(hash.len(), 28, "{hash}");
    }
}

#[test]
fn the_copy_is_the_right_way_up() {
    // Orientation 6: the stored picture is turned a quarter right to be shown, so its left
    // half (red) becomes the top.
    let picture = clean(&photo(2000, 1000, 6)).unwrap();
    let small = display_copies(&picture).unwrap().small.unwrap();
    let pixels = decoded(&small);
    let top = pixels.get_pixel(small.width / 2, 10);
    let bottom = pixels.get_pixel(small.width / 2, small.height - 10);
    assert!(top[0] > 150 && top[2] < 100, "top is red: {top:?}");
    assert!(
        bottom[2] > 150 && bottom[0] < 100,
        "bottom is blue: {bottom:?}"
    );
}

#[test]
fn a_see_through_picture_stays_see_through() {
    let picture = clean(&clear_png(1600)).unwrap();
    let copies = display_copies(&picture).unwrap();
    let large = copies.large.unwrap();
    assert_eq!(large.kind, Kind::Png);
    assert_eq!(
        decoded(&large).get_pixel(0, 0)[3],
        0,
        "a corner stays clear"
    );
}

#[test]
fn avatars_are_square_and_headers_three_to_one() {
    let picture = clean(&photo(3000, 2000, 1)).unwrap();
    let a = avatar(&picture).unwrap();
    assert_eq!((a.width, a.height), (AVATAR, AVATAR));
    // The middle is kept: both halves show.
    let pixels = decoded(&a);
    assert!(pixels.get_pixel(5, 200)[0] > 150, "left red");
    assert!(pixels.get_pixel(395, 200)[2] > 150, "right blue");
    let h = header(&picture).unwrap();
    assert_eq!((h.width, h.height), HEADER);
    // A picture smaller than the box is cut, never enlarged.
    let small = clean(&photo(300, 200, 1)).unwrap();
    let a = avatar(&small).unwrap();
    assert_eq!((a.width, a.height), (200, 200));
    let h = header(&small).unwrap();
    assert_eq!((h.width, h.height), (300, 100));
}

#[test]
fn pictures_that_cannot_be_decoded_within_the_bound_get_no_copies() {
    // GIF and WebP are not decoded on the box.
    let gif = clean(b"GIF89a\x02\x00\x02\x00\x00\x00\x00;").unwrap();
    assert_eq!(
        display_copies(&gif).unwrap_err(),
        PictureError::Unsupported("GIF")
    );
    // A container with stand-in pixels: damaged as far as decoding goes.
    let stand_in = clean(&crate::samples::jpeg(2000, 1500, Some(1))).unwrap();
    assert!(display_copies(&stand_in).is_err());
    // A PNG whose pixels would take 4 × 5000 × 4000 = 80 MB is not decoded at all.
    let mut huge = Vec::new();
    image::codecs::png::PngEncoder::new(&mut huge)
        .write_image(
            &vec![0; 5000 * 4000 * 4],
            5000,
            4000,
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    let huge = clean(&huge).unwrap();
    assert_eq!(
        display_copies(&huge).unwrap_err(),
        PictureError::TooLargeToShrink {
            width: 5000,
            height: 4000
        }
    );
}

#[test]
fn jpegs_the_decoder_would_panic_on_are_refused_before_it_sees_them() {
    // A frame of 2 components (or 5, or not 8-bit): jpeg-decoder's `info` has `panic!()` for
    // those, which would abort the server. The frame header is read first and each is refused
    // as a kind not decoded, before the decoder sees it.
    let mut reached = 0;
    for (precision, components) in [(8u8, 2u8), (8, 5), (12, 1), (16, 1), (8, 4)] {
        let mut sof = vec![precision, 0, 20, 0, 20, components];
        for id in 1..=components {
            sof.extend([id, 0x11, 0]);
        }
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xC0];
        bytes.extend(((sof.len() + 2) as u16).to_be_bytes());
        bytes.extend(&sof);
        bytes.extend([
            0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 63, 0, 0x12, 0x34, 0xFF, 0xD9,
        ]);
        let Ok(picture) = clean(&bytes) else {
            continue; // refused already: as good
        };
        assert_eq!(
            display_copies(&picture).unwrap_err(),
            PictureError::Unsupported("Such JPEG"),
            "{precision}-bit, {components} components"
        );
        assert!(avatar(&picture).is_err());
        reached += 1;
    }
    assert_eq!(
        reached, 5,
        "clean() takes them all: the guard is what stands"
    );
}

#[test]
fn a_progressive_jpeg_is_decoded_only_if_its_coefficients_fit_the_bound() {
    use crate::samples::progressive_photo;
    // 1000 × 800: 4:2:0 holds 2.4 MB of coefficients (two bytes for each grey sample, and
    // colours at a quarter of the size, in whole 16 × 16 MCUs: 63 × 50 of them), 4:4:4 4.8 MB;
    // the pixels at full size 2.4 MB more.
    let half = progressive_photo(1000, 800, false);
    let full = progressive_photo(1000, 800, true);
    let coefficients =
        |bytes: &[u8]| coefficient_bytes(&Jpeg::from_bytes(bytes.to_vec().into()).unwrap());
    assert_eq!(coefficients(&half), (126 * 100 + 2 * 63 * 50) * 64 * 2);
    assert_eq!(coefficients(&full), 4_800_000);
    // Odd sizes count whole blocks.
    assert_eq!(coefficients(&progressive_photo(9, 9, true)), 3 * 4 * 64 * 2);
    let bound = 6_000_000;
    let image = decode_jpeg_within(&half, (1000, 800), bound).unwrap();
    assert_eq!((image.width(), image.height()), (1000, 800));
    assert_eq!(
        decode_jpeg_within(&full, (1000, 800), bound).unwrap_err(),
        PictureError::TooLargeToShrink {
            width: 1000,
            height: 800
        }
    );
    // Wanted at half the size, the pixels take a quarter: the full-colour one fits too.
    let image = decode_jpeg_within(&full, (500, 400), bound).unwrap();
    assert_eq!((image.width(), image.height()), (500, 400));
    // And through the public way: copies made, the right way round.
    let copies = display_copies(&clean(&full).unwrap()).unwrap();
    assert_eq!(copies.small.map(|c| (c.width, c.height)), Some((640, 512)));
}
