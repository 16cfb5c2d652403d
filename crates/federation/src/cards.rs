//! Link previews: the first link of a post gets a card (title, description, picture) from what
//! the linked page says of itself, fetched once through the SSRF guard with a size and time cap,
//! and kept for every post that links there. Links to this camp itself are never previewed: a
//! preview could show a camp-only post's words to whoever sees the link.

use crate::markup::{self, Item, Kind};
use porchlight_core::views::Card;
use porchlight_db::cards as store;
use porchlight_db::{Db, now};

use crate::{FedError, Federation};

/// At most this much of a page is read for its preview.
pub const MAX_PAGE_BYTES: usize = 512 * 1024;
/// A link that failed this often shows no preview.
const MAX_ATTEMPTS: u32 = 3;

/// What one pass over some HTML found: its anchors, its `<meta>` tags and its title.
#[derive(Default)]
struct Found {
    /// href, class, rel, and the text of each anchor.
    anchors: Vec<(String, String, String, String)>,
    metas: Vec<(String, String)>,
    title: String,
}

fn scan(html: &str) -> Found {
    let mut found = Found::default();
    let (mut in_anchor, mut in_title) = (false, false);
    for token in markup::tokens(html) {
        match token {
            Item::TagToken(tag) => match (tag.kind, &*tag.name) {
                (Kind::StartTag, "a") => {
                    found.anchors.push((
                        markup::attr(&tag, "href"),
                        markup::attr(&tag, "class"),
                        markup::attr(&tag, "rel"),
                        String::new(),
                    ));
                    in_anchor = true;
                }
                (Kind::EndTag, "a") => in_anchor = false,
                (Kind::StartTag, "meta") => {
                    let key = [markup::attr(&tag, "property"), markup::attr(&tag, "name")]
                        .into_iter()
                        .find(|k| !k.is_empty())
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if !key.is_empty() {
                        found.metas.push((key, markup::attr(&tag, "content")));
                    }
                }
                (Kind::StartTag, "title") => in_title = found.title.is_empty(),
                (Kind::EndTag, "title") => in_title = false,
                _ => {}
            },
            Item::CharacterTokens(text) => {
                if in_title {
                    found.title.push_str(&text);
                }
                if in_anchor && let Some(anchor) = found.anchors.last_mut() {
                    anchor.3.push_str(&text);
                }
            }
            _ => {}
        }
    }
    found
}

/// The first link of a post's HTML worth a preview: http(s), and not a mention or a hashtag
/// (by their class or rel, or text that starts with `@` or `#`, as other servers mark them).
pub fn first_link(html: &str) -> Option<String> {
    scan(html)
        .anchors
        .into_iter()
        .find(|(href, class, rel, text)| {
            (href.starts_with("https://") || href.starts_with("http://"))
                && !class
                    .split_whitespace()
                    .any(|c| c == "mention" || c == "hashtag")
                && !rel.split_whitespace().any(|r| r == "tag")
                && !text.trim_start().starts_with(['@', '#'])
        })
        .map(|(href, ..)| href)
}

/// A page's preview from its Open Graph tags (or its title and description), if it has a title.
pub fn read_page(html: &str, page: &url::Url) -> Option<Card> {
    let found = scan(html);
    let meta = |names: &[&str]| {
        names.iter().find_map(|name| {
            found
                .metas
                .iter()
                .find(|(k, v)| k == name && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
        })
    };
    let clip = |text: String, most: usize| -> String {
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        text.chars().take(most).collect()
    };
    let title = meta(&["og:title", "twitter:title"])
        .or_else(|| Some(found.title.clone()).filter(|t| !t.trim().is_empty()))?;
    let image = meta(&["og:image", "og:image:url", "twitter:image"])
        .and_then(|src| page.join(&src).ok())
        .filter(|u| matches!(u.scheme(), "https" | "http"))
        .map(|u| u.to_string());
    Some(Card {
        url: page.to_string(),
        title: clip(title, 200),
        description: clip(
            meta(&["og:description", "twitter:description", "description"]).unwrap_or_default(),
            400,
        ),
        image_url: image,
        image_proxy: String::new(),
        site: clip(
            meta(&["og:site_name"]).unwrap_or_else(|| page.host_str().unwrap_or("").to_string()),
            100,
        ),
    })
}

/// Fetches the previews of links waiting for one (a few at a time).
pub fn fetch_waiting(fed: &Federation, db: &Db) -> Result<(), FedError> {
    for (link, attempts) in db.read(|c| store::waiting(c, now(), 4))? {
        let own = crate::ap::inbound::same_origin(&link, &fed.me.base_url);
        let outcome = if own {
            Ok(None)
        } else {
            fed.client
                .get_page(&link, MAX_PAGE_BYTES)
                .map(|(html, at)| {
                    url::Url::parse(&link)
                        .ok()
                        .and_then(|page| read_page(&html, &at.unwrap_or(page)))
                        .map(|card| Card {
                            url: link.clone(),
                            ..card
                        })
                })
        };
        db.write(|tx| match outcome {
            Ok(Some(card)) => store::ready(tx, &card, now()),
            Ok(None) => store::nothing(tx, &link, now()),
            Err(e) if e.is_temporary() && attempts + 1 < MAX_ATTEMPTS => {
                log::info!("link preview of {link}: {e}; trying again later");
                store::later(tx, &link, now() + crate::workers::backoff(attempts + 1, 0))
            }
            Err(e) => {
                log::info!("no link preview of {link}: {e}");
                store::nothing(tx, &link, now())
            }
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_link_is_not_a_mention_or_a_tag() {
        let cases = [
            (
                r#"<p><a class="mention" href="https://a.example/@x">@x</a> see <a href="https://news.example/a">news</a></p>"#,
                Some("https://news.example/a"),
            ),
            (
                r#"<p><a href="https://a.example/tags/x" rel="tag">#x</a> <a href="https://b.example/">b</a></p>"#,
                Some("https://b.example/"),
            ),
            // Stripped of classes by a sanitizer, a mention is still known by its text.
            (
                r#"<p><a href="https://a.example/@x">@<span>x</span></a></p>"#,
                None,
            ),
            (r#"<p><a href="mailto:x@a.example">mail</a></p>"#, None),
            ("<p>no links</p>", None),
        ];
        for (html, expected) in cases {
            assert_eq!(first_link(html).as_deref(), expected, "{html}");
        }
    }

    #[test]
    fn a_page_says_what_it_is_by_its_tags() {
        let page = url::Url::parse("https://news.example/2026/lake").unwrap();
        let html = r#"<!doctype html><html><head><title>Ignored title</title>
            <script>if (a < b) { document.write("<meta property='og:title' content='nope'>") }</script>
            <meta property="og:title" content="  The lake
              is warm ">
            <meta name="description" content="A plain description">
            <meta property="og:description" content="Swimming season opens">
            <meta property="og:image" content="/pics/lake.jpg">
            <meta property="og:site_name" content="Lake News">
            </head><body>…</body></html>"#;
        let card = read_page(html, &page).unwrap();
        assert_eq!(card.title, "The lake is warm");
        assert_eq!(card.description, "Swimming season opens");
        assert_eq!(
            card.image_url.as_deref(),
            Some("https://news.example/pics/lake.jpg")
        );
        assert_eq!(card.site, "Lake News");
        // The title alone will do; nothing at all is no preview.
        let plain = read_page("<title>Just a title</title>", &page).unwrap();
        assert_eq!(
            (plain.title.as_str(), plain.site.as_str()),
            ("Just a title", "news.example")
        );
        assert_eq!(read_page("<p>nothing here</p>", &page), None);
    }
}
