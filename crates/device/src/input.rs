//! Key events from the kernel's input layer (`/dev/input/eventN`): a push button on a GPIO pin
//! declared with the `gpio-keys` device-tree overlay arrives as key presses there, without any
//! GPIO library (and QEMU's `virt` board delivers its power button the same way). Each event is
//! the kernel's `struct input_event`: a time (two native longs), then type, code and value.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// `EV_KEY`, the type of key events.
const EV_KEY: u16 = 1;

/// The size of one event on this machine (24 bytes on 64-bit Linux).
pub const EVENT_SIZE: usize = 2 * std::mem::size_of::<std::ffi::c_long>() + 2 + 2 + 4;

/// A key going down (`true`) or up; auto-repeats are left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyEvent {
    pub code: u16,
    pub pressed: bool,
    /// When the kernel saw it (its realtime clock), if the event says.
    pub time: Option<Duration>,
}

/// When each of `events` (read together, in order) happened, as instants: the last at `now`,
/// the ones before it earlier by what the kernel's timestamps say. A busy box may read a press
/// and its release in one go; by the read times alone the press would last no time at all.
/// Only differences within one read are used, so a step of the system clock between reads (the
/// box sets its clock after boot) cannot make a short press look long; a difference that is
/// negative or over a minute is not believed.
pub fn instants(events: &[KeyEvent], now: Instant) -> Vec<Instant> {
    let last = events.last().and_then(|e| e.time);
    events
        .iter()
        .map(|e| match (e.time, last) {
            (Some(t), Some(last)) => last
                .checked_sub(t)
                .filter(|before| *before <= Duration::from_secs(60))
                .and_then(|before| now.checked_sub(before))
                .unwrap_or(now),
            _ => now,
        })
        .collect()
}

/// The input device of the reset button: the one the kernel names `porchlight-button` (the
/// `gpio-key` overlay's label) or, failing that, any `gpio-keys` device (QEMU's power button on
/// `virt` is one), looked up in `sys_input` (`/sys/class/input`). Returns its `/dev/input` path.
pub fn find_button(sys_input: &Path) -> Option<PathBuf> {
    let mut found: Vec<(u8, String)> = std::fs::read_dir(sys_input)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let event = entry.file_name().to_string_lossy().to_string();
            if !event.starts_with("event") {
                return None;
            }
            let name = std::fs::read_to_string(entry.path().join("device/name")).ok()?;
            let rank = match name.trim() {
                "porchlight-button" => 0,
                n if n.contains("gpio-keys") || n.contains("gpio_keys") => 1,
                _ => return None,
            };
            Some((rank, event))
        })
        .collect();
    found.sort();
    found
        .first()
        .map(|(_, event)| Path::new("/dev/input").join(event))
}

/// Reads the key events out of whole events in `bytes` (a partial event at the end is left for
/// the next read: returns how many bytes were used).
pub fn key_events(bytes: &[u8]) -> (Vec<KeyEvent>, usize) {
    let time = EVENT_SIZE - 8;
    let mut events = Vec::new();
    let mut used = 0;
    for chunk in bytes.chunks_exact(EVENT_SIZE) {
        used += EVENT_SIZE;
        let kind = u16::from_ne_bytes([chunk[time], chunk[time + 1]]);
        let code = u16::from_ne_bytes([chunk[time + 2], chunk[time + 3]]);
        let value = i32::from_ne_bytes([
            chunk[time + 4],
            chunk[time + 5],
            chunk[time + 6],
            chunk[time + 7],
        ]);
        if kind == EV_KEY && (value == 0 || value == 1) {
            let long = std::mem::size_of::<std::ffi::c_long>();
            let read_long = |at: usize| -> i64 {
                let mut bytes = [0u8; 8];
                if long == 8 {
                    bytes.copy_from_slice(&chunk[at..at + 8]);
                    i64::from_ne_bytes(bytes)
                } else {
                    let mut four = [0u8; 4];
                    four.copy_from_slice(&chunk[at..at + 4]);
                    i64::from(i32::from_ne_bytes(four))
                }
            };
            let (seconds, micros) = (read_long(0), read_long(long));
            let time = (seconds > 0 && (0..1_000_000).contains(&micros)).then(|| {
                Duration::from_secs(seconds as u64) + Duration::from_micros(micros as u64)
            });
            events.push(KeyEvent {
                code,
                pressed: value == 1,
                time,
            });
        }
    }
    (events, used)
}

/// One event as the kernel writes it (for tests and simulators).
pub fn encode(kind: u16, code: u16, value: i32) -> Vec<u8> {
    let mut out = vec![0u8; EVENT_SIZE - 8];
    out.extend_from_slice(&kind.to_ne_bytes());
    out.extend_from_slice(&code.to_ne_bytes());
    out.extend_from_slice(&value.to_ne_bytes());
    out
}

/// A key press or release, encoded (with no time, as simulators send it).
pub fn key(code: u16, pressed: bool) -> Vec<u8> {
    encode(EV_KEY, code, pressed as i32)
}

/// A key press or release stamped with `at`, as the kernel writes it.
pub fn key_at(code: u16, pressed: bool, at: SystemTime) -> Vec<u8> {
    let since = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(EVENT_SIZE);
    let seconds = since.as_secs() as std::ffi::c_long;
    let micros = since.subsec_micros() as std::ffi::c_long;
    out.extend_from_slice(&seconds.to_ne_bytes());
    out.extend_from_slice(&micros.to_ne_bytes());
    out.extend_from_slice(&key(code, pressed)[EVENT_SIZE - 8..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_button_is_found_by_its_name() {
        let sys = tempfile::tempdir().unwrap();
        let device = |event: &str, name: &str| {
            let dir = sys.path().join(event).join("device");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("name"), format!("{name}\n")).unwrap();
        };
        assert_eq!(find_button(sys.path()), None);
        device("event0", "USB Keyboard");
        assert_eq!(
            find_button(sys.path()),
            None,
            "a keyboard is not the button"
        );
        device("event1", "gpio-keys");
        assert_eq!(
            find_button(sys.path()),
            Some(PathBuf::from("/dev/input/event1"))
        );
        device("event2", "porchlight-button");
        assert_eq!(
            find_button(sys.path()),
            Some(PathBuf::from("/dev/input/event2")),
            "the labelled button comes first"
        );
    }

    #[test]
    fn key_events_are_read_and_the_rest_ignored() {
        let mut bytes = key(116, true);
        bytes.extend(encode(0, 0, 0)); // a sync event
        bytes.extend(encode(EV_KEY, 116, 2)); // auto-repeat
        bytes.extend(key(116, false));
        bytes.extend(&key(116, true)[..5]); // half an event
        let (events, used) = key_events(&bytes);
        assert_eq!(
            events,
            vec![
                KeyEvent {
                    code: 116,
                    pressed: true,
                    time: None,
                },
                KeyEvent {
                    code: 116,
                    pressed: false,
                    time: None,
                }
            ]
        );
        assert_eq!(used, 4 * EVENT_SIZE);
    }

    #[test]
    fn a_press_and_release_read_together_keep_their_length() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut bytes = key_at(116, true, t0);
        bytes.extend(key_at(116, false, t0 + Duration::from_millis(5_300)));
        let (events, _) = key_events(&bytes);
        assert_eq!(events[0].time, Some(Duration::from_secs(1_800_000_000)));
        let now = Instant::now();
        let at = instants(&events, now);
        assert_eq!(at[1], now);
        assert_eq!(at[1] - at[0], Duration::from_millis(5_300));

        // Events without times, out of order, or over a minute apart: the read time.
        let untimed = [
            KeyEvent {
                code: 116,
                pressed: true,
                time: None,
            },
            KeyEvent {
                code: 116,
                pressed: false,
                time: None,
            },
        ];
        assert_eq!(instants(&untimed, now), vec![now, now]);
        let timed = |pressed, secs| KeyEvent {
            code: 116,
            pressed,
            time: Some(Duration::from_secs(secs)),
        };
        let backwards = [timed(true, 100), timed(false, 90)];
        assert_eq!(instants(&backwards, now), vec![now, now]);
        let clock_step = [timed(true, 100), timed(false, 100 + 3600)];
        assert_eq!(instants(&clock_step, now), vec![now, now]);
    }
}
