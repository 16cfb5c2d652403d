//! Web Push subscriptions, as apps make them (`/api/v1/push/subscription`): one per app token.
//! Pushing itself is the federation workers' (`federation::push`), which reach the push
//! services through the same SSRF guard as everything else the camp fetches.

use base64::Engine;
use porchlight_core::push::{ALERTS, POLICIES};
use porchlight_db::now;
use porchlight_db::push::{self as store, NewSubscription, Subscription};

use crate::oauth::Bearer;
use crate::{App, AppError, AppResult};

/// What an app asks for when it subscribes.
pub struct Subscribe<'a> {
    pub endpoint: &'a str,
    /// The device's keys, base64url as apps send them.
    pub p256dh: &'a str,
    pub auth: &'a str,
    pub alerts: Vec<String>,
    pub policy: &'a str,
}

fn decode(what: &str, text: &str) -> AppResult<Vec<u8>> {
    let text = text.trim().trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
        .map_err(|_| AppError::Invalid(format!("The {what} key is not base64.")))
}

fn check_alerts_and_policy(alerts: &[String], policy: &str) -> AppResult<()> {
    if let Some(unknown) = alerts.iter().find(|a| !ALERTS.contains(&a.as_str())) {
        return Err(AppError::Invalid(format!("{unknown} is not an alert.")));
    }
    if !POLICIES.contains(&policy) {
        return Err(AppError::Invalid(format!(
            "The policy must be one of {}.",
            POLICIES.join(", ")
        )));
    }
    Ok(())
}

impl App {
    /// The camp's VAPID public key, which apps give their push service; None if the camp does
    /// not talk to other servers (it cannot push then).
    pub fn vapid_public_key(&self) -> AppResult<Option<String>> {
        match &self.federation {
            Some(_) => Ok(Some(
                porchlight_federation::push::vapid_public_key(&self.db)
                    .map_err(crate::remote::explain)?,
            )),
            None => Ok(None),
        }
    }

    /// Subscribes the token's device (replacing its earlier subscription). Checked whole first:
    /// an endpoint the camp may reach, a P-256 device key, a 16-byte secret, known alerts.
    pub fn subscribe_push(&self, bearer: &Bearer, ask: &Subscribe) -> AppResult<Subscription> {
        let fed = self.federating()?;
        let account = bearer.account_id.ok_or(AppError::NotSignedIn)?;
        fed.client
            .check_push_endpoint(ask.endpoint)
            .map_err(|e| AppError::Invalid(format!("The endpoint cannot be used: {e}.")))?;
        let p256dh = decode("p256dh", ask.p256dh)?;
        if p256dh.len() != 65 || p256dh[0] != 4 {
            return Err(AppError::Invalid(
                "The p256dh key must be an uncompressed P-256 point (65 bytes).".into(),
            ));
        }
        let auth = decode("auth", ask.auth)?;
        if auth.len() != 16 {
            return Err(AppError::Invalid(
                "The auth secret must be 16 bytes.".into(),
            ));
        }
        check_alerts_and_policy(&ask.alerts, ask.policy)?;
        self.db.write(|tx| {
            store::subscribe(
                tx,
                &NewSubscription {
                    token_id: bearer.token_id,
                    account_id: account,
                    endpoint: ask.endpoint,
                    p256dh: &p256dh,
                    auth: &auth,
                    alerts: &ask.alerts,
                    policy: ask.policy,
                },
                now(),
            )?;
            store::of_token(tx, bearer.token_id)?.ok_or(AppError::NotFound)
        })
    }

    /// The token's subscription.
    pub fn push_subscription(&self, bearer: &Bearer) -> AppResult<Subscription> {
        self.db
            .read(|c| store::of_token(c, bearer.token_id))?
            .ok_or(AppError::NotFound)
    }

    /// Changes what the token's subscription wants (`alerts` and `policy`).
    pub fn change_push_alerts(
        &self,
        bearer: &Bearer,
        alerts: &[String],
        policy: &str,
    ) -> AppResult<Subscription> {
        check_alerts_and_policy(alerts, policy)?;
        self.db.write(|tx| {
            if !store::set_alerts(tx, bearer.token_id, alerts, policy)? {
                return Err(AppError::NotFound);
            }
            store::of_token(tx, bearer.token_id)?.ok_or(AppError::NotFound)
        })
    }

    pub fn unsubscribe_push(&self, bearer: &Bearer) -> AppResult<()> {
        self.db.write(|tx| {
            store::unsubscribe(tx, bearer.token_id)?;
            Ok(())
        })
    }
}
