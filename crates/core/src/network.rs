//! Who is on the box's home network. A box with no host yet lets whoever reaches it from the
//! home network set it up (as routers and home appliances do): before the host gives it a
//! public name and forwards ports to it, nobody else can reach it at all, and afterwards the
//! addresses of visitors from the internet are never home ones.

use std::net::IpAddr;

/// Whether `ip` is an address of the home network (or the box itself): loopback, the private
/// IPv4 ranges, link-local addresses, and IPv6 unique-local ones. A visitor from the internet,
/// port-forwarded by the router, keeps their own public address.
pub fn on_home_network(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => on_home_network(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_addresses_are_the_private_and_local_ones() {
        let cases = [
            ("127.0.0.1", true),
            ("10.0.2.2", true),
            ("172.16.0.9", true),
            ("172.31.255.1", true),
            ("172.32.0.1", false),
            ("192.168.1.23", true),
            ("169.254.10.1", true),
            ("100.64.0.1", false), // carrier-grade NAT: the provider's network, not the home
            ("8.8.8.8", false),
            ("203.0.113.7", false),
            ("::1", true),
            ("fd12:3456::1", true),
            ("fe80::1", true),
            ("::ffff:192.168.1.5", true),
            ("::ffff:8.8.8.8", false),
            ("2001:db8::1", false),
        ];
        for (address, home) in cases {
            assert_eq!(on_home_network(address.parse().unwrap()), home, "{address}");
        }
    }
}
