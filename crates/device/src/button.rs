//! The reset button: what a press means, as a state machine over a clock it is given (so tests
//! drive it with simulated time). Pure: no I/O. The caller feeds it the raw level of the GPIO
//! line (bounces and all) and the passing of time, and carries out the actions it returns.
//!
//! - a short press shows the status on the LEDs;
//! - a hold of about 5 s (the LEDs count down; letting go earlier cancels) is a **recovery
//!   reset**: the host's password is reset and a new setup link made; all data stays;
//! - a hold of about 15 s, then a second short press within 10 s to confirm, is a **factory
//!   reset**, which the caller carries out only after writing a backup;
//! - a button held for 30 s or more is stuck (a jammed case, a shorted wire): nothing happens,
//!   and nothing happens until it is released.

/// Milliseconds on some monotonic clock.
pub type Millis = u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// A level must hold this long to count (contacts bounce for a few milliseconds).
    pub debounce: Millis,
    /// Shorter than this is a short press (show status).
    pub short: Millis,
    pub recovery: Millis,
    pub factory: Millis,
    pub stuck: Millis,
    /// After a factory hold, the confirming press must come within this.
    pub confirm_window: Millis,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            debounce: 50,
            short: 1_000,
            recovery: 5_000,
            factory: 15_000,
            stuck: 30_000,
            confirm_window: 10_000,
        }
    }
}

/// What the caller should do (or show).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// A short press: show the status on the LEDs.
    ShowStatus,
    /// The button is held: counting down to a recovery reset (LEDs count down).
    CountingDown,
    /// Held long enough for a recovery reset if released now.
    RecoveryArmed,
    /// Held long enough for a factory reset if released now (and then confirmed).
    FactoryArmed,
    /// Whatever was in progress is off (released early, held too long, confirmation missed).
    Cancelled,
    /// Reset the host's password and make a new setup link; keep all data.
    RecoveryReset,
    /// Released after a factory hold: waiting for the confirming press.
    AwaitingConfirmation,
    /// Confirmed: write a backup, then restore factory settings.
    FactoryReset,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    Held {
        since: Millis,
        announced: u8,
    },
    /// Held too long; ignored until released.
    Stuck,
    AwaitingConfirmation {
        until: Millis,
    },
    /// The confirming press is down; its release ends the sequence.
    Confirmed,
}

#[derive(Clone, Debug)]
pub struct Button {
    timing: Timing,
    /// The raw level and since when.
    raw: bool,
    raw_since: Millis,
    /// The debounced level.
    level: bool,
    phase: Phase,
}

impl Button {
    pub fn new(timing: Timing) -> Button {
        Button {
            timing,
            raw: false,
            raw_since: 0,
            level: false,
            phase: Phase::Idle,
        }
    }

    /// The raw line changed (pressed = true) at `at`. Times must not go backwards.
    pub fn edge(&mut self, at: Millis, pressed: bool) -> Vec<Action> {
        let mut actions = self.tick(at);
        if pressed != self.raw {
            self.raw = pressed;
            self.raw_since = at;
        }
        actions.extend(self.settle(at));
        actions
    }

    /// Time passed (call every few tens of milliseconds).
    pub fn tick(&mut self, at: Millis) -> Vec<Action> {
        let mut actions = self.settle(at);
        match self.phase {
            Phase::Held { since, announced } => {
                let held = at.saturating_sub(since);
                let stage = self.stage(held);
                if held >= self.timing.stuck {
                    self.phase = Phase::Stuck;
                    actions.push(Action::Cancelled);
                } else if stage > announced {
                    self.phase = Phase::Held {
                        since,
                        announced: stage,
                    };
                    actions.push(match stage {
                        1 => Action::CountingDown,
                        2 => Action::RecoveryArmed,
                        _ => Action::FactoryArmed,
                    });
                }
            }
            Phase::AwaitingConfirmation { until } if at > until => {
                self.phase = Phase::Idle;
                actions.push(Action::Cancelled);
            }
            _ => {}
        }
        actions
    }

    /// 0: short so far, 1: counting down, 2: recovery armed, 3: factory armed.
    fn stage(&self, held: Millis) -> u8 {
        if held >= self.timing.factory {
            3
        } else if held >= self.timing.recovery {
            2
        } else if held >= self.timing.short {
            1
        } else {
            0
        }
    }

    /// Takes the raw level as the debounced one once it has held long enough; the change is
    /// dated from when the raw level last changed.
    fn settle(&mut self, at: Millis) -> Vec<Action> {
        if self.raw == self.level || at.saturating_sub(self.raw_since) < self.timing.debounce {
            return Vec::new();
        }
        self.level = self.raw;
        let when = self.raw_since;
        if self.level {
            self.pressed(when)
        } else {
            self.released(when)
        }
    }

    fn pressed(&mut self, at: Millis) -> Vec<Action> {
        match self.phase {
            Phase::AwaitingConfirmation { until } if at <= until => {
                self.phase = Phase::Confirmed;
                vec![Action::FactoryReset]
            }
            Phase::AwaitingConfirmation { .. } => {
                // Too late to confirm: this is a new press.
                self.phase = Phase::Held {
                    since: at,
                    announced: 0,
                };
                vec![Action::Cancelled]
            }
            _ => {
                self.phase = Phase::Held {
                    since: at,
                    announced: 0,
                };
                Vec::new()
            }
        }
    }

    fn released(&mut self, at: Millis) -> Vec<Action> {
        let phase = std::mem::replace(&mut self.phase, Phase::Idle);
        match phase {
            Phase::Held { since, .. } => {
                let held = at.saturating_sub(since);
                if held >= self.timing.stuck {
                    vec![Action::Cancelled]
                } else if held >= self.timing.factory {
                    self.phase = Phase::AwaitingConfirmation {
                        until: at + self.timing.confirm_window,
                    };
                    vec![Action::AwaitingConfirmation]
                } else if held >= self.timing.recovery {
                    vec![Action::RecoveryReset]
                } else if held >= self.timing.short {
                    vec![Action::Cancelled]
                } else {
                    vec![Action::ShowStatus]
                }
            }
            // Released at last: ready again, having done nothing.
            Phase::Stuck | Phase::Confirmed | Phase::Idle => Vec::new(),
            Phase::AwaitingConfirmation { until } => {
                self.phase = Phase::AwaitingConfirmation { until };
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Presses for `hold` ms starting at `at`, with a few bounces at each end; then ticks
    /// through to `until`. Returns every action.
    fn run(presses: &[(Millis, Millis)], until: Millis) -> Vec<Action> {
        let mut b = Button::new(Timing::default());
        let mut out = Vec::new();
        let mut events: Vec<(Millis, Option<bool>)> = Vec::new();
        for &(at, hold) in presses {
            // Contact bounce on press and release.
            events.extend([
                (at, Some(true)),
                (at + 2, Some(false)),
                (at + 4, Some(true)),
            ]);
            let up = at + 4 + hold;
            events.extend([
                (up, Some(false)),
                (up + 3, Some(true)),
                (up + 5, Some(false)),
            ]);
        }
        let mut t = 0;
        while t <= until {
            events.push((t, None));
            t += 20;
        }
        events.sort_by_key(|e| e.0);
        for (at, level) in events {
            out.extend(match level {
                Some(pressed) => b.edge(at, pressed),
                None => b.tick(at),
            });
        }
        out
    }

    fn has(actions: &[Action], wanted: Action) -> bool {
        actions.contains(&wanted)
    }

    #[test]
    fn each_gesture_does_what_the_guide_says() {
        // (what, the presses, an action that must follow); only the two named cases reset.
        /// (start, how long) of each press.
        type Presses<'a> = &'a [(Millis, Millis)];
        let cases: &[(&str, Presses, Option<Action>)] = &[
            ("short press", &[(100, 300)], Some(Action::ShowStatus)),
            (
                "2 s hold, let go: cancelled",
                &[(100, 2_000)],
                Some(Action::Cancelled),
            ),
            (
                "6 s hold: recovery",
                &[(100, 6_000)],
                Some(Action::RecoveryReset),
            ),
            (
                "16 s hold, no confirmation",
                &[(100, 16_000)],
                Some(Action::Cancelled),
            ),
            (
                "16 s hold, confirmed",
                &[(100, 16_000), (20_000, 200)],
                Some(Action::FactoryReset),
            ),
            (
                "16 s hold, confirmed too late",
                &[(100, 16_000), (28_000, 200)],
                Some(Action::Cancelled),
            ),
            ("stuck for 40 s", &[(100, 40_000)], Some(Action::Cancelled)),
        ];
        for (what, presses, expected) in cases {
            let actions = run(presses, 45_000);
            if let Some(a) = expected {
                assert!(has(&actions, *a), "{what}: {actions:?}");
            }
            let recovery = has(&actions, Action::RecoveryReset);
            let factory = has(&actions, Action::FactoryReset);
            assert_eq!(
                recovery,
                *what == "6 s hold: recovery",
                "{what}: {actions:?}"
            );
            assert_eq!(
                factory,
                *what == "16 s hold, confirmed",
                "{what}: {actions:?}"
            );
        }
    }

    #[test]
    fn holding_counts_down_and_arms_in_order() {
        let actions = run(&[(0, 16_000)], 17_000);
        let stages: Vec<Action> = actions
            .into_iter()
            .filter(|a| {
                matches!(
                    a,
                    Action::CountingDown | Action::RecoveryArmed | Action::FactoryArmed
                )
            })
            .collect();
        assert_eq!(
            stages,
            vec![
                Action::CountingDown,
                Action::RecoveryArmed,
                Action::FactoryArmed
            ]
        );
    }

    /// A raw input: (time, level) edges, sorted, with ticks mixed in.
    fn raw_inputs() -> impl Strategy<Value = Vec<(Millis, bool)>> {
        // Gaps between edges: mostly bounces (a few ms), sometimes real holds (up to 40 s).
        let gap = prop_oneof![
            6 => 1u64..40,
            2 => 40u64..2_000,
            1 => 2_000u64..40_000,
        ];
        proptest::collection::vec(gap, 0..60).prop_map(|gaps| {
            let mut t = 0;
            let mut level = false;
            gaps.into_iter()
                .map(|g| {
                    t += g;
                    level = !level;
                    (t, level)
                })
                .collect()
        })
    }

    /// Debounced presses as (down, up) times, computed independently of the machine: a level
    /// counts once it has held for the debounce time.
    fn stable_presses(
        edges: &[(Millis, bool)],
        end: Millis,
        debounce: Millis,
    ) -> Vec<(Millis, Millis)> {
        let mut stable = false;
        let mut presses = Vec::new();
        let mut down = 0;
        for (i, &(at, level)) in edges.iter().enumerate() {
            let next = edges.get(i + 1).map(|e| e.0).unwrap_or(end);
            if level != stable && next - at >= debounce {
                stable = level;
                if level {
                    down = at;
                } else {
                    presses.push((down, at));
                }
            }
        }
        // A press still held at the end counts too (it may be a confirmation).
        if stable {
            presses.push((down, end));
        }
        presses
    }

    fn drive(edges: &[(Millis, bool)], end: Millis) -> Vec<(Millis, Action)> {
        let mut b = Button::new(Timing::default());
        let mut out = Vec::new();
        let mut t = 0;
        let mut i = 0;
        while t <= end {
            while i < edges.len() && edges[i].0 <= t {
                let (at, level) = edges[i];
                out.extend(b.edge(at, level).into_iter().map(|a| (at, a)));
                i += 1;
            }
            out.extend(b.tick(t).into_iter().map(|a| (t, a)));
            t += 10;
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Nothing is ever reset without the hold it takes; nothing is ever erased without a
        /// factory hold, its release, and a confirming press inside the window.
        #[test]
        fn nothing_is_erased_without_the_hold_and_the_confirmation(edges in raw_inputs()) {
            let end = edges.last().map(|e| e.0).unwrap_or(0) + 45_000;
            let actions = drive(&edges, end);
            let timing = Timing::default();
            let presses = stable_presses(&edges, end, timing.debounce);
            for &(at, action) in &actions {
                match action {
                    Action::RecoveryReset => {
                        prop_assert!(presses.iter().any(|&(d, u)| u - d >= timing.recovery
                            && u - d < timing.factory && u <= at), "recovery without a 5 s hold: {presses:?} {actions:?}");
                    }
                    Action::FactoryReset => {
                        // Some factory hold, released, then a confirming press inside the window.
                        let confirmed = presses.iter().any(|&(d, u)| {
                            u - d >= timing.factory && u - d < timing.stuck && u < at
                                && presses.iter().any(|&(c, _)| c > u && c <= u + timing.confirm_window && c <= at)
                        });
                        prop_assert!(confirmed, "factory reset without a 15 s hold and its confirmation: {presses:?} {actions:?}");
                    }
                    _ => {}
                }
            }
        }

        /// Bounces alone (every level shorter than the debounce time) do nothing at all.
        #[test]
        fn bounces_alone_do_nothing(gaps in proptest::collection::vec(1u64..49, 0..200)) {
            let mut t = 0;
            let mut level = false;
            let mut edges: Vec<(Millis, bool)> = gaps.into_iter().map(|g| { t += g; level = !level; (t, level) }).collect();
            // End released, so the last level is not a long press.
            if level { t += 1; edges.push((t, false)); }
            let actions = drive(&edges, t + 45_000);
            prop_assert!(actions.is_empty(), "{actions:?}");
        }
    }
}
