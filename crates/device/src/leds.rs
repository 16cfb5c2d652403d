//! Status LEDs: a few patterns a host can read without a screen, on the Pi's own green (ACT)
//! and red (PWR) LEDs, or on LEDs wired to GPIO pins. Which pattern shows is a pure function of
//! the box's state; the hardware sits behind [`Leds`], with a sysfs backend and a simulated one.
//! docs/leds.md shows each pattern.

use std::path::{Path, PathBuf};

use crate::button::Millis;

/// What the box is doing, as the LEDs tell it, most urgent first when several apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// A reset is under way (the button was held).
    Resetting,
    /// The button is held: counting down.
    CountingDown,
    /// Something needs the host: the reason picks the number of red blinks.
    Attention(Attention),
    Starting,
    /// Up, with no host yet: open the setup link.
    ReadyForSetup,
    Serving,
}

/// Why the box needs its host, with the number of red blinks that says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Attention {
    /// The card's data partition cannot be used: the box runs in memory and keeps nothing.
    DataNotKept,
    /// No network connection (no cable, no address from the router).
    NoNetwork,
    DiskAlmostFull,
    CertificateFailing,
    DeliveriesFailing,
    ClockNotSet,
    /// An update did not start well and the box went back to the version before.
    UpdateFellBack,
}

impl Attention {
    /// The number of red blinks; 0 for the two that have patterns of their own (the green light
    /// off, since the box is not serving as it should).
    pub fn blinks(self) -> u8 {
        match self {
            Attention::DataNotKept | Attention::NoNetwork => 0,
            Attention::DiskAlmostFull => 1,
            Attention::CertificateFailing => 2,
            Attention::DeliveriesFailing => 3,
            Attention::ClockNotSet => 4,
            Attention::UpdateFellBack => 5,
        }
    }
}

/// Which LED.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Led {
    Green,
    Red,
}

/// A repeating pattern: steps of (green, red, how long).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    pub steps: Vec<(bool, bool, Millis)>,
}

impl Pattern {
    /// Both LEDs at a moment `at` into the pattern (it repeats).
    pub fn at(&self, at: Millis) -> (bool, bool) {
        let total: Millis = self.steps.iter().map(|s| s.2).sum();
        if total == 0 {
            return (false, false);
        }
        let mut t = at % total;
        for &(green, red, length) in &self.steps {
            if t < length {
                return (green, red);
            }
            t -= length;
        }
        (false, false)
    }
}

/// The pattern for a status:
///
/// | status | green | red |
/// |---|---|---|
/// | starting | fast blink (5 per second) | off |
/// | ready for setup | slow blink (1 per second) | off |
/// | serving | steady | off |
/// | the card keeps nothing | off | steady |
/// | no network | off | slow blink (1 per 2 seconds) |
/// | needs attention | steady | N blinks, then a pause (N = 1 disk, 2 certificate, 3 deliveries, 4 clock) |
/// | counting down (button held) | off | fast blink |
/// | resetting | alternating with red | alternating with green |
pub fn pattern(status: Status) -> Pattern {
    let steps = match status {
        Status::Starting => vec![(true, false, 100), (false, false, 100)],
        Status::ReadyForSetup => vec![(true, false, 500), (false, false, 500)],
        Status::Serving => vec![(true, false, 1000)],
        Status::Attention(Attention::DataNotKept) => vec![(false, true, 1000)],
        Status::Attention(Attention::NoNetwork) => vec![(false, true, 1000), (false, false, 1000)],
        Status::Attention(reason) => {
            let mut steps = Vec::new();
            for _ in 0..reason.blinks() {
                steps.push((true, true, 250));
                steps.push((true, false, 250));
            }
            steps.push((true, false, 1500));
            steps
        }
        Status::CountingDown => vec![(false, true, 100), (false, false, 100)],
        Status::Resetting => vec![(true, false, 250), (false, true, 250)],
    };
    Pattern { steps }
}

/// The most urgent of several statuses.
pub fn most_urgent(statuses: &[Status]) -> Status {
    statuses.iter().copied().min().unwrap_or(Status::Serving)
}

/// Something that can switch LEDs.
pub trait Leds: Send {
    fn set(&mut self, led: Led, on: bool) -> std::io::Result<()>;
}

/// The kernel's LED class (`/sys/class/leds/NAME/brightness`): the Pi's `ACT` and `PWR`, or LEDs
/// on GPIO pins declared with the `gpio-led` overlay.
pub struct SysfsLeds {
    green: PathBuf,
    red: PathBuf,
}

impl SysfsLeds {
    /// Takes the two LEDs over from their kernel triggers (mmc activity, power) so that the
    /// patterns are ours alone. `root` is `/sys/class/leds` on a real box.
    pub fn open(root: &Path, green: &str, red: &str) -> std::io::Result<SysfsLeds> {
        for name in [green, red] {
            let dir = root.join(name);
            if !dir.is_dir() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no LED called {name} in {}", root.display()),
                ));
            }
            std::fs::write(dir.join("trigger"), "none")?;
        }
        Ok(SysfsLeds {
            green: root.join(green).join("brightness"),
            red: root.join(red).join("brightness"),
        })
    }
}

impl Leds for SysfsLeds {
    fn set(&mut self, led: Led, on: bool) -> std::io::Result<()> {
        let path = match led {
            Led::Green => &self.green,
            Led::Red => &self.red,
        };
        std::fs::write(path, if on { "1" } else { "0" })
    }
}

/// Several pairs showing the same thing: the Pi's own LEDs and LEDs wired to GPIO pins. A pair
/// that stops answering is dropped (and said once); the others go on.
pub struct MirroredLeds(pub Vec<Box<dyn Leds>>);

impl Leds for MirroredLeds {
    fn set(&mut self, led: Led, on: bool) -> std::io::Result<()> {
        let mut last_error = None;
        self.0.retain_mut(|pair| match pair.set(led, on) {
            Ok(()) => true,
            Err(e) => {
                log::warn!("a pair of status lights stopped answering ({e}); leaving it out");
                last_error = Some(e);
                false
            }
        });
        match last_error {
            Some(e) if self.0.is_empty() => Err(e),
            _ => Ok(()),
        }
    }
}

/// LEDs in memory, for tests and for machines without any: records every change.
#[derive(Default)]
pub struct SimulatedLeds {
    pub green: bool,
    pub red: bool,
    pub changes: Vec<(Led, bool)>,
}

impl Leds for SimulatedLeds {
    fn set(&mut self, led: Led, on: bool) -> std::io::Result<()> {
        match led {
            Led::Green => self.green = on,
            Led::Red => self.red = on,
        }
        self.changes.push((led, on));
        Ok(())
    }
}

/// Shows a pattern at a moment: switches only the LEDs whose state differs.
pub fn show(
    leds: &mut dyn Leds,
    pattern: &Pattern,
    at: Millis,
    last: &mut Option<(bool, bool)>,
) -> std::io::Result<()> {
    let (green, red) = pattern.at(at);
    if last.map(|l| l.0) != Some(green) {
        leds.set(Led::Green, green)?;
    }
    if last.map(|l| l.1) != Some(red) {
        leds.set(Led::Red, red)?;
    }
    *last = Some((green, red));
    Ok(())
}

/// A picture of a pattern over `span` ms: two rows of lit and dark blocks (for docs/leds.md).
pub fn svg(pattern: &Pattern, span: Millis) -> String {
    const WIDTH: Millis = 400;
    let step = 25;
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"56\" viewBox=\"0 0 {} 56\">\n",
        WIDTH + 60,
        WIDTH + 60
    );
    for (row, (name, colour)) in [("green", "#2e9e44"), ("red", "#d33a2c")]
        .iter()
        .enumerate()
    {
        let y = 6 + row as Millis * 26;
        out.push_str(&format!(
            "<text x=\"0\" y=\"{}\" font-family=\"sans-serif\" font-size=\"12\">{name}</text>\n",
            y + 14
        ));
        let mut t = 0;
        while t < span {
            let (green, red) = pattern.at(t);
            let lit = if row == 0 { green } else { red };
            let x = 50 + t * WIDTH / span;
            let w = (step * WIDTH / span).max(1);
            out.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"18\" fill=\"{}\"/>\n",
                if lit { colour } else { "#e6e6e6" }
            ));
            t += step;
        }
    }
    out.push_str("</svg>\n");
    out
}

/// Every status, with its name in the docs.
pub const DOCUMENTED: &[(&str, Status)] = &[
    ("starting", Status::Starting),
    ("ready-for-setup", Status::ReadyForSetup),
    ("serving", Status::Serving),
    ("attention-data", Status::Attention(Attention::DataNotKept)),
    ("attention-network", Status::Attention(Attention::NoNetwork)),
    (
        "attention-disk",
        Status::Attention(Attention::DiskAlmostFull),
    ),
    (
        "attention-certificate",
        Status::Attention(Attention::CertificateFailing),
    ),
    (
        "attention-deliveries",
        Status::Attention(Attention::DeliveriesFailing),
    ),
    ("attention-clock", Status::Attention(Attention::ClockNotSet)),
    (
        "attention-update",
        Status::Attention(Attention::UpdateFellBack),
    ),
    ("counting-down", Status::CountingDown),
    ("resetting", Status::Resetting),
];

#[cfg(test)]
mod tests {
    use super::*;

    struct Broken;
    impl Leds for Broken {
        fn set(&mut self, _: Led, _: bool) -> std::io::Result<()> {
            Err(std::io::Error::other("gone"))
        }
    }

    #[test]
    fn mirrored_pairs_show_the_same_and_a_broken_pair_is_left_out() {
        let mut both = MirroredLeds(vec![Box::new(SimulatedLeds::default()), Box::new(Broken)]);
        both.set(Led::Green, true).unwrap();
        assert_eq!(both.0.len(), 1, "the broken pair is dropped");
        both.set(Led::Red, true).unwrap();
        let mut none = MirroredLeds(vec![Box::new(Broken)]);
        assert!(
            none.set(Led::Green, true).is_err(),
            "with no pair left, an error"
        );
    }

    /// The pictures in docs/leds/ are drawn from the patterns themselves; this fails when they
    /// no longer match (run with PORCHLIGHT_WRITE_DOCS=1 to redraw them).
    #[test]
    fn the_pictures_in_the_docs_match_the_patterns() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/leds");
        let write = std::env::var_os("PORCHLIGHT_WRITE_DOCS").is_some();
        for (name, status) in DOCUMENTED {
            let path = dir.join(format!("{name}.svg"));
            let picture = svg(&pattern(*status), 4_000);
            if write {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &picture).unwrap();
            }
            let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
            assert_eq!(
                on_disk,
                picture,
                "{} is out of date; run with PORCHLIGHT_WRITE_DOCS=1",
                path.display()
            );
        }
    }

    #[test]
    fn each_status_has_its_own_pattern() {
        // (status, samples at 0, 150, 600 ms, and 1_300 ms)
        let cases: &[(Status, [(bool, bool); 4])] = &[
            (
                Status::Starting,
                [(true, false), (false, false), (true, false), (false, false)],
            ),
            (
                Status::ReadyForSetup,
                [(true, false), (true, false), (false, false), (true, false)],
            ),
            (Status::Serving, [(true, false); 4]),
            (
                Status::Attention(Attention::DiskAlmostFull),
                [(true, true), (true, true), (true, false), (true, false)],
            ),
            (
                Status::Attention(Attention::CertificateFailing),
                [(true, true), (true, true), (true, true), (true, false)],
            ),
            (
                Status::CountingDown,
                [(false, true), (false, false), (false, true), (false, false)],
            ),
            (
                Status::Resetting,
                [(true, false), (true, false), (true, false), (false, true)],
            ),
        ];
        for (status, samples) in cases {
            let p = pattern(*status);
            let got = [p.at(0), p.at(150), p.at(600), p.at(1_300)];
            assert_eq!(&got, samples, "{status:?}");
        }
    }

    #[test]
    fn attention_counts_its_blinks_and_urgency_orders_statuses() {
        for reason in [
            Attention::DiskAlmostFull,
            Attention::CertificateFailing,
            Attention::DeliveriesFailing,
            Attention::ClockNotSet,
        ] {
            let p = pattern(Status::Attention(reason));
            let red_on = p.steps.iter().filter(|s| s.1).count();
            assert_eq!(red_on, reason.blinks() as usize);
        }
        for (reason, red_steady) in [
            (Attention::DataNotKept, true),
            (Attention::NoNetwork, false),
        ] {
            let p = pattern(Status::Attention(reason));
            assert!(
                p.steps.iter().all(|s| !s.0),
                "{reason:?}: the green light is off"
            );
            assert_eq!(p.steps.iter().all(|s| s.1), red_steady, "{reason:?}");
        }
        assert_eq!(
            most_urgent(&[
                Status::Attention(Attention::DiskAlmostFull),
                Status::Attention(Attention::NoNetwork),
                Status::Attention(Attention::DataNotKept),
            ]),
            Status::Attention(Attention::DataNotKept),
            "a box that keeps nothing outranks everything else that needs the host"
        );
        assert_eq!(
            most_urgent(&[
                Status::Serving,
                Status::Attention(Attention::ClockNotSet),
                Status::Attention(Attention::DiskAlmostFull)
            ]),
            Status::Attention(Attention::DiskAlmostFull)
        );
        assert_eq!(
            most_urgent(&[Status::Serving, Status::Resetting]),
            Status::Resetting
        );
        assert_eq!(most_urgent(&[]), Status::Serving);
    }

    #[test]
    fn sysfs_leds_take_over_the_trigger_and_switch_brightness() {
        let root = tempfile::tempdir().unwrap();
        for name in ["ACT", "PWR"] {
            std::fs::create_dir_all(root.path().join(name)).unwrap();
            std::fs::write(root.path().join(name).join("trigger"), "mmc0").unwrap();
            std::fs::write(root.path().join(name).join("brightness"), "0").unwrap();
        }
        let mut leds = SysfsLeds::open(root.path(), "ACT", "PWR").unwrap();
        assert_eq!(
            std::fs::read_to_string(root.path().join("ACT/trigger")).unwrap(),
            "none"
        );
        let mut last = None;
        show(
            &mut leds,
            &pattern(Status::Attention(Attention::ClockNotSet)),
            0,
            &mut last,
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(root.path().join("ACT/brightness")).unwrap(),
            "1"
        );
        assert_eq!(
            std::fs::read_to_string(root.path().join("PWR/brightness")).unwrap(),
            "1"
        );
        assert!(
            SysfsLeds::open(root.path(), "ACT", "led0").is_err(),
            "a missing LED is a clear error"
        );
    }

    #[test]
    fn only_changes_are_written() {
        let mut leds = SimulatedLeds::default();
        let mut last = None;
        let p = pattern(Status::Serving);
        for t in (0..5_000).step_by(50) {
            show(&mut leds, &p, t, &mut last).unwrap();
        }
        assert_eq!(leds.changes, vec![(Led::Green, true), (Led::Red, false)]);
    }
}
