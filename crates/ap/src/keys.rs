//! Actor keys: RSA-2048, as every fediverse server expects. `ring` signs and verifies (it is
//! constant-time and fast), but cannot generate RSA keys, so generation and PEM parsing use the
//! `rsa` crate; its private-key operations are never used.

use std::fmt;

use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;

/// A key the server signs with: PKCS#8, and its public half as SPKI PEM (what actor documents
/// publish in `publicKey.publicKeyPem`).
pub struct PrivateKey {
    pair: ring::signature::RsaKeyPair,
    pkcs8_pem: String,
    public_pem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for KeyError {}

impl PrivateKey {
    /// A new RSA-2048 key (takes a fraction of a second: do it once per actor, off the async
    /// runtime).
    pub fn generate() -> Result<PrivateKey, KeyError> {
        let mut rng = rsa::rand_core::OsRng;
        let key = rsa::RsaPrivateKey::new(&mut rng, 2048)
            .map_err(|e| KeyError(format!("could not generate a key: {e}")))?;
        let pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError(format!("could not encode a key: {e}")))?;
        PrivateKey::from_pkcs8_pem(&pem)
    }

    pub fn from_pkcs8_pem(pem: &str) -> Result<PrivateKey, KeyError> {
        use rsa::pkcs8::DecodePrivateKey;
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| KeyError(format!("not a PKCS#8 RSA key: {e}")))?;
        let der = key
            .to_pkcs8_der()
            .map_err(|e| KeyError(format!("could not encode a key: {e}")))?;
        let pair = ring::signature::RsaKeyPair::from_pkcs8(der.as_bytes())
            .map_err(|e| KeyError(format!("the key is not usable for signing: {e}")))?;
        let public_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| KeyError(format!("could not encode a public key: {e}")))?;
        Ok(PrivateKey {
            pair,
            pkcs8_pem: pem.to_string(),
            public_pem,
        })
    }

    pub fn pkcs8_pem(&self) -> &str {
        &self.pkcs8_pem
    }

    pub fn public_pem(&self) -> &str {
        &self.public_pem
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256: `rsa-sha256` in draft-cavage, `rsa-v1_5-sha256` in RFC 9421.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let rng = ring::rand::SystemRandom::new();
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &rng,
                message,
                &mut signature,
            )
            .expect("signing with a valid RSA key and a correctly sized buffer cannot fail");
        signature
    }
}

/// Someone else's public key, as their actor document published it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

impl PublicKey {
    /// Reads SPKI (`BEGIN PUBLIC KEY`, what nearly everyone sends) or PKCS#1
    /// (`BEGIN RSA PUBLIC KEY`, what some older servers send).
    pub fn from_pem(pem: &str) -> Result<PublicKey, KeyError> {
        let pem = pem.trim();
        let key = if pem.starts_with("-----BEGIN RSA PUBLIC KEY-----") {
            rsa::RsaPublicKey::from_pkcs1_pem(pem)
                .map_err(|e| KeyError(format!("not a PKCS#1 RSA public key: {e}")))?
        } else {
            rsa::RsaPublicKey::from_public_key_pem(pem)
                .map_err(|e| KeyError(format!("not an RSA public key: {e}")))?
        };
        Ok(PublicKey {
            n: key.n().to_bytes_be(),
            e: key.e().to_bytes_be(),
        })
    }

    /// Checks an RSASSA-PKCS1-v1_5 SHA-256 signature (keys of 2048 to 8192 bits).
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let components = ring::signature::RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        };
        components
            .verify(
                &ring::signature::RSA_PKCS1_2048_8192_SHA256,
                message,
                signature,
            )
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_and_its_pem_verifies() {
        let key = PrivateKey::generate().unwrap();
        let again = PrivateKey::from_pkcs8_pem(key.pkcs8_pem()).unwrap();
        assert_eq!(again.public_pem(), key.public_pem());
        let public = PublicKey::from_pem(key.public_pem()).unwrap();
        let signature = again.sign(b"hello");
        assert!(public.verify(b"hello", &signature));
        assert!(!public.verify(b"hellO", &signature));
    }

    #[test]
    fn pkcs1_public_keys_are_read_too() {
        use rsa::pkcs1::EncodeRsaPublicKey;
        let key = PrivateKey::generate().unwrap();
        let spki = rsa::RsaPublicKey::from_public_key_pem(key.public_pem()).unwrap();
        let pkcs1 = spki.to_pkcs1_pem(LineEnding::LF).unwrap();
        assert!(pkcs1.starts_with("-----BEGIN RSA PUBLIC KEY-----"));
        let public = PublicKey::from_pem(&pkcs1).unwrap();
        assert!(public.verify(b"x", &key.sign(b"x")));
    }

    #[test]
    fn garbage_is_a_clear_error() {
        assert!(
            PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
                .is_err()
        );
        assert!(PrivateKey::from_pkcs8_pem("nope").is_err());
    }
}
