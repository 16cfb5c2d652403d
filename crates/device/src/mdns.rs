//! `porchlight.local`: the box answers multicast DNS for its name (there is no avahi on the
//! image), and announces its web site as an `_https._tcp` service so that phones and laptops on
//! the home network find it. Uses the pure-Rust `mdns-sd` daemon, which runs on its own thread.

use std::net::IpAddr;

use mdns_sd::{IfKind, ServiceDaemon, ServiceInfo};

/// The box's name on the home network.
pub const HOST_NAME: &str = "porchlight.local.";

pub struct Announcer {
    daemon: ServiceDaemon,
}

impl Announcer {
    /// Answers for `porchlight.local` and announces the site on `https_port`. With
    /// `addresses` empty, the addresses of every network interface are used (and kept up to date
    /// as DHCP changes them). `loopback_only` keeps it to this machine (for tests).
    pub fn start(
        addresses: &[IpAddr],
        https_port: u16,
        loopback_only: bool,
    ) -> Result<Announcer, String> {
        let daemon = ServiceDaemon::new().map_err(|e| format!("cannot start mDNS: {e}"))?;
        if loopback_only {
            daemon
                .disable_interface(IfKind::All)
                .and_then(|()| daemon.enable_interface(IfKind::LoopbackV4))
                .map_err(|e| format!("cannot choose mDNS interfaces: {e}"))?;
        } else {
            // Loopback needs no announcing on a real box.
            let _ = daemon.disable_interface(vec![IfKind::LoopbackV4, IfKind::LoopbackV6]);
        }
        let info = ServiceInfo::new(
            "_https._tcp.local.",
            "Porchlight",
            HOST_NAME,
            addresses,
            https_port,
            &[("path", "/")][..],
        )
        .map_err(|e| format!("cannot describe the mDNS service: {e}"))?;
        let info = if addresses.is_empty() {
            info.enable_addr_auto()
        } else {
            info
        };
        daemon
            .register(info)
            .map_err(|e| format!("cannot announce on mDNS: {e}"))?;
        Ok(Announcer { daemon })
    }

    pub fn stop(self) {
        if let Ok(done) = self.daemon.shutdown() {
            let _ = done.recv_timeout(std::time::Duration::from_secs(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mdns_sd::HostnameResolutionEvent;

    /// A second mDNS daemon on this machine's loopback asks for `porchlight.local`.
    #[test]
    fn porchlight_local_resolves() {
        let announcer = Announcer::start(&["127.0.0.1".parse().unwrap()], 443, true).unwrap();
        let asker = ServiceDaemon::new().unwrap();
        asker.disable_interface(IfKind::All).unwrap();
        asker.enable_interface(IfKind::LoopbackV4).unwrap();
        let answers = asker.resolve_hostname(HOST_NAME, Some(5_000)).unwrap();
        let mut found = None;
        while let Ok(event) = answers.recv_timeout(std::time::Duration::from_secs(6)) {
            match event {
                HostnameResolutionEvent::AddressesFound(_, addresses) => {
                    found = Some(addresses);
                    break;
                }
                HostnameResolutionEvent::SearchTimeout(_) => break,
                _ => {}
            }
        }
        let found = found.expect("porchlight.local answered");
        assert!(
            found
                .iter()
                .any(|a| a.to_ip_addr() == "127.0.0.1".parse::<IpAddr>().unwrap()),
            "{found:?}"
        );
        let _ = asker.shutdown();
        announcer.stop();
    }
}
