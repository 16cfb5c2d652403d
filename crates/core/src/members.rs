//! Who may join: the member cap, username rules and password rules.

use std::fmt;

/// The cap a new server starts with (the host included).
pub const DEFAULT_MEMBER_CAP: u32 = 50;
/// The highest cap a host may set: past it, the answer is a second server, not a bigger one.
pub const MAX_MEMBER_CAP: u32 = 100;

/// The most members this server admits, the host included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberCap(u32);

impl MemberCap {
    pub fn new(limit: u32) -> Result<MemberCap, MemberError> {
        if (1..=MAX_MEMBER_CAP).contains(&limit) {
            Ok(MemberCap(limit))
        } else {
            Err(MemberError::CapOutOfRange(limit))
        }
    }

    pub fn limit(self) -> u32 {
        self.0
    }

    /// Whether one more member fits beside `current` members.
    pub fn admit_one(self, current: u32) -> Result<(), MemberError> {
        if current < self.0 {
            Ok(())
        } else {
            Err(MemberError::CampFull { cap: self.0 })
        }
    }

    /// A new cap may not be set below the members already here.
    pub fn allows_existing(self, current: u32) -> Result<(), MemberError> {
        if current <= self.0 {
            Ok(())
        } else {
            Err(MemberError::CapBelowMembers {
                cap: self.0,
                members: current,
            })
        }
    }
}

impl Default for MemberCap {
    fn default() -> Self {
        MemberCap(DEFAULT_MEMBER_CAP)
    }
}

pub const MAX_USERNAME_CHARS: usize = 30;
pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Names nobody may take: they would collide with pages, confuse people, or pose as staff.
const RESERVED_USERNAMES: &[&str] = &[
    "about",
    "account",
    "accounts",
    "admin",
    "administrator",
    "api",
    "auth",
    "bookmarks",
    "camp",
    "help",
    "host",
    "hostmaster",
    "inbox",
    "instance",
    "invite",
    "invites",
    "local",
    "login",
    "logout",
    "me",
    "members",
    "mod",
    "moderator",
    "new",
    "nodeinfo",
    "notifications",
    "oauth",
    "outbox",
    "porchlight",
    "postmaster",
    "posts",
    "privacy",
    "relay",
    "root",
    "search",
    "security",
    "settings",
    "setup",
    "static",
    "staff",
    "support",
    "system",
    "tags",
    "terms",
    "webmaster",
    "well-known",
    "www",
];

/// Checks a requested username and returns the form that is stored and compared: lower case.
/// Usernames are unique regardless of case, so `Ana` and `ana` are one name.
pub fn normalize_username(requested: &str) -> Result<String, MemberError> {
    let name = requested.trim();
    if name.is_empty() {
        return Err(MemberError::UsernameEmpty);
    }
    if name.chars().count() > MAX_USERNAME_CHARS {
        return Err(MemberError::UsernameTooLong);
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(MemberError::UsernameCharacters);
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_USERNAMES.contains(&lower.as_str()) {
        return Err(MemberError::UsernameReserved(lower));
    }
    Ok(lower)
}

/// Password rules: long enough to resist guessing, short enough to hash cheaply.
pub fn check_password(password: &str) -> Result<(), MemberError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(MemberError::PasswordTooShort)
    } else if n > MAX_PASSWORD_CHARS {
        Err(MemberError::PasswordTooLong)
    } else {
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberError {
    CampFull { cap: u32 },
    CapOutOfRange(u32),
    CapBelowMembers { cap: u32, members: u32 },
    UsernameEmpty,
    UsernameTooLong,
    UsernameCharacters,
    UsernameReserved(String),
    PasswordTooShort,
    PasswordTooLong,
}

impl fmt::Display for MemberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemberError::CampFull { cap } => write!(
                f,
                "This camp is full: it has reached its limit of {cap} members. The host can raise \
                 the limit (up to {MAX_MEMBER_CAP}) or start a second camp."
            ),
            MemberError::CapOutOfRange(n) => write!(
                f,
                "The member limit must be between 1 and {MAX_MEMBER_CAP} (got {n})."
            ),
            MemberError::CapBelowMembers { cap, members } => write!(
                f,
                "The camp already has {members} members, so the limit cannot be {cap}."
            ),
            MemberError::UsernameEmpty => write!(f, "Please choose a username."),
            MemberError::UsernameTooLong => write!(
                f,
                "A username can have at most {MAX_USERNAME_CHARS} characters."
            ),
            MemberError::UsernameCharacters => write!(
                f,
                "A username may use only letters a–z, digits and underscores."
            ),
            MemberError::UsernameReserved(name) => {
                write!(
                    f,
                    "The username \"{name}\" is reserved; please pick another."
                )
            }
            MemberError::PasswordTooShort => write!(
                f,
                "The password must have at least {MIN_PASSWORD_CHARS} characters."
            ),
            MemberError::PasswordTooLong => write!(
                f,
                "The password can have at most {MAX_PASSWORD_CHARS} characters."
            ),
        }
    }
}

impl std::error::Error for MemberError {}

/// The welcome a host posts for a newcomer: it names them, then says their introduction. Both
/// the post and the host's page (which shows what will be posted) use it.
pub fn welcome_text(username: &str, introduction: &str) -> String {
    format!("Everyone, please welcome @{username} to the camp! {introduction}")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_admits_until_full() {
        let cases: &[(u32, u32, bool)] = &[
            // cap, members now, may one more join
            (50, 0, true),
            (50, 49, true),
            (50, 50, false),
            (50, 51, false),
            (1, 0, true),
            (1, 1, false),
            (100, 99, true),
            (100, 100, false),
        ];
        for &(cap, current, ok) in cases {
            let cap = MemberCap::new(cap).unwrap();
            assert_eq!(
                cap.admit_one(current).is_ok(),
                ok,
                "cap {cap:?} with {current}"
            );
        }
        assert_eq!(MemberCap::default().limit(), 50);
    }

    #[test]
    fn the_cap_has_bounds() {
        assert!(MemberCap::new(0).is_err());
        assert!(MemberCap::new(101).is_err());
        assert!(MemberCap::new(100).is_ok());
        let cap = MemberCap::new(10).unwrap();
        assert!(cap.allows_existing(10).is_ok());
        assert!(cap.allows_existing(11).is_err());
        let msg = MemberCap::new(3)
            .unwrap()
            .admit_one(3)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("full") && msg.contains('3'), "{msg}");
    }

    #[test]
    fn usernames() {
        let cases: &[(&str, Result<&str, MemberError>)] = &[
            ("ana", Ok("ana")),
            ("Ana_B", Ok("ana_b")),
            ("  bo  ", Ok("bo")),
            ("x2", Ok("x2")),
            ("", Err(MemberError::UsernameEmpty)),
            ("   ", Err(MemberError::UsernameEmpty)),
            ("ana b", Err(MemberError::UsernameCharacters)),
            ("ana-b", Err(MemberError::UsernameCharacters)),
            ("<script>", Err(MemberError::UsernameCharacters)),
            ("zoë", Err(MemberError::UsernameCharacters)),
            ("Admin", Err(MemberError::UsernameReserved("admin".into()))),
            (
                "settings",
                Err(MemberError::UsernameReserved("settings".into())),
            ),
            (
                "a234567890123456789012345678901",
                Err(MemberError::UsernameTooLong),
            ),
        ];
        for (input, want) in cases {
            let got = normalize_username(input);
            assert_eq!(
                got.as_deref().map_err(Clone::clone),
                want.clone(),
                "{input:?}"
            );
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(check_password("short"), Err(MemberError::PasswordTooShort));
        assert!(check_password("long enough pass").is_ok());
        assert_eq!(
            check_password(&"x".repeat(300)),
            Err(MemberError::PasswordTooLong)
        );
    }
}
