//! A member's lists: named groups of people they follow, each with its own timeline (as
//! Mastodon's lists, so the apps' list screens work).

/// Lists one member may have (as Mastodon allows).
pub const MAX_LISTS: usize = 50;

/// People on one list.
pub const MAX_LIST_MEMBERS: usize = 500;

/// The longest list title, in characters.
pub const MAX_TITLE: usize = 100;

/// Which replies a list's timeline shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepliesPolicy {
    /// Replies to anyone the member follows.
    Followed,
    /// Replies to people on the list.
    List,
    /// No replies at all.
    None,
}

impl RepliesPolicy {
    pub fn parse(text: &str) -> Option<RepliesPolicy> {
        match text {
            "followed" => Some(RepliesPolicy::Followed),
            "list" => Some(RepliesPolicy::List),
            "none" => Some(RepliesPolicy::None),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RepliesPolicy::Followed => "followed",
            RepliesPolicy::List => "list",
            RepliesPolicy::None => "none",
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum ListError {
    NoTitle,
    TitleTooLong { max: usize },
    BadRepliesPolicy(String),
    TooManyLists { max: usize },
    TooManyMembers { max: usize },
    NotFollowed,
}

impl std::fmt::Display for ListError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListError::NoTitle => write!(f, "A list needs a title."),
            ListError::TitleTooLong { max } => {
                write!(f, "A list's title can have at most {max} characters.")
            }
            ListError::BadRepliesPolicy(p) => write!(
                f,
                "\"{p}\" is not a replies policy; it is \"followed\", \"list\" or \"none\"."
            ),
            ListError::TooManyLists { max } => write!(f, "You can have at most {max} lists."),
            ListError::TooManyMembers { max } => {
                write!(f, "A list can have at most {max} people on it.")
            }
            ListError::NotFollowed => {
                write!(
                    f,
                    "Only people you follow can be on your lists; follow them first."
                )
            }
        }
    }
}

impl std::error::Error for ListError {}

/// The title, trimmed, if it is one.
pub fn check_title(title: &str) -> Result<String, ListError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ListError::NoTitle);
    }
    if title.chars().count() > MAX_TITLE {
        return Err(ListError::TitleTooLong { max: MAX_TITLE });
    }
    Ok(title.to_string())
}

/// Whether a member who has `lists` lists may make another.
pub fn may_add_list(lists: usize) -> Result<(), ListError> {
    if lists >= MAX_LISTS {
        return Err(ListError::TooManyLists { max: MAX_LISTS });
    }
    Ok(())
}

/// Whether `adding` more people fit on a list of `members`, and each of them is followed.
pub fn may_add_members(members: usize, adding: usize, all_followed: bool) -> Result<(), ListError> {
    if !all_followed {
        return Err(ListError::NotFollowed);
    }
    if members + adding > MAX_LIST_MEMBERS {
        return Err(ListError::TooManyMembers {
            max: MAX_LIST_MEMBERS,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_policies_and_limits() {
        let titles: &[(&str, Result<String, ListError>)] = &[
            ("Book club", Ok("Book club".into())),
            ("  Family  ", Ok("Family".into())),
            ("", Err(ListError::NoTitle)),
            ("   ", Err(ListError::NoTitle)),
        ];
        for (title, want) in titles {
            assert_eq!(&check_title(title), want, "{title:?}");
        }
        assert_eq!(
            check_title(&"x".repeat(101)),
            Err(ListError::TitleTooLong { max: 100 })
        );
        for p in [
            RepliesPolicy::Followed,
            RepliesPolicy::List,
            RepliesPolicy::None,
        ] {
            assert_eq!(RepliesPolicy::parse(p.as_str()), Some(p));
        }
        assert_eq!(RepliesPolicy::parse("everyone"), None);
        let limits: &[(usize, usize, bool, Result<(), ListError>)] = &[
            (0, 1, true, Ok(())),
            (499, 1, true, Ok(())),
            (499, 2, true, Err(ListError::TooManyMembers { max: 500 })),
            (3, 1, false, Err(ListError::NotFollowed)),
        ];
        for (members, adding, followed, want) in limits {
            assert_eq!(&may_add_members(*members, *adding, *followed), want);
        }
        assert_eq!(may_add_list(49), Ok(()));
        assert_eq!(may_add_list(50), Err(ListError::TooManyLists { max: 50 }));
    }
}
