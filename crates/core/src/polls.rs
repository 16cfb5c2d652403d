//! Polls: what a new poll may be, which votes count, and when a poll has ended. The same rules
//! for the composer, the API and polls that arrive from elsewhere.

use crate::UnixTime;

/// The most options a poll made here may have (Mastodon's limit, which apps expect).
pub const MAX_OPTIONS: usize = 4;
/// The most characters an option made here may have.
pub const MAX_OPTION_CHARS: usize = 50;
/// The shortest and longest a poll made here may run.
pub const MIN_SECONDS: i64 = 5 * 60;
pub const MAX_SECONDS: i64 = 30 * 24 * 3600;
/// Polls from elsewhere keep at most this many options (a hostile one could send thousands).
pub const MAX_REMOTE_OPTIONS: usize = 20;

/// A poll as its author asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewPoll {
    pub options: Vec<String>,
    pub multiple: bool,
    /// How long it runs, in seconds.
    pub expires_in: i64,
}

impl NewPoll {
    /// The poll with its options trimmed (empty ones dropped: a form has blank fields), or
    /// what is wrong with it, in words for the author.
    pub fn checked(options: &[&str], multiple: bool, expires_in: i64) -> Result<NewPoll, String> {
        let options: Vec<String> = options
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect();
        if options.len() < 2 {
            return Err("A poll needs at least two options.".into());
        }
        if options.len() > MAX_OPTIONS {
            return Err(format!("A poll can have at most {MAX_OPTIONS} options."));
        }
        if let Some(long) = options
            .iter()
            .find(|o| o.chars().count() > MAX_OPTION_CHARS)
        {
            return Err(format!(
                "The option \"{long}\" is too long: at most {MAX_OPTION_CHARS} characters."
            ));
        }
        for (i, o) in options.iter().enumerate() {
            if options[..i].contains(o) {
                return Err(format!("The option \"{o}\" is there twice."));
            }
        }
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&expires_in) {
            return Err(format!(
                "A poll runs for at least {} minutes and at most {} days.",
                MIN_SECONDS / 60,
                MAX_SECONDS / 86400
            ));
        }
        Ok(NewPoll {
            options,
            multiple,
            expires_in,
        })
    }
}

/// Whether a poll that ends at `expires_at` (never, if None) has ended at `now`.
pub fn has_ended(expires_at: Option<UnixTime>, closed: bool, now: UnixTime) -> bool {
    closed || expires_at.is_some_and(|t| t <= now)
}

/// The choices of a vote (option positions), sorted, or why they cannot be counted.
pub fn check_choices(
    choices: &[usize],
    options: usize,
    multiple: bool,
    already_voted: bool,
    ended: bool,
) -> Result<Vec<usize>, String> {
    if ended {
        return Err("This poll has ended.".into());
    }
    if already_voted {
        return Err("You have already voted in this poll.".into());
    }
    let mut sorted = choices.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() {
        return Err("Choose an option to vote.".into());
    }
    if sorted.iter().any(|&c| c >= options) {
        return Err("That option is not in this poll.".into());
    }
    if !multiple && sorted.len() > 1 {
        return Err("This poll takes one choice.".into());
    }
    Ok(sorted)
}

/// Each option's share of the votes, in whole percent (0 when nobody voted).
pub fn percentages(votes: &[i64]) -> Vec<u32> {
    let total: i64 = votes.iter().sum();
    votes
        .iter()
        .map(|&v| {
            if total <= 0 {
                0
            } else {
                ((v.max(0) as f64 * 100.0 / total as f64).round()) as u32
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_polls() {
        let day = 86400;
        let cases: &[(&[&str], i64, Result<usize, &str>)] = &[
            (&["tea", "coffee"], day, Ok(2)),
            (&[" tea ", "", "coffee", "  "], day, Ok(2)),
            (&["tea", "coffee", "water", "juice"], day, Ok(4)),
            (&["tea"], day, Err("at least two")),
            (&["tea", "", " "], day, Err("at least two")),
            (&["a", "b", "c", "d", "e"], day, Err("at most 4 options")),
            (&["tea", "tea"], day, Err("there twice")),
            (&["tea", "coffee"], 60, Err("at least 5 minutes")),
            (&["tea", "coffee"], 31 * day, Err("at most 30 days")),
            (&["tea", "coffee"], 300, Ok(2)),
            (&["tea", "coffee"], 30 * day, Ok(2)),
        ];
        for (options, expires, expected) in cases {
            match (NewPoll::checked(options, false, *expires), expected) {
                (Ok(p), Ok(n)) => assert_eq!(p.options.len(), *n, "{options:?}"),
                (Err(e), Err(words)) => assert!(e.contains(words), "{options:?}: {e}"),
                (got, want) => panic!("{options:?} {expires}: got {got:?}, want {want:?}"),
            }
        }
        let long = "x".repeat(MAX_OPTION_CHARS + 1);
        assert!(
            NewPoll::checked(&[&long, "b"], false, 3600)
                .unwrap_err()
                .contains("too long")
        );
        let exact = "é".repeat(MAX_OPTION_CHARS);
        assert!(NewPoll::checked(&[&exact, "b"], false, 3600).is_ok());
    }

    #[test]
    fn votes() {
        // (choices, options, multiple, voted, ended) → sorted choices or the words of the error
        type Case<'a> = (
            &'a [usize],
            usize,
            bool,
            bool,
            bool,
            Result<&'a [usize], &'a str>,
        );
        let cases: &[Case] = &[
            (&[1], 3, false, false, false, Ok(&[1])),
            (&[2, 0], 3, true, false, false, Ok(&[0, 2])),
            (&[0, 0], 3, false, false, false, Ok(&[0])),
            (&[0, 1], 3, false, false, false, Err("one choice")),
            (&[3], 3, false, false, false, Err("not in this poll")),
            (&[], 3, true, false, false, Err("Choose")),
            (&[0], 3, false, true, false, Err("already voted")),
            (&[0], 3, false, false, true, Err("ended")),
        ];
        for (choices, options, multiple, voted, ended, expected) in cases {
            let got = check_choices(choices, *options, *multiple, *voted, *ended);
            match (got, expected) {
                (Ok(c), Ok(want)) => assert_eq!(&c[..], *want),
                (Err(e), Err(words)) => assert!(e.contains(words), "{choices:?}: {e}"),
                (got, want) => panic!("{choices:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn ending_and_shares() {
        assert!(!has_ended(None, false, 100));
        assert!(has_ended(None, true, 100));
        assert!(has_ended(Some(100), false, 100));
        assert!(!has_ended(Some(101), false, 100));
        assert_eq!(percentages(&[1, 1, 2]), vec![25, 25, 50]);
        assert_eq!(percentages(&[0, 0]), vec![0, 0]);
        assert_eq!(percentages(&[1, 2]), vec![33, 67]);
    }
}
