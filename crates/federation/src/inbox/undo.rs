//! `Undo`: what is undone must be the actor's own. The undone activity is read from the
//! embedded object (`Follow`, `Like`, `Announce`); some servers send only its id, which can
//! name a boost (an `Announce`) kept here under that id.

use porchlight_ap::inbound::{id_of, kind, str_field};
use serde_json::Value;

use super::{Context, announce, follow, like};
use crate::FedError;

/// What an Undo takes back.
#[derive(Debug, PartialEq)]
pub(super) enum Undone {
    Follow {
        followee: String,
    },
    Like {
        post: String,
    },
    Announce {
        id: Option<String>,
        post: String,
    },
    /// Only the undone activity's id was sent.
    ById(String),
    /// Something this camp keeps nothing of (an Undo of a Block of a member, say).
    Other,
}

#[derive(Debug, PartialEq)]
pub(super) struct Undo {
    pub undone: Undone,
}

impl Undo {
    /// Reads an Undo by `actor`; refuses one that takes back someone else's activity.
    pub fn read(activity: &Value, actor: &str) -> Result<Undo, FedError> {
        let object = activity.get("object").cloned().unwrap_or(Value::Null);
        if let Value::String(id) = &object {
            return Ok(Undo {
                undone: Undone::ById(id.clone()),
            });
        }
        if let Some(inner_actor) = object.get("actor").and_then(id_of)
            && inner_actor != actor
        {
            return Err(FedError::Invalid(
                "an Undo of someone else's activity".into(),
            ));
        }
        let inner = object
            .get("object")
            .and_then(id_of)
            .unwrap_or("")
            .to_string();
        let undone = match kind(&object) {
            "Follow" => Undone::Follow { followee: inner },
            "Like" => Undone::Like { post: inner },
            "Announce" => Undone::Announce {
                id: str_field(&object, "id").map(String::from),
                post: inner,
            },
            _ => Undone::Other,
        };
        Ok(Undo { undone })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        match self.undone {
            Undone::Follow { followee } => follow::undo(cx, &followee),
            Undone::Like { post } => like::undo(cx, &post),
            Undone::Announce { id, post } => announce::undo(cx, id.as_deref(), &post),
            Undone::ById(id) => announce::undo(cx, Some(&id), ""),
            Undone::Other => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACTOR: &str = "https://gts.example/users/bob";

    #[test]
    fn undos_are_read_by_what_they_take_back() {
        let cases = [
            (
                json!({"type": "Undo", "actor": ACTOR, "object": {
                    "type": "Follow", "actor": ACTOR, "object": "https://camp.example/users/ana"}}),
                Undone::Follow {
                    followee: "https://camp.example/users/ana".into(),
                },
            ),
            (
                json!({"type": "Undo", "actor": ACTOR, "object": {
                    "type": "Like", "actor": ACTOR, "object": "https://camp.example/posts/1"}}),
                Undone::Like {
                    post: "https://camp.example/posts/1".into(),
                },
            ),
            // GoToSocial's un-boost: the Announce embedded, addressed as it was.
            (
                json!({"type": "Undo", "actor": ACTOR,
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                    "object": {
                        "id": "https://gts.example/users/bob/statuses/9",
                        "type": "Announce", "actor": ACTOR,
                        "object": "https://camp.example/posts/1",
                        "to": ["https://www.w3.org/ns/activitystreams#Public"]}}),
                Undone::Announce {
                    id: Some("https://gts.example/users/bob/statuses/9".into()),
                    post: "https://camp.example/posts/1".into(),
                },
            ),
            // The boosted post embedded rather than named.
            (
                json!({"type": "Undo", "actor": ACTOR, "object": {
                    "type": "Announce", "actor": ACTOR,
                    "object": {"id": "https://camp.example/posts/1", "type": "Note"}}}),
                Undone::Announce {
                    id: None,
                    post: "https://camp.example/posts/1".into(),
                },
            ),
            (
                json!({"type": "Undo", "actor": ACTOR,
                    "object": "https://gts.example/users/bob/statuses/9"}),
                Undone::ById("https://gts.example/users/bob/statuses/9".into()),
            ),
            (
                json!({"type": "Undo", "actor": ACTOR, "object": {
                    "type": "Block", "actor": ACTOR, "object": "https://camp.example/users/ana"}}),
                Undone::Other,
            ),
        ];
        for (activity, expected) in cases {
            assert_eq!(
                Undo::read(&activity, ACTOR).unwrap(),
                Undo { undone: expected },
                "{activity}"
            );
        }
    }

    #[test]
    fn an_undo_of_someone_elses_activity_is_refused() {
        let forged = json!({"type": "Undo", "actor": ACTOR, "object": {
            "type": "Follow", "actor": "https://other.example/users/eve",
            "object": "https://camp.example/users/ana"}});
        assert!(Undo::read(&forged, ACTOR).is_err());
    }
}
