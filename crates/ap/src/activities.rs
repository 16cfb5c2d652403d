//! The activities a camp sends, built with no I/O from ids and addresses: what each one looks
//! like on the wire is decided here, once, and checked against the exact JSON expected; the
//! `federation` crate only decides who gets them and queues them. Shapes follow what Mastodon
//! sends, since that is what every other server reads.

use serde_json::{Value, json};

use crate::documents::{Addressing, PUBLIC, activity};

/// `Create` or `Update` of a post: the note wrapped in an activity with the note's addressing.
pub fn post(id: &str, kind: PostActivity, actor: &str, note: Value, to: &Addressing) -> Value {
    activity(id, kind.as_str(), actor, note, Some(to))
}

/// Which activity carries a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostActivity {
    Create,
    Update,
}

impl PostActivity {
    fn as_str(self) -> &'static str {
        match self {
            PostActivity::Create => "Create",
            PostActivity::Update => "Update",
        }
    }
}

/// A deleted post: `Delete` of a `Tombstone`, to everyone the post went to.
pub fn delete(id: &str, actor: &str, post: &str, to: &Addressing) -> Value {
    activity(
        id,
        "Delete",
        actor,
        json!({ "id": post, "type": "Tombstone" }),
        Some(to),
    )
}

/// A member removed from the camp: `Delete` of their actor, to the public and their followers
/// (as Mastodon sends it when an account is deleted).
pub fn delete_actor(actor: &str, followers: &str) -> Value {
    let to = Addressing {
        to: vec![PUBLIC.into()],
        cc: vec![followers.into()],
    };
    activity(
        &format!("{actor}#delete"),
        "Delete",
        actor,
        Value::String(actor.into()),
        Some(&to),
    )
}

/// A report forwarded to the reported person's server: `Flag` from the camp's own actor (so
/// that the reporter stays unnamed, as Mastodon does), naming the person and the posts.
pub fn flag(id: &str, instance_actor: &str, objects: &[String], comment: &str) -> Value {
    let mut flag = activity(id, "Flag", instance_actor, json!(objects), None);
    flag["content"] = Value::String(comment.into());
    flag
}

/// A member moved to another account: `Move` of their own actor to its `target`, to their
/// followers (as Mastodon sends it). Servers that believe it (the target names the actor in its
/// `alsoKnownAs`) move the follows over.
pub fn move_account(id: &str, actor: &str, target: &str, followers: &str) -> Value {
    let mut moved = activity(id, "Move", actor, Value::String(actor.into()), None);
    moved["target"] = Value::String(target.into());
    moved["to"] = json!([followers]);
    moved
}

/// A boost: `Announce` of the boosted post's id.
pub fn announce(id: &str, actor: &str, post: &str, to: &Addressing) -> Value {
    activity(id, "Announce", actor, Value::String(post.into()), Some(to))
}

/// A favourite of a post elsewhere: `Like`, to the post's author.
pub fn like(id: &str, actor: &str, post: &str, author: &str) -> Value {
    to_one(
        activity(id, "Like", actor, Value::String(post.into()), None),
        author,
    )
}

/// A follow request: `Follow` of an account elsewhere, to them.
pub fn follow(id: &str, actor: &str, followee: &str) -> Value {
    to_one(
        activity(id, "Follow", actor, Value::String(followee.into()), None),
        followee,
    )
}

/// A member blocked someone elsewhere: `Block`, to them (their server then drops the follows
/// between the two). Mastodon sends it with the plain ActivityStreams context.
pub fn block(id: &str, actor: &str, target: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "Block",
        "actor": actor,
        "object": target,
        "to": [target],
    })
}

/// The answer to someone's `Follow` of a member: `Accept` or `Reject`, quoting their Follow
/// (without its context), to them.
pub fn answer_follow(id: &str, actor: &str, mut their_follow: Value, accept: bool) -> Value {
    let follower = their_follow
        .get("actor")
        .and_then(crate::inbound::id_of)
        .unwrap_or_default()
        .to_string();
    if let Some(map) = their_follow.as_object_mut() {
        map.remove("@context");
    }
    let kind = if accept { "Accept" } else { "Reject" };
    to_one(activity(id, kind, actor, their_follow, None), &follower)
}

/// A member's profile changed: `Update` of their actor document, to the public and their
/// followers.
pub fn update_actor(id: &str, actor: &str, mut document: Value, followers: &str) -> Value {
    if let Some(map) = document.as_object_mut() {
        map.remove("@context");
    }
    let to = Addressing {
        to: vec![PUBLIC.into()],
        cc: vec![followers.into()],
    };
    activity(id, "Update", actor, document, Some(&to))
}

/// Takes back something this actor sent (`Follow`, `Like`, `Announce`, `Block`): `Undo`
/// embedding the activity (without its context), with `id` + `/undo` as its id unless given,
/// and addressed as the activity was.
pub fn undo(actor: &str, mut undone: Value, id: Option<&str>) -> Value {
    let id = match id {
        Some(id) => id.to_string(),
        None => format!("{}/undo", undone["id"].as_str().unwrap_or_default()),
    };
    let to = undone.get("to").cloned();
    let cc = undone.get("cc").cloned();
    if let Some(map) = undone.as_object_mut() {
        map.remove("@context");
    }
    let mut undo = activity(&id, "Undo", actor, undone, None);
    if let Some(to) = to {
        undo["to"] = to;
    }
    if let Some(cc) = cc {
        undo["cc"] = cc;
    }
    undo
}

fn to_one(mut activity: Value, to: &str) -> Value {
    activity["to"] = json!([to]);
    activity
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::context;

    const ANA: &str = "https://camp.example/users/ana";
    const BOB: &str = "https://elsewhere.example/users/bob";
    const POST: &str = "https://elsewhere.example/notes/1";

    fn with_context(mut v: Value) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("@context".into(), context());
        map.append(v.as_object_mut().unwrap());
        Value::Object(map)
    }

    fn unlisted() -> Addressing {
        Addressing {
            to: vec![format!("{ANA}/followers")],
            cc: vec![PUBLIC.into(), BOB.into()],
        }
    }

    #[test]
    fn a_removed_member_and_a_forwarded_report() {
        assert_eq!(
            delete_actor(ANA, &format!("{ANA}/followers")),
            with_context(json!({
                "id": "https://camp.example/users/ana#delete",
                "type": "Delete",
                "actor": ANA,
                "object": ANA,
                "to": [PUBLIC],
                "cc": ["https://camp.example/users/ana/followers"],
            }))
        );
        let camp = "https://camp.example/actor";
        assert_eq!(
            flag(
                "https://camp.example/reports/3",
                camp,
                &[BOB.to_string(), POST.to_string()],
                "Rule 2: spam"
            ),
            with_context(json!({
                "id": "https://camp.example/reports/3",
                "type": "Flag",
                "actor": camp,
                "object": [BOB, POST],
                "content": "Rule 2: spam",
            }))
        );
    }

    #[test]
    fn follow_and_its_undo() {
        let follow = follow(&format!("{ANA}#follows/7/100"), ANA, BOB);
        assert_eq!(
            follow,
            with_context(json!({
                "id": "https://camp.example/users/ana#follows/7/100",
                "type": "Follow",
                "actor": ANA,
                "object": BOB,
                "to": [BOB],
            }))
        );
        assert_eq!(
            undo(ANA, follow, None),
            with_context(json!({
                "id": "https://camp.example/users/ana#follows/7/100/undo",
                "type": "Undo",
                "actor": ANA,
                "object": {
                    "id": "https://camp.example/users/ana#follows/7/100",
                    "type": "Follow",
                    "actor": ANA,
                    "object": BOB,
                    "to": [BOB],
                },
                "to": [BOB],
            }))
        );
    }

    #[test]
    fn like_and_announce_and_their_undos() {
        let like = like(&format!("{ANA}#likes/5"), ANA, POST, BOB);
        assert_eq!(
            like,
            with_context(json!({
                "id": "https://camp.example/users/ana#likes/5",
                "type": "Like",
                "actor": ANA,
                "object": POST,
                "to": [BOB],
            }))
        );
        let announce = announce(
            "https://camp.example/posts/9/activity",
            ANA,
            POST,
            &unlisted(),
        );
        assert_eq!(
            announce,
            with_context(json!({
                "id": "https://camp.example/posts/9/activity",
                "type": "Announce",
                "actor": ANA,
                "object": POST,
                "to": ["https://camp.example/users/ana/followers"],
                "cc": [PUBLIC, BOB],
            }))
        );
        // An Undo of a boost is addressed as the boost was (GoToSocial and Mastodon route it
        // by its addressing).
        let undone = undo(ANA, announce, None);
        assert_eq!(undone["id"], "https://camp.example/posts/9/activity/undo");
        assert_eq!(
            undone["to"],
            json!(["https://camp.example/users/ana/followers"])
        );
        assert_eq!(undone["cc"], json!([PUBLIC, BOB]));
        assert_eq!(undone["object"]["type"], "Announce");
        assert!(
            undone["object"].get("@context").is_none(),
            "only the outer one has it"
        );
        assert_eq!(undo(ANA, like, None)["to"], json!([BOB]));
    }

    #[test]
    fn delete_is_a_tombstone_to_the_same_audience() {
        let to = unlisted();
        assert_eq!(
            delete(
                "https://camp.example/posts/9#delete",
                ANA,
                "https://camp.example/posts/9",
                &to
            ),
            with_context(json!({
                "id": "https://camp.example/posts/9#delete",
                "type": "Delete",
                "actor": ANA,
                "object": { "id": "https://camp.example/posts/9", "type": "Tombstone" },
                "to": ["https://camp.example/users/ana/followers"],
                "cc": [PUBLIC, BOB],
            }))
        );
    }

    #[test]
    fn post_activities_carry_the_notes_addressing() {
        let note = json!({ "id": "https://camp.example/posts/9", "type": "Note" });
        let created = post(
            "https://camp.example/posts/9/activity",
            PostActivity::Create,
            ANA,
            note.clone(),
            &unlisted(),
        );
        assert_eq!(
            created,
            with_context(json!({
                "id": "https://camp.example/posts/9/activity",
                "type": "Create",
                "actor": ANA,
                "object": note,
                "to": ["https://camp.example/users/ana/followers"],
                "cc": [PUBLIC, BOB],
            }))
        );
        let updated = post("x#updates/5", PostActivity::Update, ANA, note, &unlisted());
        assert_eq!(updated["type"], "Update");
    }

    #[test]
    fn a_poll_is_a_question_and_a_vote_a_named_note() {
        use crate::documents::{Note, QuestionPoll, note, vote};
        let addressing = unlisted();
        let poll = QuestionPoll {
            options: vec![("tea".into(), 2), ("coffee".into(), 1)],
            multiple: false,
            end_time: Some(1_790_000_000),
            closed: Some(1_790_000_000),
            voters: 3,
        };
        let question = note(&Note {
            id: "https://camp.example/posts/9",
            url: "https://camp.example/posts/9",
            attributed_to: ANA,
            content_html: "<p>tea or coffee?</p>",
            source_text: "tea or coffee?",
            content_warning: "",
            in_reply_to: None,
            published: 1_789_990_000,
            updated: None,
            addressing: &addressing,
            mentions: &[],
            hashtags: &[],
            attachments: &[],
            poll: Some(&poll),
            emojis: &[(
                "campfire".into(),
                "https://camp.example/emoji/campfire-1a2b.png".into(),
            )],
        });
        assert_eq!(
            question["tag"],
            json!([{
                "id": "https://camp.example/emoji/campfire-1a2b.png",
                "type": "Emoji",
                "name": ":campfire:",
                "icon": { "type": "Image", "mediaType": "image/png", "url": "https://camp.example/emoji/campfire-1a2b.png" },
            }])
        );
        assert_eq!(question["type"], "Question");
        assert_eq!(
            question["oneOf"],
            json!([
                { "type": "Note", "name": "tea", "replies": { "type": "Collection", "totalItems": 2 } },
                { "type": "Note", "name": "coffee", "replies": { "type": "Collection", "totalItems": 1 } },
            ])
        );
        assert_eq!(question.get("anyOf"), None);
        assert_eq!(question["votersCount"], 3);
        assert_eq!(question["endTime"], "2026-09-21T14:13:20Z");
        assert_eq!(question["closed"], "2026-09-21T14:13:20Z");
        let cast = vote(
            "https://camp.example/users/ana#votes/9/1",
            ANA,
            "https://o.example/notes/9",
            BOB,
            "coffee",
        );
        assert_eq!(
            cast,
            json!({
                "id": "https://camp.example/users/ana#votes/9/1",
                "type": "Note",
                "name": "coffee",
                "attributedTo": ANA,
                "inReplyTo": "https://o.example/notes/9",
                "to": [BOB],
                "cc": [],
            })
        );
    }

    #[test]
    fn block_and_answers_to_follows() {
        let block = block(&format!("{ANA}#blocks/3"), ANA, BOB);
        assert_eq!(
            block,
            json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": "https://camp.example/users/ana#blocks/3",
                "type": "Block",
                "actor": ANA,
                "object": BOB,
                "to": [BOB],
            })
        );
        let undone = undo(
            ANA,
            block,
            Some("https://camp.example/users/ana#blocks/3/undo/9"),
        );
        assert_eq!(
            undone["id"],
            "https://camp.example/users/ana#blocks/3/undo/9"
        );
        assert_eq!(undone["to"], json!([BOB]));
        assert!(undone["object"].get("@context").is_none());

        let theirs = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://elsewhere.example/follows/1",
            "type": "Follow",
            "actor": BOB,
            "object": ANA,
        });
        let accept = answer_follow(&format!("{ANA}#accept/2/9"), ANA, theirs.clone(), true);
        assert_eq!(
            accept,
            with_context(json!({
                "id": "https://camp.example/users/ana#accept/2/9",
                "type": "Accept",
                "actor": ANA,
                "object": {
                    "id": "https://elsewhere.example/follows/1",
                    "type": "Follow",
                    "actor": BOB,
                    "object": ANA,
                },
                "to": [BOB],
            }))
        );
        assert_eq!(answer_follow("r", ANA, theirs, false)["type"], "Reject");
    }

    #[test]
    fn a_profile_update_goes_to_the_public_and_followers() {
        let doc = json!({ "@context": context(), "id": ANA, "type": "Person" });
        assert_eq!(
            update_actor(
                &format!("{ANA}#updates/5"),
                ANA,
                doc,
                &format!("{ANA}/followers")
            ),
            with_context(json!({
                "id": "https://camp.example/users/ana#updates/5",
                "type": "Update",
                "actor": ANA,
                "object": { "id": ANA, "type": "Person" },
                "to": [PUBLIC],
                "cc": ["https://camp.example/users/ana/followers"],
            }))
        );
    }

    #[test]
    fn a_move_names_the_actor_twice_and_the_target_once() {
        let target = "https://new.example/users/ana";
        assert_eq!(
            move_account(
                &format!("{ANA}#moves/7"),
                ANA,
                target,
                &format!("{ANA}/followers")
            ),
            with_context(json!({
                "id": "https://camp.example/users/ana#moves/7",
                "type": "Move",
                "actor": ANA,
                "object": ANA,
                "target": target,
                "to": ["https://camp.example/users/ana/followers"],
            }))
        );
    }
}
