//! Server-wide moderation the host does on behalf of everyone: domain blocks (suspend, silence,
//! reject media), with Mastodon's `domain_blocks.csv` for sharing block lists.

use porchlight_db::federation::{self as store, BlockLevel, DomainBlock};
use porchlight_db::now;

use porchlight_core::audience::Role;

use crate::members::require_acting;
use crate::{Acting, App, AppError, AppResult, bounded};

/// A domain as the host typed it, made canonical: lower case, no scheme, path or port.
pub fn normalize_domain(input: &str) -> AppResult<String> {
    let d = input.trim().to_ascii_lowercase();
    let d = d
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .trim_start_matches("*.");
    let d = d.split('/').next().unwrap_or("");
    // A port is kept when given: a server on an unusual port is its own server.
    let (d, port) = match d.split_once(':') {
        Some((d, port)) if port != "443" && port != "80" => (d, Some(port)),
        Some((d, _)) => (d, None),
        None => (d, None),
    };
    let d = d.trim_end_matches('.');
    let valid = !d.is_empty()
        && port.is_none_or(|p| p.parse::<u16>().is_ok())
        && d.len() <= 253
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !valid {
        return Err(AppError::Invalid(format!(
            "\"{}\" is not a domain name (like social.example).",
            input.trim()
        )));
    }
    Ok(match port {
        Some(port) => format!("{d}:{port}"),
        None => d.to_string(),
    })
}

pub(crate) fn apply_block(tx: &porchlight_db::Connection, block: &DomainBlock) -> AppResult<()> {
    store::set_domain_block(tx, block)?;
    if block.level == BlockLevel::Suspend {
        // Suspending cuts every tie: follows both ways, pending requests, queued deliveries.
        store::drop_follows_with_domain(tx, &block.domain)?;
        store::drop_jobs_for_domain(tx, &block.domain)?;
    }
    Ok(())
}

impl App {
    /// Blocks a domain (and its subdomains) for everyone here.
    pub fn block_domain(
        &self,
        by: Acting,
        domain: &str,
        level: BlockLevel,
        reason: &str,
    ) -> AppResult<()> {
        let domain = normalize_domain(domain)?;
        if let Some(fed) = &self.federation
            && (fed.me.host == domain || fed.me.host.split(':').next() == Some(domain.as_str()))
        {
            return Err(AppError::Invalid("That is this camp's own domain.".into()));
        }
        let reason = bounded("The reason", reason, 500)?;
        self.db.write(|tx| {
            require_acting(tx, by, Role::Host)?;
            refuse_blocking_a_neighbor(tx, &domain)?;
            let actor = crate::member_care::actor_name(tx, by)?;
            crate::member_care::log(tx, &actor, level_logged(level), &domain, &reason)?;
            apply_block(
                tx,
                &DomainBlock {
                    domain,
                    level,
                    reason,
                    created_at: now(),
                },
            )?;
            self.tell_neighbors_blocks_changed(tx)
        })
    }

    pub fn unblock_domain(&self, by: Acting, domain: &str) -> AppResult<()> {
        let domain = normalize_domain(domain)?;
        let removed = self.db.write(|tx| -> AppResult<bool> {
            require_acting(tx, by, Role::Host)?;
            let removed = store::remove_domain_block(tx, &domain)?;
            if removed {
                let actor = crate::member_care::actor_name(tx, by)?;
                crate::member_care::log(tx, &actor, "lifted the block of", &domain, "")?;
                self.tell_neighbors_blocks_changed(tx)?;
            }
            Ok(removed)
        })?;
        if !removed {
            return Err(AppError::NotFound);
        }
        Ok(())
    }

    /// The neighbors read this camp's block list again (docs/NEIGHBORHOODS.md).
    fn tell_neighbors_blocks_changed(&self, tx: &porchlight_db::Connection) -> AppResult<()> {
        if let Some(fed) = &self.federation {
            porchlight_federation::neighborhood::send_blocks_changed(tx, &fed.me, now())?;
        }
        Ok(())
    }

    pub fn domain_blocks(&self) -> AppResult<Vec<DomainBlock>> {
        Ok(self.db.read(store::domain_blocks)?)
    }

    /// Imports Mastodon's `domain_blocks.csv` (`#domain,#severity,#reject_media,…,#public_comment`,
    /// or a plain list of domains). All rows are checked first; then all are applied in one
    /// transaction, or none. Returns how many were imported.
    pub fn import_domain_blocks(&self, by: Acting, csv: &str) -> AppResult<usize> {
        let blocks = parse_domain_blocks_csv(csv)?;
        self.db.write(|tx| {
            require_acting(tx, by, Role::Host)?;
            let actor = crate::member_care::actor_name(tx, by)?;
            for block in &blocks {
                refuse_blocking_a_neighbor(tx, &block.domain)?;
            }
            for block in &blocks {
                crate::member_care::log(
                    tx,
                    &actor,
                    &format!("{} (imported)", level_logged(block.level)),
                    &block.domain,
                    &block.reason,
                )?;
                apply_block(tx, block)?;
            }
            self.tell_neighbors_blocks_changed(tx)?;
            Ok(blocks.len())
        })
    }

    /// Exports the blocks in Mastodon's `domain_blocks.csv` form.
    pub fn export_domain_blocks(&self, by: Acting) -> AppResult<String> {
        self.db.read(|c| require_acting(c, by, Role::Moderator))?;
        let mut out = csv::Writer::from_writer(Vec::new());
        let write = |out: &mut csv::Writer<Vec<u8>>, row: &[&str]| {
            out.write_record(row)
                .map_err(|e| AppError::Invalid(format!("could not write the list: {e}")))
        };
        write(
            &mut out,
            &[
                "#domain",
                "#severity",
                "#reject_media",
                "#reject_reports",
                "#public_comment",
                "#obfuscate",
            ],
        )?;
        for b in self.domain_blocks()? {
            let severity = match b.level {
                BlockLevel::Suspend => "suspend",
                BlockLevel::Silence => "silence",
                BlockLevel::RejectMedia => "noop",
            };
            let reject_media = if b.level == BlockLevel::Silence {
                "false"
            } else {
                "true"
            };
            write(
                &mut out,
                &[
                    &b.domain,
                    severity,
                    reject_media,
                    "false",
                    &b.reason,
                    "false",
                ],
            )?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| AppError::Invalid(format!("could not write the list: {e}")))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// What the log says a block did.
/// A neighbor camp is not blocked while it is one: the host leaves the neighborhood, or asks it
/// to leave, first (a block would cut the neighborhood's posts and messages halfway).
fn refuse_blocking_a_neighbor(tx: &porchlight_db::Connection, domain: &str) -> AppResult<()> {
    if let Some(camp) = porchlight_db::neighborhood::camps(tx)?
        .into_iter()
        .find(|camp| porchlight_core::blocklists::covers(domain, &camp.host))
    {
        return Err(AppError::Invalid(format!(
            "Blocking {domain} would cut off {}, a neighbor camp. Leave the neighborhood, or ask \
             it to leave, first.",
            camp.host
        )));
    }
    Ok(())
}

fn level_logged(level: BlockLevel) -> &'static str {
    match level {
        BlockLevel::Suspend => "suspended the server",
        BlockLevel::Silence => "silenced the server",
        BlockLevel::RejectMedia => "rejected media from the server",
    }
}

pub fn parse_domain_blocks_csv(csv: &str) -> AppResult<Vec<DomainBlock>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| AppError::Invalid(format!("The file is not CSV: {e}")))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let fields: Vec<String> = record.iter().map(String::from).collect();
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows.push((line, fields));
    }
    let mut lines = rows.into_iter().peekable();
    let header: Vec<String> = match lines.peek() {
        Some((_, first))
            if first
                .first()
                .is_some_and(|f| f.trim_start().starts_with('#')) =>
        {
            let h = first
                .iter()
                .map(|f| f.trim().trim_start_matches('#').to_string())
                .collect();
            lines.next();
            h
        }
        _ => vec!["domain".into()],
    };
    let column = |name: &str| header.iter().position(|h| h == name);
    let (domain_at, severity_at, media_at, comment_at) = (
        column("domain").unwrap_or(0),
        column("severity"),
        column("reject_media"),
        column("public_comment"),
    );
    let mut blocks = Vec::new();
    for (line, fields) in lines {
        let get = |at: Option<usize>| {
            at.and_then(|i| fields.get(i))
                .map(|f| f.trim())
                .unwrap_or("")
        };
        let domain = normalize_domain(get(Some(domain_at)))
            .map_err(|e| AppError::Invalid(format!("Line {line}: {e}")))?;
        let level = match (get(severity_at), get(media_at)) {
            ("" | "suspend", _) => BlockLevel::Suspend,
            ("silence" | "limit", _) => BlockLevel::Silence,
            ("noop", "true") => BlockLevel::RejectMedia,
            ("noop", _) => continue,
            (other, _) => {
                return Err(AppError::Invalid(format!(
                    "Line {line}: unknown severity \"{other}\" (expected suspend, silence or noop)."
                )));
            }
        };
        blocks.push(DomainBlock {
            domain,
            level,
            reason: get(comment_at).chars().take(500).collect(),
            created_at: now(),
        });
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_normalized_or_refused() {
        for (input, expected) in [
            ("Social.Example", Some("social.example")),
            ("https://social.example/about", Some("social.example")),
            ("*.bad.example", Some("bad.example")),
            ("social.example:443", Some("social.example")),
            ("127.0.0.1:8080", Some("127.0.0.1:8080")),
            ("social.example:http", None),
            ("", None),
            ("not a domain", None),
            ("exa_mple.com", None),
        ] {
            assert_eq!(normalize_domain(input).ok().as_deref(), expected, "{input}");
        }
    }

    #[test]
    fn mastodon_csv_is_read() {
        let csv = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n\
                   spam.example,suspend,true,true,\"spam, and more spam\",false\n\
                   loud.example,silence,false,false,,false\n\
                   pics.example,noop,true,false,,false\n\
                   fine.example,noop,false,false,,false\n";
        let blocks = parse_domain_blocks_csv(csv).unwrap();
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[0].level, BlockLevel::Suspend);
        assert_eq!(blocks[0].reason, "spam, and more spam");
        assert_eq!(blocks[1].level, BlockLevel::Silence);
        assert_eq!(blocks[2].level, BlockLevel::RejectMedia);
        let plain = parse_domain_blocks_csv("a.example\nb.example\n").unwrap();
        assert_eq!(plain.len(), 2);
        let bad =
            parse_domain_blocks_csv("#domain,#severity\nok.example,suspend\nbad domain,suspend\n");
        assert!(bad.unwrap_err().to_string().contains("Line 3"));
    }
}
