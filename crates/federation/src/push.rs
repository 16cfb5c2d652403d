//! Web Push: messages to a member's phone when something happens (a mention, a follow…), sent
//! to the push service their app subscribed with. Each message is encrypted for the device
//! (RFC 8291: ECDH on P-256, HKDF, AES-128-GCM) and signed for the push service with the camp's
//! VAPID key (RFC 8292: an ES256 JWT), all with ring. A thread pushes what is new about once
//! every 300 ms; how far each subscription got is stored, so a push interrupted by a restart
//! is sent after it, and a failing push service is tried again later.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use porchlight_core::push::{alert_of, title, wanted};
use porchlight_db::push::{self as store, Pending, Subscription};
use porchlight_db::{Db, now};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use ring::{aead, agreement, hkdf};
use serde_json::json;

use crate::{FedError, Federation, FetchError};

/// Why a message could not be made (a device key that is not a P-256 point, say).
#[derive(Debug)]
pub struct PushError(pub String);

impl fmt::Display for PushError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The record size announced in the header: one record holds any message the camp sends.
const RECORD_SIZE: u32 = 4096;

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(ikm);
    let mut out = vec![0; len];
    prk.expand(&[info], Len(len))
        .and_then(|okm| okm.fill(&mut out))
        .expect("HKDF-SHA256 gives up to 255 × 32 bytes");
    out
}

/// `payload` encrypted for a device with the `aes128gcm` content coding (RFC 8188 and 8291):
/// salt, record size, the camp's one-time public key, then one sealed record.
pub fn encrypt(device_key: &[u8], auth: &[u8], payload: &[u8]) -> Result<Vec<u8>, PushError> {
    if payload.len() + 17 > RECORD_SIZE as usize {
        return Err(PushError("the message is too long for one record".into()));
    }
    let rng = SystemRandom::new();
    let fail = |what: &str| PushError(what.to_string());
    let ours = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| fail("no key could be made"))?;
    let our_public = ours
        .compute_public_key()
        .map_err(|_| fail("no public key"))?
        .as_ref()
        .to_vec();
    let theirs = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, device_key);
    let shared = agreement::agree_ephemeral(ours, &theirs, |secret| secret.to_vec())
        .map_err(|_| fail("the device's key is not a P-256 public key"))?;
    let mut key_info = b"WebPush: info\0".to_vec();
    key_info.extend_from_slice(device_key);
    key_info.extend_from_slice(&our_public);
    let ikm = hkdf_sha256(auth, &shared, &key_info, 32);
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| fail("no randomness"))?;
    let cek = hkdf_sha256(&salt, &ikm, b"Content-Encoding: aes128gcm\0", 16);
    let nonce = hkdf_sha256(&salt, &ikm, b"Content-Encoding: nonce\0", 12);
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| fail("no AES key"))?,
    );
    // The last (and only) record ends with the delimiter 2.
    let mut record = payload.to_vec();
    record.push(2);
    key.seal_in_place_append_tag(
        aead::Nonce::try_assume_unique_for_key(&nonce).map_err(|_| fail("no nonce"))?,
        aead::Aad::empty(),
        &mut record,
    )
    .map_err(|_| fail("sealing failed"))?;
    let mut out = salt.to_vec();
    out.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    out.push(our_public.len() as u8);
    out.extend_from_slice(&our_public);
    out.extend_from_slice(&record);
    Ok(out)
}

/// The `Authorization` header of a push (RFC 8292): a JWT for the push service's origin,
/// signed with the camp's key, and that key.
pub fn vapid_authorization(
    key: &EcdsaKeyPair,
    endpoint: &str,
    subject: &str,
    now: i64,
) -> Result<String, PushError> {
    let origin = url::Url::parse(endpoint)
        .map_err(|e| PushError(format!("{endpoint}: {e}")))?
        .origin()
        .ascii_serialization();
    let header = B64.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = B64.encode(
        json!({ "aud": origin, "exp": now + 12 * 3600, "sub": subject })
            .to_string()
            .as_bytes(),
    );
    let signing_input = format!("{header}.{claims}");
    let signature = key
        .sign(&SystemRandom::new(), signing_input.as_bytes())
        .map_err(|_| PushError("signing failed".into()))?;
    Ok(format!(
        "vapid t={signing_input}.{}, k={}",
        B64.encode(signature.as_ref()),
        B64.encode(key.public_key().as_ref())
    ))
}

/// The camp's VAPID key, made the first time it is needed and kept (apps are told its public
/// half when they subscribe; a new one would orphan every subscription).
pub fn vapid_key(db: &Db) -> Result<EcdsaKeyPair, FedError> {
    const SETTING: &str = "vapid_private_pkcs8";
    let rng = SystemRandom::new();
    let stored = match db.read(|c| porchlight_db::get_setting(c, SETTING))? {
        Some(stored) => stored,
        None => {
            let fresh = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(|_| FedError::Key("no VAPID key could be made".into()))?;
            let fresh = B64.encode(fresh.as_ref());
            db.write(|tx| {
                if porchlight_db::get_setting(tx, SETTING)?.is_none() {
                    porchlight_db::set_setting(tx, SETTING, &fresh)?;
                }
                porchlight_db::get_setting(tx, SETTING)
            })?
            .unwrap_or_default()
        }
    };
    let pkcs8 = B64
        .decode(stored)
        .map_err(|_| FedError::Key("the stored VAPID key is garbled".into()))?;
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &pkcs8, &rng)
        .map_err(|_| FedError::Key("the stored VAPID key is not a P-256 key".into()))
}

/// The camp's VAPID public key as apps take it (unpadded base64url of the 65-byte point).
pub fn vapid_public_key(db: &Db) -> Result<String, FedError> {
    Ok(B64.encode(vapid_key(db)?.public_key().as_ref()))
}

/// After this many failed tries in a row, what waits is given up on (the notifications stay in
/// the app; only the push is dropped).
const GIVE_UP_ATTEMPTS: u32 = 8;

/// Pushes what is new for every subscription that has something; a failing push service is
/// tried again later, and a subscription its service says is gone (404, 410) is removed.
pub fn deliver_due(fed: &Federation, db: &Db) -> Result<(), FedError> {
    let due = db.read(|c| store::due(c, now()))?;
    if due.is_empty() {
        return Ok(());
    }
    let key = vapid_key(db)?;
    for sub in due {
        deliver(fed, db, &key, &sub)?;
    }
    Ok(())
}

fn deliver(
    fed: &Federation,
    db: &Db,
    key: &EcdsaKeyPair,
    sub: &Subscription,
) -> Result<(), FedError> {
    let pending = db.read(|c| store::pending(c, sub, 20))?;
    let mut done = sub.last_sent;
    for p in &pending {
        if wanted(p.kind, &sub.alerts, &sub.policy, p.followed, p.follower) {
            match push_one(fed, key, sub, p) {
                Ok(()) => {}
                Err(FetchError::Status(404 | 410)) => {
                    log::info!(
                        "push: {} is gone; the subscription is removed",
                        sub.endpoint
                    );
                    db.write(|tx| store::unsubscribe(tx, sub.token_id))?;
                    return Ok(());
                }
                Err(e) => {
                    log::info!("push to {} failed: {e}", sub.endpoint);
                    let attempts = sub.attempts + 1;
                    db.write(|tx| {
                        if attempts >= GIVE_UP_ATTEMPTS {
                            store::sent(tx, sub.token_id, pending.last().map_or(done, |l| l.id))
                        } else {
                            let wait = crate::workers::backoff(attempts, p.id as u64);
                            store::failed(tx, sub.token_id, done, now() + wait)
                        }
                    })?;
                    return Ok(());
                }
            }
        }
        done = p.id;
    }
    db.write(|tx| store::sent(tx, sub.token_id, done))?;
    Ok(())
}

/// One notification as Mastodon's push message, encrypted and sent.
fn push_one(
    fed: &Federation,
    key: &EcdsaKeyPair,
    sub: &Subscription,
    p: &Pending,
) -> Result<(), FetchError> {
    let body: String = p.text.as_deref().unwrap_or("").chars().take(200).collect();
    let message = json!({
        // (Mastodon also sends the app's access token; the camp keeps only tokens' hashes.)
        "access_token": "",
        "preferred_locale": "en",
        "notification_id": p.id.to_string(),
        "notification_type": alert_of(p.kind),
        "icon": format!("{}/static/avatar.png", fed.me.base_url),
        "title": title(p.kind, &p.from_name),
        "body": body,
    });
    let refused = |e: PushError| FetchError::Refused(e.0);
    let encrypted =
        encrypt(&sub.p256dh, &sub.auth, message.to_string().as_bytes()).map_err(refused)?;
    let authorization =
        vapid_authorization(key, &sub.endpoint, &fed.me.base_url, now()).map_err(refused)?;
    fed.client
        .post_push(&sub.endpoint, &encrypted, &authorization)
        .map(|_| ())
}
