//! Custom emoji: what a shortcode may be, where a text uses them, and how a post's HTML shows
//! them as pictures (only in its text, never inside a tag).

/// The longest shortcode (Mastodon allows 2 to 30 characters of letters, digits and `_`).
pub const MAX_SHORTCODE: usize = 30;
/// The largest picture a camp emoji may be.
pub const MAX_BYTES: usize = 256 * 1024;
/// A post or name shows at most this many different custom emoji (a hostile post could list
/// thousands).
pub const MAX_PER_POST: usize = 50;

/// The shortcode as given (`campfire` or `:campfire:`), or why it cannot be one.
pub fn check_shortcode(code: &str) -> Result<String, String> {
    let code = code.trim().trim_matches(':');
    if code.chars().count() < 2 || code.chars().count() > MAX_SHORTCODE {
        return Err(format!(
            "A shortcode has 2 to {MAX_SHORTCODE} letters, digits or underscores."
        ));
    }
    if !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "\"{code}\" is not a shortcode: use only letters, digits and underscores, like campfire."
        ));
    }
    Ok(code.to_string())
}

fn is_code_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether the shortcode between `start - 1` and `end` (its colons) stands alone, as Mastodon
/// reads them: not right after or before a letter, a digit or another colon (`10:30:` is a time).
fn stands_alone(bytes: &[u8], colon: usize, end: usize) -> bool {
    let apart = |b: u8| !(b.is_ascii_alphanumeric() || b == b':');
    (colon == 0 || apart(bytes[colon - 1])) && (end + 1 >= bytes.len() || apart(bytes[end + 1]))
}

/// Where each standalone `:shortcode:` is: the byte positions of its two colons. With
/// `skip_tags`, those inside a tag (`<…>`, attributes included) are left out.
fn spans(text: &str, skip_tags: bool) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut in_tag = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'<' if skip_tags => in_tag = true,
            b'>' if skip_tags => in_tag = false,
            b':' if !in_tag => {
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && is_code_char(bytes[end]) {
                    end += 1;
                }
                if end < bytes.len()
                    && bytes[end] == b':'
                    && (2..=MAX_SHORTCODE).contains(&(end - start))
                    && stands_alone(bytes, i, end)
                {
                    found.push((i, end));
                    i = end + 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// The distinct shortcodes a text uses (`:campfire:`), in order of first use.
pub fn shortcodes_in(text: &str) -> Vec<&str> {
    let mut found: Vec<&str> = Vec::new();
    for (open, close) in spans(text, false) {
        let code = &text[open + 1..close];
        if !found.contains(&code) {
            found.push(code);
        }
    }
    found.truncate(MAX_PER_POST);
    found
}

/// HTML with each `:shortcode:` in its text (not in a tag or an attribute) shown as the picture
/// `picture(shortcode)` names, if it names one. `html` is trusted HTML (ours, or cleaned): `<`
/// and `>` only ever open and close tags there. The picture's address is escaped.
pub fn show_in_html(html: &str, picture: impl Fn(&str) -> Option<String>) -> String {
    if !html.contains(':') {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let mut copied = 0;
    for (open, close) in spans(html, true) {
        let code = &html[open + 1..close];
        if let Some(src) = picture(code) {
            out.push_str(&html[copied..open]);
            out.push_str(&format!(
                "<img class=\"emoji\" src=\"{}\" alt=\":{code}:\" title=\":{code}:\" width=\"20\" height=\"20\">",
                crate::text::escape_html(&src)
            ));
            copied = close + 1;
        }
    }
    out.push_str(&html[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortcodes() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("campfire", Ok("campfire")),
            (":campfire:", Ok("campfire")),
            (" blob_cat2 ", Ok("blob_cat2")),
            ("a", Err("2 to 30")),
            (&"x".repeat(31), Err("2 to 30")),
            ("camp fire", Err("not a shortcode")),
            ("fire!", Err("not a shortcode")),
            ("fêu", Err("not a shortcode")),
        ];
        for (given, expected) in cases {
            match (check_shortcode(given), expected) {
                (Ok(c), Ok(want)) => assert_eq!(c, *want),
                (Err(e), Err(words)) => assert!(e.contains(words), "{given}: {e}"),
                (got, want) => panic!("{given}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn finding_them_in_text() {
        assert_eq!(
            shortcodes_in("by the :campfire: with :blob_cat: :campfire: at 10:30:"),
            vec!["campfire", "blob_cat"]
        );
        assert_eq!(
            shortcodes_in("a:bc: :: :x: :de::fg: https://e.example"),
            Vec::<&str>::new()
        );
        let many: String = (0..80).map(|i| format!(":e{i:02}: ")).collect();
        assert_eq!(shortcodes_in(&many).len(), MAX_PER_POST);
    }

    #[test]
    fn shown_in_text_never_in_tags() {
        let picture = |code: &str| (code == "fire").then(|| "/emoji/fire.png".to_string());
        assert_eq!(
            show_in_html("<p>warm :fire: and :ice:</p>", picture),
            "<p>warm <img class=\"emoji\" src=\"/emoji/fire.png\" alt=\":fire:\" title=\":fire:\" width=\"20\" height=\"20\"> and :ice:</p>"
        );
        // In an attribute it stays as it is.
        let link = "<p><a href=\"https://e.example/:fire:/x\" title=\":fire:\">a</a> :fire:</p>";
        let shown = show_in_html(link, picture);
        assert!(
            shown.starts_with(
                "<p><a href=\"https://e.example/:fire:/x\" title=\":fire:\">a</a> <img"
            )
        );
        assert_eq!(show_in_html("<p>no colon</p>", picture), "<p>no colon</p>");
        // An address is escaped in its attribute.
        let odd = |_: &str| Some("/a\"b".to_string());
        assert!(show_in_html(":fire:", odd).contains("src=\"/a&quot;b\""));
    }
}
