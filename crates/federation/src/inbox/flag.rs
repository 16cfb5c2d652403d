//! `Flag`: another server reports one of our members (Mastodon sends it from its instance actor
//! when a moderator there forwards a report). It lands in the same queue as reports made here.
//! A Flag that names no member is refused; the posts it names count only if they are that
//! member's and that server could have been sent them, so that a report cannot be used to read
//! anything.

use porchlight_core::audience::{self, Audience, Viewer};
use porchlight_core::moderation::{MAX_REPORT_COMMENT, MAX_REPORTED_POSTS, ReportReason};
use porchlight_db::federation as store;
use porchlight_db::moderation::{self, NewReport};
use porchlight_db::now;
use serde_json::Value;

use super::Context;
use crate::FedError;
use porchlight_ap::inbound::id_of;

#[derive(Debug, PartialEq)]
pub(super) struct Flag {
    pub id: Option<String>,
    pub objects: Vec<String>,
    pub comment: String,
}

impl Flag {
    pub fn read(activity: &Value) -> Result<Flag, FedError> {
        let objects: Vec<String> = match activity.get("object") {
            Some(Value::Array(items)) => items.iter().filter_map(id_of).map(String::from).collect(),
            Some(one) => id_of(one).map(String::from).into_iter().collect(),
            None => Vec::new(),
        };
        if objects.is_empty() {
            return Err(FedError::Invalid("a Flag without an object".into()));
        }
        Ok(Flag {
            id: activity.get("id").and_then(Value::as_str).map(String::from),
            objects: objects.into_iter().take(1 + MAX_REPORTED_POSTS).collect(),
            comment: activity
                .get("content")
                .and_then(Value::as_str)
                .unwrap_or("")
                .chars()
                .take(MAX_REPORT_COMMENT)
                .collect(),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let domain = cx.actor.domain.clone();
        let mut member = None;
        for object in &self.objects {
            if let Some(m) = cx.local_member(object)? {
                member = Some(m);
                break;
            }
        }
        let Some(member) = member else {
            return Err(FedError::Invalid(format!(
                "a Flag from {domain} that names no member here"
            )));
        };
        let posts: Vec<_> = self
            .objects
            .iter()
            .filter_map(|o| cx.fed.me.local_post(o))
            .collect();
        cx.db.write(|tx| -> Result<(), FedError> {
            if matches!(store::block_for(tx, &domain)?, Some(b) if b.level == store::BlockLevel::Suspend)
            {
                return Err(FedError::Invalid(format!(
                    "a Flag from {domain}, which is suspended here"
                )));
            }
            let mut shown = Vec::new();
            for post in posts {
                let Some((author, audience, html)) = moderation::post_for_report(tx, post)? else {
                    continue;
                };
                if author != member.id || audience == Audience::Local {
                    continue;
                }
                let (follows, mentioned) = moderation::domain_reach(tx, post, author, &domain)?;
                let viewer = Viewer {
                    is_member: false,
                    is_author: false,
                    follows_author: follows,
                    is_mentioned: mentioned,
                    is_neighbor: porchlight_db::neighborhood::is_neighbor_host(tx, &domain)?,
                };
                if audience::can_view(audience, viewer) {
                    shown.push((post, html));
                }
            }
            moderation::insert_report(
                tx,
                &NewReport {
                    reporter: None,
                    from_domain: Some(&domain),
                    uri: self.id.as_deref(),
                    target: member.id,
                    reason: ReportReason::Other,
                    comment: &self.comment,
                    forwarded: false,
                    posts: &shown,
                },
                now(),
            )?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_flag_reads_its_objects_and_comment() {
        let flag = Flag::read(&json!({
            "id": "https://social.example/0f3a", "type": "Flag",
            "actor": "https://social.example/actor",
            "object": ["https://camp.example/users/ana", {"id": "https://camp.example/posts/7"}],
            "content": "spam again"
        }))
        .unwrap();
        assert_eq!(
            flag.objects,
            vec![
                "https://camp.example/users/ana",
                "https://camp.example/posts/7"
            ]
        );
        assert_eq!(flag.comment, "spam again");
        assert_eq!(flag.id.as_deref(), Some("https://social.example/0f3a"));
        let single =
            Flag::read(&json!({"type": "Flag", "object": "https://camp.example/users/ana"}))
                .unwrap();
        assert_eq!(single.objects.len(), 1);
        assert!(Flag::read(&json!({"type": "Flag", "object": []})).is_err());
        assert!(Flag::read(&json!({"type": "Flag"})).is_err());
    }
}
