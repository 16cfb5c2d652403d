//! Where a page may send a browser back to: after logging in (`next`) and after a button press
//! (`back`). One allow-list check for both, because a check written twice drifted apart once
//! (both copies let `/\t/evil.example` through; browsers drop the tab and go to
//! `//evil.example`, another site).

/// `path` if it is a path on this site that every browser reads as one: a single `/`, then
/// anything but `/` or `\` (which browsers read as the start of another site's address), and
/// only visible ASCII throughout (browsers silently drop tabs and line breaks, which can turn
/// `/\t/x` into `//x`, and a header cannot carry anything else).
pub fn safe_local_path(path: &str) -> Option<&str> {
    let bytes = path.as_bytes();
    let visible = |b: &u8| (0x21..=0x7e).contains(b) && *b != b'\\';
    let ok = bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/'))
        && path.len() <= 2048
        && bytes.iter().all(visible);
    ok.then_some(path)
}

#[cfg(test)]
mod tests {
    use super::safe_local_path;

    #[test]
    fn only_paths_on_this_site_pass() {
        let cases: &[(&str, bool)] = &[
            ("/", true),
            ("/posts/12", true),
            ("/search?q=a%20b&x=1#top", true),
            ("/%09/evil.example", true), // stays a path on this site: nothing decodes it
            ("/@ana@camp.example", true),
            (
                "/oauth/authorize?client_id=x&redirect_uri=https%3A%2F%2Fapp",
                true,
            ),
            ("", false),
            ("posts/12", false),
            ("https://evil.example", false),
            ("//evil.example", false),
            ("///evil.example", false),
            ("/\\evil.example", false),
            ("/\\/evil.example", false),
            ("\\\\evil.example", false),
            ("/\t/evil.example", false),
            ("/\n/evil.example", false),
            ("/\r/evil.example", false),
            ("\t//evil.example", false),
            (" //evil.example", false),
            ("/ /evil.example", false),
            ("/posts/1\r\nSet-Cookie: a=b", false),
            ("/posts/\u{0}", false),
            ("/posts/\u{7f}", false),
            ("/tags/café", false),
            ("/\u{2028}/evil.example", false),
            ("/\u{3000}/evil.example", false),
            ("/posts/1\\..\\..", false),
            ("javascript:alert(1)", false),
            ("/javascript:alert(1)", true), // a path on this site, however odd
        ];
        for (path, expected) in cases {
            assert_eq!(
                safe_local_path(path).is_some(),
                *expected,
                "{path:?} should {}be allowed",
                if *expected { "" } else { "not " }
            );
        }
        let long = format!("/{}", "a".repeat(2048));
        assert_eq!(safe_local_path(&long), None, "an absurdly long path");
    }
}
