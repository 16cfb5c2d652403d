//! The JSON entities of the Mastodon API, built from the camp's own views. Field names and
//! types follow Mastodon's documentation; where Porchlight has nothing to say (custom emojis,
//! polls, cards), the field is present and empty, since apps read it unconditionally.

use porchlight_app::db::accounts::Member;
use porchlight_app::db::timeline::{Author, PostView};
use porchlight_core::audience::Audience;
use serde_json::{Value, json};

/// Mastodon's timestamp form: `2026-11-22T09:00:00.000Z`.
pub fn timestamp(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|dt| {
            dt.format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second].000Z"
            ))
            .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00.000Z".into())
}

/// The picture apps show for people who have none (the web UI shows their initial instead).
pub fn default_avatar(base: &str) -> String {
    format!("{base}/static/avatar.png")
}

/// The visibility apps see. A camp-only post is `private` (apps show a lock and offer no
/// boost to the world) with `local_only: true` for the apps that know the glitch-soc/Hometown
/// field; never `public`, which would tell an app that does not know `local_only` that anyone
/// can read it.
pub fn visibility(audience: Audience) -> &'static str {
    match audience {
        Audience::Public => "public",
        Audience::Unlisted => "unlisted",
        Audience::Followers | Audience::Local => "private",
        Audience::Direct => "direct",
    }
}

/// A member of this camp as an Account. `counts` is followers, following, posts.
pub fn member_account(base: &str, m: &Member, counts: (u32, u32, i64)) -> Value {
    let note = if m.bio.is_empty() {
        String::new()
    } else {
        format!("<p>{}</p>", porchlight_core::text::escape_html(&m.bio))
    };
    json!({
        "id": m.id.to_string(),
        "username": m.username,
        "acct": m.username,
        "display_name": m.display_name,
        "locked": false,
        "bot": false,
        "discoverable": false,
        "indexable": false,
        "group": false,
        "created_at": timestamp(m.created_at - m.created_at % 86_400),
        "note": note,
        "url": format!("{base}/@{}", m.username),
        "uri": format!("{base}/users/{}", m.username),
        "avatar": default_avatar(base),
        "avatar_static": default_avatar(base),
        "header": "",
        "header_static": "",
        "followers_count": counts.0,
        "following_count": counts.1,
        "statuses_count": counts.2,
        "last_status_at": null,
        "hide_collections": false,
        "noindex": true,
        "emojis": [],
        "roles": [],
        "fields": if m.who_i_am.is_empty() { json!([]) } else {
            json!([{ "name": "Who I am", "value": porchlight_core::text::escape_html(&m.who_i_am), "verified_at": null }])
        },
    })
}

/// The author of a post as an Account (a member, or someone elsewhere).
pub fn author_account(base: &str, a: &Author) -> Value {
    let (url, uri) = match &a.domain {
        None => (
            format!("{base}/@{}", a.username),
            format!("{base}/users/{}", a.username),
        ),
        Some(domain) => (
            format!("https://{domain}/@{}", a.username),
            format!("https://{domain}/users/{}", a.username),
        ),
    };
    let avatar = if a.avatar_proxy.is_empty() {
        default_avatar(base)
    } else {
        format!("{base}{}", a.avatar_proxy)
    };
    json!({
        "id": a.id.to_string(),
        "username": a.username,
        "acct": a.handle(),
        "display_name": a.display_name,
        "locked": false,
        "bot": false,
        "discoverable": false,
        "group": false,
        "created_at": timestamp(0),
        "note": "",
        "url": url,
        "uri": uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": "",
        "header_static": "",
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "last_status_at": null,
        "emojis": [],
        "fields": [],
    })
}

/// A post as a Status. A boost is a status whose `reblog` is the boosted post.
pub fn status(base: &str, p: &PostView) -> Value {
    let inner = post_status(base, p);
    match &p.boosted_by {
        None => inner,
        Some(booster) => {
            let mut outer = inner.clone();
            outer["id"] = Value::String(p.row_id.to_string());
            outer["account"] = author_account(base, booster);
            outer["content"] = Value::String(String::new());
            outer["reblog"] = inner;
            outer
        }
    }
}

fn post_status(base: &str, p: &PostView) -> Value {
    let local_uri = format!("{base}/posts/{}", p.id);
    let url = p.remote_url.clone().unwrap_or_else(|| local_uri.clone());
    let media: Vec<Value> = p
        .media
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if let Some(upload) = &m.upload {
                return crate::media::attachment(base, upload);
            }
            let kind = match m.media_type.split('/').next() {
                Some("image") => "image",
                Some("video") => "video",
                Some("audio") => "audio",
                _ => "unknown",
            };
            let shown = if m.proxy.is_empty() {
                m.url.clone()
            } else {
                format!("{base}{}", m.proxy)
            };
            json!({
                "id": format!("{}-{i}", p.id),
                "type": kind,
                "url": shown,
                "preview_url": shown,
                "remote_url": m.url,
                "description": if m.description.is_empty() { Value::Null } else { Value::String(m.description.clone()) },
                "blurhash": null,
                "meta": {},
            })
        })
        .collect();
    json!({
        "id": p.id.to_string(),
        "uri": p.remote_url.clone().unwrap_or(local_uri),
        "url": url,
        "created_at": timestamp(p.created_at),
        "edited_at": p.edited_at.map(timestamp),
        "account": author_account(base, &p.author),
        "content": p.html,
        "visibility": visibility(p.audience),
        "local_only": p.audience == Audience::Local,
        "sensitive": !p.content_warning.is_empty(),
        "spoiler_text": p.content_warning,
        "media_attachments": media,
        "application": null,
        "mentions": [],
        "tags": [],
        "emojis": [],
        "reblogs_count": p.boost_count,
        "favourites_count": p.favourite_count,
        "replies_count": p.reply_count,
        "in_reply_to_id": p.in_reply_to.map(|id| id.to_string()),
        "in_reply_to_account_id": null,
        "reblog": null,
        "poll": null,
        "card": null,
        "language": null,
        "text": null,
        "favourited": p.favourited,
        "reblogged": p.boosted,
        "muted": false,
        "bookmarked": p.bookmarked,
        "pinned": false,
        "filtered": [],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_apps_see_never_claims_more_than_the_audience() {
        // What apps see never claims more than the audience allows.
        for a in [
            Audience::Public,
            Audience::Unlisted,
            Audience::Local,
            Audience::Followers,
            Audience::Direct,
        ] {
            let shown = visibility(a);
            let widest = match a {
                Audience::Public => "public",
                Audience::Unlisted => "unlisted",
                _ => "private",
            };
            assert!(
                shown == widest || (a == Audience::Direct && shown == "direct"),
                "{a:?} shown as {shown}"
            );
        }
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
    }
}
