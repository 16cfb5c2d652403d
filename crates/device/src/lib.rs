//! The box around Porchlight: what the reset button means, what the status LEDs show, and the
//! signals to a service manager (systemd's notify protocol and its watchdog). Hardware and the
//! service manager sit behind small interfaces with simulated backends, so all of this runs and
//! is tested on any Linux machine; the rules themselves (`button`, `leds::pattern`) are pure.

pub mod button;
pub mod clock;
pub mod input;
pub mod leds;
pub mod mdns;
pub mod notify;
pub mod report;
pub mod reset;
pub mod watchdog;
