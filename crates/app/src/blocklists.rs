//! Block lists shared by others (docs/NEIGHBORHOODS.md, "Sharing block lists"): each neighbor
//! camp's own blocks, read through its signed `/neighborhood/blocks`, and lists a host subscribes
//! to by address (Mastodon's `domain_blocks.csv`). The workers' tick reads a due source (a
//! neighbor hourly, or at once when it says its list changed; a list daily); what it means is
//! `core::blocklists::plan`'s to say; the host is told of every change on the neighborhood
//! page, and a block that would cut off a neighbor camp or this camp is never applied. A list
//! that cannot be read whole (too long, a line that is not a block) changes nothing.

use porchlight_core::audience::Role;
use porchlight_core::blocklists::{self as rules, Existing, Mode, Offer, OfferState, Step};
use porchlight_core::views::{BlockSourceView, SharedBlocksView};
use porchlight_db::blocklists as store;
use porchlight_db::federation::{self as fedstore, DomainBlock};
use porchlight_db::{Connection, now};
use porchlight_federation::neighborhood as hood;

use crate::members::require_acting;
use crate::moderation::{apply_block, normalize_domain, parse_domain_blocks_csv};
use crate::{Acting, App, AppError, AppResult};

/// How often a neighbor's list is read when it says nothing (it says when it changes).
const NEIGHBOR_EVERY: i64 = 3600;
/// How often a subscribed list is read.
const LIST_EVERY: i64 = 24 * 3600;
/// A source that could not be read is tried again after this long.
const RETRY_AFTER: i64 = 3600;
/// The largest list file read (a list of the most rows allowed fits easily).
const MAX_LIST_BYTES: usize = 2 * 1024 * 1024;
/// Whether the reasons of this camp's blocks go with them to its neighbors.
const SHARE_REASONS: &str = "share_block_reasons";

impl App {
    /// Reads the sources that are due (at most one a call: the tick comes back in seconds).
    pub fn refresh_block_lists(&self, now: i64) -> AppResult<usize> {
        let Some(fed) = &self.federation else {
            return Ok(0);
        };
        let due = self.db.read(|c| store::due(c, now, 1))?;
        for source in &due {
            let read = if source.is_list {
                read_list(fed, &source.source)
            } else {
                read_neighbor(fed, &self.db, &source.source)
            };
            let every = if source.is_list {
                LIST_EVERY
            } else {
                NEIGHBOR_EVERY
            };
            self.db.write(|tx| -> AppResult<()> {
                // The host may have removed it while it was read.
                let Some(current) = store::source(tx, &source.source)? else {
                    return Ok(());
                };
                // A list refused by the rules changes nothing; a failure while applying one
                // rolls the whole transaction back.
                let status = match read {
                    Ok(ref offers) => match take_in(tx, &fed.me, &current, offers, now)? {
                        Ok(changed) => format!("{} blocks; {changed} changes", offers.len()),
                        Err(why) => refused(tx, &current.source, &why, now)?,
                    },
                    Err(ref why) => refused(tx, &current.source, why, now)?,
                };
                let next = if status.starts_with("Refused") || status.starts_with("Could not") {
                    now + RETRY_AFTER
                } else {
                    now + every
                };
                store::checked(tx, &current.source, now, next, &status)?;
                Ok(())
            })?;
        }
        Ok(due.len())
    }

    /// What the host's page shows of shared block lists.
    pub fn shared_blocks(&self) -> AppResult<SharedBlocksView> {
        self.db.read(|c| -> AppResult<SharedBlocksView> {
            Ok(SharedBlocksView {
                sources: store::sources(c)?
                    .into_iter()
                    .map(|s| BlockSourceView {
                        source: s.source,
                        is_list: s.is_list,
                        mode: s.mode.as_str(),
                        checked_at: s.checked_at,
                        status: s.status,
                    })
                    .collect(),
                pending: store::pending(c)?
                    .into_iter()
                    .map(|(source, o)| (source, o.domain, o.level.words(), o.reason))
                    .collect(),
                share_reasons: share_reasons(c)?,
            })
        })
    }

    /// What the host does with a source's blocks: apply them, review them, or ignore them.
    pub fn set_block_source_mode(&self, by: Acting, source: &str, mode: &str) -> AppResult<()> {
        let mode = Mode::parse(mode)
            .ok_or_else(|| AppError::Invalid("Choose apply, review or ignore.".into()))?;
        self.db.write(|tx| {
            require_acting(tx, by, Role::Host)?;
            if !store::set_mode(tx, source, mode)? {
                return Err(AppError::NotFound);
            }
            Ok(())
        })
    }

    /// Subscribes to a block list published at `url` (Mastodon's `domain_blocks.csv`).
    pub fn subscribe_block_list(&self, by: Acting, url: &str, mode: &str) -> AppResult<()> {
        self.federating()?;
        let url = url.trim();
        if !(url.starts_with("https://") || url.starts_with("http://"))
            || porchlight_federation::ap::inbound::host(url).is_none()
            || url.chars().any(char::is_control)
        {
            return Err(AppError::Invalid(
                "The list's address must start with https://.".into(),
            ));
        }
        if url.len() > 2000 {
            return Err(AppError::Invalid("That address is too long.".into()));
        }
        let mode = Mode::parse(mode)
            .ok_or_else(|| AppError::Invalid("Choose apply, review or ignore.".into()))?;
        self.db.write(|tx| {
            require_acting(tx, by, Role::Host)?;
            if !store::add_source(tx, url, true, mode)? {
                return Err(AppError::Invalid(
                    "This camp reads that list already.".into(),
                ));
            }
            Ok(())
        })
    }

    /// Stops reading a list (blocks applied because of it stay, as the host's own now).
    pub fn unsubscribe_block_list(&self, by: Acting, url: &str) -> AppResult<()> {
        self.db.write(|tx| {
            require_acting(tx, by, Role::Host)?;
            match store::source(tx, url)? {
                Some(s) if s.is_list => {
                    store::remove_source(tx, url)?;
                    Ok(())
                }
                _ => Err(AppError::NotFound),
            }
        })
    }

    /// The host's review of one offered block: apply it, or dismiss it.
    pub fn review_shared_block(
        &self,
        by: Acting,
        source: &str,
        domain: &str,
        apply: bool,
    ) -> AppResult<()> {
        let fed = self.federating()?;
        self.db.write(|tx| -> AppResult<()> {
            require_acting(tx, by, Role::Host)?;
            let Some((offer, OfferState::Pending)) = store::offered(tx, source, domain)? else {
                return Err(AppError::Invalid(
                    "That block is no longer waiting for review.".into(),
                ));
            };
            let now = now();
            if apply && store::block_of(tx, &offer.domain)?.is_some() {
                // Blocked meanwhile by the host or another list: theirs stays as it is.
                store::set_offered(tx, source, &offer, OfferState::Kept, now)?;
            } else if apply {
                if protected(tx, &fed.me, &offer.domain)? {
                    return Err(AppError::Invalid(
                        "That block would cut off a neighbor camp or this camp.".into(),
                    ));
                }
                block_from(tx, source, &offer, now)?;
                store::set_offered(tx, source, &offer, OfferState::Applied, now)?;
            } else {
                store::set_offered(tx, source, &offer, OfferState::Dismissed, now)?;
            }
            Ok(())
        })
    }

    /// Whether the reasons of this camp's blocks go to its neighbors with them.
    pub fn set_share_block_reasons(&self, by: Acting, share: bool) -> AppResult<()> {
        let fed = self.federating()?;
        self.db.write(|tx| -> AppResult<()> {
            require_acting(tx, by, Role::Host)?;
            porchlight_db::set_setting(tx, SHARE_REASONS, if share { "1" } else { "0" })?;
            hood::send_blocks_changed(tx, &fed.me, now())?;
            Ok(())
        })
    }

    /// This camp's own blocks as its neighbors read them.
    pub fn block_list_for_neighbors(&self) -> AppResult<serde_json::Value> {
        let fed = self.federating()?;
        self.db.read(|c| -> AppResult<serde_json::Value> {
            let share = share_reasons(c)?;
            let blocks: Vec<(String, &str, String)> = store::own_blocks(c)?
                .into_iter()
                .map(|b| {
                    let reason = if share { b.reason } else { String::new() };
                    (b.domain, b.level.as_str(), reason)
                })
                .collect();
            Ok(porchlight_federation::ap::neighborhood::block_list(
                &hood::block_list_id(&fed.me),
                &blocks,
            ))
        })
    }
}

fn share_reasons(c: &Connection) -> AppResult<bool> {
    Ok(porchlight_db::get_setting(c, SHARE_REASONS)?.as_deref() != Some("0"))
}

/// Says why a source's list changed nothing, on the host's page; the status to keep.
fn refused(tx: &Connection, source: &str, why: &str, now: i64) -> AppResult<String> {
    log::warn!("block list {source}: {why}");
    porchlight_db::neighborhood::log(
        tx,
        &format!("The block list of {source} was not applied: {why}."),
        now,
    )?;
    Ok(format!("Refused: {why}"))
}

/// Whether a block of `domain` would cover a neighbor camp or this camp.
fn protected(
    c: &Connection,
    me: &porchlight_federation::Identity,
    domain: &str,
) -> AppResult<bool> {
    if rules::covers(domain, &me.host) {
        return Ok(true);
    }
    Ok(porchlight_db::neighborhood::camps(c)?
        .iter()
        .any(|camp| rules::covers(domain, &camp.host)))
}

/// Blocks `offer.domain` because of `source`.
fn block_from(tx: &Connection, source: &str, offer: &Offer, now: i64) -> AppResult<()> {
    let reason = if offer.reason.is_empty() {
        format!("As {source} does.")
    } else {
        format!("As {source} does: {}", offer.reason)
    };
    let block = DomainBlock {
        domain: offer.domain.clone(),
        level: offer.level,
        reason: reason.chars().take(500).collect(),
        created_at: now,
    };
    apply_block(tx, &block)?;
    store::set_block_from(tx, &block, Some(source))?;
    Ok(())
}

/// Applies what a source's list now says: how many changes it made, or why the rules refused
/// the list (then nothing was written).
fn take_in(
    tx: &Connection,
    me: &porchlight_federation::Identity,
    source: &store::Source,
    offers: &[Offer],
    now: i64,
) -> AppResult<Result<usize, String>> {
    let known = store::known(tx, &source.source)?;
    let blocks = fedstore::domain_blocks(tx)?;
    let from = store::block_sources_by_domain(tx)?;
    let camps = porchlight_db::neighborhood::camps(tx)?;
    let existing = |domain: &str| {
        blocks
            .iter()
            .find(|b| b.domain == domain)
            .map(|_| Existing {
                from_this_source: from.get(domain) == Some(&source.source),
            })
    };
    let protected = |domain: &str| {
        rules::covers(domain, &me.host) || camps.iter().any(|c| rules::covers(domain, &c.host))
    };
    let steps = match rules::plan(source.mode, &known, offers, existing, protected) {
        Ok(steps) => steps,
        Err(why) => return Ok(Err(why)),
    };
    let said = |what: String| porchlight_db::neighborhood::log(tx, &what, now);
    let name = &source.source;
    for step in &steps {
        match step {
            Step::Apply(offer) => {
                block_from(tx, name, offer, now)?;
                store::set_offered(tx, name, offer, OfferState::Applied, now)?;
                said(format!(
                    "Applied from {name}: {} {}.",
                    offer.level.words(),
                    offer.domain
                ))?;
            }
            Step::Queue(offer) => {
                store::set_offered(tx, name, offer, OfferState::Pending, now)?;
                said(format!(
                    "{name} blocks {} ({}): waiting for your review.",
                    offer.domain,
                    offer.level.words()
                ))?;
            }
            Step::Note(offer, state) => {
                store::set_offered(tx, name, offer, *state, now)?;
                if *state == OfferState::Refused {
                    said(format!(
                        "{name} blocks {}, which would cut off a neighbor camp or this camp: not applied.",
                        offer.domain
                    ))?;
                }
            }
            Step::Retract(domain) => {
                if let Some((other, offer)) = store::other_keeper(tx, domain, name)? {
                    // Another list still blocks it: the block stays, as that list's now.
                    block_from(tx, &other, &offer, now)?;
                    store::set_offered(tx, &other, &offer, OfferState::Applied, now)?;
                    said(format!(
                        "{name} lifted its block of {domain}; it stays blocked, as {other} blocks it too."
                    ))?;
                } else if store::lift_block_from(tx, domain, name)? {
                    said(format!(
                        "{name} lifted its block of {domain}; lifted here too."
                    ))?;
                }
            }
            Step::Forget(domain) => {
                store::forget_offered(tx, name, domain)?;
            }
        }
    }
    Ok(Ok(steps.len()))
}

/// A neighbor camp's own blocks, through its signed list.
fn read_neighbor(
    fed: &porchlight_federation::Federation,
    db: &porchlight_db::Db,
    host: &str,
) -> Result<Vec<Offer>, String> {
    let url = format!(
        "{}://{host}/neighborhood/blocks",
        fed.client.default_scheme()
    );
    let (doc, _) = fed
        .fetch(db, &url)
        .map_err(|e| format!("Could not read it: {e}"))?;
    let rows = porchlight_federation::ap::neighborhood::read_block_list(&doc)?;
    if rows.len() > rules::MAX_ROWS {
        return Err(format!(
            "it has {} blocks, more than the {} a list may have",
            rows.len(),
            rules::MAX_ROWS
        ));
    }
    let offers = rows
        .into_iter()
        .enumerate()
        .map(|(i, (domain, severity, reason))| {
            Ok(Offer {
                domain: normalize_domain(&domain).map_err(|e| format!("block {}: {e}", i + 1))?,
                // A camp writes exactly these three.
                level: match severity.as_str() {
                    "suspend" | "silence" | "reject_media" => rules::BlockLevel::parse(&severity),
                    _ => None,
                }
                .ok_or_else(|| format!("block {}: unknown level {severity:?}", i + 1))?,
                reason: reason.chars().take(500).collect(),
            })
        })
        .collect::<Result<Vec<Offer>, String>>()?;
    Ok(rules::dedupe(offers))
}

/// A subscribed list: Mastodon's `domain_blocks.csv` (or one domain per line).
fn read_list(fed: &porchlight_federation::Federation, url: &str) -> Result<Vec<Offer>, String> {
    let text = fed
        .client
        .get_text(url, MAX_LIST_BYTES)
        .map_err(|e| format!("Could not read it: {e}"))?;
    if text.lines().count() > rules::MAX_ROWS + 1 {
        return Err(format!(
            "it has more than the {} blocks a list may have",
            rules::MAX_ROWS
        ));
    }
    let blocks = parse_domain_blocks_csv(&text).map_err(|e| e.to_string())?;
    Ok(rules::dedupe(
        blocks
            .into_iter()
            .map(|b| Offer {
                domain: b.domain,
                level: b.level,
                reason: b.reason,
            })
            .collect(),
    ))
}
