//! SQLite storage: the schema and its migrations, and every query as a plain function over a
//! connection. One writer connection (SQLite allows one writer at a time anyway) and a small pool
//! of readers, in WAL mode so readers never wait for the writer. Nothing here is async: callers on
//! an async runtime run these on blocking threads.

pub mod accounts;
pub mod announcements;
pub mod archive;
pub mod blocklists;
pub mod cards;
pub mod conversations;
pub mod emoji;
pub mod events;
pub mod federation;
pub mod filters;
pub mod lists;
mod migrations;
pub mod moderation;
pub mod moving;
pub mod muting;
pub mod neighborhood;
pub mod oauth;
pub mod polls;
pub mod posts;
pub mod push;
pub mod social;
pub mod timeline;
pub mod uploads;

use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

// The handful of names a caller needs to hold a connection and read its errors; the SQL
// library itself stays inside this crate (what is said in SQL is said here).
use rusqlite::OptionalExtension;
pub use rusqlite::{Connection, Error, Transaction};

pub type Result<T> = std::result::Result<T, rusqlite::Error>;

/// What is wrong with the database file at `path` that is already there, if anything: empty (a
/// damaged card can leave a file of 0 bytes, which SQLite would take for a new database), too
/// short or not an SQLite file, or unreadable. None when there is no file (a new camp) or it
/// starts as an SQLite database does.
pub fn damaged_file(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(format!("cannot be read ({e})")),
    };
    let mut header = [0u8; 16];
    let mut read = 0;
    while read < header.len() {
        match file.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) => return Some(format!("cannot be read ({e})")),
        }
    }
    match read {
        0 => Some("is empty (0 bytes)".into()),
        16 if &header == b"SQLite format 3\0" => None,
        _ => Some("is not an SQLite database".into()),
    }
}

/// Checks a backup before it replaces a camp, without changing it: an SQLite file, sound,
/// written by this version or an earlier one (it is brought up to date when it is opened), with
/// a host. The reason, said for the person restoring it, when it is not.
/// Whether the database file at `path` was changed by a newer Porchlight (its schema is past
/// the last migration this one knows): after an update fell back, such a file is put aside.
pub fn schema_is_newer(path: &Path) -> std::result::Result<bool, String> {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("the database cannot be opened ({e})"))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| format!("the database cannot be read ({e})"))?;
    Ok(version > migrations::latest())
}

pub fn check_backup(path: &Path) -> std::result::Result<(), String> {
    if let Some(problem) = damaged_file(path) {
        return Err(format!(
            "the file {problem}, so it is not a Porchlight backup"
        ));
    }
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("the backup cannot be opened ({e})"))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| format!("the backup cannot be read ({e})"))?;
    if version > migrations::latest() {
        return Err(format!(
            "the backup was made by a newer Porchlight (schema {version}; this one reads up to {}): \
             update this box first",
            migrations::latest()
        ));
    }
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| format!("the backup cannot be read ({e})"))?;
    if integrity != "ok" {
        return Err(format!("the backup is damaged ({integrity})"));
    }
    let hosts: i64 = conn
        .query_row("SELECT COUNT(*) FROM users WHERE role = 'host'", [], |r| {
            r.get(0)
        })
        .map_err(|_| "the file is an SQLite database, but not a Porchlight camp".to_string())?;
    if hosts == 0 {
        return Err(
            "the backup is of a camp that has no host yet: there is nothing to restore".into(),
        );
    }
    Ok(())
}

/// Whether the camp in the database file at `path` has a host (read only; no file: no).
pub fn file_has_host(path: &Path) -> bool {
    if !path.exists() {
        return false;
    }
    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| {
            c.query_row("SELECT COUNT(*) FROM users WHERE role = 'host'", [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .is_ok_and(|n| n > 0)
}

/// Whether SQLite failed because the disk is full.
pub fn disk_full(e: &Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == rusqlite::ErrorCode::DiskFull
    )
}

/// The most reader connections open at once. Each holds its own page cache, so this bounds
/// memory; more readers would not help on a Pi's four cores anyway. Further readers wait.
const MAX_READERS: usize = 4;

pub struct Db {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Readers>,
    reader_returned: Condvar,
}

struct Readers {
    idle: Vec<Connection>,
    open: usize,
}

impl Db {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        // WAL lets the readers read while the writer writes; it is a property of the file.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        migrations::apply(&mut writer)?;
        Ok(Db {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Mutex::new(Readers {
                idle: Vec::new(),
                open: 0,
            }),
            reader_returned: Condvar::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` in one write transaction: either all of it is stored, or (on any error) none.
    /// Once this returns Ok, the change is on disk (synchronous=FULL), so it survives a crash or
    /// a power cut.
    pub fn write<T, E: From<rusqlite::Error>>(
        &self,
        f: impl FnOnce(&Transaction) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let mut conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` on a reader connection, inside one read transaction so it sees one snapshot.
    pub fn read<T, E: From<rusqlite::Error>>(
        &self,
        f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        let conn = self.take_reader()?;
        // (Cached statements: parsing BEGIN and COMMIT on every read was a few percent of an
        // API request.)
        let result = conn
            .prepare_cached("BEGIN")
            .and_then(|mut begin| begin.execute([]))
            .map_err(E::from)
            .and_then(|_| f(&conn));
        // A read transaction has nothing to commit; ending it releases the snapshot.
        let _ = conn
            .prepare_cached("COMMIT")
            .and_then(|mut commit| commit.execute([]));
        self.return_reader(conn);
        result
    }

    fn take_reader(&self) -> Result<Connection> {
        let mut readers = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = readers.idle.pop() {
                return Ok(conn);
            }
            if readers.open < MAX_READERS {
                readers.open += 1;
                drop(readers);
                return self.open_reader().inspect_err(|_| {
                    self.readers.lock().unwrap_or_else(|p| p.into_inner()).open -= 1;
                });
            }
            readers = self
                .reader_returned
                .wait(readers)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    fn return_reader(&self, conn: Connection) {
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .idle
            .push(conn);
        self.reader_returned.notify_one();
    }

    fn open_reader(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        // Readers see recent posts again and again; a small cache each is enough.
        conn.pragma_update(None, "cache_size", -1000)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// Writes a consistent, compacted copy of the database to `target` (which must not exist).
    /// Safe while the server runs: it reads one snapshot and never blocks writers for long.
    pub fn backup_to(&self, target: &Path) -> Result<()> {
        let conn = self.take_reader()?;
        let result = conn.execute("VACUUM INTO ?1", [target.to_string_lossy()]);
        self.return_reader(conn);
        result.map(|_| ())
    }

    /// Writes everything in the WAL into the database file and empties the WAL.
    pub fn checkpoint(&self) -> Result<()> {
        let conn = self.writer.lock().unwrap_or_else(|p| p.into_inner());
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
    }

    /// Whether the database takes a write now (the health check): an empty write transaction.
    pub fn write_probe(&self) -> Result<()> {
        self.write(|tx| tx.query_row("SELECT 1", [], |_| Ok(())))
    }

    /// SQLite's own consistency check; "ok" when the file is sound.
    pub fn integrity_check(&self) -> Result<String> {
        self.read(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
    }
}

impl Drop for Db {
    /// Closes the readers first, then empties the WAL through the writer: a read-only connection
    /// closing last cannot, and the next start would have to read the whole WAL again (measured:
    /// 30 ms after a large import).
    fn drop(&mut self) {
        self.readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .idle
            .clear();
        if let Err(e) = self.checkpoint() {
            log::warn!("could not empty the write-ahead log on close: {e}");
        }
    }
}

fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Plans must not depend on bound values: otherwise SQLite marks such statements to be
    // recompiled whenever their bindings are cleared, which the statement cache does after every
    // use (measured: a third of all the server's work went into recompiling).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA cache_size = -2000;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_size_limit = 4194304;",
    )?;
    Ok(())
}

/// Seconds since the Unix epoch, from the system clock.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Reads a setting (site name, code of conduct, member cap, keys…).
pub fn get_setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()
}

pub fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute([key, value])?;
    Ok(())
}

pub fn delete_setting(conn: &Connection, key: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM settings WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_migrates_and_reopens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        {
            let db = Db::open(&path).unwrap();
            db.write(|tx| set_setting(tx, "site_name", "Camp")).unwrap();
        }
        let db = Db::open(&path).unwrap();
        let name: Option<String> = db.read(|c| get_setting(c, "site_name")).unwrap();
        assert_eq!(name.as_deref(), Some("Camp"));
        assert_eq!(db.integrity_check().unwrap(), "ok");
        let version: i64 = db
            .read(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(version, migrations::latest());
        let mode: String = db
            .read(|c| c.query_row("PRAGMA journal_mode", [], |r| r.get(0)))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn closing_leaves_no_write_ahead_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let db = Db::open(&path).unwrap();
        db.write(|tx| set_setting(tx, "a", &"x".repeat(100_000)))
            .unwrap();
        let _ = db.read(|c| get_setting(c, "a")).unwrap();
        let wal = dir.path().join("p.db-wal");
        assert!(std::fs::metadata(&wal).unwrap().len() > 0);
        drop(db);
        let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        assert_eq!(left, 0, "the WAL is emptied on close");
    }

    #[test]
    fn backups_are_whole_copies() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.db")).unwrap();
        db.write(|tx| set_setting(tx, "site_name", "Camp")).unwrap();
        let copy = dir.path().join("copy.db");
        db.backup_to(&copy).unwrap();
        assert!(db.backup_to(&copy).is_err(), "never overwrites");
        let restored = Db::open(&copy).unwrap();
        assert_eq!(
            restored
                .read(|c| get_setting(c, "site_name"))
                .unwrap()
                .as_deref(),
            Some("Camp")
        );
    }

    #[test]
    fn many_readers_share_a_few_connections() {
        let dir = tempfile::tempdir().unwrap();
        let db = std::sync::Arc::new(Db::open(&dir.path().join("p.db")).unwrap());
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let db = db.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let n: i64 = db
                            .read(|c| c.query_row("SELECT 1", [], |r| r.get(0)))
                            .unwrap();
                        assert_eq!(n, 1);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let readers = db.readers.lock().unwrap();
        assert!(readers.open <= MAX_READERS && readers.idle.len() == readers.open);
    }

    #[test]
    fn a_failed_write_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("p.db")).unwrap();
        let result: std::result::Result<(), rusqlite::Error> = db.write(|tx| {
            set_setting(tx, "a", "1")?;
            Err(rusqlite::Error::QueryReturnedNoRows)
        });
        assert!(result.is_err());
        assert_eq!(db.read(|c| get_setting(c, "a")).unwrap(), None);
    }
}
