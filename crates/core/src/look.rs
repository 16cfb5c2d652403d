//! How a camp looks and how its members are pictured: the host's accent colour and words, and
//! which picture stands for a person. Pure rules, shared by the pages and the API.

/// The most characters of the camp's short description (as Mastodon's instance `description`).
pub const MAX_DESCRIPTION: usize = 300;
/// The most characters of the about page.
pub const MAX_ABOUT: usize = 5_000;
/// The accent colour when the host chose none (the pages' own).
pub const DEFAULT_ACCENT: &str = "#9a4d00";

/// An accent colour as `#rrggbb` (lower case), from what a colour picker or a person sends:
/// `#RGB`, `#RRGGBB`, with or without the `#`. Nothing else: the value is written into the
/// pages' style, so no other character may pass.
pub fn parse_accent(input: &str) -> Result<String, String> {
    let hex = input.trim().trim_start_matches('#');
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "\"{input}\" is not a colour; pick one, or write it as #2a7ab5."
        ));
    }
    match hex.len() {
        6 => Ok(format!("#{}", hex.to_ascii_lowercase())),
        3 => Ok(format!(
            "#{}",
            hex.chars()
                .flat_map(|c| [c, c])
                .collect::<String>()
                .to_ascii_lowercase()
        )),
        _ => Err(format!(
            "\"{input}\" is not a colour; pick one, or write it as #2a7ab5."
        )),
    }
}

/// The backgrounds the accent is read on (as text, and behind button text) in the pages'
/// light and dark colours (`style.css`): the page, a card, the soft panels.
const LIGHT_BACKGROUNDS: [&str; 3] = ["#ffffff", "#fbf8f3", "#fff3e2"];
const DARK_BACKGROUNDS: [&str; 3] = ["#161412", "#201d1a", "#2b2218"];
/// Button text on the accent: white on light pages, near-black on dark ones.
pub const LIGHT_ACCENT_INK: &str = "#ffffff";
pub const DARK_ACCENT_INK: &str = "#1a1208";
/// WCAG's contrast for normal text (AA).
const READABLE: f64 = 4.5;

fn rgb(colour: &str) -> [f64; 3] {
    let channel = |i: usize| {
        f64::from(u8::from_str_radix(colour.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0))
    };
    [channel(1), channel(3), channel(5)]
}

fn hex([r, g, b]: [f64; 3]) -> String {
    let byte = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    format!("#{:02x}{:02x}{:02x}", byte(r), byte(g), byte(b))
}

/// WCAG relative luminance.
fn luminance(colour: &str) -> f64 {
    let [r, g, b] = rgb(colour).map(|v| {
        let v = v / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    });
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// WCAG contrast ratio of two `#rrggbb` colours (1 to 21).
pub fn contrast(a: &str, b: &str) -> f64 {
    let (a, b) = (luminance(a), luminance(b));
    (a.max(b) + 0.05) / (a.min(b) + 0.05)
}

/// `accent` moved toward `toward` (black or white) just far enough that it reads on every one
/// of `backgrounds` and `ink` reads on it; unchanged if it already does.
fn readable(accent: &str, toward: [f64; 3], backgrounds: &[&str], ink: &str) -> String {
    let from = rgb(accent);
    (0..=20)
        .map(|step| {
            let t = f64::from(step) / 20.0;
            hex([0, 1, 2].map(|i| from[i] + (toward[i] - from[i]) * t))
        })
        .find(|c| {
            backgrounds.iter().all(|bg| contrast(c, bg) >= READABLE) && contrast(c, ink) >= READABLE
        })
        .unwrap_or_else(|| hex(toward))
}

/// The host's accent as light pages use it: darkened just enough to read on them.
pub fn for_light_pages(accent: &str) -> String {
    readable(accent, [0.0; 3], &LIGHT_BACKGROUNDS, LIGHT_ACCENT_INK)
}

/// The host's accent as dark pages use it: lightened just enough to read on them.
pub fn for_dark_pages(accent: &str) -> String {
    readable(accent, [255.0; 3], &DARK_BACKGROUNDS, DARK_ACCENT_INK)
}

/// The address of the picture that stands for someone: the one they chose (a path here, or
/// this camp's copy of one from elsewhere), or the one generated from their handle.
pub fn avatar_path(chosen: Option<&str>, handle: &str) -> String {
    match chosen {
        Some(path) if !path.is_empty() => path.to_string(),
        _ => generated_avatar_path(handle),
    }
}

/// `/avatars/{handle}.png`: a handle is letters, digits, `_`, `.`, `-` and one `@`, all safe in
/// a path.
pub fn generated_avatar_path(handle: &str) -> String {
    format!("/avatars/{handle}.png")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_are_six_hex_digits_or_refused() {
        let cases: [(&str, Option<&str>); 9] = [
            ("#2A7AB5", Some("#2a7ab5")),
            ("2a7ab5", Some("#2a7ab5")),
            ("#abc", Some("#aabbcc")),
            (" #ABC ", Some("#aabbcc")),
            ("", None),
            ("#12345", None),
            ("red", None),
            ("#2a7ab5;} body{display:none", None),
            ("#ggg", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_accent(input).ok().as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn the_accent_is_moved_only_as_far_as_reading_needs() {
        // (chosen, kept as it is on light pages, kept as it is on dark pages)
        let cases = [
            ("#2a7ab5", false, false),
            ("#1d4f7a", true, false),
            (DEFAULT_ACCENT, true, false),
            ("#ffd700", false, true),
            ("#000000", true, false),
            ("#ffffff", false, true),
            ("#808080", false, false),
        ];
        for (accent, light_kept, dark_kept) in cases {
            let light = for_light_pages(accent);
            let dark = for_dark_pages(accent);
            assert_eq!(
                light == accent,
                light_kept,
                "{accent} on light pages became {light}"
            );
            assert_eq!(
                dark == accent,
                dark_kept,
                "{accent} on dark pages became {dark}"
            );
            for bg in LIGHT_BACKGROUNDS {
                assert!(contrast(&light, bg) >= READABLE, "{light} on {bg}");
            }
            assert!(
                contrast(&light, LIGHT_ACCENT_INK) >= READABLE,
                "{light} under white"
            );
            for bg in DARK_BACKGROUNDS {
                assert!(contrast(&dark, bg) >= READABLE, "{dark} on {bg}");
            }
            assert!(
                contrast(&dark, DARK_ACCENT_INK) >= READABLE,
                "{dark} under dark ink"
            );
        }
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    }

    #[test]
    fn a_chosen_picture_wins_over_the_generated_one() {
        let cases = [
            (Some("/files/a.jpg"), "ken", "/files/a.jpg"),
            (Some(""), "ken", "/avatars/ken.png"),
            (None, "ken", "/avatars/ken.png"),
            (
                None,
                "mia@elsewhere.example",
                "/avatars/mia@elsewhere.example.png",
            ),
        ];
        for (chosen, handle, expected) in cases {
            assert_eq!(avatar_path(chosen, handle), expected);
        }
    }
}
