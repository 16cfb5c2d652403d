//! Backups that leave the card, sealed with a passphrase the host chooses, so that a lost file
//! is not a leaked camp. The key comes from the passphrase by Argon2id (the library the
//! passwords use), with a random salt; the file is encrypted with ChaCha20-Poly1305 (ring) in
//! 64 KiB chunks by the STREAM construction (Hoang, Reyhanitabar, Rogaway and Vizár, 2015; the
//! one `age` uses): each chunk's nonce is its number and whether it is the last, so a chunk
//! changed, moved, dropped or cut off, or a file truncated anywhere, does not open. Both ways
//! stream through a file, a chunk at a time, whatever the camp's size.
//!
//! The file: `PORCHLIGHT-SEALED-1\n`, Argon2id's memory (KiB), passes and lanes (each a u32,
//! big-endian), the 16-byte salt, then the chunks (each its ciphertext and 16-byte tag; the last
//! may be empty).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

pub const MAGIC: &[u8] = b"PORCHLIGHT-SEALED-1\n";
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const SALT: usize = 16;
/// Argon2id as OWASP recommends it for a passphrase: 19 MiB, two passes, one lane.
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;
/// What a sealed file may ask of the one who opens it (a crafted file must not take the box's
/// memory or an hour).
const MAX_MEMORY_KIB: u32 = 64 * 1024;
const MAX_PASSES: u32 = 10;
const MAX_LANES: u32 = 8;
/// The shortest passphrase taken.
pub const MIN_PASSPHRASE: usize = 10;

/// Why a file could not be sealed or opened.
#[derive(Debug)]
pub enum SealError {
    /// Not a sealed file at all.
    NotSealed,
    /// The passphrase is not the one it was sealed with, or the file was changed or damaged.
    WrongPassphrase,
    /// The file ends before its last chunk.
    Truncated,
    /// The passphrase is right, but a later part of the file was changed or cut off.
    Damaged,
    /// A passphrase too short to protect a camp.
    WeakPassphrase,
    Io(std::io::Error),
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealError::NotSealed => f.write_str("this is not a sealed Porchlight backup"),
            SealError::WrongPassphrase => f.write_str(
                "the passphrase does not open this backup (or the file was changed or damaged)",
            ),
            SealError::Truncated => f.write_str("the backup is cut short: part of it is missing"),
            SealError::Damaged => {
                f.write_str("the backup is damaged: changed or cut short after it was sealed")
            }
            SealError::WeakPassphrase => write!(
                f,
                "a passphrase needs at least {MIN_PASSPHRASE} characters: a lost file must not be a leaked camp"
            ),
            SealError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl From<std::io::Error> for SealError {
    fn from(e: std::io::Error) -> Self {
        SealError::Io(e)
    }
}

/// Whether these bytes start a sealed file.
pub fn is_sealed(start: &[u8]) -> bool {
    start.starts_with(MAGIC)
}

fn key(
    passphrase: &str,
    salt: &[u8],
    memory: u32,
    passes: u32,
    lanes: u32,
) -> Result<LessSafeKey, SealError> {
    let params =
        argon2::Params::new(memory, passes, lanes, Some(32)).map_err(|_| SealError::NotSealed)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut bytes = [0u8; 32];
    argon
        .hash_password_into(passphrase.as_bytes(), salt, &mut bytes)
        .map_err(|_| SealError::NotSealed)?;
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| SealError::NotSealed)?;
    Ok(LessSafeKey::new(unbound))
}

fn nonce(counter: u64, last: bool) -> Nonce {
    let mut bytes = [0u8; 12];
    bytes[3..11].copy_from_slice(&counter.to_be_bytes());
    bytes[11] = u8::from(last);
    Nonce::assume_unique_for_key(bytes)
}

/// Fills `buf` as far as the reader goes; returns how much it filled.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Writes out what is buffered and syncs the file.
fn synced(out: BufWriter<File>) -> Result<(), SealError> {
    out.into_inner()
        .map_err(|e| SealError::Io(e.into_error()))?
        .sync_all()?;
    Ok(())
}

/// Seals the file at `plain` into `sealed` with `passphrase`.
pub fn seal(plain: &Path, sealed: &Path, passphrase: &str) -> Result<(), SealError> {
    if passphrase.chars().count() < MIN_PASSPHRASE {
        return Err(SealError::WeakPassphrase);
    }
    let mut salt = [0u8; SALT];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| SealError::Io(std::io::Error::other("no randomness")))?;
    let key = key(passphrase, &salt, MEMORY_KIB, PASSES, LANES)?;
    let mut input = BufReader::new(File::open(plain)?);
    let mut out = BufWriter::new(File::create(sealed)?);
    out.write_all(MAGIC)?;
    for n in [MEMORY_KIB, PASSES, LANES] {
        out.write_all(&n.to_be_bytes())?;
    }
    out.write_all(&salt)?;
    let mut counter = 0u64;
    loop {
        let mut chunk = vec![0u8; CHUNK];
        let n = read_up_to(&mut input, &mut chunk)?;
        chunk.truncate(n);
        // The last chunk is the one after which nothing is left (possibly empty).
        let last = n < CHUNK || input.fill_buf()?.is_empty();
        key.seal_in_place_append_tag(nonce(counter, last), Aad::empty(), &mut chunk)
            .map_err(|_| SealError::Io(std::io::Error::other("encryption failed")))?;
        out.write_all(&chunk)?;
        if last {
            break;
        }
        counter += 1;
    }
    synced(out)
}

/// Opens the sealed file at `sealed` into `plain` with `passphrase`. Nothing half-opened is
/// left at `plain` when it fails.
pub fn unseal(sealed: &Path, plain: &Path, passphrase: &str) -> Result<(), SealError> {
    let result = unseal_into(sealed, plain, passphrase);
    if result.is_err() {
        let _ = std::fs::remove_file(plain);
    }
    result
}

fn unseal_into(sealed: &Path, plain: &Path, passphrase: &str) -> Result<(), SealError> {
    let mut input = BufReader::new(File::open(sealed)?);
    let mut header = vec![0u8; MAGIC.len() + 12 + SALT];
    if read_up_to(&mut input, &mut header)? < header.len() || !is_sealed(&header) {
        return Err(SealError::NotSealed);
    }
    let number = |at: usize| {
        let start = MAGIC.len() + at * 4;
        u32::from_be_bytes([
            header[start],
            header[start + 1],
            header[start + 2],
            header[start + 3],
        ])
    };
    let (memory, passes, lanes) = (number(0), number(1), number(2));
    if memory > MAX_MEMORY_KIB || passes > MAX_PASSES || lanes > MAX_LANES {
        return Err(SealError::NotSealed);
    }
    let key = key(
        passphrase,
        &header[MAGIC.len() + 12..],
        memory,
        passes,
        lanes,
    )?;
    let mut out = BufWriter::new(File::create(plain)?);
    let mut counter = 0u64;
    loop {
        let mut chunk = vec![0u8; CHUNK + TAG];
        let n = read_up_to(&mut input, &mut chunk)?;
        if n < TAG {
            return Err(SealError::Truncated);
        }
        chunk.truncate(n);
        let last = n < CHUNK + TAG || input.fill_buf()?.is_empty();
        // Kept to tell a cut file from a wrong passphrase, should this chunk not open.
        let sealed_chunk = (last && n == CHUNK + TAG).then(|| chunk.clone());
        let opened = key
            .open_in_place(nonce(counter, last), Aad::empty(), &mut chunk)
            .map_err(|_| {
                // A file cut at a chunk's end reads as a last chunk that was not sealed as one:
                // it opens as the middle chunk it was.
                let cut_at_a_chunk = sealed_chunk.is_some_and(|mut copy| {
                    key.open_in_place(nonce(counter, false), Aad::empty(), &mut copy)
                        .is_ok()
                });
                if cut_at_a_chunk {
                    SealError::Truncated
                } else if counter == 0 {
                    SealError::WrongPassphrase
                } else {
                    SealError::Damaged
                }
            })?;
        out.write_all(opened)?;
        if last {
            break;
        }
        counter += 1;
    }
    synced(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASS: &str = "correct horse battery";

    fn round_trip(size: usize) {
        let dir = tempfile::tempdir().unwrap();
        let (plain, sealed, back) = (
            dir.path().join("p"),
            dir.path().join("s"),
            dir.path().join("b"),
        );
        let bytes: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(&plain, &bytes).unwrap();
        seal(&plain, &sealed, PASS).unwrap();
        let sealed_bytes = std::fs::read(&sealed).unwrap();
        assert!(is_sealed(&sealed_bytes));
        if size > 64 {
            assert!(
                !sealed_bytes.windows(64).any(|w| w == &bytes[..64]),
                "the plain bytes do not show"
            );
        }
        unseal(&sealed, &back, PASS).unwrap();
        assert_eq!(std::fs::read(&back).unwrap(), bytes, "{size} bytes");
    }

    #[test]
    fn what_is_sealed_opens_whole_at_every_size() {
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            round_trip(size);
        }
    }

    #[test]
    fn a_wrong_passphrase_a_change_or_a_cut_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let (plain, sealed, back) = (
            dir.path().join("p"),
            dir.path().join("s"),
            dir.path().join("b"),
        );
        std::fs::write(&plain, vec![42u8; 2 * CHUNK + 100]).unwrap();
        seal(&plain, &sealed, PASS).unwrap();
        let good = std::fs::read(&sealed).unwrap();
        assert!(matches!(
            unseal(&sealed, &back, "not the passphrase"),
            Err(SealError::WrongPassphrase)
        ));
        assert!(!back.exists(), "nothing half-opened is left");
        let header = MAGIC.len() + 12 + SALT;
        let cases: Vec<(Vec<u8>, &str)> = vec![
            // A byte changed in the second chunk.
            (
                {
                    let mut b = good.clone();
                    b[header + CHUNK + TAG + 5] ^= 1;
                    b
                },
                "changed",
            ),
            // Cut at the end of the second chunk: it was not sealed as a last chunk.
            (
                good[..header + 2 * (CHUNK + TAG)].to_vec(),
                "cut at a chunk",
            ),
            // Cut in the middle.
            (good[..header + CHUNK + 100].to_vec(), "cut mid-chunk"),
            (good[..header + 10].to_vec(), "cut in the first chunk"),
        ];
        for (bytes, what) in cases {
            std::fs::write(&sealed, &bytes).unwrap();
            let error = unseal(&sealed, &back, PASS).unwrap_err();
            assert!(
                !matches!(error, SealError::WrongPassphrase),
                "{what}: the right passphrase is never said to be wrong ({error})"
            );
            assert!(!back.exists(), "{what}: nothing half-opened is left");
        }
        for junk in [
            &b""[..],
            b"SQLite format 3\0",
            b"PORCHLIGHT-SEALED-1\n\xff\xff\xff\xff",
        ] {
            std::fs::write(&sealed, junk).unwrap();
            assert!(matches!(
                unseal(&sealed, &back, PASS),
                Err(SealError::NotSealed)
            ));
        }
        assert!(matches!(
            seal(&plain, &sealed, "short"),
            Err(SealError::WeakPassphrase)
        ));
    }
}
