//! `porchlight`: the one binary. It reads the command line and the config file, sets up logging
//! and the async runtime, and wires the crates together. No other crate builds a runtime or a
//! logger.

mod appliance;
mod backups;
mod config;
#[cfg(feature = "release-tools")]
mod release_tools;
mod updates;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use porchlight_app::members::NewMember;
use porchlight_app::{Acting, App, AppError};
use porchlight_core::audience::Role;

use config::Config;

#[derive(Parser)]
#[command(
    name = "porchlight",
    version,
    about = "A small social network in a box, for you and your friends."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct Common {
    /// The folder that holds the camp's database and keys.
    #[arg(long, value_name = "DIR", global = true)]
    data: Option<PathBuf>,
    /// A TOML config file (see docs/configuration.md).
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the camp's web server.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address and port to listen on.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// The public name of the camp (e.g. camp.example), when it is served over HTTPS.
        #[arg(long, value_name = "HOST")]
        domain: Option<String>,
        /// Also serve HTTPS on this address, with a certificate the camp makes for itself
        /// (porchlight.local); plain HTTP then sends browsers there.
        #[arg(long, value_name = "ADDR")]
        https: Option<String>,
        /// Run as the box: data in /data/porchlight, HTTP on port 80 and HTTPS on 443 (unless
        /// given), and drive the status lights, the reset button and the hardware watchdog.
        #[arg(long)]
        appliance: bool,
        /// With --appliance: find the lights, watchdog and button under this folder instead of
        /// /sys/class/leds, /dev/watchdog and /dev/input/event0 (for tests and simulators).
        #[arg(long, value_name = "DIR", hide = true)]
        hardware: Option<PathBuf>,
        /// With --appliance: the SNTP servers to ask for the time (host:port; repeatable).
        #[arg(long = "time-server", value_name = "HOST:PORT")]
        time_servers: Vec<String>,
    },
    /// Add or list members.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Make an invite link.
    Invite {
        #[command(flatten)]
        common: Common,
        /// A personal welcome shown on the invite page.
        #[arg(long, value_name = "TEXT", default_value = "")]
        note: String,
        /// How many people can use the link.
        #[arg(long, value_name = "N", default_value_t = 1)]
        uses: u32,
        /// Days until the link expires (never, if not given).
        #[arg(long, value_name = "DAYS")]
        expires: Option<u32>,
    },
    /// Check the database for damage.
    Check {
        #[command(flatten)]
        common: Common,
    },
    /// Write a consistent copy of the database to a file (safe while the camp runs).
    Backup {
        #[command(flatten)]
        common: Common,
        /// A new file, or a folder (then the file is named by the date and time).
        #[arg(long, value_name = "FILE|DIR")]
        to: PathBuf,
        /// With a folder: keep only this many backups in it, the newest.
        #[arg(long, value_name = "N")]
        keep: Option<usize>,
    },
    /// Write a member's archive (what their "Download your data" gives) to a zip file.
    Export {
        #[command(flatten)]
        common: Common,
        /// The member's username.
        name: String,
        #[arg(long, value_name = "FILE.zip")]
        to: PathBuf,
    },
    /// Bring an archive (Mastodon's, GoToSocial's or a camp's), or one of Mastodon's CSV
    /// lists, into a member's account, as their "Bring your things here" does.
    Import {
        #[command(flatten)]
        common: Common,
        /// The member's username.
        name: String,
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// For a CSV list: which one (following, lists, mutes, blocks, domain_blocks,
        /// bookmarks).
        #[arg(long, value_name = "KIND")]
        list: Option<String>,
    },
    /// Block whole servers for everyone here, list the blocks, or move block lists in and out.
    Block {
        #[command(subcommand)]
        command: BlockCommand,
    },
    /// Make and check the box's release files (scripts/release; docs/UPDATES.md).
    #[cfg(feature = "release-tools")]
    Release {
        #[command(subcommand)]
        command: release_tools::ReleaseCommand,
    },
    /// What the box's /init asks about updates as it starts (not for people).
    #[command(hide = true)]
    Update {
        #[command(subcommand)]
        command: UpdateCommand,
    },
    /// Replace the database with a backup (stop the server first). A backup sealed on the
    /// host's page needs its passphrase, read from standard input.
    Restore {
        #[command(flatten)]
        common: Common,
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// Read the passphrase of a sealed backup from standard input.
        #[arg(long)]
        passphrase_stdin: bool,
    },
}

#[derive(Subcommand)]
enum UpdateCommand {
    /// Hand over to an update on trial, or record that one fell back; prints what /init does.
    AtStart {
        #[arg(long, default_value = "/boot")]
        boot: PathBuf,
        #[arg(long, default_value = "/data/porchlight")]
        data: PathBuf,
        /// The kernel command line this start has.
        #[arg(long, default_value = "/proc/cmdline")]
        cmdline: PathBuf,
        /// Where the box's report for the host is (see `porchlight_device::report`).
        #[arg(long, default_value = porchlight_device::report::BOX_PROBLEMS)]
        problems: PathBuf,
        /// Where to leave the command line for /init's kexec.
        #[arg(long, default_value = updates::KEXEC_CMDLINE)]
        kexec_cmdline: PathBuf,
    },
    /// End a trial that did not commit (exits 1 when there was none).
    FailTrial {
        #[arg(long, default_value = "/data/porchlight")]
        data: PathBuf,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
enum BlockCommand {
    /// Block a domain (and its subdomains).
    Add {
        #[command(flatten)]
        common: Common,
        domain: String,
        /// suspend: nothing in or out, follows dropped; silence: hidden unless followed;
        /// reject-media: no pictures from there.
        #[arg(long, value_name = "LEVEL", default_value = "suspend")]
        level: String,
        /// Why (shown to members on the host's page).
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
    },
    /// Lift a block.
    Remove {
        #[command(flatten)]
        common: Common,
        domain: String,
    },
    /// List the blocks.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Import Mastodon's domain_blocks.csv (all rows or none).
    Import {
        #[command(flatten)]
        common: Common,
        file: PathBuf,
    },
    /// Print the blocks as Mastodon's domain_blocks.csv.
    Export {
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a member; the password is read from standard input.
    Add {
        #[command(flatten)]
        common: Common,
        name: String,
        /// Make them a host (an administrator).
        #[arg(long)]
        admin: bool,
        /// Make them a moderator.
        #[arg(long, conflicts_with = "admin")]
        moderator: bool,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, value_name = "NAME", default_value = "")]
        display_name: String,
    },
    /// List the members.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Set a member's password (read from standard input) and log them out everywhere.
    ResetPassword {
        #[command(flatten)]
        common: Common,
        name: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Print a one-time link (valid 24 hours) with which a member sets a new password.
    ResetLink {
        #[command(flatten)]
        common: Common,
        name: String,
    },
    /// Suspend a member: no login, apps cut off, posts hidden, servers elsewhere told.
    Suspend {
        #[command(flatten)]
        common: Common,
        name: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Lift a member's suspension.
    Unsuspend {
        #[command(flatten)]
        common: Common,
        name: String,
    },
    /// Remove a member and their posts for good (a backup is made first).
    Remove {
        #[command(flatten)]
        common: Common,
        name: String,
        #[arg(long, default_value = "")]
        reason: String,
        /// Required: removal cannot be undone except by restoring the backup.
        #[arg(long)]
        yes: bool,
    },
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info"))
        .format(|out, record| {
            use std::io::Write;
            // As env_logger's default: `[2026-12-07T08:05:12Z INFO  target] message`.
            writeln!(
                out,
                "[{} {:<5} {}] {}",
                jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                record.level(),
                record.target(),
                record.args()
            )
        })
        .init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("porchlight: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Serve {
            common,
            listen,
            domain,
            https,
            appliance,
            hardware,
            time_servers,
        } => {
            let mut config = Config::load(&common)?;
            if appliance {
                if common.data.is_none() && !config.data_from_file {
                    config.data = PathBuf::from("/data/porchlight");
                }
                config.listen = "0.0.0.0:80".into();
                config.https = Some("0.0.0.0:443".into());
            }
            if let Some(listen) = listen {
                config.listen = listen;
            }
            if https.is_some() {
                config.https = https;
            }
            config.appliance = appliance.then(|| {
                let mut hardware = match hardware {
                    Some(dir) => appliance::Hardware::under(&dir),
                    None => appliance::Hardware::real(),
                };
                if !time_servers.is_empty() {
                    hardware.time_servers = time_servers;
                }
                hardware
            });
            if let Some(domain) = domain {
                config::check_domain_for(&domain, config.federation.test_network.is_some())?;
                config.domain = Some(domain);
                config.domain_fixed = true;
            }
            if let Some(test) = &config.federation.test_network {
                if config.appliance.is_some() {
                    return Err(
                        "[federation.test_network] is for testing a camp against other \
                                servers on a network of one's own; the box refuses it"
                            .into(),
                    );
                }
                log::warn!(
                    "TEST NETWORK: this camp federates with the private addresses {}{}. It is \
                     for testing against servers of your own; never run a real camp so.",
                    test.allow.join(", "),
                    if test.http { ", over plain http" } else { "" }
                );
            }
            serve(config)
        }
        Command::User { command } => match command {
            UserCommand::Add {
                common,
                name,
                admin,
                moderator,
                display_name,
                ..
            } => {
                let app = open(&Config::load(&common)?)?;
                let password = read_password()?;
                let role = if admin {
                    Role::Host
                } else if moderator {
                    Role::Moderator
                } else {
                    Role::Member
                };
                app.add_member(&NewMember {
                    username: &name,
                    password: &password,
                    display_name: &display_name,
                    role,
                })
                .map_err(explain)?;
                let (count, cap) = app.member_count_and_cap().map_err(explain)?;
                println!(
                    "Added @{} as {} ({count} of {} places taken).",
                    name.trim().to_ascii_lowercase(),
                    role.as_str(),
                    cap.limit()
                );
                Ok(())
            }
            UserCommand::List { common } => {
                let app = open(&Config::load(&common)?)?;
                let members = app
                    .read(|c| porchlight_app::db::accounts::list_members(c, 0, 1000))
                    .map_err(|e| e.to_string())?;
                for m in &members {
                    println!(
                        "{:<30} {:<10} {}",
                        m.username,
                        m.role.as_str(),
                        m.display_name
                    );
                }
                let (count, cap) = app.member_count_and_cap().map_err(explain)?;
                println!("{count} of {} places taken.", cap.limit());
                Ok(())
            }
            UserCommand::ResetPassword { common, name, .. } => {
                let app = open(&Config::load(&common)?)?;
                let password = read_password()?;
                app.reset_password(&name, &password).map_err(|e| match e {
                    AppError::NotFound => format!("there is no member called \"{name}\""),
                    e => explain(e),
                })?;
                println!(
                    "The password of @{name} is changed; they were logged out everywhere, apps included."
                );
                Ok(())
            }
            UserCommand::ResetLink { common, name } => {
                let mut config = Config::load(&common)?;
                let (app, id) = open_at_member(&mut config, &name)?;
                let token = app.make_reset_link(Acting::Shell, id).map_err(explain)?;
                let base = app
                    .link_base(config.domain.as_deref(), &config.base_url())
                    .map_err(explain)?;
                println!("{base}/reset/{token}");
                Ok(())
            }
            UserCommand::Suspend {
                common,
                name,
                reason,
            } => {
                let (app, id) = open_at_member(&mut Config::load(&common)?, &name)?;
                app.suspend(Acting::Shell, id, &reason).map_err(explain)?;
                println!(
                    "@{name} is suspended: they cannot log in, their apps are cut off and their posts are hidden."
                );
                Ok(())
            }
            UserCommand::Unsuspend { common, name } => {
                let (app, id) = open_at_member(&mut Config::load(&common)?, &name)?;
                app.unsuspend(Acting::Shell, id).map_err(explain)?;
                println!("@{name} is no longer suspended.");
                Ok(())
            }
            UserCommand::Remove {
                common,
                name,
                reason,
                yes,
            } => {
                if !yes {
                    return Err(format!(
                        "removing @{name} deletes their account and posts for good; run again with --yes to do it"
                    ));
                }
                let (app, id) = open_at_member(&mut Config::load(&common)?, &name)?;
                let backup = app
                    .remove_member(Acting::Shell, id, &reason)
                    .map_err(explain)?;
                println!(
                    "@{name} is removed. The camp as it was just before is in {}.",
                    backup.display()
                );
                Ok(())
            }
        },
        Command::Invite {
            common,
            note,
            uses,
            expires,
        } => {
            let config = Config::load(&common)?;
            let app = open(&config)?;
            let invite = app
                .create_invite(None, &note, uses, expires)
                .map_err(explain)?;
            let base = app
                .link_base(config.domain.as_deref(), &config.base_url())
                .map_err(explain)?;
            println!("{base}/invite/{}", invite.code);
            Ok(())
        }
        Command::Check { common } => {
            let app = open(&Config::load(&common)?)?;
            let result = app.integrity_check().map_err(|e| e.to_string())?;
            if result == "ok" {
                let (count, cap) = app.member_count_and_cap().map_err(explain)?;
                println!(
                    "The database is sound. {count} of {} places taken.",
                    cap.limit()
                );
                Ok(())
            } else {
                Err(format!(
                    "the database is damaged: {result}. Restore a backup with `porchlight restore --from FILE`."
                ))
            }
        }
        Command::Backup { common, to, keep } => {
            let app = open(&Config::load(&common)?)?;
            let folder = to.is_dir().then(|| to.clone());
            if keep.is_some() && folder.is_none() {
                return Err("--keep needs --to to be a folder".into());
            }
            let to = match &folder {
                // Named by the time in milliseconds: sorts by age, and two a second do not clash.
                Some(dir) => dir.join(format!(
                    "porchlight-{}.db",
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map(|d| d.as_millis())
                        .unwrap_or(0)
                )),
                None => to,
            };
            if to.exists() {
                return Err(format!(
                    "{} already exists; choose a new file name so that no backup is overwritten",
                    to.display()
                ));
            }
            app.backup_to(&to)
                .map_err(|e| format!("could not write the backup to {}: {e}", to.display()))?;
            println!("Backup written to {}.", to.display());
            if let (Some(dir), Some(keep)) = (folder, keep) {
                for old in backups::prune(&dir, keep.max(1))? {
                    println!("Removed the old backup {}.", old.display());
                }
            }
            Ok(())
        }
        Command::Restore {
            common,
            from,
            passphrase_stdin,
        } => restore(&Config::load(&common)?, &from, passphrase_stdin),
        Command::Block { command } => block(command),
        #[cfg(feature = "release-tools")]
        Command::Release { command } => release_tools::run(command),
        Command::Update { command } => match command {
            UpdateCommand::AtStart {
                boot,
                data,
                cmdline,
                problems,
                kexec_cmdline,
            } => {
                let cmdline = std::fs::read_to_string(&cmdline).unwrap_or_default();
                if let Some(todo) =
                    updates::at_start(&boot, &data, &cmdline, &problems, &kexec_cmdline)?
                {
                    println!("{todo}");
                }
                Ok(())
            }
            UpdateCommand::FailTrial { data, reason } => {
                if updates::fail_trial(&data, &reason)? {
                    Ok(())
                } else {
                    Err("no trial to end".into())
                }
            }
        },
        Command::Export { common, name, to } => {
            let (app, member) = open_at_member(&mut Config::load(&common)?, &name)?;
            app.export_to(member, &to, |done, total| {
                eprint!("\r{done} of {total} posts written");
            })
            .map_err(explain)?;
            eprintln!();
            println!("Wrote {}.", to.display());
            Ok(())
        }
        Command::Import {
            common,
            name,
            from,
            list,
        } => {
            let list = match list.as_deref() {
                None => None,
                Some(kind) => Some(porchlight_app::archive::ListKind::parse(kind).ok_or_else(|| {
                    format!("unknown list \"{kind}\"; use following, lists, mutes, blocks, domain_blocks or bookmarks")
                })?),
            };
            let (app, member) = open_at_member(&mut Config::load(&common)?, &name)?;
            let report = app
                .import_from(member, &from, list, |done, _| {
                    eprint!("\r{done} posts read");
                })
                .map_err(explain)?;
            eprintln!();
            println!("{report}");
            Ok(())
        }
    }
}

fn block(command: BlockCommand) -> Result<(), String> {
    use porchlight_app::db::federation::BlockLevel;
    match command {
        BlockCommand::Add {
            common,
            domain,
            level,
            reason,
        } => {
            let level = BlockLevel::parse(&level.replace('-', "_"))
                .filter(|_| level != "noop")
                .ok_or_else(|| {
                    format!("unknown level \"{level}\"; use suspend, silence or reject-media")
                })?;
            let app = open(&Config::load(&common)?)?;
            app.block_domain(Acting::Shell, &domain, level, &reason)
                .map_err(explain)?;
            println!("Blocked {} ({}).", domain.trim(), level.as_str());
        }
        BlockCommand::Remove { common, domain } => {
            let app = open(&Config::load(&common)?)?;
            app.unblock_domain(Acting::Shell, &domain)
                .map_err(|e| match e {
                    AppError::NotFound => format!("{} is not blocked", domain.trim()),
                    e => explain(e),
                })?;
            println!("Unblocked {}.", domain.trim());
        }
        BlockCommand::List { common } => {
            let app = open(&Config::load(&common)?)?;
            let blocks = app.domain_blocks().map_err(explain)?;
            for b in &blocks {
                println!("{:<40} {:<13} {}", b.domain, b.level.as_str(), b.reason);
            }
            println!("{} blocked.", blocks.len());
        }
        BlockCommand::Import { common, file } => {
            let csv = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let app = open(&Config::load(&common)?)?;
            let n = app
                .import_domain_blocks(Acting::Shell, &csv)
                .map_err(explain)?;
            println!("Imported {n} blocks from {}.", file.display());
        }
        BlockCommand::Export { common } => {
            let app = open(&Config::load(&common)?)?;
            print!(
                "{}",
                app.export_domain_blocks(Acting::Shell).map_err(explain)?
            );
        }
    }
    Ok(())
}

fn explain(e: AppError) -> String {
    e.to_string()
}

fn open(config: &Config) -> Result<App, String> {
    App::open(&config.data, config.limits()).map_err(|e| match e {
        AppError::Storage(e) => format!(
            "cannot open the database in {}: {e}. Check that the folder is writable, or run `porchlight check`.",
            config.data.display()
        ),
        e => e.to_string(),
    })
}

/// Opens the camp for a change that servers elsewhere must hear of (its deliveries are queued
/// in the database, and the running server sends them), and finds a member by name.
fn open_at_member(
    config: &mut Config,
    name: &str,
) -> Result<(App, porchlight_core::AccountId), String> {
    let mut app = open(config)?;
    if config.domain.is_none() {
        config.domain = app.public_domain().map_err(explain)?;
    }
    if let Some(federation) = config.federation() {
        app = app.with_federation(federation);
    }
    let id = app
        .read(|c| porchlight_app::db::accounts::member_by_username(c, name.trim()))
        .map_err(|e| e.to_string())?
        .map(|m| m.id)
        .ok_or_else(|| format!("there is no member called \"{}\"", name.trim()))?;
    Ok((app, id))
}

fn read_password() -> Result<String, String> {
    let mut input = String::new();
    std::io::stdin()
        .take(4096)
        .read_to_string(&mut input)
        .map_err(|e| format!("could not read the password from standard input: {e}"))?;
    let password = input.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err("no password on standard input; try: echo 'a long password' | porchlight user add NAME --password-stdin".into());
    }
    Ok(password)
}

/// Holds the data folder so that two servers (or a restore and a server) never use it at once.
fn lock_data(data: &Path) -> Result<std::fs::File, String> {
    std::fs::create_dir_all(data).map_err(|e| data_folder_problem(data, "create", &e))?;
    let path = data.join("porchlight.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| data_folder_problem(data, "write in", &e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(_) => Err(format!(
            "another Porchlight is already using {}; stop it first (only one may use a data folder)",
            data.display()
        )),
    }
}

/// What to tell the host when the data folder cannot be written: the common causes by name.
fn data_folder_problem(data: &Path, doing: &str, e: &std::io::Error) -> String {
    let why = match e.raw_os_error() {
        Some(libc_erofs) if libc_erofs == nix::errno::Errno::EROFS as i32 => {
            "it is on a read-only disk (a card that is write-protected, or that the system \
             made read-only after errors: check or replace it)"
                .to_string()
        }
        Some(enospc) if enospc == nix::errno::Errno::ENOSPC as i32 => {
            "the disk is full (free some space: old backups are in the backups folder)".to_string()
        }
        _ if e.kind() == std::io::ErrorKind::PermissionDenied => {
            "Porchlight's user may not write there (check the folder's owner)".to_string()
        }
        _ => e.to_string(),
    };
    format!(
        "cannot {doing} the data folder {}: {why}. Nothing was changed.",
        data.display()
    )
}

fn serve(mut config: Config) -> Result<(), String> {
    let _lock = lock_data(&config.data)?;
    // A factory reset that a power cut interrupted is finished or undone before anything else.
    match porchlight_device::reset::recover(&config.data) {
        Ok(porchlight_device::reset::Outcome::Nothing) => {}
        Ok(porchlight_device::reset::Outcome::RolledBack) => {
            log::warn!("an interrupted factory reset was undone; nothing was erased")
        }
        Ok(porchlight_device::reset::Outcome::Reset { backup }) => log::warn!(
            "an interrupted factory reset was finished; the camp's data is in {}",
            backup.display()
        ),
        Err(e) => return Err(format!("cannot finish an interrupted factory reset: {e}")),
    }
    // A backup the setup page took (checked there) replaces the fresh camp as it starts.
    if let Some(staged) = porchlight_app::backups::staged_restore(&config.data) {
        // Only onto a camp that was never set up: one that has a host since the backup was
        // given is never replaced behind its back.
        let result = if porchlight_app::db::file_has_host(&config.data.join("porchlight.db")) {
            Err("the camp was set up in the meantime".to_string())
        } else {
            replace_database(&config.data, &staged, true)
        };
        match result {
            Ok(kept) => log::warn!(
                "the camp was restored from the backup given on the setup page{}",
                kept.map(|k| format!("; the camp it replaced is kept as {}", k.display()))
                    .unwrap_or_default()
            ),
            Err(e) => {
                let _ = std::fs::remove_file(&staged);
                log::error!("the backup given on the setup page could not be restored: {e}");
            }
        }
    }
    // After an update that fell back: the database the new version changed is put aside.
    if config.appliance.is_some()
        && let Err(e) = updates::restore_after_falling_back(&config.data)
    {
        log::error!("after the update fell back: {e}");
    }
    let mut app = open(&config)?;
    // The public name the host gave on a page, unless the config file or command line fixes it.
    if config.domain.is_none() {
        config.domain = app.public_domain().map_err(explain)?;
    }
    match config.federation() {
        Some(federation) => {
            log::info!("federating as {}", federation.me.base_url);
            app = app.with_federation(federation);
        }
        None => log::info!(
            "not federating: {}",
            if config.domain.is_none() {
                "the camp has no public name yet (set one with --domain)"
            } else {
                "federation.enabled is false in the config"
            }
        ),
    }
    let app = Arc::new(app);
    // Deliveries and inbox work run on their own threads, beside the server.
    let workers = app.start_workers();
    let listener = std::net::TcpListener::bind(&config.listen).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            format!("the address {} is already in use; is Porchlight already running? Choose another with --listen", config.listen)
        } else {
            format!("cannot listen on {}: {e}", config.listen)
        }
    })?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let mut base_url = config.base_url_for(address);
    // HTTPS with the camp's own certificate, when asked for; with a public name, also with one
    // from the certificate authority, which `acme` below keeps.
    let acme_challenges = porchlight_tls::Challenges::default();
    let https = match &config.https {
        Some(at) => {
            let certificate = porchlight_tls::lan_certificate(
                &config.data.join("tls"),
                &[
                    "porchlight.local".to_string(),
                    "localhost".to_string(),
                    "127.0.0.1".to_string(),
                    "::1".to_string(),
                ],
            )?;
            let certs = porchlight_tls::Certs::new(&certificate)?;
            let acceptor = certs.acceptor()?;
            let tls_listener = std::net::TcpListener::bind(at).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AddrInUse {
                    format!(
                        "the address {at} (HTTPS) is already in use; is another web server running?"
                    )
                } else {
                    format!("cannot listen for HTTPS on {at}: {e}")
                }
            })?;
            tls_listener
                .set_nonblocking(true)
                .map_err(|e| e.to_string())?;
            let tls_address = tls_listener.local_addr().map_err(|e| e.to_string())?;
            log::info!(
                "HTTPS on https://{tls_address} (certificate SHA-256 {})",
                certificate.fingerprint
            );
            if config.domain.is_none() {
                // The box is reached by its mDNS name (its address changes with the router's
                // mood); elsewhere by the address it listens on.
                base_url = if config.appliance.is_some() && tls_address.port() == 443 {
                    "https://porchlight.local".to_string()
                } else {
                    config::reachable_at("https", tls_address)
                };
            }
            Some((
                tls_listener,
                tls_address,
                acceptor,
                certificate.fingerprint,
                certs,
            ))
        }
        None => None,
    };
    let acme = match (&https, &config.domain) {
        (Some(h), Some(domain)) if config.acme.enabled => Some(porchlight_tls::Acme {
            settings: porchlight_tls::acme::Settings {
                domain: domain.clone(),
                directory: config.acme.directory.clone(),
                contact: config.acme.contact.clone(),
                ca_root: config.acme.ca_root.clone(),
                dir: config.data.join("tls"),
            },
            certs: h.4.clone(),
            challenges: acme_challenges.clone(),
            // Set below, once the box's clock keeper runs.
            clock_ready: Arc::new(|| true),
            report: {
                let app = app.clone();
                Arc::new(move |status: &porchlight_tls::Status| {
                    let (app, status) = (app.clone(), status.clone());
                    // The database is written on a blocking thread, never on the runtime.
                    tokio::task::spawn_blocking(move || {
                        if let Err(e) = app.record_certificate_status(&status) {
                            log::warn!("cannot record the certificate's status: {e}");
                        }
                    });
                })
            },
        }),
        (Some(_), Some(_)) => {
            log::info!("not asking for a public certificate: acme.enabled is false");
            None
        }
        _ => None,
    };
    log::info!(
        "Porchlight {} is listening on http://{address} (data in {})",
        updates::running_version(),
        config.data.display()
    );
    // `porchlight invite`, run beside the server, prints links to where it really is.
    if let Err(e) = app.record_served_at(&base_url) {
        log::warn!("cannot record the camp's address for command-line links: {e}");
    }
    if let Some(token) = app.issue_setup_token().map_err(explain)? {
        log::info!(
            "This camp has no host yet. To create the host account, open: {base_url}/setup/{token}"
        );
        log::info!("(or run: porchlight user add NAME --admin --password-stdin)");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // SQLite and password hashing run here. More threads than the database's four readers,
        // its writer and a password hash would only wait, and each costs memory.
        .max_blocking_threads(8)
        .thread_stack_size(512 * 1024)
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    // Stopping, for a signal or a restart.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = Arc::new(stop);
    let restart = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (restart_stop, restart_requested) = (stop.clone(), restart.clone());
    let state = Arc::new(porchlight_http::State::new(
        app,
        porchlight_http::HttpConfig {
            base_url: config
                .domain
                .as_ref()
                .map(|d| format!("{}://{d}", config.public_scheme())),
            secure_cookies: (config.domain.is_some() && config.public_scheme() == "https")
                || https.is_some(),
            tls_fingerprint: https.as_ref().map(|h| h.3.clone()),
            acme_challenges,
            restart: Some(porchlight_http::Restart(Arc::new(move || {
                log::info!("restarting to take the new public name");
                restart_requested.store(true, std::sync::atomic::Ordering::SeqCst);
                let _ = restart_stop.send(true);
            }))),
            domain_fixed: config.domain_fixed,
            body_deadline: None,
            // The box has no screen for the setup link: its home network may set it up.
            setup_from_home_network: config.appliance.is_some(),
        },
    ));
    // On the box: updates from the host's page stop the server and ask /init to restart the
    // box into them; a start that is an update's trial keeps it once healthy long enough.
    let restart_box = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let trial_over = Arc::new(std::sync::atomic::AtomicBool::new(false));
    if config.appliance.is_some() {
        let (stop, restart_box) = (stop.clone(), restart_box.clone());
        if let Some(box_updates) = updates::box_updates(Arc::new(move || {
            restart_box.store(true, std::sync::atomic::Ordering::SeqCst);
            let _ = stop.send(true);
        })) {
            state.app.set_box_updates(box_updates);
        }
        if let Some(slot) = updates::trial_slot() {
            let (app, data, over) = (state.app.clone(), config.data.clone(), trial_over.clone());
            let seconds = updates::trial_seconds();
            std::thread::Builder::new()
                .name("update-trial".into())
                .spawn(move || {
                    updates::keep_when_healthy(slot, seconds, &data, &over, || {
                        health(&app, address)
                    })
                })
                .map_err(|e| format!("cannot start the update's trial: {e}"))?;
        }
    }
    // The box: lights, button and hardware watchdog, fed by the same health check.
    let the_box = config.appliance.take().map(|hardware| {
        let app = state.app.clone();
        appliance::start(
            state.app.clone(),
            hardware,
            config.data.clone(),
            base_url.clone(),
            https.as_ref().map(|h| h.1.port()),
            config.domain.clone(),
            move || health(&app, address),
        )
    });
    // The certificate waits for the box's clock; elsewhere the system keeps time.
    let acme = acme.map(|mut acme| {
        if let Some(the_box) = &the_box {
            let trusted = the_box.clock_trusted.clone();
            acme.clock_ready = Arc::new(move || trusted.load(std::sync::atomic::Ordering::SeqCst));
        }
        acme
    });
    // Under systemd (Type=notify): ready now that the database is open and the port bound; and
    // while the watchdog is on, "alive" only as long as the health check passes.
    porchlight_device::notify::ready(&format!("serving on {address}"));
    let watchdog = porchlight_device::notify::watchdog_interval().map(|interval| {
        let app = state.app.clone();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("watchdog".into())
            .spawn(move || {
                while !stopped.load(std::sync::atomic::Ordering::SeqCst) {
                    match health(&app, address) {
                        Ok(()) => porchlight_device::notify::alive(),
                        Err(e) => log::error!("health check failed (the watchdog is not fed): {e}"),
                    }
                    std::thread::sleep(interval);
                }
            })
            .expect("start the watchdog thread");
        (stop, thread)
    });
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        if let Some(acme) = acme {
            tokio::spawn(acme.run(stopped.clone()));
        }
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|s| *s).await;
        };
        match https {
            None => porchlight_http::serve(state, listener, until_stopped(stopped))
                .await
                .map_err(|e| e.to_string()),
            Some((tls_listener, tls_address, acceptor, _, _)) => {
                let tls_listener =
                    tokio::net::TcpListener::from_std(tls_listener).map_err(|e| e.to_string())?;
                let https_port = (tls_address.port() != 443).then_some(tls_address.port());
                let (plain, secure) = tokio::join!(
                    porchlight_http::serve_mode(
                        state.clone(),
                        listener,
                        porchlight_http::Mode::RedirectToHttps { https_port },
                        until_stopped(stopped.clone()),
                    ),
                    porchlight_http::serve_mode(
                        state,
                        tls_listener,
                        porchlight_http::Mode::Tls(acceptor),
                        until_stopped(stopped),
                    ),
                );
                plain.and(secure).map_err(|e| e.to_string())
            }
        }
    })?;
    let restarting = restart.load(std::sync::atomic::Ordering::SeqCst);
    if restarting {
        porchlight_device::notify::reloading();
    } else {
        porchlight_device::notify::stopping();
    }
    if let Some(the_box) = the_box {
        the_box.stop();
    }
    if let Some((stop, thread)) = watchdog {
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = thread.join();
    }
    trial_over.store(true, std::sync::atomic::Ordering::SeqCst);
    // Workers finish the job in hand (one request at most); what is left stays queued on disk.
    workers.stop();
    // Dropping the runtime drops the last handles on the camp, which closes the database and
    // empties its write-ahead log, before we say we are done.
    drop(runtime);
    if restarting {
        // The same program with the same arguments, in this process (so a service manager sees
        // no exit): it reads the new public name as it starts. The data folder's lock is
        // released by the exec, which closes it.
        use std::os::unix::process::CommandExt;
        drop(_lock);
        log::info!("Porchlight stopped; starting again.");
        let program = std::env::current_exe().map_err(|e| format!("cannot restart: {e}"))?;
        let error = std::process::Command::new(program)
            .args(std::env::args_os().skip(1))
            .exec();
        return Err(format!("cannot restart: {error}; start Porchlight again"));
    }
    if restart_box.load(std::sync::atomic::Ordering::SeqCst) {
        drop(_lock);
        log::info!("Porchlight stopped; the box restarts to try the update.");
        std::process::exit(updates::EXIT_RESTART_BOX.into());
    }
    log::info!("Porchlight stopped.");
    Ok(())
}

/// Whether the camp is healthy: the database takes a write within a few seconds, and the server
/// answers its health page. What the service manager's watchdog (and the box's hardware watchdog)
/// are fed by.
fn health(app: &App, address: std::net::SocketAddr) -> Result<(), String> {
    use std::io::{Read as _, Write as _};
    app.write_probe()
        .map_err(|e| format!("the database does not take writes: {e}"))?;
    let probe = if address.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), address.port())
    } else {
        address
    };
    let timeout = std::time::Duration::from_secs(5);
    let mut stream = std::net::TcpStream::connect_timeout(&probe, timeout)
        .map_err(|e| format!("the server does not answer: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .map_err(|e| e.to_string())?;
    stream
        .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("the server does not answer: {e}"))?;
    let mut answer = String::new();
    let _ = stream.take(4096).read_to_string(&mut answer);
    if answer.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(format!(
            "the server's health page answered {:?}",
            answer.lines().next().unwrap_or("")
        ))
    }
}

async fn shutdown_signal() {
    let mut terminate =
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(e) => {
                log::warn!("cannot watch for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => log::info!("interrupted (Ctrl-C)"),
        _ = terminate.recv() => log::info!("asked to stop (SIGTERM)"),
    }
}

fn restore(config: &Config, from: &Path, passphrase_stdin: bool) -> Result<(), String> {
    let _lock = lock_data(&config.data)?;
    if !from.is_file() {
        return Err(format!("{} is not a file", from.display()));
    }
    let mut start = [0u8; 32];
    let read = std::fs::File::open(from)
        .and_then(|mut f| f.read(&mut start))
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    if !porchlight_app::sealed::is_sealed(&start[..read]) {
        let kept = replace_database(&config.data, from, false)?;
        report_restore(from, kept.as_deref());
        return Ok(());
    }
    if !passphrase_stdin {
        return Err(format!(
            "{} is sealed with a passphrase: give it with --passphrase-stdin",
            from.display()
        ));
    }
    let passphrase = read_password()?;
    let opened = config.data.join("porchlight.db.unsealed");
    porchlight_app::sealed::unseal(from, &opened, &passphrase)
        .map_err(|e| format!("{}: {e}; nothing was changed", from.display()))?;
    let replaced = replace_database(&config.data, &opened, true);
    let _ = std::fs::remove_file(&opened);
    report_restore(from, replaced?.as_deref());
    Ok(())
}

fn report_restore(from: &Path, kept: Option<&Path>) {
    if let Some(kept) = kept {
        println!("The current database was kept as {}.", kept.display());
    }
    println!("Restored from {}.", from.display());
}

/// Puts the backup at `from` in place of the camp's database in `data`, after checking it;
/// the current database is kept beside (returned), never destroyed. `take`: the file may be
/// moved rather than copied. The camp must not be running.
fn replace_database(data: &Path, from: &Path, take: bool) -> Result<Option<PathBuf>, String> {
    porchlight_app::db::check_backup(from)
        .map_err(|problem| format!("{}: {problem}; nothing was changed", from.display()))?;
    let db = data.join("porchlight.db");
    let staged = data.join("porchlight.db.restoring");
    if take {
        std::fs::rename(from, &staged)
    } else {
        std::fs::copy(from, &staged).map(|_| ())
    }
    .map_err(|e| format!("cannot copy the backup into {}: {e}", data.display()))?;
    let mut kept = None;
    let keep_name = format!("porchlight.db.before-restore-{}", porchlight_app::db::now());
    if db.exists() && porchlight_app::db::schema_is_newer(&db)? {
        // A newer version's database (an upgrade undone) cannot be opened here: its files
        // are moved aside whole.
        updates::put_aside(data, &keep_name)?;
        kept = Some(data.join(&keep_name));
    } else if db.exists() {
        let keep = data.join(&keep_name);
        // The current database is kept beside, never destroyed: restoring is undoable.
        let current = porchlight_app::db::Db::open(&db).map_err(|e| e.to_string())?;
        current
            .backup_to(&keep)
            .map_err(|e| format!("cannot keep a copy of the current database: {e}"))?;
        drop(current);
        kept = Some(keep);
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(data.join(format!("porchlight.db{suffix}")));
    }
    std::fs::rename(&staged, &db).map_err(|e| format!("cannot put the backup in place: {e}"))?;
    Ok(kept)
}
