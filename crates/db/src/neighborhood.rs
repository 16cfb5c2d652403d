//! The neighborhood this camp belongs to, the camps in it, the proposals it has seen and what its
//! host is told about them. The rules (who must approve, when a change is made) are
//! `porchlight_core::neighborhood`'s; this only keeps what they decided.

use std::collections::BTreeSet;

use porchlight_core::UnixTime;
use porchlight_core::neighborhood::{Change, Hood, Proposal, State};
use rusqlite::{Connection, OptionalExtension, params};

/// Another camp in the neighborhood.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NeighborCamp {
    /// Its instance actor's id.
    pub actor: String,
    pub host: String,
    pub joined_at: UnixTime,
    /// When this camp last heard from it (a message from it, or a delivery it took).
    pub heard_at: UnixTime,
}

/// The neighborhood's id and when this camp joined it, if it is in one.
pub fn neighborhood_uri(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT uri FROM neighborhood")?
        .query_row([], |r| r.get(0))
        .optional()
}

/// The other camps in the neighborhood, by host.
pub fn camps(conn: &Connection) -> rusqlite::Result<Vec<NeighborCamp>> {
    conn.prepare_cached(
        "SELECT actor, host, joined_at, heard_at FROM neighbor_camps ORDER BY host",
    )?
    .query_map([], |r| {
        Ok(NeighborCamp {
            actor: r.get(0)?,
            host: r.get(1)?,
            joined_at: r.get(2)?,
            heard_at: r.get(3)?,
        })
    })?
    .collect()
}

/// The neighborhood as the rules see it: its id and every member, `me` included.
pub fn hood(conn: &Connection, me: &str) -> rusqlite::Result<Option<Hood>> {
    let Some(id) = neighborhood_uri(conn)? else {
        return Ok(None);
    };
    let mut members: BTreeSet<String> = camps(conn)?.into_iter().map(|c| c.actor).collect();
    members.insert(me.to_string());
    Ok(Some(Hood { id, members }))
}

/// Whether the camp at `host` is in this camp's neighborhood now.
pub fn is_neighbor_host(conn: &Connection, host: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached("SELECT 1 FROM neighbor_camps WHERE host = ?1")?
        .query_row([host], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// Makes `hood` this camp's neighborhood (None: it belongs to none). `others` are the other
/// camps with their hosts; a camp already in it keeps the time it joined.
pub fn set_hood(
    conn: &Connection,
    uri: Option<&str>,
    others: &[(String, String)],
    now: UnixTime,
) -> rusqlite::Result<()> {
    match uri {
        None => {
            conn.execute("DELETE FROM neighborhood", [])?;
            conn.execute("DELETE FROM neighbor_camps", [])?;
            return Ok(());
        }
        Some(uri) => {
            conn.execute(
                "INSERT INTO neighborhood (only_row, uri, joined_at) VALUES (1, ?1, ?2)
                 ON CONFLICT (only_row) DO UPDATE SET uri = excluded.uri,
                   joined_at = CASE WHEN uri = excluded.uri THEN joined_at ELSE excluded.joined_at END",
                params![uri, now],
            )?;
        }
    }
    let keep: BTreeSet<&str> = others.iter().map(|(actor, _)| actor.as_str()).collect();
    for camp in camps(conn)? {
        if !keep.contains(camp.actor.as_str()) {
            conn.execute("DELETE FROM neighbor_camps WHERE actor = ?1", [&camp.actor])?;
        }
    }
    for (actor, host) in others {
        conn.execute(
            "INSERT INTO neighbor_camps (actor, host, joined_at, heard_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (actor) DO NOTHING",
            params![actor, host, now],
        )?;
    }
    Ok(())
}

/// Notes that the camp at `host` was heard from (it sent a message or a post, or took a
/// delivery). A camp that was given up on as dead after a week of silence is alive again, so
/// that the neighborhood's posts go to it once more.
pub fn heard_from(conn: &Connection, host: &str, now: UnixTime) -> rusqlite::Result<()> {
    let neighbor = conn
        .prepare_cached("UPDATE neighbor_camps SET heard_at = ?2 WHERE host = ?1")?
        .execute(params![host, now])?;
    if neighbor > 0 {
        conn.prepare_cached(
            "UPDATE servers SET dead = 0, failing_since = NULL WHERE host = ?1 AND dead",
        )?
        .execute([host])?;
    }
    Ok(())
}

/// Where a neighborhood post written at `written` goes: the shared inbox (or the actor's inbox)
/// of each neighbor camp that was a neighbor then, with its host. A camp that joined later
/// never gets it (not as an edit, either); one whose actor was never stored is skipped.
pub fn inboxes(conn: &Connection, written: UnixTime) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare_cached(
        "SELECT IFNULL(a.shared_inbox, a.inbox), n.host FROM neighbor_camps n
           JOIN accounts a ON a.uri = n.actor
          WHERE IFNULL(a.shared_inbox, a.inbox) IS NOT NULL AND n.joined_at <= ?1",
    )?
    .query_map([written], |r| Ok((r.get(0)?, r.get(1)?)))?
    .collect()
}

/// Since when the camp at `host` has been a neighbor, if it is one.
pub fn neighbor_since(conn: &Connection, host: &str) -> rusqlite::Result<Option<UnixTime>> {
    conn.prepare_cached("SELECT joined_at FROM neighbor_camps WHERE host = ?1")?
        .query_row([host], |r| r.get(0))
        .optional()
}

/// The inboxes of the camps named by their actors' ids (those stored), with their hosts.
pub fn inboxes_of(conn: &Connection, actors: &[String]) -> rusqlite::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT IFNULL(shared_inbox, inbox), domain FROM accounts
          WHERE uri = ?1 AND domain IS NOT NULL AND IFNULL(shared_inbox, inbox) IS NOT NULL",
    )?;
    for actor in actors {
        if let Some(row) = stmt
            .query_row([actor], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
        {
            found.push(row);
        }
    }
    Ok(found)
}

/// Removes the neighborhood posts by people of `host` (a camp that is no longer a neighbor),
/// with everything that hangs off them; how many.
pub fn drop_posts_from(conn: &Connection, host: &str) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM posts WHERE audience = 'neighborhood'
            AND author_id IN (SELECT id FROM accounts WHERE domain = ?1)",
        [host],
    )
}

fn set_of(text: &str) -> BTreeSet<String> {
    text.split_whitespace().map(String::from).collect()
}

fn text_of(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join(" ")
}

/// Every proposal this camp has seen, newest first (at most `limit`).
pub fn proposals(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<(Proposal, UnixTime)>> {
    conn.prepare_cached(
        "SELECT uri, kind, proposer, subject, neighborhood, members, approvals, state,
                declined_by, updated_at
           FROM neighborhood_proposals ORDER BY id DESC LIMIT ?1",
    )?
    .query_map([limit], |r| {
        let kind: String = r.get(1)?;
        let subject: String = r.get(3)?;
        let state: String = r.get(7)?;
        let declined_by: Option<String> = r.get(8)?;
        Ok((
            Proposal {
                id: r.get(0)?,
                change: match kind.as_str() {
                    "remove" => Change::Remove { camp: subject },
                    _ => Change::Join { candidate: subject },
                },
                proposer: r.get(2)?,
                neighborhood: r.get(4)?,
                members: set_of(&r.get::<_, String>(5)?),
                approvals: set_of(&r.get::<_, String>(6)?),
                state: match state.as_str() {
                    "open" => State::Open,
                    "done" => State::Done,
                    "declined" => State::Declined {
                        by: declined_by.unwrap_or_default(),
                    },
                    "withdrawn" => State::Withdrawn,
                    _ => State::Void,
                },
            },
            r.get(9)?,
        ))
    })?
    .collect()
}

/// The proposals the rules weigh: the open ones, and every one for the repeat check. A camp
/// keeps a few hundred at most (a host proposes by hand).
pub fn all_proposals(conn: &Connection) -> rusqlite::Result<Vec<Proposal>> {
    Ok(proposals(conn, 10_000)?
        .into_iter()
        .map(|(p, _)| p)
        .collect())
}

/// Stores a proposal as it stands now (new, or with more approvals, or closed).
pub fn save_proposal(conn: &Connection, p: &Proposal, now: UnixTime) -> rusqlite::Result<()> {
    let (kind, subject) = match &p.change {
        Change::Join { candidate } => ("join", candidate),
        Change::Remove { camp } => ("remove", camp),
    };
    let declined_by = match &p.state {
        State::Declined { by } => Some(by.as_str()),
        _ => None,
    };
    conn.execute(
        "INSERT INTO neighborhood_proposals
            (uri, kind, proposer, subject, neighborhood, members, approvals, state, declined_by,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
         ON CONFLICT (uri) DO UPDATE SET approvals = excluded.approvals, state = excluded.state,
            declined_by = excluded.declined_by, updated_at = excluded.updated_at",
        params![
            p.id,
            kind,
            p.proposer,
            subject,
            p.neighborhood,
            text_of(&p.members),
            text_of(&p.approvals),
            p.state.as_str(),
            declined_by,
            now
        ],
    )?;
    Ok(())
}

/// A camp said it left `neighborhood` before this camp counted it there (its `Leave` overtook
/// the approval that makes the neighborhood here).
pub fn record_departure(
    conn: &Connection,
    camp: &str,
    neighborhood: &str,
    now: UnixTime,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO neighborhood_departures (camp, neighborhood, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (camp, neighborhood) DO NOTHING",
    )?
    .execute(params![camp, neighborhood, now])?;
    Ok(())
}

/// Every departure heard: (camp, neighborhood).
pub fn departures(conn: &Connection) -> rusqlite::Result<Vec<(String, String)>> {
    conn.prepare_cached("SELECT camp, neighborhood FROM neighborhood_departures")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Tells the host something about the neighborhood (a change, or a message that was refused).
pub fn log(conn: &Connection, message: &str, now: UnixTime) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO neighborhood_log (at, message) VALUES (?1, ?2)")?
        .execute(params![now, message])?;
    // The host reads the latest; a flood of refusals must not fill the card.
    conn.prepare_cached(
        "DELETE FROM neighborhood_log WHERE id <= (SELECT MAX(id) FROM neighborhood_log) - 200",
    )?
    .execute([])?;
    Ok(())
}

/// The latest things the host was told, newest first.
pub fn recent_log(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<(UnixTime, String)>> {
    conn.prepare_cached("SELECT at, message FROM neighborhood_log ORDER BY id DESC LIMIT ?1")?
        .query_map([limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: &str = "https://a.example/actor";
    const B: &str = "https://b.example/actor";

    #[test]
    fn a_neighborhood_and_its_proposals_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::Db::open(&dir.path().join("p.db")).unwrap();
        db.write(|tx| -> rusqlite::Result<()> {
            assert_eq!(hood(tx, ME)?, None);
            let p = Proposal {
                id: "https://a.example/neighborhood/proposals/1".into(),
                change: Change::Join {
                    candidate: B.into(),
                },
                proposer: ME.into(),
                neighborhood: "https://a.example/neighborhoods/n".into(),
                members: BTreeSet::from([ME.into()]),
                approvals: BTreeSet::from([ME.into(), B.into()]),
                state: State::Declined { by: B.into() },
            };
            save_proposal(tx, &p, 5)?;
            save_proposal(tx, &p, 6)?;
            assert_eq!(proposals(tx, 10)?, vec![(p, 6)]);
            set_hood(
                tx,
                Some("https://a.example/neighborhoods/n"),
                &[(B.into(), "b.example".into())],
                7,
            )?;
            let h = hood(tx, ME)?.unwrap();
            assert_eq!(h.members, BTreeSet::from([ME.into(), B.into()]));
            assert!(is_neighbor_host(tx, "b.example")?);
            assert!(!is_neighbor_host(tx, "c.example")?);
            // A neighbor given up on as dead is alive again once heard from.
            crate::federation::server_failed(tx, "b.example", 8)?;
            crate::federation::mark_dead(tx, "b.example")?;
            assert!(crate::federation::is_dead(tx, "b.example")?);
            heard_from(tx, "b.example", 9)?;
            assert_eq!(camps(tx)?[0].heard_at, 9);
            assert!(!crate::federation::is_dead(tx, "b.example")?);
            assert_eq!(camps(tx)?[0].joined_at, 7);
            set_hood(tx, None, &[], 10)?;
            assert_eq!(hood(tx, ME)?, None);
            assert!(camps(tx)?.is_empty());
            Ok(())
        })
        .unwrap();
    }
}
