//! The host's care for members: one-time password-reset links, suspending and removing
//! accounts, private notes, warnings, handing the camp over, and the moderation log that records
//! every one of these. Who may act on whom is `core::moderation`'s rule, checked here inside the
//! transaction that acts; each action and its log line are written together or not at all.

use std::path::PathBuf;

use porchlight_core::audience::{Audience, Role};
use porchlight_core::members::check_password;
use porchlight_core::moderation::{
    self as rules, MAX_MEMBER_NOTE, MAX_REPORT_COMMENT, MemberAction, RESET_LINK_SECS, ResetLink,
};
use porchlight_core::{AccountId, PostId};
use porchlight_db::accounts::{self, Member};
use porchlight_db::moderation::{self as store, LogEntry};
use porchlight_db::{Connection, now};
use porchlight_federation::outbox;

use crate::posting::Compose;
use crate::{Acting, App, AppError, AppResult, bounded, token_hash};

/// The most an introduction may say (it fits in a welcome post with room to spare).
pub const MAX_INTRODUCTION: usize = 300;

/// What the log calls whoever acted.
pub(crate) fn actor_name(conn: &Connection, by: Acting) -> AppResult<String> {
    Ok(match by {
        Acting::Shell => "the host's command line".to_string(),
        Acting::Member(id) => accounts::member_by_id(conn, id)?
            .map(|m| format!("@{}", m.username))
            .ok_or(AppError::NotSignedIn)?,
    })
}

/// Refuses unless `by` may take `action` on `target`; returns the target and the actor's name.
pub(crate) fn check_action(
    conn: &Connection,
    by: Acting,
    action: MemberAction,
    target: AccountId,
) -> AppResult<(Member, String)> {
    let member = accounts::member_by_id(conn, target)?.ok_or(AppError::NotFound)?;
    let hosts = accounts::count_hosts(conn)?;
    let (role, on_self) = match by {
        Acting::Shell => (Role::Host, false),
        Acting::Member(id) => {
            let me = accounts::member_by_id(conn, id)?.ok_or(AppError::NotSignedIn)?;
            if me.suspended_at.is_some() {
                return Err(AppError::NotSignedIn);
            }
            (me.role, id == target)
        }
    };
    rules::may_act(action, role, member.role, on_self, hosts)
        .map_err(|refusal| AppError::Forbidden(refusal.to_string()))?;
    Ok((member, actor_name(conn, by)?))
}

/// Suspends a member inside the caller's transaction (the host's page, or a report's outcome).
pub(crate) fn suspend_in(
    tx: &Connection,
    fed: Option<&porchlight_federation::Identity>,
    by: Acting,
    member: AccountId,
    reason: &str,
) -> AppResult<()> {
    let (target, actor) = check_action(tx, by, MemberAction::Suspend, member)?;
    if target.suspended_at.is_some() {
        return Err(AppError::Invalid(format!(
            "@{} is already suspended.",
            target.username
        )));
    }
    store::set_suspended(tx, member, Some(now()))?;
    if let Some(me) = fed {
        outbox::profile_updated(tx, me, member, now())?;
    }
    log(
        tx,
        &actor,
        "suspended",
        &format!("@{}", target.username),
        reason,
    )
}

pub(crate) fn log(
    conn: &Connection,
    actor: &str,
    action: &str,
    target: &str,
    reason: &str,
) -> AppResult<()> {
    store::log(conn, actor, action, target, reason, now())?;
    Ok(())
}

impl App {
    /// A one-time link for a member to set a new password (valid a day, for one use, and only
    /// while their password is the one it replaces). Returns the token; only its hash is kept.
    pub fn make_reset_link(&self, by: Acting, member: AccountId) -> AppResult<String> {
        let token = self.random_token(24);
        self.db.write(|tx| -> AppResult<()> {
            let (target, actor) = check_action(tx, by, MemberAction::ResetLink, member)?;
            let hash = accounts::password_hash(tx, member)?.ok_or(AppError::NotFound)?;
            store::insert_reset_link(
                tx,
                &token_hash(&token),
                &ResetLink {
                    account: member,
                    expires_at: now() + RESET_LINK_SECS,
                    password_hash: hash,
                },
            )?;
            log(
                tx,
                &actor,
                "made a password reset link",
                &format!("@{}", target.username),
                "",
            )
        })?;
        Ok(token)
    }

    /// The member a reset link is for, while it works.
    pub fn reset_link_member(&self, token: &str) -> AppResult<Option<Member>> {
        if token.len() != 48 {
            return Ok(None);
        }
        self.db.read(|c| -> AppResult<Option<Member>> {
            let Some(link) = store::reset_link(c, &token_hash(token))? else {
                return Ok(None);
            };
            let Some(current) = accounts::password_hash(c, link.account)? else {
                return Ok(None);
            };
            if !rules::reset_link_works(&link, &current, now()) {
                return Ok(None);
            }
            Ok(accounts::member_by_id(c, link.account)?.filter(|m| m.suspended_at.is_none()))
        })
    }

    /// Sets a new password through a reset link: the link is used up, and every session and app
    /// token of the member ends. Returns the member (to log them in).
    pub fn use_reset_link(&self, token: &str, new: &str) -> AppResult<Member> {
        let gone = || {
            AppError::Forbidden(
                "This link does not work any more: it was used, it is more than a day old, or \
                 the password was changed since. Ask your host for a new one."
                    .into(),
            )
        };
        let member = self.reset_link_member(token)?.ok_or_else(gone)?;
        check_password(new)?;
        let new_hash = self.hash_password(new)?;
        self.db.write(|tx| -> AppResult<()> {
            // Checked again in the transaction: the link may have been used meanwhile.
            let link = store::reset_link(tx, &token_hash(token))?.ok_or_else(gone)?;
            let current = accounts::password_hash(tx, link.account)?.ok_or_else(gone)?;
            if link.account != member.id || !rules::reset_link_works(&link, &current, now()) {
                return Err(gone());
            }
            accounts::set_password_hash(tx, member.id, &new_hash)?;
            accounts::delete_sessions_except(tx, member.id, None)?;
            porchlight_db::oauth::delete_all_tokens_of(tx, member.id)?;
            store::delete_reset_links_of(tx, member.id)?;
            Ok(())
        })?;
        Ok(member)
    }

    /// Suspends a member: they cannot log in, their apps stop at once, their posts are hidden,
    /// and servers elsewhere that follow them are told (an actor `Update` with `suspended`, as
    /// Mastodon sends). Nothing is deleted: `unsuspend` brings it all back.
    pub fn suspend(&self, by: Acting, member: AccountId, reason: &str) -> AppResult<()> {
        let reason = bounded("The reason", reason, MAX_REPORT_COMMENT)?;
        self.write_and_send(|tx, fed| suspend_in(tx, fed, by, member, &reason))
    }

    /// Lifts a suspension: of a member (servers that follow them are told), or of someone
    /// elsewhere whom a report's outcome suspended here.
    pub fn unsuspend(&self, by: Acting, member: AccountId) -> AppResult<()> {
        self.write_and_send(|tx, fed| {
            if accounts::member_by_id(tx, member)?.is_none() {
                crate::members::require_acting(tx, by, Role::Moderator)?;
                let person = porchlight_db::federation::remote_by_id(tx, member)?
                    .ok_or(AppError::NotFound)?;
                if store::suspended_at(tx, member)?.is_none() {
                    return Err(AppError::Invalid(format!(
                        "@{}@{} is not suspended.",
                        person.username, person.domain
                    )));
                }
                store::set_suspended(tx, member, None)?;
                return log(
                    tx,
                    &actor_name(tx, by)?,
                    "lifted the suspension of",
                    &format!("@{}@{}", person.username, person.domain),
                    "",
                );
            }
            let (target, actor) = check_action(tx, by, MemberAction::Unsuspend, member)?;
            if target.suspended_at.is_none() {
                return Err(AppError::Invalid(format!(
                    "@{} is not suspended.",
                    target.username
                )));
            }
            store::set_suspended(tx, member, None)?;
            if let Some(me) = fed {
                outbox::profile_updated(tx, me, member, now())?;
            }
            log(
                tx,
                &actor,
                "lifted the suspension of",
                &format!("@{}", target.username),
                "",
            )
        })
    }

    /// Removes a member for good: a backup of the whole camp is made first (in the data folder's
    /// `backups/`), then their account, posts and pictures are deleted and servers elsewhere that
    /// knew them get a `Delete` of the actor. Their name stays taken. Returns the backup's path.
    pub fn remove_member(&self, by: Acting, member: AccountId, reason: &str) -> AppResult<PathBuf> {
        let reason = bounded("The reason", reason, MAX_REPORT_COMMENT)?;
        // Checked before the backup, so that a refused removal leaves no file behind.
        let (target, _) = self
            .db
            .read(|c| check_action(c, by, MemberAction::Remove, member))?;
        let folder = self.data_dir.join("backups");
        std::fs::create_dir_all(&folder).map_err(|e| {
            AppError::Invalid(format!(
                "Could not make the backup folder, so nothing was removed: {e}"
            ))
        })?;
        let backup = folder.join(format!("before-removing-{}-{}.db", target.username, now()));
        self.backup_to(&backup)?;
        // Their archives and bundles go with them (the backup just made keeps everything).
        let files = self
            .db
            .read(|c| porchlight_db::archive::job_files(c, Some(member)))?;
        self.write_and_send(|tx, fed| {
            let (target, actor) = check_action(tx, by, MemberAction::Remove, member)?;
            let farewell = match fed {
                Some(me) => outbox::actor_deleting(tx, me, member)?,
                None => None,
            };
            let bare = store::remove_member(tx, member, now())?;
            if let Some(farewell) = farewell {
                outbox::queue(tx, Some(bare), &farewell.activity, farewell.inboxes, now())?;
            }
            log(
                tx,
                &actor,
                "removed",
                &format!("@{}", target.username),
                &reason,
            )
        })?;
        for file in files {
            let _ = std::fs::remove_file(self.data_dir.join(file));
        }
        Ok(backup)
    }

    /// What hosts and moderators note about a member, for each other's eyes only.
    pub fn member_note(&self, by: Acting, member: AccountId) -> AppResult<String> {
        self.db.read(|c| {
            check_action(c, by, MemberAction::Note, member)?;
            Ok(store::note(c, member)?)
        })
    }

    pub fn set_member_note(&self, by: Acting, member: AccountId, note: &str) -> AppResult<()> {
        let note = bounded("The note", note, MAX_MEMBER_NOTE)?;
        self.db.write(|tx| {
            let (target, actor) = check_action(tx, by, MemberAction::Note, member)?;
            store::set_note(tx, member, note.trim(), now())?;
            log(
                tx,
                &actor,
                "changed the private note about",
                &format!("@{}", target.username),
                "",
            )
        })
    }

    /// A message from a host or moderator to a member about their conduct (a notification they
    /// see on the page and in apps).
    pub fn warn(&self, by: AccountId, member: AccountId, message: &str) -> AppResult<()> {
        let message = bounded("The message", message, MAX_REPORT_COMMENT)?;
        if message.trim().is_empty() {
            return Err(AppError::Invalid(
                "Write what you want to tell them.".into(),
            ));
        }
        self.db.write(|tx| {
            let (target, actor) = check_action(tx, Acting::Member(by), MemberAction::Warn, member)?;
            store::warn(tx, member, by, message.trim(), None, now())?;
            log(
                tx,
                &actor,
                "warned",
                &format!("@{}", target.username),
                message.trim(),
            )
        })
    }

    /// A host hands the camp to another member: they become a host, and the one handing over
    /// steps down to member (a co-host who wants to stay one simply makes the other a co-host).
    pub fn hand_over(&self, by: AccountId, member: AccountId) -> AppResult<()> {
        self.db.write(|tx| {
            let (target, actor) =
                check_action(tx, Acting::Member(by), MemberAction::HandOver, member)?;
            if target.suspended_at.is_some() {
                return Err(AppError::Invalid(
                    "A suspended member cannot be made the host.".into(),
                ));
            }
            accounts::set_role(tx, member, Role::Host)?;
            accounts::set_role(tx, by, Role::Member)?;
            log(
                tx,
                &actor,
                "handed the camp over to",
                &format!("@{}", target.username),
                "",
            )
        })
    }

    /// A host's or moderator's line introducing a member to the camp, shown on their profile and
    /// in the directory; an empty one takes it away.
    pub fn introduce(&self, by: Acting, member: AccountId, text: &str) -> AppResult<()> {
        let text = bounded("The introduction", text, MAX_INTRODUCTION)?;
        self.db.write(|tx| {
            let (target, actor) = check_action(tx, by, MemberAction::Note, member)?;
            accounts::set_introduction(tx, member, text.trim())?;
            log(
                tx,
                &actor,
                "introduced",
                &format!("@{}", target.username),
                text.trim(),
            )
        })
    }

    /// Posts, as `by`, a welcome that introduces a member on the Camp timeline (camp only; it
    /// names them, so they are told). Returns the post.
    pub fn post_welcome(&self, by: AccountId, member: AccountId) -> AppResult<PostId> {
        let (target, _) = self
            .db
            .read(|c| check_action(c, Acting::Member(by), MemberAction::Note, member))?;
        if target.suspended_at.is_some() {
            return Err(AppError::Invalid(
                "A suspended member cannot be welcomed.".into(),
            ));
        }
        let text = porchlight_core::members::welcome_text(&target.username, &target.introduction);
        self.post(
            by,
            &Compose {
                text: &text,
                content_warning: "",
                audience: Audience::Local,
                in_reply_to: None,
                media: &[],
                poll: None,
                event: None,
            },
        )
    }

    /// Who joined in the last week, and who used the camp in the last day (the host's page, for
    /// the round of introductions).
    pub fn camp_pulse(&self, by: Acting) -> AppResult<(Vec<Member>, Vec<Member>)> {
        let members = self.members_for_staff(by)?;
        let since_day = now() - 86_400;
        let active = self.db.read(|c| accounts::active_since(c, since_day))?;
        let joined = members
            .iter()
            .filter(|m| m.created_at >= now() - 7 * 86_400)
            .cloned()
            .collect();
        let active = members
            .into_iter()
            .filter(|m| active.contains(&m.id))
            .collect();
        Ok((joined, active))
    }

    /// Every member, suspended ones too, for hosts and moderators.
    pub fn members_for_staff(&self, by: Acting) -> AppResult<Vec<Member>> {
        self.db.read(|c| {
            crate::members::require_acting(c, by, Role::Moderator)?;
            Ok(accounts::list_members(c, 0, 1000)?)
        })
    }

    /// The moderation log, newest first (hosts and moderators).
    pub fn moderation_log(
        &self,
        by: Acting,
        before: Option<i64>,
        limit: u32,
    ) -> AppResult<Vec<LogEntry>> {
        self.db.read(|c| {
            crate::members::require_acting(c, by, Role::Moderator)?;
            Ok(store::log_entries(c, before, limit.min(200))?)
        })
    }
}
