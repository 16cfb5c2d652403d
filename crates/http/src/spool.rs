//! Large files sent with a form (an archive to bring in, a backup to restore) are written to
//! the data folder as they arrive, never held in memory: multer reads the multipart body as it
//! streams in, the form's short fields are kept (its form token among them), and each file part
//! goes to a file of its own under `incoming/`. A file is deleted when the request is done with
//! it, unless its handler moved it somewhere to keep.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use http_body_util::BodyStream;
use hyper::body::Incoming;
use tokio::io::AsyncWriteExt;

/// The forms whose files are spooled to disk.
pub(crate) fn spools(path: &str) -> bool {
    path == "/settings/import"
        || path == "/admin/fork/import"
        || path == "/admin/update"
        || (path.starts_with("/setup/") && path.ends_with("/restore"))
}

/// The largest such form (an archive of years of pictures, a camp's backup). Bounded, and its
/// declared length checked before anything is written.
pub(crate) const MAX_SPOOLED_BYTES: usize = 4 * 1024 * 1024 * 1024;

/// The longest short field of such a form.
const MAX_FIELD_BYTES: u64 = 64 * 1024;

/// A file part of a form, on disk. Deleted when the last handle on it goes.
#[derive(Debug)]
pub struct SpooledFile {
    /// The form field it came in.
    pub field: String,
    /// The name the browser gave it.
    pub file_name: String,
    pub path: PathBuf,
    pub size: u64,
}

impl Drop for SpooledFile {
    fn drop(&mut self) {
        // Gone already if the handler moved it to keep.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The short fields of the form.
pub(crate) type Fields = Vec<(String, String)>;

/// Why a spooled form could not be read: too large, or malformed or cut off.
pub(crate) enum SpoolError {
    TooLarge,
    Unreadable(String),
}

/// Reads a multipart body into its short fields and its files under `folder`.
/// `name` gives each file a name no other has.
pub(crate) async fn read(
    body: Incoming,
    content_type: &str,
    folder: &Path,
    limit: usize,
    mut name: impl FnMut() -> String,
) -> Result<(Fields, Vec<Arc<SpooledFile>>), SpoolError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| SpoolError::Unreadable(format!("no boundary: {e}")))?;
    let stream = BodyStream::new(body).filter_map(|frame| async move {
        match frame {
            Ok(frame) => frame.into_data().ok().map(Ok),
            Err(e) => Some(Err(e)),
        }
    });
    let constraints =
        multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(limit as u64));
    let mut parts = multer::Multipart::with_constraints(stream, boundary, constraints);
    tokio::fs::create_dir_all(folder)
        .await
        .map_err(|e| SpoolError::Unreadable(format!("cannot make {}: {e}", folder.display())))?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    let too_large = |e: &multer::Error| {
        matches!(
            e,
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. }
        )
    };
    let failed = |e: multer::Error| {
        if too_large(&e) {
            SpoolError::TooLarge
        } else {
            SpoolError::Unreadable(e.to_string())
        }
    };
    while let Some(mut field) = parts.next_field().await.map_err(failed)? {
        let field_name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let path = folder.join(format!("{}.part", name()));
                // Made before the first byte is written, so a failure midway leaves nothing.
                let mut spooled = SpooledFile {
                    field: field_name,
                    file_name,
                    path,
                    size: 0,
                };
                let mut file = tokio::fs::File::create(&spooled.path)
                    .await
                    .map_err(|e| SpoolError::Unreadable(format!("cannot write: {e}")))?;
                while let Some(chunk) = field.chunk().await.map_err(failed)? {
                    file.write_all(&chunk)
                        .await
                        .map_err(|e| SpoolError::Unreadable(format!("cannot write: {e}")))?;
                    spooled.size += chunk.len() as u64;
                }
                file.sync_all()
                    .await
                    .map_err(|e| SpoolError::Unreadable(format!("cannot write: {e}")))?;
                files.push(Arc::new(spooled));
            }
            None => {
                let mut text = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(failed)? {
                    if (text.len() + chunk.len()) as u64 > MAX_FIELD_BYTES {
                        return Err(SpoolError::TooLarge);
                    }
                    text.extend_from_slice(&chunk);
                }
                fields.push((field_name, String::from_utf8_lossy(&text).into_owned()));
            }
        }
    }
    Ok((fields, files))
}
