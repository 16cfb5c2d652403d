//! The neighborhood protocol on the wire (docs/NEIGHBORHOODS.md), with no I/O: the activities
//! camps' instance actors send each other, built from and read into the rules' own values
//! (`porchlight_core::neighborhood`). Reading is strict: anything that is not exactly one of
//! these shapes is not a neighborhood message.

use std::collections::BTreeSet;

use porchlight_core::neighborhood::{Answer, Change, Proposal, State};
use serde_json::{Value, json};

use crate::inbound::{id_of, ids, kind, str_field};

/// The extension terms: `Neighborhood` (an object type) and `members` (its camps). `urn:`
/// rather than a web address: the terms are defined by docs/NEIGHBORHOODS.md in the source,
/// not by a page anyone must keep online.
pub const NAMESPACE: &str = "urn:porchlight:neighborhood#";

fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        {
            "pl": NAMESPACE,
            "Neighborhood": "pl:Neighborhood",
            "members": { "@id": "pl:members", "@type": "@id", "@container": "@set" },
        }
    ])
}

fn sorted(set: &BTreeSet<String>) -> Vec<String> {
    set.iter().cloned().collect()
}

/// The camps a message goes to: `to` lists them, so that each can see who else heard it.
fn addressed(to: &BTreeSet<String>, sender: &str) -> Vec<String> {
    to.iter()
        .filter(|c| c.as_str() != sender)
        .cloned()
        .collect()
}

/// A proposal: `Offer` of a `Join` (a camp joining, or with a lone proposer, founding) or a
/// `Remove` (the others asking a camp to leave) of the neighborhood as it stands.
pub fn offer(p: &Proposal) -> Value {
    let neighborhood = json!({
        "id": p.neighborhood,
        "type": "Neighborhood",
        "members": sorted(&p.members),
    });
    let change = match &p.change {
        Change::Join { candidate } => json!({
            "type": "Join",
            "actor": candidate,
            "object": neighborhood,
        }),
        Change::Remove { camp } => json!({
            "type": "Remove",
            "actor": p.proposer,
            "object": camp,
            "target": neighborhood,
        }),
    };
    json!({
        "@context": context(),
        "id": p.id,
        "type": "Offer",
        "actor": p.proposer,
        "object": change,
        "to": addressed(&p.audience(), &p.proposer),
    })
}

/// An answer to a proposal: `Accept` or `Reject` of the `Offer`, to every camp it concerns.
pub fn answer(id: &str, camp: &str, p: &Proposal, answer: Answer) -> Value {
    json!({
        "@context": context(),
        "id": id,
        "type": match answer { Answer::Approve => "Accept", Answer::Decline => "Reject" },
        "actor": camp,
        "object": { "id": p.id, "type": "Offer", "actor": p.proposer },
        "to": addressed(&p.audience(), camp),
    })
}

/// The proposer takes its proposal back: `Undo` of the `Offer`.
pub fn withdraw(id: &str, p: &Proposal) -> Value {
    json!({
        "@context": context(),
        "id": id,
        "type": "Undo",
        "actor": p.proposer,
        "object": { "id": p.id, "type": "Offer", "actor": p.proposer },
        "to": addressed(&p.audience(), &p.proposer),
    })
}

/// "We are no longer neighbors": `Leave` of the neighborhood, sent to each camp this one no
/// longer counts (all of them when it leaves; one asked to leave; one that is not a neighbor
/// but sent a neighborhood message).
pub fn leave(id: &str, camp: &str, neighborhood: &str, to: &[String]) -> Value {
    json!({
        "@context": context(),
        "id": id,
        "type": "Leave",
        "actor": camp,
        "object": { "id": neighborhood, "type": "Neighborhood" },
        "to": to,
    })
}

/// This camp's block list as its neighbors read it (`GET /neighborhood/blocks`, signed by a
/// neighbor): each blocked domain with its level, and its reason where the host shares them.
pub fn block_list(id: &str, blocks: &[(String, &str, String)]) -> Value {
    let items: Vec<Value> = blocks
        .iter()
        .map(|(domain, severity, comment)| {
            json!({ "type": "DomainBlock", "domain": domain, "severity": severity, "comment": comment })
        })
        .collect();
    json!({
        "@context": context(),
        "id": id,
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    })
}

/// A neighbor's block list, read: (domain, severity, comment) for each item. A document that
/// is not such a list, or has an item that is not a block, is refused whole.
pub fn read_block_list(doc: &Value) -> Result<Vec<(String, String, String)>, String> {
    if kind(doc) != "OrderedCollection" {
        return Err("not a block list".into());
    }
    let items = doc
        .get("orderedItems")
        .and_then(Value::as_array)
        .ok_or("a block list without items")?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let (Some(domain), Some(severity)) =
            (str_field(item, "domain"), str_field(item, "severity"))
        else {
            return Err(format!("item {} of the block list is not a block", i + 1));
        };
        out.push((
            domain.to_string(),
            severity.to_string(),
            str_field(item, "comment").unwrap_or("").to_string(),
        ));
    }
    Ok(out)
}

/// "Our block list changed": an `Update` of it, so that neighbors read it again now rather
/// than on their next round.
pub fn blocks_changed(id: &str, camp: &str, list: &str, to: &[String]) -> Value {
    json!({
        "@context": context(),
        "id": id,
        "type": "Update",
        "actor": camp,
        "object": { "id": list, "type": "DomainBlocks" },
        "to": to,
    })
}

/// The most camps a neighborhood may name: a handful of small servers, not a federation.
pub const MAX_CAMPS: usize = 16;

/// A neighborhood message, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A proposal, as its proposer states it (approved by the proposer alone).
    Offer(Proposal),
    Answer {
        proposal: String,
        answer: Answer,
    },
    Withdraw {
        proposal: String,
    },
    Leave {
        neighborhood: String,
    },
    /// The sender's block list changed.
    BlocksChanged,
}

/// Whether `activity` is a neighborhood message (by its shape), before it is read.
pub fn is_message(activity: &Value) -> bool {
    let object = activity.get("object").unwrap_or(&Value::Null);
    match kind(activity) {
        "Offer" => matches!(kind(object), "Join" | "Remove"),
        "Accept" | "Reject" | "Undo" => kind(object) == "Offer",
        "Leave" => kind(object) == "Neighborhood",
        "Update" => kind(object) == "DomainBlocks",
        _ => false,
    }
}

/// Reads a neighborhood message sent by `actor`; anything malformed is refused with why.
pub fn read(activity: &Value, actor: &str) -> Result<Message, String> {
    let object = activity.get("object").unwrap_or(&Value::Null);
    let object_id = || {
        id_of(object)
            .filter(|id| id.starts_with("https://") || id.starts_with("http://"))
            .map(String::from)
            .ok_or_else(|| "the message names no proposal".to_string())
    };
    match kind(activity) {
        "Offer" => {
            let id = str_field(activity, "id").ok_or("a proposal without an id")?;
            // A proposal is named by its proposer's server, so that nobody else can take its
            // name (and make the real one look like a repeat).
            if !crate::inbound::same_origin(id, actor) {
                return Err("a proposal named by another server".into());
            }
            let (change, hood) = match kind(object) {
                "Join" => (
                    Change::Join {
                        candidate: object
                            .get("actor")
                            .and_then(id_of)
                            .ok_or("a Join names no camp")?
                            .to_string(),
                    },
                    object.get("object"),
                ),
                "Remove" => (
                    Change::Remove {
                        camp: object
                            .get("object")
                            .and_then(id_of)
                            .ok_or("a Remove names no camp")?
                            .to_string(),
                    },
                    object.get("target"),
                ),
                other => return Err(format!("an Offer of {other:?}")),
            };
            let hood = hood.ok_or("the proposal names no neighborhood")?;
            if kind(hood) != "Neighborhood" {
                return Err("the proposal names no neighborhood".into());
            }
            let members: BTreeSet<String> = ids(hood.get("members")).into_iter().collect();
            if members.is_empty() || members.len() > MAX_CAMPS {
                return Err("a neighborhood of no camps, or of too many".into());
            }
            let candidate_or_camp = match &change {
                Change::Join { candidate } => candidate,
                Change::Remove { camp } => camp,
            };
            if !members
                .iter()
                .chain([candidate_or_camp])
                .all(|m| crate::inbound::origin(m).is_some() && !m.contains(char::is_whitespace))
            {
                return Err("a camp that is not named by a web address".into());
            }
            Ok(Message::Offer(Proposal {
                id: id.to_string(),
                change,
                proposer: actor.to_string(),
                neighborhood: id_of(hood)
                    .ok_or("a neighborhood without an id")?
                    .to_string(),
                members,
                approvals: BTreeSet::from([actor.to_string()]),
                state: State::Open,
            }))
        }
        "Accept" | "Reject" => Ok(Message::Answer {
            proposal: object_id()?,
            answer: if kind(activity) == "Accept" {
                Answer::Approve
            } else {
                Answer::Decline
            },
        }),
        "Undo" => Ok(Message::Withdraw {
            proposal: object_id()?,
        }),
        "Leave" => Ok(Message::Leave {
            neighborhood: object_id()?,
        }),
        "Update" => Ok(Message::BlocksChanged),
        other => Err(format!("{other} is not a neighborhood message")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "https://a.example/actor";
    const B: &str = "https://b.example/actor";
    const C: &str = "https://c.example/actor";

    fn proposal(change: Change) -> Proposal {
        Proposal {
            id: "https://a.example/neighborhood/proposals/p1".into(),
            change,
            proposer: A.into(),
            neighborhood: "https://a.example/neighborhoods/n1".into(),
            members: BTreeSet::from([A.into(), B.into()]),
            approvals: BTreeSet::from([A.into()]),
            state: State::Open,
        }
    }

    #[test]
    fn a_join_proposal_on_the_wire() {
        let p = proposal(Change::Join {
            candidate: C.into(),
        });
        let sent = offer(&p);
        assert_eq!(
            sent,
            json!({
                "@context": context(),
                "id": "https://a.example/neighborhood/proposals/p1",
                "type": "Offer",
                "actor": A,
                "object": {
                    "type": "Join",
                    "actor": C,
                    "object": {
                        "id": "https://a.example/neighborhoods/n1",
                        "type": "Neighborhood",
                        "members": [A, B],
                    },
                },
                "to": [B, C],
            })
        );
        assert!(is_message(&sent));
        assert_eq!(read(&sent, A), Ok(Message::Offer(p)));
    }

    #[test]
    fn a_removal_is_heard_by_the_camp_it_removes() {
        let p = Proposal {
            members: BTreeSet::from([A.into(), B.into(), C.into()]),
            ..proposal(Change::Remove { camp: C.into() })
        };
        let sent = offer(&p);
        assert_eq!(sent["object"]["type"], "Remove");
        assert_eq!(sent["object"]["object"], C);
        assert_eq!(sent["to"], json!([B, C]));
        assert_eq!(read(&sent, A), Ok(Message::Offer(p)));
    }

    #[test]
    fn answers_withdrawals_and_leaving_round_trip() {
        let p = proposal(Change::Join {
            candidate: C.into(),
        });
        let yes = answer(
            "https://b.example/neighborhood/answers/1",
            B,
            &p,
            Answer::Approve,
        );
        assert_eq!(yes["type"], "Accept");
        assert_eq!(yes["to"], json!([A, C]));
        assert_eq!(
            read(&yes, B),
            Ok(Message::Answer {
                proposal: p.id.clone(),
                answer: Answer::Approve
            })
        );
        let no = answer(
            "https://c.example/neighborhood/answers/2",
            C,
            &p,
            Answer::Decline,
        );
        assert_eq!(no["type"], "Reject");
        assert!(matches!(
            read(&no, C),
            Ok(Message::Answer {
                answer: Answer::Decline,
                ..
            })
        ));
        let back = withdraw("https://a.example/neighborhood/withdrawn/1", &p);
        assert_eq!(
            read(&back, A),
            Ok(Message::Withdraw {
                proposal: p.id.clone()
            })
        );
        let gone = leave(
            "https://b.example/neighborhood/left/1",
            B,
            &p.neighborhood,
            &[A.into()],
        );
        assert!(is_message(&gone));
        assert_eq!(
            read(&gone, B),
            Ok(Message::Leave {
                neighborhood: p.neighborhood.clone()
            })
        );
    }

    #[test]
    fn a_block_list_round_trips_and_a_broken_one_is_refused() {
        let list = block_list(
            "https://a.example/neighborhood/blocks",
            &[("bad.example".into(), "suspend", "spam".into())],
        );
        assert_eq!(list["totalItems"], 1);
        assert_eq!(
            read_block_list(&list),
            Ok(vec![(
                "bad.example".into(),
                "suspend".into(),
                "spam".into()
            )])
        );
        let broken = json!({ "type": "OrderedCollection", "orderedItems": [{ "domain": "x" }] });
        assert!(read_block_list(&broken).is_err());
        assert!(read_block_list(&json!({ "type": "Note" })).is_err());
        let list_id = "https://a.example/neighborhood/blocks";
        let nudge = blocks_changed("https://a.example/x", A, list_id, &[B.into()]);
        assert!(is_message(&nudge));
        assert_eq!(read(&nudge, A), Ok(Message::BlocksChanged));
    }

    #[test]
    fn other_shapes_are_not_neighborhood_messages() {
        let follow_accept = json!({ "type": "Accept", "object": { "type": "Follow" } });
        assert!(!is_message(&follow_accept));
        assert!(!is_message(
            &json!({ "type": "Leave", "object": "https://x.example/g" })
        ));
        assert!(!is_message(
            &json!({ "type": "Offer", "object": { "type": "Note" } })
        ));
        let cases = [
            json!({ "type": "Offer", "object": { "type": "Join", "actor": C } }),
            json!({ "type": "Offer", "id": "https://a.example/p", "object": { "type": "Join", "actor": C, "object": { "type": "Neighborhood", "id": "https://a.example/n" } } }),
            json!({ "type": "Offer", "id": "https://a.example/p", "object": { "type": "Join", "object": { "type": "Neighborhood", "id": "https://a.example/n", "members": [A] } } }),
            json!({ "type": "Accept", "object": { "type": "Offer" } }),
            json!({ "type": "Accept", "object": { "type": "Offer", "id": "javascript:x" } }),
        ];
        for case in cases {
            assert!(read(&case, A).is_err(), "{case}");
        }
    }
}
