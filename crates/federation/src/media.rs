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

pub struct MediaCache {
    dir: PathBuf,
    max_total: u64,
}

/// A picture ready to serve.
pub struct Picture {
    pub content_type: String,
    pub bytes: Vec<u8>,
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

    /// The picture at `url`: from the cache, or fetched and passed through `fit` (which makes
    /// it the size the camp shows) before it is kept. Refuses pictures from servers whose
    /// media the host rejected.
    pub fn get(
        &self,
        fed: &Federation,
        db: &Db,
        url: &str,
        fit: &dyn Fn(Picture) -> Picture,
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
        let name = name_for(url);
        let path = self.dir.join(&name);
        let type_path = self.dir.join(format!("{name}.type"));
        if let (Ok(bytes), Ok(content_type)) =
            (std::fs::read(&path), std::fs::read_to_string(&type_path))
        {
            return Ok(Picture {
                content_type,
                bytes,
            });
        }
        let (content_type, bytes) = fed.client.get_image(url, MAX_MEDIA_BYTES)?;
        let picture = fit(Picture {
            content_type,
            bytes,
        });
        if let Err(e) = self.store(&name, &picture.content_type, &picture.bytes) {
            // Serving it matters more than keeping it.
            log::warn!("could not cache a picture in {}: {e}", self.dir.display());
        }
        Ok(picture)
    }

    fn store(&self, name: &str, content_type: &str, bytes: &[u8]) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        // Written beside and renamed, so a reader never sees half a picture.
        let temporary = self.dir.join(format!("{name}.partial"));
        std::fs::write(&temporary, bytes)?;
        std::fs::write(self.dir.join(format!("{name}.type")), content_type)?;
        std::fs::rename(&temporary, self.dir.join(name))?;
        self.prune()
    }

    /// Removes the oldest pictures until the cache fits its size.
    fn prune(&self) -> std::io::Result<()> {
        let mut files = Vec::new();
        let mut total = 0u64;
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
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
