//! `porchlight release`: making a release key, signing a boot slot into a release file and
//! checking one as a box would (scripts/release; docs/UPDATES.md). Built where releases are
//! made, not into the box's own binary (the `release-tools` feature, off in scripts/build-arm):
//! a box only checks releases, and its binary has a size budget.

use std::path::PathBuf;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum ReleaseCommand {
    /// Make a new release key: the private half (keep it secret, never in the repository)
    /// and the public half (built into images with scripts/build-image --release-key).
    Keygen {
        #[arg(long, value_name = "FILE")]
        private: PathBuf,
        #[arg(long, value_name = "FILE")]
        public: PathBuf,
    },
    /// Sign a boot slot (a folder scripts/build-image made) into a release file.
    Make {
        #[arg(long, value_name = "DIR")]
        slot: PathBuf,
        #[arg(long, value_name = "VERSION")]
        version: String,
        /// The private key (PKCS#8), from `porchlight release keygen`.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Print the public half of a private release key (a key file images can trust).
    Public {
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Check a release file as a box would (signature, every file), without writing anything.
    Check {
        file: PathBuf,
        /// The public key file.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// The version the box runs (0.0.0 takes any).
        #[arg(long, value_name = "VERSION", default_value = "0.0.0")]
        running: String,
    },
}

pub fn run(command: ReleaseCommand) -> Result<(), String> {
    use porchlight_release::{PublicKey, SigningKey, Version};
    let version = |text: &str| {
        Version::parse(text).map_err(|e| format!("{text} is not a version like 1.2.3: {e}"))
    };
    match command {
        ReleaseCommand::Keygen { private, public } => {
            let document = SigningKey::generate()?;
            let key = SigningKey::from_pkcs8(&document)?;
            {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&private)
                    .map_err(|e| format!("cannot make {}: {e}", private.display()))?;
                file.write_all(&document)
                    .map_err(|e| format!("cannot write {}: {e}", private.display()))?;
            }
            std::fs::write(&public, key.public().render())
                .map_err(|e| format!("cannot write {}: {e}", public.display()))?;
            println!(
                "A release key: the private half is {} (keep it secret and safe), the public half {} (fingerprint {}).",
                private.display(),
                public.display(),
                key.public().fingerprint()
            );
            Ok(())
        }
        ReleaseCommand::Make {
            slot,
            version: v,
            key,
            out,
        } => {
            let document =
                std::fs::read(&key).map_err(|e| format!("cannot read {}: {e}", key.display()))?;
            let key = SigningKey::from_pkcs8(&document)?;
            let manifest = porchlight_release::make(&slot, &version(&v)?, &key, &out)
                .map_err(|e| format!("cannot make the release: {e}"))?;
            println!(
                "{}: Porchlight {}, {} files, {} bytes, signed by {}",
                out.display(),
                manifest.version,
                manifest.files.len(),
                manifest.total_bytes(),
                key.public().fingerprint()
            );
            Ok(())
        }
        ReleaseCommand::Public { key } => {
            let document =
                std::fs::read(&key).map_err(|e| format!("cannot read {}: {e}", key.display()))?;
            print!("{}", SigningKey::from_pkcs8(&document)?.public().render());
            Ok(())
        }
        ReleaseCommand::Check { file, key, running } => {
            let key = PublicKey::read(&key)?;
            let manifest = porchlight_release::check(&file, &key, &version(&running)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            println!(
                "{}: Porchlight {}, signed by {}, {} files as its manifest says",
                file.display(),
                manifest.version,
                key.fingerprint(),
                manifest.files.len()
            );
            Ok(())
        }
    }
}
