//! The host's side of neighborhoods (docs/NEIGHBORHOODS.md): propose a camp, approve or decline
//! a proposal, withdraw one's own, leave, ask a camp to leave, and read where things stand. The
//! consent rules are `core::neighborhood`'s; what they decide is kept and sent by
//! `federation::neighborhood`, which the inbox uses too. Only hosts act for the camp.

use porchlight_core::audience::Role;
use porchlight_core::neighborhood::{self as rules, Answer, Change, Proposal, State};
use porchlight_core::views::{NeighborCampView, NeighborhoodView, ProposalView};
use porchlight_db::neighborhood as store;
use porchlight_db::now;
use porchlight_federation::neighborhood::{self as hood, host_of};
use porchlight_federation::resolve;

use crate::members::require_acting;
use crate::moderation::normalize_domain;
use crate::remote::explain;
use crate::{Acting, App, AppError, AppResult};

fn refused(why: rules::Refusal) -> AppError {
    AppError::Invalid(why.0)
}

impl App {
    /// Where the neighborhood stands, for the host's page.
    pub fn neighborhood(&self) -> AppResult<NeighborhoodView> {
        let Some(fed) = &self.federation else {
            return Ok(NeighborhoodView::default());
        };
        let me = hood::me(&fed.me);
        let now = now();
        self.db.read(|c| -> AppResult<NeighborhoodView> {
            let current = store::hood(c, &me)?;
            let proposals = store::proposals(c, 30)?;
            let open: Vec<Proposal> = store::all_proposals(c)?;
            let camps = store::camps(c)?
                .into_iter()
                .map(|camp| NeighborCampView {
                    quiet_days: match rules::standing(camp.heard_at, now) {
                        rules::Standing::Heard => None,
                        rules::Standing::Quiet { days } => Some(days),
                    },
                    host: camp.host,
                    joined_at: camp.joined_at,
                })
                .collect();
            let proposals = proposals
                .into_iter()
                .map(|(p, updated_at)| ProposalView {
                    what: describe(&me, &p),
                    state: p.state.as_str(),
                    declined_by: match &p.state {
                        State::Declined { by } => Some(host_of(by)),
                        _ => None,
                    },
                    waiting_for: p
                        .waiting_for()
                        .iter()
                        .map(|c| {
                            if *c == me {
                                "this camp".into()
                            } else {
                                host_of(c)
                            }
                        })
                        .collect(),
                    may_approve: rules::approve(&me, current.as_ref(), &open, &p.id).is_ok(),
                    may_withdraw: p.state == State::Open && p.proposer == me,
                    id: p.id,
                    updated_at,
                })
                .collect();
            Ok(NeighborhoodView {
                me: fed.me.host.clone(),
                in_one: current.is_some(),
                camps,
                proposals,
                log: store::recent_log(c, 20)?,
            })
        })
    }

    /// The host proposes that the camp at `address` becomes a neighbor (joins this camp's
    /// neighborhood, or founds one with it).
    pub fn propose_neighbor(&self, by: Acting, address: &str) -> AppResult<String> {
        let fed = self.federating()?;
        let host = normalize_domain(address)?;
        if host == fed.me.host {
            return Err(AppError::Invalid("That is this camp's own address.".into()));
        }
        self.db.read(|c| require_acting(c, by, Role::Host))?;
        let actor_id = format!("{}://{host}/actor", fed.client.default_scheme());
        // Fetched before anything is written: the camp must be there and be a camp.
        refuse_if_blocked(&self.db, &host)?;
        let camp = resolve::actor(fed, &self.db, &actor_id, true).map_err(explain)?;
        if camp.uri != actor_id || !hood::is_camp_actor(&camp.uri, &camp.username) {
            return Err(AppError::Invalid(format!(
                "{host} does not answer as a camp (its server's own actor was not found)."
            )));
        }
        self.make_proposal(
            by,
            Change::Join {
                candidate: camp.uri,
            },
            &format!("This camp proposed {host} as a neighbor."),
        )?;
        Ok(format!(
            "Proposed. {host} and every camp of the neighborhood must approve."
        ))
    }

    /// The host proposes that the others ask the camp at `address` to leave.
    pub fn ask_to_leave(&self, by: Acting, address: &str) -> AppResult<String> {
        self.federating()?;
        let host = normalize_domain(address)?;
        let camp = self
            .db
            .read(store::camps)?
            .into_iter()
            .find(|c| c.host == host)
            .ok_or_else(|| AppError::Invalid(format!("{host} is not a neighbor.")))?;
        self.make_proposal(
            by,
            Change::Remove { camp: camp.actor },
            &format!("This camp proposed asking {host} to leave the neighborhood."),
        )?;
        Ok(format!(
            "Proposed. {host} leaves once every other camp approves."
        ))
    }

    /// Makes this camp's proposal, if the rules allow it, and sends it to every camp it
    /// concerns; `said` is what the host's page says of it.
    fn make_proposal(&self, by: Acting, change: Change, said: &str) -> AppResult<()> {
        let fed = self.federating()?;
        let me = hood::me(&fed.me);
        self.db.write(|tx| -> AppResult<()> {
            require_acting(tx, by, Role::Host)?;
            let (current, proposals) = hood::state(tx, &fed.me)?;
            let token = hood::token();
            let proposal = rules::propose(
                &me,
                current.as_ref(),
                &proposals,
                change,
                &format!("{}/neighborhood/proposals/{token}", fed.me.base_url),
                &format!("{}/neighborhoods/{token}", fed.me.base_url),
            )
            .map_err(refused)?;
            let now = now();
            store::log(tx, said, now)?;
            hood::record(tx, &fed.me, &proposal, now)?;
            hood::send_offer(tx, &fed.me, &proposal, now)?;
            Ok(())
        })
    }

    /// The host answers a proposal.
    pub fn answer_proposal(&self, by: Acting, id: &str, answer: Answer) -> AppResult<String> {
        let fed = self.federating()?;
        let me = hood::me(&fed.me);
        self.db.write(|tx| -> AppResult<String> {
            require_acting(tx, by, Role::Host)?;
            let (current, proposals) = hood::state(tx, &fed.me)?;
            // Every camp this one would count as a neighbor after the join.
            if answer == Answer::Approve
                && let Some(p) = proposals.iter().find(|p| p.id == id)
                && let Change::Join { candidate } = &p.change
            {
                for camp in p.members.iter().chain([candidate]) {
                    if *camp != me {
                        refuse_if_blocked_in(tx, &host_of(camp))?;
                    }
                }
            }
            let answered = match answer {
                Answer::Approve => rules::approve(&me, current.as_ref(), &proposals, id),
                Answer::Decline => {
                    let Some(p) = proposals.iter().find(|p| p.id == id) else {
                        return Err(AppError::NotFound);
                    };
                    rules::answer(p, &me, Answer::Decline)
                }
            }
            .map_err(refused)?;
            let now = now();
            let subject = host_of(answered.subject());
            let said = match answer {
                Answer::Approve => format!("This camp approved the proposal about {subject}."),
                Answer::Decline => format!("This camp declined the proposal about {subject}."),
            };
            store::log(tx, &said, now)?;
            // Sent before it is settled, so that a change it completes cannot keep the
            // answer from the camps it concerns.
            hood::send_answer(tx, &fed.me, &answered, answer, now)?;
            hood::record(tx, &fed.me, &answered, now)?;
            Ok(match answer {
                Answer::Approve => "Approved.".into(),
                Answer::Decline => "Declined.".into(),
            })
        })
    }

    /// The host takes back the camp's own open proposal.
    pub fn withdraw_proposal(&self, by: Acting, id: &str) -> AppResult<String> {
        let fed = self.federating()?;
        let me = hood::me(&fed.me);
        self.db.write(|tx| -> AppResult<String> {
            require_acting(tx, by, Role::Host)?;
            let (_, proposals) = hood::state(tx, &fed.me)?;
            let p = proposals
                .iter()
                .find(|p| p.id == id)
                .ok_or(AppError::NotFound)?;
            let withdrawn = rules::withdraw(p, &me).map_err(refused)?;
            let now = now();
            store::save_proposal(tx, &withdrawn, now)?;
            store::log(
                tx,
                &format!(
                    "This camp withdrew its proposal about {}.",
                    host_of(p.subject())
                ),
                now,
            )?;
            hood::send_withdraw(tx, &fed.me, &withdrawn, now)?;
            Ok("Withdrawn.".into())
        })
    }

    /// The camp leaves its neighborhood; nobody has to agree.
    pub fn leave_neighborhood(&self, by: Acting) -> AppResult<String> {
        let fed = self.federating()?;
        self.db.write(|tx| -> AppResult<String> {
            require_acting(tx, by, Role::Host)?;
            let (current, _) = hood::state(tx, &fed.me)?;
            if current.is_none() {
                return Err(AppError::Invalid(
                    "This camp is not in a neighborhood.".into(),
                ));
            }
            let now = now();
            store::log(tx, "This camp left the neighborhood.", now)?;
            hood::change_hood(tx, &fed.me, None, now)?;
            Ok("This camp has left the neighborhood. The neighbors' posts are gone from here, and they no longer see this camp's.".into())
        })
    }

    /// Whether the camp is in a neighborhood now (the composer offers the audience only then).
    pub fn in_neighborhood(&self) -> AppResult<bool> {
        Ok(self.db.read(store::neighborhood_uri)?.is_some())
    }
}

/// A camp this camp blocks cannot become its neighbor: the host lifts the block first (a block
/// would cut the neighborhood's posts and messages halfway).
fn refuse_if_blocked(db: &porchlight_db::Db, host: &str) -> AppResult<()> {
    db.read(|c| refuse_if_blocked_in(c, host))
}

fn refuse_if_blocked_in(c: &porchlight_db::Connection, host: &str) -> AppResult<()> {
    if let Some(block) = porchlight_db::federation::block_for(c, host)? {
        return Err(AppError::Invalid(format!(
            "This camp blocks {} ({}); lift the block on the host's page before becoming neighbors.",
            host, block.domain
        )));
    }
    Ok(())
}

/// One sentence about a proposal, from this camp's side.
fn describe(me: &str, p: &Proposal) -> String {
    let name = |camp: &str| {
        if camp == me {
            "this camp".to_string()
        } else {
            host_of(camp)
        }
    };
    let proposer = if p.proposer == me {
        "This camp".to_string()
    } else {
        host_of(&p.proposer)
    };
    let subject = name(p.subject());
    match (&p.change, p.members.len()) {
        (Change::Join { .. }, 1) if p.proposer == me => {
            format!("This camp asked {subject} to be neighbors.")
        }
        (Change::Join { .. }, 1) => format!("{proposer} asks {subject} to be neighbors."),
        (Change::Join { .. }, _) => {
            format!("{proposer} proposes that {subject} joins the neighborhood.")
        }
        (Change::Remove { .. }, _) => {
            format!("{proposer} proposes asking {subject} to leave the neighborhood.")
        }
    }
}
