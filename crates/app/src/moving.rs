//! Moving an account (docs/MOVING.md), both ways, as Mastodon does it. Arriving: a member names
//! their old accounts (`alsoKnownAs`), so that a `Move` from them is believed and the old
//! followers follow them here. Leaving: once the new account names this one, the member moves;
//! their followers here and elsewhere follow the new account, and this one stays readable,
//! says where they went, and takes no more posts. Lookups fetch, so they run before (never
//! inside) a write transaction.

use porchlight_core::AccountId;
use porchlight_db::{accounts, moving, now};
use porchlight_federation::moving::{Moved, follow_on};
use porchlight_federation::{outbox, resolve};

use crate::{App, AppError, AppResult};

/// At most this many earlier accounts (Mastodon allows a handful too).
pub const MAX_ALIASES: usize = 10;

/// What an actor id names here.
pub enum Named {
    Member(Box<accounts::Member>),
    Elsewhere(Box<porchlight_db::federation::RemoteAccount>),
    /// Not known here: only its address.
    Unknown(String),
}

/// An account named in a move: one of this camp's members, or someone elsewhere, by actor id.
enum Account {
    Member(Box<accounts::Member>),
    Remote(
        Box<porchlight_db::federation::RemoteAccount>,
        Vec<String>,
        bool,
    ),
}

impl App {
    /// The accounts elsewhere a member says are theirs, by actor id.
    pub fn aliases(&self, member: AccountId) -> AppResult<Vec<String>> {
        Ok(self.db.read(|c| moving::aliases(c, member))?)
    }

    /// The actor id of a member of this camp.
    fn actor_uri(&self, username: &str) -> String {
        match &self.federation {
            Some(fed) => fed.me.actor_id(username),
            None => format!("/users/{username}"),
        }
    }

    /// Finds the account a person typed (`@name@server`, `name@server`, or its address), here or
    /// elsewhere, read fresh from its server.
    fn account_named(&self, typed: &str) -> AppResult<Account> {
        let typed = typed.trim().trim_start_matches('@');
        if typed.is_empty() {
            return Err(AppError::Invalid(
                "Give the other account's address, such as @name@camp.example.".into(),
            ));
        }
        let fed = self.federation.as_ref();
        let local_name = match (fed, typed.split_once('@')) {
            (Some(fed), Some((name, host)))
                if porchlight_federation::ap::inbound::host(&fed.me.base_url).as_deref()
                    == Some(&host.to_ascii_lowercase()) =>
            {
                Some(name.to_string())
            }
            (_, None) if !typed.contains('/') => Some(typed.to_string()),
            (Some(fed), _) => fed.me.local_username(typed).map(String::from),
            _ => None,
        };
        if let Some(name) = local_name {
            return self
                .db
                .read(|c| accounts::member_by_username(c, &name))?
                .map(|m| Account::Member(Box::new(m)))
                .ok_or_else(|| AppError::Invalid(format!("There is no member {name} here.")));
        }
        let fed = self.federating()?;
        let uri = if typed.starts_with("https://") || typed.starts_with("http://") {
            typed.to_string()
        } else {
            resolve::handle(fed, &self.db, typed)
                .map_err(crate::remote::explain)?
                .uri
        };
        let (document, account) =
            resolve::actor_document(fed, &self.db, &uri).map_err(crate::remote::explain)?;
        Ok(Account::Remote(
            Box::new(account),
            document.also_known_as,
            document.moved_to.is_some(),
        ))
    }

    /// A member names an earlier account of theirs (before moving here from it).
    pub fn add_alias(&self, member: AccountId, typed: &str) -> AppResult<String> {
        // A camp without a public address has no account that others could move from.
        self.federating()?;
        let me = self.member(member)?;
        let uri = match self.account_named(typed)? {
            Account::Member(m) if m.id == member => {
                return Err(AppError::Invalid(
                    "That is this account; name the one you are moving from.".into(),
                ));
            }
            Account::Member(m) => self.actor_uri(&m.username),
            Account::Remote(account, _, _) => account.uri,
        };
        self.write_and_send(|tx, fed| {
            let known = moving::aliases(tx, member)?;
            if known.len() >= MAX_ALIASES && !known.contains(&uri) {
                return Err(AppError::Invalid(format!(
                    "At most {MAX_ALIASES} earlier accounts can be named; remove one first."
                )));
            }
            if moving::add_alias(tx, member, &uri, now())?
                && let Some(fed) = fed
            {
                outbox::profile_updated(tx, fed, me.id, now())?;
            }
            Ok(uri.clone())
        })
    }

    /// A member no longer names an earlier account.
    pub fn remove_alias(&self, member: AccountId, uri: &str) -> AppResult<()> {
        self.write_and_send(|tx, fed| {
            if !moving::remove_alias(tx, member, uri)? {
                return Err(AppError::NotFound);
            }
            if let Some(fed) = fed {
                outbox::profile_updated(tx, fed, member, now())?;
            }
            Ok(())
        })
    }

    /// A member moves away to `typed`, which must already name this account as its earlier
    /// one. Their followers (here and elsewhere) follow the new account; this one takes no
    /// more posts. Asks for the password: a stolen session must not be able to move someone.
    /// Returns the new account's actor id.
    pub fn move_away(&self, member: AccountId, typed: &str, password: &str) -> AppResult<String> {
        let me = self.member(member)?;
        if let Some(there) = &me.moved_to {
            return Err(AppError::Invalid(format!(
                "This account has already moved, to {there}."
            )));
        }
        let hash = self
            .db
            .read(|c| accounts::password_hash(c, member))?
            .ok_or(AppError::NotFound)?;
        if !self.verify_password(&hash, password) {
            return Err(AppError::Invalid(
                "The password is not right; nothing was moved.".into(),
            ));
        }
        let mine = self.actor_uri(&me.username);
        let target = self.account_named(typed)?;
        let (names_me, moved_on, uri) = match &target {
            Account::Member(m) if m.id == member => {
                return Err(AppError::Invalid(
                    "An account cannot move to itself.".into(),
                ));
            }
            Account::Member(m) => (
                self.db.read(|c| moving::aliases(c, m.id))?.contains(&mine),
                m.moved_to.is_some(),
                self.actor_uri(&m.username),
            ),
            Account::Remote(account, aliases, moved) => {
                (aliases.contains(&mine), *moved, account.uri.clone())
            }
        };
        if !names_me {
            return Err(AppError::Invalid(format!(
                "{uri} does not name this account as its earlier one yet. On the new account, \
                 add {mine} as an account you are moving from, then try again; nothing was moved."
            )));
        }
        if moved_on {
            return Err(AppError::Invalid(format!(
                "{uri} has itself moved on; move to where it went instead. Nothing was moved."
            )));
        }
        self.write_and_send(|tx, fed| {
            if let Some(fed) = fed {
                outbox::moved(
                    tx,
                    fed,
                    outbox::LocalActor {
                        id: member,
                        username: &me.username,
                    },
                    &uri,
                    now(),
                )?;
            }
            let new = match &target {
                Account::Member(m) => Moved::Member(m.id),
                Account::Remote(account, _, _) => Moved::Remote(account),
            };
            follow_on(tx, fed, Moved::Member(member), new, &uri)?;
            if let Some(fed) = fed {
                outbox::profile_updated(tx, fed, member, now())?;
            }
            Ok(())
        })?;
        log::info!("{} moved to {uri}", me.username);
        Ok(uri)
    }

    /// The account an actor id names here: a member (by this camp's address, or `/users/NAME`
    /// on a camp without one), someone elsewhere known here, or only its address. The one
    /// reading of a move's target that the pages and the API share.
    pub fn account_at(&self, uri: &str) -> AppResult<Named> {
        let local = self
            .federation
            .as_ref()
            .and_then(|f| f.me.local_username(uri))
            .or_else(|| uri.strip_prefix("/users/"));
        self.db.read(|c| {
            if let Some(name) = local
                && let Some(m) = accounts::member_by_username(c, name)?
            {
                return Ok(Named::Member(Box::new(m)));
            }
            Ok(match porchlight_db::federation::remote_by_uri(c, uri)? {
                Some(a) => Named::Elsewhere(Box::new(a)),
                None => Named::Unknown(uri.to_string()),
            })
        })
    }

    /// How an account named in a move is shown: a link to its profile here (or its own
    /// address, when it is not known here) and its handle.
    pub fn account_shown(&self, uri: &str) -> AppResult<(String, String)> {
        Ok(match self.account_at(uri)? {
            Named::Member(m) => (format!("/@{}", m.username), format!("@{}", m.username)),
            Named::Elsewhere(a) => (
                format!("/@{}@{}", a.username, a.domain),
                format!("@{}@{}", a.username, a.domain),
            ),
            Named::Unknown(uri) => (uri.clone(), uri),
        })
    }

    /// Where an account moved, if it has (a member or someone elsewhere).
    pub fn moved_to_account(&self, account: AccountId) -> AppResult<Option<Named>> {
        match self.db.read(|c| moving::moved_to(c, account))? {
            Some(uri) => Ok(Some(self.account_at(&uri)?)),
            None => Ok(None),
        }
    }

    /// Where an account moved, if it has, as `account_shown`.
    pub fn moved_to_shown(&self, account: AccountId) -> AppResult<Option<(String, String)>> {
        match self.db.read(|c| moving::moved_to(c, account))? {
            Some(uri) => Ok(Some(self.account_shown(&uri)?)),
            None => Ok(None),
        }
    }

    fn member(&self, id: AccountId) -> AppResult<accounts::Member> {
        self.db
            .read(|c| accounts::member_by_id(c, id))?
            .ok_or(AppError::NotSignedIn)
    }
}
