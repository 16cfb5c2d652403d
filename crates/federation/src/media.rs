//! The media proxy's cache: pictures attached to posts from other servers are fetched once,
//! through the SSRF guard and with a size cap, kept on disk, and served from this camp. Readers'
//! browsers never contact other servers (their addresses stay private), and a page's content
//! security policy stays `img-src 'self'`.

use std::path::{Path, PathBuf};

use porchlight_db::Db;
use porchlight_db::federation::{self as store, BlockLevel};

use crate::{FedError, Federation};

/// The largest picture passed on.
pub const MAX_MEDIA_BYTES: usize = 8 << 20;
/// When the cache grows past this, the least recently fetched pictures go.
pub const MAX_CACHE_BYTES: u64 = 256 << 20;

/// Whether an attachment of this media type is shown through the proxy: pictures of the kinds
/// it passes on, or a picture whose exact kind its server did not say (`image/*`). Video and
/// sound are never fetched by the camp.
pub fn proxied(media_type: &str) -> bool {
    crate::client::IMAGE_TYPES.contains(&media_type) || media_type == "image/*"
}

/// How old a temporary file must be before the cache takes it for a write cut short.
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

pub struct MediaCache {
    dir: PathBuf,
    max_total: u64,
}

/// A picture ready to serve.
pub struct Picture {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// Which of the camp's copies of a picture is wanted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    /// No larger than [`porchlight_core::media::LARGE_SIDE`]: the picture's own page, wide screens.
    Large,
    /// No larger than [`porchlight_core::media::SMALL_SIDE`]: timelines on a phone, apps'
    /// previews. The large copy when the picture is no larger than this already.
    Small,
}

/// What the camp keeps of a picture it fetched.
pub struct Fitted {
    pub large: Picture,
    /// `None` when the large copy is small enough, or the picture cannot be shrunk on the box.
    pub small: Option<Picture>,
}

fn name_for(url: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, url.as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl MediaCache {
    pub fn new(dir: &Path, max_total: u64) -> MediaCache {
        MediaCache {
            dir: dir.to_path_buf(),
            max_total,
        }
    }

    /// The picture at `url` in the size wanted: from the cache, or fetched and passed through
    /// `fit` (which makes the copies the camp shows) before they are kept. Refuses pictures
    /// from servers whose media the host rejected.
    pub fn get(
        &self,
        fed: &Federation,
        db: &Db,
        url: &str,
        size: Size,
        fit: &dyn Fn(Picture) -> Fitted,
    ) -> Result<Picture, FedError> {
        let host = porchlight_ap::inbound::host(url)
            .ok_or_else(|| FedError::Invalid("not a URL".into()))?;
        if let Some(block) = db.read(|c| store::block_for(c, &host))?
            && matches!(block.level, BlockLevel::RejectMedia | BlockLevel::Suspend)
        {
            return Err(FedError::Invalid(format!(
                "media from {host} is not shown here"
            )));
        }
        let large = name_for(url);
        let small = format!("{large}-small");
        // A small copy is kept only where it is smaller than the large one: without it, the
        // large one is the small one too. (Should the cache have let a small copy go, the large
        // one stands in until the picture is fetched again.)
        if size == Size::Small
            && let Some(picture) = self.kept(&small)
        {
            return Ok(picture);
        }
        if let Some(picture) = self.kept(&large) {
            return Ok(picture);
        }
        let (content_type, bytes) = fed.client.get_image(url, MAX_MEDIA_BYTES)?;
        let fitted = fit(Picture {
            content_type,
            bytes,
        });
        if let Err(e) = self.keep(&large, &fitted) {
            // Serving it matters more than keeping it.
            log::warn!("could not cache a picture in {}: {e}", self.dir.display());
        }
        Ok(match (size, fitted.small) {
            (Size::Small, Some(small)) => small,
            _ => fitted.large,
        })
    }

    /// Keeps a fetched picture's copies under `large` (and `large-small`). The small copy goes
    /// first: a large copy kept without a small one then means there is none, and one left
    /// from an earlier fetch goes.
    fn keep(&self, large: &str, fitted: &Fitted) -> std::io::Result<()> {
        let small = format!("{large}-small");
        match &fitted.small {
            Some(p) => self.store(&small, &p.content_type, &p.bytes),
            None => self.forget(&small),
        }?;
        self.store(large, &fitted.large.content_type, &fitted.large.bytes)
    }

    /// A copy kept under `name`, if the cache has it whole.
    fn kept(&self, name: &str) -> Option<Picture> {
        let bytes = std::fs::read(self.dir.join(name)).ok()?;
        let content_type = std::fs::read_to_string(self.dir.join(format!("{name}.type"))).ok()?;
        Some(Picture {
            content_type,
            bytes,
        })
    }

    /// Removes a kept copy, if there is one.
    fn forget(&self, name: &str) -> std::io::Result<()> {
        for path in [self.dir.join(name), self.dir.join(format!("{name}.type"))] {
            match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    fn store(&self, name: &str, content_type: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        // Written beside and renamed, so a reader never sees half a picture; the name is this
        // writer's own, as two readers may fetch the same picture at once.
        static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        for (file, contents) in [
            (format!("{name}.type"), content_type.as_bytes()),
            (name.to_string(), bytes),
        ] {
            let temporary = self.dir.join(format!(
                "{file}.{}.partial",
                WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            std::fs::write(&temporary, contents)?;
            std::fs::rename(&temporary, self.dir.join(file))?;
        }
        self.prune()
    }

    /// Removes the oldest pictures until the cache fits its size, and what a write cut short
    /// (the box lost power, say) left behind.
    fn prune(&self) -> std::io::Result<()> {
        let mut files = Vec::new();
        let mut total = 0u64;
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".partial") {
                // A write in progress is seconds old; one an hour old was cut short.
                let abandoned = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > ABANDONED_AFTER));
                if abandoned {
                    let _ = std::fs::remove_file(entry.path());
                }
                continue;
            }
            if name.contains('.') {
                continue;
            }
            let meta = entry.metadata()?;
            total += meta.len();
            files.push((meta.modified()?, meta.len(), name));
        }
        if total <= self.max_total {
            return Ok(());
        }
        files.sort();
        for (_, len, name) in files {
            if total <= self.max_total {
                break;
            }
            let _ = std::fs::remove_file(self.dir.join(&name));
            let _ = std::fs::remove_file(self.dir.join(format!("{name}.type")));
            total -= len;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(content_type: &str, bytes: &[u8]) -> Picture {
        Picture {
            content_type: content_type.into(),
            bytes: bytes.to_vec(),
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_fetch_that_makes_no_small_copy_removes_an_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path(), MAX_CACHE_BYTES);
        let name = name_for("https://elsewhere.example/photo.jpg");
        cache
            .keep(
                &name,
                &Fitted {
                    large: picture("image/jpeg", b"large, first fetch"),
                    small: Some(picture("image/jpeg", b"small, first fetch")),
                },
            )
            .unwrap();
        assert_eq!(
            cache.kept(&format!("{name}-small")).unwrap().bytes,
            b"small, first fetch"
        );
        // Fetched again (the cache had let the large copy go), and now small enough as it is.
        cache
            .keep(
                &name,
                &Fitted {
                    large: picture("image/png", b"second fetch"),
                    small: None,
                },
            )
            .unwrap();
        assert!(cache.kept(&format!("{name}-small")).is_none());
        let large = cache.kept(&name).unwrap();
        assert_eq!(large.bytes, b"second fetch");
        assert_eq!(large.content_type, "image/png");
        assert_eq!(
            names(dir.path()),
            vec![name.clone(), format!("{name}.type")]
        );
    }

    #[test]
    fn writers_of_one_picture_at_once_each_leave_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path(), MAX_CACHE_BYTES);
        let name = name_for("https://elsewhere.example/popular.png");
        // Each writer's own type, so that a type file made of two writes would show.
        let versions: Vec<(String, Vec<u8>)> = (0..8u8)
            .map(|i| (format!("image/x-writer-{i}"), vec![i; 64 << 10]))
            .collect();
        std::thread::scope(|s| {
            for (content_type, bytes) in &versions {
                let (cache, name) = (&cache, &name);
                s.spawn(move || {
                    for _ in 0..20 {
                        cache.store(name, content_type, bytes).unwrap();
                        // A reader meanwhile sees whole files: a type some writer wrote.
                        if let Some(seen) = cache.kept(name) {
                            assert!(seen.content_type.starts_with("image/x-writer-"));
                        }
                    }
                });
            }
        });
        let kept = cache.kept(&name).unwrap();
        assert!(
            versions.iter().any(|(_, bytes)| *bytes == kept.bytes),
            "a picture made of two writes"
        );
        assert!(
            versions.iter().any(|(t, _)| *t == kept.content_type),
            "a type made of two writes: {}",
            kept.content_type
        );
        assert_eq!(
            names(dir.path()),
            vec![name.clone(), format!("{name}.type")]
        );
    }

    #[test]
    fn the_oldest_pictures_go_first_and_a_write_cut_short_goes_when_old() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::new(dir.path(), 250);
        let old_partial = dir.path().join("abc.3.partial");
        let new_partial = dir.path().join("def.4.partial");
        std::fs::write(&old_partial, b"half a picture").unwrap();
        std::fs::write(&new_partial, b"being written").unwrap();
        let long_ago = std::time::SystemTime::now() - 2 * ABANDONED_AFTER;
        std::fs::File::options()
            .write(true)
            .open(&old_partial)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
        // Named against their age, so that going by name would fail.
        for (i, name) in ["zulu", "alpha", "mike"].iter().enumerate() {
            cache.store(name, "image/jpeg", &[0; 100]).unwrap();
            // Modification times apart, whatever the file system's resolution.
            let when = std::time::SystemTime::now() - std::time::Duration::from_secs(60 - i as u64);
            std::fs::File::options()
                .write(true)
                .open(dir.path().join(name))
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        cache.prune().unwrap();
        assert!(cache.kept("zulu").is_none(), "the oldest goes");
        assert!(cache.kept("alpha").is_some() && cache.kept("mike").is_some());
        assert!(!old_partial.exists());
        assert!(
            new_partial.exists(),
            "a write still under way is left alone"
        );
        assert!(!dir.path().join("zulu.type").exists());
    }
}
