//! The camp's public name (set on the setup page or the host's page, unless the config file
//! fixes it) and how the certificate for it is doing.

use porchlight_core::AccountId;
use porchlight_core::audience::Role;
use porchlight_tls::Status;

use crate::members::require_role;
use crate::{App, AppError, AppResult};

pub(crate) const PUBLIC_NAME: &str = "public_domain";
const CERTIFICATE_STATUS: &str = "certificate_status";
/// Where the running server said people reach it, for links made while it runs elsewhere (the
/// command line's invite links).
const SERVED_AT: &str = "served_at";

impl App {
    /// How far the camp is set up: members, hosts, whether an invite was made, whether it has
    /// a public name (or talks to other servers under a fixed one).
    pub fn setup_progress(&self) -> AppResult<porchlight_db::accounts::SetupProgress> {
        let progress = self
            .db
            .read(|c| porchlight_db::accounts::setup_progress(c, PUBLIC_NAME))?;
        Ok(porchlight_db::accounts::SetupProgress {
            named: progress.named || self.federation.is_some(),
            ..progress
        })
    }

    /// The public name the host gave on a page, if any.
    pub fn public_domain(&self) -> AppResult<Option<String>> {
        Ok(self
            .db
            .read(|c| porchlight_db::get_setting(c, PUBLIC_NAME))?)
    }

    /// The server records, each time it starts, the address it is reached at (its public
    /// name, or the name and port it serves on), so that links made from the command line
    /// while it runs point where it really is.
    pub fn record_served_at(&self, base_url: &str) -> AppResult<()> {
        Ok(self
            .db
            .write(|tx| porchlight_db::set_setting(tx, SERVED_AT, base_url))?)
    }

    /// The camp's address for links made away from a request (the command line's invites):
    /// `fixed` (the config file's public name) if given, else the public name the host set on
    /// a page, else where the server last said it is reached, else `fallback`.
    pub fn link_base(&self, fixed: Option<&str>, fallback: &str) -> AppResult<String> {
        if let Some(domain) = fixed {
            return Ok(format!("https://{domain}"));
        }
        if let Some(domain) = self.public_domain()? {
            return Ok(format!("https://{domain}"));
        }
        Ok(self
            .db
            .read(|c| porchlight_db::get_setting(c, SERVED_AT))?
            .unwrap_or_else(|| fallback.to_string()))
    }

    /// A host gives the camp its public name (or, with an empty `name`, takes it away). Returns
    /// the name as kept. The server must restart to federate under it.
    pub fn set_public_domain(&self, by: AccountId, name: &str) -> AppResult<Option<String>> {
        let name = if name.trim().is_empty() {
            None
        } else {
            Some(porchlight_core::check_public_name(name).map_err(AppError::Invalid)?)
        };
        self.db.write(|tx| {
            require_role(tx, by, Role::Host)?;
            match &name {
                Some(name) => porchlight_db::set_setting(tx, PUBLIC_NAME, name)?,
                None => porchlight_db::delete_setting(tx, PUBLIC_NAME)?,
            }
            Ok::<(), AppError>(())
        })?;
        log::info!(
            "the host set the camp's public name to {}",
            name.as_deref().unwrap_or("nothing")
        );
        Ok(name)
    }

    /// The last thing the certificate keeper reported.
    pub fn certificate_status(&self) -> AppResult<Option<Status>> {
        let text = self
            .db
            .read(|c| porchlight_db::get_setting(c, CERTIFICATE_STATUS))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Keeps what the certificate keeper reports, for the host's page and the lights.
    pub fn record_certificate_status(&self, status: &Status) -> AppResult<()> {
        let text = serde_json::to_string(status)
            .map_err(|e| AppError::Invalid(format!("cannot record the status: {e}")))?;
        self.db.write(|tx| {
            Ok::<(), AppError>(porchlight_db::set_setting(tx, CERTIFICATE_STATUS, &text)?)
        })
    }

    /// Whether getting or renewing the certificate for `domain` is failing.
    pub fn certificate_failing(&self, domain: Option<&str>) -> bool {
        matches!(
            (self.certificate_status(), domain),
            (Ok(Some(Status::Failing { domain: d, .. })), Some(want)) if d == want
        )
    }

    /// A sentence for the host's attention list when the certificate for `domain` is failing.
    pub(crate) fn certificate_note(&self, domain: &str, now: i64) -> AppResult<Option<String>> {
        let Some(Status::Failing {
            domain: d,
            error,
            retry_at,
            valid_until,
            ..
        }) = self.certificate_status()?
        else {
            return Ok(None);
        };
        if d != domain {
            return Ok(None);
        }
        let still = match valid_until {
            Some(end) if end > now => format!(
                " The current certificate still works for {}.",
                in_words(end - now)
            ),
            _ => " Until then, browsers warn people who open the public address.".to_string(),
        };
        Ok(Some(format!(
            "The certificate for {domain} could not be {}: {error} Porchlight tries again in {}.{still}",
            if valid_until.is_some() {
                "renewed"
            } else {
                "obtained"
            },
            in_words((retry_at - now).max(60)),
        )))
    }
}

/// "5 minutes", "3 hours", "12 days".
pub(crate) fn in_words(seconds: i64) -> String {
    let (n, unit) = match seconds {
        ..=5_399 => ((seconds + 30) / 60, "minute"),
        5_400..=172_799 => ((seconds + 1_800) / 3_600, "hour"),
        _ => ((seconds + 43_200) / 86_400, "day"),
    };
    let n = n.max(1);
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        for (seconds, want) in [
            (10, "1 minute"),
            (600, "10 minutes"),
            (5_400, "2 hours"),
            (3 * 86_400, "3 days"),
        ] {
            assert_eq!(in_words(seconds), want);
        }
    }
}
