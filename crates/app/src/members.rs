//! Becoming and being a member: the first-run setup, adding members, invites, signing up,
//! logging in, sessions, passwords, profiles, roles and the camp's own settings.

use argon2::password_hash::{Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Mutex, mpsc};

use porchlight_core::audience::{Audience, Role};
use porchlight_core::members::{MemberCap, MemberError, check_password, normalize_username};
use porchlight_core::views::InviteState;
use porchlight_core::{AccountId, UnixTime};
use porchlight_db::accounts::{self, Invite, Member};
use porchlight_db::{Connection, Transaction, now};

use crate::{Acting, App, AppError, AppResult, Site, bounded, token_hash};

pub const MAX_DISPLAY_NAME: usize = 60;
pub const MAX_BIO: usize = 1000;
pub const MAX_WHO_I_AM: usize = 120;
pub const MAX_SITE_NAME: usize = 60;
pub const MAX_CODE_OF_CONDUCT: usize = 10_000;
pub const MAX_INVITE_NOTE: usize = 1000;
pub const MAX_INVITE_USES: u32 = 100;
pub const MAX_INVITE_DAYS: u32 = 365;
/// How many members "Who's here" looks through: more than a camp's cap allows.
const MEMBERS_LISTED: u32 = 1000;

/// What a new member gives.
pub struct NewMember<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub display_name: &'a str,
    pub role: Role,
}

/// Argon2id with 7 MiB, 5 passes, 1 lane: one of OWASP's recommended equivalent settings, chosen
/// over the 19 MiB one so that logging in fits in a Pi's memory budget. Hashes record their own
/// parameters, so older hashes keep verifying if these change.
fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, default_params())
}

/// What the password thread is asked to do.
enum PasswordJob {
    Hash {
        password: String,
        salt: [u8; 16],
        reply: mpsc::Sender<Result<String, String>>,
    },
    Verify {
        hash: String,
        password: String,
        reply: mpsc::Sender<bool>,
    },
}

/// The thread that hashes and checks passwords, one at a time.
pub(crate) struct PasswordWorker {
    jobs: Mutex<mpsc::Sender<PasswordJob>>,
}

impl PasswordWorker {
    pub(crate) fn start() -> PasswordWorker {
        let (jobs, queue) = mpsc::channel::<PasswordJob>();
        std::thread::Builder::new()
            .name("passwords".into())
            .spawn(move || {
                // One block of Argon2 memory, reused for every hash: allocating 7 MiB per login
                // left each one behind in the allocator (measured: +7 MiB of RSS per login).
                let mut memory = Vec::new();
                // Ends when the App (and with it the sender) is dropped.
                for job in queue {
                    match job {
                        PasswordJob::Hash {
                            password,
                            salt,
                            reply,
                        } => {
                            let _ = reply.send(hash_with(&mut memory, &password, &salt));
                        }
                        PasswordJob::Verify {
                            hash,
                            password,
                            reply,
                        } => {
                            let _ = reply.send(verify_with(&mut memory, &hash, &password));
                        }
                    }
                    // A hash from older, larger settings grew the block: give that back.
                    if memory.len() > default_params().block_count() {
                        memory = Vec::new();
                    }
                }
            })
            .expect("cannot start the password thread");
        PasswordWorker {
            jobs: Mutex::new(jobs),
        }
    }

    fn send(&self, job: PasswordJob) {
        let _ = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(job);
    }
}

fn default_params() -> Params {
    Params::new(7 * 1024, 5, 1, None).expect("valid Argon2 parameters")
}

/// Runs Argon2 into `out` with the reusable block memory.
fn run_argon2(
    memory: &mut Vec<Block>,
    argon2: &Argon2,
    params: &Params,
    password: &str,
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), String> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
    argon2
        .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut memory[..blocks])
        .map_err(|e| e.to_string())
}

/// A PHC string (`$argon2id$v=19$m=…`) for a new password.
fn hash_with(memory: &mut Vec<Block>, password: &str, salt: &[u8; 16]) -> Result<String, String> {
    let mut out = [0u8; 32];
    run_argon2(
        memory,
        &argon2(),
        &default_params(),
        password,
        salt,
        &mut out,
    )?;
    let salt = SaltString::encode_b64(salt).map_err(|e| e.to_string())?;
    let hash = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: (&default_params())
            .try_into()
            .map_err(|e: argon2::password_hash::Error| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| e.to_string())?),
    };
    Ok(hash.to_string())
}

/// Checks a password against a stored PHC string (whatever Argon2 settings made it).
fn verify_with(memory: &mut Vec<Block>, stored: &str, password: &str) -> bool {
    let mut check = || -> Result<bool, String> {
        let parsed = PasswordHash::new(stored).map_err(|e| e.to_string())?;
        let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| e.to_string())?;
        let version =
            Version::try_from(parsed.version.unwrap_or(0x13)).map_err(|e| e.to_string())?;
        let params = Params::try_from(&parsed).map_err(|e| e.to_string())?;
        let expected = parsed.hash.ok_or("no hash")?;
        let mut salt = [0u8; 64];
        let salt = parsed
            .salt
            .ok_or("no salt")?
            .decode_b64(&mut salt)
            .map_err(|e| e.to_string())?;
        let mut out = vec![0u8; expected.len()];
        let argon2 = Argon2::new(algorithm, version, params.clone());
        run_argon2(memory, &argon2, &params, password, salt, &mut out)?;
        // Output compares in constant time.
        Ok(Output::new(&out).map_err(|e| e.to_string())? == expected)
    };
    check().unwrap_or(false)
}

impl App {
    pub(crate) fn verify_password(&self, hash: &str, password: &str) -> bool {
        let (reply, answer) = mpsc::channel();
        self.passwords.send(PasswordJob::Verify {
            hash: hash.to_string(),
            password: password.to_string(),
            reply,
        });
        answer.recv().unwrap_or(false)
    }

    pub(crate) fn hash_password(&self, password: &str) -> AppResult<String> {
        let mut salt = [0u8; 16];
        ring::rand::SecureRandom::fill(&self.rng, &mut salt)
            .map_err(|_| AppError::Invalid("The random number generator failed.".into()))?;
        let (reply, answer) = mpsc::channel();
        self.passwords.send(PasswordJob::Hash {
            password: password.to_string(),
            salt,
            reply,
        });
        answer
            .recv()
            .map_err(|_| AppError::Invalid("The password thread stopped.".into()))?
            .map_err(|e| AppError::Invalid(format!("Could not hash the password: {e}")))
    }

    /// Adds a member (the command line's `user add`, the setup page, and invite signup all end
    /// here), enforcing the name rules and the member cap in the transaction that inserts.
    fn insert_member(
        &self,
        tx: &Transaction,
        new: &NewMember,
        password_hash: &str,
        invited_by: Option<AccountId>,
    ) -> AppResult<AccountId> {
        let username = normalize_username(new.username)?;
        let display_name = bounded("The display name", new.display_name, MAX_DISPLAY_NAME)?;
        let cap = crate::site(tx)?.member_cap;
        cap.admit_one(accounts::count_members(tx)?)?;
        if accounts::username_taken(tx, &username)? {
            return Err(AppError::Invalid(format!(
                "The username \"{username}\" is already taken; please pick another."
            )));
        }
        Ok(accounts::insert_member(
            tx,
            &username,
            &display_name,
            password_hash,
            new.role,
            invited_by,
            now(),
        )?)
    }

    /// Checks what can be checked before the slow password hash, so that a full camp or a taken
    /// name is refused at once.
    fn precheck(&self, new: &NewMember) -> AppResult<String> {
        let username = normalize_username(new.username)?;
        check_password(new.password)?;
        self.db.read(|c| -> AppResult<()> {
            crate::site(c)?
                .member_cap
                .admit_one(accounts::count_members(c)?)?;
            if accounts::username_taken(c, &username)? {
                return Err(AppError::Invalid(format!(
                    "The username \"{username}\" is already taken; please pick another."
                )));
            }
            Ok(())
        })?;
        Ok(username)
    }

    /// Adds a member directly (the host's command line).
    pub fn add_member(&self, new: &NewMember) -> AppResult<AccountId> {
        self.precheck(new)?;
        let hash = self.hash_password(new.password)?;
        self.db.write(|tx| self.insert_member(tx, new, &hash, None))
    }

    pub fn has_host(&self) -> AppResult<bool> {
        Ok(self.db.read(accounts::count_hosts)? > 0)
    }

    /// On a camp with no host yet, makes a new one-time setup token (replacing any earlier one)
    /// and returns it; None once a host exists.
    pub fn issue_setup_token(&self) -> AppResult<Option<String>> {
        if self.has_host()? {
            return Ok(None);
        }
        let token = self.random_token(24);
        self.db.write(|tx| -> AppResult<()> {
            porchlight_db::set_setting(tx, "setup_token_hash", &crate::hex(&token_hash(&token)))?;
            Ok(())
        })?;
        Ok(Some(token))
    }

    pub fn setup_token_valid(&self, token: &str) -> AppResult<bool> {
        let stored = self
            .db
            .read(|c| porchlight_db::get_setting(c, "setup_token_hash"))?;
        Ok(matches!(stored, Some(h) if h == crate::hex(&token_hash(token))) && !self.has_host()?)
    }

    /// The setup page: creates the host, names the camp and sets its code of conduct, all at once.
    pub fn complete_setup(
        &self,
        token: &str,
        new: &NewMember,
        site_name: &str,
        code_of_conduct: &str,
    ) -> AppResult<AccountId> {
        if !self.setup_token_valid(token)? {
            return Err(AppError::Forbidden(
                "This setup link is not valid any more. If the camp has no host yet, restart \
                 Porchlight and use the new link it prints."
                    .into(),
            ));
        }
        let site_name = bounded("The camp's name", site_name, MAX_SITE_NAME)?;
        if site_name.is_empty() {
            return Err(AppError::Invalid("Please give the camp a name.".into()));
        }
        let code_of_conduct = bounded("The code of conduct", code_of_conduct, MAX_CODE_OF_CONDUCT)?;
        self.precheck(new)?;
        let hash = self.hash_password(new.password)?;
        let expected = crate::hex(&token_hash(token));
        self.db.write(|tx| {
            // Checked again inside the transaction: two browsers racing on one link get one host.
            if porchlight_db::get_setting(tx, "setup_token_hash")?.as_deref() != Some(&expected)
                || accounts::count_hosts(tx)? > 0
            {
                return Err(AppError::Forbidden("This setup link was just used.".into()));
            }
            let id = self.insert_member(tx, new, &hash, None)?;
            porchlight_db::set_setting(tx, "site_name", &site_name)?;
            porchlight_db::set_setting(tx, "code_of_conduct", &code_of_conduct)?;
            porchlight_db::delete_setting(tx, "setup_token_hash")?;
            Ok(id)
        })
    }

    /// The host changes the camp's name, code of conduct or member cap. A changed code of
    /// conduct gets a new version, with `change` (what the host says changed): every member is
    /// asked to agree to it again at their next visit, and the log keeps it.
    pub fn update_site(&self, by: AccountId, site: &Site, change: &str) -> AppResult<()> {
        let change = bounded("\"What changed\"", change, 500)?;
        let name = bounded("The camp's name", &site.name, MAX_SITE_NAME)?;
        if name.is_empty() {
            return Err(AppError::Invalid("Please give the camp a name.".into()));
        }
        let coc = bounded(
            "The code of conduct",
            &site.code_of_conduct,
            MAX_CODE_OF_CONDUCT,
        )?;
        self.db.write(|tx| {
            let me = require_role(tx, by, Role::Host)?;
            site.member_cap
                .allows_existing(accounts::count_members(tx)?)?;
            let before = crate::site(tx)?;
            if before.code_of_conduct.trim() != coc.trim() {
                let version = before.code_of_conduct_version + 1;
                porchlight_db::set_setting(tx, "coc_version", &version.to_string())?;
                porchlight_db::set_setting(tx, "coc_change", change.trim())?;
                // Whoever changes it agrees to it.
                accounts::agree_to_code_of_conduct(tx, me.id, version)?;
                crate::member_care::log(
                    tx,
                    &format!("@{}", me.username),
                    "changed",
                    "the code of conduct",
                    change.trim(),
                )?;
            }
            porchlight_db::set_setting(tx, "site_name", &name)?;
            porchlight_db::set_setting(tx, "code_of_conduct", &coc)?;
            porchlight_db::set_setting(tx, "member_cap", &site.member_cap.limit().to_string())?;
            Ok(())
        })
    }

    /// Makes an invite link code. Hosts and moderators invite.
    pub fn create_invite(
        &self,
        by: Option<AccountId>,
        note: &str,
        uses: u32,
        expires_in_days: Option<u32>,
    ) -> AppResult<Invite> {
        let note = bounded("The welcome note", note, MAX_INVITE_NOTE)?;
        if !(1..=MAX_INVITE_USES).contains(&uses) {
            return Err(AppError::Invalid(format!(
                "An invite can be used from 1 to {MAX_INVITE_USES} times."
            )));
        }
        if let Some(days) = expires_in_days
            && !(1..=MAX_INVITE_DAYS).contains(&days)
        {
            return Err(AppError::Invalid(format!(
                "An invite can last from 1 to {MAX_INVITE_DAYS} days."
            )));
        }
        let now = now();
        let invite = Invite {
            code: self.random_token(12),
            created_by: by,
            created_by_name: None,
            note,
            max_uses: uses,
            uses: 0,
            expires_at: expires_in_days.map(|d| now + i64::from(d) * 86_400),
            revoked: false,
            created_at: now,
        };
        self.db.write(|tx| -> AppResult<()> {
            let acting = match by {
                Some(by) => {
                    require_role(tx, by, Role::Moderator)?;
                    Acting::Member(by)
                }
                None => Acting::Shell,
            };
            accounts::insert_invite(tx, &invite)?;
            let actor = crate::member_care::actor_name(tx, acting)?;
            let what = match invite.max_uses {
                1 => "an invite for one person".to_string(),
                n => format!("an invite for {n} people"),
            };
            crate::member_care::log(tx, &actor, "made", &what, &invite.note)?;
            Ok(())
        })?;
        Ok(invite)
    }

    pub fn list_invites(&self, by: AccountId) -> AppResult<Vec<Invite>> {
        self.db.read(|c| {
            require_role(c, by, Role::Moderator)?;
            Ok(accounts::list_invites(c)?)
        })
    }

    pub fn revoke_invite(&self, by: AccountId, code: &str) -> AppResult<()> {
        self.db.write(|tx| {
            let me = require_role(tx, by, Role::Moderator)?;
            if accounts::revoke_invite(tx, code)? {
                crate::member_care::log(
                    tx,
                    &format!("@{}", me.username),
                    "withdrew an invite",
                    &format!("{}…", code.chars().take(6).collect::<String>()),
                    "",
                )?;
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        })
    }

    /// The invite behind a link, if it can still be used.
    pub fn usable_invite(&self, code: &str) -> AppResult<Invite> {
        let invite = self.db.read(|c| accounts::invite_by_code(c, code))?;
        check_invite(invite, now())
    }

    /// Signs up through an invite: the invite's use and the new member are stored together.
    pub fn sign_up(
        &self,
        code: &str,
        new: &NewMember,
        agreed_to_code: bool,
    ) -> AppResult<AccountId> {
        let invite = self.usable_invite(code)?;
        if !agreed_to_code && !self.site()?.code_of_conduct.trim().is_empty() {
            return Err(AppError::Invalid(
                "Please read the code of conduct and tick the box to agree to it.".into(),
            ));
        }
        let new = NewMember {
            role: Role::Member,
            ..*new
        };
        self.precheck(&new)?;
        let hash = self.hash_password(new.password)?;
        self.db.write(|tx| {
            check_invite(accounts::invite_by_code(tx, code)?, now())?;
            let id = self.insert_member(tx, &new, &hash, invite.created_by)?;
            if !accounts::use_invite(tx, code)? {
                return Err(AppError::Invalid(
                    "This invite has just been used up.".into(),
                ));
            }
            // The person who invited them is the first one they follow, and who follows them back:
            // a new camper starts with a friend, not an empty home.
            if let Some(inviter) = invite.created_by {
                porchlight_db::social::follow(tx, id, inviter, now())?;
                porchlight_db::social::follow(tx, inviter, id, now())?;
            }
            Ok(id)
        })
    }

    /// Checks a password; on success starts a session and returns its secret token.
    pub fn log_in(&self, username: &str, password: &str) -> AppResult<(AccountId, String)> {
        let record = self
            .db
            .read(|c| accounts::login_record(c, username.trim()))?;
        let wrong = || AppError::Invalid("That username and password do not match.".into());
        // Unknown names take as long as known ones, so timing does not reveal who is a member.
        let (id, hash) = match record {
            Some(r) => r,
            None => {
                let _ = self.hash_password(password);
                return Err(wrong());
            }
        };
        if password.len() > 1024 || !self.verify_password(&hash, password) {
            return Err(wrong());
        }
        // Told only to someone who knows the password: it says nothing to a guesser.
        if self
            .db
            .read(|c| porchlight_db::moderation::suspended_at(c, id))?
            .is_some()
        {
            return Err(AppError::Forbidden(
                "This account is suspended by the camp's hosts. Talk to them if you think this \
                 is a mistake."
                    .into(),
            ));
        }
        let token = self.random_token(32);
        self.db.write(|tx| -> AppResult<()> {
            accounts::insert_session(tx, &token_hash(&token), id, now())?;
            Ok(())
        })?;
        Ok((id, token))
    }

    /// The member a session token belongs to, and when the session was last used.
    pub fn session_member(
        &self,
        conn: &Connection,
        token: &str,
    ) -> AppResult<Option<(Member, i64)>> {
        if token.len() != 64 {
            return Ok(None);
        }
        let since = now() - self.limits.session_idle_secs;
        match accounts::session_account(conn, &token_hash(token), since)? {
            Some((id, last_seen)) => Ok(accounts::member_by_id(conn, id)?
                .filter(|m| m.suspended_at.is_none())
                .map(|m| (m, last_seen))),
            None => Ok(None),
        }
    }

    /// Marks a session used now (callers do it at most once an hour per session).
    pub fn touch_session(&self, token: &str) -> AppResult<()> {
        self.db.write(|tx| -> AppResult<()> {
            accounts::touch_session(tx, &token_hash(token), now())?;
            Ok(())
        })
    }

    pub fn log_out(&self, token: &str) -> AppResult<()> {
        self.db.write(|tx| -> AppResult<()> {
            accounts::delete_session(tx, &token_hash(token))?;
            Ok(())
        })
    }

    /// Changes a password after checking the current one, and ends the member's other sessions
    /// and every app's access (an app logs in again).
    pub fn change_password(
        &self,
        id: AccountId,
        current: &str,
        new: &str,
        keep_session: &str,
    ) -> AppResult<()> {
        let hash = self
            .db
            .read(|c| accounts::password_hash(c, id))?
            .ok_or(AppError::NotFound)?;
        if !self.verify_password(&hash, current) {
            return Err(AppError::Invalid(
                "The current password is not right.".into(),
            ));
        }
        check_password(new)?;
        let new_hash = self.hash_password(new)?;
        self.db.write(|tx| -> AppResult<()> {
            accounts::set_password_hash(tx, id, &new_hash)?;
            accounts::delete_sessions_except(tx, id, Some(&token_hash(keep_session)))?;
            porchlight_db::oauth::delete_all_tokens_of(tx, id)?;
            Ok(())
        })
    }

    /// Sets a member's password without the old one (the host's command line) and logs them out
    /// everywhere, apps included.
    pub fn reset_password(&self, username: &str, new: &str) -> AppResult<()> {
        check_password(new)?;
        let member = self
            .db
            .read(|c| accounts::member_by_username(c, username))?
            .ok_or(AppError::NotFound)?;
        let new_hash = self.hash_password(new)?;
        self.db.write(|tx| -> AppResult<()> {
            accounts::set_password_hash(tx, member.id, &new_hash)?;
            accounts::delete_sessions_except(tx, member.id, None)?;
            porchlight_db::oauth::delete_all_tokens_of(tx, member.id)?;
            Ok(())
        })
    }

    /// The box's reset button, held 5 s: a one-time link (valid for a day) that lets whoever
    /// holds the box set a new password for a host. Nothing else changes. Returns the token.
    pub fn issue_recovery_token(&self) -> AppResult<String> {
        let token = self.random_token(24);
        self.db.write(|tx| -> AppResult<()> {
            let value = format!(
                "{}:{}",
                crate::hex(&token_hash(&token)),
                porchlight_db::now() + 24 * 3600
            );
            porchlight_db::set_setting(tx, "recovery_token", &value)?;
            Ok(())
        })?;
        Ok(token)
    }

    pub fn recovery_token_valid(&self, token: &str) -> AppResult<bool> {
        let stored = self
            .db
            .read(|c| porchlight_db::get_setting(c, "recovery_token"))?;
        let Some((hash, until)) = stored.as_deref().and_then(|s| s.split_once(':')) else {
            return Ok(false);
        };
        Ok(hash == crate::hex(&token_hash(token))
            && until
                .parse::<i64>()
                .is_ok_and(|u| u >= porchlight_db::now()))
    }

    /// Sets a host's new password with a recovery link; the link is used up and the host is
    /// logged out everywhere.
    pub fn recover_host(&self, token: &str, username: &str, new: &str) -> AppResult<()> {
        if !self.recovery_token_valid(token)? {
            return Err(AppError::Forbidden(
                "This recovery link is not valid any more. Hold the box's button for 5 seconds \
                 to make a new one."
                    .into(),
            ));
        }
        check_password(new)?;
        let member = self
            .db
            .read(|c| accounts::member_by_username(c, username))?
            .filter(|m| m.role == porchlight_core::audience::Role::Host)
            .ok_or_else(|| AppError::Invalid(format!("There is no host called \"{username}\".")))?;
        let new_hash = self.hash_password(new)?;
        self.db.write(|tx| -> AppResult<()> {
            accounts::set_password_hash(tx, member.id, &new_hash)?;
            accounts::delete_sessions_except(tx, member.id, None)?;
            porchlight_db::oauth::delete_all_tokens_of(tx, member.id)?;
            porchlight_db::delete_setting(tx, "recovery_token")?;
            Ok(())
        })
    }

    /// The hosts' usernames (for the recovery page).
    pub fn host_names(&self) -> AppResult<Vec<String>> {
        Ok(self
            .db
            .read(|c| accounts::list_members(c, 0, 1000))?
            .into_iter()
            .filter(|m| m.role == porchlight_core::audience::Role::Host)
            .map(|m| m.username)
            .collect())
    }

    /// Whether `update_profile` would take these (so that a change made with them, such as a
    /// new avatar, can be refused first).
    pub fn check_profile(&self, display_name: &str, bio: &str, who_i_am: &str) -> AppResult<()> {
        checked_profile(display_name, bio, who_i_am).map(|_| ())
    }

    pub fn update_profile(
        &self,
        id: AccountId,
        display_name: &str,
        bio: &str,
        who_i_am: &str,
    ) -> AppResult<()> {
        let (display_name, bio, who_i_am) = checked_profile(display_name, bio, who_i_am)?;
        self.write_and_send(|tx, fed| -> AppResult<()> {
            accounts::update_profile(tx, id, &display_name, &bio, &who_i_am)?;
            let used = crate::emoji::used_in(tx, &format!("{display_name} {bio} {who_i_am}"))?;
            porchlight_db::emoji::set_for_account(tx, id, &used)?;
            if let Some(me) = fed {
                porchlight_federation::outbox::profile_updated(tx, me, id, porchlight_db::now())?;
            }
            Ok(())
        })
    }

    /// A member chooses what their posts are for when they do not choose (on the settings page,
    /// or `source[privacy]` from an app). "Mentioned only" cannot be a default.
    pub fn set_default_audience(&self, id: AccountId, audience: Audience) -> AppResult<()> {
        if !porchlight_core::audience::may_be_default(audience) {
            return Err(AppError::Invalid(format!(
                "\"{}\" cannot be what every post is for: it needs an @mention to reach anyone.",
                audience.label()
            )));
        }
        self.db.write(|tx| {
            accounts::member_by_id(tx, id)?.ok_or(AppError::NotFound)?;
            accounts::set_default_audience(tx, id, audience)?;
            Ok(())
        })
    }

    /// A member agrees to the code of conduct as it is now.
    pub fn agree_to_code_of_conduct(&self, id: AccountId) -> AppResult<()> {
        self.db.write(|tx| {
            let version = crate::site(tx)?.code_of_conduct_version;
            accounts::agree_to_code_of_conduct(tx, id, version)?;
            Ok(())
        })
    }

    /// The host gives a member a role. The last host cannot step down (someone must hold the keys).
    pub fn set_role(&self, by: AccountId, member: AccountId, role: Role) -> AppResult<()> {
        self.db.write(|tx| {
            let me = require_role(tx, by, Role::Host)?;
            let target = accounts::member_by_id(tx, member)?.ok_or(AppError::NotFound)?;
            if target.role == Role::Host && role != Role::Host && accounts::count_hosts(tx)? <= 1 {
                return Err(AppError::Invalid(
                    "The camp needs at least one host. Make someone else a co-host first.".into(),
                ));
            }
            accounts::set_role(tx, member, role)?;
            if target.role != role {
                crate::member_care::log(
                    tx,
                    &format!("@{}", me.username),
                    "changed the role of",
                    &format!("@{}", target.username),
                    match role {
                        Role::Host => "now a co-host",
                        Role::Moderator => "now a moderator",
                        Role::Member => "now a member",
                    },
                )?;
            }
            Ok(())
        })
    }

    /// Members `me` might follow, for the "Who's here" card and apps' suggestions: up to
    /// `limit`, in the order they joined, leaving out `me`, those suspended or gone to another
    /// server, those `me` follows already or muted, and anyone either of them blocked.
    pub fn who_is_here(&self, me: AccountId, limit: usize) -> AppResult<Vec<Member>> {
        self.db.read(|c| -> AppResult<Vec<Member>> {
            let blocked = porchlight_db::muting::blocked_either_way(c, me)?;
            let muted: Vec<AccountId> = porchlight_db::muting::mutes(c, me, now())?
                .iter()
                .map(|m| m.target)
                .collect();
            let mut others = Vec::new();
            for m in accounts::list_members(c, 0, MEMBERS_LISTED)? {
                if others.len() == limit {
                    break;
                }
                if m.id != me
                    && m.suspended_at.is_none()
                    && m.moved_to.is_none()
                    && !blocked.contains(&m.id)
                    && !muted.contains(&m.id)
                    && !porchlight_db::social::follows(c, me, m.id)?
                {
                    others.push(m);
                }
            }
            Ok(others)
        })
    }

    pub fn member_count_and_cap(&self) -> AppResult<(u32, MemberCap)> {
        self.db
            .read(|c| Ok((accounts::count_members(c)?, crate::site(c)?.member_cap)))
    }
}

/// Refuses unless whoever acts holds at least `role` (the shell holds every role).
pub(crate) fn require_acting(conn: &Connection, acting: Acting, role: Role) -> AppResult<()> {
    match acting {
        Acting::Shell => Ok(()),
        Acting::Member(who) => require_role(conn, who, role).map(|_| ()),
    }
}

/// Refuses unless `who` is a member with at least `role`.
/// A profile's display name, bio and "who I am", each within its bound: the one check that
/// `update_profile` writes and `check_profile` answers.
fn checked_profile(
    display_name: &str,
    bio: &str,
    who_i_am: &str,
) -> AppResult<(String, String, String)> {
    Ok((
        bounded("The display name", display_name, MAX_DISPLAY_NAME)?,
        bounded("The bio", bio, MAX_BIO)?,
        bounded("\"Who I am\"", who_i_am, MAX_WHO_I_AM)?,
    ))
}

pub(crate) fn require_role(conn: &Connection, who: AccountId, role: Role) -> AppResult<Member> {
    let member = accounts::member_by_id(conn, who)?.ok_or(AppError::NotSignedIn)?;
    if member.role < role {
        return Err(AppError::Forbidden(format!(
            "Only a {} can do this.",
            match role {
                Role::Host => "host",
                _ => "host or moderator",
            }
        )));
    }
    Ok(member)
}

fn check_invite(invite: Option<Invite>, now: UnixTime) -> AppResult<Invite> {
    let invite = invite.ok_or_else(|| {
        AppError::Invalid(
            "This invite link is not valid. Please check that you copied all of it, or ask for a new one."
                .into(),
        )
    })?;
    let why = match invite.state(now) {
        InviteState::Open => return Ok(invite),
        InviteState::Withdrawn => "This invite was withdrawn by the host.",
        InviteState::Used => "This invite has already been used.",
        InviteState::Expired => "This invite has expired.",
    };
    Err(AppError::Invalid(format!(
        "{why} Please ask for a new one."
    )))
}

/// Whether an error is the member cap (pages show it as "the camp is full").
pub fn is_camp_full(e: &AppError) -> bool {
    matches!(e, AppError::Member(MemberError::CampFull { .. }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn passwords_are_argon2id_and_old_parameters_still_verify() {
        let dir = tempfile::tempdir().unwrap();
        let app = App::open(dir.path(), Limits::default()).unwrap();
        let hash = app.hash_password("a long password").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{hash}");
        assert!(app.verify_password(&hash, "a long password"));
        assert!(!app.verify_password(&hash, "a long passwort"));
        // The string is standard PHC: the library's own verifier accepts it.
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"a long password", &parsed)
                .is_ok()
        );
        // A hash made with the library's default (19 MiB) parameters keeps working.
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let old = Argon2::default()
            .hash_password(b"old password!", &salt)
            .unwrap()
            .to_string();
        assert!(app.verify_password(&old, "old password!"));
        assert!(!app.verify_password("not a hash", "old password!"));
    }
}
