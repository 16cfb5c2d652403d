//! A public certificate from an ACME certificate authority (Let's Encrypt by default), proved
//! with the HTTP-01 challenge: the CA fetches `http://{domain}/.well-known/acme-challenge/{token}`
//! and the camp's plain-HTTP listener answers it from [`Challenges`].
//!
//! [`Acme::run`] keeps the certificate: it loads the one on disk, asks for a new one when none is
//! held or two thirds of its life have passed ([`crate::renewal`]), retries failures with backoff,
//! waits while the clock is not trusted (a certificate checked against a wrong clock looks
//! expired or not yet valid), and reports every change as a [`Status`] for the host's page and
//! the box's lights. The certificate and its key are written together in one file, replaced
//! atomically, so a power cut leaves either the old pair or the new one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use instant_acme::{
    Account, AccountCredentials, AuthorizationStatus, BodyWrapper, BytesResponse, ChallengeType,
    HttpClient, Identifier, NewAccount, NewOrder, OrderStatus, RetryPolicy,
};
use serde::{Deserialize, Serialize};

use crate::Certs;
use crate::renewal::{self, Held, Next};

/// Let's Encrypt's production directory.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

const ACCOUNT_FILE: &str = "acme-account.json";
const CERT_FILE: &str = "public.pem";

/// The answers to HTTP-01 challenges in progress: token → key authorization. Shared between the
/// ACME task, which fills it, and the plain-HTTP listener, which serves it.
#[derive(Clone, Default, Debug)]
pub struct Challenges(Arc<Mutex<HashMap<String, String>>>);

impl Challenges {
    /// The body to answer `/.well-known/acme-challenge/{token}` with.
    pub fn answer(&self, token: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned()
    }

    fn put(&self, token: &str, answer: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.to_string(), answer.to_string());
    }

    fn remove(&self, token: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(token);
    }
}

/// Where and how to get the certificate.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The camp's public name, the one the certificate is for.
    pub domain: String,
    /// The CA's directory URL.
    pub directory: String,
    /// An e-mail address for the CA's expiry warnings, if the host gave one.
    pub contact: Option<String>,
    /// A PEM file with the root that the CA's own HTTPS is checked against, instead of the
    /// built-in web roots (for a private CA, or a test CA such as pebble).
    pub ca_root: Option<PathBuf>,
    /// Where the account and the certificate are kept.
    pub dir: PathBuf,
}

/// How the public certificate is doing, as the host's page and the lights show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// Nothing is asked until the clock is set.
    WaitingForClock { domain: String },
    /// Asking the CA now.
    Requesting { domain: String },
    /// A certificate is served.
    Valid {
        domain: String,
        not_after: i64,
        renew_at: i64,
    },
    /// The last attempt failed. `valid_until` is the end of the certificate still served, if any.
    Failing {
        domain: String,
        since: i64,
        error: String,
        retry_at: i64,
        valid_until: Option<i64>,
    },
}

impl Status {
    pub fn domain(&self) -> &str {
        match self {
            Status::WaitingForClock { domain }
            | Status::Requesting { domain }
            | Status::Valid { domain, .. }
            | Status::Failing { domain, .. } => domain,
        }
    }
}

/// Reports each new status.
pub type Report = Arc<dyn Fn(&Status) + Send + Sync>;

/// Keeps the public certificate.
pub struct Acme {
    pub settings: Settings,
    pub certs: Arc<Certs>,
    pub challenges: Challenges,
    /// Whether the system clock can be trusted.
    pub clock_ready: Arc<dyn Fn() -> bool + Send + Sync>,
    pub report: Report,
}

/// Longest time one attempt may take, from the first request to the certificate.
const ATTEMPT_LIMIT: Duration = Duration::from_secs(180);

impl Acme {
    /// Runs until `stop` turns true.
    pub async fn run(self, mut stop: tokio::sync::watch::Receiver<bool>) {
        let domain = self.settings.domain.clone();
        let mut held = match self.load() {
            Ok(held) => held,
            Err(e) => {
                log::warn!("certificate: the stored one is not usable ({e}); asking for a new one");
                None
            }
        };
        if let Some(h) = held {
            (self.report)(&Status::Valid {
                domain: domain.clone(),
                not_after: h.not_after,
                renew_at: renewal::renew_at(h),
            });
        }
        let mut account = None;
        let (mut failures, mut last_failure, mut failing_since) = (0u32, None, None);
        let mut waiting_reported = false;
        loop {
            if *stop.borrow() {
                return;
            }
            if !(self.clock_ready)() {
                if !waiting_reported && held.is_none() {
                    log::info!("certificate: waiting for the clock before asking for one");
                    (self.report)(&Status::WaitingForClock {
                        domain: domain.clone(),
                    });
                    waiting_reported = true;
                }
                if sleep_or_stop(Duration::from_secs(5), &mut stop).await {
                    return;
                }
                continue;
            }
            let now = unix_now();
            match renewal::next(now, held, failures, last_failure) {
                Next::Wait(seconds) => {
                    if sleep_or_stop(Duration::from_secs(seconds), &mut stop).await {
                        return;
                    }
                }
                Next::Issue => {
                    log::info!(
                        "certificate: asking {} for {domain}",
                        self.settings.directory
                    );
                    if held.is_none() {
                        (self.report)(&Status::Requesting {
                            domain: domain.clone(),
                        });
                    }
                    let attempt = tokio::time::timeout(ATTEMPT_LIMIT, self.issue(&mut account));
                    let result = tokio::select! {
                        r = attempt => r.unwrap_or_else(|_| Err(format!(
                            "the certificate authority did not finish within {} seconds",
                            ATTEMPT_LIMIT.as_secs()
                        ))),
                        _ = stop.wait_for(|s| *s) => return,
                    };
                    match result.and_then(|pem| self.store(&pem).map(|h| (h, pem))) {
                        Ok((h, pem)) => {
                            if let Err(e) = self.certs.set_public(&domain, &pem, &pem) {
                                log::error!("certificate: cannot serve the new one: {e}");
                            }
                            log::info!(
                                "certificate: got one for {domain}, valid until {} (Unix time)",
                                h.not_after
                            );
                            held = Some(h);
                            (failures, last_failure, failing_since) = (0, None, None);
                            (self.report)(&Status::Valid {
                                domain: domain.clone(),
                                not_after: h.not_after,
                                renew_at: renewal::renew_at(h),
                            });
                        }
                        Err(error) => {
                            let now = unix_now();
                            failures += 1;
                            last_failure = Some(now);
                            let since = *failing_since.get_or_insert(now);
                            let retry_at = now + renewal::retry_after(failures);
                            log::warn!(
                                "certificate for {domain} failed (attempt {failures}): {error}"
                            );
                            // A failed attempt may leave an account that the CA forgot (a test
                            // CA restarted, an account deactivated): start from the file again.
                            account = None;
                            (self.report)(&Status::Failing {
                                domain: domain.clone(),
                                since,
                                error,
                                retry_at,
                                valid_until: held.map(|h| h.not_after),
                            });
                        }
                    }
                }
            }
        }
    }

    /// The stored certificate, served from now on, if it is for this domain and still valid.
    fn load(&self) -> Result<Option<Held>, String> {
        let path = self.settings.dir.join(CERT_FILE);
        let pem = match std::fs::read_to_string(&path) {
            Ok(pem) => pem,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let held = validity(&pem, &self.settings.domain)?;
        if held.not_after <= unix_now() {
            return Ok(None);
        }
        self.certs.set_public(&self.settings.domain, &pem, &pem)?;
        log::info!(
            "certificate: serving the stored one for {}",
            self.settings.domain
        );
        Ok(Some(held))
    }

    /// Writes the key and chain (one PEM) in place of the old pair; returns its validity.
    fn store(&self, pem: &str) -> Result<Held, String> {
        let held = validity(pem, &self.settings.domain)?;
        crate::lan::write_atomically(&self.settings.dir, CERT_FILE, pem)?;
        Ok(held)
    }

    /// Runs one order to the end; returns the private key followed by the certificate chain.
    async fn issue(&self, account: &mut Option<Account>) -> Result<String, String> {
        if account.is_none() {
            *account = Some(self.account().await?);
        }
        let account = account.as_ref().expect("set above");
        let domain = &self.settings.domain;
        let identifiers = [Identifier::Dns(domain.clone())];
        let mut order = account
            .new_order(&NewOrder::new(&identifiers))
            .await
            .map_err(|e| self.explain(e))?;
        let mut tokens = Vec::new();
        let outcome = async {
            let mut authorizations = order.authorizations();
            while let Some(authorization) = authorizations.next().await {
                let mut authorization = authorization.map_err(|e| self.explain(e))?;
                match authorization.status {
                    AuthorizationStatus::Pending => {}
                    AuthorizationStatus::Valid => continue,
                    other => {
                        return Err(format!(
                            "the certificate authority will not check {domain} ({other:?})"
                        ));
                    }
                }
                let mut challenge =
                    authorization
                        .challenge(ChallengeType::Http01)
                        .ok_or_else(|| {
                            "the certificate authority offers no HTTP-01 challenge".to_string()
                        })?;
                let answer = challenge.key_authorization();
                self.challenges.put(&challenge.token, answer.as_str());
                tokens.push(challenge.token.clone());
                challenge.set_ready().await.map_err(|e| self.explain(e))?;
            }
            let retries = RetryPolicy::new()
                .initial_delay(Duration::from_millis(500))
                .timeout(Duration::from_secs(90));
            // A problem here is the CA's verdict on the challenge.
            let status = order.poll_ready(&retries).await.map_err(|e| match e {
                instant_acme::Error::Api(problem) => self.unreachable(problem.detail),
                e => self.explain(e),
            })?;
            if status != OrderStatus::Ready {
                return Err(self.why_invalid(&mut order).await);
            }
            Ok(())
        }
        .await;
        for token in &tokens {
            self.challenges.remove(token);
        }
        outcome?;
        let key_pem = order.finalize().await.map_err(|e| self.explain(e))?;
        let chain_pem = order
            .poll_certificate(&RetryPolicy::default())
            .await
            .map_err(|e| self.explain(e))?;
        Ok(format!("{key_pem}{chain_pem}"))
    }

    /// What the CA said about a failed validation, in words a host can act on.
    async fn why_invalid(&self, order: &mut instant_acme::Order) -> String {
        let mut detail = None;
        let mut authorizations = order.authorizations();
        while let Some(Ok(authorization)) = authorizations.next().await {
            for challenge in &authorization.challenges {
                if let Some(problem) = &challenge.error {
                    detail = problem.detail.clone().or(detail);
                }
            }
        }
        self.unreachable(detail)
    }

    fn unreachable(&self, detail: Option<String>) -> String {
        let domain = &self.settings.domain;
        format!(
            "the certificate authority could not reach this box as http://{domain}/ ({}). Check \
             that {domain} points at your home's public address and that your router forwards \
             ports 80 and 443 to this box.",
            detail.unwrap_or_else(|| "no reason given".into())
        )
    }

    fn explain(&self, e: instant_acme::Error) -> String {
        match e {
            instant_acme::Error::Api(problem) => format!(
                "the certificate authority refused: {}",
                problem
                    .detail
                    .or(problem.r#type)
                    .unwrap_or_else(|| "no reason given".into())
            ),
            instant_acme::Error::Other(e) => format!(
                "cannot reach the certificate authority at {}: {e}",
                self.settings.directory
            ),
            e => format!("the certificate authority: {e}"),
        }
    }

    /// The ACME account: the stored one for this directory, or a new one (stored).
    async fn account(&self) -> Result<Account, String> {
        #[derive(Serialize, Deserialize)]
        struct Stored {
            directory: String,
            credentials: AccountCredentials,
        }
        let path = self.settings.dir.join(ACCOUNT_FILE);
        let client = || -> Result<Box<dyn HttpClient>, String> {
            Ok(Box::new(UreqClient::new(self.settings.ca_root.as_deref())?))
        };
        if let Ok(text) = std::fs::read_to_string(&path)
            && let Ok(stored) = serde_json::from_str::<Stored>(&text)
            && stored.directory == self.settings.directory
        {
            return Account::builder_with_http(client()?)
                .from_credentials(stored.credentials)
                .await
                .map_err(|e| self.explain(e));
        }
        let contact = self
            .settings
            .contact
            .as_ref()
            .map(|c| format!("mailto:{c}"));
        let contacts: Vec<&str> = contact.iter().map(|c| c.as_str()).collect();
        let (account, credentials) = Account::builder_with_http(client()?)
            .create(
                &NewAccount {
                    contact: &contacts,
                    terms_of_service_agreed: true,
                    only_return_existing: false,
                },
                self.settings.directory.clone(),
                None,
            )
            .await
            .map_err(|e| self.explain(e))?;
        let stored = Stored {
            directory: self.settings.directory.clone(),
            credentials,
        };
        let text = serde_json::to_string(&stored).map_err(|e| e.to_string())?;
        crate::lan::write_atomically(&self.settings.dir, ACCOUNT_FILE, &text)?;
        log::info!(
            "certificate: opened an account with {}",
            self.settings.directory
        );
        Ok(account)
    }
}

/// The validity of the first certificate in `pem`, which must name `domain`.
pub fn validity(pem: &str, domain: &str) -> Result<Held, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let der = CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .ok_or("no certificate in the file")?
        .map_err(|e| format!("the certificate is damaged: {e}"))?;
    let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
        .map_err(|e| format!("the certificate is damaged: {e}"))?;
    let names: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(name) => {
                        Some(name.to_ascii_lowercase())
                    }
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if !names.iter().any(|n| n == &domain.to_ascii_lowercase()) {
        return Err(format!(
            "the certificate is for {}, not {domain}",
            names.join(", ")
        ));
    }
    let validity = cert.validity();
    Ok(Held {
        not_before: validity.not_before.timestamp(),
        not_after: validity.not_after.timestamp(),
    })
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Sleeps; true if `stop` turned true meanwhile.
async fn sleep_or_stop(duration: Duration, stop: &mut tokio::sync::watch::Receiver<bool>) -> bool {
    let stopped = tokio::select! {
        () = tokio::time::sleep(duration) => false,
        _ = stop.wait_for(|s| *s) => true,
    };
    stopped || *stop.borrow()
}

/// instant-acme's requests, made with ureq on a blocking thread: the ACME exchange is a handful
/// of small requests, and ureq is already in the binary with the web's roots built in.
struct UreqClient(ureq::Agent);

impl UreqClient {
    fn new(ca_root: Option<&Path>) -> Result<UreqClient, String> {
        use ureq::tls::{Certificate, RootCerts, TlsConfig};
        let roots = match ca_root {
            None => RootCerts::WebPki,
            Some(path) => {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("cannot read the CA root {}: {e}", path.display()))?;
                let certs = ureq::tls::parse_pem(&pem)
                    .filter_map(|item| match item {
                        Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                        _ => None,
                    })
                    .collect::<Vec<Certificate<'static>>>();
                if certs.is_empty() {
                    return Err(format!("{} holds no certificate", path.display()));
                }
                RootCerts::new_with_certs(&certs)
            }
        };
        let agent = ureq::Agent::config_builder()
            .https_only(true)
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .user_agent(concat!("Porchlight/", env!("CARGO_PKG_VERSION")))
            .tls_config(TlsConfig::builder().root_certs(roots).build())
            .build()
            .new_agent();
        Ok(UreqClient(agent))
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl HttpClient for UreqClient {
    fn request(
        &self,
        request: http::Request<BodyWrapper<Bytes>>,
    ) -> Pin<Box<dyn Future<Output = Result<BytesResponse, instant_acme::Error>> + Send>> {
        let agent = self.0.clone();
        Box::pin(async move {
            let (parts, body) = request.into_parts();
            let body = match body.collect().await {
                Ok(collected) => collected.to_bytes().to_vec(),
                Err(never) => match never {},
            };
            let request = http::Request::from_parts(parts, body);
            let answer = tokio::task::spawn_blocking(move || -> Result<_, BoxError> {
                let response = agent.run(request)?;
                let (parts, mut body) = response.into_parts();
                let bytes = body.with_config().limit(1024 * 1024).read_to_vec()?;
                Ok(http::Response::from_parts(
                    parts,
                    Full::new(Bytes::from(bytes)),
                ))
            })
            .await
            .map_err(|e| instant_acme::Error::Other(Box::new(e)))?
            .map_err(instant_acme::Error::Other)?;
            Ok(BytesResponse::from(answer))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A keeper for `camp.test` whose CA is at `directory`, reporting into the returned list.
    fn keeper(dir: &Path, directory: &str, clock_ready: bool) -> (Acme, Arc<Mutex<Vec<Status>>>) {
        let lan = crate::lan_certificate(dir, &["localhost".to_string()]).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let report = {
            let seen = seen.clone();
            Arc::new(move |s: &Status| seen.lock().unwrap().push(s.clone()))
        };
        let acme = Acme {
            settings: Settings {
                domain: "camp.test".into(),
                directory: directory.into(),
                contact: None,
                ca_root: None,
                dir: dir.to_path_buf(),
            },
            certs: Certs::new(&lan).unwrap(),
            challenges: Challenges::default(),
            clock_ready: Arc::new(move || clock_ready),
            report,
        };
        (acme, seen)
    }

    async fn run_for(acme: Acme, how_long: Duration) {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(acme.run(stopped));
        tokio::time::sleep(how_long).await;
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the keeper stops when told")
            .unwrap();
    }

    #[tokio::test]
    async fn nothing_is_asked_while_the_clock_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let (acme, seen) = keeper(dir.path(), "https://127.0.0.1:9/dir", false);
        run_for(acme, Duration::from_millis(300)).await;
        assert_eq!(
            *seen.lock().unwrap(),
            vec![Status::WaitingForClock {
                domain: "camp.test".into()
            }]
        );
    }

    #[tokio::test]
    async fn an_unreachable_authority_is_a_failure_with_a_retry_time() {
        let dir = tempfile::tempdir().unwrap();
        // Nothing listens on the discard port of loopback.
        let (acme, seen) = keeper(dir.path(), "https://127.0.0.1:9/dir", true);
        run_for(acme, Duration::from_secs(2)).await;
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0],
            Status::Requesting {
                domain: "camp.test".into()
            }
        );
        match &seen[1] {
            Status::Failing {
                error,
                retry_at,
                since,
                valid_until,
                ..
            } => {
                assert!(
                    error.contains(
                        "cannot reach the certificate authority at https://127.0.0.1:9/dir"
                    ),
                    "{error}"
                );
                assert_eq!(*retry_at - *since, renewal::FIRST_RETRY);
                assert_eq!(*valid_until, None);
            }
            other => panic!("expected a failure, got {other:?}"),
        }
        assert_eq!(seen.len(), 2, "no second attempt before the retry time");
        assert!(!dir.path().join(CERT_FILE).exists());
    }

    #[test]
    fn a_certificate_for_another_name_is_not_used() {
        let made = rcgen::generate_simple_self_signed(vec!["other.test".to_string()]).unwrap();
        let pem = format!("{}{}", made.signing_key.serialize_pem(), made.cert.pem());
        let err = validity(&pem, "camp.test").unwrap_err();
        assert!(err.contains("is for other.test, not camp.test"), "{err}");
        let held = validity(&pem, "OTHER.test").unwrap();
        assert!(held.not_after > held.not_before);
        assert!(validity("junk", "camp.test").is_err());
    }
}
