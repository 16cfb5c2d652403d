//! Which certificate a TLS connection gets: the public one (from ACME) when the browser asks for
//! the camp's public name, the LAN certificate for everything else (`porchlight.local`, an IP
//! address, no name at all). The public certificate is swapped in place when it is renewed, so
//! renewal never restarts the server or drops a connection.

use std::sync::{Arc, RwLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::lan::Certificate;

/// The certificates the server presents.
#[derive(Debug)]
pub struct Certs {
    lan: Arc<CertifiedKey>,
    public: RwLock<Option<Public>>,
}

#[derive(Debug)]
struct Public {
    /// The name it is for, lower case.
    name: String,
    key: Arc<CertifiedKey>,
}

impl Certs {
    /// Serves `lan` until a public certificate is set.
    pub fn new(lan: &Certificate) -> Result<Arc<Certs>, String> {
        Ok(Arc::new(Certs {
            lan: certified_key(&lan.cert_pem, &lan.key_pem)?,
            public: RwLock::new(None),
        }))
    }

    /// From now on, connections for `name` get this certificate chain and key (PEM).
    pub fn set_public(&self, name: &str, chain_pem: &str, key_pem: &str) -> Result<(), String> {
        let key = certified_key(chain_pem, key_pem)?;
        *self.public.write().unwrap_or_else(|e| e.into_inner()) = Some(Public {
            name: name.to_ascii_lowercase(),
            key,
        });
        Ok(())
    }

    /// Whether a public certificate is being served.
    pub fn has_public(&self) -> bool {
        self.public
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .is_some()
    }

    /// What accepts TLS connections with these certificates (HTTP/1.1 only).
    pub fn acceptor(self: &Arc<Self>) -> Result<tokio_rustls::TlsAcceptor, String> {
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
    }
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        if let Some(asked) = hello.server_name() {
            let public = self.public.read().unwrap_or_else(|e| e.into_inner());
            if let Some(public) = public.as_ref()
                && public.name.eq_ignore_ascii_case(asked)
            {
                return Some(public.key.clone());
            }
        }
        Some(self.lan.clone())
    }
}

/// A chain and key in PEM, checked to go together.
fn certified_key(chain_pem: &str, key_pem: &str) -> Result<Arc<CertifiedKey>, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the certificate file is damaged: {e}"))?;
    if chain.is_empty() {
        return Err("the certificate file holds no certificate".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("the key file is damaged: {e}"))?;
    let provider = rustls::crypto::ring::default_provider();
    let certified = CertifiedKey::from_der(chain, key, &provider)
        .map_err(|e| format!("the certificate and key do not go together: {e}"))?;
    Ok(Arc::new(certified))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn made(name: &str) -> Certificate {
        let made = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
        Certificate {
            cert_pem: made.cert.pem(),
            key_pem: made.signing_key.serialize_pem(),
            fingerprint: String::new(),
        }
    }

    #[test]
    fn a_key_that_belongs_to_another_certificate_is_refused() {
        let one = made("one.example");
        let two = made("two.example");
        let certs = Certs::new(&one).unwrap();
        let err = certs
            .set_public("two.example", &two.cert_pem, &one.key_pem)
            .unwrap_err();
        assert!(err.contains("do not go together"), "{err}");
        assert!(!certs.has_public(), "nothing half-way");
        certs
            .set_public("two.example", &two.cert_pem, &two.key_pem)
            .unwrap();
        assert!(certs.has_public());
        assert!(certs.set_public("x", "", &two.key_pem).is_err());
    }
}
