//! What the box found while starting, before Porchlight ran: the image's `/init` checks, repairs
//! and grows the data partition, and writes whatever went wrong to `/run/porchlight/box-problems`,
//! one problem a line: a code, a space, and a sentence for the host. Porchlight shows the
//! sentences on the host's page and the setup page, and the codes pick the lights. Whether the
//! box has a network connection is checked here too, while it runs (a cable can be plugged in
//! later).

use std::net::IpAddr;
use std::path::Path;

use crate::leds::Attention;

/// Where the image's `/init` writes its report.
pub const BOX_PROBLEMS: &str = "/run/porchlight/box-problems";

/// One thing `/init` wants the host to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub code: String,
    pub text: String,
}

impl Problem {
    /// The lights this problem calls for, if any. Problems that were dealt with (a repaired file
    /// system, a partition left at its size) are told on the pages only.
    pub fn attention(&self) -> Option<Attention> {
        match self.code.as_str() {
            "data-missing" | "data-damaged" | "card-too-small" => Some(Attention::DataNotKept),
            "update-fell-back" => Some(Attention::UpdateFellBack),
            _ => None,
        }
    }
}

/// The report's lines; blank lines and lines with no sentence are passed over.
pub fn parse(report: &str) -> Vec<Problem> {
    report
        .lines()
        .filter_map(|line| {
            let (code, text) = line.trim().split_once(' ')?;
            let text = text.trim();
            let code_ok = !code.is_empty()
                && code
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            (code_ok && !text.is_empty()).then(|| Problem {
                code: code.to_string(),
                text: text.to_string(),
            })
        })
        .collect()
}

/// The report at `path`; none at all when there is no such file (not on the box).
pub fn read(path: &Path) -> Vec<Problem> {
    std::fs::read_to_string(path)
        .map(|report| parse(&report))
        .unwrap_or_default()
}

/// Whether some interface other than loopback has an address another machine could reach: an
/// IPv4 address, or an IPv6 one that is not link-local (fe80::/10, which every interface with a
/// cable gets, router or not).
pub fn connected<'a>(addresses: impl IntoIterator<Item = (&'a str, IpAddr)>) -> bool {
    addresses.into_iter().any(|(interface, address)| {
        interface != "lo"
            && !address.is_loopback()
            && match address {
                IpAddr::V4(v4) => !v4.is_link_local(),
                IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
            }
    })
}

/// [`connected`], for this machine's interfaces now.
pub fn network_connected() -> bool {
    let Ok(interfaces) = nix::ifaddrs::getifaddrs() else {
        return true; // cannot tell: do not claim a problem
    };
    let addresses: Vec<(String, IpAddr)> = interfaces
        .filter_map(|i| {
            let address = i.address?;
            let ip = if let Some(v4) = address.as_sockaddr_in() {
                IpAddr::V4(v4.ip())
            } else {
                IpAddr::V6(address.as_sockaddr_in6()?.ip())
            };
            Some((i.interface_name, ip))
        })
        .collect();
    connected(addresses.iter().map(|(name, ip)| (name.as_str(), *ip)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_report_line_by_line() {
        let report = "data-repaired The data partition had errors and was repaired.\n\
                      \n\
                      card-too-small The card is smaller than the partition.\n\
                      nonsense\n\
                      Bad-Code A sentence.\n";
        assert_eq!(
            parse(report),
            vec![
                Problem {
                    code: "data-repaired".into(),
                    text: "The data partition had errors and was repaired.".into()
                },
                Problem {
                    code: "card-too-small".into(),
                    text: "The card is smaller than the partition.".into()
                },
            ]
        );
        assert!(read(Path::new("/nonexistent/box-problems")).is_empty());
    }

    #[test]
    fn only_a_box_that_keeps_nothing_calls_for_the_lights() {
        let cases = [
            ("data-missing", Some(Attention::DataNotKept)),
            ("data-damaged", Some(Attention::DataNotKept)),
            ("card-too-small", Some(Attention::DataNotKept)),
            ("data-repaired", None),
            ("data-not-grown", None),
            ("something-new", None),
        ];
        for (code, lights) in cases {
            let problem = Problem {
                code: code.into(),
                text: "words".into(),
            };
            assert_eq!(problem.attention(), lights, "{code}");
        }
    }

    #[test]
    fn a_network_connection_is_an_address_others_can_reach() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[], false),
            (&[("lo", "127.0.0.1"), ("lo", "::1")], false),
            (&[("eth0", "fe80::1")], false),
            (&[("eth0", "169.254.3.4")], false),
            (&[("eth0", "192.168.1.20")], true),
            (&[("eth0", "fe80::1"), ("eth0", "2001:db8::20")], true),
            (&[("usb0", "10.0.2.15")], true),
        ];
        for (addresses, expected) in cases {
            let got = connected(addresses.iter().map(|(i, a)| (*i, ip(a))));
            assert_eq!(got, *expected, "{addresses:?}");
        }
    }
}
