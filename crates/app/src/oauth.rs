//! OAuth2 as the Mastodon API speaks it: apps register themselves, a member authorizes one on
//! the consent page (the authorization-code flow, with PKCE S256 or the out-of-band code), the
//! app exchanges the code for a token, and every API request is checked against the token's
//! scopes. Only members can authorize, which is what makes "log in with our camp" mean "one of
//! us". Tokens do not expire (as in Mastodon); members revoke them in their settings.

use base64::Engine;
use porchlight_core::AccountId;
use porchlight_core::scopes::Scopes;
use porchlight_db::oauth as store;

use crate::{App, AppError, AppResult};

/// The redirect URI that shows the code on a page instead of sending it anywhere.
pub const OUT_OF_BAND: &str = "urn:ietf:wg:oauth:2.0:oob";

/// How long an authorization code may wait for its exchange.
const CODE_LIFETIME: i64 = 10 * 60;

/// An OAuth error as RFC 6749 names it, with the HTTP status Mastodon answers it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    pub error: &'static str,
    pub description: String,
    pub status: u16,
}

impl OAuthError {
    fn new(error: &'static str, status: u16, description: impl Into<String>) -> OAuthError {
        OAuthError {
            error,
            description: description.into(),
            status,
        }
    }
    fn invalid_client() -> OAuthError {
        OAuthError::new(
            "invalid_client",
            401,
            "Client authentication failed due to unknown client, no client authentication \
             included, or unsupported authentication method.",
        )
    }
    fn invalid_grant(why: &str) -> OAuthError {
        OAuthError::new("invalid_grant", 400, why)
    }
}

impl From<AppError> for OAuthError {
    fn from(e: AppError) -> OAuthError {
        OAuthError::new("server_error", 500, e.to_string())
    }
}

impl From<porchlight_db::Error> for OAuthError {
    fn from(e: porchlight_db::Error) -> OAuthError {
        AppError::from(e).into()
    }
}

/// What an app sends to register.
pub struct NewApp<'a> {
    pub name: &'a str,
    /// One or more, separated by new lines or spaces.
    pub redirect_uris: &'a str,
    pub scopes: &'a str,
    pub website: &'a str,
}

/// A registered app; the secret is known only at registration.
#[derive(Clone, Debug)]
pub struct RegisteredApp {
    pub id: i64,
    pub name: String,
    pub website: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Scopes,
    pub client_id: String,
    pub client_secret: Option<String>,
}

impl RegisteredApp {
    fn from_stored(app: store::OAuthApp) -> RegisteredApp {
        RegisteredApp {
            id: app.id,
            name: app.name,
            website: app.website,
            redirect_uris: app.redirect_uris.lines().map(str::to_string).collect(),
            scopes: Scopes::parse(&app.scopes).unwrap_or_default(),
            client_id: app.client_id,
            client_secret: None,
        }
    }
}

/// The parameters of `/oauth/authorize`, as sent.
#[derive(Clone, Copy, Debug)]
pub struct AuthorizationAsk<'a> {
    pub client_id: &'a str,
    pub response_type: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub code_challenge_method: Option<&'a str>,
}

/// A checked request to authorize an app (what the consent page shows and then grants).
#[derive(Clone, Debug)]
pub struct AuthorizationRequest {
    pub app: RegisteredApp,
    pub redirect_uri: String,
    pub scopes: Scopes,
    pub state: Option<String>,
    pub code_challenge: Option<String>,
}

/// A token just issued.
#[derive(Clone, Debug)]
pub struct IssuedToken {
    pub access_token: String,
    pub scopes: Scopes,
    pub created_at: i64,
}

/// Who a presented token speaks for.
#[derive(Clone, Debug)]
pub struct Bearer {
    pub token_id: i64,
    pub app_id: i64,
    /// None for an app's own token.
    pub account_id: Option<AccountId>,
    pub scopes: Scopes,
}

fn sha256(text: &str) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, text.as_bytes())
        .as_ref()
        .to_vec()
}

/// Whether `uri` may be a redirect target: absolute, with a scheme, no fragment; and a place an
/// app can be: `https`, `http` to this machine's loopback only (RFC 8252's native apps), the
/// out-of-band code, or an app's own private-use scheme (`com.example.app:`, `tusky:`). Schemes a
/// browser would run or read locally (`javascript:`, `data:`, `vbscript:`, `file:`…) are never a
/// place to send a code.
fn acceptable_redirect(uri: &str) -> bool {
    if uri == OUT_OF_BAND {
        return true;
    }
    let Some((scheme, rest)) = uri.split_once(':') else {
        return false;
    };
    let well_formed = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && scheme
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && !rest.is_empty()
        && !uri.contains('#')
        && !uri.chars().any(|c| c.is_whitespace() || c.is_control())
        && uri.len() <= 2000;
    if !well_formed {
        return false;
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => rest.starts_with("//") && rest.len() > 2,
        "http" => {
            let authority = rest
                .strip_prefix("//")
                .and_then(|r| r.split(['/', '?']).next())
                .unwrap_or("");
            let host = match authority.rsplit_once(':') {
                Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
                _ => authority,
            };
            host == "localhost"
                || host == "[::1]"
                || host
                    .parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        "javascript" | "data" | "vbscript" | "file" | "about" | "blob" | "filesystem"
        | "view-source" | "ws" | "wss" | "ftp" | "mailto" | "tel" | "sms" => false,
        _ => true,
    }
}

impl App {
    /// Registers a client app (anyone may: apps register before anyone logs in).
    pub fn register_oauth_app(&self, new: &NewApp) -> AppResult<RegisteredApp> {
        let name = new.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::Invalid(
                "Validation failed: Application name must be 1 to 200 characters".into(),
            ));
        }
        let uris: Vec<String> = new
            .redirect_uris
            .split(['\n', ' ', '\r'])
            .filter(|u| !u.is_empty())
            .map(str::to_string)
            .collect();
        if uris.is_empty() {
            return Err(AppError::Invalid(
                "Validation failed: Redirect URI can't be blank".into(),
            ));
        }
        if uris.len() > 10 || !uris.iter().all(|u| acceptable_redirect(u)) {
            return Err(AppError::Invalid(
                "Validation failed: Redirect URI must be an absolute URI.".into(),
            ));
        }
        let scopes = Scopes::parse(new.scopes)
            .map_err(|e| AppError::Invalid(format!("Validation failed: {e}")))?;
        let website = new.website.trim();
        if !(website.is_empty()
            || website.starts_with("https://")
            || website.starts_with("http://"))
        {
            return Err(AppError::Invalid(
                "Validation failed: Website must be an http or https address".into(),
            ));
        }
        let client_id = self.random_token(24);
        let secret = self.random_token(32);
        let id = self.db.write(|tx| {
            store::insert_app(
                tx,
                name,
                website,
                &uris.join("\n"),
                &scopes.to_string(),
                &client_id,
                &sha256(&secret),
            )
        })?;
        Ok(RegisteredApp {
            id,
            name: name.to_string(),
            website: website.to_string(),
            redirect_uris: uris,
            scopes,
            client_id,
            client_secret: Some(secret),
        })
    }

    /// Checks what an app asks for on `/oauth/authorize`. Errors are for the consent page (they
    /// are never sent to a redirect URI that was not checked).
    pub fn check_authorization_request(
        &self,
        ask: &AuthorizationAsk,
    ) -> Result<AuthorizationRequest, OAuthError> {
        let AuthorizationAsk {
            client_id,
            response_type,
            redirect_uri,
            scope,
            state,
            code_challenge,
            code_challenge_method,
        } = *ask;
        let app = self
            .db
            .read(|c| store::app_by_client_id(c, client_id))?
            .map(RegisteredApp::from_stored)
            .ok_or_else(OAuthError::invalid_client)?;
        if !app.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(OAuthError::new(
                "invalid_redirect_uri",
                400,
                "The redirect uri included is not valid.",
            ));
        }
        if response_type != "code" {
            return Err(OAuthError::new(
                "unsupported_response_type",
                400,
                "The authorization server does not support this response type.",
            ));
        }
        let scopes = Scopes::parse(scope).map_err(|e| OAuthError::new("invalid_scope", 400, e))?;
        if !scopes.within(&app.scopes) {
            return Err(OAuthError::new(
                "invalid_scope",
                400,
                "The requested scope is invalid, unknown, or malformed.",
            ));
        }
        let code_challenge = match (
            code_challenge.filter(|c| !c.is_empty()),
            code_challenge_method,
        ) {
            (None, _) => None,
            (Some(challenge), Some("S256")) => {
                let well_formed = (43..=128).contains(&challenge.len())
                    && challenge
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~'));
                if !well_formed {
                    return Err(OAuthError::new(
                        "invalid_request",
                        400,
                        "The code challenge is malformed.",
                    ));
                }
                Some(challenge.to_string())
            }
            (Some(_), _) => {
                return Err(OAuthError::new(
                    "invalid_request",
                    400,
                    "Code challenge method must be S256 (plain is not supported).",
                ));
            }
        };
        Ok(AuthorizationRequest {
            app,
            redirect_uri: redirect_uri.to_string(),
            scopes,
            state: state.map(str::to_string),
            code_challenge,
        })
    }

    /// A member grants the request: returns the one-time code.
    pub fn authorize_app(
        &self,
        member: AccountId,
        request: &AuthorizationRequest,
    ) -> AppResult<String> {
        let code = self.random_token(32);
        let now = porchlight_db::now();
        self.db.write(|tx| {
            porchlight_db::accounts::member_by_id(tx, member)?.ok_or(AppError::NotSignedIn)?;
            store::delete_expired_codes(tx, now)?;
            store::insert_code(
                tx,
                &sha256(&code),
                request.app.id,
                member,
                &request.redirect_uri,
                &request.scopes.to_string(),
                request.code_challenge.as_deref(),
                now + CODE_LIFETIME,
            )?;
            Ok::<(), AppError>(())
        })?;
        Ok(code)
    }

    /// The app, if `client_id` and `client_secret` are its own.
    fn authenticate_client(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<store::OAuthApp, OAuthError> {
        let app = self
            .db
            .read(|c| store::app_by_client_id(c, client_id))?
            .ok_or_else(OAuthError::invalid_client)?;
        // Hashes are compared, not secrets: timing says nothing useful about the secret.
        if client_secret.is_empty() || sha256(client_secret) != app.secret_hash {
            return Err(OAuthError::invalid_client());
        }
        Ok(app)
    }

    /// `grant_type=authorization_code`. A code works once: a second exchange revokes the token
    /// the first one issued (RFC 6749 §4.1.2), since the code has evidently leaked.
    pub fn exchange_code(
        &self,
        client_id: &str,
        client_secret: &str,
        code: &str,
        redirect_uri: &str,
        code_verifier: Option<&str>,
    ) -> Result<IssuedToken, OAuthError> {
        let app = self.authenticate_client(client_id, client_secret)?;
        let code_hash = sha256(code);
        let token = self.random_token(32);
        let now = porchlight_db::now();
        let issued = self.db.write(|tx| {
            let Some(stored) = store::code(tx, &code_hash)? else {
                return Ok(Err(OAuthError::invalid_grant(
                    "The provided authorization grant is invalid, expired, revoked, does not \
                     match the redirection URI used in the authorization request, or was issued \
                     to another client.",
                )));
            };
            if let Some(earlier) = stored.token_id {
                if earlier > 0 {
                    store::delete_token(tx, earlier)?;
                }
                store::use_code(tx, &code_hash, 0)?;
                return Ok(Err(OAuthError::invalid_grant(
                    "The authorization code was already used; the token it gave is revoked.",
                )));
            }
            let wrong = stored.app_id != app.id
                || stored.expires_at < now
                || stored.redirect_uri != redirect_uri;
            if wrong {
                return Ok(Err(OAuthError::invalid_grant(
                    "The provided authorization grant is invalid, expired, revoked, does not \
                     match the redirection URI used in the authorization request, or was issued \
                     to another client.",
                )));
            }
            if let Some(challenge) = &stored.code_challenge {
                let verified = code_verifier.is_some_and(|v| {
                    let digest = ring::digest::digest(&ring::digest::SHA256, v.as_bytes());
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == *challenge
                });
                if !verified {
                    // The code is spent either way: a guessed verifier gets no second try.
                    store::use_code(tx, &code_hash, 0)?;
                    return Ok(Err(OAuthError::invalid_grant(
                        "The code verifier is missing or does not match the code challenge.",
                    )));
                }
            }
            let id = store::insert_token(
                tx,
                &sha256(&token),
                app.id,
                Some(stored.account_id),
                &stored.scopes,
            )?;
            store::use_code(tx, &code_hash, id)?;
            Ok::<_, AppError>(Ok(Scopes::parse(&stored.scopes).unwrap_or_default()))
        })??;
        Ok(IssuedToken {
            access_token: token,
            scopes: issued,
            created_at: now,
        })
    }

    /// `grant_type=client_credentials`: the app's own token, speaking for nobody.
    pub fn client_token(
        &self,
        client_id: &str,
        client_secret: &str,
        scope: &str,
    ) -> Result<IssuedToken, OAuthError> {
        let app = self.authenticate_client(client_id, client_secret)?;
        let registered = Scopes::parse(&app.scopes).unwrap_or_default();
        let scopes = Scopes::parse(scope).map_err(|e| OAuthError::new("invalid_scope", 400, e))?;
        if !scopes.within(&registered) {
            return Err(OAuthError::new(
                "invalid_scope",
                400,
                "The requested scope is invalid, unknown, or malformed.",
            ));
        }
        let token = self.random_token(32);
        self.db.write(|tx| {
            store::insert_token(tx, &sha256(&token), app.id, None, &scopes.to_string())
        })?;
        Ok(IssuedToken {
            access_token: token,
            scopes,
            created_at: porchlight_db::now(),
        })
    }

    /// `/oauth/revoke`: the app gives a token back. Unknown tokens are not an error (RFC 7009).
    pub fn revoke_token(
        &self,
        client_id: &str,
        client_secret: &str,
        token: &str,
    ) -> Result<(), OAuthError> {
        let app = self.authenticate_client(client_id, client_secret)?;
        let hash = sha256(token);
        self.db.write(|tx| {
            if let Some(found) = store::token(tx, &hash)?
                && found.app_id == app.id
            {
                store::delete_token(tx, found.id)?;
            }
            Ok::<(), AppError>(())
        })?;
        Ok(())
    }

    /// Who a bearer token speaks for, if it is a live token.
    pub fn bearer(&self, token: &str) -> AppResult<Option<Bearer>> {
        if token.is_empty() || token.len() > 200 {
            return Ok(None);
        }
        let found = self.db.read(|c| store::token(c, &sha256(token)))?;
        let Some(found) = found else {
            return Ok(None);
        };
        // Last use is kept to the hour, so that reading writes at most once an hour per token.
        let now = porchlight_db::now();
        let hour = now - now % 3600;
        if found.last_used.is_none_or(|t| t < hour) {
            let _ = self.db.write(|tx| store::touch_token(tx, found.id, hour));
        }
        Ok(Some(Bearer {
            token_id: found.id,
            app_id: found.app_id,
            account_id: found.account_id,
            scopes: Scopes::parse(&found.scopes).unwrap_or_default(),
        }))
    }

    /// Whether a request carries a member's credentials: a bearer token a member gave an app
    /// (not an app's own), or a live session cookie. Read only: nothing is touched. What lets a
    /// request send a picture's worth of body.
    pub fn member_credentials(&self, bearer: Option<&str>, session: Option<&str>) -> bool {
        let by_token = bearer
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .is_some_and(|t| {
                self.db
                    .read(|c| store::token(c, &sha256(t)))
                    .ok()
                    .flatten()
                    .is_some_and(|found| found.account_id.is_some())
            });
        by_token
            || session.is_some_and(|s| {
                self.db
                    .read(|c| self.session_member(c, s))
                    .ok()
                    .flatten()
                    .is_some()
            })
    }

    /// The registered app behind a token.
    pub fn oauth_app_by_id(&self, id: i64) -> AppResult<Option<RegisteredApp>> {
        Ok(self
            .db
            .read(|c| store::app_by_id(c, id))?
            .map(RegisteredApp::from_stored))
    }

    /// The apps a member has authorized.
    pub fn authorized_apps(&self, member: AccountId) -> AppResult<Vec<store::Authorized>> {
        Ok(self.db.read(|c| store::authorized_apps(c, member))?)
    }

    /// A member takes back everything they gave an app.
    pub fn revoke_app(&self, member: AccountId, app_id: i64) -> AppResult<()> {
        let removed = self
            .db
            .write(|tx| store::delete_tokens_of(tx, member, app_id))?;
        if removed == 0 {
            return Err(AppError::NotFound);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris() {
        for (uri, ok) in [
            (OUT_OF_BAND, true),
            ("https://app.example/callback", true),
            ("http://127.0.0.1:8123/cb", true),
            ("com.tusky.app://oauth", true),
            ("elk://login", true),
            ("/relative", false),
            ("https://app.example/cb#fragment", false),
            ("", false),
            ("1http://x", false),
            ("https://a b", false),
            ("javascript:alert(document.cookie)", false),
            ("JavaScript:alert(1)", false),
            ("data:text/html,<script>alert(1)</script>", false),
            ("vbscript:msgbox", false),
            ("file:///etc/passwd", false),
            ("http://app.example/cb", false),
            ("http://localhost:8080/cb", true),
            ("http://[::1]:9/cb", true),
            ("http://127.0.0.2/cb", true),
            ("http://127.0.0.1.evil.example/cb", false),
            ("https:", false),
            ("com.example.app:/oauth", true),
            ("oauth2redirect://com.keylesspalace.tusky/", true),
            ("https://app.example/\u{7}cb", false),
        ] {
            assert_eq!(acceptable_redirect(uri), ok, "{uri}");
        }
    }
}
