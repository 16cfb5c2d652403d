//! Configuration: built-in defaults, then the config file, then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Common;

pub const DEFAULT_DATA: &str = "porchlight-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

pub struct Config {
    pub data: PathBuf,
    pub listen: String,
    /// Where to serve HTTPS with the LAN certificate (then plain HTTP redirects to it).
    pub https: Option<String>,
    pub domain: Option<String>,
    /// Whether `domain` came from the config file or the command line (then the host's page
    /// shows it and cannot change it), rather than from the host's page.
    pub domain_fixed: bool,
    pub max_post_chars: usize,
    pub federation: FederationConfig,
    pub acme: AcmeConfig,
    /// Whether the config file named the data folder.
    pub data_from_file: bool,
    /// In appliance mode: where the box's hardware is.
    pub appliance: Option<crate::appliance::Hardware>,
}

/// How the camp talks to other servers (when it has a domain).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// Talk to other servers at all (needs `domain`).
    pub enabled: bool,
    /// Refuse unsigned fetches of members' documents (Mastodon's "authorized fetch").
    pub authorized_fetch: bool,
    /// Deliveries made at once, and at most to one server at once.
    pub delivery_threads: usize,
    pub per_server: usize,
    /// Private addresses this camp may federate with, for testing it against other servers
    /// on a network of one's own (like GoToSocial's `http-client.allow-ips`).
    pub test_network: Option<TestNetwork>,
}

/// `[federation.test_network]`: never for a real camp.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestNetwork {
    /// Private addresses (ip:port) this camp may federate with.
    pub allow: Vec<String>,
    /// Federate with them (and be reached) over plain http.
    #[serde(default)]
    pub http: bool,
}

impl Default for FederationConfig {
    fn default() -> Self {
        let defaults = porchlight_federation::Settings::default();
        FederationConfig {
            enabled: true,
            authorized_fetch: defaults.authorized_fetch,
            delivery_threads: defaults.delivery_threads,
            per_server: defaults.per_server,
            test_network: None,
        }
    }
}

/// Where the public certificate comes from (when the camp has a public name and serves HTTPS).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AcmeConfig {
    /// Ask an ACME certificate authority for a certificate at all.
    pub enabled: bool,
    /// The authority's directory URL (Let's Encrypt unless set).
    pub directory: String,
    /// An e-mail address for the authority's expiry warnings.
    pub contact: Option<String>,
    /// A PEM root to check the authority's HTTPS against, for a private or test authority.
    pub ca_root: Option<PathBuf>,
}

impl Default for AcmeConfig {
    fn default() -> Self {
        AcmeConfig {
            enabled: true,
            directory: porchlight_tls::acme::LETS_ENCRYPT.to_string(),
            contact: None,
            ca_root: None,
        }
    }
}

/// What a config file may say; every key is optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    listen: Option<String>,
    https: Option<String>,
    domain: Option<String>,
    max_post_chars: Option<usize>,
    #[serde(default)]
    federation: FederationConfig,
    #[serde(default)]
    acme: AcmeConfig,
}

impl Config {
    pub fn load(common: &Common) -> Result<Config, String> {
        let file = match &common.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let max_post_chars = file
            .max_post_chars
            .unwrap_or(porchlight_core::DEFAULT_MAX_POST_CHARS);
        if !(10..=10_000).contains(&max_post_chars) {
            return Err(format!(
                "max_post_chars must be between 10 and 10000 (got {max_post_chars})"
            ));
        }
        let federation = file.federation;
        let testing = federation.test_network.is_some();
        if let Some(domain) = &file.domain {
            check_domain_for(domain, testing)?;
        }
        if let Some(test) = &federation.test_network {
            for address in &test.allow {
                address.parse::<SocketAddr>().map_err(|_| {
                    format!(
                        "federation.test_network.allow: \"{address}\" is not an ip:port \
                         address (e.g. \"127.0.0.2:80\")"
                    )
                })?;
            }
        }
        if !(1..=64).contains(&federation.delivery_threads)
            || !(1..=16).contains(&federation.per_server)
        {
            return Err(
                "federation.delivery_threads must be 1 to 64, and federation.per_server 1 to 16"
                    .into(),
            );
        }
        let acme = file.acme;
        if !acme.directory.starts_with("https://") {
            return Err(format!(
                "acme.directory must be an https:// address (got \"{}\")",
                acme.directory
            ));
        }
        if let Some(contact) = &acme.contact
            && (!contact.contains('@') || contact.contains(char::is_whitespace))
        {
            return Err(format!(
                "acme.contact must be an e-mail address (got \"{contact}\")"
            ));
        }
        let data_from_file = file.data.is_some();
        Ok(Config {
            data: common
                .data
                .clone()
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
            listen: file.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            https: file.https,
            domain_fixed: file.domain.is_some(),
            domain: file.domain,
            max_post_chars,
            federation,
            acme,
            data_from_file,
            appliance: None,
        })
    }

    pub fn limits(&self) -> porchlight_app::Limits {
        porchlight_app::Limits {
            max_post_chars: self.max_post_chars,
            ..Default::default()
        }
    }

    /// How the camp's public name is reached: https, or plain http on a test network that asks
    /// for it.
    pub fn public_scheme(&self) -> &'static str {
        match &self.federation.test_network {
            Some(test) if test.http => "http",
            _ => "https",
        }
    }

    /// The address of the camp for links printed on the command line.
    pub fn base_url(&self) -> String {
        match &self.domain {
            Some(domain) => format!("{}://{domain}", self.public_scheme()),
            None => format!("http://{}", self.listen),
        }
    }

    /// The federation this camp runs, if it has a public name and federation is on.
    pub fn federation(&self) -> Option<porchlight_federation::Federation> {
        let domain = self.domain.as_ref()?;
        if !self.federation.enabled {
            return None;
        }
        let identity =
            porchlight_federation::Identity::new(&format!("{}://{domain}", self.public_scheme()))?;
        let federation = porchlight_federation::Federation::new(
            identity,
            porchlight_federation::Settings {
                delivery_threads: self.federation.delivery_threads,
                per_server: self.federation.per_server,
                authorized_fetch: self.federation.authorized_fetch,
            },
        );
        if let Some(test) = &self.federation.test_network {
            let addresses: Vec<SocketAddr> =
                test.allow.iter().filter_map(|a| a.parse().ok()).collect();
            federation.client.allow_for_tests(
                porchlight_federation::guard::AllowList::test_network(&addresses, test.http),
            );
        }
        Some(federation)
    }

    /// The camp's address once it listens on `bound`: its public name, or the address it
    /// listens on; for every address at once (`0.0.0.0`), this machine's name, which the
    /// others on the network can use where `0.0.0.0` means nothing.
    pub fn base_url_for(&self, bound: SocketAddr) -> String {
        match &self.domain {
            Some(domain) => format!("{}://{domain}", self.public_scheme()),
            None => reachable_at("http", bound),
        }
    }
}

/// `scheme://` and the address a server bound to `bound` is reached at: the address itself, or
/// for every address at once (`0.0.0.0`, `::`) this machine's name, which others on the network
/// can use where `0.0.0.0` means nothing.
pub fn reachable_at(scheme: &str, bound: SocketAddr) -> String {
    if bound.ip().is_unspecified() {
        let name = nix::unistd::gethostname()
            .ok()
            .and_then(|n| n.into_string().ok())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "localhost".to_string());
        format!("{scheme}://{name}:{}", bound.port())
    } else {
        format!("{scheme}://{bound}")
    }
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| config_error(path, &text, &e))
}

/// One line that names the file, the line, the key and what is wrong with it (the TOML
/// library's own message is five lines with a drawing of the place).
fn config_error(path: &Path, text: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return format!("the config file {} is not valid: {message}", path.display());
    };
    let before = &text[..span.start.min(text.len())];
    let line_number = before.matches('\n').count() + 1;
    let line = text.lines().nth(line_number - 1).unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    // The table the line is in, so that `enabled` reads as `federation.enabled`.
    let table = text
        .lines()
        .take(line_number)
        .filter_map(|l| l.trim().strip_prefix('[').and_then(|l| l.strip_suffix(']')))
        .last();
    match (key, table) {
        (Some(key), Some(table)) => format!(
            "the config file {} is not valid at line {line_number}, key `{table}.{key}`: {message}",
            path.display()
        ),
        (Some(key), None) => format!(
            "the config file {} is not valid at line {line_number}, key `{key}`: {message}",
            path.display()
        ),
        (None, _) => format!(
            "the config file {} is not valid at line {line_number}: {message}",
            path.display()
        ),
    }
}

/// A public name; on a test network, `host:port` too (a test camp on a private address).
pub fn check_domain_for(domain: &str, test_network: bool) -> Result<(), String> {
    if test_network
        && let Some((host, port)) = domain.rsplit_once(':')
        && port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return check_domain(host);
    }
    check_domain(domain).map_err(|e| {
        if domain.contains(':') {
            format!("{e}; a name with a port is taken only with [federation.test_network]")
        } else {
            e
        }
    })
}

pub fn check_domain(domain: &str) -> Result<(), String> {
    let ok = !domain.is_empty()
        && domain.len() <= 253
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "\"{domain}\" is not a valid domain name (like camp.example)"
        ))
    }
}
