//! The avatar of someone who has not chosen one: a five-by-five pattern, mirrored left to
//! right, in a colour of its own, both drawn from their name. The same name always gives the
//! same picture, on every page and in every app, and two names rarely look alike.

use image::codecs::png::PngEncoder;
use image::{ImageEncoder, Rgb, RgbImage};

/// The side of a generated avatar, in pixels.
pub const SIDE: u32 = 120;
const CELLS: u32 = 5;
const MARGIN: u32 = 10;

/// FNV-1a: stable across releases and platforms (std's hasher is not promised to be), and
/// only a spread is needed, not secrecy.
fn fnv(seed: &str) -> u64 {
    seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The pattern and hue (0 to 359) for `seed`: `cells[row][column]` is drawn.
pub fn pattern(seed: &str) -> ([[bool; CELLS as usize]; CELLS as usize], u32) {
    let hash = fnv(seed);
    let mut cells = [[false; CELLS as usize]; CELLS as usize];
    // Three columns are chosen (15 bits); the last two mirror the first two.
    for (row, line) in cells.iter_mut().enumerate() {
        for column in 0..3 {
            let on = hash >> (row * 3 + column) & 1 == 1;
            line[column] = on;
            line[CELLS as usize - 1 - column] = on;
        }
    }
    (cells, ((hash >> 20) % 360) as u32)
}

/// A colour of `hue` at the given saturation and lightness (each 0 to 1).
fn hsl(hue: u32, saturation: f32, lightness: f32) -> Rgb<u8> {
    let c = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let h = hue as f32 / 60.0;
    let x = c * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = lightness - c / 2.0;
    let byte = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgb([byte(r), byte(g), byte(b)])
}

/// The generated avatar for `seed` (a username, or `name@server`), as a PNG.
pub fn avatar_png(seed: &str) -> Vec<u8> {
    let (cells, hue) = pattern(seed);
    // A pale ground and a deep figure of the same hue: readable in light and dark pages.
    let ground = hsl(hue, 0.55, 0.90);
    let figure = hsl(hue, 0.60, 0.45);
    let cell = (SIDE - 2 * MARGIN) / CELLS;
    let image = RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let inside = |v: u32| (MARGIN..MARGIN + cell * CELLS).contains(&v);
        if inside(x) && inside(y) {
            let (column, row) = ((x - MARGIN) / cell, (y - MARGIN) / cell);
            if cells[row as usize][column as usize] {
                return figure;
            }
        }
        ground
    });
    let mut out = Vec::new();
    PngEncoder::new(&mut out)
        .write_image(image.as_raw(), SIDE, SIDE, image::ExtendedColorType::Rgb8)
        .expect("a PNG of known size always encodes");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_name_gives_the_same_avatar_and_different_names_differ() {
        assert_eq!(avatar_png("ken"), avatar_png("ken"));
        let names = [
            "ken",
            "mia",
            "hana",
            "ana",
            "kenji",
            "ken@elsewhere.example",
        ];
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_ne!(pattern(a), pattern(b), "{a} and {b}");
            }
        }
    }

    #[test]
    fn the_pattern_is_mirrored_and_the_picture_is_a_real_png() {
        for name in ["ken", "mia", "a", ""] {
            let (cells, hue) = pattern(name);
            assert!(hue < 360);
            for row in cells {
                assert_eq!(row[0], row[4], "{name}");
                assert_eq!(row[1], row[3], "{name}");
            }
            let png = avatar_png(name);
            let read = crate::clean(&png).unwrap();
            assert_eq!(
                (read.kind, read.width, read.height),
                (crate::Kind::Png, SIDE, SIDE)
            );
        }
    }

    #[test]
    fn colours_are_where_the_hue_says() {
        // (hue, saturation, lightness) → RGB
        let cases = [
            ((0, 1.0, 0.5), [255, 0, 0]),
            ((120, 1.0, 0.5), [0, 255, 0]),
            ((240, 1.0, 0.5), [0, 0, 255]),
            ((60, 1.0, 0.5), [255, 255, 0]),
            ((0, 0.0, 1.0), [255, 255, 255]),
        ];
        for ((h, s, l), rgb) in cases {
            assert_eq!(hsl(h, s, l).0, rgb, "{h} {s} {l}");
        }
    }
}
