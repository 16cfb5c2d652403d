//! Camp 2 with the old host's help (docs/MOVING.md): each member who wants to go says so on
//! their own page (never anyone else), the host makes one bundle of those members' archives,
//! and the new camp's host brings the bundle in: an account for each (with a link to choose a
//! password), their posts and lists, their follows of each other made again inside the new
//! camp, and their old accounts named as theirs, so that each can move with one action on the
//! old camp and take their followers along. (Without the host, each member downloads their own
//! archive and does the same by hand: see `archive` and `moving`.)
//!
//! The bundle is a zip: `camp.json` (where it came from, the camp's name and code of conduct,
//! and its members with their old addresses) and each member's archive as
//! `members/NAME.zip`, stored as made.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use porchlight_archive::{Reader, Writer};
use porchlight_core::AccountId;
use porchlight_core::audience::Role;
use porchlight_db::archive::{self as stored, JobKind};
use porchlight_db::{accounts, now};
use serde_json::{Value, json};

use crate::members::NewMember;
use crate::{Acting, App, AppError, AppResult};

const CAMP: &str = "camp.json";
const MEMBERS: &str = "members/";
/// The most one member's archive inside a bundle may inflate to.
const MAX_MEMBER_ARCHIVE: u64 = 8 * 1024 * 1024 * 1024;

impl App {
    /// A member says whether they want to go along if the camp forks.
    pub fn set_fork_consent(&self, member: AccountId, wants: bool) -> AppResult<()> {
        Ok(self
            .db
            .write(|tx| stored::set_fork_consent(tx, member, wants))?)
    }

    /// Who wants to go along (usernames), for a host.
    pub fn fork_consenting(&self, by: AccountId) -> AppResult<Vec<String>> {
        self.read(|c| {
            crate::members::require_role(c, by, Role::Host)?;
            Ok(stored::fork_consenting(c)?
                .into_iter()
                .map(|(_, name)| name)
                .collect())
        })
    }

    /// A host asks for the bundle of the members who want to go; it is made in the background.
    pub fn request_fork_bundle(self: &Arc<Self>, by: AccountId) -> AppResult<i64> {
        let file = format!(
            "{}/fork-{}-{}.zip",
            crate::archive::EXPORTS,
            now(),
            self.random_token(4)
        );
        let id = self.db.write(|tx| -> AppResult<i64> {
            crate::members::require_role(tx, by, Role::Host)?;
            if stored::fork_consenting(tx)?.is_empty() {
                return Err(AppError::Invalid(
                    "Nobody has said they want to go yet: each member says so on their own \
                     \"Moving and your data\" page."
                        .into(),
                ));
            }
            if stored::jobs_of(tx, by, JobKind::Fork)?
                .iter()
                .any(|j| !j.finished())
            {
                return Err(AppError::Invalid(
                    "A bundle is being made already; it is on this page when it is ready.".into(),
                ));
            }
            Ok(stored::add_job(tx, by, JobKind::Fork, &file, now())?)
        })?;
        self.kick_archive_work();
        Ok(id)
    }

    /// Writes the bundle to `path` (through a `.partial` file): each consenting member's
    /// archive, made one at a time and copied in as it is read.
    pub(crate) fn write_fork_bundle(
        &self,
        by: AccountId,
        path: &Path,
        mut progress: impl FnMut(u64, u64),
    ) -> AppResult<String> {
        let failed =
            |e: std::io::Error| AppError::Invalid(format!("Could not write the bundle: {e}"));
        let (going, site) = self.read(|c| {
            crate::members::require_role(c, by, Role::Host)?;
            Ok::<_, AppError>((stored::fork_consenting(c)?, crate::site(c)?))
        })?;
        let me = self.archive_identity();
        let mut members = Vec::new();
        for (id, name) in &going {
            let member = self
                .read(|c| accounts::member_by_id(c, *id))?
                .ok_or(AppError::NotFound)?;
            members.push(json!({
                "username": name,
                "display_name": member.display_name,
                "actor": me.actor_id(name),
            }));
        }
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(failed)?;
        }
        let partial = path.with_extension("zip.partial");
        let result = (|| {
            let mut bundle = Writer::new(BufWriter::new(File::create(&partial).map_err(failed)?));
            bundle
                .json(
                    CAMP,
                    &json!({
                        "from": me.base_url,
                        "host": me.host,
                        "name": site.name,
                        "code_of_conduct": site.code_of_conduct,
                        "members": members,
                    }),
                )
                .map_err(failed)?;
            let total = going.len() as u64;
            progress(0, total);
            for (n, (id, name)) in going.iter().enumerate() {
                let one = partial.with_extension(format!("{name}.zip"));
                let written = self
                    .export_scoped(*id, &one, crate::archive::Scope::Bundle, |_, _| {})
                    .and_then(|()| {
                        let mut file = File::open(&one).map_err(failed)?;
                        bundle
                            .file_from(&format!("{MEMBERS}{name}.zip"), &mut file)
                            .map_err(failed)
                    });
                let _ = std::fs::remove_file(&one);
                written?;
                progress(n as u64 + 1, total);
            }
            let file = bundle
                .finish()
                .map_err(failed)?
                .into_inner()
                .map_err(|e| failed(e.into_error()))?;
            file.sync_all().map_err(failed)?;
            std::fs::rename(&partial, path).map_err(failed)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
        result?;
        let names: Vec<&str> = going.iter().map(|(_, n)| n.as_str()).collect();
        Ok(format!(
            "The bundle holds {} members: {}.",
            names.len(),
            names.join(", ")
        ))
    }

    /// A new camp's host brings in a bundle (the file sent with the form, on disk); it is
    /// checked, kept in the imports folder and read in the background.
    pub fn request_fork_import(self: &Arc<Self>, by: AccountId, upload: &Path) -> AppResult<i64> {
        self.read(|c| crate::members::require_role(c, by, Role::Host))?;
        let bundle = File::open(upload)
            .map_err(|e| AppError::Invalid(format!("Could not read the file: {e}.")))
            .and_then(|f| {
                Reader::open(f).map_err(|e| {
                    AppError::Invalid(format!(
                        "That bundle cannot be read: {e}. Nothing was brought in."
                    ))
                })
            })?;
        if !bundle.has(CAMP) {
            return Err(AppError::Invalid(
                "That is a zip, but not a Camp 2 bundle (it has no camp.json). A member's own \
                 archive is brought in from their own \"Moving and your data\" page."
                    .into(),
            ));
        }
        let file = format!(
            "{}/fork-{}-{}.zip",
            crate::archive::IMPORTS,
            now(),
            self.random_token(4)
        );
        let path = self.data_dir.join(&file);
        crate::archive::keep_file(upload, &path)
            .map_err(|e| AppError::Invalid(format!("Could not keep the file on the box: {e}.")))?;
        let id = self
            .db
            .write(|tx| stored::add_job(tx, by, JobKind::ForkImport, &file, now()));
        match id {
            Ok(id) => {
                self.kick_archive_work();
                Ok(id)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e.into())
            }
        }
    }

    /// Brings a bundle in: first an account for every member in it (a name taken here is
    /// skipped and said), each naming their old account as theirs; then each one's archive, with
    /// their follows of the others made here. Returns the report, with each member's link to
    /// choose a password.
    pub(crate) fn import_fork_bundle(
        &self,
        by: AccountId,
        path: &Path,
        mut progress: impl FnMut(u64, u64),
    ) -> AppResult<String> {
        let unreadable = |e: porchlight_archive::ArchiveError| {
            AppError::Invalid(format!(
                "That bundle cannot be read: {e}. Nothing was brought in."
            ))
        };
        let mut bundle =
            Reader::open(File::open(path).map_err(|e| AppError::Invalid(e.to_string()))?)
                .map_err(unreadable)?;
        let camp = bundle
            .json(CAMP)
            .map_err(unreadable)?
            .unwrap_or(Value::Null);
        let old_host = camp["host"].as_str().unwrap_or("").to_ascii_lowercase();
        let from = camp["from"].as_str().unwrap_or("another camp").to_string();
        let listed = camp["members"].as_array().cloned().unwrap_or_default();
        let mut lines = Vec::new();
        let mut created: Vec<(AccountId, String)> = Vec::new();
        // Everyone first, so that their follows of each other can be made as each comes in.
        for entry in &listed {
            let (Some(name), Some(actor)) = (entry["username"].as_str(), entry["actor"].as_str())
            else {
                continue;
            };
            // Brought in by an earlier run of this job (a restart in the middle): kept as is.
            let earlier = self.read(|c| {
                Ok::<_, AppError>(match accounts::member_by_username(c, name)? {
                    Some(m)
                        if porchlight_db::moving::aliases(c, m.id)?
                            .iter()
                            .any(|a| a == actor) =>
                    {
                        Some(m.id)
                    }
                    _ => None,
                })
            })?;
            if let Some(id) = earlier {
                created.push((id, name.to_string()));
                continue;
            }
            let made = self
                .add_member(&NewMember {
                    username: name,
                    password: &self.random_token(24),
                    display_name: entry["display_name"].as_str().unwrap_or(""),
                    role: Role::Member,
                })
                .and_then(|id| {
                    self.db
                        .write(|tx| porchlight_db::moving::add_alias(tx, id, actor, now()))?;
                    Ok(id)
                });
            match made {
                Ok(id) => created.push((id, name.to_string())),
                Err(e) => lines.push(format!("@{name} was not brought in: {e}")),
            }
        }
        let renamed: HashMap<String, String> = created
            .iter()
            .map(|(_, name)| (format!("{name}@{old_host}"), name.clone()))
            .collect();
        let total = created.len() as u64;
        progress(0, total);
        for (n, (id, name)) in created.iter().enumerate() {
            let one = path.with_extension(format!("{name}.zip"));
            let report = bundle
                .copy_to(&format!("{MEMBERS}{name}.zip"), &one, MAX_MEMBER_ARCHIVE)
                .map_err(unreadable)
                .and_then(|found| {
                    if found {
                        self.import_renaming(*id, &one, None, &renamed, |_, _| {})
                    } else {
                        Ok("Their archive is not in the bundle.".to_string())
                    }
                });
            let _ = std::fs::remove_file(&one);
            let link = match self.make_reset_link(Acting::Member(by), *id) {
                Ok(token) => format!("Their link to choose a password (for a day): /reset/{token}"),
                Err(e) => format!(
                    "No link to choose a password could be made ({e}); make one from their page."
                ),
            };
            lines.push(format!(
                "@{name}: {}\n  {link}",
                report
                    .unwrap_or_else(|e| e.to_string())
                    .replace('\n', "\n  ")
            ));
            progress(n as u64 + 1, total);
        }
        Ok(format!(
            "From {from}: {} members brought in.\n{}\nEach can now move their old account here \
             from its \"Moving and your data\" page, and their followers follow them here.",
            created.len(),
            lines.join("\n")
        ))
    }
}
