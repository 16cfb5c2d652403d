//! Pictures campers upload, checked and cleaned before they are stored.
//!
//! A photo straight from a phone says where it was taken (GPS), on what, and when. None of
//! that should reach a camp's timeline, let alone the fediverse, so it is removed here: EXIF
//! (except the orientation, without which a portrait photo shows on its side), XMP, IPTC,
//! comments and text chunks. Nothing is decoded: the work is on the file's container, so it
//! takes microseconds and no memory for pixels, which matters on a Raspberry Pi.
//!
//! Display copies, avatars and headers are the exception: they decode pixels, within a memory
//! bound (`copies`).
//!
//! Pure code, no I/O: bytes in, bytes out.

use bytes::Bytes;
use img_parts::{ImageEXIF, jpeg::Jpeg, png::Png, webp::WebP};

/// The largest picture taken, in bytes.
pub const MAX_BYTES: usize = porchlight_core::media::MAX_PICTURE_BYTES;

/// The most pixels a picture may have (7680 × 4320, as Mastodon allows).
pub const MAX_PIXELS: u64 = 33_177_600;

/// The kinds of picture taken: what every browser and fediverse server shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Jpeg, Kind::Png, Kind::Gif, Kind::Webp];

    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Gif => "image/gif",
            Kind::Webp => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Gif => "gif",
            Kind::Webp => "webp",
        }
    }

    pub fn from_media_type(media_type: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.media_type() == media_type)
    }
}

/// A picture ready to store.
#[derive(Debug)]
pub struct Picture {
    pub kind: Kind,
    pub bytes: Vec<u8>,
    /// As it is shown (after the orientation is applied).
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum PictureError {
    Empty,
    TooLarge {
        max: usize,
        got: usize,
    },
    TooManyPixels {
        width: u32,
        height: u32,
    },
    /// Taken, but its pixels would not fit in the memory one picture may use while it is
    /// shrunk ([`copies::MAX_DECODED_BYTES`]): it gets no copies and cannot be a face.
    TooLargeToShrink {
        width: u32,
        height: u32,
    },
    /// A picture, but of a kind not taken (HEIC, AVIF, BMP…): named, so the message can say so.
    Unsupported(&'static str),
    NotAPicture,
    Damaged,
}

impl std::fmt::Display for PictureError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PictureError::Empty => write!(f, "The file is empty."),
            PictureError::TooLarge { max, got } => write!(
                f,
                "The picture is {:.1} MB; at most {} MB is taken.",
                *got as f64 / 1_048_576.0,
                max / 1_048_576
            ),
            PictureError::TooManyPixels { width, height } => write!(
                f,
                "The picture is {width} × {height} pixels; at most {MAX_PIXELS} pixels \
                 (7680 × 4320) are taken."
            ),
            PictureError::TooLargeToShrink { width, height } => write!(
                f,
                "The picture is {width} × {height} pixels, more than this server can shrink \
                 within its memory; please send a smaller one."
            ),
            PictureError::Unsupported(what) => write!(
                f,
                "{what} pictures are not taken here; please send a JPEG, PNG, GIF or WebP."
            ),
            PictureError::NotAPicture => write!(
                f,
                "That file is not a picture; please send a JPEG, PNG, GIF or WebP."
            ),
            PictureError::Damaged => write!(f, "The picture is damaged and cannot be read."),
        }
    }
}

impl std::error::Error for PictureError {}

/// Checks `bytes` and returns the picture without what it says about its taker.
pub fn clean(bytes: &[u8]) -> Result<Picture, PictureError> {
    if bytes.is_empty() {
        return Err(PictureError::Empty);
    }
    if bytes.len() > MAX_BYTES {
        return Err(PictureError::TooLarge {
            max: MAX_BYTES,
            got: bytes.len(),
        });
    }
    let kind = match imagesize::image_type(bytes) {
        Ok(imagesize::ImageType::Jpeg) => Kind::Jpeg,
        Ok(imagesize::ImageType::Png) => Kind::Png,
        Ok(imagesize::ImageType::Gif) => Kind::Gif,
        Ok(imagesize::ImageType::Webp) => Kind::Webp,
        Ok(imagesize::ImageType::Heif(imagesize::Compression::Av1)) => {
            return Err(PictureError::Unsupported("AVIF"));
        }
        Ok(imagesize::ImageType::Heif(_)) => return Err(PictureError::Unsupported("HEIC")),
        Ok(_) => return Err(PictureError::Unsupported("Such")),
        Err(_) => return Err(PictureError::NotAPicture),
    };
    let size = imagesize::blob_size(bytes).map_err(|_| PictureError::Damaged)?;
    let (mut width, mut height) = (size.width as u32, size.height as u32);
    if width == 0 || height == 0 {
        return Err(PictureError::Damaged);
    }
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(PictureError::TooManyPixels { width, height });
    }
    let input = Bytes::copy_from_slice(bytes);
    let cleaned = match kind {
        Kind::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(input).map_err(|_| PictureError::Damaged)?;
            let orientation = jpeg.exif().and_then(|exif| orientation(&exif));
            // Orientations 5 to 8 turn the picture a quarter: it shows the other way round.
            if orientation.is_some_and(|o| (5..=8).contains(&o)) {
                std::mem::swap(&mut width, &mut height);
            }
            jpeg.set_exif(orientation.filter(|&o| o != 1).map(only_orientation));
            jpeg.segments_mut().retain(|s| {
                let xmp = s.marker() == APP1 && s.contents().starts_with(b"http://ns.adobe.com/");
                // MPF indexes the extra images after the picture (cut below); APP11 carries
                // C2PA/JUMBF provenance, which can name the device and the place.
                let mpf = s.marker() == APP2 && s.contents().starts_with(b"MPF\0");
                !(xmp || mpf || matches!(s.marker(), APP11 | APP13 | COM))
            });
            let mut out = jpeg.encoder().bytes().to_vec();
            // Whatever follows the picture's end goes: phones put more images there (previews,
            // HDR gain maps, each with its own EXIF) or a "motion photo" video.
            out.truncate(end_of_jpeg(&out).ok_or(PictureError::Damaged)?);
            out
        }
        Kind::Png => {
            let mut png = Png::from_bytes(input).map_err(|_| PictureError::Damaged)?;
            png.chunks_mut()
                .retain(|c| !PNG_TELLING.contains(&c.kind()));
            png.encoder().bytes().to_vec()
        }
        Kind::Webp => {
            let mut webp = WebP::from_bytes(input).map_err(|_| PictureError::Damaged)?;
            webp.set_exif(None);
            webp.remove_chunks_by_id(*b"XMP ");
            webp.encoder().bytes().to_vec()
        }
        // GIF carries no camera metadata; comments are rare and harmless. Kept as it came.
        Kind::Gif => bytes.to_vec(),
    };
    Ok(Picture {
        kind,
        bytes: cleaned,
        width,
        height,
    })
}

const APP1: u8 = 0xE1;
const APP2: u8 = 0xE2;
const APP11: u8 = 0xEB;
const APP13: u8 = 0xED;
const COM: u8 = 0xFE;

/// Where the first picture of a JPEG ends (just after its EOI marker), walking its segments
/// and the entropy-coded data of its scans (where `FF 00` is a stuffed byte and `FF D0`–`FF D7`
/// restart markers), so that a byte pair inside a segment is never taken for the end.
fn end_of_jpeg(bytes: &[u8]) -> Option<usize> {
    let mut at = 2; // after SOI
    let mut in_scan = false;
    while at + 1 < bytes.len() {
        if bytes[at] != 0xFF {
            if !in_scan {
                return None;
            }
            at += 1;
            continue;
        }
        let marker = bytes[at + 1];
        match marker {
            0xD9 => return Some(at + 2),
            // Stuffed bytes, restart markers and fill bytes belong to the scan.
            0x00 | 0xD0..=0xD7 | 0xFF => at += if marker == 0xFF { 1 } else { 2 },
            _ => {
                let length = usize::from(u16::from_be_bytes([
                    *bytes.get(at + 2)?,
                    *bytes.get(at + 3)?,
                ]));
                at += 2 + length;
                in_scan = marker == 0xDA;
            }
        }
    }
    None
}

/// PNG chunks that describe rather than draw: EXIF, text of all three kinds, the time.
const PNG_TELLING: [[u8; 4]; 5] = [*b"eXIf", *b"tEXt", *b"zTXt", *b"iTXt", *b"tIME"];

/// The EXIF orientation (1 to 8), if there is a readable one.
fn orientation(exif: &[u8]) -> Option<u32> {
    let exif = exif::Reader::new().read_raw(exif.to_vec()).ok()?;
    let field = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    field.value.get_uint(0).filter(|o| (1..=8).contains(o))
}

/// EXIF with nothing but an orientation.
fn only_orientation(orientation: u32) -> Bytes {
    let field = exif::Field {
        tag: exif::Tag::Orientation,
        ifd_num: exif::In::PRIMARY,
        value: exif::Value::Short(vec![orientation as u16]),
    };
    let mut writer = exif::experimental::Writer::new();
    writer.push_field(&field);
    let mut out = std::io::Cursor::new(Vec::new());
    writer
        .write(&mut out, false)
        .expect("one short field always encodes");
    Bytes::from(out.into_inner())
}

pub mod copies;
pub mod generated;
pub use copies::{Copy, DisplayCopies, avatar, display_copies, header};

#[cfg(any(test, feature = "samples"))]
pub mod samples;
#[cfg(test)]
mod tests;
