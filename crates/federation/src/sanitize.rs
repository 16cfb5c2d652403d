//! Remote HTML, made safe to show as Mastodon shows it: the tags Mastodon keeps (paragraphs,
//! line breaks, links, emphasis, code, quotes, lists, ruby), the classes that mean something
//! (`mention`, `hashtag`, `invisible`, `ellipsis`), links that open as plain links, and nothing
//! that runs or loads. What other servers send beyond that is made readable first: a heading
//! becomes a paragraph in bold, as in Mastodon; a block (a `div`, a table's row, `details`, a
//! definition) its own paragraph; a table's cells are kept apart by a space; inline tags
//! (`small`, `sup`, `sub`, `mark`, `abbr`…) give their text. Scripts and styles go with their
//! contents.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::markup::{self, Item, Kind};

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
            "ruby",
            "rt",
            "rp",
        ]))
        .generic_attributes(HashSet::from(["lang"]))
        .tag_attributes(HashMap::from([
            ("a", HashSet::from(["href"])),
            ("ol", HashSet::from(["start", "reversed"])),
            ("li", HashSet::from(["value"])),
        ]))
        // Mastodon marks mentions and hashtags, and shortens long links with these.
        .allowed_classes(HashMap::from([
            // Mastodon's line naming a quoted post, which apps that show quotes hide.
            ("p", HashSet::from(["quote-inline"])),
            ("a", HashSet::from(["mention", "hashtag"])),
            (
                "span",
                HashSet::from(["mention", "hashtag", "invisible", "ellipsis"]),
            ),
        ]))
        .url_schemes(HashSet::from(["http", "https"]))
        .link_rel(Some("nofollow noopener noreferrer ugc"))
        .url_relative(ammonia::UrlRelative::Deny);
        b
    })
}

/// Block elements that are not kept, each shown as a paragraph of its own.
const BLOCKS: &[&str] = &[
    "div",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "nav",
    "main",
    "figure",
    "figcaption",
    "address",
    "details",
    "summary",
    "table",
    "caption",
    "tr",
    "dl",
    "dt",
    "dd",
    "hgroup",
    "center",
    "hr",
];

fn escape_into(out: &mut String, text: &str, in_attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if in_attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

/// The same HTML with what is not kept made readable (see the top of this file).
fn readable(remote: &str) -> String {
    let mut out = String::with_capacity(remote.len());
    // Inside an element whose contents go (its name).
    let mut skipping: Option<String> = None;
    for token in markup::tokens(remote) {
        if let Some(skipped) = &skipping {
            if let Item::TagToken(tag) = &token
                && tag.kind == Kind::EndTag
                && &*tag.name == skipped.as_str()
            {
                skipping = None;
            }
            continue;
        }
        match token {
            Item::TagToken(tag) => {
                let name: &str = &tag.name;
                let start = tag.kind == Kind::StartTag;
                if start && markup::hides_contents(name) {
                    skipping = Some(name.to_string());
                    continue;
                }
                match name {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                        out.push_str(if start {
                            "<p><strong>"
                        } else {
                            "</strong></p>"
                        });
                    }
                    _ if BLOCKS.contains(&name) => out.push_str(if start { "<p>" } else { "</p>" }),
                    "td" | "th" => {
                        if !start {
                            out.push(' ');
                        }
                    }
                    _ => {
                        out.push_str(if start { "<" } else { "</" });
                        out.push_str(name);
                        if start {
                            for a in &tag.attrs {
                                out.push(' ');
                                out.push_str(&a.name.local);
                                out.push_str("=\"");
                                escape_into(&mut out, &a.value, true);
                                out.push('"');
                            }
                        }
                        out.push('>');
                    }
                }
            }
            Item::CharacterTokens(text) => escape_into(&mut out, &text, false),
            _ => {}
        }
    }
    out
}

/// Sanitized HTML of a remote post or bio.
pub fn html(remote: &str) -> String {
    let mut clean = cleaner().clean(&readable(remote)).to_string();
    // A class none of whose names is kept leaves an empty attribute.
    while clean.contains(" class=\"\"") {
        clean = clean.replace(" class=\"\"", "");
    }
    without_blank_paragraphs(&clean)
}

/// Blocks inside blocks leave paragraphs with nothing but white space in them: they go.
fn without_blank_paragraphs(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<p>") {
        let after = &rest[start + 3..];
        let blank = after.len() - after.trim_start().len();
        if after[blank..].starts_with("</p>") {
            out.push_str(&rest[..start]);
            rest = &after[blank + 4..];
        } else {
            out.push_str(&rest[..start + 3]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The plain text of remote HTML (for search and content warnings), entities decoded.
pub fn text(remote: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    let spaced = readable(remote)
        .replace("</p>", "</p>\n")
        .replace("<br", "\n<br");
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
        assert!(clean.contains("class=\"mention\""), "{clean}");
    }

    /// (sent, shown): what other servers send beyond Mastodon's tags stays readable.
    #[test]
    fn html_as_mastodon_keeps_it() {
        let table = [
            (
                "<h1>h1</h1><h2>h2</h2>",
                "<p><strong>h1</strong></p><p><strong>h2</strong></p>",
            ),
            ("<h6>six</h6>text", "<p><strong>six</strong></p>text"),
            (
                "<p>a<small>small</small> x<sup>2</sup> H<sub>2</sub>O <mark>marked</mark></p>",
                "<p>asmall x2 H2O marked</p>",
            ),
            (
                "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>",
                "<p>a b </p><p>1 2 </p>",
            ),
            (
                "<details><summary>more</summary>hidden words</details>",
                "<p>more</p>hidden words",
            ),
            ("<div>one</div><div>two</div>", "<p>one</p><p>two</p>"),
            ("<div><p>inside</p></div>", "<p>inside</p>"),
            (
                "<dl><dt>term</dt><dd>meaning</dd></dl>",
                "<p>term</p><p>meaning</p>",
            ),
            ("<dl>\n  <dt>term</dt>\n</dl>\n", "<p>term</p>\n\n"),
            ("<p> a </p><p>\n</p>", "<p> a </p>"),
            (
                "<p>a<script>alert(1)</script>b<style>p{}</style>c</p>",
                "<p>abc</p>",
            ),
            ("<p>1 &lt; 2 &amp; 3</p>", "<p>1 &lt; 2 &amp; 3</p>"),
            ("<!-- a comment --><p>x</p>", "<p>x</p>"),
            (
                "<ol start=\"3\" reversed><li value=\"7\">x</li></ol>",
                "<ol start=\"3\" reversed=\"\"><li value=\"7\">x</li></ol>",
            ),
            (
                "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>",
                "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>",
            ),
            ("<p lang=\"fr\">bonjour</p>", "<p lang=\"fr\">bonjour</p>"),
            (
                "<p class=\"quote-inline fancy\">RE: x</p>",
                "<p class=\"quote-inline\">RE: x</p>",
            ),
            (
                "<a href=\"https://x.example\" class=\"fancy\">x</a>",
                "<a href=\"https://x.example\" rel=\"nofollow noopener noreferrer ugc\">x</a>",
            ),
            (
                "<a href=\"https://x.example\" class=\"hashtag fancy\">#x</a>",
                "<a href=\"https://x.example\" class=\"hashtag\" rel=\"nofollow noopener noreferrer ugc\">#x</a>",
            ),
            (
                "<span class=\"invisible\">https://</span><span class=\"ellipsis\">long</span>",
                "<span class=\"invisible\">https://</span><span class=\"ellipsis\">long</span>",
            ),
            (
                "<p>a<img src=\"https://t.example/p.png\" alt=\"cat\">b</p>",
                "<p>ab</p>",
            ),
            ("<p title=\"a&quot;b\">q</p>", "<p>q</p>"),
            (
                "<b>bold</b> <i>it</i> <code>c</code> <pre>p</pre> <blockquote>q</blockquote>",
                "<b>bold</b> <i>it</i> <code>c</code> <pre>p</pre> <blockquote>q</blockquote>",
            ),
        ];
        let mut wrong = Vec::new();
        for (sent, want) in table {
            let got = html(sent);
            if got != want {
                wrong.push(format!("{sent}\n  want {want}\n  got  {got}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn text_keeps_blocks_apart() {
        assert_eq!(text("<h1>h1</h1><h2>h2</h2>"), "h1\nh2");
        assert_eq!(text("<img src=\"https://t.example/p.png\">"), "");
    }

    #[test]
    fn text_is_plain() {
        assert_eq!(text("<p>a &amp; b</p><p>c&lt;d</p>"), "a & b\nc<d");
    }
}
