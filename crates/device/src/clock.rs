//! Keeping the clock on a box with no battery clock: a Raspberry Pi starts in 1970 (or wherever
//! its last shutdown left a fake clock). The appliance asks SNTP servers for the time, and
//! keeps the last time it knew to be right as a floor in the data folder, so that it can tell a
//! clock that is surely wrong (earlier than the floor) from one that may be right. Until the
//! clock is trusted, signing for other servers and certificates wait; local posting goes on.

use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// No Porchlight ran before this (2026-01-01): a clock earlier than it is wrong.
pub const BUILD_FLOOR: u64 = 1_767_225_600;

/// Asks one SNTP server for the time. Returns what the time is now, by that server.
pub fn query(server: SocketAddr, timeout: Duration) -> Result<SystemTime, String> {
    let local = if server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let socket = UdpSocket::bind(local).map_err(|e| format!("cannot open a UDP socket: {e}"))?;
    socket
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    let socket = sntpc_net_std::UdpSocketWrapper::new(socket);
    let context = sntpc::NtpContext::new(sntpc::StdTimestampGen::default());
    let result = sntpc::sync::get_time(server, &socket, context)
        .map_err(|e| format!("no time from {server}: {e:?}"))?;
    // The offset (microseconds) is how far our clock is behind the server's.
    let offset = result.offset();
    let now = SystemTime::now();
    Ok(if offset >= 0 {
        now + Duration::from_micros(offset as u64)
    } else {
        now - Duration::from_micros(offset.unsigned_abs())
    })
}

/// The last time known to be right, kept in a file.
pub struct Floor {
    path: PathBuf,
}

impl Floor {
    pub fn new(data: &Path) -> Floor {
        Floor {
            path: data.join("clock-floor"),
        }
    }

    pub fn get(&self) -> Option<SystemTime> {
        let text = std::fs::read_to_string(&self.path).ok()?;
        let secs: u64 = text.trim().parse().ok()?;
        Some(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// Records `time` (only ever moving forward), written beside and renamed into place.
    pub fn raise(&self, time: SystemTime) -> std::io::Result<()> {
        let secs = time
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        if self.get().is_some_and(|f| f >= time) {
            return Ok(());
        }
        let temporary = self.path.with_extension("new");
        std::fs::write(&temporary, format!("{secs}\n"))?;
        std::fs::rename(&temporary, &self.path)
    }
}

/// Whether a clock reading can be right: not before the build floor, nor before the last time
/// known to be right (a minute of slack for a clock that was set back a little).
pub fn plausible(now: SystemTime, floor: Option<SystemTime>) -> bool {
    let since_epoch = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    since_epoch >= BUILD_FLOOR && floor.is_none_or(|f| now + Duration::from_secs(60) >= f)
}

/// A one-answer SNTP server on loopback that says it is `time`: for tests and simulators.
pub fn fake_server(time: SystemTime) -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a loopback UDP port");
    let address = socket.local_addr().expect("its address");
    std::thread::spawn(move || {
        let mut request = [0u8; 48];
        while let Ok((_, from)) = socket.recv_from(&mut request) {
            let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
            let ntp_secs = (since.as_secs() + 2_208_988_800) as u32;
            let fraction = (((since.subsec_nanos() as u64) << 32) / 1_000_000_000) as u32;
            let mut reply = [0u8; 48];
            reply[0] = 0b00_100_100; // no leap warning, version 4, server
            reply[1] = 1; // stratum 1
            reply[24..32].copy_from_slice(&request[40..48]); // originate = the request's transmit
            for at in [32, 40] {
                reply[at..at + 4].copy_from_slice(&ntp_secs.to_be_bytes());
                reply[at + 4..at + 8].copy_from_slice(&fraction.to_be_bytes());
            }
            let _ = socket.send_to(&reply, from);
        }
    });
    address
}

#[cfg(test)]
mod tests {
    use super::*;
    use fake_server as server;

    #[test]
    fn the_time_comes_from_the_server() {
        let then = UNIX_EPOCH + Duration::from_secs(1_893_456_000); // 2030-01-01
        let got = query(server(then), Duration::from_secs(2)).unwrap();
        let apart = got.duration_since(then).unwrap_or_else(|e| e.duration());
        assert!(apart < Duration::from_secs(2), "{apart:?}");
    }

    #[test]
    fn a_server_that_does_not_answer_is_a_clear_error() {
        let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
        let e = query(silent.local_addr().unwrap(), Duration::from_millis(200)).unwrap_err();
        assert!(e.contains("no time from"), "{e}");
    }

    #[test]
    fn the_floor_only_rises_and_judges_the_clock() {
        let dir = tempfile::tempdir().unwrap();
        let floor = Floor::new(dir.path());
        assert_eq!(floor.get(), None);
        let t = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        floor.raise(t(1_800_000_000)).unwrap();
        floor.raise(t(1_790_000_000)).unwrap();
        assert_eq!(floor.get(), Some(t(1_800_000_000)));
        let cases = [
            (t(0), None, false), // a Pi just booted: 1970
            (t(BUILD_FLOOR - 1), None, false),
            (t(BUILD_FLOOR + 10), None, true),
            (t(1_799_000_000), floor.get(), false), // earlier than known right
            (t(1_800_000_000 - 30), floor.get(), true), // within a minute
            (t(1_900_000_000), floor.get(), true),
        ];
        for (now, f, expected) in cases {
            assert_eq!(plausible(now, f), expected, "{now:?}");
        }
    }
}
