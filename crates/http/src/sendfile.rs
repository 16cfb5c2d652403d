//! Large files streamed to the browser (a member's archive can be a gigabyte): a handler names
//! the file in the `x-sendfile` header, as a web server's X-Sendfile lets an application do, and
//! the server sends it in 64 KiB chunks read on a blocking thread, never holding it whole. A
//! few chunks are buffered; a reader that goes away stops the reading.

use std::io::Read;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame};
use tokio::sync::mpsc;

/// The header a handler names its file in (removed before the response leaves).
pub(crate) const SEND_FILE: &str = "x-sendfile";

const CHUNK: usize = 64 * 1024;
const CHUNKS_BUFFERED: usize = 4;

/// A file's bytes, as they are read.
pub(crate) struct FileBody {
    chunks: mpsc::Receiver<std::io::Result<Bytes>>,
}

impl FileBody {
    /// Starts reading `path` on a blocking thread.
    pub(crate) fn start(path: PathBuf) -> FileBody {
        let (tx, rx) = mpsc::channel(CHUNKS_BUFFERED);
        tokio::task::spawn_blocking(move || {
            let mut file = match std::fs::File::open(&path) {
                Ok(f) => f,
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            loop {
                let mut chunk = vec![0; CHUNK];
                match file.read(&mut chunk) {
                    Ok(0) => return,
                    Ok(n) => {
                        chunk.truncate(n);
                        if tx.blocking_send(Ok(Bytes::from(chunk))).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                }
            }
        });
        FileBody { chunks: rx }
    }
}

impl Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.chunks
            .poll_recv(cx)
            .map(|chunk| chunk.map(|c| c.map(Frame::data)))
    }
}
