//! The box: status LEDs, the reset button and the hardware watchdog, driven beside the server
//! in appliance mode. Each piece of hardware that is missing is said so once in the log and left
//! out; the camp runs all the same.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use porchlight_app::App;
use porchlight_device::button::{Action, Button, Timing};
use porchlight_device::leds::{
    self, Attention, Leds, MirroredLeds, SimulatedLeds, Status, SysfsLeds,
};
use porchlight_device::{input, reset, watchdog::Watchdog};

/// Where the hardware is: the real paths on a Pi, or a folder standing in for them.
pub struct Hardware {
    pub leds: PathBuf,
    pub watchdog: PathBuf,
    pub button: PathBuf,
    /// Whether the system clock may be set (never on a simulator or in tests).
    pub set_clock: bool,
    /// The SNTP servers to ask.
    pub time_servers: Vec<String>,
    /// Answer mDNS on loopback only (simulators and tests must not talk to the network).
    pub mdns_loopback_only: bool,
    /// What the image's /init found while starting (see `porchlight_device::report`).
    pub box_problems: PathBuf,
    /// Whether to tell the host when the box has no network connection (not on a simulator,
    /// whose machine's network is not the box's).
    pub check_network: bool,
}

/// Public SNTP servers, tried in turn.
pub const TIME_SERVERS: &[&str] = &["pool.ntp.org:123", "time.cloudflare.com:123"];

impl Hardware {
    pub fn real() -> Hardware {
        Hardware {
            leds: PathBuf::from("/sys/class/leds"),
            watchdog: PathBuf::from("/dev/watchdog"),
            button: input::find_button(Path::new("/sys/class/input"))
                .unwrap_or_else(|| PathBuf::from("/dev/input/event0")),
            set_clock: true,
            time_servers: TIME_SERVERS.iter().map(|s| s.to_string()).collect(),
            mdns_loopback_only: false,
            box_problems: PathBuf::from(porchlight_device::report::BOX_PROBLEMS),
            check_network: true,
        }
    }

    /// Everything under one folder (`leds/ACT`, `leds/PWR`, `watchdog`, `button`): for tests and
    /// simulators.
    pub fn under(root: &Path) -> Hardware {
        Hardware {
            leds: root.join("leds"),
            watchdog: root.join("watchdog"),
            button: root.join("button"),
            set_clock: false,
            time_servers: TIME_SERVERS.iter().map(|s| s.to_string()).collect(),
            mdns_loopback_only: true,
            box_problems: root.join("box-problems"),
            check_network: false,
        }
    }
}

pub struct Appliance {
    /// Whether the clock is known to be right (set by the clock keeper).
    pub clock_trusted: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    mdns: Option<porchlight_device::mdns::Announcer>,
}

impl Appliance {
    /// Stops the lights and disarms the watchdog (a deliberate stop must not reboot the box).
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(m) = self.mdns.take() {
            m.stop();
        }
    }
}

/// The Pi's LEDs are `ACT` and `PWR` on current kernels, `led0` and `led1` on older ones. LEDs
/// wired to GPIO pins and declared with the `gpio-led` overlay as `porchlight-green` and
/// `porchlight-red` show the same.
fn open_leds(root: &Path) -> Box<dyn Leds> {
    let mut pairs: Vec<Box<dyn Leds>> = Vec::new();
    for (green, red) in [
        ("ACT", "PWR"),
        ("led0", "led1"),
        ("porchlight-green", "porchlight-red"),
    ] {
        if green == "led0" && !pairs.is_empty() {
            continue;
        }
        if let Ok(leds) = SysfsLeds::open(root, green, red) {
            log::info!("status lights: {green} and {red} in {}", root.display());
            pairs.push(Box::new(leds));
        }
    }
    if pairs.is_empty() {
        log::warn!(
            "no status lights found in {} (ACT/PWR, led0/led1 or porchlight-green/porchlight-red); \
             running without them",
            root.display()
        );
        return Box::new(SimulatedLeds::default());
    }
    Box::new(MirroredLeds(pairs))
}

/// Starts the box's thread. `health` is the server's health check; `base_url` makes the
/// recovery link.
pub fn start(
    app: Arc<App>,
    hardware: Hardware,
    data: PathBuf,
    base_url: String,
    https_port: Option<u16>,
    public_name: Option<String>,
    health: impl Fn() -> Result<(), String> + Send + 'static,
) -> Appliance {
    let stop = Arc::new(AtomicBool::new(false));
    let mdns = https_port.and_then(|port| {
        match porchlight_device::mdns::Announcer::start(&[], port, hardware.mdns_loopback_only) {
            Ok(a) => {
                log::info!("answering mDNS for porchlight.local (HTTPS on port {port})");
                Some(a)
            }
            Err(e) => {
                log::warn!("{e}; the box is reachable by its address only");
                None
            }
        }
    });
    let (presses, pressed) = mpsc::channel::<(Instant, bool)>();
    {
        // Opened on its own thread: a device that is slow to open must not hold up the camp.
        let stop = stop.clone();
        let path = hardware.button.clone();
        std::thread::Builder::new()
            .name("button".into())
            .spawn(move || match std::fs::File::open(&path) {
                Ok(device) => {
                    log::info!("reading the reset button from {}", path.display());
                    read_button(device, presses, stop)
                }
                Err(e) => log::warn!(
                    "no reset button at {} ({e}); running without it",
                    path.display()
                ),
            })
            .expect("start the button thread");
    }
    let watchdog = match Watchdog::open(&hardware.watchdog) {
        Ok(w) => {
            log::info!(
                "feeding the hardware watchdog {}",
                hardware.watchdog.display()
            );
            Some(w)
        }
        Err(e) => {
            log::warn!(
                "no hardware watchdog at {} ({e}); running without it",
                hardware.watchdog.display()
            );
            None
        }
    };
    let clock_trusted = Arc::new(AtomicBool::new(false));
    let certificate_for = public_name;
    {
        let (stop, trusted) = (stop.clone(), clock_trusted.clone());
        let (servers, set_clock, data) = (
            hardware.time_servers.clone(),
            hardware.set_clock,
            data.clone(),
        );
        let app = app.clone();
        std::thread::Builder::new()
            .name("clock".into())
            .spawn(move || {
                // Federation signs nothing until the clock can be trusted.
                let tell = |ok: bool| {
                    if let Some(fed) = &app.federation {
                        fed.set_clock_trusted(ok);
                    }
                };
                keep_time(&servers, set_clock, &data, &trusted, &tell, &stop)
            })
            .expect("start the clock thread");
    }
    {
        // A backup a day on the card: the box's host has no terminal to make one with.
        let (stop, app, data) = (stop.clone(), app.clone(), data.clone());
        std::thread::Builder::new()
            .name("backups".into())
            .spawn(move || keep_daily_backups(&app, &data, &stop))
            .expect("start the backup thread");
    }
    let leds = open_leds(&hardware.leds);
    let checks = BoxChecks {
        problems: porchlight_device::report::read(&hardware.box_problems),
        network: hardware.check_network,
        offline_since: None,
    };
    let thread = {
        let stop = stop.clone();
        let clock_trusted = clock_trusted.clone();
        std::thread::Builder::new()
            .name("appliance".into())
            .spawn(move || {
                run(
                    app,
                    leds,
                    watchdog,
                    pressed,
                    data,
                    base_url,
                    health,
                    clock_trusted,
                    certificate_for,
                    checks,
                    stop,
                )
            })
            .expect("start the appliance thread")
    };
    Appliance {
        clock_trusted,
        stop,
        thread: Some(thread),
        mdns,
    }
}

fn read_button(
    mut device: std::fs::File,
    presses: mpsc::Sender<(Instant, bool)>,
    stop: Arc<AtomicBool>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 16 * input::EVENT_SIZE];
    let mut last_sent: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        match device.read(&mut chunk) {
            Ok(0) => std::thread::sleep(Duration::from_millis(20)),
            Ok(n) => {
                buffer.extend_from_slice(&chunk[..n]);
                let (events, used) = input::key_events(&buffer);
                buffer.drain(..used);
                let times = input::instants(&events, Instant::now());
                for (e, at) in events.iter().zip(times) {
                    // Never before an edge already sent: the button's clock only goes forward.
                    let at = last_sent.map_or(at, |last| at.max(last));
                    last_sent = Some(at);
                    if presses.send((at, e.pressed)).is_err() {
                        return;
                    }
                }
            }
            Err(e) => {
                log::warn!("the reset button stopped answering: {e}");
                return;
            }
        }
    }
}

/// Asks the time servers at start and every hour; sets the system clock when it is off (on the
/// box, where nothing else does), and keeps the floor of the last time known to be right.
fn keep_time(
    servers: &[String],
    set_clock: bool,
    data: &Path,
    trusted: &AtomicBool,
    tell: &dyn Fn(bool),
    stop: &AtomicBool,
) {
    use porchlight_device::clock;
    let floor = clock::Floor::new(data);
    let mut next = Instant::now();
    let mut synced = false;
    while !stop.load(Ordering::SeqCst) {
        if Instant::now() >= next {
            let mut answer = None;
            for server in servers {
                let addresses = std::net::ToSocketAddrs::to_socket_addrs(server.as_str());
                let Some(address) = addresses.ok().and_then(|mut a| a.next()) else {
                    log::info!("clock: cannot find the time server {server}");
                    continue;
                };
                match clock::query(address, Duration::from_secs(3)) {
                    Ok(time) => {
                        answer = Some((server, time));
                        break;
                    }
                    Err(e) => log::info!("clock: {e}"),
                }
            }
            match answer {
                Some((server, time)) => {
                    let off = time
                        .duration_since(std::time::SystemTime::now())
                        .unwrap_or_else(|e| e.duration());
                    if off > Duration::from_secs(2) && set_clock {
                        let since = time
                            .duration_since(std::time::UNIX_EPOCH)
                            .unwrap_or_default();
                        let spec = nix::sys::time::TimeSpec::new(
                            since.as_secs() as i64,
                            since.subsec_nanos() as i64,
                        );
                        match nix::time::clock_settime(nix::time::ClockId::CLOCK_REALTIME, spec) {
                            Ok(()) => log::info!("clock: set by {server} (it was {off:?} off)"),
                            Err(e) => log::warn!("clock: cannot set the system clock: {e}"),
                        }
                    }
                    if !synced {
                        log::info!("clock: in step with {server}");
                    }
                    synced = true;
                    next = Instant::now() + Duration::from_secs(3600);
                }
                None => next = Instant::now() + Duration::from_secs(if synced { 600 } else { 30 }),
            }
        }
        let now = std::time::SystemTime::now();
        let ok = synced || clock::plausible(now, floor.get());
        trusted.store(ok, Ordering::SeqCst);
        tell(ok);
        if ok && let Err(e) = floor.raise(now) {
            log::warn!("clock: cannot keep the time in {}: {e}", data.display());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// What the box checks beside the camp: the report of its /init, and the network.
struct BoxChecks {
    /// What /init found, read once at start: it writes the report before it starts Porchlight
    /// and never again (a restarted Porchlight reads it anew).
    problems: Vec<porchlight_device::report::Problem>,
    network: bool,
    /// Since when the box has had no network connection.
    offline_since: Option<Instant>,
}

/// How long the box may be without a network connection before the host is told: a router
/// answers DHCP within seconds, and a cable moved from one socket to another is no problem.
const OFFLINE_GRACE: Duration = Duration::from_secs(20);

impl BoxChecks {
    /// The sentences for the host's pages and the lights they call for.
    fn run(&mut self) -> (Vec<String>, Vec<Attention>) {
        let mut notes = Vec::new();
        let mut lights = Vec::new();
        for problem in &self.problems {
            lights.extend(problem.attention());
            notes.push(problem.text.clone());
        }
        let offline = self.network && !porchlight_device::report::network_connected();
        let now = Instant::now();
        self.offline_since = if offline {
            Some(self.offline_since.unwrap_or(now))
        } else {
            None
        };
        if self
            .offline_since
            .is_some_and(|since| now.duration_since(since) >= OFFLINE_GRACE)
        {
            lights.push(Attention::NoNetwork);
            notes.push(
                "The box has no network connection. Check that its cable is plugged into your \
                 router (the lights beside the socket glow when it is), then wait a minute."
                    .to_string(),
            );
        }
        (notes, lights)
    }
}

/// Checks ten seconds after start and then every ten minutes whether today's backup is due
/// (`backups::daily`), so that a box switched on for an evening still makes one.
fn keep_daily_backups(app: &App, data: &Path, stop: &AtomicBool) {
    let mut next = Instant::now() + Duration::from_secs(10);
    while !stop.load(Ordering::SeqCst) {
        if Instant::now() >= next {
            next = Instant::now() + Duration::from_secs(600);
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0);
            match crate::backups::daily(app, data, now_ms) {
                Ok(Some(path)) => log::info!("daily backup written to {}", path.display()),
                Ok(None) => {}
                Err(e) => log::warn!("daily backup skipped: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Free space on the data partition below this (5%) asks for the host.
const DISK_LOW: f64 = 0.05;

fn disk_almost_full(data: &Path) -> bool {
    match nix::sys::statvfs::statvfs(data) {
        Ok(s) if s.blocks() > 0 => (s.blocks_available() as f64) / (s.blocks() as f64) < DISK_LOW,
        _ => false,
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    app: Arc<App>,
    mut leds: Box<dyn Leds>,
    mut watchdog: Option<Watchdog>,
    pressed: mpsc::Receiver<(Instant, bool)>,
    data: PathBuf,
    base_url: String,
    health: impl Fn() -> Result<(), String>,
    clock_trusted: Arc<AtomicBool>,
    certificate_for: Option<String>,
    mut checks: BoxChecks,
    stop: Arc<AtomicBool>,
) {
    let started = Instant::now();
    let ms = |at: Instant| at.duration_since(started).as_millis() as u64;
    let mut button = Button::new(Timing::default());
    let mut holding = false;
    let mut busy_until: Option<Instant> = None;
    let mut last_shown = None;
    let mut last_check = Instant::now() - Duration::from_secs(60);
    let mut base = Status::Starting;
    let status_note = Mutex::new(String::new());
    let mut box_notes: Vec<String> = Vec::new();
    while !stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        let mut actions = Vec::new();
        while let Ok((at, down)) = pressed.try_recv() {
            actions.extend(button.edge(ms(at), down));
        }
        actions.extend(button.tick(ms(now)));
        for action in actions {
            match action {
                Action::CountingDown | Action::RecoveryArmed | Action::FactoryArmed => {
                    holding = true
                }
                Action::Cancelled | Action::AwaitingConfirmation => holding = false,
                Action::ShowStatus => {
                    log::info!(
                        "status: {base:?}{}",
                        status_note.lock().map(|n| n.clone()).unwrap_or_default()
                    );
                }
                Action::RecoveryReset => {
                    holding = false;
                    busy_until = Some(now + Duration::from_secs(3));
                    match app.issue_recovery_token() {
                        Ok(token) => {
                            // The box has no screen: its front page offers the link at home.
                            // (Offered before it is logged, so whoever reads the log finds
                            // the front page already offering it.)
                            app.offer_recovery_at_home(&token);
                            log::warn!(
                                "the reset button was held: to set a new host password, open the recovery link: {base_url}/recover/{token}"
                            );
                        }
                        Err(e) => log::error!("could not make a recovery link: {e}"),
                    }
                }
                Action::FactoryReset => {
                    let _ = show(&mut *leds, Status::Resetting, ms(now), &mut last_shown);
                    let stamp = porchlight_app::db::now();
                    let outcome = reset::factory_reset(&data, stamp, |to| {
                        app.backup_to(to)
                            .map_err(|e| std::io::Error::other(e.to_string()))
                    });
                    match outcome {
                        Ok(reset::Outcome::Reset { backup }) => {
                            log::warn!(
                                "factory settings restored; the camp as it was is in {}. Restarting.",
                                backup.display()
                            );
                            if let Some(w) = watchdog.take() {
                                let _ = w.disarm();
                            }
                            // The supervisor (or systemd) starts a fresh camp.
                            std::process::exit(0);
                        }
                        Ok(_) => {}
                        Err(e) => log::error!(
                            "factory reset refused: the backup could not be written ({e}); nothing was erased"
                        ),
                    }
                }
            }
        }
        // The box's state, checked every 2 s; the watchdog is fed only while healthy.
        if now.duration_since(last_check) >= Duration::from_secs(2) {
            last_check = now;
            let healthy = health();
            base = match app.has_host() {
                Ok(false) => Status::ReadyForSetup,
                _ => Status::Serving,
            };
            let mut attention = Vec::new();
            let (notes, lights) = checks.run();
            attention.extend(lights.into_iter().map(Status::Attention));
            if notes != box_notes {
                for note in notes.iter().filter(|n| !box_notes.contains(n)) {
                    log::warn!("the box needs its host: {note}");
                }
                app.set_box_notes(notes.clone());
                box_notes = notes;
            }
            if disk_almost_full(&data) {
                attention.push(Status::Attention(Attention::DiskAlmostFull));
            }
            if !clock_trusted.load(Ordering::SeqCst) {
                attention.push(Status::Attention(Attention::ClockNotSet));
            }
            // Posts that have not reached some server for an hour.
            let failing = app.read(|c| {
                porchlight_app::db::federation::servers_failing(c, porchlight_app::db::now(), 3600)
            });
            if failing.is_ok_and(|f| !f.is_empty()) {
                attention.push(Status::Attention(Attention::DeliveriesFailing));
            }
            if app.certificate_failing(certificate_for.as_deref()) {
                attention.push(Status::Attention(Attention::CertificateFailing));
            }
            if let Err(e) = &healthy {
                log::error!("health check failed (the watchdog is not fed): {e}");
            } else if let Some(w) = watchdog.as_mut()
                && let Err(e) = w.pet()
            {
                log::error!("could not feed the hardware watchdog: {e}");
            }
            attention.push(base);
            base = leds::most_urgent(&attention);
        }
        let status = if busy_until.is_some_and(|until| now < until) {
            Status::Resetting
        } else if holding {
            Status::CountingDown
        } else {
            base
        };
        if let Err(e) = show(&mut *leds, status, ms(now), &mut last_shown) {
            log::warn!("the status lights stopped answering: {e}");
            leds = Box::new(SimulatedLeds::default());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    if let Some(w) = watchdog.take()
        && let Err(e) = w.disarm()
    {
        log::warn!("could not disarm the hardware watchdog: {e}");
    }
}

fn show(
    leds: &mut dyn Leds,
    status: Status,
    at: u64,
    last: &mut Option<(bool, bool)>,
) -> std::io::Result<()> {
    leds::show(leds, &leds::pattern(status), at, last)
}
