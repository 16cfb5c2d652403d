//! Porchlight's vocabulary and pure rules: who may see and do what with a post, the member cap,
//! usernames, and how post text becomes safe HTML. No I/O, no async: everything here is tested by
//! tables of cases, and every other crate asks these functions instead of deciding for itself.

pub mod audience;
pub mod blocklists;
pub mod bugle;
pub mod emoji;
pub mod events;
pub mod filters;
pub mod lists;
pub mod look;
pub mod media;
pub mod members;
pub mod moderation;
pub mod neighborhood;
pub mod network;
pub mod polls;
pub mod push;
pub mod scopes;
pub mod text;
pub mod views;

/// Row id of an account (a member of this server; later also a remote actor).
pub type AccountId = i64;
/// Row id of a post (a status, a reply or a boost).
pub type PostId = i64;
/// Seconds since the Unix epoch, UTC.
pub type UnixTime = i64;

/// The most characters a post may have unless the host configures otherwise.
pub const DEFAULT_MAX_POST_CHARS: usize = 500;

/// A public name a host gives the camp (`camp.example`), lower-cased, or why it cannot be one:
/// it must be a DNS name a certificate authority will issue for, so not an address, not a name
/// without a dot, and not a name that only works at home (`.local`, `.home.arpa`, `localhost`).
pub fn check_public_name(name: &str) -> Result<String, String> {
    let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
    let name = name
        .strip_prefix("https://")
        .or_else(|| name.strip_prefix("http://"))
        .unwrap_or(&name)
        .trim_end_matches('/')
        .to_string();
    if name.is_empty() {
        return Err("Type the name, like camp.example.".into());
    }
    let labels: Vec<&str> = name.split('.').collect();
    let well_formed = name.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !well_formed {
        return Err(format!(
            "\"{name}\" is not a name like camp.example: use letters, digits, dots and dashes."
        ));
    }
    if labels.len() < 2
        || labels
            .last()
            .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(format!(
            "\"{name}\" is not a public name: it needs a domain, like camp.example (an address \
             or a single word will not get a certificate)."
        ));
    }
    let home_only = name == "localhost"
        || [
            ".local",
            ".localhost",
            ".home.arpa",
            ".lan",
            ".internal",
            ".home",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix));
    if home_only {
        return Err(format!(
            "\"{name}\" works only at home; a public name is one the whole internet can look up."
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_names() {
        let cases: &[(&str, Option<&str>)] = &[
            ("camp.example", Some("camp.example")),
            ("  Camp.Example. ", Some("camp.example")),
            ("https://camp.example/", Some("camp.example")),
            ("social.my-family.org", Some("social.my-family.org")),
            ("xn--bcher-kva.example", Some("xn--bcher-kva.example")),
            ("", None),
            ("camp", None),
            ("192.168.1.10", None),
            ("porchlight.local", None),
            ("localhost", None),
            ("box.home.arpa", None),
            ("camp.example:8443", None),
            ("-camp.example", None),
            ("camp..example", None),
            ("camp_site.example", None),
            ("cämp.example", None),
        ];
        for (input, want) in cases {
            assert_eq!(check_public_name(input).ok().as_deref(), *want, "{input:?}");
        }
    }
}
