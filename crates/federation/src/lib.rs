//! Federation: what Porchlight sends to other servers and what it takes from them.
//!
//! - `outbox` writes delivery jobs inside the transaction of the change that causes them;
//! - `inbox` checks a signed POST, queues it durably and answers 202, then processes it;
//! - `workers` deliver and process jobs on plain threads (ureq, never the async runtime);
//! - `client` is the only way out, behind the SSRF `guard`;
//! - `resolve` finds remote actors (WebFinger, actor documents) and posts.

pub use porchlight_ap as ap;

pub mod cards;
pub mod client;
pub mod guard;
pub mod identity;
pub mod inbox;
pub mod markup;
pub mod media;
pub mod moving;
pub mod neighborhood;
pub mod outbox;
pub mod push;
pub mod resolve;
pub mod sanitize;
pub mod signed;
pub mod workers;

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};

use porchlight_ap::keys::PrivateKey;
use porchlight_core::AccountId;
use porchlight_db::{Db, federation as store};

pub use client::{Client, FetchError, Signer};
pub use identity::Identity;

/// Errors of federation's use cases.
#[derive(Debug)]
pub enum FedError {
    Storage(porchlight_db::Error),
    Fetch(FetchError),
    Invalid(String),
    Key(String),
}

impl std::fmt::Display for FedError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FedError::Storage(e) => write!(f, "database: {e}"),
            FedError::Fetch(e) => e.fmt(f),
            FedError::Invalid(why) => f.write_str(why),
            FedError::Key(why) => write!(f, "key: {why}"),
        }
    }
}

impl std::error::Error for FedError {}

impl From<porchlight_db::Error> for FedError {
    fn from(e: porchlight_db::Error) -> Self {
        FedError::Storage(e)
    }
}

impl From<FetchError> for FedError {
    fn from(e: FetchError) -> Self {
        FedError::Fetch(e)
    }
}

/// Tunables, with defaults sized for a Raspberry Pi.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Threads that deliver at once.
    pub delivery_threads: usize,
    /// Deliveries to one server at once.
    pub per_server: usize,
    /// Refuse unsigned GETs of our documents (Mastodon's "authorized fetch").
    pub authorized_fetch: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            delivery_threads: 4,
            per_server: 2,
            authorized_fetch: false,
        }
    }
}

/// This server's federation: its identity, its client, the keys it signs with, and the bell
/// that wakes the workers when new jobs are written.
pub struct Federation {
    pub me: Identity,
    pub client: Client,
    pub settings: Settings,
    keys: Mutex<HashMap<AccountId, Arc<PrivateKey>>>,
    instance_key: Mutex<Option<Arc<PrivateKey>>>,
    bell: (Mutex<u64>, Condvar),
    /// Whether the system clock can be trusted. Signatures carry the date, and other servers
    /// refuse one more than 12 hours off: until the box has set its clock, nothing is signed
    /// (deliveries wait in the queue; fetches fail with a clear message).
    clock_trusted: std::sync::atomic::AtomicBool,
    /// When each key id was last fetched again after its stored key failed to verify: at most
    /// once in `KEY_REFETCH_SPACING`, so that a flood of garbage signatures naming a known key
    /// cannot make the camp fetch it again and again.
    key_refetched: Mutex<HashMap<String, std::time::Instant>>,
}

/// How often a key that failed to verify may be fetched again (key rotation is rare).
pub const KEY_REFETCH_SPACING: std::time::Duration = std::time::Duration::from_secs(300);

impl Federation {
    /// Whether a key that failed to verify may be fetched again now; notes the fetch if so.
    pub fn may_refetch_key(&self, key_id: &str) -> bool {
        let mut refetched = self.key_refetched.lock().unwrap_or_else(|e| e.into_inner());
        let now = std::time::Instant::now();
        if refetched.len() > 10_000 {
            refetched.retain(|_, at| now.duration_since(*at) < KEY_REFETCH_SPACING);
        }
        match refetched.get(key_id) {
            Some(at) if now.duration_since(*at) < KEY_REFETCH_SPACING => false,
            _ => {
                refetched.insert(key_id.to_string(), now);
                true
            }
        }
    }

    pub fn new(me: Identity, settings: Settings) -> Federation {
        let user_agent = format!(
            "Porchlight/{} (+{})",
            env!("CARGO_PKG_VERSION"),
            me.base_url
        );
        Federation {
            me,
            client: Client::new(&user_agent),
            settings,
            keys: Mutex::new(HashMap::new()),
            instance_key: Mutex::new(None),
            key_refetched: Mutex::new(HashMap::new()),
            bell: (Mutex::new(0), Condvar::new()),
            clock_trusted: std::sync::atomic::AtomicBool::new(true),
        }
    }

    /// Tells federation whether the clock can be trusted (the appliance's clock keeper does).
    pub fn set_clock_trusted(&self, trusted: bool) {
        let was = self
            .clock_trusted
            .swap(trusted, std::sync::atomic::Ordering::SeqCst);
        if trusted && !was {
            self.wake();
        }
    }

    pub fn clock_trusted(&self) -> bool {
        self.clock_trusted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Wakes the workers: call after committing a transaction that wrote jobs.
    pub fn wake(&self) {
        let (count, bell) = &self.bell;
        *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        bell.notify_all();
    }

    /// Waits until woken or `timeout` passes.
    pub(crate) fn wait(&self, seen: &mut u64, timeout: std::time::Duration) {
        let (count, bell) = &self.bell;
        let guard = count.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) = bell
            .wait_timeout_while(guard, timeout, |c| *c == *seen)
            .unwrap_or_else(|e| e.into_inner());
        *seen = *guard;
    }

    /// A member's signing key, made (and stored) the first time it is needed. RSA key generation
    /// takes a moment, so it happens outside the write lock.
    pub fn member_key(&self, db: &Db, account: AccountId) -> Result<Arc<PrivateKey>, FedError> {
        if let Some(key) = self
            .keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&account)
        {
            return Ok(key.clone());
        }
        let pem = match db.read(|c| store::member_keys(c, account))? {
            Some((private, _)) => private,
            None => {
                let fresh = PrivateKey::generate().map_err(|e| FedError::Key(e.to_string()))?;
                db.write(|tx| {
                    store::set_member_keys(tx, account, fresh.pkcs8_pem(), fresh.public_pem())
                })?;
                // Whoever stored first won; use what is stored.
                db.read(|c| store::member_keys(c, account))?
                    .map(|(private, _)| private)
                    .ok_or_else(|| FedError::Invalid("no such member".into()))?
            }
        };
        let key =
            Arc::new(PrivateKey::from_pkcs8_pem(&pem).map_err(|e| FedError::Key(e.to_string()))?);
        self.keys
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(account, key.clone());
        Ok(key)
    }

    /// The instance actor's key (signs fetches and the server's own activities).
    pub fn instance_key(&self, db: &Db) -> Result<Arc<PrivateKey>, FedError> {
        let mut slot = self.instance_key.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(key) = &*slot {
            return Ok(key.clone());
        }
        let pem = match db.read(|c| porchlight_db::get_setting(c, "instance_private_key"))? {
            Some(pem) => pem,
            None => {
                let fresh = PrivateKey::generate().map_err(|e| FedError::Key(e.to_string()))?;
                db.write(|tx| {
                    if porchlight_db::get_setting(tx, "instance_private_key")?.is_none() {
                        porchlight_db::set_setting(tx, "instance_private_key", fresh.pkcs8_pem())?;
                    }
                    porchlight_db::get_setting(tx, "instance_private_key")
                })?
                .unwrap_or_default()
            }
        };
        let key =
            Arc::new(PrivateKey::from_pkcs8_pem(&pem).map_err(|e| FedError::Key(e.to_string()))?);
        *slot = Some(key.clone());
        Ok(key)
    }

    /// Fetches an ActivityPub document signed by the instance actor (so servers in
    /// authorized-fetch mode answer too).
    pub fn fetch(&self, db: &Db, url: &str) -> Result<(serde_json::Value, String), FedError> {
        if !self.clock_trusted() {
            return Err(FedError::Fetch(FetchError::Unreachable(
                "the clock is not set yet, so nothing can be signed".into(),
            )));
        }
        let key = self.instance_key(db)?;
        let key_id = self.me.instance_key_id();
        Ok(self.client.get_activity_json(
            url,
            Some(&Signer {
                key_id: &key_id,
                key: &key,
            }),
        )?)
    }
}
