//! The SSRF guard: every request the server makes on a remote server's say-so (fetching an
//! actor, delivering to an inbox, following a redirect) connects only to public addresses.
//! The check sits in the resolver, so it applies to the very addresses the connection uses,
//! after every redirect, and a DNS answer cannot swap in a private address after the check.
//!
//! Tests run their peers on loopback. They name each peer's exact address in an [`AllowList`]:
//! in code (`loopback_for_tests`), or through the config file's `[federation.test_network]`
//! (`test_network`), which the binary refuses on the box and announces loudly elsewhere.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Whether an address is on the public internet: not loopback, private, link-local, shared,
/// documentation, benchmarking, multicast, reserved, or an IPv6 form that embeds one of those.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0                                   // "this network"
        || a == 10                             // private
        || a == 127                            // loopback
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 169 && b == 254)              // link-local (and cloud metadata)
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0)      // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2)      // documentation
        || (a == 192 && b == 88 && c == 99)    // 6to4 relay anycast
        || (a == 192 && b == 168)              // private
        || (a == 198 && (b == 18 || b == 19))  // benchmarking
        || (a == 198 && b == 51 && c == 100)   // documentation
        || (a == 203 && b == 0 && c == 113)    // documentation
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // Forms that carry an IPv4 address: judge the address inside.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        // NAT64 (64:ff9b::/96)
        return is_public_v4(Ipv4Addr::new(
            (s[6] >> 8) as u8,
            s[6] as u8,
            (s[7] >> 8) as u8,
            s[7] as u8,
        ));
    }
    if s[0] == 0x2002 {
        // 6to4 (2002::/16): the IPv4 address is in the next 32 bits.
        return is_public_v4(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        ));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || s[0..6] == [0, 0, 0, 0, 0, 0]   // IPv4-compatible (deprecated)
        || (s[0] & 0xfe00) == 0xfc00       // unique local
        || (s[0] & 0xffc0) == 0xfe80       // link-local
        || (s[0] & 0xffc0) == 0xfec0       // site-local (deprecated)
        || (s[0] & 0xff00) == 0xff00       // multicast
        || (s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments (Teredo, ORCHID…)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[0] == 0x3fff) // documentation (RFC 9637)
}

/// Exact addresses that tests run their peers on, and whether they are spoken to over plain
/// http.
#[derive(Clone, Debug, Default)]
pub struct AllowList {
    addresses: Vec<SocketAddr>,
    plain_http: bool,
}

impl AllowList {
    /// A test network of the config file: these exact private addresses (ip:port) besides the
    /// public internet, over plain http when `plain_http`. Public addresses need no allowing and
    /// are left out.
    pub fn test_network(addresses: &[SocketAddr], plain_http: bool) -> AllowList {
        AllowList {
            addresses: addresses
                .iter()
                .copied()
                .filter(|a| !is_public(a.ip()))
                .collect(),
            plain_http,
        }
    }

    /// Whether plain http is spoken (to the allowed addresses' servers).
    pub fn plain_http(&self) -> bool {
        self.plain_http && !self.addresses.is_empty()
    }

    /// Allows the given loopback addresses, and nothing else. Anything not on loopback is
    /// refused: this can open the guard to a test's own peers only.
    pub fn loopback_for_tests(addresses: &[SocketAddr]) -> AllowList {
        AllowList {
            addresses: addresses
                .iter()
                .copied()
                .filter(|a| a.ip().is_loopback())
                .collect(),
            plain_http: true,
        }
    }

    pub fn allows(&self, address: SocketAddr) -> bool {
        self.addresses.contains(&address)
    }

    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty()
    }
}

/// Resolves as usual, then refuses the connection unless every address is public (or allowed).
#[derive(Debug)]
pub struct GuardedResolver {
    pub allow: Arc<std::sync::RwLock<AllowList>>,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let resolved = DefaultResolver::default().resolve(uri, config, timeout)?;
        let allow = self.allow.read().unwrap_or_else(|e| e.into_inner());
        let mut kept = self.empty();
        for address in resolved.iter() {
            if is_public(address.ip()) || allow.allows(*address) {
                kept.push(*address);
            }
        }
        if kept.is_empty() {
            log::debug!("refused to connect to {uri}: not a public address");
            return Err(ureq::Error::ConnectionFailed);
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_addresses_are_refused() {
        let refused = [
            "0.0.0.0",
            "10.1.2.3",
            "127.0.0.1",
            "127.8.8.8",
            "100.64.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "::127.0.0.1",
            "3fff::1",
        ];
        for ip in refused {
            assert!(!is_public(ip.parse().unwrap()), "{ip} should be refused");
        }
        let allowed = [
            "1.1.1.1",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "192.0.1.1",
            "8.8.8.8",
            "2606:4700::1111",
            "2a01:4f8::1",
            "::ffff:93.184.216.34",
            "64:ff9b::808:808",
            "2002:5db8:d822::",
        ];
        for ip in allowed {
            assert!(is_public(ip.parse().unwrap()), "{ip} should be allowed");
        }
    }

    #[test]
    fn the_allow_list_takes_only_loopback() {
        let list = AllowList::loopback_for_tests(&[
            "127.0.0.1:4000".parse().unwrap(),
            "10.0.0.1:80".parse().unwrap(),
        ]);
        assert!(list.allows("127.0.0.1:4000".parse().unwrap()));
        assert!(!list.allows("127.0.0.1:4001".parse().unwrap()));
        assert!(!list.allows("10.0.0.1:80".parse().unwrap()));
    }
}
