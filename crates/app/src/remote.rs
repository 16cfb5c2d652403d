//! What campers do with people and posts on other servers: look them up, follow them.
//! Lookups fetch from the network, so they run before (never inside) a write transaction.

use porchlight_core::{AccountId, PostId};
use porchlight_db::federation::{self as store, RemoteAccount};
use porchlight_db::social::{self, NotificationKind};
use porchlight_db::{accounts, now};
use porchlight_federation::{FedError, Federation, outbox, resolve};

use crate::{App, AppError, AppResult};

/// An empty profile's outbox is read again after this long at the earliest.
const PROFILE_REREAD_SECS: i64 = 10 * 60;

/// What a search for something elsewhere found.
pub enum Found {
    Account(Box<RemoteAccount>),
    Post(PostId),
}

pub(crate) fn explain(e: FedError) -> AppError {
    match e {
        FedError::Storage(e) => AppError::Storage(e),
        FedError::Fetch(porchlight_federation::FetchError::Status(404 | 410)) => AppError::NotFound,
        other => AppError::Invalid(format!("Could not look that up: {other}.")),
    }
}

impl App {
    /// The federation, for what only a camp with a public address does.
    pub(crate) fn federating(&self) -> AppResult<&Federation> {
        self.federation.as_ref().ok_or_else(|| {
            AppError::Invalid(
                "This camp does not talk to other servers: it has no public address yet. \
                 The host can set one with --domain."
                    .into(),
            )
        })
    }

    /// Finds `@name@server` or a post's URL on another server (fetching it if new here).
    pub fn look_up(&self, query: &str) -> AppResult<Found> {
        let fed = self.federating()?;
        let query = query.trim();
        if query.starts_with("https://") || query.starts_with("http://") {
            if let Some(local) = fed.me.local_post(query) {
                return Ok(Found::Post(local));
            }
            return match resolve::post(fed, &self.db, query) {
                Ok(id) => Ok(Found::Post(id)),
                // Not a post: perhaps a profile.
                Err(_) => resolve::actor(fed, &self.db, query, false)
                    .map(|a| Found::Account(Box::new(a)))
                    .map_err(explain),
            };
        }
        resolve::handle(fed, &self.db, query)
            .map(|a| Found::Account(Box::new(a)))
            .map_err(explain)
    }

    /// A remote account by `name@server`: from the database, or looked up when a member asks.
    pub fn remote_account(&self, handle: &str, may_fetch: bool) -> AppResult<RemoteAccount> {
        let (name, host) = handle.split_once('@').ok_or(AppError::NotFound)?;
        if let Some(known) = self.db.read(|c| store::remote_by_handle(c, name, host))? {
            return Ok(known);
        }
        if !may_fetch || self.federation.is_none() {
            return Err(AppError::NotFound);
        }
        match self.look_up(handle)? {
            Found::Account(a) => Ok(*a),
            Found::Post(_) => Err(AppError::NotFound),
        }
    }

    /// Follows (or stops following) an account on another server. The follow waits for their
    /// server's Accept.
    pub fn follow_remote(&self, by: AccountId, handle: &str, on: bool) -> AppResult<()> {
        let fed = self.federating()?;
        let target = self.remote_account(handle, on)?;
        self.write_and_send(|tx, _| {
            let member = accounts::member_by_id(tx, by)?.ok_or(AppError::NotSignedIn)?;
            let following = social::follows(tx, by, target.id)?;
            let pending = store::follow_request_pending(tx, by, target.id)?;
            if on {
                crate::muting::refuse_follow_across_block(tx, by, target.id)?;
                if following || pending {
                    return Ok(());
                }
                let follow_id = outbox::follow(tx, &fed.me, by, &member.username, &target, now())?;
                store::add_follow_request(tx, by, target.id, &follow_id, now())?;
            } else {
                let follow_id = store::take_follow_request(tx, by, target.id)?;
                let unfollowed = social::unfollow(tx, by, target.id)?;
                if unfollowed || follow_id.is_some() {
                    social::withdraw_notification(
                        tx,
                        target.id,
                        NotificationKind::Follow,
                        by,
                        None,
                    )?;
                    outbox::unfollow(
                        tx,
                        &fed.me,
                        by,
                        &member.username,
                        &target,
                        follow_id.as_deref(),
                        now(),
                    )?;
                }
            }
            Ok(())
        })
    }

    /// Brings the profile of someone elsewhere up to date when a member opens it (at most every
    /// ten minutes each): what their server says of them (followers, following, posts, since
    /// when), and, if no post of theirs is here yet, their newest ones. Best effort: a server
    /// that does not answer leaves the profile as it was.
    pub fn fill_remote_profile(&self, account: AccountId) -> AppResult<()> {
        let Some(fed) = self.federation.as_ref() else {
            return Ok(());
        };
        let Some(remote) = self.db.read(|c| store::remote_by_id(c, account))? else {
            return Ok(());
        };
        {
            let mut reads = self.profile_reads.lock().unwrap_or_else(|e| e.into_inner());
            if reads
                .get(&account)
                .is_some_and(|at| now() - at < PROFILE_REREAD_SECS)
            {
                return Ok(());
            }
            // (A camp of fifty opens a few hundred profiles from elsewhere at most; old
            // entries are dropped when the map grows past that.)
            if reads.len() > 1000 {
                reads.retain(|_, at| now() - *at < PROFILE_REREAD_SECS);
            }
            reads.insert(account, now());
        }
        let posts_wanted = if self.db.read(|c| store::has_posts(c, account))? {
            0
        } else {
            20
        };
        match resolve::refresh_profile(fed, &self.db, &remote, posts_wanted) {
            Ok((_, n)) if n > 0 => {
                log::info!("fetched {n} posts of {} from their outbox", remote.uri)
            }
            Ok(_) => {}
            Err(e) => log::info!("could not bring {}'s profile up to date: {e}", remote.uri),
        }
        Ok(())
    }

    /// Whether `by` follows the account, has asked to, or neither.
    pub fn follow_state(&self, by: AccountId, account: AccountId) -> AppResult<FollowState> {
        self.db.read(|c| {
            Ok(if social::follows(c, by, account)? {
                FollowState::Following
            } else if store::follow_request_pending(c, by, account)? {
                FollowState::Requested
            } else {
                FollowState::None
            })
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowState {
    None,
    Requested,
    Following,
}
