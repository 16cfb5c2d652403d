//! Pictures for tests: containers laid out as phones and editors write them, with the metadata
//! that must not survive an upload (a camera make, a GPS position, an address in XMP, an IPTC
//! city, a comment). The containers' pixel data is a stand-in; `photo` and `clear_png` decode.

use bytes::Bytes;
use img_parts::jpeg::JpegSegment;
use img_parts::png::PngChunk;

/// Text in `jpeg` and `png` that only metadata carries; none of it may be left after `clean`.
pub const TELLING: [&str; 5] = [
    "PhoneMaker",
    "Lake Street",
    "IPTC city",
    "taken at home",
    "tIME",
];

/// EXIF as a phone writes it: the camera, where, and which way up.
pub fn phone_exif(orientation: u16) -> Bytes {
    let fields = [
        exif::Field {
            tag: exif::Tag::Make,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Ascii(vec![b"PhoneMaker".to_vec()]),
        },
        exif::Field {
            tag: exif::Tag::Orientation,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Short(vec![orientation]),
        },
        exif::Field {
            tag: exif::Tag::GPSLatitudeRef,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Ascii(vec![b"N".to_vec()]),
        },
        exif::Field {
            tag: exif::Tag::GPSLatitude,
            ifd_num: exif::In::PRIMARY,
            value: exif::Value::Rational(vec![(52, 1).into(), (22, 1).into(), (1234, 100).into()]),
        },
    ];
    let mut writer = exif::experimental::Writer::new();
    for f in &fields {
        writer.push_field(f);
    }
    let mut out = std::io::Cursor::new(Vec::new());
    writer.write(&mut out, true).unwrap();
    Bytes::from(out.into_inner())
}

/// A JPEG container of `width` × `height` with the metadata a phone and an editor leave.
pub fn jpeg(width: u16, height: u16, orientation: Option<u16>) -> Vec<u8> {
    let seg = |m: u8, c: &[u8]| JpegSegment::new_with_contents(m, Bytes::copy_from_slice(c));
    let mut sof = vec![8];
    sof.extend(height.to_be_bytes());
    sof.extend(width.to_be_bytes());
    sof.extend([1, 1, 0x11, 0]);
    let mut segments = vec![seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0")];
    if let Some(o) = orientation {
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&phone_exif(o));
        segments.push(seg(0xE1, &app1));
    }
    segments.extend([
        seg(
            0xE1,
            b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>Lake Street 5</x:xmpmeta>",
        ),
        seg(0xE2, b"ICC_PROFILE\0\x01\x01colours"),
        seg(0xED, b"Photoshop 3.0\0IPTC city"),
        seg(0xFE, b"taken at home"),
        seg(0xDB, &[0; 65]),
        seg(0xC0, &sof),
        JpegSegment::new_with_entropy(
            0xDA,
            Bytes::from_static(&[1, 1, 0, 0, 63, 0]),
            Bytes::from_static(&[0x12, 0x34, 0xFF, 0xD9]),
        ),
    ]);
    let mut out = vec![0xFF, 0xD8];
    for s in segments {
        out.extend_from_slice(&s.encoder().bytes());
    }
    out
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    let chunk = |k: &[u8; 4], c: &[u8]| PngChunk::new(*k, Bytes::copy_from_slice(c));
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for c in [
        chunk(b"IHDR", &ihdr),
        chunk(b"tEXt", b"Comment\0taken at home"),
        chunk(b"eXIf", &phone_exif(1)),
        chunk(b"tIME", &[7, 234, 11, 22, 12, 0, 0]),
        chunk(b"IDAT", &[0x78, 0x9c, 3, 0, 0, 0, 0, 1]),
        chunk(b"IEND", b""),
    ] {
        out.extend_from_slice(&c.encoder().bytes());
    }
    out
}

/// A real photo-like JPEG of `width` × `height` that decodes: a smooth colour field (left half
/// reddish, right half bluish, so a test can tell which way up it came out) with the phone's
/// EXIF, `orientation` included.
pub fn photo(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let mut plain = Vec::new();
    photo_pixels(width, height)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut plain, 90,
        ))
        .unwrap();
    with_phone_exif(plain, orientation)
}

/// The same photo as a progressive JPEG, as editors and web sites save one; `full_colour`
/// keeps every colour sample (4:4:4) instead of one for each 2 × 2 pixels (4:2:0), which
/// doubles what a progressive decoder must hold.
pub fn progressive_photo(width: u32, height: u32, full_colour: bool) -> Vec<u8> {
    use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
    let mut plain = Vec::new();
    let mut encoder = Encoder::new(&mut plain, 90);
    encoder.set_progressive(true);
    encoder.set_sampling_factor(if full_colour {
        SamplingFactor::R_4_4_4
    } else {
        SamplingFactor::R_4_2_0
    });
    let pixels = photo_pixels(width, height);
    encoder
        .encode(pixels.as_raw(), width as u16, height as u16, ColorType::Rgb)
        .unwrap();
    with_phone_exif(plain, 1)
}

/// The same photo as a PNG (as a screenshot or an editor saves one), with see-through pixels
/// or without.
pub fn photo_png(width: u32, height: u32, see_through: bool) -> Vec<u8> {
    let pixels = photo_pixels(width, height);
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new(&mut out);
    if see_through {
        image::DynamicImage::ImageRgb8(pixels)
            .to_rgba8()
            .write_with_encoder(encoder)
    } else {
        pixels.write_with_encoder(encoder)
    }
    .unwrap();
    out
}

/// A smooth colour field: left half reddish, right half bluish, so a test can tell which way
/// up it came out.
fn photo_pixels(width: u32, height: u32) -> image::RgbImage {
    image::RgbImage::from_fn(width, height, |x, y| {
        let left = x < width / 2;
        image::Rgb([
            if left { 220 } else { 30 },
            (y * 255 / height.max(1)) as u8,
            if left { 30 } else { 220 },
        ])
    })
}

fn with_phone_exif(plain: Vec<u8>, orientation: u16) -> Vec<u8> {
    let mut jpeg = img_parts::jpeg::Jpeg::from_bytes(Bytes::from(plain)).unwrap();
    img_parts::ImageEXIF::set_exif(&mut jpeg, Some(phone_exif(orientation)));
    jpeg.encoder().bytes().to_vec()
}

/// A real PNG with see-through parts: an opaque disc on a clear square.
pub fn clear_png(side: u32) -> Vec<u8> {
    let c = side as i64 / 2;
    let pixels = image::RgbaImage::from_fn(side, side, |x, y| {
        let (dx, dy) = (x as i64 - c, y as i64 - c);
        let inside = dx * dx + dy * dy < c * c;
        image::Rgba([40, 160, 90, if inside { 255 } else { 0 }])
    });
    let mut out = Vec::new();
    pixels
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
        .unwrap();
    out
}
