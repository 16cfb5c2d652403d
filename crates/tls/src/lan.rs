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
/// key is written readable by the owner only). A pair that a power cut left empty or half
/// written is replaced by a new one, so the box always starts.
pub fn lan_certificate(dir: &Path, names: &[String]) -> Result<Certificate, String> {
    let cert_path = dir.join(CERT_FILE);
    let key_path = dir.join(KEY_FILE);
    if let (Ok(cert_pem), Ok(key_pem)) = (
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&key_path),
    ) {
        match certificate(cert_pem, key_pem) {
            Ok(kept) => return Ok(kept),
            Err(why) => log::warn!(
                "the home-network certificate in {} cannot be used ({why}); making a new one \
                 (browsers will ask once more to trust the box)",
                dir.display()
            ),
        }
    }
    let made = rcgen::generate_simple_self_signed(names.to_vec())
        .map_err(|e| format!("cannot make a certificate: {e}"))?;
    let cert_pem = made.cert.pem();
    let key_pem = made.signing_key.serialize_pem();
    // Each file is whole or absent after a power cut; a pair missing either is made again.
    write_atomically(dir, KEY_FILE, &key_pem)?;
    write_atomically(dir, CERT_FILE, &cert_pem)?;
    log::info!(
        "made a certificate for {} in {}",
        names.join(", "),
        dir.display()
    );
    certificate(cert_pem, key_pem)
}

/// Writes `text` to `dir/name` so that a power cut leaves the old file or the new one, never
/// a part: a temporary file, synced, renamed over, and the folder synced. Owner-only.
pub(crate) fn write_atomically(dir: &Path, name: &str, text: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let temporary = dir.join(format!("{name}.new"));
    write_private(&temporary, text)?;
    let path = dir.join(name);
    std::fs::rename(&temporary, &path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
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
    rustls::pki_types::PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| format!("the key file is not a key: {e}"))?;
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
        // What a power cut can leave: an empty certificate, a garbled key, a missing file.
        // Each time a new pair is made and the box starts.
        for (file, damage) in [
            (CERT_FILE, Some("")),
            (KEY_FILE, Some("garbage")),
            (CERT_FILE, None),
        ] {
            let path = dir.path().join(file);
            match damage {
                Some(text) => std::fs::write(&path, text).unwrap(),
                None => std::fs::remove_file(&path).unwrap(),
            }
            let remade = lan_certificate(dir.path(), &names).unwrap();
            assert_ne!(remade.fingerprint, first.fingerprint, "{file} {damage:?}");
            assert!(crate::Certs::new(&remade).is_ok(), "{file} {damage:?}");
            assert_eq!(
                lan_certificate(dir.path(), &names).unwrap().fingerprint,
                remade.fingerprint,
                "the new pair is kept"
            );
        }
        assert!(!dir.path().join(format!("{CERT_FILE}.new")).exists());
    }
}
