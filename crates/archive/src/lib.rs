//! A member's archive, in the format Mastodon exports (so that what leaves a camp can arrive on
//! Mastodon, GoToSocial, another camp, or anything that reads Mastodon's archives): a zip with
//! `actor.json`, `outbox.json` (an `OrderedCollection` of the member's activities, oldest
//! first), the pictures under `media_attachments/files/`, `likes.json` and `bookmarks.json`, and
//! Mastodon's CSV lists beside them (`lists`). No database, no network: the `app` crate reads
//! the camp and writes through [`Writer`], and reads an archive through [`Reader`].
//!
//! Both sides stream: the writer takes one activity and one picture at a time, and the reader
//! hands out one activity at a time from a parser that never holds the whole `outbox.json`, so
//! an archive of 10,000 posts and a gigabyte of pictures passes through a Pi in a few megabytes.
//! Everything read is bounded (entries, sizes as declared and as actually inflated, paths), so a
//! zip bomb or a path that climbs out is refused rather than obeyed.

pub mod lists;
mod outbox;

use std::io::{self, Read, Seek, Write};

use serde_json::Value;
use zip::ZipArchive;
use zip::write::{SimpleFileOptions, ZipWriter};

pub use outbox::OUTBOX_ITEM_MAX_BYTES;

/// The entries of an archive, by the names Mastodon gives them.
pub const ACTOR: &str = "actor.json";
pub const OUTBOX: &str = "outbox.json";
pub const LIKES: &str = "likes.json";
pub const BOOKMARKS: &str = "bookmarks.json";
/// Where pictures go, as Mastodon lays them out (the attachments' `url` is this path with a
/// leading `/`).
pub const MEDIA_FOLDER: &str = "media_attachments/files/";

/// The most entries an archive may have (10,000 posts with a few pictures each, and the rest).
pub const MAX_ENTRIES: u64 = 100_000;
/// The most its directory (the list of entries, read whole when it is opened) may take.
pub const MAX_DIRECTORY_BYTES: u64 = 32 * 1024 * 1024;
/// The most a small JSON entry (the actor, a bundle's `camp.json`) may inflate to: it is parsed
/// whole, and a parsed value takes many times its text.
pub const MAX_JSON_BYTES: u64 = 1024 * 1024;
/// The most `likes.json` or `bookmarks.json` may inflate to (read as a list of addresses).
pub const MAX_COLLECTION_BYTES: u64 = 2 * 1024 * 1024;
/// The most `outbox.json` may inflate to; it is parsed as it streams, never held.
pub const MAX_OUTBOX_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The most one picture may inflate to.
pub const MAX_MEDIA_BYTES: u64 = 16 * 1024 * 1024;
/// The most one CSV list may inflate to.
pub const MAX_CSV_BYTES: u64 = 16 * 1024 * 1024;

/// What is wrong with an archive, said so that its owner can act on it.
#[derive(Debug)]
pub enum ArchiveError {
    /// Not a zip, or a damaged one.
    NotAnArchive(String),
    /// An entry, or the whole, is larger than allowed (or inflates past what it declares).
    TooLarge(String),
    /// An entry is not what its name says (not JSON, not an activity collection…).
    Garbled(String),
    Io(io::Error),
}

impl std::fmt::Display for ArchiveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArchiveError::NotAnArchive(m)
            | ArchiveError::TooLarge(m)
            | ArchiveError::Garbled(m) => f.write_str(m),
            ArchiveError::Io(e) => write!(f, "could not read the archive: {e}"),
        }
    }
}

impl std::error::Error for ArchiveError {}

impl From<io::Error> for ArchiveError {
    fn from(e: io::Error) -> Self {
        ArchiveError::Io(e)
    }
}

fn zip_error(e: zip::result::ZipError) -> ArchiveError {
    match e {
        zip::result::ZipError::Io(e) => ArchiveError::Io(e),
        other => {
            ArchiveError::NotAnArchive(format!("this is not a readable zip archive ({other})"))
        }
    }
}

/// The `media_attachments/files/…` path a picture is kept under, from its file name here.
pub fn media_path(file_name: &str) -> String {
    format!("{MEDIA_FOLDER}{file_name}")
}

/// Writes an archive entry by entry. Entries are written whole, one after another (a zip is
/// sequential): the outbox between [`Writer::begin_outbox`] and [`Writer::end_outbox`], one
/// activity at a time, and the pictures after it.
pub struct Writer<W: Write + Seek> {
    zip: ZipWriter<W>,
    /// Activities written into the open outbox (a comma goes before every one but the first).
    outbox_items: Option<u64>,
}

impl<W: Write + Seek> Writer<W> {
    pub fn new(to: W) -> Writer<W> {
        Writer {
            zip: ZipWriter::new(to),
            outbox_items: None,
        }
    }

    fn deflated() -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(false)
    }

    /// A JSON entry (`actor.json`).
    pub fn json(&mut self, name: &str, value: &Value) -> io::Result<()> {
        self.zip.start_file(name, Self::deflated())?;
        serde_json::to_writer_pretty(&mut self.zip, value)?;
        Ok(())
    }

    /// A collection of ids (`likes.json`, `bookmarks.json`), as Mastodon writes them.
    pub fn id_collection(&mut self, name: &str, ids: &[String]) -> io::Result<()> {
        self.json(
            name,
            &serde_json::json!({
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": name,
                "type": "OrderedCollection",
                "orderedItems": ids,
            }),
        )
    }

    /// Opens `outbox.json`; `total` is how many activities will follow.
    pub fn begin_outbox(&mut self, total: u64) -> io::Result<()> {
        self.zip.start_file(OUTBOX, Self::deflated())?;
        write!(
            self.zip,
            "{{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"outbox.json\",\
             \"type\":\"OrderedCollection\",\"totalItems\":{total},\"orderedItems\":["
        )?;
        self.outbox_items = Some(0);
        Ok(())
    }

    /// One activity of the outbox (oldest first).
    pub fn outbox_item(&mut self, activity: &Value) -> io::Result<()> {
        let written = self
            .outbox_items
            .as_mut()
            .ok_or_else(|| io::Error::other("the outbox is not open"))?;
        if *written > 0 {
            self.zip.write_all(b",\n")?;
        } else {
            self.zip.write_all(b"\n")?;
        }
        *written += 1;
        serde_json::to_writer(&mut self.zip, activity)?;
        Ok(())
    }

    pub fn end_outbox(&mut self) -> io::Result<()> {
        if self.outbox_items.take().is_none() {
            return Err(io::Error::other("the outbox is not open"));
        }
        self.zip.write_all(b"\n]}\n")
    }

    /// A file as it is (pictures are compressed already: they are stored, not deflated).
    pub fn file(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        self.zip.start_file(name, stored)?;
        self.zip.write_all(bytes)
    }

    /// A file as it is, copied from `from` as it is read (a member's archive inside a Camp 2
    /// bundle: stored, never held whole).
    pub fn file_from(&mut self, name: &str, from: &mut impl Read) -> io::Result<u64> {
        let stored = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .large_file(true);
        self.zip.start_file(name, stored)?;
        io::copy(from, &mut self.zip)
    }

    /// A CSV entry: its rows (Mastodon's lists: see [`lists`]).
    pub fn csv(
        &mut self,
        name: &str,
        header: Option<&[&str]>,
        rows: &[Vec<String>],
    ) -> io::Result<()> {
        self.zip.start_file(name, Self::deflated())?;
        let mut out = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(&mut self.zip);
        if let Some(header) = header {
            out.write_record(header)?;
        }
        for row in rows {
            out.write_record(row)?;
        }
        out.flush()?;
        Ok(())
    }

    /// Writes the zip's directory; the archive is complete.
    pub fn finish(self) -> io::Result<W> {
        self.zip.finish().map_err(|e| match e {
            zip::result::ZipError::Io(e) => e,
            other => io::Error::other(other.to_string()),
        })
    }
}

/// Reads an archive, entry by entry, within the bounds above.
pub struct Reader<R: Read + Seek> {
    zip: ZipArchive<R>,
}

impl<R: Read + Seek> Reader<R> {
    /// Opens an archive: its directory is checked against the bounds before the zip library
    /// reads it whole.
    pub fn open(mut from: R) -> Result<Reader<R>, ArchiveError> {
        check_directory(&mut from)?;
        let zip = ZipArchive::new(from).map_err(zip_error)?;
        Ok(Reader { zip })
    }

    /// Whether the archive has an entry of this name.
    pub fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// An entry's bytes, at most `limit` of them (by what it declares and by what it inflates
    /// to). None if there is no such entry.
    pub fn bytes(&mut self, name: &str, limit: u64) -> Result<Option<Vec<u8>>, ArchiveError> {
        let mut bytes = Vec::new();
        let read = self.read_entry(name, limit, |chunk| {
            bytes.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(read.map(|_| bytes))
    }

    /// The names of the entries under `folder` (`members/`), in the archive's order.
    pub fn names_under(&self, folder: &str) -> Vec<String> {
        self.zip
            .file_names()
            .filter(|n| n.starts_with(folder) && n.len() > folder.len())
            .map(String::from)
            .collect()
    }

    /// Copies an entry into the file at `to`, at most `limit` bytes of it (by what it declares
    /// and by what it inflates to), as it is read. False if there is no such entry.
    pub fn copy_to(
        &mut self,
        name: &str,
        to: &std::path::Path,
        limit: u64,
    ) -> Result<bool, ArchiveError> {
        if !self.has(name) {
            return Ok(false);
        }
        let mut out = io::BufWriter::new(std::fs::File::create(to)?);
        self.read_entry(name, limit, |chunk| out.write_all(chunk))?;
        out.flush()?;
        Ok(true)
    }

    /// Every entry's name and the size it declares, in the archive's order.
    pub fn entries(&mut self) -> Vec<(String, u64)> {
        (0..self.zip.len())
            .filter_map(|i| {
                let entry = self.zip.by_index_raw(i).ok()?;
                Some((entry.name().to_string(), entry.size()))
            })
            .collect()
    }

    /// Hands `each` the entry's bytes as they are read, at most `limit` of them (by what it
    /// declares and by what it inflates to); returns how many there were, or None if there is
    /// no such entry.
    pub fn read_entry(
        &mut self,
        name: &str,
        limit: u64,
        mut each: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> Result<Option<u64>, ArchiveError> {
        let Some(index) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        let entry = self.zip.by_index(index).map_err(zip_error)?;
        if entry.size() > limit {
            return Err(ArchiveError::TooLarge(format!(
                "{name} is {} bytes; at most {limit} are read",
                entry.size()
            )));
        }
        let mut entry = entry.take(limit + 1);
        let mut buffer = vec![0u8; 64 * 1024];
        let mut total = 0u64;
        loop {
            let n = entry.read(&mut buffer)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(ArchiveError::TooLarge(format!(
                    "{name} inflates past {limit} bytes"
                )));
            }
            each(&buffer[..n])?;
        }
        Ok(Some(total))
    }

    /// A small JSON entry (`actor.json`, `likes.json`…), parsed.
    pub fn json(&mut self, name: &str) -> Result<Option<Value>, ArchiveError> {
        match self.bytes(name, MAX_JSON_BYTES)? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| ArchiveError::Garbled(format!("{name} is not JSON: {e}"))),
            None => Ok(None),
        }
    }

    /// The ids listed in a collection entry (`likes.json`, `bookmarks.json`), read straight
    /// into addresses (each an id, or an object with one), never into a whole parsed document.
    pub fn id_collection(&mut self, name: &str) -> Result<Vec<String>, ArchiveError> {
        let Some(bytes) = self.bytes(name, MAX_COLLECTION_BYTES)? else {
            return Ok(Vec::new());
        };
        #[derive(serde::Deserialize)]
        struct Collection {
            #[serde(rename = "orderedItems", alias = "items")]
            items: Vec<Item>,
        }
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Item {
            Id(String),
            Object { id: String },
            Other(serde::de::IgnoredAny),
        }
        let collection: Collection = serde_json::from_slice(&bytes)
            .map_err(|e| ArchiveError::Garbled(format!("{name} lists nothing readable: {e}")))?;
        Ok(collection
            .items
            .into_iter()
            .filter_map(|i| match i {
                Item::Id(id) | Item::Object { id } => Some(id),
                Item::Other(_) => None,
            })
            .collect())
    }

    /// Hands each activity of `outbox.json` to `each`, in order, as it is parsed; returns how
    /// many there were. `each` returns false to stop early. No outbox: 0.
    pub fn outbox(&mut self, each: impl FnMut(Value) -> bool) -> Result<u64, ArchiveError> {
        let Some(index) = self.zip.index_for_name(OUTBOX) else {
            return Ok(0);
        };
        let entry = self.zip.by_index(index).map_err(zip_error)?;
        if entry.size() > MAX_OUTBOX_BYTES {
            return Err(ArchiveError::TooLarge(format!(
                "{OUTBOX} is {} bytes; at most {MAX_OUTBOX_BYTES} are read",
                entry.size()
            )));
        }
        outbox::each_item(io::BufReader::new(entry.take(MAX_OUTBOX_BYTES)), each)
    }

    /// A picture the outbox points at (`/media_attachments/files/…`, or a whole address ending
    /// in such a path), by the path inside the archive. A path that climbs out or is absolute
    /// after its leading slash names nothing. None if the archive lacks it.
    pub fn media(&mut self, url: &str) -> Result<Option<Vec<u8>>, ArchiveError> {
        let Some(path) = media_entry(url) else {
            return Ok(None);
        };
        self.bytes(&path, MAX_MEDIA_BYTES)
    }
}

/// Refuses an archive whose directory is past the bounds, by what its end records say (the
/// zip library would read it whole, however large, before anything else can be checked).
fn check_directory<R: Read + Seek>(from: &mut R) -> Result<(), ArchiveError> {
    use std::io::SeekFrom;
    let length = from.seek(SeekFrom::End(0))?;
    // The end record is 22 bytes, with a comment of up to 65,535 after it.
    let tail_length = length.min(22 + 65_535);
    from.seek(SeekFrom::Start(length - tail_length))?;
    let mut tail = vec![0u8; tail_length as usize];
    from.read_exact(&mut tail)?;
    let u16_at = |b: &[u8], at: usize| u64::from(u16::from_le_bytes([b[at], b[at + 1]]));
    let u32_at = |b: &[u8], at: usize| {
        u64::from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]))
    };
    let u64_at = |b: &[u8], at: usize| {
        let mut n = [0u8; 8];
        n.copy_from_slice(&b[at..at + 8]);
        u64::from_le_bytes(n)
    };
    let end = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&at| tail[at..].starts_with(b"PK\x05\x06"));
    if let Some(at) = end {
        let (mut entries, mut size) = (u16_at(&tail, at + 10), u32_at(&tail, at + 12));
        // Zip64: the counts are in a record of their own, which a locator just before points at.
        if (entries == 0xFFFF || size == 0xFFFF_FFFF)
            && at >= 20
            && tail[at - 20..].starts_with(b"PK\x06\x07")
        {
            let record = u64_at(&tail, at - 20 + 8);
            let mut zip64 = [0u8; 56];
            if record + 56 <= length {
                from.seek(SeekFrom::Start(record))?;
                from.read_exact(&mut zip64)?;
                if zip64.starts_with(b"PK\x06\x06") {
                    entries = u64_at(&zip64, 32);
                    size = u64_at(&zip64, 40);
                }
            }
        }
        if entries > MAX_ENTRIES {
            return Err(ArchiveError::TooLarge(format!(
                "the archive says it has {entries} files; at most {MAX_ENTRIES} are read"
            )));
        }
        if size > MAX_DIRECTORY_BYTES {
            return Err(ArchiveError::TooLarge(format!(
                "the archive's list of files takes {size} bytes; at most {MAX_DIRECTORY_BYTES} are read"
            )));
        }
    }
    from.seek(SeekFrom::Start(0))?;
    Ok(())
}

/// The entry a picture's address names inside an archive, if it names a safe one.
pub fn media_entry(url: &str) -> Option<String> {
    let start = url.find(MEDIA_FOLDER)?;
    let path = &url[start..];
    let safe = path
        .split('/')
        .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'))
        && !path.contains(['?', '#', '\0']);
    safe.then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Cursor;

    fn written(items: u64) -> Vec<u8> {
        let mut w = Writer::new(Cursor::new(Vec::new()));
        w.json(ACTOR, &json!({ "id": "https://camp.example/users/ana" }))
            .unwrap();
        w.begin_outbox(items).unwrap();
        for n in 0..items {
            w.outbox_item(
                &json!({ "type": "Create", "object": { "content": format!("post {n}") } }),
            )
            .unwrap();
        }
        w.end_outbox().unwrap();
        w.id_collection(LIKES, &["https://x.example/1".into()])
            .unwrap();
        w.file(&media_path("abc.png"), b"not really a png").unwrap();
        w.csv("blocked_accounts.csv", None, &[vec!["bo@x.example".into()]])
            .unwrap();
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn what_is_written_reads_back_item_by_item() {
        let bytes = written(3);
        let mut r = Reader::open(Cursor::new(bytes)).unwrap();
        assert_eq!(
            r.json(ACTOR).unwrap().unwrap()["id"],
            "https://camp.example/users/ana"
        );
        let mut seen = Vec::new();
        let n = r
            .outbox(|item| {
                seen.push(item["object"]["content"].as_str().unwrap().to_string());
                true
            })
            .unwrap();
        assert_eq!(n, 3);
        assert_eq!(seen, ["post 0", "post 1", "post 2"]);
        assert_eq!(r.id_collection(LIKES).unwrap(), ["https://x.example/1"]);
        assert_eq!(
            r.media("/media_attachments/files/abc.png")
                .unwrap()
                .unwrap(),
            b"not really a png"
        );
        assert!(
            r.media("/media_attachments/files/missing.png")
                .unwrap()
                .is_none()
        );
        assert!(r.has("blocked_accounts.csv"));
        // The whole outbox parses as JSON too (what other tools do with it).
        let raw = r.bytes(OUTBOX, MAX_OUTBOX_BYTES).unwrap().unwrap();
        let doc: Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(doc["totalItems"], 3);
        assert_eq!(doc["orderedItems"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn an_empty_outbox_is_still_json() {
        let mut r = Reader::open(Cursor::new(written(0))).unwrap();
        assert_eq!(r.outbox(|_| true).unwrap(), 0);
        let raw = r.bytes(OUTBOX, MAX_OUTBOX_BYTES).unwrap().unwrap();
        serde_json::from_slice::<Value>(&raw).unwrap();
    }

    #[test]
    fn paths_that_climb_out_name_nothing() {
        for (url, entry) in [
            (
                "/media_attachments/files/1/2/original/a.jpg",
                Some("media_attachments/files/1/2/original/a.jpg"),
            ),
            (
                "https://old.example/system/media_attachments/files/a.jpg",
                Some("media_attachments/files/a.jpg"),
            ),
            ("/media_attachments/files/../../etc/passwd", None),
            ("/media_attachments/files/a/./b.jpg", None),
            ("/media_attachments/files//b.jpg", None),
            ("/media_attachments/files/a\\..\\b.jpg", None),
            ("/media_attachments/files/a.jpg?x=1", None),
            ("/elsewhere/a.jpg", None),
        ] {
            assert_eq!(media_entry(url).as_deref(), entry, "{url}");
        }
    }

    #[test]
    fn a_zip_bomb_is_refused_not_inflated() {
        // 64 MB of zeros deflate to a few tens of kilobytes.
        let mut w = Writer::new(Cursor::new(Vec::new()));
        w.zip
            .start_file(
                media_path("bomb.jpg"),
                Writer::<Cursor<Vec<u8>>>::deflated(),
            )
            .unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..64 {
            w.zip.write_all(&zeros).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        assert!(bytes.len() < 1024 * 1024);
        let mut r = Reader::open(Cursor::new(bytes)).unwrap();
        assert!(matches!(
            r.media("/media_attachments/files/bomb.jpg"),
            Err(ArchiveError::TooLarge(_))
        ));
    }

    #[test]
    fn a_directory_past_the_bounds_is_refused_before_it_is_read() {
        let mut bytes = written(1);
        // The end record's "size of the directory", claimed to be 2 GB.
        let end = bytes.windows(4).rposition(|w| w == b"PK\x05\x06").unwrap();
        bytes[end + 12..end + 16].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
        assert!(matches!(
            Reader::open(Cursor::new(bytes)),
            Err(ArchiveError::TooLarge(_))
        ));
    }

    #[test]
    fn a_collection_of_junk_keeps_only_addresses() {
        let mut w = Writer::new(Cursor::new(Vec::new()));
        w.json(
            LIKES,
            &json!({ "orderedItems": ["https://x.example/1", 7, { "id": "https://x.example/2" }, [1], null] }),
        )
        .unwrap();
        let mut r = Reader::open(Cursor::new(w.finish().unwrap().into_inner())).unwrap();
        assert_eq!(
            r.id_collection(LIKES).unwrap(),
            ["https://x.example/1", "https://x.example/2"]
        );
    }

    #[test]
    fn garbage_is_not_an_archive() {
        for junk in [&b""[..], b"PK\x03\x04garbage", b"{\"not\": \"a zip\"}"] {
            assert!(matches!(
                Reader::open(Cursor::new(junk.to_vec())),
                Err(ArchiveError::NotAnArchive(_))
            ));
        }
    }
}
