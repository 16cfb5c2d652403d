//! The public certificate, end to end against a real ACME server: Debian's `pebble` (Let's
//! Encrypt's test CA) on loopback, with `pebble-challtestsrv` answering its DNS so that the test
//! names resolve to 127.0.0.1. The host types the public name on the setup page; the server
//! restarts under it, proves the name over HTTP-01, serves the certificate to browsers that ask
//! for that name, keeps it across restarts, and says on the host's page when it fails.
//! `scripts/install-test-deps` installs pebble; set `PORCHLIGHT_SKIP_PEBBLE=1` to skip these
//! tests knowingly.

use crate::common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Server;
use porchlight_testkit::{Browser, PASSWORD};

/// pebble and its DNS server, on loopback ports of their own.
struct Pebble {
    children: Vec<Child>,
    /// The ACME directory URL.
    directory: String,
    /// The root pebble's own HTTPS listener is checked against.
    listener_root: PathBuf,
    management: SocketAddr,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let [port] = free_ports();
    port
}

/// `N` loopback ports free now, and each other's: all are held until all are found.
fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<TcpListener> = (0..N)
        .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
        .collect();
    std::array::from_fn(|i| held[i].local_addr().unwrap().port())
}

/// Whether something listens on `port` within 20 seconds.
fn port_opens(port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

impl Pebble {
    /// Starts pebble validating HTTP-01 on `http_port`, or `None` when told to skip.
    fn start(http_port: u16) -> Option<Pebble> {
        if std::env::var("PORCHLIGHT_SKIP_PEBBLE").as_deref() == Ok("1") {
            eprintln!("ACME tests skipped on request (PORCHLIGHT_SKIP_PEBBLE=1)");
            return None;
        }
        let found = |name: &str| {
            Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .is_ok_and(|o| o.status.success())
        };
        assert!(
            found("pebble") && found("pebble-challtestsrv"),
            "the ACME tests need Debian's pebble package: run scripts/install-test-deps (or \
             scripts/test, which does), or set PORCHLIGHT_SKIP_PEBBLE=1 to skip them knowingly"
        );
        let dir = tempfile::tempdir().unwrap();
        // pebble's own HTTPS listener needs a certificate; the ACME client is told to trust it.
        let made = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_string(),
            "localhost".to_string(),
        ])
        .unwrap();
        let listener_root = dir.path().join("listener.pem");
        std::fs::write(&listener_root, made.cert.pem()).unwrap();
        std::fs::write(
            dir.path().join("listener-key.pem"),
            made.signing_key.serialize_pem(),
        )
        .unwrap();
        // Each try on ports of its own: a port found free can be taken by another test before
        // pebble binds it (seen once under CI load), and then pebble never answers.
        const TRIES: u32 = 3;
        for attempt in 1..=TRIES {
            let [dns, acme, management, dns_management, tls] = free_ports();
            let config = serde_json::json!({
                "pebble": {
                    "listenAddress": format!("127.0.0.1:{acme}"),
                    "managementListenAddress": format!("127.0.0.1:{management}"),
                    "certificate": dir.path().join("listener.pem"),
                    "privateKey": dir.path().join("listener-key.pem"),
                    "httpPort": http_port,
                    "tlsPort": tls,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": false
                }
            });
            std::fs::write(dir.path().join("pebble.json"), config.to_string()).unwrap();
            let log = |name: &str| std::fs::File::create(dir.path().join(name)).unwrap();
            let challtestsrv = Command::new("pebble-challtestsrv")
                .args([
                    "-defaultIPv4",
                    "127.0.0.1",
                    "-defaultIPv6",
                    "",
                    "-dns01",
                    &format!("127.0.0.1:{dns}"),
                    "-http01",
                    "",
                    "-https01",
                    "",
                    "-tlsalpn01",
                    "",
                    "-management",
                    &format!("127.0.0.1:{dns_management}"),
                ])
                .stdout(log("dns.log"))
                .stderr(Stdio::null())
                .spawn()
                .expect("start pebble-challtestsrv");
            let pebble = Command::new("pebble")
                .arg("-config")
                .arg(dir.path().join("pebble.json"))
                .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
                // Validate at once (no random sleep) and never reject a good nonce at random.
                .env("PEBBLE_VA_NOSLEEP", "1")
                .env("PEBBLE_WFE_NONCEREJECT", "0")
                .stdout(log("pebble.log"))
                .stderr(Stdio::null())
                .spawn()
                .expect("start pebble");
            let mut children = vec![challtestsrv, pebble];
            // An open port is not yet a CA that answers: wait until its TLS listener serves a
            // request (a first ask that fails waits for the client's backoff, far past the test).
            let acme_at = SocketAddr::from(([127, 0, 0, 1], acme));
            let ready = port_opens(dns_management) && {
                let deadline = Instant::now() + Duration::from_secs(20);
                loop {
                    match fetch_checked(acme_at, "localhost", made.cert.pem().as_bytes()) {
                        Ok(_) => break true,
                        Err(_) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(100));
                        }
                        Err(_) => break false,
                    }
                }
            };
            if ready {
                return Some(Pebble {
                    children,
                    directory: format!("https://127.0.0.1:{acme}/dir"),
                    listener_root,
                    management: SocketAddr::from(([127, 0, 0, 1], management)),
                    _dir: dir,
                });
            }
            for child in &mut children {
                let _ = child.kill();
                let _ = child.wait();
            }
            let said = std::fs::read_to_string(dir.path().join("pebble.log")).unwrap_or_default();
            assert!(
                attempt < TRIES,
                "pebble did not answer over TLS in {TRIES} tries; its log:\n{said}"
            );
            eprintln!(
                "pebble did not answer over TLS (try {attempt}); again on other ports:\n{said}"
            );
        }
        unreachable!("every try returns or asserts")
    }

    /// The root that pebble's certificates chain to (it makes a new one each start).
    fn issuing_root(&self) -> Vec<u8> {
        let root = std::fs::read(&self.listener_root).unwrap();
        let mut browser = Browser::trusting(&format!("https://{}", self.management), &root);
        let answer = browser.get("/roots/0");
        assert_eq!(answer.status, 200, "pebble's root: {}", answer.body);
        answer.body.into_bytes()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("pebble.log")).unwrap_or_default()
    }

    /// A folder for a camp: its data folder and a config file that points it at this pebble.
    fn camp(&self, domain: Option<&str>) -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let config = self.config(dir.path(), domain);
        let data = dir.path().join("data");
        (dir, data, config)
    }

    fn config(&self, at: &Path, domain: Option<&str>) -> PathBuf {
        let mut text = format!(
            "[acme]\ndirectory = \"{}\"\nca_root = \"{}\"\ncontact = \"host@camp.test\"\n",
            self.directory,
            self.listener_root.display()
        );
        if let Some(domain) = domain {
            text = format!("domain = \"{domain}\"\n{text}");
        }
        let path = at.join("porchlight.toml");
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Pebble {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The HTTPS address the server logged last.
fn https_address(server: &mut Server) -> SocketAddr {
    let line = server.wait_for("HTTPS on https://");
    line.split("HTTPS on https://")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Connects to `at` asking for `name` (SNI), checks the certificate against `root` as a browser
/// would, and returns the answer to `GET /health`.
fn fetch_checked(at: SocketAddr, name: &str, root: &[u8]) -> Result<String, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(root) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let server_name = rustls::pki_types::ServerName::try_from(name.to_string()).unwrap();
    let connection = rustls::ClientConnection::new(Arc::new(config), server_name).unwrap();
    let socket = TcpStream::connect(at).map_err(|e| e.to_string())?;
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(connection, socket);
    tls.write_all(
        format!("GET /health HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .map_err(|e| e.to_string())?;
    let mut answer = String::new();
    match tls.read_to_string(&mut answer) {
        Ok(_) => Ok(answer),
        // The server may close without a TLS close_notify once the answer is out.
        Err(e) if !answer.is_empty() && e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(answer),
        Err(e) => Err(e.to_string()),
    }
}

/// Fills in the setup page as the host, with `domain` as the public address.
fn set_up(host: &mut Browser, setup_path: &str, domain: &str) -> porchlight_testkit::Answer {
    host.post(
        setup_path,
        &[
            ("site_name", "Test Camp"),
            ("username", "hana"),
            ("password", PASSWORD),
            ("code_of_conduct", "Be kind."),
            ("domain", domain),
        ],
    )
}

#[test]
fn a_public_name_from_the_setup_page_gets_a_certificate_and_keeps_it() {
    let http_port = free_port();
    let Some(pebble) = Pebble::start(http_port) else {
        return;
    };
    let (_dir, data, config) = pebble.camp(None);
    let listen = format!("127.0.0.1:{http_port}");
    let args = [
        "--https",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
    ];
    let mut server = Server::start_at(&data, &listen, &args, &[]);
    let https = https_address(&mut server);
    let link_line = server.wait_for("To create the host account, open:");
    let link = link_line.split("open: ").nth(1).unwrap().trim().to_string();
    let setup_path = link.split_once(&https.to_string()).unwrap().1.to_string();

    // The host sets up the camp over HTTPS with the box's own certificate, naming it camp.test.
    let lan_root = std::fs::read(data.join("tls/lan-cert.pem")).unwrap();
    let mut host = Browser::trusting(&format!("https://{https}"), &lan_root);
    host.get(&setup_path)
        .assert_status(200)
        .assert_contains("Public address");
    // A name that cannot get a certificate is refused, and nothing is set up.
    set_up(&mut host, &setup_path, "porchlight.local")
        .assert_status(422)
        .assert_contains("works only at home");
    host.get(&setup_path).assert_status(200);
    let restarting = set_up(&mut host, &setup_path, "Camp.Test");
    restarting
        .assert_status(200)
        .assert_contains("restarting to take its public address")
        .assert_contains("camp.test");
    assert!(host.is_logged_in(), "the host is logged in");

    // The same process starts again under the new name and gets its certificate.
    server.forget_until("Porchlight stopped; starting again.");
    server.wait_for("federating as https://camp.test");
    let https = https_address(&mut server);
    server.wait_for("certificate: got one for camp.test");
    let root = pebble.issuing_root();
    let answer = fetch_checked(https, "camp.test", &root)
        .unwrap_or_else(|e| panic!("TLS for camp.test: {e}\npebble:\n{}", pebble.log()));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // Other names still get the box's own certificate.
    assert!(fetch_checked(https, "localhost", &lan_root).is_ok());
    assert!(
        fetch_checked(https, "localhost", &root).is_err(),
        "the public certificate is only for its name"
    );

    // The host's page says so.
    let mut host = Browser::trusting(&format!("https://{https}"), &lan_root);
    host.log_in("hana", PASSWORD);
    host.get("/admin")
        .assert_status(200)
        .assert_contains("The certificate for camp.test is valid until")
        .assert_contains("renews it by itself");
    use std::os::unix::fs::PermissionsExt;
    let kept = std::fs::metadata(data.join("tls/public.pem")).unwrap();
    assert_eq!(
        kept.permissions().mode() & 0o777,
        0o600,
        "only the owner reads the key"
    );

    // After a restart the stored certificate is served at once; nothing is asked again.
    drop(server);
    let mut server = Server::start_at(&data, &listen, &args, &[]);
    server.wait_for("certificate: serving the stored one for camp.test");
    let https = https_address(&mut server);
    assert!(fetch_checked(https, "camp.test", &root).is_ok());
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !server.logged().contains("certificate: asking"),
        "a valid certificate is not asked for again:\n{}",
        server.logged()
    );
}

#[test]
fn a_name_the_authority_cannot_reach_shows_on_the_hosts_page() {
    // pebble checks HTTP-01 on a port where nothing answers.
    let unreachable = free_port();
    let Some(pebble) = Pebble::start(unreachable) else {
        return;
    };
    let (_dir, data, config) = pebble.camp(Some("unreachable.test"));
    let mut server = Server::start(
        &data,
        &[
            "--https",
            "127.0.0.1:0",
            "--config",
            config.to_str().unwrap(),
        ],
    );
    let https = https_address(&mut server);
    let failed = server.wait_for("certificate for unreachable.test failed (attempt 1)");
    assert!(
        failed.contains("could not reach this box") && failed.contains("port"),
        "the log says what to check: {failed}"
    );
    assert!(
        !data.join("tls/public.pem").exists(),
        "nothing is stored from a failed attempt"
    );

    // The camp still serves, with its own certificate, and the host is told.
    let lan_root = std::fs::read(data.join("tls/lan-cert.pem")).unwrap();
    let mut host = Browser::trusting(&format!("https://{https}"), &lan_root);
    let link_line = server.wait_for("To create the host account, open:");
    let link = link_line.split("open: ").nth(1).unwrap().trim().to_string();
    assert!(
        link.starts_with("https://unreachable.test/setup/"),
        "the link names the public address: {link}"
    );
    let setup_path = format!("/setup/{}", link.rsplit('/').next().unwrap());
    host.get(&setup_path)
        .assert_status(200)
        .assert_lacks("Public address");
    set_up(&mut host, &setup_path, "").assert_status(303);
    host.get("/admin")
        .assert_status(200)
        .assert_contains("Needs your attention")
        .assert_contains("The certificate for unreachable.test could not be obtained")
        .assert_contains("Porchlight tries again in 10 minutes")
        .assert_contains("The address is set in Porchlight");
    host.post("/admin/address", &[("domain", "other.example")])
        .assert_status(403);
}
