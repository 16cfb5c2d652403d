//! The certificate for the home network: made on first start (self-signed, for
//! `porchlight.local`, `localhost` and whatever names the host gives) and kept in the data
//! folder. Browsers warn about a self-signed certificate once; the setup page shows its SHA-256
//! fingerprint so the host can check it is the box's own.

use std::path::Path;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The certificate the server presents.
pub struct Certificate {
    pub cert_pem: String,
    pub key_pem: String,
    /// SHA-256 of the certificate, as browsers show it: `AB:CD:…`.
    pub fingerprint: String,
}

const CERT_FILE: &str = "lan-cert.pem";
const KEY_FILE: &str = "lan-key.pem";

/// The LAN certificate in `dir`: the one made earlier, or a new one for `names` (made once; the
/// key is written readable by the owner only).
pub fn lan_certificate(dir: &Path, names: &[String]) -> Result<Certificate, String> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if let (Ok(cert_pem), Ok(key_pem)) = (
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&key_path),
    ) {
        return certificate(cert_pem, key_pem);
    }
    let made = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| format!("cannot make a certificate: {e}"))?;
    let cert_pem = made.cert.pem();
    let key_pem = made.signing_key.serialize_pem();
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    write_private(&key_path, &key_pem)?;
    std::fs::write(&cert_path, &cert_pem)
        .map_err(|e| format!("cannot write {}: {e}", cert_path.display()))?;
    log::info!(
        "made a certificate for {} in {}",
        names.join(", "),
        dir.display()
    );
    certificate(cert_pem, key_pem)
}

pub(crate) fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn certificate(cert_pem: String, key_pem: String) -> Result<Certificate, String> {
    let der = CertificateDer::from_pem_slice(cert_pem.as_bytes())
        .map_err(|e| format!("the certificate file is not a certificate: {e}"))?;
    let fingerprint = fingerprint(der.as_ref());
    Ok(Certificate {
        cert_pem,
        key_pem,
        fingerprint,
    })
}

/// SHA-256 of a DER certificate as browsers show it: `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["porchlight.local".to_string(), "localhost".to_string()];
        let first = lan_certificate(dir.path(), &names).unwrap();
        assert_eq!(first.fingerprint.len(), 32 * 3 - 1);
        let again = lan_certificate(dir.path(), &names).unwrap();
        assert_eq!(first.fingerprint, again.fingerprint);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(KEY_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the owner reads the key");
        assert!(crate::Certs::new(&first).is_ok());
        std::fs::write(dir.path().join(KEY_FILE), "garbage").unwrap();
        let damaged = lan_certificate(dir.path(), &names).unwrap();
        assert!(
            crate::Certs::new(&damaged).is_err(),
            "a damaged key is a clear error"
        );
    }
}
