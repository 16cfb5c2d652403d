//! `Create` and `Update` of posts (and `Update` of the actor's own profile): a post is taken
//! from the activity only when its own server sent it, fetched from its origin otherwise, and
//! kept if anyone here wants it (see `store_note`).

use porchlight_ap::documents;
use porchlight_ap::inbound::id_of;
use porchlight_ap::inbound::{self, RemoteNote, kind};
use porchlight_core::text::normalize_tag;
use porchlight_core::{AccountId, PostId};
use porchlight_db::federation::{self as store, BlockLevel, RemoteAccount};
use porchlight_db::polls;
use porchlight_db::posts::{self, NewPost};
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::{Db, now};
use serde_json::Value;

use super::{Context, local_member};
use crate::{FedError, Federation, resolve};

#[derive(Debug, PartialEq)]
pub(super) struct PostActivity {
    pub update: bool,
    pub object: Value,
}

impl PostActivity {
    pub fn read(activity: &Value) -> Result<PostActivity, FedError> {
        Ok(PostActivity {
            update: kind(activity) == "Update",
            object: activity.get("object").cloned().unwrap_or(Value::Null),
        })
    }

    pub fn apply(self, cx: &Context) -> Result<(), FedError> {
        let (fed, db, actor) = (cx.fed, cx.db, &cx.actor);
        let is_post = inbound::POST_KINDS.contains(&kind(&self.object));
        if !self.update {
            let Some(note) = embedded_or_fetched(fed, db, actor, &self.object)? else {
                return Ok(());
            };
            if note.attributed_to != actor.uri {
                return Err(FedError::Invalid("a Create of someone else's post".into()));
            }
            if let Some(option) = &note.vote {
                return record_vote(fed, db, &note, actor, option);
            }
            store_note(fed, db, &note, actor, false)?;
        } else if is_post {
            let Some(note) = embedded_or_fetched(fed, db, actor, &self.object)? else {
                return Ok(());
            };
            if note.attributed_to != actor.uri {
                return Err(FedError::Invalid("an Update of someone else's post".into()));
            }
            update_note(fed, db, &note, actor)?;
        } else if id_of(&self.object) == Some(actor.uri.as_str()) {
            // A profile change: read it from the source.
            resolve::actor(fed, db, &actor.uri, true)?;
        }
        Ok(())
    }
}

/// The post an activity carries: embedded, if it comes from the actor's own server; otherwise
/// fetched from its origin (an embedded object from elsewhere is never trusted).
fn embedded_or_fetched(
    fed: &Federation,
    db: &Db,
    actor: &RemoteAccount,
    object: &Value,
) -> Result<Option<RemoteNote>, FedError> {
    if object.is_object() && !inbound::POST_KINDS.contains(&kind(object)) {
        // Not a kind of post (a Place, a Profile, a Tombstone, no type at all): kept out, and
        // said, so that a post that never appears can be traced.
        log::info!(
            "kept out a {:?} object from {}: not a kind of post",
            kind(object),
            actor.uri
        );
        return Ok(None);
    }
    let id = id_of(object).ok_or_else(|| FedError::Invalid("the object has no id".into()))?;
    if object.is_object() && inbound::same_origin(id, &actor.uri) {
        return RemoteNote::from_json(object)
            .map(Some)
            .map_err(|e| FedError::Invalid(e.0));
    }
    let (doc, fetched_from) = fed.fetch(db, id)?;
    let note = RemoteNote::from_json(&doc).map_err(|e| FedError::Invalid(e.0))?;
    if !inbound::same_origin(&note.id, &fetched_from) {
        return Err(FedError::Invalid(
            "the post was served by another server than its own".into(),
        ));
    }
    Ok(Some(note))
}

/// What a remote post's text becomes here: sanitized HTML, plain text, a content warning, tags.
struct Converted {
    html: String,
    text: String,
    content_warning: String,
    tags: Vec<String>,
}

fn convert(note: &RemoteNote) -> Converted {
    let mut tags: Vec<String> = note
        .hashtags
        .iter()
        .filter_map(|t| normalize_tag(t))
        .collect();
    tags.sort();
    tags.dedup();
    Converted {
        html: with_quote_line(
            crate::sanitize::html(&note.content_html),
            note.quote.as_deref(),
        ),
        text: crate::sanitize::text(&note.content_html),
        content_warning: content_warning(&note.summary),
        tags,
    }
}

/// The post `note` quotes, and its id here: one of ours, one the camp has, or one fetched now
/// when the quoting post is kept for someone here (only the quoted post: not what it answers or
/// quotes in turn).
fn quoted_here<'a>(
    fed: &Federation,
    db: &Db,
    note: &'a RemoteNote,
    author: &RemoteAccount,
    wanted: bool,
    depth: u32,
) -> Result<Option<(&'a str, Option<PostId>)>, FedError> {
    let Some(uri) = note.quote.as_deref() else {
        return Ok(None);
    };
    if let Some(here) = db.read(|c| quote_in(c, fed, uri, author))? {
        return Ok(Some((uri, Some(here))));
    }
    if fed.me.local_post(uri).is_some() {
        return Ok(Some((uri, None)));
    }
    let keep = wanted || db.read(|c| store::followed_by_members(c, author.id))?;
    if depth > 0 || !keep {
        return Ok(Some((uri, None)));
    }
    match resolve::post_at(fed, db, uri, MAX_ANCESTORS) {
        Ok(id) => Ok(Some((uri, Some(id)))),
        Err(e) => {
            log::debug!("could not fetch {uri}, which {} quotes: {e}", note.id);
            Ok(Some((uri, None)))
        }
    }
}

/// The quoted post's id here: one the camp has, and, when it is one of ours, only if the quoting
/// author could see it (a quote of a camp-only post names nothing here).
fn quote_in(
    c: &porchlight_db::Connection,
    fed: &Federation,
    uri: &str,
    author: &RemoteAccount,
) -> Result<Option<PostId>, FedError> {
    Ok(match fed.me.local_post(uri) {
        Some(local) => match seen_by(c, local, author)? {
            Some(true) => Some(local),
            _ => None,
        },
        None => store::post_by_uri(c, uri)?,
    })
}

/// A post's HTML with the line Mastodon writes for a quote, for readers that show no quotes:
/// "RE: link", unless the text links the quoted post already.
fn with_quote_line(html: String, quote: Option<&str>) -> String {
    let Some(quoted) = quote else {
        return html;
    };
    let escaped = porchlight_core::text::escape_html(quoted);
    if html.contains(&format!("href=\"{escaped}\"")) {
        return html;
    }
    format!(
        "{html}<p class=\"quote-inline\">RE: <a href=\"{escaped}\" rel=\"nofollow noopener noreferrer ugc\">{escaped}</a></p>"
    )
}

/// A summary as a content warning, as plain text. A summary with no words (only a picture, say)
/// still warns: it is shown as "Content warning".
fn content_warning(summary: &str) -> String {
    let text: String = crate::sanitize::text(summary).chars().take(500).collect();
    if text.trim().is_empty() && !summary.trim().is_empty() {
        "Content warning".to_string()
    } else {
        text
    }
}

/// Stores a remote post, if anyone here wants it: someone follows its author, it mentions a
/// member, it answers a post we have, or `wanted` says a member asked for it. Returns its id.
pub fn store_note(
    fed: &Federation,
    db: &Db,
    note: &RemoteNote,
    author: &RemoteAccount,
    wanted: bool,
) -> Result<Option<PostId>, FedError> {
    store_note_at(fed, db, note, author, wanted, 0)
}

/// Whether someone elsewhere may see one of our posts (None: there is no such post).
fn seen_by(
    c: &porchlight_db::Connection,
    local: PostId,
    someone: &RemoteAccount,
) -> Result<Option<bool>, FedError> {
    let Some(facts) = posts::facts(c, local)? else {
        return Ok(None);
    };
    let viewer = porchlight_core::audience::Viewer {
        is_member: false,
        is_author: false,
        follows_author: social::follows(c, someone.id, facts.author_id)?,
        is_mentioned: posts::is_mentioned(c, local, someone.id)?,
        is_neighbor: porchlight_db::neighborhood::is_neighbor_host(c, &someone.domain)?,
    };
    Ok(Some(porchlight_core::audience::can_view(
        facts.audience,
        viewer,
    )))
}

/// A vote from elsewhere in one of our polls: counted if the voter may see the poll, it is
/// still open, the option is one of its own, and (for a one-choice poll) they had not voted.
/// A vote in a poll elsewhere is its server's to count, and is never kept as a post.
fn record_vote(
    fed: &Federation,
    db: &Db,
    note: &RemoteNote,
    voter: &RemoteAccount,
    option: &str,
) -> Result<(), FedError> {
    let Some(post) = note
        .in_reply_to
        .as_deref()
        .and_then(|q| fed.me.local_post(q))
    else {
        return Ok(());
    };
    db.write(|tx| -> Result<(), FedError> {
        let Some(poll) = polls::facts(tx, post)? else {
            return Ok(());
        };
        if seen_by(tx, post, voter)? != Some(true) {
            return Ok(());
        }
        let Some(position) = polls::titles(tx, post)?.iter().position(|t| t == option) else {
            return Err(FedError::Invalid(format!(
                "{option:?} is not an option of the poll"
            )));
        };
        let now = now();
        let voted = polls::has_voted(tx, post, voter.id)? && !poll.multiple;
        let ended = porchlight_core::polls::has_ended(poll.expires_at, poll.closed, now);
        match porchlight_core::polls::check_choices(
            &[position],
            poll.options,
            poll.multiple,
            voted,
            ended,
        ) {
            Ok(choices) => polls::vote(tx, post, voter.id, &choices, now)?,
            Err(why) => log::info!("a vote from {} was not counted: {why}", voter.uri),
        }
        Ok(())
    })
}

/// How many posts up a thread are fetched to show what a reply answers.
const MAX_ANCESTORS: u32 = 3;

pub(crate) fn store_note_at(
    fed: &Federation,
    db: &Db,
    note: &RemoteNote,
    author: &RemoteAccount,
    wanted: bool,
    depth: u32,
) -> Result<Option<PostId>, FedError> {
    if note.vote.is_some() {
        // A vote is not a post (it reaches its poll's server only, as a Create).
        return Ok(None);
    }
    let mut mentioned: Vec<AccountId> = Vec::new();
    let mut members_mentioned = Vec::new();
    for href in &note.mentions {
        if let Some(member) = local_member(fed, db, href)? {
            mentioned.push(member.id);
            members_mentioned.push(member.id);
        } else if let Some(remote) = db.read(|c| store::remote_by_uri(c, href))? {
            mentioned.push(remote.id);
        }
    }
    // Addressed to a member without a Mention tag (some servers do that for direct messages).
    for address in note.to.iter().chain(&note.cc) {
        if let Some(member) = local_member(fed, db, address)?
            && !mentioned.contains(&member.id)
        {
            mentioned.push(member.id);
            members_mentioned.push(member.id);
        }
    }
    let mut parent = match &note.in_reply_to {
        Some(uri) => match fed.me.local_post(uri) {
            Some(local) => {
                // A reply to one of our posts that its author could not have seen (camp-only,
                // or not addressed to them) is not taken into that thread: the core decides,
                // as for a like.
                match db.read(|c| seen_by(c, local, author))? {
                    Some(true) => Some(local),
                    Some(false) => return Ok(None),
                    None => None,
                }
            }
            None => db.read(|c| store::post_by_uri(c, uri))?,
        },
        None => None,
    };
    // A reply to something not here yet: fetch what it answers (a few posts up), so the
    // thread reads as a conversation. Only for posts that will be kept.
    if parent.is_none()
        && depth < MAX_ANCESTORS
        && let Some(uri) = &note.in_reply_to
        && fed.me.local_post(uri).is_none()
        && (wanted
            || !members_mentioned.is_empty()
            || db.read(|c| store::followed_by_members(c, author.id))?)
    {
        match resolve::post_at(fed, db, uri, depth + 1) {
            Ok(id) => parent = Some(id),
            Err(e) => log::debug!("could not fetch {uri}, which {} answers: {e}", note.id),
        }
    }
    let quote = quoted_here(
        fed,
        db,
        note,
        author,
        wanted || !members_mentioned.is_empty(),
        depth,
    )?;
    let converted = convert(note);
    // A post to the neighborhood counts as one only from a camp that is a neighbor now.
    let neighborhood = db.read(|c| -> porchlight_db::Result<Option<String>> {
        match porchlight_db::neighborhood::is_neighbor_host(c, &author.domain)? {
            true => porchlight_db::neighborhood::neighborhood_uri(c),
            false => Ok(None),
        }
    })?;
    let audience = documents::audience_of(
        &note.to,
        &note.cc,
        author.followers_url.as_deref(),
        neighborhood.as_deref(),
    );
    let for_the_neighborhood = audience == porchlight_core::audience::Audience::Neighborhood;
    if !for_the_neighborhood && members_mentioned.is_empty() {
        // A camp that counts this one as a neighbor when this one does not: told so, and the
        // post goes no further (docs/NEIGHBORHOODS.md, "Diverging views").
        if let Some(stray) = crate::neighborhood::stray_neighborhood(&note.to, &note.cc) {
            crate::neighborhood::refuse_stray_post(fed, db, author, &stray)?;
            return Ok(None);
        }
    }
    let now = now();
    let created_at = note.published.unwrap_or(now).min(now);
    let id = db.write(|tx| -> Result<Option<PostId>, FedError> {
        if let Some(existing) = store::post_by_uri(tx, &note.id)? {
            return Ok(Some(existing));
        }
        let followed = store::followed_by_members(tx, author.id)?;
        if !(wanted
            || followed
            || for_the_neighborhood
            || !members_mentioned.is_empty()
            || parent.is_some())
        {
            return Ok(None);
        }
        if for_the_neighborhood {
            porchlight_db::neighborhood::heard_from(tx, &author.domain, now)?;
        }
        // A silenced server is heard only by those who follow its people.
        if !wanted
            && !followed
            && matches!(store::block_for(tx, &author.domain)?, Some(b) if b.level == BlockLevel::Silence)
        {
            return Ok(None);
        }
        let id = posts::insert_post(
            tx,
            &NewPost {
                author_id: author.id,
                audience,
                text: &converted.text,
                html: &converted.html,
                content_warning: &converted.content_warning,
                in_reply_to: parent,
                mentions: &mentioned,
                tags: &converted.tags,
                now: created_at,
            },
        )?;
        store::set_post_uri(tx, id, &note.id, &note.url)?;
        store::set_post_reading(tx, id, note.sensitive, note.language.as_deref(), quote)?;
        // Posts that quoted this one before the camp had it name it now.
        store::link_waiting_quotes(tx, id, &note.id)?;
        store::set_post_media(tx, id, &media_of(tx, note, author)?)?;
        porchlight_db::cards::set_link(tx, id, crate::cards::first_link(&converted.html).as_deref())?;
        if let Some(poll) = &note.poll {
            keep_poll(tx, id, poll)?;
        }
        keep_event(tx, id, note)?;
        porchlight_db::emoji::set_for_post(tx, id, &note.emojis)?;
        let parent_author = match parent {
            Some(p) => store::post_author(tx, p)?,
            None => None,
        };
        for &member in &members_mentioned {
            let kind = if Some(member) == parent_author {
                NotificationKind::Reply
            } else {
                NotificationKind::Mention
            };
            social::notify(tx, member, kind, author.id, Some(id), now)?;
        }
        Ok(Some(id))
    })?;
    Ok(id)
}

/// An Event's facts, kept beside its post, with what its organizer wrote as plain text.
fn keep_event(
    tx: &porchlight_db::Connection,
    id: porchlight_core::PostId,
    note: &RemoteNote,
) -> porchlight_db::Result<()> {
    let Some(e) = &note.event else {
        return Ok(());
    };
    porchlight_db::events::set(
        tx,
        id,
        &porchlight_core::events::EventFacts {
            title: e.title.clone(),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            place: e.place.clone(),
            link: String::new(),
            zone: e.zone.clone(),
        },
        &crate::sanitize::text(&e.description_html),
    )
}

/// A Question's poll: kept with its post, or its counts and closing taken when it is known.
fn keep_poll(
    tx: &porchlight_db::Connection,
    post: PostId,
    poll: &porchlight_ap::inbound::RemotePoll,
) -> Result<(), FedError> {
    match polls::facts(tx, post)? {
        Some(_) => {
            let votes: Vec<i64> = poll.options.iter().map(|(_, v)| *v).collect();
            polls::set_counts(tx, post, &votes, poll.voters, poll.end_time, poll.closed)?;
        }
        None => polls::insert(
            tx,
            post,
            &poll.options,
            poll.multiple,
            poll.end_time,
            poll.closed,
            poll.voters,
        )?,
    }
    Ok(())
}

/// A remote post's attachments, unless the host rejected media from its server.
fn media_of(
    conn: &porchlight_db::Connection,
    note: &RemoteNote,
    author: &RemoteAccount,
) -> Result<Vec<porchlight_db::timeline::Media>, FedError> {
    if matches!(store::block_for(conn, &author.domain)?, Some(b) if b.level == BlockLevel::RejectMedia)
    {
        return Ok(Vec::new());
    }
    Ok(note
        .attachments
        .iter()
        .map(|a| porchlight_db::timeline::Media {
            url: a.url.clone(),
            media_type: a.media_type.clone(),
            description: a.description.clone(),
            blurhash: a.blurhash.clone(),
            width: a.width,
            height: a.height,
            proxy: String::new(),
            upload: None,
        })
        .collect())
}

fn update_note(
    fed: &Federation,
    db: &Db,
    note: &RemoteNote,
    author: &RemoteAccount,
) -> Result<(), FedError> {
    let converted = convert(note);
    db.write(|tx| -> Result<(), FedError> {
        let Some(id) = store::post_by_uri(tx, &note.id)? else {
            return Ok(());
        };
        if store::post_author(tx, id)? != Some(author.id) {
            return Err(FedError::Invalid("an Update of someone else's post".into()));
        }
        if let Some(poll) = &note.poll {
            keep_poll(tx, id, poll)?;
        }
        keep_event(tx, id, note)?;
        porchlight_db::emoji::set_for_post(tx, id, &note.emojis)?;
        // A Question is updated whenever its counts change: only a new text is an edit.
        let current = posts::facts(tx, id)?;
        if current.as_ref().is_none_or(|f| {
            f.text != converted.text || f.content_warning != converted.content_warning
        }) {
            posts::edit_post(
                tx,
                id,
                &posts::NewText {
                    text: &converted.text,
                    html: &converted.html,
                    content_warning: &converted.content_warning,
                    mentions: &[],
                    tags: &converted.tags,
                },
                note.updated.unwrap_or_else(now),
            )?;
        }
        store::set_post_media(tx, id, &media_of(tx, note, author)?)?;
        // An edit's quote is looked for here only: an edit fetches nothing.
        let quote = match note.quote.as_deref() {
            Some(uri) => Some((uri, quote_in(tx, fed, uri, author)?)),
            None => None,
        };
        store::set_post_reading(tx, id, note.sensitive, note.language.as_deref(), quote)?;
        porchlight_db::cards::set_link(
            tx,
            id,
            crate::cards::first_link(&converted.html).as_deref(),
        )?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::{content_warning, with_quote_line};

    /// (summary sent, content warning shown)
    /// (the post's HTML, what it quotes, the HTML shown)
    #[test]
    fn a_quote_ends_the_text_with_a_link_unless_it_links_it_already() {
        let q = "https://q.example/n/7?a=1&b=2";
        let line = "<p class=\"quote-inline\">RE: <a href=\"https://q.example/n/7?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer ugc\">https://q.example/n/7?a=1&amp;b=2</a></p>";
        for (html, quote, shown) in [
            ("<p>look</p>", None, "<p>look</p>".to_string()),
            ("<p>look</p>", Some(q), format!("<p>look</p>{line}")),
            (
                "<p>look <a href=\"https://q.example/n/7?a=1&amp;b=2\">it</a></p>",
                Some(q),
                "<p>look <a href=\"https://q.example/n/7?a=1&amp;b=2\">it</a></p>".to_string(),
            ),
            // Only a link counts, not the address written as text.
            (
                "<p>https://q.example/n/7?a=1&amp;b=2</p>",
                Some(q),
                format!("<p>https://q.example/n/7?a=1&amp;b=2</p>{line}"),
            ),
        ] {
            assert_eq!(with_quote_line(html.to_string(), quote), shown, "{html}");
        }
    }

    #[test]
    fn a_summary_warns_even_when_it_is_only_markup() {
        for (summary, shown) in [
            ("", ""),
            ("spoilers", "spoilers"),
            ("<p><b>bold</b> warning</p>", "bold warning"),
            ("<img src=\"https://o.example/w.png\">", "Content warning"),
            ("<p> </p>", "Content warning"),
        ] {
            assert_eq!(content_warning(summary), shown, "{summary}");
        }
    }
}
