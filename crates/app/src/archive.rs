//! Leaving and arriving with one's things (docs/MOVING.md): a member's archive in Mastodon's
//! format, made on request as a background job (the settings page shows its progress; a host
//! cannot turn it off), and an archive or Mastodon's CSV lists brought in the same way. The
//! command line's `export` and `import` run the very same code in the foreground.
//!
//! Both stream: an export reads the member's posts two hundred at a time and writes each
//! straight into the zip; an import reads the outbox one activity at a time. Neither holds an
//! archive, so a member with 10,000 posts and a gigabyte of pictures passes through a Pi.
//!
//! What an import brings in is the member's own: posts whose author is not this account or one
//! it names as an earlier one (`alsoKnownAs`) are refused. Posts keep their dates and
//! audiences, are marked as imported, and are never sent to anyone or put on anyone's timeline
//! as new: they are on the member's profile and in search.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering;

pub use porchlight_archive::lists::ListKind;
use porchlight_archive::lists::{self, Entry};
use porchlight_archive::{ArchiveError, Reader, Writer};
use porchlight_core::audience::Audience;
use porchlight_core::views::ArchiveJob;
use porchlight_core::{AccountId, PostId};
pub use porchlight_db::archive::JobKind;
use porchlight_db::archive::{self as stored, Address};
use porchlight_db::federation as store;
use porchlight_db::posts::{self, NewPost};
use porchlight_db::{accounts, now};
use porchlight_federation::ap::documents;
use porchlight_federation::ap::inbound::{self, RemoteNote};
use porchlight_federation::{Identity, outbox, sanitize};
use serde_json::Value;

use crate::uploads::PictureDetails;
use crate::{App, AppError, AppResult};

/// The folders of the data folder that hold exports (to download) and imports (being read).
pub const EXPORTS: &str = "exports";
pub const IMPORTS: &str = "imports";
/// A member keeps their newest exports; older ones are deleted when a new one is made.
const EXPORTS_KEPT: usize = 2;
/// Posts read from the database at a time.
const BATCH: u32 = 200;
/// How often progress is written (in posts).
const PROGRESS_EVERY: u64 = 100;
/// The longest an imported post's text may be (a generous bound; other servers allow more
/// than this camp's own composer does).
const MAX_IMPORTED_TEXT: usize = 100_000;
/// How many skipped things an import's report lists one by one (then it counts the rest).
const REPORT_LINES: usize = 100;
/// The longest line of a report.
const REPORT_LINE_CHARS: usize = 300;

/// What an import did, for the member to read.
#[derive(Default)]
struct Report {
    posts: u64,
    pictures: u64,
    already: u64,
    follows: u64,
    blocks: u64,
    mutes: u64,
    bookmarks: u64,
    listed: u64,
    skipped: Vec<String>,
    skipped_more: u64,
}

impl Report {
    fn skip(&mut self, what: String) {
        if self.skipped.len() < REPORT_LINES {
            // An archive's ids and texts are the sender's: a line says enough in a few hundred
            // characters, and the report is kept.
            let mut what = what;
            if let Some((cut, _)) = what.char_indices().nth(REPORT_LINE_CHARS) {
                what.truncate(cut);
                what.push('…');
            }
            self.skipped.push(what);
        } else {
            self.skipped_more += 1;
        }
    }

    fn text(&self) -> String {
        let mut done = Vec::new();
        for (n, what) in [
            (self.posts, "posts"),
            (self.pictures, "pictures"),
            (self.follows, "follows"),
            (self.blocks, "blocks"),
            (self.mutes, "mutes"),
            (self.bookmarks, "bookmarks"),
            (self.listed, "people put on lists"),
        ] {
            if n > 0 {
                done.push(format!("{n} {what}"));
            }
        }
        let mut text = if done.is_empty() {
            "Nothing new was brought in.".to_string()
        } else {
            format!("Brought in: {}.", done.join(", "))
        };
        if self.already > 0 {
            text.push_str(&format!(
                " {} posts were here already (from an earlier import) and were left as they are.",
                self.already
            ));
        }
        if !self.skipped.is_empty() {
            text.push_str("\nNot brought in:");
            for line in &self.skipped {
                text.push_str("\n- ");
                text.push_str(line);
            }
            if self.skipped_more > 0 {
                text.push_str(&format!("\n- and {} more", self.skipped_more));
            }
        }
        text
    }
}

/// What an archive takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Everything of the member's: what they download themselves.
    Everything,
    /// What goes into a Camp 2 bundle, which a host handles: not their direct messages, nor
    /// whom they mute or block, nor their bookmarks.
    Bundle,
}

/// The kind of a CSV list waiting in the imports folder, from its name (`….following.csv`).
fn list_kind_of(path: &Path) -> Option<ListKind> {
    let name = path.file_name()?.to_str()?.strip_suffix(".csv")?;
    ListKind::parse(name.rsplit('.').next()?)
}

impl App {
    /// How this camp names its members and posts in archives: its public address, or (a camp
    /// that does not federate) the name it has on the home network.
    pub(crate) fn archive_identity(&self) -> Identity {
        match &self.federation {
            Some(fed) => fed.me.clone(),
            None => Identity {
                base_url: "https://porchlight.local".into(),
                host: "porchlight.local".into(),
            },
        }
    }

    /// A member's jobs of one kind (exports, imports, a host's bundles), newest first.
    pub fn archive_jobs(&self, member: AccountId, kind: JobKind) -> AppResult<Vec<ArchiveJob>> {
        Ok(self.db.read(|c| stored::jobs_of(c, member, kind))?)
    }

    /// Asks for a new archive of the member's data; it is made in the background.
    pub fn request_export(self: &Arc<Self>, member: AccountId) -> AppResult<i64> {
        let me = self
            .db
            .read(|c| accounts::member_by_id(c, member))?
            .ok_or(AppError::NotSignedIn)?;
        let file = format!(
            "{EXPORTS}/{}-{}-{}.zip",
            me.username,
            now(),
            self.random_token(4)
        );
        let id = self.db.write(|tx| -> AppResult<i64> {
            let open = stored::jobs_of(tx, member, JobKind::Export)?
                .into_iter()
                .any(|j| !j.finished());
            if open {
                return Err(AppError::Invalid(
                    "An archive is being made already; it is on this page when it is ready.".into(),
                ));
            }
            Ok(stored::add_job(tx, member, JobKind::Export, &file, now())?)
        })?;
        self.kick_archive_work();
        Ok(id)
    }

    /// Where a finished export of the member's is, to download.
    /// `kind`: an export (the member's own) or a bundle (only while they are a host).
    pub fn export_file(&self, member: AccountId, job: i64, kind: JobKind) -> AppResult<PathBuf> {
        if kind == JobKind::Fork {
            self.read(|c| {
                crate::members::require_role(c, member, porchlight_core::audience::Role::Host)
            })?;
        }
        let job = self
            .db
            .read(|c| stored::job(c, job))?
            .filter(|j| {
                j.account_id == member
                    && j.makes_a_file()
                    && j.kind == kind.as_str()
                    && j.state == "done"
            })
            .ok_or(AppError::NotFound)?;
        let path = self.data_dir.join(&job.file);
        if !path.is_file() {
            return Err(AppError::NotFound);
        }
        Ok(path)
    }

    /// Takes a file to bring in (sent with the form, on disk): a zip archive (Mastodon's, or a
    /// camp's), or one of Mastodon's CSV lists (`list` says which). It is checked, moved to the
    /// imports folder and read in the background.
    pub fn request_import(
        self: &Arc<Self>,
        member: AccountId,
        upload: &Path,
        list: Option<ListKind>,
    ) -> AppResult<i64> {
        let me = self
            .db
            .read(|c| accounts::member_by_id(c, member))?
            .ok_or(AppError::NotSignedIn)?;
        let unreadable = |e: std::io::Error| {
            AppError::Invalid(format!(
                "Could not read the file: {e}. Nothing was brought in."
            ))
        };
        let size = std::fs::metadata(upload).map_err(unreadable)?.len();
        if size == 0 {
            return Err(AppError::Invalid(
                "The file is empty; nothing was brought in.".into(),
            ));
        }
        let mut start = [0u8; 4];
        std::io::Read::read_exact(&mut File::open(upload).map_err(unreadable)?, &mut start)
            .unwrap_or_default();
        let stem = format!(
            "{IMPORTS}/{}-{}-{}",
            me.username,
            now(),
            self.random_token(4)
        );
        let file = if &start == b"PK\x03\x04" {
            Reader::open(File::open(upload).map_err(unreadable)?).map_err(refused)?;
            format!("{stem}.zip")
        } else {
            let kind = list.ok_or_else(|| {
                AppError::Invalid(
                    "That is not a zip archive. For one of Mastodon's CSV lists, say which list \
                     it is; nothing was brought in."
                        .into(),
                )
            })?;
            if size > porchlight_archive::MAX_CSV_BYTES {
                return Err(AppError::Invalid(format!(
                    "That list is larger than {} MB; nothing was brought in.",
                    porchlight_archive::MAX_CSV_BYTES / 1024 / 1024
                )));
            }
            format!("{stem}.{}.csv", kind.as_str())
        };
        let path = self.data_dir.join(&file);
        keep_file(upload, &path).map_err(|e| {
            AppError::Invalid(format!(
                "Could not keep the file on the box: {e}. Nothing was brought in."
            ))
        })?;
        let id = self
            .db
            .write(|tx| stored::add_job(tx, member, JobKind::Import, &file, now()));
        let id = match id {
            Ok(id) => id,
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                return Err(e.into());
            }
        };
        self.kick_archive_work();
        Ok(id)
    }

    /// Where files sent with a form are written as they arrive (`http`'s spool); emptied as
    /// the camp starts.
    pub fn spool_folder(&self) -> PathBuf {
        self.data_dir.join("incoming")
    }

    /// Jobs a stop interrupted wait again (the camp calls this once as it starts).
    pub(crate) fn resume_archive_work(self: &Arc<Self>) -> AppResult<()> {
        // Files no job names any more (a member removed, a write cut short) are deleted.
        let named = self.db.read(|c| stored::job_files(c, None))?;
        for folder in [EXPORTS, IMPORTS] {
            let Ok(entries) = std::fs::read_dir(self.data_dir.join(folder)) else {
                continue;
            };
            for entry in entries.flatten() {
                let file = format!("{folder}/{}", entry.file_name().to_string_lossy());
                if !named.contains(&file) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        let requeued = self.db.write(|tx| stored::requeue_running(tx))?;
        if requeued > 0 {
            log::info!("{requeued} exports or imports were interrupted; they start again");
        }
        self.kick_archive_work();
        Ok(())
    }

    /// Starts the archive thread unless it runs: it takes the queued jobs one at a time (one
    /// at a time keeps the memory bound; a camp of fifty rarely has two at once).
    pub(crate) fn kick_archive_work(self: &Arc<Self>) {
        if self.archive_busy.swap(true, Ordering::SeqCst) {
            return;
        }
        let app = self.clone();
        let started = std::thread::Builder::new()
            .name("archives".into())
            .spawn(move || {
                // Let go of the work however this thread ends, a panic included, so that the
                // tick can start it again.
                struct Done<'a>(&'a std::sync::atomic::AtomicBool);
                impl Drop for Done<'_> {
                    fn drop(&mut self) {
                        self.0.store(false, Ordering::SeqCst);
                    }
                }
                let _done = Done(&app.archive_busy);
                loop {
                    match app.db.write(|tx| stored::take_queued(tx)) {
                        Ok(Some(job)) => app.run_archive_job(&job),
                        Ok(None) => break,
                        Err(e) => {
                            log::warn!("archive jobs: {e}");
                            break;
                        }
                    }
                }
            });
        if let Err(e) = started {
            log::warn!("could not start the archive thread: {e}");
            self.archive_busy.store(false, Ordering::SeqCst);
        }
    }

    /// Whether a job waits while no thread works (the tick starts one then).
    pub(crate) fn archive_work_waiting(&self) -> bool {
        !self.archive_busy.load(Ordering::SeqCst)
            && self.db.read(stored::jobs_waiting).unwrap_or(false)
    }

    fn run_archive_job(&self, job: &ArchiveJob) {
        let path = self.data_dir.join(&job.file);
        let progress = |done: u64, total: u64| {
            if let Err(e) = self
                .db
                .write(|tx| stored::set_progress(tx, job.id, done, total))
            {
                log::warn!("archive progress: {e}");
            }
        };
        let kind = JobKind::parse(&job.kind);
        let result = match kind {
            Some(JobKind::Export) => self
                .export_to(job.account_id, &path, progress)
                .map(|()| String::new()),
            Some(JobKind::Fork) => self.write_fork_bundle(job.account_id, &path, progress),
            Some(JobKind::Import | JobKind::ForkImport) => {
                let result = if kind == Some(JobKind::Import) {
                    self.import_from(job.account_id, &path, list_kind_of(&path), progress)
                } else {
                    self.import_fork_bundle(job.account_id, &path, progress)
                };
                // What was brought in is in the database now; the upload is not kept.
                let _ = std::fs::remove_file(&path);
                result
            }
            None => Err(AppError::Invalid(format!("an unknown job ({})", job.kind))),
        };
        let (ok, report) = match result {
            Ok(report) => (true, report),
            Err(e) => (false, e.to_string()),
        };
        if let Err(e) = self
            .db
            .write(|tx| stored::finish_job(tx, job.id, ok, &report, now()))
        {
            log::warn!("finishing archive job {}: {e}", job.id);
        }
        if ok && let Some(made @ (JobKind::Export | JobKind::Fork)) = kind {
            self.forget_old_files(job.account_id, made);
        }
    }

    /// Deletes a member's exports (or bundles) past the newest few (their files and rows).
    fn forget_old_files(&self, member: AccountId, kind: JobKind) {
        let Ok(jobs) = self.db.read(|c| stored::jobs_of(c, member, kind)) else {
            return;
        };
        for old in jobs.iter().filter(|j| j.finished()).skip(EXPORTS_KEPT) {
            let _ = std::fs::remove_file(self.data_dir.join(&old.file));
            if let Err(e) = self.db.write(|tx| stored::delete_job(tx, old.id)) {
                log::warn!("forgetting an old export: {e}");
            }
        }
    }

    /// Writes a member's archive to `path` (through a `.partial` file, renamed when whole).
    /// `progress` hears how many posts are written, of how many.
    pub fn export_to(
        &self,
        member: AccountId,
        path: &Path,
        progress: impl FnMut(u64, u64),
    ) -> AppResult<()> {
        self.export_scoped(member, path, Scope::Everything, progress)
    }

    /// As `export_to`, of what `scope` takes.
    pub(crate) fn export_scoped(
        &self,
        member: AccountId,
        path: &Path,
        scope: Scope,
        mut progress: impl FnMut(u64, u64),
    ) -> AppResult<()> {
        let me = self.archive_identity();
        let m = self
            .db
            .read(|c| accounts::member_by_id(c, member))?
            .ok_or(AppError::NotFound)?;
        let failed =
            |e: std::io::Error| AppError::Invalid(format!("Could not write the archive: {e}"));
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(failed)?;
        }
        let partial = path.with_extension("zip.partial");
        let file = File::create(&partial).map_err(failed)?;
        let written = self.write_archive(&me, &m, BufWriter::new(file), scope, &mut progress);
        let finished = written.and_then(|out| {
            let file = out.into_inner().map_err(|e| failed(e.into_error()))?;
            file.sync_all().map_err(failed)?;
            std::fs::rename(&partial, path).map_err(failed)
        });
        if finished.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        finished
    }

    fn write_archive(
        &self,
        me: &Identity,
        m: &accounts::Member,
        out: BufWriter<File>,
        scope: Scope,
        progress: &mut impl FnMut(u64, u64),
    ) -> AppResult<BufWriter<File>> {
        let failed =
            |e: std::io::Error| AppError::Invalid(format!("Could not write the archive: {e}"));
        let mut zip = Writer::new(out);

        // The actor, with its pictures beside it (as Mastodon's `avatar.png`).
        let (public_pem, aliases, emojis) = self.db.read(|c| {
            Ok::<_, AppError>((
                store::member_keys(c, m.id)?
                    .map(|(_, public)| public)
                    .unwrap_or_default(),
                porchlight_db::moving::aliases(c, m.id)?,
                outbox::member_emojis(c, me, m.id)?,
            ))
        })?;
        let mut actor_doc = outbox::actor_document(me, m, &public_pem, &emojis, &aliases);
        for (field, picture, stem) in [
            ("icon", &m.avatar, "avatar"),
            ("image", &m.header, "header"),
        ] {
            let Some(name) = picture.as_deref().and_then(|p| p.strip_prefix("/files/")) else {
                continue;
            };
            if let Some((_, bytes)) = self.db.read(|c| porchlight_db::uploads::file(c, name))? {
                let extension = name.rsplit('.').next().unwrap_or("jpg");
                let entry = format!("{stem}.{extension}");
                zip.file(&entry, &bytes).map_err(failed)?;
                actor_doc[field]["url"] = Value::String(entry);
            }
        }
        zip.json(porchlight_archive::ACTOR, &actor_doc)
            .map_err(failed)?;

        // Every post, oldest first; the pictures after them.
        let direct = scope == Scope::Everything;
        let total = self.db.read(|c| stored::count_posts_by(c, m.id, direct))?;
        zip.begin_outbox(total).map_err(failed)?;
        let mut pictures = Vec::new();
        let (mut after, mut done) = (0, 0u64);
        progress(0, total);
        loop {
            let batch = self.db.read(|c| {
                let ids = stored::posts_by(c, m.id, after, BATCH, direct)?;
                let mut activities = Vec::with_capacity(ids.len());
                for id in &ids {
                    if let Some(post) = store::outgoing_post(c, *id)? {
                        activities.push(outbox::archived_activity(c, me, &post)?);
                    }
                }
                Ok::<_, AppError>((ids.last().copied(), activities))
            })?;
            let (Some(last), activities) = batch else {
                break;
            };
            after = last;
            for (activity, files) in activities.into_iter().flatten() {
                zip.outbox_item(&activity).map_err(failed)?;
                pictures.extend(files);
                done += 1;
                if done.is_multiple_of(PROGRESS_EVERY) {
                    progress(done, total);
                }
            }
        }
        zip.end_outbox().map_err(failed)?;
        for name in pictures {
            if let Some((_, bytes)) = self.db.read(|c| porchlight_db::uploads::file(c, &name))? {
                zip.file(&porchlight_archive::media_path(&name), &bytes)
                    .map_err(failed)?;
            }
        }

        // What they marked, and Mastodon's lists.
        let address =
            |(name, domain): &Address| format!("{name}@{}", domain.as_deref().unwrap_or(&me.host));
        let post_address =
            |(id, uri): &(PostId, Option<String>)| uri.clone().unwrap_or_else(|| me.post_id(*id));
        let (likes, mut bookmarks, following, mut blocked, mut muted, listed) =
            self.db.read(|c| {
                Ok::<_, AppError>((
                    stored::marked_posts(c, m.id, false)?,
                    stored::marked_posts(c, m.id, true)?,
                    stored::following(c, m.id)?,
                    stored::blocked(c, m.id)?,
                    stored::muted(c, m.id, now())?,
                    stored::list_entries(c, m.id)?,
                ))
            })?;
        if scope == Scope::Bundle {
            // What only its owner should see stays out of what a host handles.
            bookmarks.clear();
            blocked.clear();
            muted.clear();
        }
        let likes: Vec<String> = likes.iter().map(post_address).collect();
        let bookmarks: Vec<String> = bookmarks.iter().map(post_address).collect();
        zip.id_collection(porchlight_archive::LIKES, &likes)
            .map_err(failed)?;
        zip.id_collection(porchlight_archive::BOOKMARKS, &bookmarks)
            .map_err(failed)?;
        let rows = |kind: ListKind, people: &[(Address, bool)]| -> Vec<Vec<String>> {
            people
                .iter()
                .map(|(who, flag)| lists::account_row(kind, &address(who), *flag))
                .collect()
        };
        let following: Vec<(Address, bool)> = following.into_iter().map(|a| (a, true)).collect();
        let blocked: Vec<(Address, bool)> = blocked.into_iter().map(|a| (a, false)).collect();
        for (kind, rows) in [
            (ListKind::Following, rows(ListKind::Following, &following)),
            (ListKind::Blocks, rows(ListKind::Blocks, &blocked)),
            (ListKind::Mutes, rows(ListKind::Mutes, &muted)),
            (
                ListKind::Lists,
                listed
                    .iter()
                    .map(|(list, who)| vec![list.clone(), address(who)])
                    .collect(),
            ),
            (
                ListKind::Bookmarks,
                bookmarks.iter().map(|b| vec![b.clone()]).collect(),
            ),
            // Servers are blocked for the whole camp by its host, never by one member: the
            // list is there, empty, for the tools that expect it.
            (ListKind::DomainBlocks, Vec::new()),
        ] {
            zip.csv(kind.file_name(), kind.header(), &rows)
                .map_err(failed)?;
        }
        progress(done, total);
        zip.finish().map_err(failed)
    }

    /// Brings in what the file at `path` holds for a member: an archive, or (`list`) one of
    /// Mastodon's CSV lists. Returns the report of what was and was not brought in.
    /// `progress` hears how many posts are read so far.
    pub fn import_from(
        &self,
        member: AccountId,
        path: &Path,
        list: Option<ListKind>,
        progress: impl FnMut(u64, u64),
    ) -> AppResult<String> {
        self.import_renaming(member, path, list, &HashMap::new(), progress)
    }

    /// As `import_from`; `renamed` maps addresses on the old camp (`name@old.example`) to the
    /// members here they now are (a Camp 2 bundle's members).
    pub(crate) fn import_renaming(
        &self,
        member: AccountId,
        path: &Path,
        list: Option<ListKind>,
        renamed: &HashMap<String, String>,
        mut progress: impl FnMut(u64, u64),
    ) -> AppResult<String> {
        let m = self
            .db
            .read(|c| accounts::member_by_id(c, member))?
            .ok_or(AppError::NotFound)?;
        if m.moved_to.is_some() {
            return Err(AppError::Invalid(
                "This account has moved away and takes no new posts; bring your archive to the new one."
                    .into(),
            ));
        }
        let mut report = Report::default();
        if let Some(kind) = list {
            let bytes = read_list(path)?;
            self.import_list(&m, kind, kind.file_name(), &bytes, renamed, &mut report);
            return Ok(report.text());
        }
        let open = || -> AppResult<Reader<File>> {
            let file = File::open(path)
                .map_err(|e| AppError::Invalid(format!("Could not read the archive: {e}")))?;
            Reader::open(file).map_err(refused)
        };
        let mut archive = open()?;
        for kind in ListKind::ALL {
            match archive.bytes(kind.file_name(), porchlight_archive::MAX_CSV_BYTES) {
                Ok(Some(bytes)) => {
                    self.import_list(&m, kind, kind.file_name(), &bytes, renamed, &mut report)
                }
                Ok(None) => {}
                Err(e) => report.skip(format!("{}: {e}", kind.file_name())),
            }
        }
        if archive.has(porchlight_archive::LIKES) {
            report.skip(
                "favourites (likes.json): they are kept in the archive but not sent again, so \
                 that nobody is notified of old favourites"
                    .into(),
            );
        }
        // Bookmarks as `bookmarks.json` when the archive has no CSV of them.
        if !archive.has(ListKind::Bookmarks.file_name()) {
            match archive.id_collection(porchlight_archive::BOOKMARKS) {
                Ok(urls) => {
                    let entries: Vec<Entry> = urls.into_iter().map(Entry::Post).collect();
                    self.apply_entries(
                        &m,
                        ListKind::Bookmarks,
                        "bookmarks.json",
                        entries,
                        renamed,
                        &mut report,
                    );
                }
                Err(e) => report.skip(format!("bookmarks.json: {e}")),
            }
        }

        // The posts: only the member's own, from an account that is theirs.
        let me = self.archive_identity();
        let mut authors = self
            .db
            .read(|c| porchlight_db::moving::aliases(c, member))?;
        authors.push(me.actor_id(&m.username));
        let actor = archive.json(porchlight_archive::ACTOR).map_err(refused)?;
        let old_followers = actor
            .as_ref()
            .and_then(|a| a.get("followers"))
            .and_then(Value::as_str)
            .map(String::from);
        let mut pictures_from = open()?;
        // The outbox is read as it streams: how many it holds is known only at its end (a total
        // of 0 says "not known yet").
        let mut done = 0u64;
        progress(0, 0);
        let read = archive.outbox(|item| {
            done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) {
                progress(done, 0);
            }
            self.import_activity(
                &m,
                &authors,
                old_followers.as_deref(),
                &item,
                &mut pictures_from,
                &mut report,
            );
            true
        });
        if let Err(e) = read {
            report.skip(format!(
                "the rest of outbox.json, after {done} activities: {e}"
            ));
        }
        progress(done, done);
        Ok(report.text())
    }

    /// One activity of an archive's outbox.
    fn import_activity(
        &self,
        m: &accounts::Member,
        authors: &[String],
        old_followers: Option<&str>,
        item: &Value,
        pictures: &mut Reader<File>,
        report: &mut Report,
    ) {
        let kind = inbound::kind(item);
        if kind == "Announce" {
            // A boost is of someone else's post: it stays where it was.
            return;
        }
        let object = match (kind, item.get("object")) {
            ("Create", Some(object)) if object.is_object() => object,
            _ => {
                report.skip(format!(
                    "an activity of the kind {kind:?}, which is not a post"
                ));
                return;
            }
        };
        let note = match RemoteNote::from_json(object) {
            Ok(note) => note,
            Err(e) => {
                let id = inbound::str_field(object, "id").unwrap_or("(no id)");
                report.skip(format!("{id}: {}", e.0));
                return;
            }
        };
        if !authors.contains(&note.attributed_to) {
            report.skip(format!(
                "{}: written by {}, which this account does not name as an earlier account \
                 of its own (add it under \"Accounts you are moving from\" first)",
                note.id, note.attributed_to
            ));
            return;
        }
        match self.import_post(m, &note, object, old_followers, pictures, report) {
            Ok(true) => report.posts += 1,
            Ok(false) => report.already += 1,
            Err(e) => report.skip(format!("{}: {e}", note.id)),
        }
    }

    /// Keeps one post from an archive as the member's; false if an earlier import brought it.
    fn import_post(
        &self,
        m: &accounts::Member,
        note: &RemoteNote,
        object: &Value,
        old_followers: Option<&str>,
        pictures: &mut Reader<File>,
        report: &mut Report,
    ) -> AppResult<bool> {
        // Already here: brought in before, or written on this very camp (its own archive given
        // back to it; a camp without a public address has no name of its own to tell by).
        let written_here = self
            .federation
            .as_ref()
            .is_some_and(|f| f.me.local_post(&note.id).is_some());
        if written_here
            || self
                .db
                .read(|c| stored::imported(c, m.id, &note.id))?
                .is_some()
        {
            return Ok(false);
        }
        // A camp's own archive names the audience; Mastodon's has only the addressing. A
        // neighborhood is another camp's, so its posts stay in this camp (narrower, never
        // wider).
        let audience =
            match inbound::str_field(object, "porchlightAudience").and_then(Audience::parse) {
                Some(Audience::Neighborhood) => Audience::Local,
                Some(named) => named,
                None => documents::audience_of(&note.to, &note.cc, old_followers, None),
            };
        let text: String = object
            .get("source")
            .and_then(|s| inbound::str_field(s, "content"))
            .map(String::from)
            .unwrap_or_else(|| sanitize::text(&note.content_html))
            .chars()
            .take(MAX_IMPORTED_TEXT)
            .collect();
        let html = sanitize::html(&note.content_html);
        let content_warning: String = sanitize::text(&note.summary).chars().take(500).collect();
        // Its pictures, from the archive (one at a time, each cleaned as an upload is).
        let mut uploads = Vec::new();
        for attachment in raw_attachments(object) {
            match pictures.media(&attachment.url) {
                Ok(Some(bytes)) => {
                    let details = PictureDetails {
                        description: Some(&attachment.description),
                        focus: None,
                    };
                    match self.upload_picture(m.id, &bytes, &details) {
                        Ok(upload) => uploads.push(upload.id),
                        Err(e) => report.skip(format!("a picture of {}: {e}", note.id)),
                    }
                }
                Ok(None) => report.skip(format!(
                    "a picture of {} ({}): not in the archive",
                    note.id, attachment.url
                )),
                Err(e) => report.skip(format!("a picture of {}: {e}", note.id)),
            }
        }
        let tags: Vec<String> = note
            .hashtags
            .iter()
            .map(|t| t.to_lowercase())
            .filter(|t| t.chars().all(|c| c.is_alphanumeric() || c == '_'))
            .take(20)
            .collect();
        let written_at = note.published.unwrap_or_else(now).min(now());
        let pictures_kept = uploads.len() as u64;
        self.db.write(|tx| -> AppResult<()> {
            let parent = match &note.in_reply_to {
                Some(parent) => stored::imported(tx, m.id, parent)?,
                None => None,
            };
            let id = posts::insert_post(
                tx,
                &NewPost {
                    author_id: m.id,
                    audience,
                    text: &text,
                    html: &html,
                    content_warning: &content_warning,
                    in_reply_to: parent,
                    mentions: &[],
                    tags: &tags,
                    now: written_at,
                },
            )?;
            stored::mark_imported(tx, id, &note.id, written_at)?;
            if !porchlight_db::uploads::set_for_post(tx, id, m.id, &uploads)? {
                return Err(AppError::NotFound);
            }
            Ok(())
        })?;
        report.pictures += pictures_kept;
        Ok(true)
    }

    /// One of Mastodon's CSV lists.
    fn import_list(
        &self,
        m: &accounts::Member,
        kind: ListKind,
        name: &str,
        bytes: &[u8],
        renamed: &HashMap<String, String>,
        report: &mut Report,
    ) {
        let (entries, skipped) = lists::read(kind, bytes);
        for s in skipped {
            report.skip(format!("line {} of {name}: {}", s.line, s.why));
        }
        self.apply_entries(m, kind, name, entries, renamed, report);
    }

    fn apply_entries(
        &self,
        m: &accounts::Member,
        kind: ListKind,
        name: &str,
        entries: Vec<Entry>,
        renamed: &HashMap<String, String>,
        report: &mut Report,
    ) {
        let me = self.archive_identity();
        // `name@this camp` is a member here, named by their username alone; so is someone of
        // the old camp who came along in the same bundle.
        let local = |address: &str| -> String {
            if let Some(here) = renamed.get(&address.to_ascii_lowercase()) {
                return here.clone();
            }
            match address.split_once('@') {
                Some((user, host)) if host.eq_ignore_ascii_case(&me.host) => user.to_string(),
                _ => address.to_string(),
            }
        };
        let mut list_ids: HashMap<String, i64> = self
            .lists(m.id)
            .map(|ls| ls.into_iter().map(|l| (l.title, l.id)).collect())
            .unwrap_or_default();
        for entry in entries {
            let result = match &entry {
                Entry::Account { address, .. } if kind == ListKind::Following => self
                    .follow(m.id, &local(address), true)
                    .map(|()| report.follows += 1),
                Entry::Account {
                    address,
                    hide_notifications,
                    ..
                } => self
                    .account_to_keep_away(&local(address))
                    .and_then(|target| {
                        if kind == ListKind::Blocks {
                            self.block(m.id, target).map(|()| report.blocks += 1)
                        } else {
                            self.mute(m.id, target, *hide_notifications, None)
                                .map(|()| report.mutes += 1)
                        }
                    }),
                Entry::Domain(domain) => Err(AppError::Invalid(format!(
                    "{domain}: servers are blocked for everyone here by the camp's hosts, not by \
                     one member; ask a host if you want it blocked"
                ))),
                Entry::Post(url) => self
                    .bookmark_address(m.id, url)
                    .map(|()| report.bookmarks += 1),
                Entry::ListMember { list, address } => {
                    let list_id = match list_ids.get(list) {
                        Some(id) => Ok(*id),
                        None => self
                            .create_list(
                                m.id,
                                &crate::lists::ListChanges {
                                    title: Some(list.clone()),
                                    replies_policy: None,
                                    exclusive: None,
                                },
                            )
                            .map(|l| {
                                list_ids.insert(list.clone(), l.id);
                                l.id
                            }),
                    };
                    list_id
                        .and_then(|id| {
                            let who = self.account_to_keep_away(&local(address))?;
                            self.add_to_list(m.id, id, &[who])
                        })
                        .map(|()| report.listed += 1)
                }
            };
            if let Err(e) = result {
                let what = match &entry {
                    Entry::Account { address, .. } | Entry::ListMember { address, .. } => {
                        address.clone()
                    }
                    Entry::Domain(d) => d.clone(),
                    Entry::Post(url) => url.clone(),
                };
                report.skip(format!("{what} ({name}): {e}"));
            }
        }
    }

    /// The account a list names: a member here by username, or someone elsewhere (looked up
    /// if new here).
    fn account_to_keep_away(&self, address: &str) -> AppResult<AccountId> {
        if address.contains('@') {
            Ok(self.remote_account(address, true)?.id)
        } else {
            self.account_by_handle(address)
        }
    }

    /// Bookmarks a post by its address (looked up if new here).
    fn bookmark_address(&self, member: AccountId, url: &str) -> AppResult<()> {
        let id = match self.archive_identity().local_post(url) {
            Some(id) => id,
            None => match self.look_up(url)? {
                crate::remote::Found::Post(id) => id,
                crate::remote::Found::Account(_) => return Err(AppError::NotFound),
            },
        };
        self.bookmark(member, id, true)
    }
}

/// A picture an archived post points at.
struct RawAttachment {
    url: String,
    description: String,
}

/// The attachments of an archived Note as they are written there: Mastodon's point into the
/// archive (`/media_attachments/files/…`), which a post from the network never does, so they
/// are read here rather than by `inbound`.
fn raw_attachments(object: &Value) -> Vec<RawAttachment> {
    let items = match object.get("attachment") {
        Some(Value::Array(items)) => items.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter(|item| {
            let media_type = inbound::str_field(item, "mediaType").unwrap_or("image/");
            media_type.starts_with("image/")
        })
        .filter_map(|item| {
            let url = match item.get("url") {
                Some(Value::String(u)) => Some(u.clone()),
                Some(link @ Value::Object(_)) => inbound::str_field(link, "href").map(String::from),
                _ => inbound::str_field(item, "href").map(String::from),
            }?;
            Some(RawAttachment {
                url,
                description: inbound::str_field(item, "name")
                    .unwrap_or("")
                    .chars()
                    .take(porchlight_core::media::MAX_DESCRIPTION)
                    .collect(),
            })
        })
        .take(porchlight_core::media::MAX_ATTACHMENTS)
        .collect()
}

/// What an archive that cannot be read at all says to its owner.
fn refused(e: ArchiveError) -> AppError {
    AppError::Invalid(format!(
        "That archive cannot be read: {e}. Nothing was brought in."
    ))
}

/// A CSV list from a file, within its bound.
fn read_list(path: &Path) -> AppResult<Vec<u8>> {
    use std::io::Read;
    let limit = porchlight_archive::MAX_CSV_BYTES;
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(limit + 1).read_to_end(&mut bytes))
        .map_err(|e| AppError::Invalid(format!("Could not read the list: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(AppError::Invalid(format!(
            "That list is larger than {} MB; nothing was brought in.",
            limit / 1024 / 1024
        )));
    }
    Ok(bytes)
}

/// Moves a file sent with a form to where it is kept (copied, then synced, if the two are on
/// different file systems).
pub(crate) fn keep_file(from: &Path, to: &Path) -> std::io::Result<()> {
    if let Some(folder) = to.parent() {
        std::fs::create_dir_all(folder)?;
    }
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    let partial = to.with_extension("partial");
    let copied = std::fs::copy(from, &partial)
        .and_then(|_| File::open(&partial)?.sync_all())
        .and_then(|()| std::fs::rename(&partial, to));
    if copied.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    copied
}
