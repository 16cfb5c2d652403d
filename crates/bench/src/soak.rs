//! The soak: the real server for minutes on end under what a lively camp does all day (50
//! members reading their timelines in pages and apps, posting now and then, and a steady stream
//! of signed posts arriving from elsewhere over the test network), with its memory sampled every
//! ten seconds. The RSS must level off: the run fails if the median of the last third of the
//! samples is more than 2 MB above that of the middle third. Run it with `scripts/bench --soak 600`.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime};

use porchlight_federation::ap::keys::PrivateKey;
use porchlight_federation::ap::signature;

use super::{API_HOME, Client, Server, api_token, free_port, log_in};

/// Where the sender "lives": nothing listens there; its key is stored, as after a first contact.
const SENDER_HOST: &str = "127.0.0.1:9";

/// What each member does in turn, with a pause between actions as a person has.
const ACTIONS: [&str; 10] = [
    "/",
    "/local",
    API_HOME,
    "/",
    "/notifications",
    "/@member1",
    API_HOME,
    "/local",
    "post",
    "/",
];

pub fn run(binary: &Path, dir: &Path, members: usize, seconds: u64) -> bool {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let config = dir.join("soak.toml");
    std::fs::write(
        &config,
        format!(
            "domain = \"{addr}\"\n[federation.test_network]\nallow = [\"{SENDER_HOST}\"]\nhttp = true\n"
        ),
    )
    .expect("write the config");
    let key = PrivateKey::generate().expect("key");
    let sender = format!("http://{SENDER_HOST}/users/sender");
    seed_sender(dir, &sender, &key);
    let tokens: Vec<String> = (0..members)
        .map(|i| api_token(dir, &format!("member{i}")))
        .collect();
    let mut server = Server::start_at(binary, dir, &addr, &["--config", config.to_str().unwrap()]);
    let cookies: Vec<String> = (0..members)
        .map(|i| log_in(&server.base, &format!("member{i}")))
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let requests = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut threads = Vec::new();
    for (i, (cookie, token)) in cookies.into_iter().zip(tokens).enumerate() {
        let (stop, requests, errors, addr) =
            (stop.clone(), requests.clone(), errors.clone(), addr.clone());
        threads.push(std::thread::spawn(move || {
            let cookie = format!("Cookie: {cookie}");
            let bearer = format!("Authorization: Bearer {token}");
            let mut client = Client::connect(&addr);
            // Members start at different points of their round, a little apart.
            std::thread::sleep(Duration::from_millis(20 * i as u64));
            for n in i.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let action = ACTIONS[n % ACTIONS.len()];
                let answer = match action {
                    "post" => client.post_form(
                        "/api/v1/statuses",
                        &bearer,
                        &format!("status=soak+post+{n}+by+member{i}&visibility=private"),
                    ),
                    path if path.starts_with("/api/") => client.get(path, &bearer, false),
                    path => client.get(path, &cookie, true),
                };
                requests.fetch_add(1, Ordering::SeqCst);
                if let Err(e) = answer {
                    if errors.fetch_add(1, Ordering::SeqCst) < 3 {
                        eprintln!("soak: {action} answered {e}");
                    }
                    client = Client::connect(&addr);
                }
                std::thread::sleep(Duration::from_millis(250));
            }
        }));
    }
    // The stream from elsewhere: five signed posts a second.
    let inbound = {
        let (stop, requests, errors, addr) =
            (stop.clone(), requests.clone(), errors.clone(), addr.clone());
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                let body = serde_json::json!({
                    "id": format!("{sender}/notes/{n}/activity"), "type": "Create", "actor": sender,
                    "object": { "id": format!("{sender}/notes/{n}"), "type": "Note",
                                "attributedTo": sender,
                                "content": format!("<p>news from elsewhere, number {n}</p>"),
                                "to": ["https://www.w3.org/ns/activitystreams#Public"] }
                })
                .to_string()
                .into_bytes();
                let signed = signature::sign(
                    "POST",
                    &addr,
                    "/inbox",
                    Some(&body),
                    &format!("{sender}#main-key"),
                    &key,
                    SystemTime::now(),
                );
                let answer = agent
                    .post(&format!("http://{addr}/inbox"))
                    .header("date", &signed.date)
                    .header("digest", signed.digest.as_deref().unwrap_or(""))
                    .header("signature", &signed.signature)
                    .header("content-type", "application/activity+json")
                    .send(&body[..]);
                requests.fetch_add(1, Ordering::SeqCst);
                match answer {
                    Ok(r) if r.status().as_u16() == 202 => {}
                    other => {
                        if errors.fetch_add(1, Ordering::SeqCst) < 3 {
                            eprintln!("soak: the inbox answered {other:?}");
                        }
                    }
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            n
        })
    };

    println!("| minute | RSS now, MB | peak so far, MB | requests so far | errors |");
    println!("|---|---|---|---|---|");
    let mut samples = Vec::new();
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(10).min(deadline - Instant::now()));
        let (now, peak) = (server.rss_kb(), server.peak_rss_kb());
        samples.push(now);
        println!(
            "| {:.1} | {:.1} | {:.1} | {} | {} |",
            started.elapsed().as_secs_f64() / 60.0,
            now as f64 / 1024.0,
            peak as f64 / 1024.0,
            requests.load(Ordering::SeqCst),
            errors.load(Ordering::SeqCst)
        );
    }
    stop.store(true, Ordering::SeqCst);
    for t in threads {
        let _ = t.join();
    }
    let sent = inbound.join().unwrap_or(0);
    let peak = server.peak_rss_kb();
    server.stop();
    let db = porchlight_app::db::Db::open(&dir.join("porchlight.db")).expect("open the file");
    let stored: i64 = db
        .read(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM posts WHERE author_id = \
                 (SELECT id FROM accounts WHERE username = 'sender' AND domain = ?1)",
                [SENDER_HOST],
                |r| r.get(0),
            )
        })
        .expect("count");
    // Medians, not maxima: a moment's burst (a checkpoint, many pages at once) comes and goes;
    // a leak moves the whole of the last third up.
    let third = samples.len() / 3;
    let median_of = |s: &[u64]| {
        let mut s = s.to_vec();
        s.sort_unstable();
        s.get(s.len() / 2).copied().unwrap_or(0) as f64 / 1024.0
    };
    let (middle, last) = if third > 0 {
        (
            median_of(&samples[third..2 * third]),
            median_of(&samples[2 * third..]),
        )
    } else {
        (0.0, 0.0)
    };
    let total = requests.load(Ordering::SeqCst);
    let failed = errors.load(Ordering::SeqCst);
    println!();
    println!(
        "soak: {members} members and {sent} signed posts from elsewhere ({stored} stored) over \
         {:.1} min: {total} requests, {failed} errors; median RSS {middle:.1} MB in the middle third and {last:.1} MB in the \
         last; peak {:.1} MB",
        started.elapsed().as_secs_f64() / 60.0,
        peak as f64 / 1024.0
    );
    let level = third == 0 || last <= middle + 2.0;
    println!(
        "soak: {}",
        if level {
            "the RSS levels off"
        } else {
            "the RSS is still growing"
        }
    );
    level && failed == 0
}

/// The sender, with its key, followed by member0, as the camp keeps it after a first contact.
fn seed_sender(dir: &Path, sender: &str, key: &PrivateKey) {
    let db = porchlight_app::db::Db::open(&dir.join("porchlight.db")).expect("open the file");
    db.write(|tx| -> rusqlite::Result<()> {
        tx.execute(
            "INSERT INTO accounts (username, domain, uri, inbox, key_id, public_key_pem, fetched_at, created_at)
             VALUES ('sender', ?5, ?1, ?2, ?3, ?4, ?6, 0)",
            rusqlite::params![
                sender,
                format!("{sender}/inbox"),
                format!("{sender}#main-key"),
                key.public_pem(),
                SENDER_HOST,
                // Fresh for a day: the camp does not fetch it again during the soak.
                porchlight_app::db::now() + 24 * 3600,
            ],
        )?;
        let sender_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO follows (follower_id, followee_id, created_at)
             SELECT id, ?1, 0 FROM accounts WHERE username = 'member0' AND domain IS NULL",
            [sender_id],
        )?;
        Ok(())
    })
    .expect("seed the sender");
}
