//! The use cases: what a host or a camper can do (set up the camp, invite, sign up, log in, post,
//! follow…), over the pure rules of `porchlight-core` and the storage of `porchlight-db`. Each
//! use case is one write transaction, so it happens whole or not at all. Everything here blocks:
//! the HTTP layer calls it on blocking threads.

pub mod address;
pub mod announcements;
pub mod archive;
pub mod backups;
pub mod blocklists;
pub mod bugle;
pub mod emoji;
pub mod events;
pub mod filters;
pub mod fork;
pub mod lists;
pub mod looks;
pub mod member_care;
pub mod members;
pub mod moderation;
pub mod moving;
pub mod muting;
pub mod neighborhood;
pub mod notifications;
pub mod oauth;
pub mod paths;
pub mod polls;
pub mod posting;
pub mod push;
pub mod remote;
pub mod reports;
pub mod sealed;
pub mod updates;
pub mod uploads;
pub mod visitors;

use std::fmt;
use std::path::Path;

use porchlight_core::members::{MemberCap, MemberError};
use porchlight_core::text::TextError;
use porchlight_db::Db;
use ring::rand::{SecureRandom, SystemRandom};

pub use paths::safe_local_path;
pub use porchlight_db as db;

/// The running camp: its database and the settings that do not change while it runs.
pub struct App {
    /// Private: every change is a use case here, and what pages and the API show is read with
    /// [`App::read`], on the pool's read-only connections.
    db: Db,
    pub limits: Limits,
    rng: SystemRandom,
    csrf_key: ring::hmac::Key,
    /// Password hashing runs on one thread of its own, one hash at a time: each takes 7 MiB,
    /// and a burst of logins must not multiply that on a Pi (nor leave a 7 MiB block behind in
    /// every thread's allocator arena).
    pub(crate) passwords: members::PasswordWorker,
    /// Set when the camp has a public address and talks to other servers; None keeps everything
    /// here (no jobs are written, nothing is fetched).
    pub federation: Option<porchlight_federation::Federation>,
    /// Pictures from other servers, kept in the data folder.
    media: porchlight_federation::media::MediaCache,
    /// What the box itself needs its host to know (the data partition, the network), in the
    /// order found; set by the appliance's thread, shown before everything else that needs the
    /// host.
    box_notes: std::sync::RwLock<Vec<String>>,
    /// On the box: a recovery link made by holding its button, and when it was made. The box
    /// has no screen, so its front page offers the link to the home network for a while.
    recovery_at_home: std::sync::RwLock<Option<(String, i64)>>,
    /// When each profile from elsewhere was last brought up to date from its server (so that
    /// a profile whose server is down is not fetched on every visit).
    profile_reads: std::sync::Mutex<std::collections::HashMap<porchlight_core::AccountId, i64>>,
    /// The data folder (a backup is made in its `backups/` before a member is removed).
    data_dir: std::path::PathBuf,
    /// Whether any announcement is up, so that pages look for unread ones only then (every
    /// page a member opens would otherwise pay for the query).
    pub(crate) announcements_up: std::sync::atomic::AtomicBool,
    /// Set once a host's next steps were all seen done: the home page stops looking.
    camp_ready: std::sync::atomic::AtomicBool,
    /// Pictures are decoded one at a time (display copies, avatars, pictures from elsewhere):
    /// each may take tens of megabytes while it lasts, and a burst of uploads must not
    /// multiply that on a Pi.
    pub(crate) picture_work: std::sync::Mutex<()>,
    /// Whether the thread that makes exports and reads imports is at work (one at a time).
    pub(crate) archive_busy: std::sync::atomic::AtomicBool,
    /// On the box: its boot slots and release key, for updates from the host's page.
    pub(crate) box_updates: std::sync::OnceLock<std::sync::Arc<updates::BoxUpdates>>,
}

/// How long the box's front page offers a recovery link made by holding its button.
pub const RECOVERY_AT_HOME_SECS: i64 = 30 * 60;

/// What the delivery and inbox threads work with: the camp's database and federation. A type
/// of its own, so that the database handle the workers need is not handed to anyone else.
struct WorkerHost(std::sync::Arc<App>);

impl porchlight_federation::workers::Host for WorkerHost {
    fn db(&self) -> &Db {
        &self.0.db
    }

    fn federation(&self) -> Option<&porchlight_federation::Federation> {
        self.0.federation.as_ref()
    }

    fn tick(&self) {
        if let Err(e) = self.0.end_polls(porchlight_db::now()) {
            log::warn!("ending polls: {e}");
        }
        if let Err(e) = self.0.send_event_reminders(porchlight_db::now()) {
            log::warn!("event reminders: {e}");
        }
        if let Err(e) = self.0.refresh_block_lists(porchlight_db::now()) {
            log::warn!("shared block lists: {e}");
        }
        if self.0.archive_work_waiting() {
            self.0.kick_archive_work();
        }
    }
}

/// The database's side of the camp that pages, the API and the binary use besides the use
/// cases: reading (never writing), backups, checks, and the federation calls that need storage.
impl App {
    /// Reads in one snapshot on one of the pool's read-only connections (SQLite refuses any
    /// write there): what pages and the API show, through `db`'s query functions.
    pub fn read<T, E: From<porchlight_db::Error>>(
        &self,
        f: impl FnOnce(&porchlight_db::Connection) -> Result<T, E>,
    ) -> Result<T, E> {
        self.db.read(f)
    }

    /// Starts the delivery and inbox threads (none without federation).
    pub fn start_workers(self: &std::sync::Arc<Self>) -> porchlight_federation::workers::Workers {
        // Files half-sent with a form when the camp stopped are of no use now.
        let _ = std::fs::remove_dir_all(self.spool_folder());
        if let Err(e) = self.resume_archive_work() {
            log::warn!("exports and imports: {e}");
        }
        porchlight_federation::workers::Workers::start(std::sync::Arc::new(WorkerHost(
            self.clone(),
        )))
    }

    /// A consistent copy of the database at `target` (safe while the camp runs).
    pub fn backup_to(&self, target: &Path) -> AppResult<()> {
        Ok(self.db.backup_to(target)?)
    }

    /// SQLite's integrity check: "ok", or what it found.
    pub fn integrity_check(&self) -> AppResult<String> {
        Ok(self.db.integrity_check()?)
    }

    /// Whether the database takes a write now (the health check the watchdogs are fed by).
    pub fn write_probe(&self) -> AppResult<()> {
        Ok(self.db.write_probe()?)
    }

    /// Checks a POST to an inbox and queues it (see `federation::inbox::receive`).
    pub fn receive_activity(
        &self,
        request: &porchlight_federation::ap::signature::Incoming,
    ) -> Result<(), porchlight_federation::inbox::Refusal> {
        match &self.federation {
            Some(fed) => porchlight_federation::inbox::receive(fed, &self.db, request),
            None => Err(porchlight_federation::inbox::Refusal::Forbidden(
                "this camp does not federate".into(),
            )),
        }
    }

    /// Whether a request is signed by someone elsewhere whose signature holds (authorized
    /// fetch; see `federation::signed`).
    pub fn signed_by_someone_elsewhere(
        &self,
        request: &porchlight_federation::ap::signature::Incoming,
    ) -> bool {
        self.federation.as_ref().is_some_and(|fed| {
            porchlight_federation::signed::verify_signed_request(fed, &self.db, request).is_ok()
        })
    }

    /// Since when the camp of whoever signed `request` has been in this camp's neighborhood, if
    /// it is now: only such a camp may fetch a neighborhood post, and only one written since
    /// (docs/NEIGHBORHOODS.md).
    pub fn neighbor_signing(
        &self,
        request: &porchlight_federation::ap::signature::Incoming,
    ) -> Option<porchlight_core::UnixTime> {
        let fed = self.federation.as_ref()?;
        let signer =
            porchlight_federation::signed::verify_signed_request(fed, &self.db, request).ok()?;
        self.db
            .read(|c| porchlight_db::neighborhood::neighbor_since(c, &signer.domain))
            .ok()
            .flatten()
    }

    /// The camp's own signing key (made on first need).
    pub fn instance_key(
        &self,
    ) -> AppResult<std::sync::Arc<porchlight_federation::ap::keys::PrivateKey>> {
        self.federating()?
            .instance_key(&self.db)
            .map_err(remote::explain)
    }

    /// A member's signing key (made on first need).
    pub fn member_key(
        &self,
        member: porchlight_core::AccountId,
    ) -> AppResult<std::sync::Arc<porchlight_federation::ap::keys::PrivateKey>> {
        self.federating()?
            .member_key(&self.db, member)
            .map_err(remote::explain)
    }
}

/// Who asks for a change that needs a role: a member, whose role is checked inside the change's
/// transaction, or the host at the server's own command line (who holds the data folder, and so
/// every role).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acting {
    Shell,
    Member(porchlight_core::AccountId),
}

/// Limits a host may tune in the config file.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_post_chars: usize,
    /// A session unused for this long is over.
    pub session_idle_secs: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_post_chars: porchlight_core::DEFAULT_MAX_POST_CHARS,
            session_idle_secs: 30 * 24 * 3600,
        }
    }
}

/// Everything that can go wrong in a use case, with what the person should be told.
#[derive(Debug)]
pub enum AppError {
    /// The input is wrong; the message says how to fix it.
    Invalid(String),
    /// Nothing there (or nothing this viewer may see: the two look the same on purpose).
    NotFound,
    /// Signed in, but not allowed.
    Forbidden(String),
    /// Needs signing in.
    NotSignedIn,
    /// A member rule refused it (the cap, the username, the password).
    Member(MemberError),
    Text(TextError),
    /// The database failed; nothing was stored.
    Storage(porchlight_db::Error),
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppError::Invalid(msg) | AppError::Forbidden(msg) => f.write_str(msg),
            AppError::NotFound => f.write_str("There is nothing here, or you may not see it."),
            AppError::NotSignedIn => f.write_str("Please log in first."),
            AppError::Member(e) => e.fmt(f),
            AppError::Text(e) => e.fmt(f),
            AppError::Storage(e) if storage_full(e) => f.write_str(
                "The server's disk is full, so nothing was saved. The host needs to free some \
                 space (old backups, or a bigger card); then try again.",
            ),
            AppError::Storage(e) => write!(
                f,
                "The server could not save this ({e}); nothing was changed. Please try again."
            ),
        }
    }
}

impl std::error::Error for AppError {}

/// Whether SQLite failed because the disk is full.
pub fn storage_full(e: &porchlight_db::Error) -> bool {
    porchlight_db::disk_full(e)
}

impl From<porchlight_db::Error> for AppError {
    fn from(e: porchlight_db::Error) -> Self {
        AppError::Storage(e)
    }
}

impl From<MemberError> for AppError {
    fn from(e: MemberError) -> Self {
        AppError::Member(e)
    }
}

impl From<TextError> for AppError {
    fn from(e: TextError) -> Self {
        AppError::Text(e)
    }
}

pub type AppResult<T> = Result<T, AppError>;

pub use porchlight_core::views::Site;

pub const DEFAULT_SITE_NAME: &str = "Porchlight";

impl App {
    /// Opens the camp in a data folder (creating the folder and database on first run).
    pub fn open(data_dir: &Path, limits: Limits) -> AppResult<App> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            AppError::Invalid(format!(
                "Cannot create the data folder {}: {e}. Choose another with --data.",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join("porchlight.db");
        // A file that is there but empty or garbled is a damaged camp, never a new one: starting
        // over it would hand out a fresh setup link and bury what the card held.
        if let Some(problem) = porchlight_db::damaged_file(&path) {
            return Err(AppError::Invalid(format!(
                "The database {} {problem}, as a damaged card can leave it; Porchlight will not \
                 start a new camp over it. Restore a backup with `porchlight restore --from \
                 FILE` (daily ones are in {}), or move the file away to start a new camp.",
                path.display(),
                data_dir.join("backups").display()
            )));
        }
        let db = Db::open(&path)?;
        let rng = SystemRandom::new();
        let key_hex = db.write(|tx| -> AppResult<String> {
            if let Some(key) = porchlight_db::get_setting(tx, "csrf_key")? {
                return Ok(key);
            }
            let key = random_hex(&rng, 32);
            porchlight_db::set_setting(tx, "csrf_key", &key)?;
            Ok(key)
        })?;
        let csrf_key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key_hex.as_bytes());
        let announcements_up = db.read(porchlight_db::announcements::any)?;
        Ok(App {
            db,
            limits,
            rng,
            csrf_key,
            passwords: members::PasswordWorker::start(),
            federation: None,
            media: porchlight_federation::media::MediaCache::new(
                &data_dir.join("media-cache"),
                porchlight_federation::media::MAX_CACHE_BYTES,
            ),
            box_notes: std::sync::RwLock::new(Vec::new()),
            recovery_at_home: std::sync::RwLock::new(None),
            profile_reads: Default::default(),
            data_dir: data_dir.to_path_buf(),
            announcements_up: std::sync::atomic::AtomicBool::new(announcements_up),
            picture_work: std::sync::Mutex::new(()),
            archive_busy: std::sync::atomic::AtomicBool::new(false),
            camp_ready: std::sync::atomic::AtomicBool::new(false),
            box_updates: std::sync::OnceLock::new(),
        })
    }

    /// Whether a host's next steps were all seen done (then nobody needs them again).
    pub fn camp_ready(&self) -> bool {
        self.camp_ready.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn mark_camp_ready(&self) {
        self.camp_ready
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Offers a recovery link on the box's front page (see [`App::recovery_at_home`]).
    pub fn offer_recovery_at_home(&self, token: &str) {
        if let Ok(mut offered) = self.recovery_at_home.write() {
            *offered = Some((token.to_string(), porchlight_db::now()));
        }
    }

    /// The recovery link the box's front page offers now, if any: made by the button within
    /// the last half hour, and still valid (not used yet).
    pub fn recovery_at_home(&self) -> AppResult<Option<String>> {
        let offered = self.recovery_at_home.read().ok().and_then(|o| o.clone());
        match offered {
            Some((token, at))
                if porchlight_db::now() - at < RECOVERY_AT_HOME_SECS
                    && self.recovery_token_valid(&token)? =>
            {
                Ok(Some(token))
            }
            _ => Ok(None),
        }
    }

    /// Replaces what the box needs its host to know (see [`App::box_notes`]).
    pub fn set_box_notes(&self, notes: Vec<String>) {
        if let Ok(mut kept) = self.box_notes.write() {
            *kept = notes;
        }
    }

    /// What the box needs its host to know, for pages that show it before there is a host
    /// (the setup page) as well as the host's page.
    pub fn box_notes(&self) -> Vec<String> {
        self.box_notes.read().map(|n| n.clone()).unwrap_or_default()
    }

    /// Makes the camp federate under its public address.
    pub fn with_federation(mut self, federation: porchlight_federation::Federation) -> App {
        self.federation = Some(federation);
        self
    }

    /// Runs a write that may queue deliveries, then wakes the delivery workers.
    pub(crate) fn write_and_send<T>(
        &self,
        f: impl FnOnce(
            &porchlight_db::Transaction,
            Option<&porchlight_federation::Identity>,
        ) -> AppResult<T>,
    ) -> AppResult<T> {
        let me = self.federation.as_ref().map(|f| &f.me);
        let value = self.db.write(|tx| f(tx, me))?;
        if let Some(f) = &self.federation {
            f.wake();
        }
        Ok(value)
    }

    /// A fresh random token (hex), for sessions, invites and setup links.
    pub fn random_token(&self, bytes: usize) -> String {
        random_hex(&self.rng, bytes)
    }

    /// The CSRF token for a browser: an HMAC of its session (or anonymous) cookie, so a page from
    /// another site can neither read nor forge it.
    pub fn csrf_token(&self, cookie_value: &str) -> String {
        hex(ring::hmac::sign(&self.csrf_key, cookie_value.as_bytes()).as_ref())
    }

    /// The device cookie for a browser that logged in as `username`: it lets that browser log
    /// in again while others are guessing the name (see the HTTP layer's login limiter).
    pub fn device_token(&self, username: &str) -> String {
        let name = username.trim().to_ascii_lowercase();
        hex(ring::hmac::sign(&self.csrf_key, format!("device\0{name}").as_bytes()).as_ref())
    }

    /// Whether `token` is the device cookie of a browser that logged in as `username`.
    pub fn device_known(&self, username: &str, token: &str) -> bool {
        let name = username.trim().to_ascii_lowercase();
        unhex(token).is_some_and(|tag| {
            ring::hmac::verify(&self.csrf_key, format!("device\0{name}").as_bytes(), &tag).is_ok()
        })
    }

    pub fn csrf_valid(&self, cookie_value: &str, token: &str) -> bool {
        let Some(tag) = unhex(token) else {
            return false;
        };
        ring::hmac::verify(&self.csrf_key, cookie_value.as_bytes(), &tag).is_ok()
    }

    /// What the host should know about the camp's health, in words: an empty list when all is
    /// well. (The box's lights say the same things.)
    pub fn attention(&self) -> AppResult<Vec<String>> {
        let mut notes = self.box_notes();
        if let Some(fed) = &self.federation
            && let Some(domain) = fed.me.base_url.strip_prefix("https://")
            && let Some(note) = self.certificate_note(domain, porchlight_db::now())?
        {
            notes.push(note);
        }
        let data = self.db.path().parent().unwrap_or(std::path::Path::new("."));
        if let Ok(s) = nix::sys::statvfs::statvfs(data)
            && s.blocks() > 0
        {
            let free = s.blocks_available() as f64 / s.blocks() as f64;
            if free < 0.05 {
                notes.push(format!(
                    "The disk is almost full ({:.1}% free). Delete old backups or move to a bigger card.",
                    free * 100.0
                ));
            }
        }
        if let Some(fed) = &self.federation {
            if !fed.clock_trusted() {
                notes.push(
                    "The clock is not set yet, so posts to other servers wait. The box sets it by \
                     itself once it reaches the internet."
                        .into(),
                );
            }
            let failing = self.db.read(|c| {
                porchlight_db::federation::servers_failing(c, porchlight_db::now(), 3600)
            })?;
            if !failing.is_empty() {
                notes.push(format!(
                    "Posts have not reached {} for more than an hour; they are tried again for a \
                     week: {}.",
                    if failing.len() == 1 {
                        "one server".to_string()
                    } else {
                        format!("{} servers", failing.len())
                    },
                    failing.join(", ")
                ));
            }
        }
        Ok(notes)
    }

    /// This camp's address for a picture from elsewhere: `/media/{HMAC}/{hex of the URL}`.
    /// Only addresses the camp made itself are served, so the proxy cannot be used to fetch
    /// anything else.
    pub fn media_path(&self, url: &str) -> String {
        let tag = ring::hmac::sign(&self.csrf_key, format!("media\0{url}").as_bytes());
        format!("/media/{}/{}", hex(tag.as_ref()), hex(url.as_bytes()))
    }

    /// Points a custom emoji at the picture pages and apps show: a camp emoji where it is, one
    /// from elsewhere through the media proxy.
    pub fn proxy_emoji(&self, emoji: &mut porchlight_core::views::Emoji) {
        emoji.proxy = if emoji.url.starts_with('/') {
            emoji.url.clone()
        } else {
            self.media_path(&emoji.url)
        };
    }

    /// Points each picture from elsewhere on a post (its attachments, its author's avatar) at
    /// this camp's copy, for the pages and the API alike. Only pictures go through the proxy
    /// (it fetches and keeps nothing else): video and sound from elsewhere keep an empty
    /// `proxy`, so readers link to them where they are. Pictures uploaded here already carry
    /// their own path.
    pub fn proxy_media(&self, post: &mut db::timeline::PostView) {
        // A member's own picture is served here already (`/files/NAME`).
        for author in std::iter::once(&mut post.author).chain(post.boosted_by.as_mut()) {
            if let Some(url) = &author.avatar_url {
                author.avatar_proxy = if url.starts_with('/') {
                    url.clone()
                } else {
                    self.media_path(url)
                };
            }
        }
        for media in post.media.iter_mut().filter(|m| m.upload.is_none()) {
            if porchlight_federation::media::proxied(&media.media_type) {
                media.proxy = self.media_path(&media.url);
            }
        }
        if let Some(card) = &mut post.card
            && let Some(image) = &card.image_url
        {
            card.image_proxy = self.media_path(image);
        }
        for emoji in post
            .emojis
            .iter_mut()
            .chain(post.author.emojis.iter_mut())
            .chain(post.boosted_by.iter_mut().flat_map(|b| b.emojis.iter_mut()))
        {
            self.proxy_emoji(emoji);
        }
    }

    /// A picture by the address `media_path` made, in the size wanted.
    pub fn media(
        &self,
        tag: &str,
        hex_url: &str,
        size: porchlight_federation::media::Size,
    ) -> AppResult<porchlight_federation::media::Picture> {
        let url = unhex_long(hex_url)
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(AppError::NotFound)?;
        let tag = unhex(tag).ok_or(AppError::NotFound)?;
        ring::hmac::verify(&self.csrf_key, format!("media\0{url}").as_bytes(), &tag)
            .map_err(|_| AppError::NotFound)?;
        let fed = self.federation.as_ref().ok_or(AppError::NotFound)?;
        let fit = |picture| self.fit_picture_from_elsewhere(&url, picture);
        self.media
            .get(fed, &self.db, &url, size, &fit)
            .map_err(|e| match e {
                porchlight_federation::FedError::Storage(e) => AppError::Storage(e),
                other => AppError::Invalid(format!("That picture cannot be shown: {other}.")),
            })
    }

    pub fn site(&self) -> AppResult<Site> {
        self.db.read(site)
    }
}

pub fn site(conn: &porchlight_db::Connection) -> AppResult<Site> {
    let name = porchlight_db::get_setting(conn, "site_name")?
        .unwrap_or_else(|| DEFAULT_SITE_NAME.to_string());
    let code_of_conduct = porchlight_db::get_setting(conn, "code_of_conduct")?.unwrap_or_default();
    let member_cap = porchlight_db::get_setting(conn, "member_cap")?
        .and_then(|v| v.parse().ok())
        .and_then(|n| MemberCap::new(n).ok())
        .unwrap_or_default();
    Ok(Site {
        name,
        code_of_conduct,
        member_cap,
        code_of_conduct_version: porchlight_db::get_setting(conn, "coc_version")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        code_of_conduct_change: porchlight_db::get_setting(conn, "coc_change")?.unwrap_or_default(),
        accent: porchlight_db::get_setting(conn, "accent")?.unwrap_or_default(),
    })
}

fn random_hex(rng: &SystemRandom, bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rng.fill(&mut buf)
        .expect("the operating system's random number generator failed");
    hex(&buf)
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() > 128 {
        return None;
    }
    unhex_long(s)
}

/// Hex of any length up to 8 KiB (a URL in a media address).
fn unhex_long(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 8192 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// SHA-256 of a secret token: what the database keeps instead of the token.
pub fn token_hash(token: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

/// Trims a text field and refuses it when it is over `max` characters.
pub fn bounded(field: &str, value: &str, max: usize) -> AppResult<String> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::Invalid(format!(
            "{field} can have at most {max} characters."
        )));
    }
    Ok(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csrf_tokens_are_bound_to_the_cookie() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(dir.path(), Limits::default()).unwrap();
        let token = app.csrf_token("cookie-a");
        assert!(app.csrf_valid("cookie-a", &token));
        assert!(!app.csrf_valid("cookie-b", &token));
        assert!(!app.csrf_valid("cookie-a", "00"));
        assert!(!app.csrf_valid("cookie-a", "not hex at all"));
        // The key survives a restart, so forms opened before it still work.
        drop(app);
        let app = App::open(dir.path(), Limits::default()).unwrap();
        assert!(app.csrf_valid("cookie-a", &token));
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 255, 16]), "00ff10");
        assert_eq!(unhex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
    }
}
