//! The box's two boot slots and what an update has reached (docs/UPDATES.md).
//!
//! The boot partition holds two slot folders, `a/` and `b/`, each a whole system (kernel,
//! initramfs, device trees, overlays, command line). The firmware's `config.txt` includes
//! `slot.txt`, whose `os_prefix=` names the committed slot: the only one the firmware ever
//! boots. A new release is written into the other slot and tried without the firmware: the
//! committed system starts, sees the update pending, and loads the new kernel with kexec, so
//! that whatever happens to the trial (a kernel panic, a hang the watchdog ends, a Porchlight
//! that fails its health check, the power cut) the next start is the committed slot again.
//! Only a trial whose health check passed for a while writes its own slot into `slot.txt`.
//!
//! The update's progress is one small file on the data partition (`State`), replaced
//! atomically; the decisions are the pure functions below, tested by table.

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

/// One of the two slot folders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    A,
    B,
}

impl Slot {
    pub fn other(self) -> Slot {
        match self {
            Slot::A => Slot::B,
            Slot::B => Slot::A,
        }
    }

    /// The folder's name on the boot partition.
    pub fn folder(self) -> &'static str {
        match self {
            Slot::A => "a",
            Slot::B => "b",
        }
    }

    pub fn parse(text: &str) -> Option<Slot> {
        match text.trim().trim_end_matches('/') {
            "a" => Some(Slot::A),
            "b" => Some(Slot::B),
            _ => None,
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.folder())
    }
}

/// The file `config.txt` includes last, naming the committed slot.
pub const SLOT_FILE: &str = "slot.txt";
/// A command line for one start of the committed slot, while an update waits: with one
/// processor, because a Pi's other cores sit in the firmware's spin table and a kernel that
/// started them cannot hand over to another with kexec.
pub const UPDATE_CMDLINE: &str = "cmdline-update.txt";

/// `slot.txt` for the committed `slot`; with `update_start`, its next start uses
/// [`UPDATE_CMDLINE`].
pub fn slot_txt(slot: Slot, update_start: bool) -> String {
    let mut text = format!(
        "# Written by Porchlight: the system the Pi starts. Do not edit.\nos_prefix={}/\n",
        slot.folder()
    );
    if update_start {
        text.push_str(&format!("cmdline={UPDATE_CMDLINE}\n"));
    }
    text
}

/// The committed slot `slot.txt` names (the last `os_prefix=` wins, as for the firmware), and
/// whether it asks for the update's command line.
pub fn read_slot_txt(text: &str) -> (Option<Slot>, bool) {
    let mut slot = None;
    let mut update_start = false;
    for line in text.lines().map(str::trim) {
        if let Some(prefix) = line.strip_prefix("os_prefix=") {
            slot = Slot::parse(prefix);
        } else if line.starts_with("cmdline=") {
            update_start = true;
        }
    }
    (slot, update_start)
}

/// How far an update has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Written into the other slot and checked; the next start of the committed slot tries it.
    Pending,
    /// The committed system has handed over to the new one, which is on trial.
    Trying,
    /// The trial gave up (its reason is kept); the committed slot starts next.
    Failed,
    /// The new slot passed its trial and is the committed one now.
    Committed,
    /// The committed slot started again after a trial that did not commit.
    FellBack,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Pending => "pending",
            Phase::Trying => "trying",
            Phase::Failed => "failed",
            Phase::Committed => "committed",
            Phase::FellBack => "fell-back",
        }
    }

    fn parse(text: &str) -> Option<Phase> {
        [
            Phase::Pending,
            Phase::Trying,
            Phase::Failed,
            Phase::Committed,
            Phase::FellBack,
        ]
        .into_iter()
        .find(|p| p.name() == text)
    }
}

/// The update in hand, or the last one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    pub phase: Phase,
    /// The slot that was committed when the update was written.
    pub from: Slot,
    pub from_version: String,
    /// The slot the update was written into.
    pub to: Slot,
    pub version: String,
    /// The copy of the database taken just before (under the data folder).
    pub backup: Option<String>,
    /// Why the trial ended without committing.
    pub reason: Option<String>,
    /// When the update was written, and when the trial started and ended (ms since the epoch).
    pub written_ms: i64,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    /// Whether the database was put back from `backup` after falling back.
    pub restored: bool,
    /// Whether the host has seen how it ended.
    pub seen: bool,
}

impl State {
    pub fn render(&self) -> String {
        let mut text = format!(
            "phase={}\nfrom={}\nfrom_version={}\nto={}\nversion={}\nwritten_ms={}\n",
            self.phase.name(),
            self.from,
            self.from_version,
            self.to,
            self.version,
            self.written_ms
        );
        let mut line = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                text.push_str(&format!("{key}={}\n", value.replace(['\n', '\r'], " ")));
            }
        };
        line("backup", self.backup.clone());
        line("reason", self.reason.clone());
        line("started_ms", self.started_ms.map(|n| n.to_string()));
        line("ended_ms", self.ended_ms.map(|n| n.to_string()));
        line("restored", self.restored.then(|| "yes".into()));
        line("seen", self.seen.then(|| "yes".into()));
        text
    }

    /// The state file's text; None when it is not one (a damaged card is read as no update).
    pub fn parse(text: &str) -> Option<State> {
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
                .map(str::to_string)
        };
        let number = |key: &str| value(key).and_then(|v| v.parse::<i64>().ok());
        Some(State {
            phase: Phase::parse(&value("phase")?)?,
            from: Slot::parse(&value("from")?)?,
            from_version: value("from_version")?,
            to: Slot::parse(&value("to")?)?,
            version: value("version")?,
            backup: value("backup"),
            reason: value("reason"),
            written_ms: number("written_ms")?,
            started_ms: number("started_ms"),
            ended_ms: number("ended_ms"),
            restored: value("restored").as_deref() == Some("yes"),
            seen: value("seen").as_deref() == Some("yes"),
        })
    }

    pub fn read(path: &Path) -> Option<State> {
        State::parse(&std::fs::read_to_string(path).ok()?)
    }

    /// Replaces the state file whole (a new file, synced, renamed over the old one).
    pub fn write(&self, path: &Path) -> io::Result<()> {
        write_atomically(path, self.render().as_bytes())
    }
}

/// Writes `bytes` to `path` through a synced temporary file renamed over it, then syncs the
/// folder, so that a power cut leaves the old file or the new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let partial = path.with_extension("partial");
    {
        let mut file = std::fs::File::create(&partial)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&partial, path)?;
    if let Some(folder) = path.parent()
        && let Ok(folder) = std::fs::File::open(folder)
    {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// What a start of the box does about updates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtStart {
    /// Nothing to do: start the committed system as usual.
    Usual,
    /// Hand over to the slot on trial: record `Trying`, write `slot.txt` back to its plain
    /// form, load that slot's kernel and start it.
    HandOver(Slot),
    /// This is the new system on trial: run, and commit once healthy for a while.
    OnTrial(Slot),
    /// A trial ended without committing: record that the box fell back (with this reason),
    /// and put the database back if the new version changed it.
    FellBack(String),
    /// The firmware starts the update's slot although the state did not get to say so (a
    /// commit cut short between its two writes): `slot.txt` decides, so record it committed.
    RecordCommitted,
    /// Started with a trial's command line that the state does not know (a state file lost
    /// or damaged): run as usual, but never commit it.
    StrayTrial,
}

/// The one decision, from the state file, the slot `slot.txt` names, whether this start has
/// the one-start command line (`slot.txt` asked for it), and the slot the kernel was told it
/// is trying (`porchlight.trial=` on its command line, set only by a hand-over).
pub fn at_start(
    state: Option<&State>,
    committed: Slot,
    update_start: bool,
    trial: Option<Slot>,
) -> AtStart {
    let Some(s) = state else {
        return match trial {
            Some(_) => AtStart::StrayTrial,
            None => AtStart::Usual,
        };
    };
    if let Some(t) = trial {
        return if s.phase == Phase::Trying && s.to == t && t != committed {
            AtStart::OnTrial(t)
        } else {
            AtStart::StrayTrial
        };
    }
    match s.phase {
        // Handed over only from the start `slot.txt` prepared for it (on one processor).
        Phase::Pending if s.from == committed && s.to != committed && update_start => {
            AtStart::HandOver(s.to)
        }
        Phase::Pending => AtStart::FellBack(
            "the box started again before it could try the new version".into(),
        ),
        Phase::Trying | Phase::Failed if s.to != committed => {
            AtStart::FellBack(s.reason.clone().unwrap_or_else(|| {
                format!(
                    "Porchlight {} stopped the box during its trial (a kernel panic, a hang the watchdog ended, or the power was cut)",
                    s.version
                )
            }))
        }
        Phase::Trying | Phase::Failed => AtStart::RecordCommitted,
        // A commit that never reached the boot partition: the old slot starts, so the new
        // version's changes to the database must be undone as for any fall back.
        Phase::Committed if s.to != committed => AtStart::FellBack(
            "its commit did not reach the boot partition, so the box started the version before".into(),
        ),
        Phase::Committed | Phase::FellBack => AtStart::Usual,
    }
}

/// The command line a hand-over gives the slot on trial: the slot's own `cmdline.txt`
/// (`theirs`), then what the firmware added to the running one (the words of `running` that
/// the committed slot's own command line, `ours`, lacks: the board's console and memory
/// settings), then `porchlight.trial=` naming the slot. The one-start `nr_cpus=1` is not
/// carried over.
pub fn trial_cmdline(theirs: &str, running: &str, ours: &str, trial: Slot) -> String {
    let own: Vec<&str> = ours.split_whitespace().collect();
    let mut words: Vec<String> = theirs.split_whitespace().map(str::to_string).collect();
    for word in running.split_whitespace() {
        if own.contains(&word)
            || word == "nr_cpus=1"
            || word.starts_with("porchlight.trial=")
            || words.iter().any(|w| w == word)
        {
            continue;
        }
        words.push(word.to_string());
    }
    words.push(format!("porchlight.trial={}", trial.folder()));
    words.join(" ")
}

/// Whether the host may start another update now: not while one is pending or on trial.
pub fn may_start_update(state: Option<&State>) -> bool {
    !matches!(
        state.map(|s| s.phase),
        Some(Phase::Pending) | Some(Phase::Trying)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(phase: Phase, from: Slot, to: Slot) -> State {
        State {
            phase,
            from,
            from_version: "0.1.0".into(),
            to,
            version: "0.1.1".into(),
            backup: Some("backups/before-update.db".into()),
            reason: None,
            written_ms: 1,
            started_ms: None,
            ended_ms: None,
            restored: false,
            seen: false,
        }
    }

    #[test]
    fn every_start_decides_by_table() {
        use AtStart::{HandOver, OnTrial, RecordCommitted, StrayTrial, Usual};
        use Phase::*;
        use Slot::*;
        let fell = |r: &str| AtStart::FellBack(r.to_string());
        let mut failed = state(Failed, A, B);
        failed.reason = Some("it did not answer".into());
        let not_tried = "the box started again before it could try the new version";
        let panicked = "Porchlight 0.1.1 stopped the box during its trial (a kernel panic, a hang the watchdog ended, or the power was cut)";
        let not_reached =
            "its commit did not reach the boot partition, so the box started the version before";
        // (state, the slot slot.txt names, the one-start line, the trial named, what to do)
        type Case = (Option<State>, Slot, bool, Option<Slot>, AtStart);
        let cases: Vec<Case> = vec![
            // no update ever
            (None, A, false, None, Usual),
            // written, the box restarted on the committed slot with the one-start line
            (Some(state(Pending, A, B)), A, true, None, HandOver(B)),
            (Some(state(Pending, B, A)), B, true, None, HandOver(A)),
            // pending without the line (a power cut as it was written), or for another
            // committed slot (a card from elsewhere): not tried, said so, never stuck
            (Some(state(Pending, A, B)), A, false, None, fell(not_tried)),
            (Some(state(Pending, A, B)), B, true, None, fell(not_tried)),
            // the trial's kernel, told it is trying b: on trial
            (Some(state(Trying, A, B)), A, false, Some(B), OnTrial(B)),
            // the committed slot starts again while the trial had not committed: fell back
            (Some(state(Trying, A, B)), A, false, None, fell(panicked)),
            (
                Some(failed.clone()),
                A,
                false,
                None,
                fell("it did not answer"),
            ),
            // slot.txt names the new slot though the state did not get to: committed
            (Some(state(Trying, A, B)), B, false, None, RecordCommitted),
            (Some(state(Failed, A, B)), B, false, None, RecordCommitted),
            // committed: the firmware starts b now, and all is usual
            (Some(state(Committed, A, B)), B, false, None, Usual),
            (Some(state(FellBack, A, B)), A, false, None, Usual),
            // a commit that never reached slot.txt: the old slot starts, so it fell back
            (
                Some(state(Committed, A, B)),
                A,
                false,
                None,
                fell(not_reached),
            ),
            // a trial the state does not know, or one for the committed slot itself
            (None, A, false, Some(B), StrayTrial),
            (Some(state(Pending, A, B)), A, false, Some(B), StrayTrial),
            (Some(state(Trying, A, B)), B, false, Some(B), StrayTrial),
            (Some(state(Committed, A, B)), B, false, Some(B), StrayTrial),
        ];
        for (state, committed, update_start, trial, expected) in cases {
            assert_eq!(
                at_start(state.as_ref(), committed, update_start, trial),
                expected,
                "{:?} committed {committed} line {update_start} trial {trial:?}",
                state.as_ref().map(|s| s.phase)
            );
        }
    }

    #[test]
    fn a_trial_gets_its_own_command_line_and_what_the_firmware_added() {
        let ours = "console=ttyS1,115200 quiet panic=10";
        for (theirs, running, expected) in [
            // the firmware's additions (the board's console, a test's trial length) carried over
            (
                "console=ttyS1,115200 quiet panic=10",
                "console=ttyAMA0 porchlight.trial_seconds=20 console=ttyS1,115200 quiet panic=10 nr_cpus=1",
                "console=ttyS1,115200 quiet panic=10 console=ttyAMA0 porchlight.trial_seconds=20 porchlight.trial=b",
            ),
            // the new slot's own words first, the committed slot's own words not repeated
            (
                "console=ttyS1,115200 loglevel=3 rdinit=/nonexistent",
                "8250.nr_uarts=1 console=ttyS1,115200 quiet panic=10",
                "console=ttyS1,115200 loglevel=3 rdinit=/nonexistent 8250.nr_uarts=1 porchlight.trial=b",
            ),
            // a stale trial word is never carried
            (
                "quiet",
                "porchlight.trial=a quiet",
                "quiet porchlight.trial=b",
            ),
        ] {
            assert_eq!(trial_cmdline(theirs, running, ours, Slot::B), expected);
        }
    }

    #[test]
    fn a_second_update_waits_for_the_first() {
        assert!(may_start_update(None));
        for (phase, may) in [
            (Phase::Pending, false),
            (Phase::Trying, false),
            (Phase::Failed, true),
            (Phase::Committed, true),
            (Phase::FellBack, true),
        ] {
            assert_eq!(may_start_update(Some(&state(phase, Slot::A, Slot::B))), may);
        }
    }

    #[test]
    fn the_state_reads_back_and_damage_reads_as_none() {
        let mut s = state(Phase::FellBack, Slot::B, Slot::A);
        s.reason = Some("two\nlines".into());
        s.started_ms = Some(5);
        s.restored = true;
        let back = State::parse(&s.render()).unwrap();
        assert_eq!(back.reason.as_deref(), Some("two lines"));
        assert_eq!(back.from, Slot::B);
        assert!(back.restored && !back.seen);
        assert_eq!(back.started_ms, Some(5));
        for damaged in [
            "",
            "\0\0\0",
            "phase=pending\n",
            "phase=later\nfrom=a\nto=b\nversion=1\nfrom_version=0\nwritten_ms=1\n",
        ] {
            assert_eq!(State::parse(damaged), None, "{damaged:?}");
        }
    }

    #[test]
    fn slot_txt_names_the_committed_slot_and_the_update_start() {
        assert_eq!(
            read_slot_txt(&slot_txt(Slot::A, false)),
            (Some(Slot::A), false)
        );
        assert_eq!(
            read_slot_txt(&slot_txt(Slot::B, true)),
            (Some(Slot::B), true)
        );
        assert_eq!(
            read_slot_txt("os_prefix=a/\nos_prefix=b/\n"),
            (Some(Slot::B), false)
        );
        assert_eq!(read_slot_txt(""), (None, false));
        assert_eq!(read_slot_txt("os_prefix=../\n"), (None, false));
    }
}
