//! The cleaning of pictures, checked on sample files: what is cut, what is kept, and what is refused.

use super::samples::{jpeg, png};
use super::*;

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn a_phone_photo_keeps_its_pixels_and_orientation_and_loses_the_rest() {
    for (orientation, shown) in [
        (None, (6, 4)),
        (Some(1), (6, 4)),
        (Some(6), (4, 6)),
        (Some(3), (6, 4)),
        (Some(8), (4, 6)),
    ] {
        let p = clean(&jpeg(6, 4, orientation)).unwrap();
        assert_eq!(p.kind, Kind::Jpeg);
        assert_eq!((p.width, p.height), shown, "orientation {orientation:?}");
        for telling in [
            &b"PhoneMaker"[..],
            b"Lake Street",
            b"IPTC city",
            b"taken at home",
        ] {
            assert!(
                !contains(&p.bytes, telling),
                "{:?} left in",
                String::from_utf8_lossy(telling)
            );
        }
        // The colour profile and the picture itself stay.
        assert!(contains(&p.bytes, b"ICC_PROFILE"));
        assert!(p.bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]));
        let kept = Jpeg::from_bytes(Bytes::from(p.bytes)).unwrap().exif();
        match orientation {
            Some(o) if o != 1 => {
                let exif = kept.expect("the orientation is kept");
                assert_eq!(super::orientation(&exif), Some(u32::from(o)));
                // …and nothing else: no GPS, no camera.
                let read = exif::Reader::new().read_raw(exif.to_vec()).unwrap();
                assert_eq!(read.fields().count(), 1);
            }
            _ => assert!(kept.is_none(), "no EXIF needed for {orientation:?}"),
        }
    }
}

#[test]
fn png_text_time_and_exif_are_dropped() {
    let p = clean(&png(3, 2)).unwrap();
    assert_eq!((p.kind, p.width, p.height), (Kind::Png, 3, 2));
    assert!(!contains(&p.bytes, b"taken at home"));
    assert!(!contains(&p.bytes, b"PhoneMaker"));
    assert!(!contains(&p.bytes, b"tIME"));
    assert!(contains(&p.bytes, b"IDAT"));
    // Still a PNG that reads back.
    let back = Png::from_bytes(Bytes::from(p.bytes)).unwrap();
    assert_eq!(back.dimensions(), Some((3, 2)));
}

#[test]
fn what_is_refused_and_why() {
    let gif = b"GIF89a\x02\x00\x03\x00\x00\x00\x00;".to_vec();
    let heic = {
        let mut b = vec![0, 0, 0, 0x18];
        b.extend(b"ftypheic\0\0\0\0mif1heic");
        b
    };
    let avif = {
        let mut b = vec![0, 0, 0, 0x18];
        b.extend(b"ftypavif\0\0\0\0mif1avif");
        b
    };
    let huge = png(8000, 8000);
    let cases: Vec<(&str, Vec<u8>, Result<Kind, PictureError>)> = vec![
        ("gif", gif, Ok(Kind::Gif)),
        ("empty", vec![], Err(PictureError::Empty)),
        (
            "text",
            b"hello, this is not a picture".to_vec(),
            Err(PictureError::NotAPicture),
        ),
        (
            "svg",
            b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec(),
            Err(PictureError::NotAPicture),
        ),
        ("heic", heic, Err(PictureError::Unsupported("HEIC"))),
        ("avif", avif, Err(PictureError::Unsupported("AVIF"))),
        ("zero-sized", png(0, 5), Err(PictureError::Damaged)),
        (
            "too many pixels",
            huge,
            Err(PictureError::TooManyPixels {
                width: 8000,
                height: 8000,
            }),
        ),
        (
            "too large",
            vec![0xFF; MAX_BYTES + 1],
            Err(PictureError::TooLarge {
                max: MAX_BYTES,
                got: MAX_BYTES + 1,
            }),
        ),
        (
            "truncated jpeg",
            jpeg(6, 4, Some(6))[..40].to_vec(),
            Err(PictureError::Damaged),
        ),
    ];
    for (name, bytes, want) in cases {
        let got = clean(&bytes).map(|p| p.kind);
        assert_eq!(got, want, "{name}");
        if let Err(e) = got {
            assert!(e.to_string().ends_with('.'), "{name}: a sentence: {e}");
        }
    }
}

#[test]
fn kinds_by_media_type() {
    for k in Kind::ALL {
        assert_eq!(Kind::from_media_type(k.media_type()), Some(k));
    }
    assert_eq!(Kind::from_media_type("image/svg+xml"), None);
}

#[test]
fn what_follows_the_picture_and_its_index_are_cut() {
    // A phone's JPEG: the picture, its MPF index and provenance, then a second image with its
    // own EXIF after the end (a preview or an HDR gain map), then a motion photo's video.
    let mut photo = jpeg(6, 4, Some(1));
    let eoi = photo.len();
    let mut with_extras = photo[..2].to_vec();
    with_extras.extend([0xFF, 0xE2, 0x00, 0x0A]);
    with_extras.extend(b"MPF\0II*\0");
    with_extras.extend([0xFF, 0xEB, 0x00, 0x09]);
    with_extras.extend(b"JPJUMBF");
    with_extras.extend(&photo[2..]);
    with_extras.extend(jpeg(2, 2, Some(1)));
    with_extras.extend(b"ftypmp42 motion photo video");
    photo = with_extras;
    let p = clean(&photo).unwrap();
    assert!(
        p.bytes.ends_with(&[0x12, 0x34, 0xFF, 0xD9]),
        "ends with the picture"
    );
    assert!(
        p.bytes.len() < eoi,
        "the extras are gone ({} bytes)",
        p.bytes.len()
    );
    for telling in ["MPF", "JUMBF", "motion photo", "PhoneMaker"] {
        assert!(!contains(&p.bytes, telling.as_bytes()), "{telling} left in");
    }
    // A scan whose data holds stuffed bytes and restart markers is read through to its end.
    let mut scanned = jpeg(6, 4, None);
    let end = scanned.len() - 2;
    scanned.splice(end..end, [0xFF, 0x00, 0x55, 0xFF, 0xD0, 0x66]);
    let p = clean(&scanned).unwrap();
    assert!(
        p.bytes
            .ends_with(&[0xFF, 0x00, 0x55, 0xFF, 0xD0, 0x66, 0xFF, 0xD9])
    );
    assert_eq!(end_of_jpeg(&[0xFF, 0xD8, 0x12]), None, "no end: damaged");
}
