//! Posting and what campers do with posts and each other: reply, boost, favourite, bookmark, edit,
//! delete, follow. Every permission is asked of `porchlight_core::audience`.

use porchlight_core::audience::{self, Action, Audience, Role};
use porchlight_core::events::Answer;
use porchlight_core::text::{check_post_length, render_post};
use porchlight_core::{AccountId, PostId};
use porchlight_db::accounts;
use porchlight_db::posts::{self, NewPost};
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::timeline::{self, PostView, Reader};
use porchlight_db::uploads::{self, UploadId};
use porchlight_db::{Transaction, now};

use porchlight_federation::outbox;

use crate::{App, AppError, AppResult, bounded};

/// The most characters a content warning may have on its own.
pub const MAX_CONTENT_WARNING: usize = 200;

fn unknown_picture() -> AppError {
    AppError::Invalid(
        "One of the pictures is not yours, was posted already, or waited more than a day and \
         was forgotten; please upload it again."
            .into(),
    )
}

/// What the composer sends.
#[derive(Clone, Copy)]
pub struct Compose<'a> {
    pub text: &'a str,
    pub content_warning: &'a str,
    pub audience: Audience,
    pub in_reply_to: Option<PostId>,
    /// Pictures uploaded for it, in order (see `upload_picture`).
    pub media: &'a [porchlight_db::uploads::UploadId],
    /// A poll (checked by `porchlight_core::polls::NewPoll::checked`).
    pub poll: Option<&'a porchlight_core::polls::NewPoll>,
    /// The event the post announces (see `App::plan_event`).
    pub event: Option<&'a crate::events::PlannedEvent>,
}

/// How many posts a member may pin on their profile.
pub const MAX_PINS: i64 = 5;

/// The text rendered, with mentions resolved to members.
struct Prepared {
    text: String,
    html: String,
    content_warning: String,
    mentions: Vec<AccountId>,
    tags: Vec<String>,
    /// The first link, which gets a preview.
    link: Option<String>,
}

impl Prepared {
    /// Records the camp emoji the text and its warning use, for pages, apps and other servers.
    fn keep_emojis(&self, tx: &Transaction, id: PostId) -> porchlight_db::Result<()> {
        let text_and_warning = format!("{} {}", self.text, self.content_warning);
        porchlight_db::emoji::set_for_post(tx, id, &crate::emoji::used_in(tx, &text_and_warning)?)
    }
}

impl App {
    fn prepare(
        &self,
        tx: &Transaction,
        text: &str,
        content_warning: &str,
        has_media: bool,
    ) -> AppResult<Prepared> {
        let content_warning = bounded("The content warning", content_warning, MAX_CONTENT_WARNING)?;
        // A picture may stand alone; only its caption's length is checked then.
        if !(has_media && text.trim().is_empty()) {
            check_post_length(text, &content_warning, self.limits.max_post_chars)?;
        }
        let text = text.trim().to_string();
        let remote = |handle: &str| -> porchlight_db::Result<Option<AccountId>> {
            let (name, host) = handle.split_once('@').unwrap_or((handle, ""));
            Ok(porchlight_db::federation::remote_by_handle(tx, name, host)?.map(|a| a.id))
        };
        let rendered = render_post(&text, |name| {
            if name.contains('@') {
                matches!(remote(name), Ok(Some(_)))
            } else {
                accounts::username_taken(tx, name).unwrap_or(false)
            }
        });
        let mut mentions = Vec::new();
        for name in &rendered.mentions {
            if name.contains('@') {
                if let Some(id) = remote(name)? {
                    mentions.push(id);
                }
            } else if let Some(m) = accounts::member_by_username(tx, name)? {
                mentions.push(m.id);
            }
        }
        Ok(Prepared {
            text,
            html: rendered.html,
            content_warning,
            mentions,
            tags: rendered.tags,
            link: rendered.links.into_iter().next(),
        })
    }

    /// Looks up people elsewhere that a text mentions and this camp has not met yet, so that
    /// the mention reaches them. Runs before the write (it may fetch); a handle that cannot be
    /// found stays plain text.
    fn meet_mentioned(&self, text: &str) {
        let Some(fed) = &self.federation else { return };
        for handle in porchlight_core::text::remote_mentions(text)
            .into_iter()
            .take(10)
        {
            let (name, host) = handle.split_once('@').unwrap_or((&handle, ""));
            let known = self
                .db
                .read(|c| porchlight_db::federation::remote_by_handle(c, name, host))
                .ok()
                .flatten()
                .is_some();
            if !known && let Err(e) = porchlight_federation::resolve::handle(fed, &self.db, &handle)
            {
                log::info!("could not find @{handle}: {e}");
            }
        }
    }

    /// The audience a new post gets when its author did not choose one, on the pages and in
    /// apps alike (`core::audience::unchosen`): the author's default audience (camp only unless
    /// they changed it); in a reply, that default if a reply may have it, else the audience of
    /// what it answers.
    pub fn default_audience(
        &self,
        author: AccountId,
        in_reply_to: Option<PostId>,
    ) -> AppResult<Audience> {
        let default = self
            .read(|c| accounts::member_by_id(c, author))?
            .ok_or(AppError::NotFound)?
            .default_audience;
        let parent = match in_reply_to {
            Some(parent) => Some(self.view_post(Reader::member(author), parent)?.audience),
            None => None,
        };
        Ok(audience::unchosen(default, parent))
    }

    /// A post written in one form with at most one picture (the page's composer): the picture
    /// is cleaned and stored, then the post written with it; if the post is refused, the
    /// picture goes too, so a refused form leaves nothing behind.
    pub fn post_with_picture(
        &self,
        author: AccountId,
        compose: &Compose,
        picture: Option<(&[u8], &crate::uploads::PictureDetails)>,
    ) -> AppResult<PostId> {
        let Some((bytes, details)) = picture else {
            return self.post(author, compose);
        };
        let upload = self.upload_picture(author, bytes, details)?;
        let media = [upload.id];
        let posted = self.post(
            author,
            &Compose {
                media: &media,
                ..*compose
            },
        );
        if posted.is_err()
            && let Err(e) = self.delete_upload(author, upload.id)
        {
            log::warn!("a picture of a refused post stays until it expires: {e}");
        }
        posted
    }

    /// Writes a post or a reply; returns its id.
    pub fn post(&self, author: AccountId, compose: &Compose) -> AppResult<PostId> {
        self.post_once(author, compose, None)
    }

    /// Posts, unless a post was already made with this `key` (an app's `Idempotency-Key`, sent
    /// again when it retries after a lost answer): then that post's id, and nothing new. The
    /// key is kept in the same transaction as the post, so a retry after a power cut finds it.
    pub fn post_once(
        &self,
        author: AccountId,
        compose: &Compose,
        key: Option<&str>,
    ) -> AppResult<PostId> {
        self.meet_mentioned(compose.text);
        self.write_and_send(|tx, fed| self.post_in(tx, fed, author, compose, key, &[]))
    }

    /// Writes a post inside the caller's transaction; `also_to` are members it reaches (and
    /// tells) besides those its text mentions (the bugle's listeners).
    pub(crate) fn post_in(
        &self,
        tx: &porchlight_db::Transaction,
        fed: Option<&porchlight_federation::Identity>,
        author: AccountId,
        compose: &Compose,
        key: Option<&str>,
        also_to: &[AccountId],
    ) -> AppResult<PostId> {
        {
            if let Some(key) = key
                && let Some(earlier) = porchlight_db::oauth::idempotent_post(tx, author, key)?
            {
                return Ok(earlier);
            }
            if let Some(there) = porchlight_db::moving::moved_to(tx, author)? {
                return Err(AppError::Forbidden(format!(
                    "This account has moved to {there} and takes no new posts; post from there."
                )));
            }
            let media = porchlight_core::media::check_attachments(compose.media)?;
            let mut prepared =
                self.prepare(tx, compose.text, compose.content_warning, !media.is_empty())?;
            for &listener in also_to {
                if listener != author && !prepared.mentions.contains(&listener) {
                    prepared.mentions.push(listener);
                }
            }
            // Outside a neighborhood, a post for it has no neighbors to go to: it stays in the
            // camp (narrower, never wider), as it would if the camp had just left.
            let audience = match compose.audience {
                Audience::Neighborhood
                    if porchlight_db::neighborhood::neighborhood_uri(tx)?.is_none() =>
                {
                    Audience::Local
                }
                chosen => chosen,
            };
            let mut parent_author = None;
            if let Some(parent_id) = compose.in_reply_to {
                let parent = timeline::post(tx, parent_id, Reader::member(author))?
                    .ok_or(AppError::NotFound)?;
                if !parent.may(Action::Reply) {
                    return Err(AppError::Forbidden("You cannot reply to this post.".into()));
                }
                if !audience::reply_audience_allowed(parent.audience, audience) {
                    return Err(AppError::Invalid(format!(
                        "A reply to a post for \"{}\" cannot be for \"{}\": that would show the \
                         conversation to people it was not meant for.",
                        parent.audience.label(),
                        audience.label()
                    )));
                }
                // The person answered is always among those who can read the answer.
                if parent.author.id != author && !prepared.mentions.contains(&parent.author.id) {
                    prepared.mentions.push(parent.author.id);
                }
                parent_author = Some(parent.author.id);
            }
            if audience == Audience::Direct && prepared.mentions.is_empty() {
                return Err(AppError::Invalid(
                    "A post for only the people mentioned needs at least one @mention of someone."
                        .into(),
                ));
            }
            let now = now();
            let id = posts::insert_post(
                tx,
                &NewPost {
                    author_id: author,
                    audience,
                    text: &prepared.text,
                    html: &prepared.html,
                    content_warning: &prepared.content_warning,
                    in_reply_to: compose.in_reply_to,
                    mentions: &prepared.mentions,
                    tags: &prepared.tags,
                    now,
                },
            )?;
            if !uploads::set_for_post(tx, id, author, &media)? {
                return Err(unknown_picture());
            }
            porchlight_db::cards::set_link(tx, id, prepared.link.as_deref())?;
            prepared.keep_emojis(tx, id)?;
            if let Some(poll) = compose.poll {
                if !media.is_empty() {
                    return Err(AppError::Invalid(
                        "A post can have pictures or a poll, not both.".into(),
                    ));
                }
                let options: Vec<(String, i64)> =
                    poll.options.iter().map(|o| (o.clone(), 0)).collect();
                porchlight_db::polls::insert(
                    tx,
                    id,
                    &options,
                    poll.multiple,
                    Some(now + poll.expires_in),
                    false,
                    0,
                )?;
            }
            for &mentioned in &prepared.mentions {
                let kind = if Some(mentioned) == parent_author {
                    NotificationKind::Reply
                } else {
                    NotificationKind::Mention
                };
                social::notify(tx, mentioned, kind, author, Some(id), now)?;
            }
            if let Some(event) = compose.event {
                porchlight_db::events::set(tx, id, &event.facts, &event.description)?;
                // The organizer goes, and is reminded with the others.
                porchlight_db::events::answer(tx, id, author, Answer::Going, now)?;
            }
            if let Some(me) = fed {
                outbox::post_created(tx, me, id, now)?;
            }
            if let Some(key) = key {
                porchlight_db::oauth::remember_idempotent_post(tx, author, key, id)?;
            }
            Ok(id)
        }
    }

    /// Edits a post's text and content warning (never its audience); keeps the old version.
    /// `media`, when given, becomes the post's pictures (uploaded ones, or ones it has);
    /// `described` changes the alt text or focus of pictures it then has.
    pub fn edit(
        &self,
        editor: AccountId,
        id: PostId,
        text: &str,
        content_warning: &str,
        media: Option<&[UploadId]>,
        described: &[(UploadId, crate::uploads::PictureDetails)],
    ) -> AppResult<()> {
        self.edit_with(editor, id, text, content_warning, media, described, None)
    }

    /// Edits a post and, for an event, its facts, in one transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn edit_with(
        &self,
        editor: AccountId,
        id: PostId,
        text: &str,
        content_warning: &str,
        media: Option<&[UploadId]>,
        described: &[(UploadId, crate::uploads::PictureDetails)],
        event: Option<&crate::events::PlannedEvent>,
    ) -> AppResult<()> {
        // Checked before anything is written, so a bad one changes nothing.
        let described = described
            .iter()
            .map(|(upload, details)| Ok((*upload, details.checked()?)))
            .collect::<AppResult<Vec<_>>>()?;
        self.meet_mentioned(text);
        self.write_and_send(|tx, fed| {
            let post = timeline::post(tx, id, Reader::member(editor))?.ok_or(AppError::NotFound)?;
            if !audience::can_edit(post.viewer) {
                return Err(AppError::Forbidden(
                    "Only the author can edit a post.".into(),
                ));
            }
            let media = media
                .map(porchlight_core::media::check_attachments)
                .transpose()?;
            let has_media = match &media {
                Some(ids) => !ids.is_empty(),
                None => !post.media.is_empty(),
            };
            let prepared = self.prepare(tx, text, content_warning, has_media)?;
            if let Some(ids) = &media
                && !uploads::set_for_post(tx, id, editor, ids)?
            {
                return Err(unknown_picture());
            }
            for (upload, (description, focus)) in &described {
                let current = uploads::own(tx, *upload, editor)?
                    .filter(|u| u.post_id == Some(id))
                    .ok_or_else(unknown_picture)?;
                uploads::describe(
                    tx,
                    *upload,
                    editor,
                    Some(id),
                    description.as_deref().unwrap_or(&current.description),
                    focus.unwrap_or(current.focus),
                )?;
            }
            let added = posts::edit_post(
                tx,
                id,
                &posts::NewText {
                    text: &prepared.text,
                    html: &prepared.html,
                    content_warning: &prepared.content_warning,
                    mentions: &prepared.mentions,
                    tags: &prepared.tags,
                },
                now(),
            )?;
            porchlight_db::cards::set_link(tx, id, prepared.link.as_deref())?;
            prepared.keep_emojis(tx, id)?;
            if let Some(event) = event {
                porchlight_db::events::set(tx, id, &event.facts, &event.description)?;
            }
            for account in added {
                social::notify(
                    tx,
                    account,
                    NotificationKind::Mention,
                    editor,
                    Some(id),
                    now(),
                )?;
            }
            if let Some(me) = fed {
                outbox::post_updated(tx, me, id, now())?;
            }
            Ok(())
        })
    }

    /// Deletes a post: its author, or a moderator or host who can see it.
    pub fn delete(&self, by: AccountId, id: PostId) -> AppResult<()> {
        self.write_and_send(|tx, fed| {
            let post = timeline::post(tx, id, Reader::member(by))?.ok_or(AppError::NotFound)?;
            let role = accounts::member_by_id(tx, by)?.map(|m| m.role);
            if !audience::can_delete(post.audience, post.viewer, role) {
                return Err(AppError::Forbidden(
                    "Only the author, a moderator or a host can delete this post.".into(),
                ));
            }
            if let Some(me) = fed {
                outbox::post_deleting(tx, me, id, now())?;
            }
            posts::delete_post(tx, id)?;
            if !post.viewer.is_author {
                let actor = crate::member_care::actor_name(tx, crate::Acting::Member(by))?;
                let author = match &post.author.domain {
                    Some(d) => format!("@{}@{d}", post.author.username),
                    None => format!("@{}", post.author.username),
                };
                crate::member_care::log(tx, &actor, "removed a post by", &author, "")?;
            }
            Ok(())
        })
    }

    /// Boosts a post (or takes the boost back).
    pub fn boost(&self, by: AccountId, id: PostId, on: bool) -> AppResult<()> {
        self.write_and_send(|tx, fed| {
            let post = timeline::post(tx, id, Reader::member(by))?.ok_or(AppError::NotFound)?;
            if !on {
                if let Some(boost) = posts::boost_by(tx, by, id)? {
                    if let Some(me) = fed {
                        outbox::post_deleting(tx, me, boost, now())?;
                    }
                    posts::delete_post(tx, boost)?;
                    social::withdraw_notification(
                        tx,
                        post.author.id,
                        NotificationKind::Boost,
                        by,
                        Some(id),
                    )?;
                }
                return Ok(());
            }
            let boosted = match audience::boost_audience(post.audience) {
                Some(a) if post.may(Action::Boost) => a,
                _ => {
                    return Err(AppError::Forbidden(
                        "This post is only for its author's followers or the people it mentions, \
                         so it cannot be boosted."
                            .into(),
                    ));
                }
            };
            if let Some(boost) = posts::insert_boost(tx, by, id, boosted, now())? {
                if let Some(me) = fed {
                    outbox::boosted(tx, me, boost, now())?;
                }
                social::notify(
                    tx,
                    post.author.id,
                    NotificationKind::Boost,
                    by,
                    Some(id),
                    now(),
                )?;
            }
            Ok(())
        })
    }

    pub fn favourite(&self, by: AccountId, id: PostId, on: bool) -> AppResult<()> {
        self.write_and_send(|tx, fed| {
            let post = timeline::post(tx, id, Reader::member(by))?.ok_or(AppError::NotFound)?;
            if on && !post.may(Action::Favourite) {
                return Err(AppError::Forbidden(
                    "You cannot favourite this post.".into(),
                ));
            }
            if posts::set_favourite(tx, by, id, on, now())? {
                if let Some(me) = fed
                    && let Some(member) = accounts::member_by_id(tx, by)?
                {
                    outbox::liked(tx, me, by, &member.username, id, on, now())?;
                }
                if on {
                    social::notify(
                        tx,
                        post.author.id,
                        NotificationKind::Favourite,
                        by,
                        Some(id),
                        now(),
                    )?;
                } else {
                    social::withdraw_notification(
                        tx,
                        post.author.id,
                        NotificationKind::Favourite,
                        by,
                        Some(id),
                    )?;
                }
            }
            Ok(())
        })
    }

    pub fn bookmark(&self, by: AccountId, id: PostId, on: bool) -> AppResult<()> {
        self.db.write(|tx| {
            let post = timeline::post(tx, id, Reader::member(by))?.ok_or(AppError::NotFound)?;
            if on && !post.may(Action::Bookmark) {
                return Err(AppError::Forbidden("You cannot bookmark this post.".into()));
            }
            posts::set_bookmark(tx, by, id, on, now())?;
            Ok(())
        })
    }

    pub fn follow(&self, by: AccountId, username: &str, on: bool) -> AppResult<()> {
        if username.contains('@') {
            return self.follow_remote(by, username, on);
        }
        self.db.write(|tx| {
            let target = accounts::member_by_username(tx, username)?.ok_or(AppError::NotFound)?;
            if target.id == by {
                return Err(AppError::Invalid("You cannot follow yourself.".into()));
            }
            if on {
                crate::muting::refuse_follow_across_block(tx, by, target.id)?;
                if social::follow(tx, by, target.id, now())? {
                    social::notify(tx, target.id, NotificationKind::Follow, by, None, now())?;
                }
            } else if social::unfollow(tx, by, target.id)? {
                social::withdraw_notification(tx, target.id, NotificationKind::Follow, by, None)?;
            }
            Ok(())
        })
    }

    /// Pins a post on its author's profile (or unpins it). Only the author pins, at most five
    /// posts, and never a direct one (a profile is for whoever may read it).
    pub fn pin(&self, by: AccountId, id: PostId, on: bool) -> AppResult<()> {
        self.db.write(|tx| {
            let post = timeline::post(tx, id, Reader::member(by))?.ok_or(AppError::NotFound)?;
            if post.author.id != by || post.boosted_by.is_some() {
                return Err(AppError::Invalid("You can only pin your own posts.".into()));
            }
            if on && post.audience == audience::Audience::Direct {
                return Err(AppError::Invalid(
                    "A post for only the people mentioned cannot be pinned.".into(),
                ));
            }
            if on && posts::count_pins(tx, by)? >= MAX_PINS {
                return Err(AppError::Invalid(format!(
                    "You can pin up to {MAX_PINS} posts; unpin one first."
                )));
            }
            posts::set_pin(tx, by, id, on, now())?;
            Ok(())
        })
    }

    /// A post as the reader may see it, or NotFound.
    pub fn view_post(&self, reader: Reader, id: PostId) -> AppResult<PostView> {
        self.db
            .read(|c| timeline::post(c, id, reader))?
            .ok_or(AppError::NotFound)
    }

    /// Whether a member may moderate (delete others' posts, invite).
    pub fn role_of(&self, id: AccountId) -> AppResult<Option<Role>> {
        Ok(self
            .db
            .read(|c| accounts::member_by_id(c, id))?
            .map(|m| m.role))
    }
}
