//! Blocking servers for everyone, and block lists shared by others: the levels, which host a
//! block covers, and what a list offered by a neighbor camp or a subscribed address means for
//! this camp (apply it, put it up for the host's review, refuse it, or take back what the list
//! withdrew). Pure rules with no I/O; `app::blocklists` fetches and stores.

/// How the host treats a domain (and its subdomains).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockLevel {
    /// Nothing in or out; follows both ways are dropped.
    Suspend,
    /// Its posts are hidden from timelines unless the reader follows the author.
    Silence,
    /// Its media is never fetched or shown.
    RejectMedia,
}

impl BlockLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockLevel::Suspend => "suspend",
            BlockLevel::Silence => "silence",
            BlockLevel::RejectMedia => "reject_media",
        }
    }

    pub fn parse(s: &str) -> Option<BlockLevel> {
        match s {
            "suspend" => Some(BlockLevel::Suspend),
            "silence" => Some(BlockLevel::Silence),
            "reject_media" | "noop" => Some(BlockLevel::RejectMedia),
            _ => None,
        }
    }

    /// What the host's page calls it.
    pub fn words(self) -> &'static str {
        match self {
            BlockLevel::Suspend => "suspend",
            BlockLevel::Silence => "silence",
            BlockLevel::RejectMedia => "reject media of",
        }
    }
}

/// Whether a block of `domain` covers `host` (`name` or `name:port`): the same host, a
/// subdomain of it, or (for a block without a port) any port on it.
pub fn covers(domain: &str, host: &str) -> bool {
    let (domain, host) = (domain.to_ascii_lowercase(), host.to_ascii_lowercase());
    let name = host.split(':').next().unwrap_or("");
    host == domain
        || (!domain.contains(':') && (name == domain || name.ends_with(&format!(".{domain}"))))
}

/// The most rows a list may have: a longer one is refused whole (a mistake or an attack; the
/// largest lists in use have a few thousand).
pub const MAX_ROWS: usize = 10_000;

/// A list's blocks with each domain once, at the strictest level the list gives it (a list
/// that names a domain twice would otherwise flip between the two every time it is read).
pub fn dedupe(offers: Vec<Offer>) -> Vec<Offer> {
    let strictness = |l: BlockLevel| match l {
        BlockLevel::Suspend => 2,
        BlockLevel::Silence => 1,
        BlockLevel::RejectMedia => 0,
    };
    let mut out: Vec<Offer> = Vec::with_capacity(offers.len());
    for offer in offers {
        match out.iter_mut().find(|o| o.domain == offer.domain) {
            Some(seen) if strictness(offer.level) > strictness(seen.level) => *seen = offer,
            Some(_) => {}
            None => out.push(offer),
        }
    }
    out
}

/// One block a list offers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offer {
    pub domain: String,
    pub level: BlockLevel,
    pub reason: String,
}

/// What the host chose to do with a source's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Block what it blocks, at once (the host is told).
    Apply,
    /// Put each new block up for the host's review.
    Review,
    /// Take no notice.
    Ignore,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Apply => "apply",
            Mode::Review => "review",
            Mode::Ignore => "ignore",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        [Mode::Apply, Mode::Review, Mode::Ignore]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// What became of a block a source offered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OfferState {
    /// Waiting for the host's review.
    Pending,
    /// Blocked here because of this source.
    Applied,
    /// The host looked and chose not to.
    Dismissed,
    /// It would block a neighbor camp or this camp itself.
    Refused,
    /// The source's list is ignored.
    Ignored,
    /// This camp blocks it already, on its own or from another list.
    Kept,
}

impl OfferState {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferState::Pending => "pending",
            OfferState::Applied => "applied",
            OfferState::Dismissed => "dismissed",
            OfferState::Refused => "refused",
            OfferState::Ignored => "ignored",
            OfferState::Kept => "kept",
        }
    }

    pub fn parse(s: &str) -> Option<OfferState> {
        [
            OfferState::Pending,
            OfferState::Applied,
            OfferState::Dismissed,
            OfferState::Refused,
            OfferState::Ignored,
            OfferState::Kept,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }
}

/// A block a source offered before, and what became of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Known {
    pub offer: Offer,
    pub state: OfferState,
}

/// This camp's own block of a domain, if any, and whether it came from the source in question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Existing {
    pub from_this_source: bool,
}

/// One thing to do about a source's new list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Block it here now, as coming from the source.
    Apply(Offer),
    /// Keep it for the host's review.
    Queue(Offer),
    /// Record it as this, and do nothing else.
    Note(Offer, OfferState),
    /// The source withdrew a block that was applied because of it: lift it.
    Retract(String),
    /// The source withdrew it: forget the record (after any retraction).
    Forget(String),
}

/// What a source's list, as it stands now (`offered`), means, against what it offered before
/// (`known`). `existing` is this camp's block of a domain; `protected` says whether a domain's
/// block would cover a neighbor camp or this camp itself, which is never applied.
pub fn plan(
    mode: Mode,
    known: &[Known],
    offered: &[Offer],
    existing: impl Fn(&str) -> Option<Existing>,
    protected: impl Fn(&str) -> bool,
) -> Result<Vec<Step>, String> {
    if offered.len() > MAX_ROWS {
        return Err(format!(
            "the list has {} blocks, more than the {MAX_ROWS} a list may have; nothing was applied",
            offered.len()
        ));
    }
    let mut steps = Vec::new();
    for offer in offered {
        let before = known.iter().find(|k| k.offer.domain == offer.domain);
        if let Some(k) = before
            && k.offer.level == offer.level
            && k.state != OfferState::Ignored
        {
            continue;
        }
        if protected(&offer.domain) {
            steps.push(Step::Note(offer.clone(), OfferState::Refused));
            continue;
        }
        // A block this camp has on its own, or from another list, is not this list's to
        // change. (A new level on one applied because of this list is weighed like a new
        // block: reviewed in review mode.)
        if existing(&offer.domain).is_some_and(|e| !e.from_this_source) {
            steps.push(Step::Note(offer.clone(), OfferState::Kept));
            continue;
        }
        steps.push(match mode {
            Mode::Apply => Step::Apply(offer.clone()),
            Mode::Review => Step::Queue(offer.clone()),
            Mode::Ignore => Step::Note(offer.clone(), OfferState::Ignored),
        });
    }
    for k in known {
        if offered.iter().any(|o| o.domain == k.offer.domain) {
            continue;
        }
        if k.state == OfferState::Applied
            && existing(&k.offer.domain).is_some_and(|e| e.from_this_source)
        {
            steps.push(Step::Retract(k.offer.domain.clone()));
        }
        steps.push(Step::Forget(k.offer.domain.clone()));
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(domain: &str, level: BlockLevel) -> Offer {
        Offer {
            domain: domain.into(),
            level,
            reason: String::new(),
        }
    }

    fn known(domain: &str, level: BlockLevel, state: OfferState) -> Known {
        Known {
            offer: offer(domain, level),
            state,
        }
    }

    #[test]
    fn which_hosts_a_block_covers() {
        let table = [
            ("bad.example", "bad.example", true),
            ("bad.example", "social.bad.example", true),
            ("bad.example", "bad.example:8080", true),
            ("bad.example", "notbad.example", false),
            ("bad.example:8080", "bad.example:8080", true),
            ("bad.example:8080", "bad.example:9090", false),
            ("bad.example:8080", "bad.example", false),
            ("Bad.Example", "bad.example", true),
            ("example", "bad.example", true),
        ];
        for (domain, host, expected) in table {
            assert_eq!(covers(domain, host), expected, "{domain} over {host}");
        }
    }

    #[test]
    fn a_new_list_against_the_old_one() {
        use BlockLevel::*;
        let neighbor = "b.example";
        let existing = |d: &str| match d {
            "mine.example" => Some(Existing {
                from_this_source: false,
            }),
            "applied.example" | "gone.example" => Some(Existing {
                from_this_source: true,
            }),
            _ => None,
        };
        let protected = |d: &str| covers(d, neighbor) || covers(d, "a.example");
        let known = [
            known("applied.example", Silence, OfferState::Applied),
            known("gone.example", Suspend, OfferState::Applied),
            known("waiting.example", Suspend, OfferState::Pending),
            known("dismissed.example", Suspend, OfferState::Dismissed),
        ];
        let offered = [
            offer("new.example", Suspend),
            offer("mine.example", Suspend),
            offer("b.example", Suspend),
            offer("example", Silence),
            offer("applied.example", Suspend),
            offer("dismissed.example", Suspend),
        ];
        // (mode, steps)
        let cases: [(Mode, Vec<Step>); 3] = [
            (
                Mode::Apply,
                vec![
                    Step::Apply(offer("new.example", Suspend)),
                    Step::Note(offer("mine.example", Suspend), OfferState::Kept),
                    Step::Note(offer("b.example", Suspend), OfferState::Refused),
                    Step::Note(offer("example", Silence), OfferState::Refused),
                    Step::Apply(offer("applied.example", Suspend)),
                    Step::Retract("gone.example".into()),
                    Step::Forget("gone.example".into()),
                    Step::Forget("waiting.example".into()),
                ],
            ),
            (
                Mode::Review,
                vec![
                    Step::Queue(offer("new.example", Suspend)),
                    Step::Note(offer("mine.example", Suspend), OfferState::Kept),
                    Step::Note(offer("b.example", Suspend), OfferState::Refused),
                    Step::Note(offer("example", Silence), OfferState::Refused),
                    Step::Queue(offer("applied.example", Suspend)),
                    Step::Retract("gone.example".into()),
                    Step::Forget("gone.example".into()),
                    Step::Forget("waiting.example".into()),
                ],
            ),
            (
                Mode::Ignore,
                vec![
                    Step::Note(offer("new.example", Suspend), OfferState::Ignored),
                    Step::Note(offer("mine.example", Suspend), OfferState::Kept),
                    Step::Note(offer("b.example", Suspend), OfferState::Refused),
                    Step::Note(offer("example", Silence), OfferState::Refused),
                    Step::Note(offer("applied.example", Suspend), OfferState::Ignored),
                    Step::Retract("gone.example".into()),
                    Step::Forget("gone.example".into()),
                    Step::Forget("waiting.example".into()),
                ],
            ),
        ];
        for (mode, expected) in cases {
            assert_eq!(
                plan(mode, &known, &offered, existing, protected),
                Ok(expected),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn a_domain_named_twice_counts_once_at_its_strictest() {
        use BlockLevel::*;
        let list = vec![
            offer("a.example", Silence),
            offer("b.example", RejectMedia),
            offer("a.example", Suspend),
            offer("a.example", RejectMedia),
        ];
        assert_eq!(
            dedupe(list),
            vec![offer("a.example", Suspend), offer("b.example", RejectMedia)]
        );
    }

    #[test]
    fn an_unchanged_list_does_nothing_and_a_huge_one_nothing_at_all() {
        let known = [known(
            "x.example",
            BlockLevel::Suspend,
            OfferState::Dismissed,
        )];
        let offered = [offer("x.example", BlockLevel::Suspend)];
        assert_eq!(
            plan(Mode::Apply, &known, &offered, |_| None, |_| false),
            Ok(vec![])
        );
        let huge: Vec<Offer> = (0..=MAX_ROWS)
            .map(|i| offer(&format!("d{i}.example"), BlockLevel::Suspend))
            .collect();
        assert!(plan(Mode::Apply, &[], &huge, |_| None, |_| false).is_err());
    }
}
