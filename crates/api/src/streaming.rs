//! The streaming API's logic, apart from the socket: which streams a connection follows, and
//! what is new on them. The HTTP layer holds the WebSocket and calls [`Subscription::poll`] about
//! once a second on a blocking thread.
//!
//! New posts are found by reading each stream's list as the member would read the page (the same
//! query, the same audience rules), keeping only rows newer than the last one sent. For a camp of
//! fifty, a read a second per open app is nothing, and nothing can reach a stream that the
//! member could not read on the page.

use porchlight_app::App;
use porchlight_app::db::timeline::{Query, Reader};
use porchlight_core::AccountId;
use serde_json::{Value, json};

use crate::{ApiError, ApiRequest, Caller, Params};

/// One stream a connection follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The member's home timeline and notifications.
    User,
    /// The member's notifications only.
    UserNotification,
    /// Public posts: the camp's and those from elsewhere that reached it.
    Public,
    /// The camp's posts.
    PublicLocal,
    /// Public posts from elsewhere.
    PublicRemote,
    Hashtag(String),
    HashtagLocal(String),
}

impl Stream {
    /// Reads a stream name as apps send it (`tag` for the hashtag streams).
    pub fn parse(name: &str, tag: Option<&str>) -> Result<Stream, String> {
        let tag = || {
            tag.and_then(porchlight_core::text::normalize_tag)
                .ok_or_else(|| "A hashtag stream needs a tag".to_string())
        };
        Ok(match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public" | "public:media" => Stream::Public,
            "public:local" | "public:local:media" => Stream::PublicLocal,
            "public:remote" | "public:remote:media" => Stream::PublicRemote,
            "hashtag" => Stream::Hashtag(tag()?),
            "hashtag:local" => Stream::HashtagLocal(tag()?),
            other => return Err(format!("Unknown stream type: {other}")),
        })
    }

    /// The `stream` field of events: the name, and the tag for hashtag streams.
    fn label(&self) -> Value {
        match self {
            Stream::User => json!(["user"]),
            Stream::UserNotification => json!(["user:notification"]),
            Stream::Public => json!(["public"]),
            Stream::PublicLocal => json!(["public:local"]),
            Stream::PublicRemote => json!(["public:remote"]),
            Stream::Hashtag(t) => json!(["hashtag", t]),
            Stream::HashtagLocal(t) => json!(["hashtag:local", t]),
        }
    }

    fn query(&self) -> Option<Query> {
        match self {
            Stream::User => Some(Query::Home),
            Stream::UserNotification => None,
            Stream::Public => Some(Query::Public),
            Stream::PublicLocal => Some(Query::Local),
            Stream::PublicRemote => Some(Query::Federated),
            Stream::Hashtag(t) => Some(Query::Hashtag(t.clone())),
            Stream::HashtagLocal(t) => Some(Query::LocalHashtag(t.clone())),
        }
    }
}

/// A connection's streams and how far each has been sent.
pub struct Subscription {
    member: AccountId,
    streams: Vec<(Stream, i64)>,
    /// The newest notification sent.
    last_notification: i64,
    /// The newest post id when the stream was opened: nothing older is sent.
    start: i64,
    /// What was sent lately (at most [`REMEMBERED`]), to tell the app when one is deleted or
    /// edited: the row sent, the post it shows (a boost shows another), and its edit time.
    sent: std::collections::VecDeque<Sent>,
}

#[derive(Clone, Debug)]
struct Sent {
    row: i64,
    post: i64,
    edited_at: Option<i64>,
    stream: Value,
}

/// How many sent posts are watched for deletion and edits.
const REMEMBERED: usize = 200;

impl Subscription {
    /// Opens a subscription for the member a token speaks for. Streaming needs a member's
    /// token that may read statuses.
    pub fn open(app: &App, token: Option<&str>) -> Result<Subscription, ApiError> {
        let bearer = match token {
            Some(t) => app.bearer(t)?,
            None => None,
        }
        .ok_or_else(|| ApiError::new(401, "Missing access token"))?;
        let member = bearer
            .account_id
            .filter(|_| bearer.scopes.allows("read:statuses"))
            .ok_or_else(|| ApiError::new(403, "This action is outside the authorized scopes"))?;
        let (start, last_notification) = app
            .read(|c| {
                let posts = porchlight_app::db::posts::newest_id(c)?;
                let notes = porchlight_app::db::social::newest_notification_id(c, member)?;
                Ok::<_, porchlight_app::db::Error>((posts, notes))
            })
            .map_err(porchlight_app::AppError::from)?;
        Ok(Subscription {
            member,
            streams: Vec::new(),
            last_notification,
            start,
            sent: std::collections::VecDeque::new(),
        })
    }

    pub fn subscribe(&mut self, stream: Stream) {
        if !self.streams.iter().any(|(s, _)| *s == stream) {
            self.streams.push((stream, self.start));
        }
    }

    pub fn unsubscribe(&mut self, stream: &Stream) {
        self.streams.retain(|(s, _)| s != stream);
    }

    /// What is new since the last poll, as the JSON text of streaming events.
    pub fn poll(&mut self, app: &App, base_url: &str) -> Result<Vec<String>, ApiError> {
        let no_segments = Vec::new();
        let request = ApiRequest {
            method: "GET",
            segments: &no_segments,
            query: &[],
            headers: &[],
            body: &[],
            base_url,
        };
        let caller = Caller {
            app,
            request: &request,
            params: Params::default(),
            member: Some(self.member),
            bearer: None,
        };
        let reader = Reader::member(self.member);
        let mut events = Vec::new();
        for (stream, last) in &mut self.streams {
            let Some(query) = stream.query() else {
                continue;
            };
            let page = app
                .read(|c| porchlight_app::db::timeline::page(c, &query, reader, None, 20))
                .map_err(porchlight_app::AppError::from)?;
            let local_only = matches!(stream, Stream::PublicLocal | Stream::HashtagLocal(_));
            let mut fresh: Vec<_> = page
                .posts
                .into_iter()
                .filter(|p| p.row_id > *last)
                .filter(|p| !local_only || p.author.domain.is_none())
                .collect();
            if let Some(newest) = fresh.first() {
                *last = newest.row_id;
            }
            fresh.reverse();
            let statuses = crate::entities::statuses(app, base_url, fresh.clone())?;
            for (post, status) in fresh.into_iter().zip(statuses) {
                events.push(event(stream.label(), "update", &status));
                if self.sent.len() == REMEMBERED {
                    self.sent.pop_front();
                }
                self.sent.push_back(Sent {
                    row: post.row_id,
                    post: post.id,
                    edited_at: post.edited_at,
                    stream: stream.label(),
                });
            }
        }
        events.extend(self.changes(app, base_url, reader)?);
        let wants_notifications = self
            .streams
            .iter()
            .any(|(s, _)| matches!(s, Stream::User | Stream::UserNotification));
        if wants_notifications {
            let mut fresh: Vec<_> = app
                .notifications(self.member, None, 20)?
                .into_iter()
                .filter(|n| n.id > self.last_notification)
                .collect();
            if let Some(newest) = fresh.first() {
                self.last_notification = newest.id;
            }
            fresh.reverse();
            let label = if self.streams.iter().any(|(s, _)| *s == Stream::User) {
                Stream::User.label()
            } else {
                Stream::UserNotification.label()
            };
            for n in fresh {
                if let Some(json) = crate::social::notification_json(&caller, &n)? {
                    events.push(event(label.clone(), "notification", &json));
                }
            }
        }
        Ok(events)
    }
}

impl Subscription {
    /// `delete` events for sent posts that are gone, and `status.update` events for sent posts
    /// edited since (as the member may see them now).
    fn changes(
        &mut self,
        app: &App,
        base_url: &str,
        reader: Reader,
    ) -> Result<Vec<String>, ApiError> {
        if self.sent.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<i64> = self.sent.iter().map(|s| s.row).collect();
        let posts: Vec<i64> = self.sent.iter().map(|s| s.post).collect();
        let (alive, edits) = app
            .read(|c| {
                let alive: std::collections::HashSet<i64> =
                    porchlight_app::db::posts::edit_times(c, &rows)?
                        .into_iter()
                        .map(|(id, _)| id)
                        .collect();
                let mut edits = std::collections::HashMap::new();
                for (id, edited) in porchlight_app::db::posts::edit_times(c, &posts)? {
                    edits.insert(id, edited);
                }
                Ok::<_, porchlight_app::db::Error>((alive, edits))
            })
            .map_err(porchlight_app::AppError::from)?;
        let mut events = Vec::new();
        let mut kept = std::collections::VecDeque::new();
        for mut sent in std::mem::take(&mut self.sent) {
            // (Checked by existence only: a read per post per second would cost more than the
            // rare audience change it would catch; an edit is re-read whole.)
            if !alive.contains(&sent.row) {
                events.push(
                    json!({ "stream": sent.stream, "event": "delete", "payload": sent.row.to_string() })
                        .to_string(),
                );
                continue;
            }
            let edited = edits.get(&sent.post).copied().flatten();
            if edited != sent.edited_at
                && let Ok(view) = app.view_post(reader, sent.post)
            {
                let mut one = crate::entities::statuses(app, base_url, vec![view])?;
                let status = one.pop().unwrap_or(Value::Null);
                events.push(event(sent.stream.clone(), "status.update", &status));
                sent.edited_at = edited;
            }
            kept.push_back(sent);
        }
        self.sent = kept;
        Ok(events)
    }
}

/// A streaming event: the payload is itself JSON text, as Mastodon sends it.
fn event(stream: Value, name: &str, payload: &Value) -> String {
    json!({ "stream": stream, "event": name, "payload": payload.to_string() }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_names() {
        assert_eq!(Stream::parse("user", None), Ok(Stream::User));
        assert_eq!(Stream::parse("public:local", None), Ok(Stream::PublicLocal));
        assert_eq!(
            Stream::parse("hashtag", Some("#Dune")),
            Ok(Stream::Hashtag("dune".into()))
        );
        assert!(Stream::parse("hashtag", None).is_err());
        assert!(Stream::parse("direct", None).is_err());
        assert_eq!(
            Stream::Hashtag("dune".into()).label(),
            json!(["hashtag", "dune"])
        );
    }
}
