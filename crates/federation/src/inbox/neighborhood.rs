//! Neighborhood messages from another camp's instance actor (docs/NEIGHBORHOODS.md): a
//! proposal, an answer to one, a withdrawal, a `Leave`. Each is weighed by the consent rules
//! against what this camp has seen itself; whatever is refused is said in the log and on the
//! host's page, and changes nothing.

use porchlight_ap::neighborhood::{self as wire, Message};
use porchlight_core::neighborhood::{self as rules, Answer, Arrival, State};
use porchlight_db::neighborhood as store;
use porchlight_db::now;
use serde_json::Value;

use super::Context;
use crate::neighborhood::{self as hood, host_of};
use crate::{FedError, resolve};

#[derive(Debug, PartialEq)]
pub(super) struct NeighborhoodMessage(Message);

impl NeighborhoodMessage {
    pub fn read(activity: &Value, actor: &str) -> Result<NeighborhoodMessage, FedError> {
        wire::read(activity, actor)
            .map(NeighborhoodMessage)
            .map_err(FedError::Invalid)
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let sender = cx.actor.uri.clone();
        let from = host_of(&sender);
        // Camps speak through their instance actors (`https://HOST/actor`, named after the
        // host as Mastodon's is): a person's account cannot stand for a camp.
        if !hood::is_camp_actor(&sender, &cx.actor.username) {
            return refused(
                cx,
                &format!("{from}: a neighborhood message from a person's account, not a camp"),
            );
        }
        let identity = &cx.fed.me;
        let me = hood::me(identity);
        if let Message::Offer(p) = &self.0 {
            // Weighed first, without writing: a proposal that will be refused costs no fetch.
            let (current, proposals) = cx.db.read(|c| hood::state(c, identity))?;
            if let Err(why) = rules::receive(&me, current.as_ref(), &proposals, p.clone(), &sender)
            {
                return refused(
                    cx,
                    &format!("A proposal from {from} was refused: {}.", why.0),
                );
            }
            // Every camp this one may have to answer: known before anything is written.
            for camp in p.audience() {
                if camp != me && camp != sender {
                    resolve::actor(cx.fed, cx.db, &camp, false)?;
                }
            }
        }
        let outcome = cx.db.write(|tx| -> Result<Option<String>, FedError> {
            let now = now();
            store::heard_from(tx, &from, now)?;
            let (current, proposals) = hood::state(tx, identity)?;
            let find = |id: &str| proposals.iter().find(|p| p.id == id).cloned();
            match self.0 {
                Message::Offer(offer) => {
                    let subject = host_of(offer.subject());
                    let heard = offer.clone();
                    match rules::receive(&me, current.as_ref(), &proposals, offer, &sender) {
                        Err(why) => return Ok(Some(format!("A proposal from {from} was refused: {}.", why.0))),
                        Ok(Arrival::Repeated) => {}
                        Ok(Arrival::Pending(p)) => {
                            let what = match (&p.change, p.subject() == me) {
                                (rules::Change::Join { .. }, true) => {
                                    format!("{from} asks this camp to be neighbors.")
                                }
                                (rules::Change::Join { .. }, false) => {
                                    format!("{from} proposes that {subject} joins the neighborhood.")
                                }
                                (rules::Change::Remove { .. }, true) => format!(
                                    "{from} proposes that this camp leaves the neighborhood."
                                ),
                                (rules::Change::Remove { .. }, false) => format!(
                                    "{from} proposes that {subject} is asked to leave the neighborhood."
                                ),
                            };
                            store::log(tx, &what, now)?;
                            hood::record(tx, identity, &p, now)?;
                        }
                        Ok(Arrival::Declined(p)) => {
                            store::log(
                                tx,
                                &format!(
                                    "{from} asked this camp to join its neighborhood; declined, as this camp belongs to one already."
                                ),
                                now,
                            )?;
                            store::save_proposal(tx, &p, now)?;
                            hood::send_answer(tx, identity, &p, Answer::Decline, now)?;
                        }
                        Ok(Arrival::Crossed { stands, withdrawn }) => {
                            // Whichever gives way is kept as withdrawn, so that a repeat of
                            // it is recognised rather than answered.
                            let gave_way = find(&withdrawn).unwrap_or(heard);
                            store::save_proposal(
                                tx,
                                &rules::Proposal {
                                    state: State::Withdrawn,
                                    ..gave_way
                                },
                                now,
                            )?;
                            store::log(
                                tx,
                                &format!("{from} and this camp asked each other at once: both agreed."),
                                now,
                            )?;
                            hood::record(tx, identity, &stands, now)?;
                        }
                    }
                }
                Message::Answer { proposal, answer } => {
                    let Some(p) = find(&proposal) else {
                        return Ok(Some(format!("An answer from {from} to a proposal this camp never saw was ignored.")));
                    };
                    match rules::answer(&p, &sender, answer) {
                        Err(why) => return Ok(Some(format!("An answer from {from} was refused: {}.", why.0))),
                        Ok(answered) => {
                            let subject = if p.subject() == me {
                                "this camp".to_string()
                            } else {
                                host_of(p.subject())
                            };
                            let said = match (answer, p.subject() == sender) {
                                (Answer::Approve, true) => format!("{from} said yes."),
                                (Answer::Decline, true) => format!("{from} said no."),
                                (Answer::Approve, false) => {
                                    format!("{from} approved the proposal about {subject}.")
                                }
                                (Answer::Decline, false) => {
                                    format!("{from} declined the proposal about {subject}.")
                                }
                            };
                            store::log(tx, &said, now)?;
                            hood::record(tx, identity, &answered, now)?;
                        }
                    }
                }
                Message::Withdraw { proposal } => {
                    let Some(p) = find(&proposal) else {
                        return Ok(None);
                    };
                    match rules::withdraw(&p, &sender) {
                        Err(why) => return Ok(Some(format!("A withdrawal from {from} was refused: {}.", why.0))),
                        Ok(w) => {
                            store::save_proposal(tx, &w, now)?;
                            store::log(
                                tx,
                                &format!("{from} withdrew its proposal about {}.", host_of(p.subject())),
                                now,
                            )?;
                        }
                    }
                }
                Message::BlocksChanged => {
                    if !store::is_neighbor_host(tx, &from)? {
                        return Ok(Some(format!(
                            "{from} said its block list changed, but it is not a neighbor."
                        )));
                    }
                    porchlight_db::blocklists::make_due(tx, &from)?;
                }
                Message::Leave { neighborhood } => match &current {
                    Some(h) if h.members.contains(&sender) && h.id == neighborhood => {
                        if rules::being_asked_to_leave(&me, &proposals) {
                            // A camp drops one it was asked to remove only once every other camp
                            // approved (`rules::settle`): this camp is out, whichever arrives
                            // first here, that camp's Leave or the last approval.
                            store::log(tx, hood::ASKED_TO_LEAVE, now)?;
                            hood::change_hood(tx, identity, None, now)?;
                        } else {
                            store::log(tx, &format!("{from} left the neighborhood."), now)?;
                            hood::change_hood(tx, identity, rules::without(h, &sender), now)?;
                        }
                    }
                    // Not (yet) counted there: kept, in case the approval that makes the
                    // neighborhood here is still on its way.
                    _ => store::record_departure(tx, &sender, &neighborhood, now)?,
                },
            }
            Ok(None)
        })?;
        match outcome {
            Some(why) => refused(cx, &why),
            None => Ok(()),
        }
    }
}

/// A message that changes nothing: said in the log and on the host's page.
fn refused(cx: &Context, why: &str) -> Result<(), FedError> {
    log::warn!("neighborhood: {why}");
    cx.db.write(|tx| store::log(tx, why, now()))?;
    Ok(())
}
