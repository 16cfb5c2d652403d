//! Configuration: built-in defaults, then the config file, then command-line flags.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Common;

pub const DEFAULT_DATA: &str = "porchlight-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

#[derive(Clone, Debug)]
pub struct Config {
    pub data: PathBuf,
    pub listen: String,
    pub domain: Option<String>,
    pub max_post_chars: usize,
}

/// What a config file may say; every key is optional.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    listen: Option<String>,
    domain: Option<String>,
    max_post_chars: Option<usize>,
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
        if let Some(domain) = &file.domain {
            check_domain(domain)?;
        }
        Ok(Config {
            data: common
                .data
                .clone()
                .or(file.data)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA)),
            listen: file.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
            domain: file.domain,
            max_post_chars,
        })
    }

    pub fn limits(&self) -> porchlight_app::Limits {
        porchlight_app::Limits {
            max_post_chars: self.max_post_chars,
            ..Default::default()
        }
    }

    /// The address of the camp for links printed on the command line.
    pub fn base_url(&self) -> String {
        match &self.domain {
            Some(domain) => format!("https://{domain}"),
            None => format!("http://{}", self.listen),
        }
    }

    pub fn base_url_for(&self, bound: SocketAddr) -> String {
        match &self.domain {
            Some(domain) => format!("https://{domain}"),
            None => format!("http://{bound}"),
        }
    }
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the config file {}: {e}", path.display()))?;
    toml::from_str(&text)
        .map_err(|e| format!("the config file {} is not valid: {e}", path.display()))
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
