//! The hardware watchdog (`/dev/watchdog`): once opened, the board reboots unless it is written
//! to every few seconds. The appliance pets it only while its health check passes, so a hung
//! server (or a stuck database) gets the box rebooted. Closing it cleanly writes the "magic
//! close" character, so a deliberate stop does not reboot the box.

use std::io::Write;
use std::path::Path;

pub struct Watchdog {
    device: std::fs::File,
}

impl Watchdog {
    pub fn open(path: &Path) -> std::io::Result<Watchdog> {
        let device = std::fs::OpenOptions::new().write(true).open(path)?;
        Ok(Watchdog { device })
    }

    /// "Still alive."
    pub fn pet(&mut self) -> std::io::Result<()> {
        self.device.write_all(b"\0")?;
        self.device.flush()
    }

    /// Stops the watchdog on purpose (drivers that allow it disarm on 'V').
    pub fn disarm(mut self) -> std::io::Result<()> {
        self.device.write_all(b"V")?;
        self.device.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pets_then_disarms() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watchdog");
        std::fs::write(&path, b"").unwrap();
        let mut w = Watchdog::open(&path).unwrap();
        w.pet().unwrap();
        w.pet().unwrap();
        w.disarm().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\0\0V");
        assert!(Watchdog::open(&dir.path().join("missing")).is_err());
    }
}
