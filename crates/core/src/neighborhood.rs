//! Neighborhoods (DESIGN.md §4, docs/NEIGHBORHOODS.md): camps that approved each other. These are
//! the rules of consent and membership, with no I/O: who must approve a change, when a change is
//! made, what a crossing or out-of-date proposal becomes, and how long a quiet camp is waited for.
//!
//! Every camp keeps its own copy of this state and applies the same rules to the same signed
//! messages, so no camp has to trust another's account of who agreed: each one has seen every
//! approval itself. A camp is named by its instance actor's id (`https://camp.example/actor`).

use std::collections::BTreeSet;

use crate::UnixTime;

/// The neighborhood this camp belongs to, as this camp knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hood {
    /// The neighborhood's id, minted by the camp that founded it.
    pub id: String,
    /// Every camp in it, this one included.
    pub members: BTreeSet<String>,
}

impl Hood {
    /// The other camps: where neighborhood posts go and whose posts are read.
    pub fn neighbors<'a>(&'a self, me: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.members.iter().filter(move |m| m.as_str() != me)
    }
}

/// What a proposal would change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A camp joins (or, with a camp that belongs to none, a neighborhood is founded).
    Join { candidate: String },
    /// The others ask a camp to leave.
    Remove { camp: String },
}

/// Where a proposal stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum State {
    /// Waiting for approvals.
    Open,
    /// Every party approved; the change is made.
    Done,
    /// A party said no.
    Declined { by: String },
    /// Its proposer took it back.
    Withdrawn,
    /// The neighborhood changed before it was done, so its approvals were given for a
    /// membership that no longer exists: it must be proposed again.
    Void,
}

impl State {
    pub fn as_str(&self) -> &'static str {
        match self {
            State::Open => "open",
            State::Done => "done",
            State::Declined { .. } => "declined",
            State::Withdrawn => "withdrawn",
            State::Void => "void",
        }
    }
}

/// A proposed change to a neighborhood, with the approvals this camp has seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub id: String,
    pub change: Change,
    pub proposer: String,
    /// The neighborhood it changes (for a founding, the id the new one will have).
    pub neighborhood: String,
    /// The neighborhood's members when it was proposed (for a founding: the proposer alone).
    pub members: BTreeSet<String>,
    pub approvals: BTreeSet<String>,
    pub state: State,
}

impl Proposal {
    /// Every camp that must approve: all members and the candidate when one joins; all members
    /// but the camp asked to leave when one is removed.
    pub fn parties(&self) -> BTreeSet<String> {
        let mut parties = self.members.clone();
        match &self.change {
            Change::Join { candidate } => {
                parties.insert(candidate.clone());
            }
            Change::Remove { camp } => {
                parties.remove(camp);
            }
        }
        parties
    }

    /// Every camp that hears of it: the parties, and the camp asked to leave.
    pub fn audience(&self) -> BTreeSet<String> {
        let mut all = self.parties();
        all.extend(self.members.iter().cloned());
        all
    }

    /// The camp the change is about.
    pub fn subject(&self) -> &str {
        match &self.change {
            Change::Join { candidate } => candidate,
            Change::Remove { camp } => camp,
        }
    }

    /// Parties whose approval has not been seen yet.
    pub fn waiting_for(&self) -> Vec<String> {
        self.parties()
            .into_iter()
            .filter(|p| !self.approvals.contains(p))
            .collect()
    }

    fn is_founding(&self) -> bool {
        self.members.len() == 1 && matches!(self.change, Change::Join { .. })
    }
}

/// Why a step was refused: said to the host, and in the log for a message from elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal(pub String);

fn refuse<T>(why: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(why.into()))
}

/// The members of `hood`, or this camp alone.
fn members_of(me: &str, hood: Option<&Hood>) -> BTreeSet<String> {
    hood.map(|h| h.members.clone())
        .unwrap_or_else(|| BTreeSet::from([me.to_string()]))
}

/// The open proposal this camp has approved, if any. A camp approves one change at a time:
/// two changes approved at once could each be completed by the others without the approvals
/// the other change needed (C joins without D's consent, D without C's).
fn busy_with<'a>(me: &str, proposals: &'a [Proposal]) -> Option<&'a Proposal> {
    proposals
        .iter()
        .find(|p| p.state == State::Open && p.approvals.contains(me))
}

/// This camp's host proposes a change. `id` names the proposal; `new_hood_id` names the
/// neighborhood it founds if this camp belongs to none.
pub fn propose(
    me: &str,
    hood: Option<&Hood>,
    proposals: &[Proposal],
    change: Change,
    id: &str,
    new_hood_id: &str,
) -> Result<Proposal, Refusal> {
    if let Some(other) = busy_with(me, proposals) {
        return refuse(format!(
            "Your proposal about {} is still waiting; a camp approves one change at a time. \
             Withdraw it or wait for the answer.",
            other.subject()
        ));
    }
    // The same change already proposed, or the candidate asking this camp already: that
    // proposal is the one to approve (two would cross and leave the camps disagreeing).
    if let Some(same) = proposals.iter().find(|p| {
        p.state == State::Open
            && (p.change == change
                || (p.is_founding()
                    && p.subject() == me
                    && matches!(&change, Change::Join { candidate } if *candidate == p.proposer)))
    }) {
        return refuse(format!(
            "There is a proposal about this already (from {}): approve it instead.",
            if same.proposer == me {
                "this camp"
            } else {
                same.proposer.as_str()
            }
        ));
    }
    let members = members_of(me, hood);
    match &change {
        Change::Join { candidate } => {
            if candidate == me {
                return refuse("That is this camp.");
            }
            if members.contains(candidate) {
                return refuse("That camp is already a neighbor.");
            }
        }
        Change::Remove { camp } => {
            if hood.is_none() || !members.contains(camp) {
                return refuse("That camp is not in the neighborhood.");
            }
            if camp == me {
                return refuse("To go, leave the neighborhood; nobody has to agree.");
            }
        }
    }
    let proposal = Proposal {
        id: id.to_string(),
        change,
        proposer: me.to_string(),
        neighborhood: hood.map_or(new_hood_id.to_string(), |h| h.id.clone()),
        members,
        approvals: BTreeSet::from([me.to_string()]),
        state: State::Open,
    };
    Ok(proposal)
}

/// What becomes of a proposal that arrives from elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// Kept, for this camp's host to approve or decline.
    Pending(Proposal),
    /// It crosses this camp's own open proposal for the same founding: both camps asked each
    /// other at once, so each has consented. The proposal with the smaller id stands (both camps
    /// pick the same one), approved by both; the other is withdrawn.
    Crossed { stands: Proposal, withdrawn: String },
    /// This camp cannot take part (it belongs to another neighborhood): answered with a Reject.
    Declined(Proposal),
    /// Seen before: nothing changes.
    Repeated,
}

/// A proposal that `sender` sent this camp.
pub fn receive(
    me: &str,
    hood: Option<&Hood>,
    proposals: &[Proposal],
    offer: Proposal,
    sender: &str,
) -> Result<Arrival, Refusal> {
    if offer.proposer != sender {
        return refuse("a proposal must come from the camp that makes it");
    }
    if proposals.iter().any(|p| p.id == offer.id) {
        return Ok(Arrival::Repeated);
    }
    if !offer.members.contains(&offer.proposer) {
        return refuse("the proposer is not among the members it names");
    }
    if !offer.audience().contains(me) {
        return refuse("the proposal is not about this camp's neighborhood");
    }
    let offer = Proposal {
        approvals: BTreeSet::from([sender.to_string()]),
        state: State::Open,
        ..offer
    };
    if offer.subject() == me && matches!(offer.change, Change::Join { .. }) {
        if hood.is_some() {
            // A camp belongs to at most one neighborhood.
            return Ok(Arrival::Declined(Proposal {
                state: State::Declined { by: me.to_string() },
                ..offer
            }));
        }
        if offer.is_founding()
            && let Some(own) = proposals.iter().find(|p| {
                p.state == State::Open
                    && p.is_founding()
                    && p.proposer == me
                    && p.subject() == sender
            })
        {
            let (stands, withdrawn) = if own.id < offer.id {
                (own.clone(), offer.id.clone())
            } else {
                (offer.clone(), own.id.clone())
            };
            let stands = Proposal {
                approvals: BTreeSet::from([me.to_string(), sender.to_string()]),
                ..stands
            };
            return Ok(Arrival::Crossed { stands, withdrawn });
        }
        return Ok(Arrival::Pending(offer));
    }
    match hood {
        Some(h) if h.id == offer.neighborhood && h.members == offer.members => {
            Ok(Arrival::Pending(offer))
        }
        _ => refuse("the proposal names a neighborhood or members that are not this camp's"),
    }
}

/// This camp's host approves an open proposal.
pub fn approve(
    me: &str,
    hood: Option<&Hood>,
    proposals: &[Proposal],
    id: &str,
) -> Result<Proposal, Refusal> {
    let Some(proposal) = proposals.iter().find(|p| p.id == id) else {
        return refuse("There is no such proposal.");
    };
    if proposal.state != State::Open {
        return refuse("That proposal is no longer open.");
    }
    if !proposal.parties().contains(me) {
        return refuse("This camp has no say in that proposal.");
    }
    if proposal.approvals.contains(me) {
        return refuse("This camp approved it already.");
    }
    if let Some(other) = busy_with(me, proposals) {
        return refuse(format!(
            "This camp has approved the change about {}, which is still waiting; a camp \
             approves one change at a time.",
            other.subject()
        ));
    }
    if proposal.subject() == me && hood.is_some() {
        return refuse("This camp already belongs to a neighborhood; leave it first.");
    }
    let mut approved = proposal.clone();
    approved.approvals.insert(me.to_string());
    Ok(approved)
}

/// An answer from elsewhere to a proposal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Approve,
    Decline,
}

/// `from`'s answer to `proposal`, as this camp records it.
pub fn answer(proposal: &Proposal, from: &str, answer: Answer) -> Result<Proposal, Refusal> {
    if !proposal.parties().contains(from) {
        return refuse("an answer from a camp that has no say in the proposal");
    }
    match &proposal.state {
        State::Open => {}
        State::Withdrawn => return refuse("an answer to a proposal that was withdrawn"),
        _ if answer == Answer::Approve && proposal.approvals.contains(from) => {
            return refuse("an approval seen before");
        }
        _ => return refuse("an answer to a proposal that is closed"),
    }
    let mut answered = proposal.clone();
    match answer {
        Answer::Approve => {
            answered.approvals.insert(from.to_string());
        }
        Answer::Decline => {
            answered.state = State::Declined {
                by: from.to_string(),
            };
        }
    }
    Ok(answered)
}

/// The proposer takes its proposal back.
pub fn withdraw(proposal: &Proposal, by: &str) -> Result<Proposal, Refusal> {
    if proposal.proposer != by {
        return refuse("only the camp that proposed it may withdraw it");
    }
    if proposal.state != State::Open {
        return refuse("That proposal is no longer open.");
    }
    Ok(Proposal {
        state: State::Withdrawn,
        ..proposal.clone()
    })
}

/// What a proposal's approvals make of this camp's neighborhood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Settled {
    /// Still waiting for someone.
    Waiting,
    /// Done: this is the neighborhood now (None: this camp was asked to leave).
    Done(Option<Hood>),
    /// Every approval came, but for a membership that has changed since: void.
    Void,
}

/// Whether `proposal` is complete, and if so the neighborhood it leaves this camp in.
pub fn settle(me: &str, hood: Option<&Hood>, proposal: &Proposal) -> Settled {
    if proposal.state != State::Open || !proposal.waiting_for().is_empty() {
        return Settled::Waiting;
    }
    let candidate_joining = proposal.subject() == me && hood.is_none();
    if !candidate_joining && members_of(me, hood) != proposal.members {
        return Settled::Void;
    }
    let mut members = proposal.members.clone();
    match &proposal.change {
        Change::Join { candidate } => {
            members.insert(candidate.clone());
        }
        Change::Remove { camp } => {
            members.remove(camp);
            if camp == me {
                return Settled::Done(None);
            }
        }
    }
    Settled::Done(dissolved_if_alone(Hood {
        id: proposal.neighborhood.clone(),
        members,
    }))
}

/// A neighborhood of one camp is none.
fn dissolved_if_alone(hood: Hood) -> Option<Hood> {
    (hood.members.len() > 1).then_some(hood)
}

/// `camp` left (or this camp learned it was removed): the neighborhood without it.
pub fn without(hood: &Hood, camp: &str) -> Option<Hood> {
    let mut members = hood.members.clone();
    members.remove(camp);
    dissolved_if_alone(Hood {
        id: hood.id.clone(),
        members,
    })
}

/// A neighborhood just made, without the camps that have already said they left it: messages
/// arrive in any order, so a camp's `Leave` (naming the neighborhood) can come before the last
/// approval that makes the neighborhood here. `departed` is (camp, neighborhood id).
pub fn without_departed(hood: Option<Hood>, departed: &[(String, String)]) -> Option<Hood> {
    let mut hood = hood?;
    for (camp, left) in departed {
        if *left == hood.id && hood.members.contains(camp) {
            hood = without(&hood, camp)?;
        }
    }
    Some(hood)
}

/// Whether the other camps are asking this camp to leave (a removal of `me` still open here). A
/// neighbor that then stops counting this camp has seen every approval: its `Leave` may arrive
/// before the last approval does here, and means the camp is out.
pub fn being_asked_to_leave(me: &str, proposals: &[Proposal]) -> bool {
    proposals.iter().any(|p| {
        p.state == State::Open && matches!(&p.change, Change::Remove { camp } if camp == me)
    })
}

/// After the neighborhood changed, the open proposals that were made for the old membership
/// (their ids): void, because their approvals were given for camps that are no longer those.
pub fn outdated<'a>(me: &str, hood: Option<&Hood>, proposals: &'a [Proposal]) -> Vec<&'a Proposal> {
    let members = members_of(me, hood);
    proposals
        .iter()
        .filter(|p| {
            p.state == State::Open && !(p.subject() == me && hood.is_none()) && p.members != members
        })
        .collect()
}

/// Whether this camp takes (and keeps) a neighborhood post from `origin`'s members: only while
/// `origin` is in its neighborhood. When a camp leaves or is removed, every camp drops the
/// neighborhood posts it holds from the camps that are no longer its neighbors.
pub fn holds_posts_from(me: &str, hood: Option<&Hood>, origin: &str) -> bool {
    origin != me && hood.is_some_and(|h| h.members.contains(origin))
}

/// How long a neighbor may be unheard from before its host is told.
pub const QUIET_AFTER_SECS: UnixTime = 3 * 24 * 3600;

/// How a neighbor is doing, from when this camp last heard from it (a delivery it accepted or
/// a message it sent). A quiet camp stays a neighbor (posts wait for it in the delivery queue,
/// and proposals wait for its answer); only its host is told, so that the others can ask it to
/// leave if it never comes back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Heard,
    Quiet { days: i64 },
}

pub fn standing(last_heard: UnixTime, now: UnixTime) -> Standing {
    let silent = now - last_heard;
    if silent < QUIET_AFTER_SECS {
        Standing::Heard
    } else {
        Standing::Quiet {
            days: silent / (24 * 3600),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "https://a.example/actor";
    const B: &str = "https://b.example/actor";
    const C: &str = "https://c.example/actor";
    const D: &str = "https://d.example/actor";

    /// (proposals here, whether C is being asked to leave)
    #[test]
    fn a_removal_of_this_camp_is_known_while_it_is_open() {
        let proposal = |change: Change, state: State| Proposal {
            id: "p".into(),
            change,
            proposer: A.into(),
            neighborhood: "n".into(),
            members: [A, B, C].iter().map(|s| s.to_string()).collect(),
            approvals: BTreeSet::new(),
            state,
        };
        let remove = |camp: &str| Change::Remove { camp: camp.into() };
        let cases = [
            (vec![], false),
            (vec![proposal(remove(C), State::Open)], true),
            (vec![proposal(remove(B), State::Open)], false),
            (vec![proposal(remove(C), State::Void)], false),
            (vec![proposal(remove(C), State::Done)], false),
            (vec![proposal(join(D), State::Open)], false),
            (
                vec![
                    proposal(join(D), State::Open),
                    proposal(remove(C), State::Open),
                ],
                true,
            ),
        ];
        for (proposals, asked) in cases {
            assert_eq!(being_asked_to_leave(C, &proposals), asked, "{proposals:?}");
        }
    }

    fn join(candidate: &str) -> Change {
        Change::Join {
            candidate: candidate.into(),
        }
    }

    /// One camp's state, driven through the rules the way the federation layer drives them.
    #[derive(Clone)]
    struct Camp {
        me: &'static str,
        hood: Option<Hood>,
        proposals: Vec<Proposal>,
        /// The `Leave`s heard from camps not counted then: (camp, neighborhood).
        departed: Vec<(String, String)>,
    }

    impl Camp {
        fn new(me: &'static str) -> Camp {
            Camp {
                me,
                hood: None,
                proposals: Vec::new(),
                departed: Vec::new(),
            }
        }

        fn keep(&mut self, p: Proposal) {
            self.proposals.retain(|q| q.id != p.id);
            self.proposals.push(p.clone());
            match settle(self.me, self.hood.as_ref(), &p) {
                Settled::Waiting => {}
                Settled::Void => self.set_state(&p.id, State::Void),
                Settled::Done(now) => {
                    self.set_state(&p.id, State::Done);
                    self.hood = without_departed(now, &self.departed);
                    let stale: Vec<String> = outdated(self.me, self.hood.as_ref(), &self.proposals)
                        .into_iter()
                        .map(|p| p.id.clone())
                        .collect();
                    for id in stale {
                        self.set_state(&id, State::Void);
                    }
                }
            }
        }

        fn set_state(&mut self, id: &str, state: State) {
            for p in &mut self.proposals {
                if p.id == id {
                    p.state = state.clone();
                }
            }
        }

        fn propose(&mut self, change: Change, id: &str) -> Result<Proposal, Refusal> {
            let p = propose(
                self.me,
                self.hood.as_ref(),
                &self.proposals,
                change,
                id,
                &format!("{}/neighborhoods/{id}", self.me),
            )?;
            self.keep(p.clone());
            Ok(p)
        }

        fn hear(&mut self, p: &Proposal) -> Result<Arrival, Refusal> {
            let arrival = receive(
                self.me,
                self.hood.as_ref(),
                &self.proposals,
                p.clone(),
                &p.proposer,
            )?;
            match &arrival {
                Arrival::Pending(p) | Arrival::Declined(p) => self.keep(p.clone()),
                Arrival::Crossed { stands, withdrawn } => {
                    self.set_state(withdrawn, State::Withdrawn);
                    let mut mine = stands.clone();
                    mine.state = State::Open;
                    self.keep(mine);
                }
                Arrival::Repeated => {}
            }
            Ok(arrival)
        }

        fn approve(&mut self, id: &str) -> Result<(), Refusal> {
            let p = approve(self.me, self.hood.as_ref(), &self.proposals, id)?;
            self.keep(p);
            Ok(())
        }

        fn hear_answer(&mut self, id: &str, from: &str, a: Answer) -> Result<(), Refusal> {
            let p = self.proposals.iter().find(|p| p.id == id).cloned().unwrap();
            let p = answer(&p, from, a)?;
            self.keep(p);
            Ok(())
        }

        fn members(&self) -> Vec<&str> {
            match &self.hood {
                Some(h) => h.members.iter().map(String::as_str).collect(),
                None => vec![],
            }
        }
    }

    /// A and B found a neighborhood (A proposes, B approves), seen from both.
    fn a_and_b() -> (Camp, Camp) {
        let (mut a, mut b) = (Camp::new(A), Camp::new(B));
        let p = a.propose(join(B), "p1").unwrap();
        b.hear(&p).unwrap();
        b.approve("p1").unwrap();
        a.hear_answer("p1", B, Answer::Approve).unwrap();
        (a, b)
    }

    #[test]
    fn two_camps_found_a_neighborhood_when_the_second_approves() {
        let (mut a, mut b) = (Camp::new(A), Camp::new(B));
        let p = a.propose(join(B), "p1").unwrap();
        assert_eq!(p.parties(), BTreeSet::from([A.into(), B.into()]));
        assert_eq!(p.waiting_for(), vec![B.to_string()]);
        assert!(a.hood.is_none(), "nothing changes before B says yes");
        assert!(matches!(b.hear(&p).unwrap(), Arrival::Pending(_)));
        assert!(b.hood.is_none());
        b.approve("p1").unwrap();
        assert_eq!(b.members(), vec![A, B], "B has seen both approvals");
        a.hear_answer("p1", B, Answer::Approve).unwrap();
        assert_eq!(a.members(), vec![A, B]);
        assert_eq!(a.hood, b.hood, "both camps hold the same neighborhood");
    }

    #[test]
    fn a_third_camp_joins_only_when_every_member_and_the_candidate_approve() {
        let (mut a, mut b) = a_and_b();
        let mut c = Camp::new(C);
        let p = a.propose(join(C), "p2").unwrap();
        assert_eq!(p.members, BTreeSet::from([A.into(), B.into()]));
        b.hear(&p).unwrap();
        c.hear(&p).unwrap();
        // C says yes first: not enough, B has not.
        c.approve("p2").unwrap();
        a.hear_answer("p2", C, Answer::Approve).unwrap();
        b.hear_answer("p2", C, Answer::Approve).unwrap();
        assert_eq!(a.members(), vec![A, B]);
        assert!(c.hood.is_none());
        // B says yes: everyone has seen every approval.
        b.approve("p2").unwrap();
        a.hear_answer("p2", B, Answer::Approve).unwrap();
        c.hear_answer("p2", B, Answer::Approve).unwrap();
        for camp in [&a, &b, &c] {
            assert_eq!(camp.members(), vec![A, B, C], "{}", camp.me);
        }
    }

    #[test]
    fn one_no_declines_for_everyone() {
        let (mut a, mut b) = a_and_b();
        let mut c = Camp::new(C);
        let p = a.propose(join(C), "p2").unwrap();
        b.hear(&p).unwrap();
        c.hear(&p).unwrap();
        c.approve("p2").unwrap();
        b.hear_answer("p2", C, Answer::Approve).unwrap();
        a.hear_answer("p2", B, Answer::Decline).unwrap();
        c.hear_answer("p2", B, Answer::Decline).unwrap();
        assert_eq!(
            a.proposals[1].state,
            State::Declined { by: B.into() },
            "A records who said no"
        );
        // A late approval changes nothing.
        assert!(a.hear_answer("p2", C, Answer::Approve).is_err());
        assert_eq!(a.members(), vec![A, B]);
        assert!(c.hood.is_none());
    }

    #[test]
    fn an_approval_for_a_withdrawn_proposal_is_refused() {
        let mut a = Camp::new(A);
        let p = a.propose(join(B), "p1").unwrap();
        let withdrawn = withdraw(&p, A).unwrap();
        a.keep(withdrawn);
        assert_eq!(
            a.hear_answer("p1", B, Answer::Approve),
            Err(Refusal("an answer to a proposal that was withdrawn".into()))
        );
        assert!(a.hood.is_none());
        assert!(withdraw(&p, B).is_err(), "only its proposer withdraws it");
    }

    #[test]
    fn answers_and_proposals_from_camps_without_a_say_are_refused() {
        let (mut a, _) = a_and_b();
        let p = a.propose(join(C), "p2").unwrap();
        // D is neither a member nor the candidate.
        assert!(answer(&p, D, Answer::Approve).is_err());
        // A proposal must come from its proposer.
        let mut c = Camp::new(C);
        assert!(
            receive(C, None, &c.proposals, p.clone(), D).is_err(),
            "D forwarding A's proposal"
        );
        // A proposal for a neighborhood D is not in, sent to D, is not D's business.
        assert!(receive(D, None, &[], p.clone(), A).is_err());
        // Heard twice: the second is a repeat.
        c.hear(&p).unwrap();
        assert_eq!(c.hear(&p).unwrap(), Arrival::Repeated);
    }

    #[test]
    fn a_member_refuses_a_proposal_that_names_other_members_than_it_knows() {
        let (a, mut b) = a_and_b();
        let mut forged = propose(A, a.hood.as_ref(), &[], join(C), "p9", "").unwrap();
        forged.members.insert(D.into());
        assert!(b.hear(&forged).is_err(), "D is not a member");
        let mut other = forged.clone();
        other.members.remove(D);
        other.neighborhood = "https://a.example/neighborhoods/other".into();
        assert!(b.hear(&other).is_err(), "another neighborhood");
    }

    #[test]
    fn neighborhoods_never_overlap() {
        let (mut a, mut b) = a_and_b();
        let (mut c, mut d) = (Camp::new(C), Camp::new(D));
        let p = c.propose(join(D), "q1").unwrap();
        d.hear(&p).unwrap();
        d.approve("q1").unwrap();
        c.hear_answer("q1", D, Answer::Approve).unwrap();
        assert_eq!(c.members(), vec![C, D]);
        // A asks C to join: C belongs to another neighborhood, so it declines by itself.
        let p = a.propose(join(C), "p2").unwrap();
        b.hear(&p).unwrap();
        assert!(matches!(c.hear(&p).unwrap(), Arrival::Declined(_)));
        // C's host cannot approve it either.
        assert!(c.approve("p2").is_err());
        // And C cannot propose A, which is in a neighborhood: A declines.
        let q = c.propose(join(A), "q2").unwrap();
        d.hear(&q).unwrap();
        assert!(matches!(a.hear(&q).unwrap(), Arrival::Declined(_)));
    }

    #[test]
    fn crossing_foundings_become_one() {
        let (mut a, mut b) = (Camp::new(A), Camp::new(B));
        let from_a = a.propose(join(B), "x-a").unwrap();
        let from_b = b.propose(join(A), "x-b").unwrap();
        // Each hears the other's before any answer: both pick x-a, approved by both.
        let at_b = b.hear(&from_a).unwrap();
        let at_a = a.hear(&from_b).unwrap();
        assert!(matches!(at_b, Arrival::Crossed { ref withdrawn, .. } if withdrawn == "x-b"));
        assert!(matches!(at_a, Arrival::Crossed { ref withdrawn, .. } if withdrawn == "x-b"));
        assert_eq!(a.members(), vec![A, B]);
        assert_eq!(b.members(), vec![A, B]);
        assert_eq!(a.hood.as_ref().unwrap().id, b.hood.as_ref().unwrap().id);
    }

    #[test]
    fn a_camp_approves_one_change_at_a_time_so_two_joins_cannot_skip_each_other() {
        let (mut a, mut b) = a_and_b();
        let (mut c, mut d) = (Camp::new(C), Camp::new(D));
        let pc = a.propose(join(C), "pc").unwrap();
        // B has approved nothing open, so it may propose D meanwhile.
        let pd = b.propose(join(D), "pd").unwrap();
        c.hear(&pc).unwrap();
        d.hear(&pd).unwrap();
        b.hear(&pc).unwrap();
        a.hear(&pd).unwrap();
        // A approved pc (its own), so it may not approve pd until pc is settled.
        assert!(a.approve("pd").is_err());
        assert!(b.approve("pc").is_err(), "B approved pd, its own");
        // B withdraws pd; now it may approve pc, and pc completes.
        let w = withdraw(&pd, B).unwrap();
        b.keep(w.clone());
        a.keep(w);
        b.approve("pc").unwrap();
        c.approve("pc").unwrap();
        a.hear_answer("pc", B, Answer::Approve).unwrap();
        a.hear_answer("pc", C, Answer::Approve).unwrap();
        assert_eq!(a.members(), vec![A, B, C]);
        // Proposing D again now needs C too.
        let pd2 = a.propose(join(D), "pd2").unwrap();
        assert_eq!(
            pd2.parties(),
            BTreeSet::from([A.into(), B.into(), C.into(), D.into()])
        );
    }

    #[test]
    fn a_proposal_completed_after_the_membership_changed_is_void() {
        let (mut a, mut b) = a_and_b();
        let mut c = Camp::new(C);
        let p = a.propose(join(C), "pc").unwrap();
        b.hear(&p).unwrap();
        c.hear(&p).unwrap();
        // B leaves before answering; A learns of it.
        a.hood = without(a.hood.as_ref().unwrap(), B);
        assert!(a.hood.is_none(), "a neighborhood of one is none");
        let stale: Vec<&str> = outdated(A, a.hood.as_ref(), &a.proposals)
            .into_iter()
            .map(|p| p.id.as_str())
            .collect();
        assert_eq!(stale, vec!["pc"]);
        // Were every approval to come anyway, settling it is void.
        let mut all = p.clone();
        all.approvals.extend([B.to_string(), C.to_string()]);
        assert_eq!(settle(A, a.hood.as_ref(), &all), Settled::Void);
        // The candidate itself joins the membership it agreed to.
        assert!(matches!(settle(C, None, &all), Settled::Done(Some(_))));
        // B, still holding the old neighborhood, would settle it; it left, so it holds none.
        b.hood = None;
        assert_eq!(settle(B, None, &all), Settled::Void);
    }

    #[test]
    fn a_camp_is_asked_to_leave_only_by_all_the_others() {
        let (mut a, mut b) = a_and_b();
        let mut c = Camp::new(C);
        let p = a.propose(join(C), "pc").unwrap();
        b.hear(&p).unwrap();
        c.hear(&p).unwrap();
        b.approve("pc").unwrap();
        c.approve("pc").unwrap();
        a.hear_answer("pc", B, Answer::Approve).unwrap();
        a.hear_answer("pc", C, Answer::Approve).unwrap();
        b.hear_answer("pc", C, Answer::Approve).unwrap();
        c.hear_answer("pc", B, Answer::Approve).unwrap();
        assert_eq!(c.members(), vec![A, B, C]);
        let remove = Change::Remove { camp: C.into() };
        let r = a.propose(remove, "rc").unwrap();
        assert_eq!(r.parties(), BTreeSet::from([A.into(), B.into()]));
        assert!(r.audience().contains(C), "C hears of it");
        b.hear(&r).unwrap();
        c.hear(&r).unwrap();
        assert!(c.approve("rc").is_err(), "C has no say");
        assert!(answer(&r, C, Answer::Decline).is_err(), "nor a veto");
        b.approve("rc").unwrap();
        assert_eq!(b.members(), vec![A, B]);
        a.hear_answer("rc", B, Answer::Approve).unwrap();
        c.hear_answer("rc", B, Answer::Approve).unwrap();
        assert_eq!(a.members(), vec![A, B]);
        assert!(c.hood.is_none(), "C learns it is out");
        // Leaving needs nobody: there is no proposal for it.
        assert!(a.propose(Change::Remove { camp: A.into() }, "ra").is_err());
    }

    #[test]
    fn a_quiet_camp_is_waited_for_and_counts_when_it_comes_back() {
        let day = 24 * 3600;
        let table = [
            (0, Standing::Heard),
            (2 * day, Standing::Heard),
            (3 * day, Standing::Quiet { days: 3 }),
            (10 * day + 5, Standing::Quiet { days: 10 }),
        ];
        for (silent, expected) in table {
            assert_eq!(standing(1_000_000, 1_000_000 + silent), expected);
        }
        // While C is quiet, its join waits; it answers days later and the join completes.
        let (mut a, mut b) = a_and_b();
        let p = a.propose(join(C), "pc").unwrap();
        b.hear(&p).unwrap();
        b.approve("pc").unwrap();
        a.hear_answer("pc", B, Answer::Approve).unwrap();
        assert_eq!(a.members(), vec![A, B], "waiting for C");
        let mut c = Camp::new(C);
        c.hear(&p).unwrap();
        c.approve("pc").unwrap();
        a.hear_answer("pc", C, Answer::Approve).unwrap();
        assert_eq!(a.members(), vec![A, B, C]);
    }

    mod property {
        use super::*;
        use proptest::prelude::*;

        const CAMPS: [&str; 4] = [A, B, C, D];

        /// A message on its way from one camp to another.
        #[derive(Clone, Debug)]
        enum Message {
            Offer(Proposal),
            Answer(String, Answer),
            Withdrawn(String),
            /// "We are no longer neighbors", naming the neighborhood.
            Left(String),
            /// A neighborhood post, addressed to the sender's neighborhood.
            Post(u32, String),
        }

        #[derive(Clone, Debug)]
        enum Step {
            Propose(usize, usize),
            RemoveCamp(usize, usize),
            Approve(usize, usize),
            Decline(usize, usize),
            Withdraw(usize, usize),
            Leave(usize),
            Post(usize),
            /// Deliver the n-th message in flight (mod their number): any order at all.
            Deliver(usize),
        }

        fn step() -> impl Strategy<Value = Step> {
            prop_oneof![
                (0..4usize, 0..4usize).prop_map(|(a, b)| Step::Propose(a, b)),
                (0..4usize, 0..4usize).prop_map(|(a, b)| Step::RemoveCamp(a, b)),
                (0..4usize, 0..8usize).prop_map(|(a, p)| Step::Approve(a, p)),
                (0..4usize, 0..8usize).prop_map(|(a, p)| Step::Decline(a, p)),
                (0..4usize, 0..8usize).prop_map(|(a, p)| Step::Withdraw(a, p)),
                (0..4usize).prop_map(Step::Leave),
                (0..4usize).prop_map(Step::Post),
                (0..64usize).prop_map(Step::Deliver),
                (0..64usize).prop_map(Step::Deliver),
                (0..64usize).prop_map(Step::Deliver),
            ]
        }

        struct World {
            camps: Vec<Camp>,
            /// (from, to, message)
            wire: Vec<(usize, usize, Message)>,
            /// Neighborhood posts each camp holds: (origin camp, post number).
            held: Vec<Vec<(usize, u32)>>,
            /// Each camp's neighborhood when it last looked, to tell those it no longer counts.
            counted: Vec<Option<Hood>>,
            next: u32,
        }

        impl World {
            fn index(actor: &str) -> usize {
                CAMPS.iter().position(|c| *c == actor).unwrap()
            }

            fn send(&mut self, from: usize, to: impl IntoIterator<Item = String>, m: Message) {
                for camp in to {
                    let to = World::index(&camp);
                    if to != from {
                        self.wire.push((from, to, m.clone()));
                    }
                }
            }

            /// After any change: a camp drops what it may no longer hold, and tells every camp it
            /// no longer counts as a neighbor (a Leave), whether it left, asked it to leave, or
            /// learned that it went.
            fn tidy(&mut self, at: usize) {
                let camp = &self.camps[at];
                self.held[at].retain(|(origin, _)| {
                    holds_posts_from(camp.me, camp.hood.as_ref(), CAMPS[*origin])
                });
                let now = members_of(camp.me, camp.hood.as_ref());
                let before = self.counted[at].clone();
                self.counted[at] = camp.hood.clone();
                if let Some(before) = before {
                    let gone: Vec<String> = before.members.difference(&now).cloned().collect();
                    self.send(at, gone, Message::Left(before.id));
                }
            }

            fn nth_open(&self, at: usize, n: usize) -> Option<Proposal> {
                let open: Vec<&Proposal> = self.camps[at]
                    .proposals
                    .iter()
                    .filter(|p| p.state == State::Open)
                    .collect();
                (!open.is_empty()).then(|| open[n % open.len()].clone())
            }

            fn run(&mut self, step: Step) {
                match step {
                    Step::Propose(a, b) | Step::RemoveCamp(a, b) => {
                        let change = match step {
                            Step::Propose(..) => join(CAMPS[b]),
                            _ => Change::Remove {
                                camp: CAMPS[b].into(),
                            },
                        };
                        self.next += 1;
                        let id = format!("{}/p/{}", CAMPS[a], self.next);
                        if let Ok(p) = self.camps[a].propose(change, &id) {
                            self.send(a, p.audience(), Message::Offer(p));
                            self.tidy(a);
                        }
                    }
                    Step::Approve(a, n) | Step::Decline(a, n) => {
                        let Some(p) = self.nth_open(a, n) else { return };
                        let me = self.camps[a].me;
                        let answer_given = if matches!(step, Step::Approve(..)) {
                            if self.camps[a].approve(&p.id).is_err() {
                                return;
                            }
                            Answer::Approve
                        } else {
                            let Ok(declined) = answer(&p, me, Answer::Decline) else {
                                return;
                            };
                            self.camps[a].keep(declined);
                            Answer::Decline
                        };
                        self.send(a, p.audience(), Message::Answer(p.id.clone(), answer_given));
                        self.tidy(a);
                    }
                    Step::Withdraw(a, n) => {
                        let Some(p) = self.nth_open(a, n) else { return };
                        if let Ok(w) = withdraw(&p, self.camps[a].me) {
                            self.camps[a].keep(w);
                            self.send(a, p.audience(), Message::Withdrawn(p.id));
                        }
                    }
                    Step::Leave(a) => {
                        if self.camps[a].hood.take().is_some() {
                            self.tidy(a);
                        }
                    }
                    Step::Post(a) => {
                        self.next += 1;
                        let camp = &self.camps[a];
                        let to: Vec<String> = camp
                            .hood
                            .as_ref()
                            .map(|h| h.neighbors(camp.me).cloned().collect())
                            .unwrap_or_default();
                        let n = self.next;
                        if let Some(h) = &camp.hood {
                            let id = h.id.clone();
                            self.send(a, to, Message::Post(n, id));
                        }
                    }
                    Step::Deliver(n) => {
                        if self.wire.is_empty() {
                            return;
                        }
                        let (from, to, m) = self.wire.remove(n % self.wire.len());
                        self.deliver(from, to, m);
                    }
                }
            }

            fn deliver(&mut self, from: usize, to: usize, m: Message) {
                let sender = CAMPS[from];
                let camp = &mut self.camps[to];
                match m {
                    Message::Offer(p) => {
                        if let Ok(Arrival::Declined(d)) = camp.hear(&p) {
                            let _ = d;
                            let audience = p.audience();
                            self.send(to, audience, Message::Answer(p.id, Answer::Decline));
                        }
                    }
                    Message::Answer(id, a) => {
                        if let Some(p) = camp.proposals.iter().find(|p| p.id == id).cloned()
                            && let Ok(answered) = answer(&p, sender, a)
                        {
                            camp.keep(answered);
                        }
                    }
                    Message::Withdrawn(id) => {
                        if let Some(p) = camp.proposals.iter().find(|p| p.id == id).cloned()
                            && let Ok(w) = withdraw(&p, sender)
                        {
                            camp.keep(w);
                        }
                    }
                    Message::Left(left) => {
                        if let Some(h) = &camp.hood
                            && h.members.contains(sender)
                            && h.id == left
                        {
                            camp.hood = without(h, sender);
                            let stale: Vec<String> =
                                outdated(camp.me, camp.hood.as_ref(), &camp.proposals)
                                    .into_iter()
                                    .map(|p| p.id.clone())
                                    .collect();
                            for id in stale {
                                camp.set_state(&id, State::Void);
                            }
                        } else {
                            camp.departed.push((sender.to_string(), left));
                        }
                    }
                    Message::Post(n, hood) => {
                        // Addressed to this camp's neighborhood (by its id), from a neighbor.
                        if camp.hood.as_ref().is_some_and(|h| h.id == hood)
                            && holds_posts_from(camp.me, camp.hood.as_ref(), sender)
                        {
                            self.held[to].push((from, n));
                        } else {
                            // Refused, and the sender is told: we are not neighbors.
                            self.send(to, [sender.to_string()], Message::Left(hood));
                        }
                    }
                }
                self.tidy(to);
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

            /// Whatever camps propose, approve, decline, withdraw, leave and post, and in whatever
            /// order their messages arrive: a camp shows a neighborhood post only from a camp in
            /// its neighborhood at that moment, a post reaches only camps its origin counted as
            /// neighbors when it was sent, and once every message has arrived, every post held
            /// anywhere is held by a camp that its origin counts as a neighbor, and the other way.
            #[test]
            fn no_neighborhood_post_is_seen_outside_the_neighborhood(steps in prop::collection::vec(step(), 1..120)) {
                let mut world = World {
                    camps: CAMPS.iter().map(|c| Camp::new(c)).collect(),
                    wire: Vec::new(),
                    held: vec![Vec::new(); 4],
                    counted: vec![None; 4],
                    next: 0,
                };
                for step in steps {
                    world.run(step);
                    for (at, held) in world.held.iter().enumerate() {
                        let camp = &world.camps[at];
                        for (origin, _) in held {
                            prop_assert!(holds_posts_from(camp.me, camp.hood.as_ref(), CAMPS[*origin]));
                        }
                    }
                    for (from, to, m) in &world.wire {
                        if let Message::Post(..) = m {
                            prop_assert_ne!(from, to);
                        }
                    }
                }
                while !world.wire.is_empty() {
                    world.run(Step::Deliver(0));
                }
                for (at, held) in world.held.iter().enumerate() {
                    for (origin, _) in held {
                        let (holder, from) = (&world.camps[at], &world.camps[*origin]);
                        prop_assert!(holds_posts_from(holder.me, holder.hood.as_ref(), from.me));
                        prop_assert!(
                            holds_posts_from(from.me, from.hood.as_ref(), holder.me),
                            "{} holds a post of {}, which does not count it as a neighbor",
                            holder.me, from.me
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_camp_asked_already_approves_rather_than_proposing_back() {
        let (mut a, mut b) = (Camp::new(A), Camp::new(B));
        let p = a.propose(join(B), "p1").unwrap();
        b.hear(&p).unwrap();
        assert!(
            b.propose(join(A), "p2").is_err(),
            "B must approve A's instead"
        );
        assert!(a.propose(join(B), "p3").is_err(), "the same proposal twice");
        b.approve("p1").unwrap();
        assert_eq!(b.members(), vec![A, B]);
    }

    #[test]
    fn a_camp_cannot_propose_itself_an_existing_neighbor_or_a_stranger_s_removal() {
        let (a, _) = a_and_b();
        let h = a.hood.as_ref();
        let cases = [
            (join(A), "That is this camp."),
            (join(B), "That camp is already a neighbor."),
            (
                Change::Remove { camp: D.into() },
                "That camp is not in the neighborhood.",
            ),
        ];
        for (change, why) in cases {
            assert_eq!(
                propose(A, h, &[], change, "x", ""),
                Err(Refusal(why.into()))
            );
        }
    }
}
