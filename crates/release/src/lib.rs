//! The box's release files (docs/UPDATES.md), with no knowledge of the camp.
//!
//! A release is a zip of one boot slot's files (kernel, initramfs with Porchlight in it, device
//! trees, overlays, kernel command line), stored uncompressed because each is compressed
//! already, with two entries first: `porchlight-release.txt`, a manifest naming the release's
//! version and every file with its size and SHA-256, and `porchlight-release.sig`, the
//! Ed25519 signature of the manifest's exact bytes by the release key. A box checks a file
//! completely (signature, version newer than the one running, no entry missing, extra or of
//! another size, every file's digest) before a byte of it is written anywhere, and checks the
//! digests again as it writes.

use std::fmt;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use porchlight_archive::{ArchiveError, Reader};
use ring::digest;
use ring::signature::{self, Ed25519KeyPair, KeyPair};
pub use semver::Version;

pub mod slots;

/// The manifest's name in the zip.
pub const MANIFEST: &str = "porchlight-release.txt";
/// The signature's name in the zip.
pub const SIGNATURE: &str = "porchlight-release.sig";
/// The manifest's first line: the format, so that a later one is refused by name.
pub const FORMAT_LINE: &str = "porchlight-release 1";
/// The files a slot cannot boot without.
pub const REQUIRED: [&str; 3] = ["vmlinuz", "initrd.zst", "cmdline.txt"];
/// Bounds on what is read from a file nobody has vouched for yet.
pub const MAX_MANIFEST_BYTES: u64 = 64 * 1024;
pub const MAX_FILES: usize = 200;
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;
pub const MAX_TOTAL_BYTES: u64 = 400 * 1024 * 1024;

/// Why a release file was refused; each says so in a sentence for the host.
#[derive(Debug)]
pub enum ReleaseError {
    /// Not a zip, or not one of ours.
    NotARelease(String),
    /// No signature, or one that is not the release key's.
    Unsigned,
    BadSignature,
    /// Signed, but not newer than what runs.
    NotNewer {
        offered: Version,
        running: Version,
    },
    /// Signed, but its files are not what the manifest says (cut short, changed, added to).
    Mismatch(String),
    TooLarge(String),
    Io(io::Error),
}

impl fmt::Display for ReleaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseError::NotARelease(why) => {
                write!(f, "this is not a Porchlight release file ({why})")
            }
            ReleaseError::Unsigned => write!(f, "this release file is not signed"),
            ReleaseError::BadSignature => write!(
                f,
                "this release file is not signed by Porchlight's release key (it was changed, or made by someone else)"
            ),
            ReleaseError::NotNewer { offered, running } => write!(
                f,
                "this is Porchlight {offered}, and the box already runs {running}: only a newer release is taken"
            ),
            ReleaseError::Mismatch(why) => {
                write!(f, "this release file is damaged or cut short ({why})")
            }
            ReleaseError::TooLarge(why) => write!(f, "this release file is too large ({why})"),
            ReleaseError::Io(e) => write!(f, "the release file could not be read or written: {e}"),
        }
    }
}

impl std::error::Error for ReleaseError {}

impl From<io::Error> for ReleaseError {
    fn from(e: io::Error) -> Self {
        ReleaseError::Io(e)
    }
}

fn archive_error(e: ArchiveError) -> ReleaseError {
    match e {
        ArchiveError::Io(e) => ReleaseError::Mismatch(e.to_string()),
        ArchiveError::TooLarge(why) => ReleaseError::TooLarge(why),
        other => ReleaseError::NotARelease(other.to_string()),
    }
}

/// The public half of a release key: what a box trusts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

impl PublicKey {
    /// A key file: 64 hexadecimal digits, with `#` comment lines allowed around them.
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        let hex: String = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let bytes = from_hex(&hex).ok_or("a release key is 64 hexadecimal digits")?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "a release key is 64 hexadecimal digits".to_string())?;
        Ok(PublicKey(key))
    }

    pub fn read(path: &Path) -> Result<PublicKey, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the release key {}: {e}", path.display()))?;
        PublicKey::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The key file's text.
    pub fn render(&self) -> String {
        format!("{}\n", to_hex(&self.0))
    }

    /// A short fingerprint to show (the first 16 digits of the key's SHA-256).
    pub fn fingerprint(&self) -> String {
        to_hex(digest::digest(&digest::SHA256, &self.0).as_ref())[..16].to_string()
    }

    fn verify(&self, message: &[u8], signature_bytes: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(&signature::ED25519, &self.0)
            .verify(message, signature_bytes)
            .is_ok()
    }
}

/// The private half, held only where releases are made.
pub struct SigningKey(Ed25519KeyPair);

impl SigningKey {
    /// A new key, as the PKCS#8 document to keep (secretly) in a file.
    pub fn generate() -> Result<Vec<u8>, String> {
        let rng = ring::rand::SystemRandom::new();
        Ed25519KeyPair::generate_pkcs8(&rng)
            .map(|doc| doc.as_ref().to_vec())
            .map_err(|_| "cannot make a key: no randomness".to_string())
    }

    pub fn from_pkcs8(document: &[u8]) -> Result<SigningKey, String> {
        Ed25519KeyPair::from_pkcs8(document)
            .map(SigningKey)
            .map_err(|_| "not an Ed25519 private key in PKCS#8".to_string())
    }

    pub fn public(&self) -> PublicKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.0.public_key().as_ref());
        PublicKey(key)
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).as_ref().to_vec()
    }
}

/// One file of a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

/// What a release holds, as its signed manifest says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub version: Version,
    pub files: Vec<FileEntry>,
}

impl Manifest {
    pub fn render(&self) -> String {
        let mut text = format!("{FORMAT_LINE}\nversion {}\n", self.version);
        for file in &self.files {
            text.push_str(&format!(
                "file {} {} {}\n",
                file.name, file.size, file.sha256
            ));
        }
        text
    }

    /// Reads a manifest strictly: the format line, one version, then only file lines, each
    /// with a safe name, named once.
    pub fn parse(text: &str) -> Result<Manifest, ReleaseError> {
        let garbled = |why: String| ReleaseError::NotARelease(why);
        let mut lines = text.lines();
        if lines.next() != Some(FORMAT_LINE) {
            return Err(garbled(format!(
                "its manifest does not start with «{FORMAT_LINE}»"
            )));
        }
        let version = lines
            .next()
            .and_then(|l| l.strip_prefix("version "))
            .and_then(|v| Version::parse(v).ok())
            .ok_or_else(|| garbled("its manifest names no version".into()))?;
        let mut files: Vec<FileEntry> = Vec::new();
        for line in lines {
            let parts: Vec<&str> = line.split(' ').collect();
            let [kind, name, size, sha256] = parts[..] else {
                return Err(garbled(format!(
                    "its manifest has a line it does not know: «{line}»"
                )));
            };
            let size: u64 = size
                .parse()
                .map_err(|_| garbled(format!("{name} has no size")))?;
            if kind != "file"
                || !safe_name(name)
                || sha256.len() != 64
                || from_hex(sha256).is_none()
                || name == MANIFEST
                || name == SIGNATURE
            {
                return Err(garbled(format!(
                    "its manifest has a line it does not know: «{line}»"
                )));
            }
            if files.iter().any(|f| f.name == name) {
                return Err(garbled(format!("its manifest names {name} twice")));
            }
            if files.len() == MAX_FILES {
                return Err(ReleaseError::TooLarge(format!(
                    "more than {MAX_FILES} files"
                )));
            }
            files.push(FileEntry {
                name: name.to_string(),
                size,
                sha256: sha256.to_string(),
            });
        }
        for required in REQUIRED {
            if !files.iter().any(|f| f.name == required) {
                return Err(garbled(format!("it has no {required}")));
            }
        }
        let total: u64 = files.iter().map(|f| f.size).sum();
        if files.iter().any(|f| f.size > MAX_FILE_BYTES) || total > MAX_TOTAL_BYTES {
            return Err(ReleaseError::TooLarge(format!(
                "its files take {total} bytes; at most {MAX_TOTAL_BYTES} are taken"
            )));
        }
        Ok(Manifest { version, files })
    }

    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

/// A name a slot may hold: one file, or one file in one folder (`overlays/…`), of letters,
/// digits, `.`, `_`, `+` and `-`, never `.` or `..`.
pub fn safe_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    name.len() <= 100
        && (1..=2).contains(&parts.len())
        && parts.iter().all(|part| {
            !part.is_empty()
                && *part != "."
                && *part != ".."
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-'))
        })
}

/// Makes a release of the slot folder `from` (its files, and the files of its folders one
/// level down), signed with `key`, into the file `to`. The same folder gives the same bytes.
pub fn make(from: &Path, version: &Version, key: &SigningKey, to: &Path) -> io::Result<Manifest> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() {
            for inner in std::fs::read_dir(entry.path())? {
                let inner = inner?;
                if inner.file_type()?.is_file() {
                    names.push(format!("{name}/{}", inner.file_name().to_string_lossy()));
                }
            }
        } else {
            names.push(name);
        }
    }
    names.sort();
    let mut files = Vec::new();
    for name in &names {
        if !safe_name(name) {
            return Err(io::Error::other(format!(
                "{name}: not a name a slot may hold"
            )));
        }
        let (size, sha256) = digest_of(&mut std::fs::File::open(from.join(name))?)?;
        files.push(FileEntry {
            name: name.clone(),
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        version: version.clone(),
        files,
    };
    let text = manifest.render();
    Manifest::parse(&text).map_err(|e| io::Error::other(e.to_string()))?;
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let partial = to.with_extension("partial");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&partial)?);
    let zip_error = |e: zip::result::ZipError| io::Error::other(e.to_string());
    zip.start_file(MANIFEST, options).map_err(zip_error)?;
    zip.write_all(text.as_bytes())?;
    zip.start_file(SIGNATURE, options).map_err(zip_error)?;
    zip.write_all(&key.sign(text.as_bytes()))?;
    for name in &names {
        zip.start_file(name.as_str(), options).map_err(zip_error)?;
        io::copy(&mut std::fs::File::open(from.join(name))?, &mut zip)?;
    }
    zip.finish().map_err(zip_error)?.sync_all()?;
    std::fs::rename(&partial, to)?;
    Ok(manifest)
}

/// Checks a release file completely without writing anything: signed by `key`, newer than
/// `running`, exactly the files its manifest names, each of its size and digest.
pub fn check(path: &Path, key: &PublicKey, running: &Version) -> Result<Manifest, ReleaseError> {
    let mut reader = open(path)?;
    let manifest = signed_manifest(&mut reader, key)?;
    if manifest.version <= *running {
        return Err(ReleaseError::NotNewer {
            offered: manifest.version,
            running: running.clone(),
        });
    }
    let mut entries = reader.entries();
    entries.retain(|(name, _)| name != MANIFEST && name != SIGNATURE);
    if entries.len() != manifest.files.len() {
        return Err(ReleaseError::Mismatch(format!(
            "it holds {} files where its manifest names {}",
            entries.len(),
            manifest.files.len()
        )));
    }
    for file in &manifest.files {
        match entries.iter().find(|(name, _)| *name == file.name) {
            Some((_, size)) if *size == file.size => {}
            Some((_, size)) => {
                return Err(ReleaseError::Mismatch(format!(
                    "{} is {size} bytes where its manifest says {}",
                    file.name, file.size
                )));
            }
            None => return Err(ReleaseError::Mismatch(format!("{} is missing", file.name))),
        }
        copy_checked(&mut reader, file, &mut io::sink())?;
    }
    Ok(manifest)
}

/// Writes the files of a release that [`check`] passed into the folder `into` (made if need
/// be), checking each digest again as it goes and syncing each file; `progress` hears the
/// bytes written so far and the total. On any error the caller removes `into`.
pub fn extract(
    path: &Path,
    key: &PublicKey,
    into: &Path,
    mut progress: impl FnMut(u64, u64),
) -> Result<Manifest, ReleaseError> {
    let mut reader = open(path)?;
    let manifest = signed_manifest(&mut reader, key)?;
    let total = manifest.total_bytes();
    let mut done = 0u64;
    std::fs::create_dir_all(into)?;
    for file in &manifest.files {
        let target: PathBuf = into.join(&file.name);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let mut out = std::fs::File::create(&target)?;
        {
            let mut counting = Counting {
                inner: &mut out,
                done: &mut done,
                total,
                progress: &mut progress,
            };
            copy_checked(&mut reader, file, &mut counting)?;
        }
        out.sync_all()?;
    }
    Ok(manifest)
}

struct Counting<'a, W: Write, P: FnMut(u64, u64)> {
    inner: &'a mut W,
    done: &'a mut u64,
    total: u64,
    progress: &'a mut P,
}

impl<W: Write, P: FnMut(u64, u64)> Write for Counting<'_, W, P> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        *self.done += n as u64;
        (self.progress)(*self.done, self.total);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn open(path: &Path) -> Result<Reader<std::fs::File>, ReleaseError> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Err(ReleaseError::NotARelease("the file is empty".into()));
    }
    Reader::open(file).map_err(archive_error)
}

fn signed_manifest<R: Read + Seek>(
    reader: &mut Reader<R>,
    key: &PublicKey,
) -> Result<Manifest, ReleaseError> {
    let text = reader
        .bytes(MANIFEST, MAX_MANIFEST_BYTES)
        .map_err(archive_error)?
        .ok_or_else(|| ReleaseError::NotARelease(format!("it has no {MANIFEST}")))?;
    let signature_bytes = reader
        .bytes(SIGNATURE, 64)
        .map_err(|_| ReleaseError::BadSignature)?
        .ok_or(ReleaseError::Unsigned)?;
    if !key.verify(&text, &signature_bytes) {
        return Err(ReleaseError::BadSignature);
    }
    let text = String::from_utf8(text)
        .map_err(|_| ReleaseError::NotARelease("its manifest is not text".into()))?;
    Manifest::parse(&text)
}

/// Copies one entry into `to`, failing unless it has exactly the manifest's size and digest.
fn copy_checked<R: Read + Seek>(
    reader: &mut Reader<R>,
    file: &FileEntry,
    to: &mut impl Write,
) -> Result<(), ReleaseError> {
    let mut context = digest::Context::new(&digest::SHA256);
    let read = reader
        .read_entry(&file.name, file.size, |chunk| {
            context.update(chunk);
            to.write_all(chunk)
        })
        .map_err(archive_error)?
        .ok_or_else(|| ReleaseError::Mismatch(format!("{} is missing", file.name)))?;
    if read != file.size || to_hex(context.finish().as_ref()) != file.sha256 {
        return Err(ReleaseError::Mismatch(format!(
            "{} is not the file its manifest names",
            file.name
        )));
    }
    Ok(())
}

fn digest_of(from: &mut impl Read) -> io::Result<(u64, String)> {
    let mut context = digest::Context::new(&digest::SHA256);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = from.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        context.update(&buffer[..n]);
    }
    Ok((size, to_hex(context.finish().as_ref())))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests;
