//! Smaller copies of a picture, made once when it is uploaded: the sizes pages and apps show
//! (so a 4.6 MB phone photo is not sent whole to every timeline), a blurhash for apps to draw
//! while it loads, and the square avatars and wide headers of profiles.
//!
//! Memory is the constraint: a Raspberry Pi 3 has 1 GB for everything. A JPEG is decoded
//! straight to the smallest of 1/1, 1/2, 1/4 or 1/8 of its size that is still large enough (a
//! scaled IDCT), so a 12-megapixel photo is held as about 3 megapixels; every other picture is
//! decoded only if its pixels fit in [`MAX_DECODED_BYTES`]. Shrinking averages the pixels that
//! fall on each new one (`thumbnail`), which needs no buffer but its result. A picture that
//! cannot be decoded within the bound gets no copies (an error here), and is shown as it is.
//!
//! Only JPEG and PNG are decoded: GIF and WebP decoders would take the binary past its size
//! target, and neither needs it much (a GIF may move and must stay itself; a WebP is small
//! already). Those are shown as they came and are not made into avatars.

use std::io::Cursor;

#[cfg(test)]
use image::ImageEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngDecoder, PngEncoder};
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageDecoder, RgbImage};
use img_parts::ImageEXIF;
use img_parts::jpeg::Jpeg;

use crate::{Kind, Picture, PictureError};

/// The width and height the small copy fits in: timelines on a phone.
pub const SMALL: u32 = porchlight_core::media::SMALL_SIDE;
/// The width and height the large copy fits in: a wide screen, or a phone's sharp one.
pub const LARGE: u32 = porchlight_core::media::LARGE_SIDE;
/// The side of an avatar.
pub const AVATAR: u32 = 400;
/// The size of a header picture (3 to 1, as Mastodon's).
pub const HEADER: (u32, u32) = (1500, 500);
/// The most memory the decoded pixels of one picture may take.
pub const MAX_DECODED_BYTES: u64 = 48 << 20;
/// JPEG quality of the copies: no visible loss at the sizes they are shown.
const QUALITY: u8 = 82;

/// A picture made from another.
#[derive(Debug)]
pub struct Copy {
    pub kind: Kind,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

/// What pages and apps show of a picture.
#[derive(Debug, Default)]
pub struct DisplayCopies {
    /// `None` when the picture already fits (it is its own copy).
    pub small: Option<Copy>,
    pub large: Option<Copy>,
    pub blurhash: Option<String>,
}

/// The small and large copies and the blurhash of `picture` (as `clean` returned it).
pub fn display_copies(picture: &Picture) -> Result<DisplayCopies, PictureError> {
    let fits = |side: u32| picture.width <= side && picture.height <= side;
    let image = decode(picture, fitted(picture, LARGE))?;
    let large = (!fits(LARGE)).then(|| image.thumbnail(LARGE, LARGE));
    let from = large.as_ref().unwrap_or(&image);
    let small = (!fits(SMALL)).then(|| from.thumbnail(SMALL, SMALL));
    let blurhash = blurhash(small.as_ref().unwrap_or(from));
    Ok(DisplayCopies {
        large: large.map(|i| encode(&i)).transpose()?,
        small: small.map(|i| encode(&i)).transpose()?,
        blurhash,
    })
}

/// A square avatar: the middle of the picture, [`AVATAR`] pixels a side (or less, if the
/// picture is smaller).
pub fn avatar(picture: &Picture) -> Result<Copy, PictureError> {
    cover(picture, AVATAR, AVATAR)
}

/// A header picture: the middle band of the picture, [`HEADER`] in size (or less).
pub fn header(picture: &Picture) -> Result<Copy, PictureError> {
    cover(picture, HEADER.0, HEADER.1)
}

/// The picture shrunk to cover `width` × `height`, then its middle cut to that shape.
fn cover(picture: &Picture, width: u32, height: u32) -> Result<Copy, PictureError> {
    // The scale at which the picture just covers the box, never enlarged.
    let scale = (f64::from(width) / f64::from(picture.width))
        .max(f64::from(height) / f64::from(picture.height))
        .min(1.0);
    let covering = (
        ((f64::from(picture.width) * scale).round() as u32).max(1),
        ((f64::from(picture.height) * scale).round() as u32).max(1),
    );
    let image = decode(picture, covering)?.thumbnail_exact(covering.0, covering.1);
    // The largest part of the box's shape that fits (the whole box unless the picture is
    // smaller than it).
    let (iw, ih) = (image.width(), image.height());
    let (w, h) = if u64::from(iw) * u64::from(height) > u64::from(ih) * u64::from(width) {
        (
            (u64::from(ih) * u64::from(width) / u64::from(height)) as u32,
            ih,
        )
    } else {
        (
            iw,
            (u64::from(iw) * u64::from(height) / u64::from(width)) as u32,
        )
    };
    let (w, h) = (w.clamp(1, iw), h.clamp(1, ih));
    let cut = image.crop_imm((image.width() - w) / 2, (image.height() - h) / 2, w, h);
    encode(&cut)
}

/// The size `picture` shrinks to when it is fitted into a `side` × `side` box.
fn fitted(picture: &Picture, side: u32) -> (u32, u32) {
    porchlight_core::media::fitted(picture.width, picture.height, side)
}

/// The picture's pixels, the right way up, at least `wanted` in size where the decoder can
/// shrink while decoding (JPEG), and within [`MAX_DECODED_BYTES`].
fn decode(picture: &Picture, wanted: (u32, u32)) -> Result<DynamicImage, PictureError> {
    match picture.kind {
        Kind::Jpeg => decode_jpeg(&picture.bytes, wanted),
        Kind::Png => {
            let decoder =
                PngDecoder::new(Cursor::new(&picture.bytes)).map_err(|_| PictureError::Damaged)?;
            from_decoder(decoder)
        }
        // Not decoded on the box, to keep the binary within its size: GIFs and WebPs are shown
        // as they came (a GIF may move; a WebP is usually small already) and are not taken as
        // avatars or headers.
        Kind::Gif => Err(PictureError::Unsupported("GIF")),
        Kind::Webp => Err(PictureError::Unsupported("WebP")),
    }
}

fn from_decoder(decoder: impl ImageDecoder) -> Result<DynamicImage, PictureError> {
    let (width, height) = decoder.dimensions();
    if decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(PictureError::TooLargeToShrink { width, height });
    }
    DynamicImage::from_decoder(decoder).map_err(|_| PictureError::Damaged)
}

/// Whether every frame of a JPEG is 8-bit grey or colour (1 or 3 components): the only kinds
/// decoded. jpeg-decoder panics (in `info`) on a frame of 2 or more than 4 components or of a
/// precision it has no pixel format for, and a panic aborts the server: such a picture, which
/// anyone may send, must never reach it.
fn plain_frames(jpeg: &Jpeg) -> bool {
    let mut frames = frames(jpeg).peekable();
    frames.peek().is_some()
        && frames.all(|c| {
            // Precision, height (2), width (2), the number of components.
            c.len() >= 6 && c[0] == 8 && matches!(c[5], 1 | 3)
        })
}

/// The contents of each frame header: SOF0 to SOF15, but for DHT (C4), JPG (C8) and DAC (CC),
/// which share the range.
fn frames(jpeg: &Jpeg) -> impl Iterator<Item = &[u8]> {
    jpeg.segments()
        .iter()
        .filter(|s| matches!(s.marker(), 0xC0..=0xCF) && !matches!(s.marker(), 0xC4 | 0xC8 | 0xCC))
        .map(|s| s.contents().as_ref())
}

/// The first frame header, if it is long enough to say the picture's size.
fn first_frame(jpeg: &Jpeg) -> Option<&[u8]> {
    frames(jpeg).next().filter(|c| c.len() >= 6)
}

/// The width and height a frame header gives.
fn frame_size(frame: &[u8]) -> (u32, u32) {
    (
        u32::from(u16::from_be_bytes([frame[3], frame[4]])),
        u32::from(u16::from_be_bytes([frame[1], frame[2]])),
    )
}

/// What a progressive decoder holds while it reads the scans: every DCT coefficient of every
/// component, two bytes each, whatever size the pixels are wanted at. A component sampled at
/// half the width and height (4:2:0 colour) holds a quarter as many; a full-colour (4:4:4)
/// 12-megapixel photo holds 72 MB. Counted as jpeg-decoder allocates them: each component in
/// whole MCUs (the picture rounded up to 8 × the largest sampling factor), its factor's worth
/// of 8 × 8 blocks in each.
fn coefficient_bytes(jpeg: &Jpeg) -> u64 {
    let Some(c) = first_frame(jpeg) else {
        return 0;
    };
    let (width, height) = frame_size(c);
    let (width, height) = (u64::from(width), u64::from(height));
    // Each component: its id, its horizontal and vertical sampling (a nibble each), its table.
    let sampling: Vec<(u64, u64)> = c[6..]
        .chunks_exact(3)
        .take(usize::from(c[5]))
        .map(|p| (u64::from(p[1] >> 4).max(1), u64::from(p[1] & 0x0F).max(1)))
        .collect();
    let most = |pick: fn(&(u64, u64)) -> u64| sampling.iter().map(pick).max().unwrap_or(1);
    let (h_max, v_max) = (most(|s| s.0), most(|s| s.1));
    let blocks = |size: u64, factor: u64, max: u64| size.div_ceil(8 * max) * factor;
    sampling
        .iter()
        .map(|&(h, v)| blocks(width, h, h_max) * blocks(height, v, v_max) * 64 * 2)
        .sum()
}

fn decode_jpeg(bytes: &[u8], wanted: (u32, u32)) -> Result<DynamicImage, PictureError> {
    decode_jpeg_within(bytes, wanted, MAX_DECODED_BYTES)
}

/// [`decode_jpeg`] with its bound given (tests try it small).
fn decode_jpeg_within(
    bytes: &[u8],
    wanted: (u32, u32),
    bound: u64,
) -> Result<DynamicImage, PictureError> {
    let jpeg = Jpeg::from_bytes(bytes.to_vec().into()).map_err(|_| PictureError::Damaged)?;
    if !plain_frames(&jpeg) {
        return Err(PictureError::Unsupported("Such JPEG"));
    }
    let orientation = jpeg
        .exif()
        .and_then(|exif| crate::orientation(&exif))
        .unwrap_or(1);
    // The decoder works on the picture as stored; a quarter turn swaps what is wanted.
    let (want_w, want_h) = if (5..=8).contains(&orientation) {
        (wanted.1, wanted.0)
    } else {
        wanted
    };
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    let clamp = |n: u32| n.min(u32::from(u16::MAX)) as u16;
    let (width, height) = decoder
        .scale(clamp(want_w), clamp(want_h))
        .map_err(|_| PictureError::Damaged)?;
    let info = decoder.info().ok_or(PictureError::Damaged)?;
    let (width, height) = (u32::from(width), u32::from(height));
    // A progressive JPEG keeps every coefficient of the whole picture while decoding, beside
    // the pixels it makes.
    let held = if info.coding_process == jpeg_decoder::CodingProcess::DctProgressive {
        coefficient_bytes(&jpeg)
    } else {
        0
    };
    if held + u64::from(width) * u64::from(height) * 3 > bound {
        let (width, height) = first_frame(&jpeg).map(frame_size).unwrap_or_default();
        return Err(PictureError::TooLargeToShrink { width, height });
    }
    let pixels = decoder.decode().map_err(|_| PictureError::Damaged)?;
    let mut image = match info.pixel_format {
        jpeg_decoder::PixelFormat::RGB24 => {
            RgbImage::from_raw(width, height, pixels).map(DynamicImage::ImageRgb8)
        }
        jpeg_decoder::PixelFormat::L8 => {
            GrayImage::from_raw(width, height, pixels).map(DynamicImage::ImageLuma8)
        }
        // 16-bit and CMYK JPEGs are for printers, not phones.
        _ => return Err(PictureError::Unsupported("Such JPEG")),
    }
    .ok_or(PictureError::Damaged)?;
    if let Some(o) = Orientation::from_exif(orientation as u8) {
        image.apply_orientation(o);
    }
    Ok(image)
}

/// A JPEG, or a PNG where the picture has see-through parts.
fn encode(image: &DynamicImage) -> Result<Copy, PictureError> {
    let mut bytes = Vec::new();
    let kind = if image.color().has_alpha() {
        let encoder =
            PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Adaptive);
        image
            .to_rgba8()
            .write_with_encoder(encoder)
            .map(|_| Kind::Png)
    } else {
        let encoder = JpegEncoder::new_with_quality(&mut bytes, QUALITY);
        match image {
            DynamicImage::ImageLuma8(gray) => gray.write_with_encoder(encoder),
            other => other.to_rgb8().write_with_encoder(encoder),
        }
        .map(|_| Kind::Jpeg)
    }
    .map_err(|_| PictureError::Damaged)?;
    Ok(Copy {
        kind,
        width: image.width(),
        height: image.height(),
        bytes,
    })
}

/// A blurhash of 4 × 3 components (as Mastodon makes), from a 32-pixel thumbnail.
fn blurhash(image: &DynamicImage) -> Option<String> {
    let tiny = image.thumbnail(32, 32).to_rgba8();
    blurhash::encode(4, 3, tiny.width(), tiny.height(), tiny.as_raw()).ok()
}

#[cfg(test)]
#[path = "copies_tests.rs"]
mod tests;
