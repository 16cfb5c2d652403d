//! Mutes and blocks, one member's own: a mute quietens someone (their posts leave your timelines,
//! and their notifications too if you like), a block ends follows both ways and keeps each out of
//! the other's sight. Neither is announced to the other person.

use porchlight_core::AccountId;
use porchlight_db::muting::{self, Mute};
use porchlight_db::now;
use porchlight_db::social::{self, NotificationKind, Person};

use crate::{App, AppError, AppResult};

/// How a member stands to someone else, as far as mutes and blocks go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Boundaries {
    pub muting: Option<Mute>,
    pub blocking: bool,
    pub blocked_by: bool,
}

impl App {
    fn other_person(&self, by: AccountId, target: AccountId) -> AppResult<Person> {
        if by == target {
            return Err(AppError::Invalid(
                "You cannot mute or block yourself.".into(),
            ));
        }
        self.db
            .read(|c| social::person(c, target))?
            .ok_or(AppError::NotFound)
    }

    /// Mutes `target`: for good, or for `duration` seconds; with their notifications unless
    /// `notifications` is false. Muting again changes the terms.
    pub fn mute(
        &self,
        by: AccountId,
        target: AccountId,
        notifications: bool,
        duration: Option<i64>,
    ) -> AppResult<()> {
        self.other_person(by, target)?;
        if duration.is_some_and(|d| d < 0) {
            return Err(AppError::Invalid(
                "A mute lasts a number of seconds, or 0 for good.".into(),
            ));
        }
        let now = now();
        let expires_at = duration.filter(|&d| d > 0).map(|d| now.saturating_add(d));
        self.db
            .write(|tx| muting::mute(tx, by, target, notifications, expires_at, now))?;
        Ok(())
    }

    pub fn unmute(&self, by: AccountId, target: AccountId) -> AppResult<()> {
        self.other_person(by, target)?;
        self.db.write(|tx| muting::unmute(tx, by, target))?;
        Ok(())
    }

    /// Blocks `target`: stops following them (telling their server, if they are elsewhere),
    /// ends their follow, and keeps each out of the other's timelines and notifications.
    pub fn block(&self, by: AccountId, target: AccountId) -> AppResult<()> {
        let person = self.other_person(by, target)?;
        if let Some(domain) = &person.domain
            && self.federation.is_some()
        {
            // An Undo of our follow, so their server stops sending.
            self.follow_remote(by, &format!("{}@{domain}", person.username), false)?;
        }
        self.write_and_send(|tx, fed| {
            muting::block(tx, by, target, now())?;
            tell_their_server(tx, fed, by, target, true)?;
            for (follower, followee) in [(by, target), (target, by)] {
                if social::unfollow(tx, follower, followee)? {
                    social::withdraw_notification(
                        tx,
                        followee,
                        NotificationKind::Follow,
                        follower,
                        None,
                    )?;
                }
            }
            Ok::<_, AppError>(())
        })
    }

    pub fn unblock(&self, by: AccountId, target: AccountId) -> AppResult<()> {
        self.other_person(by, target)?;
        self.write_and_send(|tx, fed| {
            if muting::blocks(tx, by, target)? {
                muting::unblock(tx, by, target)?;
                tell_their_server(tx, fed, by, target, false)?;
            }
            Ok(())
        })
    }

    pub fn boundaries(&self, by: AccountId, other: AccountId) -> AppResult<Boundaries> {
        Ok(self.db.read(|c| {
            Ok::<_, porchlight_db::Error>(Boundaries {
                muting: muting::mute_of(c, by, other, now())?,
                blocking: muting::blocks(c, by, other)?,
                blocked_by: muting::blocks(c, other, by)?,
            })
        })?)
    }

    /// The account a handle names: a member's `name`, or `name@server` known here.
    pub fn account_by_handle(&self, handle: &str) -> AppResult<AccountId> {
        let found = self.db.read(|c| match handle.split_once('@') {
            None => porchlight_db::accounts::member_by_username(c, handle).map(|m| m.map(|m| m.id)),
            Some((name, host)) => {
                porchlight_db::federation::remote_by_handle(c, name, host).map(|a| a.map(|a| a.id))
            }
        })?;
        found.ok_or(AppError::NotFound)
    }

    /// Whom a member muted (mutes in force), newest first.
    pub fn muted(&self, by: AccountId) -> AppResult<Vec<(Person, Mute)>> {
        Ok(self.db.read(|c| {
            let mut out = Vec::new();
            for m in muting::mutes(c, by, now())? {
                if let Some(p) = social::person(c, m.target)? {
                    out.push((p, m));
                }
            }
            Ok::<_, porchlight_db::Error>(out)
        })?)
    }

    /// Whom a member blocked, newest first.
    pub fn blocked(&self, by: AccountId) -> AppResult<Vec<Person>> {
        Ok(self.db.read(|c| {
            let mut out = Vec::new();
            for id in muting::blocked(c, by)? {
                if let Some(p) = social::person(c, id)? {
                    out.push(p);
                }
            }
            Ok::<_, porchlight_db::Error>(out)
        })?)
    }
}

/// Refuses a follow across a block, either way.
pub(crate) fn refuse_follow_across_block(
    conn: &porchlight_db::Connection,
    by: AccountId,
    target: AccountId,
) -> AppResult<()> {
    if muting::blocks(conn, by, target)? {
        return Err(AppError::Invalid(
            "You blocked this account; unblock it first.".into(),
        ));
    }
    if muting::blocks(conn, target, by)? {
        return Err(AppError::Forbidden(
            "You cannot follow this account.".into(),
        ));
    }
    Ok(())
}

/// A `Block` (or its `Undo`) for someone elsewhere; nothing for a member here.
fn tell_their_server(
    tx: &porchlight_db::Transaction,
    fed: Option<&porchlight_federation::Identity>,
    by: AccountId,
    target: AccountId,
    on: bool,
) -> AppResult<()> {
    let Some(me) = fed else { return Ok(()) };
    let Some(remote) = porchlight_db::federation::remote_by_id(tx, target)? else {
        return Ok(());
    };
    let member = porchlight_db::accounts::member_by_id(tx, by)?.ok_or(AppError::NotSignedIn)?;
    porchlight_federation::outbox::block(
        tx,
        me,
        porchlight_federation::outbox::LocalActor {
            id: by,
            username: &member.username,
        },
        &remote,
        on,
        now(),
    )?;
    Ok(())
}
