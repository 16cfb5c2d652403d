//! Post text: length rules, and turning what a camper typed into safe HTML in which mentions,
//! hashtags and links are links. Everything that is not one of those is escaped, so no markup a
//! camper types ever reaches a page as markup.

use std::fmt;

/// What a post's text became.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedText {
    /// Safe HTML: paragraphs, line breaks and links only.
    pub html: String,
    /// Accounts mentioned, each once, in order of first appearance: a member's username
    /// (`ana`), or `name@server` for someone elsewhere (both lower case).
    pub mentions: Vec<String>,
    /// Hashtags (lower case, each once).
    pub tags: Vec<String>,
    /// Links, in order (the first gets a preview).
    pub links: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextError {
    Empty,
    TooLong { max: usize, got: usize },
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::Empty => write!(f, "A post needs some text."),
            TextError::TooLong { max, got } => write!(
                f,
                "This post has {got} characters; the limit is {max}. Please shorten it by {}.",
                got - max
            ),
        }
    }
}

impl std::error::Error for TextError {}

/// Characters as a camper counts them (and as the page's counter counts them: code points).
pub fn char_count(s: &str) -> usize {
    s.chars().count()
}

/// A post's text and content warning together must fit the limit; the text may not be blank.
pub fn check_post_length(text: &str, content_warning: &str, max: usize) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    let got = char_count(text.trim()) + char_count(content_warning.trim());
    if got > max {
        return Err(TextError::TooLong { max, got });
    }
    Ok(())
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.'
}

/// Turns post text into safe HTML. `is_known` says whether a mention names a known account: a
/// member here (`ana`) or someone elsewhere (`bo@server.example`), lower case. Only those become
/// links and are recorded.
pub fn render_post(text: &str, is_local_member: impl Fn(&str) -> bool) -> RenderedText {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = RenderedText::default();
    let paragraphs: Vec<&str> = text
        .split("\n\n")
        .map(|p| p.trim_matches('\n'))
        .filter(|p| !p.trim().is_empty())
        .collect();
    for paragraph in paragraphs {
        out.html.push_str("<p>");
        for (i, line) in paragraph.split('\n').enumerate() {
            if i > 0 {
                out.html.push_str("<br>");
            }
            render_line(line, &is_local_member, &mut out);
        }
        out.html.push_str("</p>");
    }
    out
}

fn render_line(line: &str, is_local_member: &impl Fn(&str) -> bool, out: &mut RenderedText) {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut i = 0;
    // Plain text is copied in runs, escaped at once.
    let mut plain_start = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let prev = if i == 0 { None } else { Some(chars[i - 1].1) };
        let boundary = prev.is_none_or(|p| !is_name_char(p));
        let rest = &line[at..];
        let token = if boundary && (rest.starts_with("https://") || rest.starts_with("http://")) {
            link_token(rest)
        } else if c == '@' && boundary && prev != Some('@') {
            mention_token(rest, is_local_member)
        } else if c == '#' && boundary && prev != Some('&') {
            tag_token(rest)
        } else {
            None
        };
        match token {
            Some(token) => {
                push_escaped(&mut out.html, &line[plain_start..at]);
                match &token {
                    Token::Link(url) => {
                        out.links.push(url.clone());
                        let display = url
                            .trim_start_matches("https://")
                            .trim_start_matches("http://");
                        out.html.push_str("<a href=\"");
                        push_escaped(&mut out.html, url);
                        out.html
                            .push_str("\" rel=\"nofollow noopener noreferrer\">");
                        push_escaped(&mut out.html, display);
                        out.html.push_str("</a>");
                    }
                    Token::Mention(name, _) => {
                        out.html.push_str("<a class=\"mention\" href=\"/@");
                        push_escaped(&mut out.html, name);
                        out.html.push_str("\">@");
                        push_escaped(&mut out.html, name);
                        out.html.push_str("</a>");
                        if !out.mentions.contains(name) {
                            out.mentions.push(name.clone());
                        }
                    }
                    Token::Tag(shown) => {
                        let tag = shown.to_lowercase();
                        out.html.push_str("<a class=\"hashtag\" href=\"/tags/");
                        push_escaped(&mut out.html, &tag);
                        out.html.push_str("\">#");
                        push_escaped(&mut out.html, shown);
                        out.html.push_str("</a>");
                        if !out.tags.contains(&tag) {
                            out.tags.push(tag);
                        }
                    }
                }
                let consumed = token.source_len();
                let end = at + consumed;
                while i < chars.len() && chars[i].0 < end {
                    i += 1;
                }
                plain_start = end;
            }
            None => i += 1,
        }
    }
    push_escaped(&mut out.html, &line[plain_start..]);
}

enum Token {
    Link(String),
    /// The handle, and how many bytes of the source it took.
    Mention(String, usize),
    Tag(String),
}

impl Token {
    /// How many bytes of the source the token took.
    fn source_len(&self) -> usize {
        match self {
            Token::Link(url) => url.len(),
            Token::Mention(_, len) => *len,
            Token::Tag(shown) => 1 + shown.len(),
        }
    }
}

fn link_token(rest: &str) -> Option<Token> {
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
        .unwrap_or(rest.len());
    let mut url = &rest[..end];
    // Sentence punctuation after a link is not part of it; a closing bracket is, when the link
    // opened one (as Wikipedia links do).
    loop {
        let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '\'']);
        let unbalanced = trimmed.matches(')').count() > trimmed.matches('(').count();
        let trimmed = if trimmed.ends_with(')') && unbalanced {
            &trimmed[..trimmed.len() - 1]
        } else {
            trimmed
        };
        if trimmed.len() == url.len() {
            break;
        }
        url = trimmed;
    }
    let host = url.split("://").nth(1).unwrap_or("");
    if host.is_empty() || host.starts_with('/') {
        return None;
    }
    Some(Token::Link(url.to_string()))
}

fn mention_token(rest: &str, is_local_member: &impl Fn(&str) -> bool) -> Option<Token> {
    let name_len = rest[1..]
        .find(|c: char| !is_name_char(c))
        .unwrap_or(rest.len() - 1);
    if name_len == 0 {
        return None;
    }
    let name = rest[1..1 + name_len].to_ascii_lowercase();
    let after = &rest[1 + name_len..];
    // `@name@server` (with a port, on test servers) names someone elsewhere.
    if let Some(host) = after.strip_prefix('@')
        && host.starts_with(is_domain_char)
    {
        let host_len = host
            .find(|c: char| !is_domain_char(c))
            .unwrap_or(host.len());
        let mut server = &host[..host_len];
        let mut port_len = 0;
        if let Some(port) = host[host_len..].strip_prefix(':') {
            port_len = port
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(port.len());
            if port_len > 0 {
                port_len += 1;
            }
        }
        // A full stop after the server ends the sentence.
        if port_len == 0 {
            server = server.trim_end_matches(['.', '-']);
        }
        if !server.contains('.') && port_len == 0 {
            return None;
        }
        let server_text = &host[..server.len() + port_len];
        let handle = format!("{name}@{}", server_text.to_ascii_lowercase());
        let len = 1 + name_len + 1 + server_text.len();
        return is_local_member(&handle).then_some(Token::Mention(handle, len));
    }
    is_local_member(&name).then_some(Token::Mention(name, 1 + name_len))
}

fn tag_token(rest: &str) -> Option<Token> {
    let len = rest[1..]
        .find(|c: char| !is_tag_char(c))
        .unwrap_or(rest.len() - 1);
    let tag = &rest[1..1 + len];
    // `#1` is a number, not a topic.
    if tag.is_empty() || tag.chars().all(|c| c.is_ascii_digit()) || tag.chars().count() > 100 {
        return None;
    }
    Some(Token::Tag(tag.to_string()))
}

/// The `name@server` mentions of people elsewhere in a text (lower case, each once), so that
/// they can be looked up before the post is written.
pub fn remote_mentions(text: &str) -> Vec<String> {
    let found = std::cell::RefCell::new(Vec::<String>::new());
    render_post(text, |handle| {
        let mut found = found.borrow_mut();
        if handle.contains('@') && !found.iter().any(|h| h == handle) {
            found.push(handle.to_string());
        }
        false
    });
    found.into_inner()
}

/// A short plain-text excerpt (for page titles and notifications).
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if char_count(&flat) <= max_chars {
        flat
    } else {
        let cut: String = flat.chars().take(max_chars.saturating_sub(1)).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Normalizes a hashtag from a URL or a search box: without `#`, lower case.
pub fn normalize_tag(tag: &str) -> Option<String> {
    let tag = tag.trim().trim_start_matches('#');
    if tag.is_empty() || !tag.chars().all(is_tag_char) || tag.chars().count() > 100 {
        return None;
    }
    Some(tag.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str) -> RenderedText {
        render_post(text, |name| {
            ["ana", "bo_b", "zed@far.example", "lu@127.0.0.1:4000"].contains(&name)
        })
    }

    #[test]
    fn rendering() {
        let cases: &[(&str, &str)] = &[
            ("hello", "<p>hello</p>"),
            ("a\nb", "<p>a<br>b</p>"),
            ("a\n\n\nb", "<p>a</p><p>b</p>"),
            ("a\r\nb", "<p>a<br>b</p>"),
            (
                "<script>alert('x')</script>",
                "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>",
            ),
            ("Tom & Jerry", "<p>Tom &amp; Jerry</p>"),
            (
                "hi @ana!",
                "<p>hi <a class=\"mention\" href=\"/@ana\">@ana</a>!</p>",
            ),
            (
                "hi @Ana",
                "<p>hi <a class=\"mention\" href=\"/@ana\">@ana</a></p>",
            ),
            ("hi @nobody", "<p>hi @nobody</p>"),
            ("mail ana@ana.example", "<p>mail ana@ana.example</p>"),
            ("@ana@remote.example hi", "<p>@ana@remote.example hi</p>"),
            (
                "hi @Zed@Far.Example.",
                "<p>hi <a class=\"mention\" href=\"/@zed@far.example\">@zed@far.example</a>.</p>",
            ),
            (
                "@lu@127.0.0.1:4000: yes",
                "<p><a class=\"mention\" href=\"/@lu@127.0.0.1:4000\">@lu@127.0.0.1:4000</a>: yes</p>",
            ),
            ("@zed@far", "<p>@zed@far</p>"),
            (
                "#Movie night",
                "<p><a class=\"hashtag\" href=\"/tags/movie\">#Movie</a> night</p>",
            ),
            ("issue #1", "<p>issue #1</p>"),
            ("&#39;", "<p>&amp;#39;</p>"),
            (
                "see https://example.org/a?b=1&c=2.",
                "<p>see <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow noopener noreferrer\">example.org/a?b=1&amp;c=2</a>.</p>",
            ),
            (
                "(https://en.wikipedia.org/wiki/Tent_(camping))",
                "<p>(<a href=\"https://en.wikipedia.org/wiki/Tent_(camping)\" rel=\"nofollow noopener noreferrer\">en.wikipedia.org/wiki/Tent_(camping)</a>)</p>",
            ),
            (
                "https://x.org/\"><script>",
                "<p><a href=\"https://x.org/\" rel=\"nofollow noopener noreferrer\">x.org/</a>&quot;&gt;&lt;script&gt;</p>",
            ),
            ("javascript:alert(1)", "<p>javascript:alert(1)</p>"),
            ("https://", "<p>https://</p>"),
            (
                "zoë ☕ #café",
                "<p>zoë ☕ <a class=\"hashtag\" href=\"/tags/café\">#café</a></p>",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(render(input).html, *want, "{input:?}");
        }
    }

    #[test]
    fn remote_mentions_are_found_before_they_are_known() {
        assert_eq!(
            remote_mentions("hi @zed@far.example and @Zed@far.example, @ana, @x@y"),
            vec!["zed@far.example"]
        );
    }

    #[test]
    fn mentions_and_tags_are_collected_once() {
        let r = render("@ana @bo_b @ANA #a #A #b @ghost @zed@far.example @zed@FAR.example");
        assert_eq!(r.mentions, vec!["ana", "bo_b", "zed@far.example"]);
        assert_eq!(r.tags, vec!["a", "b"]);
    }

    #[test]
    fn lengths() {
        assert_eq!(check_post_length("", "", 500), Err(TextError::Empty));
        assert_eq!(check_post_length("  \n ", "", 500), Err(TextError::Empty));
        assert!(check_post_length("hi", "", 500).is_ok());
        assert!(check_post_length(&"é".repeat(500), "", 500).is_ok());
        assert_eq!(
            check_post_length(&"é".repeat(498), "cwcw", 500),
            Err(TextError::TooLong { max: 500, got: 502 })
        );
        let msg = TextError::TooLong { max: 500, got: 502 }.to_string();
        assert!(msg.contains("by 2"), "{msg}");
    }

    #[test]
    fn excerpts_and_tags() {
        assert_eq!(excerpt("a  b\nc", 10), "a b c");
        assert_eq!(excerpt("abcdefghijkl", 5), "abcd…");
        assert_eq!(normalize_tag("#Movie"), Some("movie".into()));
        assert_eq!(normalize_tag("a b"), None);
        assert_eq!(normalize_tag(""), None);
    }
}
