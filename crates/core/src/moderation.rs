//! Looking after people: who may act on whom, what a report says, and the code of conduct as
//! numbered rules. Pure rules; `app` applies them inside the transaction that acts.

use crate::audience::Role;
use crate::{AccountId, PostId, UnixTime};

/// How long a one-time password-reset link works.
pub const RESET_LINK_SECS: i64 = 24 * 3600;
/// The most a report's comment or a moderator's message may say.
pub const MAX_REPORT_COMMENT: usize = 1000;
/// The most a private note about a member may say.
pub const MAX_MEMBER_NOTE: usize = 2000;
/// The most posts one report may attach.
pub const MAX_REPORTED_POSTS: usize = 20;

/// What a host or moderator does to a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberAction {
    ResetLink,
    Suspend,
    Unsuspend,
    Remove,
    Note,
    Warn,
    /// Make them the camp's main host, the one acting stepping down to co-host.
    HandOver,
}

impl MemberAction {
    /// The least role that may take this action at all.
    fn needs(self) -> Role {
        match self {
            MemberAction::Remove | MemberAction::HandOver => Role::Host,
            _ => Role::Moderator,
        }
    }
}

/// Why an action on a member is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    NeedsRole(Role),
    /// A moderator acts on members only; hosts are looked after by hosts.
    NotOnStaff,
    /// Nobody suspends or removes themselves from the host's page.
    NotYourself,
    /// Suspending or removing the only host leaves the camp with nobody who holds its keys.
    LastHost,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::NeedsRole(Role::Host) => "Only a host can do this.",
            Refusal::NeedsRole(_) => "Only a host or moderator can do this.",
            Refusal::NotOnStaff => {
                "A moderator looks after members; only a host can act on a host or moderator."
            }
            Refusal::NotYourself => "You cannot do this to your own account.",
            Refusal::LastHost => {
                "This is the camp's only host. Make someone else a co-host first, so the camp \
                 keeps someone who can run it."
            }
        })
    }
}

/// Whether `actor` may take `action` on `target`. `hosts` is how many hosts the camp has.
pub fn may_act(
    action: MemberAction,
    actor: Role,
    target: Role,
    on_self: bool,
    hosts: u32,
) -> Result<(), Refusal> {
    if actor < action.needs() {
        return Err(Refusal::NeedsRole(action.needs()));
    }
    if on_self
        && matches!(
            action,
            MemberAction::Suspend
                | MemberAction::Remove
                | MemberAction::Warn
                | MemberAction::HandOver
        )
    {
        return Err(Refusal::NotYourself);
    }
    // A moderator's reach ends at staff: a host or another moderator is a host's to look after.
    if actor == Role::Moderator && target >= Role::Moderator && !on_self {
        return Err(Refusal::NotOnStaff);
    }
    if target == Role::Host
        && hosts <= 1
        && matches!(action, MemberAction::Suspend | MemberAction::Remove)
    {
        return Err(Refusal::LastHost);
    }
    Ok(())
}

/// Why someone reports a post or person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportReason {
    /// Breaks the code of conduct: the rule's number (1-based).
    Rule(u32),
    Spam,
    Other,
}

impl ReportReason {
    /// Reads the form's or an app's reason: `rule` (with its number), `spam`, `other`; Mastodon's
    /// `violation` is a rule, `legal` is other.
    pub fn parse(category: &str, rule: Option<u32>, rules: usize) -> Result<ReportReason, String> {
        match category {
            "rule" | "violation" => match rule {
                Some(n) if n >= 1 && (n as usize) <= rules => Ok(ReportReason::Rule(n)),
                Some(n) => Err(format!(
                    "The code of conduct has no rule {n} (it has {rules})."
                )),
                None => Err("Say which rule of the code of conduct it breaks.".into()),
            },
            "spam" => Ok(ReportReason::Spam),
            "other" | "legal" | "" => Ok(ReportReason::Other),
            other => Err(format!(
                "\"{other}\" is not a reason (rule, spam or other)."
            )),
        }
    }

    pub fn category(self) -> &'static str {
        match self {
            ReportReason::Rule(_) => "rule",
            ReportReason::Spam => "spam",
            ReportReason::Other => "other",
        }
    }

    /// Mastodon's name for the category.
    pub fn mastodon_category(self) -> &'static str {
        match self {
            ReportReason::Rule(_) => "violation",
            ReportReason::Spam => "spam",
            ReportReason::Other => "other",
        }
    }

    pub fn rule(self) -> Option<u32> {
        match self {
            ReportReason::Rule(n) => Some(n),
            _ => None,
        }
    }

    pub fn from_parts(category: &str, rule: Option<u32>) -> ReportReason {
        match (category, rule) {
            ("rule", Some(n)) => ReportReason::Rule(n),
            ("spam", _) => ReportReason::Spam,
            _ => ReportReason::Other,
        }
    }
}

/// What a moderator did about a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportOutcome {
    Dismissed,
    PostsRemoved,
    Warned,
    Suspended,
    ServerBlocked,
}

impl ReportOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportOutcome::Dismissed => "dismissed",
            ReportOutcome::PostsRemoved => "posts_removed",
            ReportOutcome::Warned => "warned",
            ReportOutcome::Suspended => "suspended",
            ReportOutcome::ServerBlocked => "server_blocked",
        }
    }

    pub fn parse(s: &str) -> Option<ReportOutcome> {
        use ReportOutcome::*;
        [Dismissed, PostsRemoved, Warned, Suspended, ServerBlocked]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    /// What the reporter is told.
    pub fn told_to_reporter(self) -> &'static str {
        match self {
            ReportOutcome::Dismissed => "looked at it and took no action",
            ReportOutcome::PostsRemoved => "removed the posts",
            ReportOutcome::Warned => "warned the person",
            ReportOutcome::Suspended => "suspended the account",
            ReportOutcome::ServerBlocked => "blocked their server",
        }
    }
}

/// The code of conduct as numbered rules: each non-empty line, without the number, dash or
/// bullet it was typed with. A paragraph the host wrote as one line is one rule.
pub fn rules(code_of_conduct: &str) -> Vec<String> {
    code_of_conduct
        .lines()
        .map(|line| {
            let line = line.trim();
            let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let rest = if digits > 0 {
                line[digits..].trim_start_matches(['.', ')', ':'])
            } else {
                line.trim_start_matches(['-', '*', '•'])
            };
            rest.trim().to_string()
        })
        .filter(|rule| !rule.is_empty())
        .collect()
}

/// A one-time reset link as stored: for whom, until when, and the password it replaces (a
/// password changed since ends the link).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResetLink {
    pub account: AccountId,
    pub expires_at: UnixTime,
    pub password_hash: String,
}

/// Whether a reset link still works for a member whose password hash is now `current_hash`.
pub fn reset_link_works(link: &ResetLink, current_hash: &str, now: UnixTime) -> bool {
    now < link.expires_at && link.password_hash == current_hash
}

/// A report as the queue shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub id: i64,
    pub reporter: Option<(AccountId, String)>,
    pub from_domain: Option<String>,
    pub target: AccountId,
    /// `name` for a member, `name@domain` for someone elsewhere.
    pub target_handle: String,
    pub target_is_local: bool,
    pub reason: ReportReason,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: UnixTime,
    pub resolved: Option<(UnixTime, ReportOutcome, Option<String>)>,
}

/// A reported post as it was when reported, and whether it is still there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedPost {
    pub post_id: Option<PostId>,
    pub html: String,
    pub created_at: UnixTime,
}

/// One line of the moderation log: who did what to whom, and why. Names are kept as text, so
/// the log outlives the people in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub reason: String,
    pub created_at: UnixTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberAction::*;
    use Role::*;

    #[test]
    fn who_may_act_on_whom() {
        // (action, actor, target, on self, hosts, outcome)
        type Case = (MemberAction, Role, Role, bool, u32, Result<(), Refusal>);
        let cases: &[Case] = &[
            (Suspend, Moderator, Member, false, 1, Ok(())),
            (ResetLink, Moderator, Member, false, 1, Ok(())),
            (Warn, Moderator, Member, false, 1, Ok(())),
            (Note, Moderator, Member, false, 1, Ok(())),
            (Suspend, Moderator, Host, false, 2, Err(Refusal::NotOnStaff)),
            (
                ResetLink,
                Moderator,
                Host,
                false,
                2,
                Err(Refusal::NotOnStaff),
            ),
            (
                Suspend,
                Moderator,
                Moderator,
                false,
                2,
                Err(Refusal::NotOnStaff),
            ),
            (ResetLink, Moderator, Moderator, true, 1, Ok(())),
            (
                Remove,
                Moderator,
                Member,
                false,
                1,
                Err(Refusal::NeedsRole(Host)),
            ),
            (
                Suspend,
                Member,
                Member,
                false,
                1,
                Err(Refusal::NeedsRole(Moderator)),
            ),
            (
                Note,
                Member,
                Member,
                false,
                1,
                Err(Refusal::NeedsRole(Moderator)),
            ),
            (Remove, Host, Member, false, 1, Ok(())),
            (Remove, Host, Moderator, false, 1, Ok(())),
            (Suspend, Host, Host, false, 2, Ok(())),
            (Remove, Host, Host, false, 2, Ok(())),
            (Suspend, Host, Host, true, 2, Err(Refusal::NotYourself)),
            (Remove, Host, Host, true, 1, Err(Refusal::NotYourself)),
            (Suspend, Host, Host, false, 1, Err(Refusal::LastHost)),
            (Remove, Host, Host, false, 1, Err(Refusal::LastHost)),
            (Unsuspend, Host, Host, false, 1, Ok(())),
            (ResetLink, Host, Host, false, 1, Ok(())),
            (HandOver, Host, Member, false, 1, Ok(())),
            (HandOver, Host, Host, true, 1, Err(Refusal::NotYourself)),
            (
                HandOver,
                Moderator,
                Member,
                false,
                1,
                Err(Refusal::NeedsRole(Host)),
            ),
        ];
        for &(action, actor, target, on_self, hosts, want) in cases {
            assert_eq!(
                may_act(action, actor, target, on_self, hosts),
                want,
                "{action:?} by {actor:?} on {target:?} (self {on_self}, {hosts} hosts)"
            );
        }
    }

    #[test]
    fn reasons_name_a_rule_that_exists() {
        let cases: &[(&str, Option<u32>, Result<ReportReason, ()>)] = &[
            ("rule", Some(2), Ok(ReportReason::Rule(2))),
            ("violation", Some(1), Ok(ReportReason::Rule(1))),
            ("rule", Some(4), Err(())),
            ("rule", Some(0), Err(())),
            ("rule", None, Err(())),
            ("spam", None, Ok(ReportReason::Spam)),
            ("spam", Some(9), Ok(ReportReason::Spam)),
            ("other", None, Ok(ReportReason::Other)),
            ("legal", None, Ok(ReportReason::Other)),
            ("", None, Ok(ReportReason::Other)),
            ("rude", None, Err(())),
        ];
        for (category, rule, want) in cases {
            assert_eq!(
                ReportReason::parse(category, *rule, 3).map_err(|_| ()),
                *want,
                "{category} {rule:?}"
            );
        }
        for reason in [
            ReportReason::Rule(3),
            ReportReason::Spam,
            ReportReason::Other,
        ] {
            assert_eq!(
                ReportReason::from_parts(reason.category(), reason.rule()),
                reason
            );
        }
    }

    #[test]
    fn the_code_of_conduct_reads_as_numbered_rules() {
        let coc = "1. Be kind.\n\n2) No ads\n- Ask before posting photos of others\n* Keep it legal\n  10: Have fun  \n";
        assert_eq!(
            rules(coc),
            vec![
                "Be kind.",
                "No ads",
                "Ask before posting photos of others",
                "Keep it legal",
                "Have fun"
            ]
        );
        assert!(rules("  \n\n").is_empty());
        assert_eq!(
            rules("Be excellent to each other"),
            vec!["Be excellent to each other"]
        );
    }

    #[test]
    fn a_reset_link_works_once_in_time_and_for_the_password_it_replaces() {
        let link = super::ResetLink {
            account: 7,
            expires_at: 1000,
            password_hash: "old".into(),
        };
        assert!(reset_link_works(&link, "old", 999));
        assert!(!reset_link_works(&link, "old", 1000));
        assert!(!reset_link_works(&link, "new", 10));
        let outcomes = [
            "dismissed",
            "posts_removed",
            "warned",
            "suspended",
            "server_blocked",
        ];
        for o in outcomes {
            assert_eq!(ReportOutcome::parse(o).map(ReportOutcome::as_str), Some(o));
        }
        assert_eq!(ReportOutcome::parse("ignored"), None);
    }
}
