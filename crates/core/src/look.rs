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

/// Whether white text reads well on `accent` (`#rrggbb`): its relative luminance (WCAG) is
/// low enough for a contrast of at least 4.5 to 1 against white.
pub fn white_reads_on(accent: &str) -> bool {
    let channel = |i: usize| {
        let v =
            f64::from(u8::from_str_radix(accent.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0))
                / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    1.05 / (luminance + 0.05) >= 4.5
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
    fn white_text_reads_on_dark_accents_only() {
        let cases = [
            ("#000000", true),
            (DEFAULT_ACCENT, true),
            ("#2a7ab5", true),
            ("#ffffff", false),
            ("#ffd700", false),
            ("#88ccff", false),
        ];
        for (accent, expected) in cases {
            assert_eq!(white_reads_on(accent), expected, "{accent}");
        }
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
