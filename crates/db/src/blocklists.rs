//! Block lists shared by others (`porchlight_core::blocklists`): the sources a camp reads (its
//! neighbor camps, and lists a host subscribed to by address), what each offered and what
//! became of it, and the blocks applied because of one.

use porchlight_core::UnixTime;
use porchlight_core::blocklists::{BlockLevel, Known, Mode, Offer, OfferState};
use rusqlite::{Connection, OptionalExtension, params};

use crate::federation::DomainBlock;

/// A neighbor camp (by host) or a list (by address) whose blocks this camp reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub source: String,
    pub is_list: bool,
    pub mode: Mode,
    pub due_at: UnixTime,
    pub checked_at: Option<UnixTime>,
    /// What the last reading found (or why it failed).
    pub status: String,
}

fn source_from_row(r: &rusqlite::Row) -> rusqlite::Result<Source> {
    let kind: String = r.get(1)?;
    let mode: String = r.get(2)?;
    Ok(Source {
        source: r.get(0)?,
        is_list: kind == "list",
        mode: Mode::parse(&mode).unwrap_or(Mode::Review),
        due_at: r.get(3)?,
        checked_at: r.get(4)?,
        status: r.get(5)?,
    })
}

const SOURCE_COLUMNS: &str = "source, kind, mode, due_at, checked_at, status";

pub fn sources(conn: &Connection) -> rusqlite::Result<Vec<Source>> {
    conn.prepare_cached(&format!(
        "SELECT {SOURCE_COLUMNS} FROM block_sources ORDER BY kind DESC, source"
    ))?
    .query_map([], source_from_row)?
    .collect()
}

pub fn source(conn: &Connection, source: &str) -> rusqlite::Result<Option<Source>> {
    conn.prepare_cached(&format!(
        "SELECT {SOURCE_COLUMNS} FROM block_sources WHERE source = ?1"
    ))?
    .query_row([source], source_from_row)
    .optional()
}

/// Adds a source (due at once); false if it was there already.
pub fn add_source(
    conn: &Connection,
    source: &str,
    is_list: bool,
    mode: Mode,
) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "INSERT INTO block_sources (source, kind, mode) VALUES (?1, ?2, ?3)
         ON CONFLICT (source) DO NOTHING",
        params![
            source,
            if is_list { "list" } else { "neighbor" },
            mode.as_str()
        ],
    )? == 1)
}

pub fn set_mode(conn: &Connection, source: &str, mode: Mode) -> rusqlite::Result<bool> {
    Ok(conn.execute(
        "UPDATE block_sources SET mode = ?2, due_at = 0 WHERE source = ?1",
        params![source, mode.as_str()],
    )? == 1)
}

/// Stops reading a source; what it offered is forgotten, and the blocks applied because of it
/// stay as the host's own (no retraction can come for them any more).
pub fn remove_source(conn: &Connection, source: &str) -> rusqlite::Result<bool> {
    conn.execute(
        "UPDATE domain_blocks SET source = NULL WHERE source = ?1",
        [source],
    )?;
    Ok(conn.execute("DELETE FROM block_sources WHERE source = ?1", [source])? == 1)
}

/// The sources due for reading now, the longest waiting first.
pub fn due(conn: &Connection, now: UnixTime, limit: u32) -> rusqlite::Result<Vec<Source>> {
    conn.prepare_cached(&format!(
        "SELECT {SOURCE_COLUMNS} FROM block_sources WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2"
    ))?
    .query_map(params![now, limit], source_from_row)?
    .collect()
}

/// A source was read (or failed): when, what it said, and when it is due again.
pub fn checked(
    conn: &Connection,
    source: &str,
    now: UnixTime,
    next: UnixTime,
    status: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE block_sources SET checked_at = ?2, due_at = ?3, status = ?4 WHERE source = ?1",
        params![source, now, next, status],
    )?;
    Ok(())
}

/// The source changed its list: read it on the next round.
pub fn make_due(conn: &Connection, source: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE block_sources SET due_at = 0 WHERE source = ?1",
        [source],
    )?;
    Ok(())
}

fn offer_from_row(r: &rusqlite::Row) -> rusqlite::Result<(Offer, OfferState)> {
    Ok((
        Offer {
            domain: r.get(0)?,
            level: BlockLevel::parse(&r.get::<_, String>(1)?).unwrap_or(BlockLevel::Suspend),
            reason: r.get(2)?,
        },
        OfferState::parse(&r.get::<_, String>(3)?).unwrap_or(OfferState::Pending),
    ))
}

/// What `source` offered before, and what became of it.
pub fn known(conn: &Connection, source: &str) -> rusqlite::Result<Vec<Known>> {
    conn.prepare_cached(
        "SELECT domain, level, reason, state FROM offered_blocks WHERE source = ?1",
    )?
    .query_map([source], |r| {
        offer_from_row(r).map(|(offer, state)| Known { offer, state })
    })?
    .collect()
}

pub fn set_offered(
    conn: &Connection,
    source: &str,
    offer: &Offer,
    state: OfferState,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO offered_blocks (source, domain, level, reason, state, seen_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (source, domain) DO UPDATE SET level = ?3, reason = ?4, state = ?5, seen_at = ?6",
    )?
    .execute(params![
        source,
        offer.domain,
        offer.level.as_str(),
        offer.reason,
        state.as_str(),
        now
    ])?;
    Ok(())
}

pub fn forget_offered(conn: &Connection, source: &str, domain: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM offered_blocks WHERE source = ?1 AND domain = ?2")?
        .execute([source, domain])?;
    Ok(())
}

/// One offered block, if it is still there.
pub fn offered(
    conn: &Connection,
    source: &str,
    domain: &str,
) -> rusqlite::Result<Option<(Offer, OfferState)>> {
    conn.prepare_cached(
        "SELECT domain, level, reason, state FROM offered_blocks WHERE source = ?1 AND domain = ?2",
    )?
    .query_row([source, domain], offer_from_row)
    .optional()
}

/// Another source that offers a block of `domain`, kept aside because `source`'s was applied
/// first: it takes the block over when `source` withdraws its own.
pub fn other_keeper(
    conn: &Connection,
    domain: &str,
    source: &str,
) -> rusqlite::Result<Option<(String, Offer)>> {
    conn.prepare_cached(
        "SELECT domain, level, reason, state, source FROM offered_blocks
          WHERE domain = ?1 AND source != ?2 AND state = 'kept' ORDER BY seen_at LIMIT 1",
    )?
    .query_row([domain, source], |r| Ok((r.get(4)?, offer_from_row(r)?.0)))
    .optional()
}

/// The blocks waiting for the host's review: (source, offer).
pub fn pending(conn: &Connection) -> rusqlite::Result<Vec<(String, Offer)>> {
    conn.prepare_cached(
        "SELECT domain, level, reason, state, source FROM offered_blocks
          WHERE state = 'pending' ORDER BY seen_at, domain LIMIT 500",
    )?
    .query_map([], |r| Ok((r.get(4)?, offer_from_row(r)?.0)))?
    .collect()
}

/// This camp's block of exactly `domain`, with the source it came from (None: its own).
pub fn block_of(conn: &Connection, domain: &str) -> rusqlite::Result<Option<Option<String>>> {
    conn.prepare_cached("SELECT source FROM domain_blocks WHERE domain = ?1")?
        .query_row([domain], |r| r.get(0))
        .optional()
}

/// Blocks a domain because of `source` (None: the host's own decision, which a source never
/// overrides or lifts).
pub fn set_block_from(
    conn: &Connection,
    block: &DomainBlock,
    source: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO domain_blocks (domain, level, reason, created_at, source) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (domain) DO UPDATE SET level = ?2, reason = ?3, source = ?5",
    )?
    .execute(params![
        block.domain,
        block.level.as_str(),
        block.reason,
        block.created_at,
        source
    ])?;
    Ok(())
}

/// Lifts a block that came from `source`; false if there was none from it.
pub fn lift_block_from(conn: &Connection, domain: &str, source: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM domain_blocks WHERE domain = ?1 AND source = ?2")?
        .execute([domain, source])?
        == 1)
}

/// The host's own blocks (what this camp offers its neighbors; blocks learned from a list are
/// that list's to share).
pub fn own_blocks(conn: &Connection) -> rusqlite::Result<Vec<DomainBlock>> {
    conn.prepare_cached(
        "SELECT domain, level, reason, created_at FROM domain_blocks WHERE source IS NULL ORDER BY domain",
    )?
    .query_map([], |r| {
        Ok(DomainBlock {
            domain: r.get(0)?,
            level: BlockLevel::parse(&r.get::<_, String>(1)?).unwrap_or(BlockLevel::Suspend),
            reason: r.get(2)?,
            created_at: r.get(3)?,
        })
    })?
    .collect()
}

/// Where each block came from, by domain (None: the host's own).
pub fn block_sources_by_domain(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<String, String>> {
    conn.prepare_cached("SELECT domain, source FROM domain_blocks WHERE source IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}
