//! Keyword filters (Mastodon's filters v2): a member hides or flags posts that contain words
//! they would rather not meet, in the places they choose.

/// Filters one member may have.
pub const MAX_FILTERS: usize = 100;

/// Keywords in one filter.
pub const MAX_KEYWORDS: usize = 100;

/// The longest title or keyword, in characters.
pub const MAX_TEXT: usize = 100;

/// Where a filter applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    Home,
    Notifications,
    Public,
    Thread,
    Account,
}

impl Context {
    pub const ALL: [Context; 5] = [
        Context::Home,
        Context::Notifications,
        Context::Public,
        Context::Thread,
        Context::Account,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Context::Home => "home",
            Context::Notifications => "notifications",
            Context::Public => "public",
            Context::Thread => "thread",
            Context::Account => "account",
        }
    }

    pub fn parse(text: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// What a matching post becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Shown behind a warning that names the filter.
    Warn,
    /// Left out.
    Hide,
    /// Its pictures blurred (apps do it; the server only says so).
    Blur,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Warn => "warn",
            Action::Hide => "hide",
            Action::Blur => "blur",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        [Action::Warn, Action::Hide, Action::Blur]
            .into_iter()
            .find(|a| a.as_str() == text)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum FilterError {
    NoTitle,
    TooLong { what: &'static str, max: usize },
    NoContext,
    BadContext(String),
    BadAction(String),
    EmptyKeyword,
    TooMany { what: &'static str, max: usize },
}

impl std::fmt::Display for FilterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FilterError::NoTitle => write!(f, "A filter needs a title."),
            FilterError::TooLong { what, max } => {
                write!(f, "{what} can have at most {max} characters.")
            }
            FilterError::NoContext => write!(
                f,
                "Say where the filter applies: home, notifications, public, thread or account."
            ),
            FilterError::BadContext(c) => write!(
                f,
                "\"{c}\" is not a place a filter applies; it is home, notifications, public, \
                 thread or account."
            ),
            FilterError::BadAction(a) => write!(
                f,
                "\"{a}\" is not what a filter does; it is warn, hide or blur."
            ),
            FilterError::EmptyKeyword => write!(f, "A keyword cannot be empty."),
            FilterError::TooMany { what, max } => write!(f, "At most {max} {what}."),
        }
    }
}

impl std::error::Error for FilterError {}

/// A title or keyword, trimmed and checked.
pub fn check_text(what: &'static str, text: &str) -> Result<String, FilterError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(if what == "A title" {
            FilterError::NoTitle
        } else {
            FilterError::EmptyKeyword
        });
    }
    if text.chars().count() > MAX_TEXT {
        return Err(FilterError::TooLong {
            what,
            max: MAX_TEXT,
        });
    }
    Ok(text.to_string())
}

/// The contexts as sent, checked (at least one, each known; repeats count once).
pub fn check_contexts(sent: &[String]) -> Result<Vec<Context>, FilterError> {
    let mut contexts = Vec::new();
    for c in sent {
        let context = Context::parse(c).ok_or_else(|| FilterError::BadContext(c.clone()))?;
        if !contexts.contains(&context) {
            contexts.push(context);
        }
    }
    if contexts.is_empty() {
        return Err(FilterError::NoContext);
    }
    Ok(contexts)
}

/// Whether `keyword` occurs in `text`, ignoring case; a whole word only if `whole_word` (its
/// ends may not touch a letter or digit, as Mastodon matches).
pub fn matches(keyword: &str, whole_word: bool, text: &str) -> bool {
    let keyword = keyword.trim().to_lowercase();
    if keyword.is_empty() {
        return false;
    }
    let text = text.to_lowercase();
    let word_char = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut from = 0;
    while let Some(found) = text[from..].find(&keyword) {
        let start = from + found;
        let end = start + keyword.len();
        if !whole_word {
            return true;
        }
        let before = text[..start].chars().next_back();
        let after = text[end..].chars().next();
        // A keyword that itself starts or ends with a non-word character needs no boundary
        // there.
        let starts_word = word_char(keyword.chars().next());
        let ends_word = word_char(keyword.chars().next_back());
        let glued = (starts_word && word_char(before)) || (ends_word && word_char(after));
        if !glued {
            return true;
        }
        from = start + text[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_as_mastodon_does() {
        let cases: &[(&str, bool, &str, bool)] = &[
            ("dune", true, "Reading Dune tonight", true),
            ("dune", true, "the dunes are high", false),
            ("dune", false, "the dunes are high", true),
            ("DUNE", true, "#dune club", true),
            ("spoiler", true, "no spoilers here", false),
            ("spoiler", true, "spoiler: he dies", true),
            ("#dune", true, "talking about #dune!", true),
            ("é", true, "café au lait", false),
            ("café", true, "un café, merci", true),
            ("", true, "anything", false),
            ("cat", true, "cat cat", true),
            ("cat", true, "concat cat", true),
            ("cat", true, "concat catalog", false),
        ];
        for (keyword, whole, text, want) in cases {
            assert_eq!(
                matches(keyword, *whole, text),
                *want,
                "{keyword:?} in {text:?}"
            );
        }
    }

    #[test]
    fn titles_contexts_and_actions() {
        assert_eq!(check_text("A title", "  Spoilers "), Ok("Spoilers".into()));
        assert_eq!(check_text("A title", " "), Err(FilterError::NoTitle));
        assert_eq!(check_text("A keyword", ""), Err(FilterError::EmptyKeyword));
        assert_eq!(
            check_text("A keyword", &"k".repeat(101)),
            Err(FilterError::TooLong {
                what: "A keyword",
                max: 100
            })
        );
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            check_contexts(&s(&["home", "public", "home"])),
            Ok(vec![Context::Home, Context::Public])
        );
        assert_eq!(check_contexts(&[]), Err(FilterError::NoContext));
        assert_eq!(
            check_contexts(&s(&["everywhere"])),
            Err(FilterError::BadContext("everywhere".into()))
        );
        for a in ["warn", "hide", "blur"] {
            assert_eq!(Action::parse(a).map(Action::as_str), Some(a));
        }
        assert_eq!(Action::parse("delete"), None);
    }
}
