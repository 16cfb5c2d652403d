//! OAuth scopes as the Mastodon API names them: what a token may do. Pure: parsing, "is this
//! request within what the app registered", and "does this token allow that route".
//!
//! `read` and `write` cover every `read:…` and `write:…` scope; the old `follow` covers reading
//! and changing follows, blocks and mutes; `profile` covers only who the token belongs to.

use std::collections::BTreeSet;

/// Every scope a token may carry.
pub const KNOWN: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "read:accounts",
    "read:blocks",
    "read:bookmarks",
    "read:favourites",
    "read:filters",
    "read:follows",
    "read:lists",
    "read:mutes",
    "read:notifications",
    "read:search",
    "read:statuses",
    "write:accounts",
    "write:blocks",
    "write:bookmarks",
    "write:conversations",
    "write:favourites",
    "write:filters",
    "write:follows",
    "write:lists",
    "write:media",
    "write:mutes",
    "write:notifications",
    "write:reports",
    "write:statuses",
    "admin:read",
    "admin:write",
    "admin:read:accounts",
    "admin:read:reports",
    "admin:write:accounts",
    "admin:write:reports",
];

/// What the deprecated `follow` scope stands for.
const FOLLOW_MEANS: &[&str] = &[
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
];

/// A set of scopes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Scopes(BTreeSet<String>);

impl Scopes {
    /// Reads space-separated scopes (`+` also separates, as some apps send it). Empty means
    /// `read`, as in Mastodon. An unknown scope is an error naming it.
    pub fn parse(text: &str) -> Result<Scopes, String> {
        let mut set = BTreeSet::new();
        for scope in text.split([' ', '+', ',']).filter(|s| !s.is_empty()) {
            if !KNOWN.contains(&scope) {
                return Err(format!(
                    "The scope \"{scope}\" is not one this server knows."
                ));
            }
            set.insert(scope.to_string());
        }
        if set.is_empty() {
            set.insert("read".to_string());
        }
        Ok(Scopes(set))
    }

    /// Whether these scopes allow `needed` (one exact scope, such as `read:statuses`).
    pub fn allows(&self, needed: &str) -> bool {
        if self.0.contains(needed) {
            return true;
        }
        let family = needed.split(':').next().unwrap_or("");
        // `admin:read` covers `admin:read:reports` and the like; `read` covers no admin scope.
        let admin_family = needed
            .strip_prefix("admin:")
            .and_then(|rest| rest.split_once(':'))
            .map(|(family, _)| format!("admin:{family}"));
        (needed.contains(':') && (family == "read" || family == "write") && self.0.contains(family))
            || (FOLLOW_MEANS.contains(&needed) && self.0.contains("follow"))
            || admin_family.is_some_and(|f| self.0.contains(&f))
    }

    /// Whether every scope here is covered by `granted` (a request within what an app
    /// registered).
    pub fn within(&self, granted: &Scopes) -> bool {
        self.0.iter().all(|scope| {
            granted.allows(scope)
                || (scope == "follow" && FOLLOW_MEANS.iter().all(|s| granted.allows(s)))
                || ((scope == "read" || scope == "write")
                    && KNOWN
                        .iter()
                        .filter(|k| k.starts_with(&format!("{scope}:")))
                        .all(|k| granted.allows(k)))
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let joined: Vec<&str> = self.iter().collect();
        f.write_str(&joined.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Scopes {
        Scopes::parse(text).unwrap()
    }

    #[test]
    fn parsing() {
        assert_eq!(s("").to_string(), "read");
        assert_eq!(s("write read").to_string(), "read write");
        assert_eq!(s("read+write+follow").to_string(), "follow read write");
        assert!(Scopes::parse("read admin:everything").is_err());
        assert!(Scopes::parse("read root").unwrap_err().contains("\"root\""));
    }

    #[test]
    fn what_a_token_allows() {
        let cases: &[(&str, &str, bool)] = &[
            ("read", "read:statuses", true),
            ("read", "write:statuses", false),
            ("write", "write:media", true),
            ("read:statuses", "read:statuses", true),
            ("read:statuses", "read:accounts", false),
            ("follow", "write:follows", true),
            ("follow", "read:blocks", true),
            ("follow", "write:statuses", false),
            ("profile", "profile", true),
            ("profile", "read:accounts", false),
            ("read", "profile", false),
            ("push", "push", true),
            ("read write", "push", false),
            ("read write", "admin:read:reports", false),
            ("admin:read", "admin:read:reports", true),
            ("admin:read", "admin:write:reports", false),
            ("admin:write", "admin:write:accounts", true),
            ("admin:read:reports", "admin:read:accounts", false),
        ];
        for (have, need, want) in cases {
            assert_eq!(s(have).allows(need), *want, "{have} allows {need}?");
        }
    }

    #[test]
    fn a_request_within_what_the_app_registered() {
        let cases: &[(&str, &str, bool)] = &[
            ("read", "read write", true),
            ("read:statuses", "read", true),
            ("read write", "read", false),
            ("follow", "read write follow", true),
            ("follow", "read write", true),
            ("follow", "read", false),
            ("read", "read:statuses read:accounts", false),
            ("profile", "read", false),
            ("profile", "profile read", true),
        ];
        for (asked, registered, want) in cases {
            assert_eq!(
                s(asked).within(&s(registered)),
                *want,
                "{asked} within {registered}?"
            );
        }
    }
}
