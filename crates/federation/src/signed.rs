//! One check for a signed request, for the inbox and authorized fetch alike: the signature's
//! header and date, a signer not on a suspended server, the signer's key (fetched once more if
//! the stored one fails, since keys get rotated), and the signature itself. Two copies of this
//! drifted once: authorized fetch let a server suspended after its key was stored read on, and
//! never fetched a rotated key.

use std::time::SystemTime;

use porchlight_ap::inbound;
use porchlight_ap::keys::PublicKey;
use porchlight_ap::signature::{self, Incoming};
use porchlight_db::Db;
use porchlight_db::federation::{self as store, BlockLevel, RemoteAccount};

use crate::inbox::Refusal;
use crate::{Federation, resolve};

/// Who signed `req`, if the signature holds. Refusals: `Unauthorized` for a missing, bad or
/// stale signature, `Forbidden` for a signer on a suspended server, `KeyUnavailable` when the
/// signer's key cannot be had at all, `Unavailable` when the database fails.
pub fn verify_signed_request(
    fed: &Federation,
    db: &Db,
    req: &Incoming,
) -> Result<RemoteAccount, Refusal> {
    verify_parsed(fed, db, &parse(fed, req)?)
}

/// The signature of `req`, read (no I/O): a request without a usable one is refused before
/// anything else is looked at. So is one sent to another name than this camp's: the signature
/// covers the `Host` it was made for, and a request captured on its way to another server must
/// not be replayable here within the clock's window.
pub fn parse(fed: &Federation, req: &Incoming) -> Result<signature::Parsed, Refusal> {
    if !req.authority.eq_ignore_ascii_case(&fed.me.host) {
        return Err(Refusal::Unauthorized(format!(
            "the request is for {}, not for this server ({})",
            req.authority, fed.me.host
        )));
    }
    signature::parse(req, SystemTime::now()).map_err(|e| Refusal::Unauthorized(e.to_string()))
}

/// The rest of [`verify_signed_request`], for a signature already read.
pub fn verify_parsed(
    fed: &Federation,
    db: &Db,
    parsed: &signature::Parsed,
) -> Result<RemoteAccount, Refusal> {
    let signer_host = inbound::host(&parsed.key_id)
        .ok_or_else(|| Refusal::Unauthorized("the key id is not a URL".into()))?;
    if let Some(block) = db.read(|c| store::block_for(c, &signer_host))?
        && block.level == BlockLevel::Suspend
    {
        return Err(Refusal::Forbidden(format!(
            "{signer_host} is blocked on this server"
        )));
    }
    let (owner, fresh) = resolve::key_owner(fed, db, &parsed.key_id, false)
        .map_err(|e| Refusal::KeyUnavailable(format!("cannot get the signing key: {e}")))?;
    let verify = |owner: &RemoteAccount| {
        PublicKey::from_pem(&owner.public_key_pem)
            .map_err(|e| Refusal::Unauthorized(e.to_string()))
            .and_then(|key| {
                parsed
                    .verify(&key)
                    .map_err(|e| Refusal::Unauthorized(e.to_string()))
            })
    };
    match verify(&owner) {
        Ok(()) => Ok(owner),
        // The key may have been rotated since it was stored: fetch it once more, at most every
        // few minutes per key. (A stored key that fails and cannot be fetched again is a bad
        // signature, not a missing key.)
        Err(_) if !fresh && fed.may_refetch_key(&parsed.key_id) => {
            let (owner, _) = resolve::key_owner(fed, db, &parsed.key_id, true)
                .map_err(|e| Refusal::Unauthorized(format!("cannot get the signing key: {e}")))?;
            verify(&owner)?;
            Ok(owner)
        }
        Err(e) => Err(e),
    }
}
