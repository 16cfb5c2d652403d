//! Remote HTML, made safe to show: an allow-list of tags and attributes (ammonia), links that
//! open as plain links, and nothing that runs or loads.

use std::collections::HashSet;
use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.tags(HashSet::from([
            "p",
            "br",
            "a",
            "span",
            "strong",
            "b",
            "em",
            "i",
            "u",
            "del",
            "s",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
        ]))
        .tag_attributes(std::collections::HashMap::from([(
            "a",
            HashSet::from(["href"]),
        )]))
        // Mastodon marks mentions and hashtags with these classes; keep them for styling.
        .allowed_classes(std::collections::HashMap::from([
            ("a", HashSet::from(["mention", "hashtag", "u-url"])),
            ("span", HashSet::from(["h-card", "invisible", "ellipsis"])),
        ]))
        .url_schemes(HashSet::from(["http", "https"]))
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .url_relative(ammonia::UrlRelative::Deny);
        b
    })
}

/// Sanitized HTML of a remote post or bio.
pub fn html(remote: &str) -> String {
    cleaner().clean(remote).to_string()
}

/// The plain text of remote HTML (for search and content warnings), entities decoded.
pub fn text(remote: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let spaced = remote.replace("</p>", "</p>\n").replace("<br", "\n<br");
    for c in spaced.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_styles_and_odd_links_go() {
        let dirty = r#"<p onclick="x()">hi <script>alert(1)</script><a href="javascript:alert(1)">a</a> <a href="https://o.example/@bo" class="u-url mention" style="x">@bo</a><img src="https://t.example/p.png"><iframe src="https://e"></iframe></p>"#;
        let clean = html(dirty);
        assert!(
            !clean.contains("script")
                && !clean.contains("onclick")
                && !clean.contains("javascript")
        );
        assert!(!clean.contains("img") && !clean.contains("iframe") && !clean.contains("style"));
        assert!(clean.contains(r#"href="https://o.example/@bo""#), "{clean}");
        assert!(clean.contains("rel=\"nofollow noopener noreferrer ugc\""));
        assert!(clean.contains("class=\"u-url mention\""));
    }

    #[test]
    fn text_is_plain() {
        assert_eq!(text("<p>a &amp; b</p><p>c&lt;d</p>"), "a & b\nc<d");
    }
}
