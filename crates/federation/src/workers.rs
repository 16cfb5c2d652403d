//! The threads that deliver activities and process what arrived. They take jobs from SQLite
//! with a lease (a job whose worker died is taken again when its lease ends), so nothing that
//! was queued is lost to a crash or a power cut.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use porchlight_core::UnixTime;
use porchlight_db::federation::{self as store, Job, JobKind};
use porchlight_db::{Db, now};

use crate::{FedError, Federation, Signer, inbox};

/// What the workers need of the running camp.
pub trait Host: Send + Sync + 'static {
    fn db(&self) -> &Db;
    fn federation(&self) -> Option<&Federation>;
    /// The camp's own timed work (ending polls), every few seconds, federating or not.
    fn tick(&self) {}
}

/// How often the camp's own timed work runs.
const TICK: Duration = Duration::from_secs(2);

/// How long a taken job is reserved for its worker.
const LEASE_SECS: i64 = 120;
/// Deliveries are retried for about a week, then the server is given up on.
const GIVE_UP_SECS: i64 = 7 * 24 * 3600;
/// Inbound activities are retried for a day (a fetch they need may be failing).
const INBOX_GIVE_UP_SECS: i64 = 24 * 3600;

/// Seconds before the next try: 30 s, doubling, at most 6 hours, with some spread so that many
/// jobs for one server do not all come back at once.
pub fn backoff(attempts: u32, spread: u64) -> i64 {
    let base = 30i64.saturating_mul(1 << attempts.saturating_sub(1).min(20));
    let capped = base.min(6 * 3600);
    capped + (spread % (capped as u64 / 4 + 1)) as i64
}

pub struct Workers {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
    wake: Box<dyn Fn() + Send + Sync>,
}

impl Workers {
    /// Starts the camp's tick, and the delivery threads and the inbox thread (none if the camp
    /// does not federate).
    pub fn start<H: Host>(host: Arc<H>) -> Workers {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        {
            let (host, stop) = (host.clone(), stop.clone());
            threads.push(
                std::thread::Builder::new()
                    .name("tick".into())
                    .stack_size(256 * 1024)
                    .spawn(move || {
                        // Sleeps in slices, so that stopping never waits a whole tick.
                        let mut slept = TICK;
                        while !stop.load(Ordering::SeqCst) {
                            if slept >= TICK {
                                host.tick();
                                slept = Duration::ZERO;
                            }
                            std::thread::sleep(Duration::from_millis(100));
                            slept += Duration::from_millis(100);
                        }
                    })
                    .expect("start the tick thread"),
            );
        }
        let Some(fed) = host.federation() else {
            return Workers {
                stop,
                threads,
                wake: Box::new(|| {}),
            };
        };
        let in_flight: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        for n in 0..fed.settings.delivery_threads.max(1) {
            let (host, stop, in_flight) = (host.clone(), stop.clone(), in_flight.clone());
            threads.push(
                std::thread::Builder::new()
                    .name(format!("deliver-{n}"))
                    .stack_size(256 * 1024)
                    .spawn(move || delivery_loop(&*host, &stop, &in_flight))
                    .expect("start a delivery thread"),
            );
        }
        {
            let (host, stop) = (host.clone(), stop.clone());
            threads.push(
                std::thread::Builder::new()
                    .name("inbox".into())
                    .stack_size(512 * 1024)
                    .spawn(move || inbox_loop(&*host, &stop))
                    .expect("start the inbox thread"),
            );
        }
        // Pushes to phones look about three times a second (one small query when there is
        // nothing: a phone hears of a mention within a second); link previews once a second.
        let periodic: [(&str, Duration, Step); 2] = [
            ("push", Duration::from_millis(300), crate::push::deliver_due),
            ("cards", Duration::from_secs(1), crate::cards::fetch_waiting),
        ];
        for (name, period, step) in periodic {
            let (host, stop) = (host.clone(), stop.clone());
            threads.push(
                std::thread::Builder::new()
                    .name(name.into())
                    .stack_size(512 * 1024)
                    .spawn(move || every(&*host, &stop, period, name, step))
                    .expect("start a worker thread"),
            );
        }
        let waker = host.clone();
        Workers {
            stop,
            threads,
            wake: Box::new(move || {
                if let Some(f) = waker.federation() {
                    f.wake()
                }
            }),
        }
    }

    /// Stops the workers after the jobs in hand (each is at most one request long).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        (self.wake)();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Workers {
    fn drop(&mut self) {
        self.halt();
    }
}

/// One pass of a periodic worker.
type Step = fn(&Federation, &Db) -> Result<(), FedError>;

/// Runs `step` every `period` until told to stop (a failing step is logged and tried again).
fn every<H: Host>(host: &H, stop: &AtomicBool, period: Duration, what: &str, step: Step) {
    let db = host.db();
    let Some(fed) = host.federation() else { return };
    while !stop.load(Ordering::SeqCst) {
        if let Err(e) = step(fed, db) {
            log::warn!("{what}: {e}");
        }
        std::thread::sleep(period);
    }
}

/// Sleeps until woken, the next job is due, or a few seconds pass.
fn idle(fed: &Federation, db: &Db, kind: JobKind, seen: &mut u64) {
    let due = db.read(|c| store::next_due(c, kind)).ok().flatten();
    let wait = match due {
        Some(at) => (at - now()).clamp(1, 5) as u64,
        None => 5,
    };
    fed.wait(seen, Duration::from_secs(wait));
}

fn delivery_loop<H: Host>(host: &H, stop: &AtomicBool, in_flight: &Mutex<HashMap<String, usize>>) {
    let db = host.db();
    let Some(fed) = host.federation() else { return };
    let mut seen = 0;
    while !stop.load(Ordering::SeqCst) {
        // Signatures carry the date: with a clock that cannot be trusted, deliveries wait.
        if !fed.clock_trusted() {
            fed.wait(&mut seen, Duration::from_secs(5));
            continue;
        }
        let taken = {
            let mut flights = in_flight.lock().unwrap_or_else(|e| e.into_inner());
            let busy: Vec<String> = flights
                .iter()
                .filter(|(_, n)| **n >= fed.settings.per_server)
                .map(|(h, _)| h.clone())
                .collect();
            let job =
                db.write(|tx| store::take_jobs(tx, JobKind::Deliver, now(), 1, LEASE_SECS, &busy));
            match job {
                Ok(mut jobs) => jobs.pop().inspect(|job| {
                    *flights.entry(job.host.clone()).or_default() += 1;
                }),
                Err(e) => {
                    log::error!("could not read the delivery queue: {e}");
                    None
                }
            }
        };
        let Some(job) = taken else {
            idle(fed, db, JobKind::Deliver, &mut seen);
            continue;
        };
        deliver(fed, db, &job);
        let mut flights = in_flight.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = flights.get_mut(&job.host) {
            *n -= 1;
            if *n == 0 {
                flights.remove(&job.host);
            }
        }
    }
}

fn signer_for(
    fed: &Federation,
    db: &Db,
    job: &Job,
) -> Result<Option<(String, Arc<porchlight_ap::keys::PrivateKey>)>, FedError> {
    match job.signer_id {
        Some(account) => {
            // A removed member's last word (the Delete of their actor) is still signed by them:
            // their name and key outlive their membership until it has gone out.
            let Some(person) = db.read(|c| porchlight_db::social::person(c, account))? else {
                return Ok(None);
            };
            if person.domain.is_some() {
                return Ok(None);
            }
            Ok(Some((
                fed.me.key_id(&person.username),
                fed.member_key(db, account)?,
            )))
        }
        None => Ok(Some((fed.me.instance_key_id(), fed.instance_key(db)?))),
    }
}

fn deliver(fed: &Federation, db: &Db, job: &Job) {
    let now = now();
    let signer = match signer_for(fed, db, job) {
        Ok(Some(s)) => s,
        Ok(None) => {
            // The member is gone; so is what they would have sent.
            let _ = db.write(|tx| store::finish_job(tx, job.id));
            return;
        }
        Err(e) => {
            log::error!("cannot sign a delivery to {}: {e}", job.target);
            let _ = db.write(|tx| {
                store::retry_job(
                    tx,
                    job.id,
                    now + backoff(job.attempts + 1, job.id as u64),
                    &e.to_string(),
                )
            });
            return;
        }
    };
    let result = fed.client.post_activity(
        &job.target,
        job.payload.as_bytes(),
        &Signer {
            key_id: &signer.0,
            key: &signer.1,
        },
    );
    let outcome = db.write(|tx| -> porchlight_db::Result<()> {
        match &result {
            Ok(_) => {
                store::finish_job(tx, job.id)?;
                store::server_answered(tx, &job.host, now)?;
                porchlight_db::neighborhood::heard_from(tx, &job.host, now)?;
            }
            Err(e) if e.is_temporary() => {
                let failing_since = store::server_failed(tx, &job.host, now)?;
                if now - job.created_at > GIVE_UP_SECS {
                    store::finish_job(tx, job.id)?;
                    if now - failing_since > GIVE_UP_SECS {
                        log::warn!("{} has not answered for a week; marking it dead", job.host);
                        store::mark_dead(tx, &job.host)?;
                    }
                } else {
                    store::retry_job(
                        tx,
                        job.id,
                        now + backoff(job.attempts + 1, job.id as u64),
                        &e.to_string(),
                    )?;
                }
            }
            Err(e) => {
                log::info!("dropped a delivery to {}: {e}", job.target);
                store::finish_job(tx, job.id)?;
            }
        }
        Ok(())
    });
    if let Err(e) = outcome {
        // The lease runs out and the job is taken again: delivered twice at worst, never lost.
        log::error!("could not record a delivery to {}: {e}", job.target);
    }
}

fn inbox_loop<H: Host>(host: &H, stop: &AtomicBool) {
    let db = host.db();
    let Some(fed) = host.federation() else { return };
    let mut seen = 0;
    while !stop.load(Ordering::SeqCst) {
        let job = match db
            .write(|tx| store::take_jobs(tx, JobKind::Inbox, now(), 1, LEASE_SECS * 3, &[]))
        {
            Ok(mut jobs) => jobs.pop(),
            Err(e) => {
                log::error!("could not read the inbox queue: {e}");
                None
            }
        };
        let Some(job) = job else {
            idle(fed, db, JobKind::Inbox, &mut seen);
            continue;
        };
        let result = inbox::process(fed, db, &job.target, &job.payload);
        let now: UnixTime = now();
        let outcome = db.write(|tx| match &result {
            Err(FedError::Fetch(e))
                if e.is_temporary() && now - job.created_at < INBOX_GIVE_UP_SECS =>
            {
                store::retry_job(
                    tx,
                    job.id,
                    now + backoff(job.attempts + 1, job.id as u64),
                    &e.to_string(),
                )
            }
            Err(FedError::Storage(e)) => {
                log::error!("could not store an activity from {}: {e}", job.target);
                store::retry_job(tx, job.id, now + 30, &e.to_string())
            }
            Err(e) => {
                log::info!("dropped an activity from {}: {e}", job.target);
                store::finish_job(tx, job.id)
            }
            Ok(()) => store::finish_job(tx, job.id),
        });
        if let Err(e) = outcome {
            log::error!("could not record an inbox job: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_to_a_cap_and_spans_a_week() {
        assert_eq!(backoff(1, 0), 30);
        assert_eq!(backoff(2, 0), 60);
        assert_eq!(backoff(30, 0), 6 * 3600);
        assert!(backoff(3, 7) >= 120 && backoff(3, 7) <= 150);
        let total: i64 = (1..=40).map(|n| backoff(n, 0)).sum();
        assert!(total > 7 * 24 * 3600, "forty tries cover a week");
    }
}
