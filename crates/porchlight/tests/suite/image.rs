//! The SD-card image, booted in QEMU (`-M virt`, a Cortex-A53) and used as a person would:
//! the site answers on HTTP and HTTPS, the setup link from the console makes the host, an invite
//! makes a member, posts are written, the button is pressed, the power is cut in the middle of
//! writes, and everything acknowledged is still there afterwards, read through the site and,
//! with the machine off, from the card itself with debugfs. Cards that are damaged, missing
//! their data partition or cut short still boot, say so, and have nothing erased.
//!
//! These tests need the built image, so they are ignored by a plain `cargo test`:
//! `scripts/test-image` builds it and runs them (`PORCHLIGHT_IMAGE` names another image).
//! The virtual network is QEMU's user network with `restrict=on`: the box reaches nothing but
//! the two ports forwarded to it from 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use porchlight_testkit::Browser;

const PASSWORD: &str = "a long enough password";
/// Where the data partition starts on the card (scripts/build-image: 1 MiB gap, 256 MiB boot).
const DATA_OFFSET: u64 = 257 * 1024 * 1024;
const MIB: u64 = 1024 * 1024;

fn image() -> PathBuf {
    if let Some(path) = std::env::var_os("PORCHLIGHT_IMAGE") {
        return PathBuf::from(path);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../../target/image/out/porchlight-{}-rpi-arm64.img",
        env!("CARGO_PKG_VERSION")
    ))
}

/// The kernel, the initramfs and the Pi 3's device tree, read back out of the image's FAT boot
/// partition (QEMU has no Pi firmware to do it), once per test run.
fn boot_files() -> &'static (PathBuf, PathBuf, PathBuf) {
    static FILES: OnceLock<(PathBuf, PathBuf, PathBuf)> = OnceLock::new();
    FILES.get_or_init(|| {
        let image = image();
        assert!(
            image.exists(),
            "no image at {} (scripts/test-image builds it)",
            image.display()
        );
        // Beside the image rather than in /tmp: a static is never dropped, so a per-run temp
        // folder would be left behind by every run; this one is overwritten instead.
        let dir = image.with_extension("boot-files");
        std::fs::create_dir_all(&dir).unwrap();
        let mut files = Vec::new();
        // The image's system is in the boot slot a/ (docs/UPDATES.md).
        for name in ["a/vmlinuz", "a/initrd.zst", "a/bcm2837-rpi-3-b.dtb"] {
            let to = dir.join(name.trim_start_matches("a/"));
            let status = Command::new("mcopy")
                .args(["-o", "-n", "-i"])
                .arg(format!("{}@@1M", image.display()))
                .arg(format!("::{name}"))
                .arg(&to)
                .status()
                .expect("mcopy (mtools) reads the boot partition");
            assert!(status.success(), "{name} is on the image's boot partition");
            files.push(to);
        }
        (files[0].clone(), files[1].clone(), files[2].clone())
    })
}

/// A fresh card: the image copied (sparsely) into `dir`, then made `size` bytes long, as a card
/// larger than the image is.
fn card(dir: &Path, size: u64) -> PathBuf {
    let card = dir.join("card.img");
    let status = Command::new("cp")
        .arg("--sparse=always")
        .arg(image())
        .arg(&card)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&card)
        .unwrap()
        .set_len(size)
        .unwrap();
    card
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[derive(Clone, Copy, PartialEq)]
enum Board {
    /// QEMU's generic Arm board: fast, with a network, the watchdog and a gpio-keys button.
    Virt,
    /// QEMU's Raspberry Pi 3B with the image's own device tree and the card as its SD card.
    /// Its USB (and so its network) does not work under QEMU, and its watchdog resets the
    /// emulated board as soon as it is opened, so that driver is left out.
    Raspi3b,
}

struct Boot<'a> {
    board: Board,
    card: Option<&'a Path>,
    network: bool,
    /// Extra kernel command line (boot parameters of /init, module options).
    append: &'a str,
    /// Start what the Pi's firmware would start from the card as it is now (its slot's kernel,
    /// initramfs and command line), and stop QEMU when the box restarts, so that the next
    /// start is chosen again (`Machine::restarted`). Otherwise the image's slot a/.
    firmware: Option<FirmwareChoice>,
    /// The forwarded ports to use again (a restarted box keeps its address).
    ports: Option<(u16, u16)>,
}

/// What the Pi's firmware starts: `config.txt`, and the `slot.txt` it includes, name the slot
/// folder (`os_prefix=`, the last one wins) and the command line file in it (`cmdline=`).
struct FirmwareChoice {
    slot: String,
    kernel: PathBuf,
    initrd: PathBuf,
    cmdline: String,
}

/// Reads the card's boot partition as the firmware would, copying the chosen slot's files
/// into `into`.
fn firmware_choice(card: &Path, into: &Path) -> FirmwareChoice {
    std::fs::create_dir_all(into).unwrap();
    let read = |name: &str| -> Option<PathBuf> {
        let to = into.join(name.replace('/', "_"));
        let status = Command::new("mcopy")
            .args(["-o", "-n", "-i"])
            .arg(format!("{}@@1M", card.display()))
            .arg(format!("::{name}"))
            .arg(&to)
            .stderr(Stdio::null())
            .status()
            .expect("mcopy (mtools) reads the boot partition");
        status.success().then_some(to)
    };
    let text = |name: &str| {
        read(name)
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default()
    };
    let (mut prefix, mut cmdline_file) = (String::new(), "cmdline.txt".to_string());
    for line in text("config.txt").lines() {
        let lines: Vec<String> = match line.trim().strip_prefix("include ") {
            Some(included) => text(included.trim()).lines().map(str::to_string).collect(),
            None => vec![line.to_string()],
        };
        for line in lines {
            if let Some(p) = line.trim().strip_prefix("os_prefix=") {
                prefix = p.to_string();
            } else if let Some(c) = line.trim().strip_prefix("cmdline=") {
                cmdline_file = c.to_string();
            }
        }
    }
    FirmwareChoice {
        slot: prefix.trim_end_matches('/').to_string(),
        kernel: read(&format!("{prefix}vmlinuz")).expect("the slot has a kernel"),
        initrd: read(&format!("{prefix}initrd.zst")).expect("the slot has an initramfs"),
        cmdline: text(&format!("{prefix}{cmdline_file}")).trim().to_string(),
    }
}

/// A running virtual box: QEMU with the card as its disk, its console read line by line.
struct Machine {
    child: Child,
    console: Arc<Mutex<String>>,
    monitor: PathBuf,
    http: u16,
    https: u16,
    /// When QEMU was started: the moment the power went on.
    started: Instant,
    _dir: tempfile::TempDir,
    /// The kernel and initramfs the firmware chose, while QEMU reads them.
    _firmware_files: Option<tempfile::TempDir>,
}

impl Machine {
    fn boot(boot: Boot) -> Machine {
        let (mut kernel, mut initrd, dtb) = boot_files().clone();
        let append = boot.append;
        // The slot's own command line first (its console=tty0 and ttyS1, a Pi's), so that
        // QEMU's serial port, named after it, is the console.
        let mut slot_cmdline = String::new();
        if let Some(choice) = &boot.firmware {
            kernel = choice.kernel.clone();
            initrd = choice.initrd.clone();
            slot_cmdline = choice.cmdline.clone();
        }
        let dir = tempfile::tempdir().unwrap();
        let monitor = dir.path().join("monitor.sock");
        let (http, https) = boot.ports.unwrap_or_else(|| (free_port(), free_port()));
        let mut args: Vec<String> = match boot.board {
            Board::Virt => vec![
                "-M".into(),
                "virt,acpi=off".into(),
                "-cpu".into(),
                "cortex-a53".into(),
                "-smp".into(),
                "1".into(),
                "-m".into(),
                "512".into(),
                "-device".into(),
                "i6300esb".into(),
                "-append".into(),
                format!(
                    "{slot_cmdline} console=ttyAMA0 loglevel=4 net.ifnames=0 panic=10 i6300esb.heartbeat=10 {append}"
                )
                .trim()
                .to_string(),
            ],
            Board::Raspi3b => vec![
                "-M".into(),
                "raspi3b".into(),
                "-m".into(),
                "1G".into(),
                "-dtb".into(),
                dtb.display().to_string(),
                "-append".into(),
                format!(
                    "console=ttyAMA0,115200 loglevel=4 net.ifnames=0 panic=10 modprobe.blacklist=bcm2835_wdt {append}"
                ),
            ],
        };
        args.extend([
            "-nographic".into(),
            "-kernel".into(),
            kernel.display().to_string(),
            "-initrd".into(),
            initrd.display().to_string(),
            "-monitor".into(),
            format!("unix:{},server,nowait", monitor.display()),
        ]);
        if boot.firmware.is_some() {
            args.push("-no-reboot".into());
        }
        if boot.network && boot.board == Board::Virt {
            args.extend([
                "-netdev".into(),
                format!(
                    "user,id=net,restrict=on,hostfwd=tcp:127.0.0.1:{http}-:80,hostfwd=tcp:127.0.0.1:{https}-:443"
                ),
                "-device".into(),
                "virtio-net-device,netdev=net".into(),
            ]);
        } else {
            args.extend(["-nic".into(), "none".into()]);
        }
        match (boot.card, boot.board) {
            (Some(card), Board::Virt) => args.extend([
                "-drive".into(),
                format!("file={},if=none,format=raw,id=card", card.display()),
                "-device".into(),
                "virtio-blk-device,drive=card".into(),
            ]),
            (Some(card), Board::Raspi3b) => args.extend([
                "-drive".into(),
                format!("file={},if=sd,format=raw", card.display()),
            ]),
            (None, _) => {}
        }
        let started = Instant::now();
        let mut child = Command::new("qemu-system-aarch64")
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("qemu-system-aarch64 (scripts/test-image installs it)");
        let console = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let console = console.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    let line = strip_colours(&line);
                    if std::env::var_os("PORCHLIGHT_SHOW_CONSOLE").is_some() {
                        eprintln!("box: {line}");
                    }
                    let mut console = console.lock().unwrap();
                    console.push_str(&line);
                    console.push('\n');
                }
            });
        }
        Machine {
            child,
            console,
            monitor,
            http,
            https,
            started,
            _dir: dir,
            _firmware_files: None,
        }
    }

    /// Waits until the site answers its health check over the forwarded port; returns how long
    /// that took from power on (QEMU's start), for the figures scripts/test-image prints.
    #[track_caller]
    fn wait_until_it_answers(&mut self, seconds: u64) -> Duration {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(2)))
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}/health", self.http_base());
        let deadline = self.started + Duration::from_secs(seconds);
        loop {
            if agent.get(&url).call().is_ok_and(|r| r.status() == 200) {
                return self.started.elapsed();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the machine stopped ({status}):\n{}", self.console());
            }
            assert!(
                Instant::now() < deadline,
                "the box did not answer within {seconds} s:\n{}",
                self.console()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The usual box: `virt`, with the card and a network, no extra boot parameters.
    fn boot_card(card: &Path) -> Machine {
        Machine::boot(Boot {
            board: Board::Virt,
            card: Some(card),
            network: true,
            append: "",
            firmware: None,
            ports: None,
        })
    }

    /// A box whose every start is chosen from its card as the Pi's firmware chooses it.
    fn boot_by_firmware(card: &Path, append: &str, ports: Option<(u16, u16)>) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        let choice = firmware_choice(card, dir.path());
        println!("firmware: starting slot {}", choice.slot);
        let mut machine = Machine::boot(Boot {
            board: Board::Virt,
            card: Some(card),
            network: true,
            append,
            firmware: Some(choice),
            ports,
        });
        machine._firmware_files = Some(dir);
        machine
    }

    /// Waits for the box to restart (QEMU stops at a restart, under `-no-reboot`), then starts
    /// it again as the firmware would, on the same ports; the console so far is kept in
    /// `console_before`.
    #[track_caller]
    fn restarted(
        mut self,
        card: &Path,
        append: &str,
        seconds: u64,
        console_before: &mut String,
    ) -> Machine {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the box did not restart within {seconds} s:\n{}",
                self.console()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        // The reader threads see the end of QEMU's output shortly after it exits.
        std::thread::sleep(Duration::from_millis(300));
        console_before.push_str(&self.console());
        let ports = (self.http, self.https);
        drop(self);
        Machine::boot_by_firmware(card, append, Some(ports))
    }

    /// Sets the box up far enough to see its setup page, and checks that the page tells the
    /// host `told` (which the console also logged as needing the host).
    #[track_caller]
    fn setup_page_says(&mut self, told: &str) {
        let (token, _) = setup_link(self);
        self.wait_for(&format!("the box needs its host: {told}"), 30);
        let mut host = Browser::accepting_any_certificate(&self.https_base());
        host.get(&format!("/setup/{token}"))
            .assert_status(200)
            .assert_contains("Needs your attention")
            .assert_contains(told);
    }

    fn console(&self) -> String {
        self.console.lock().unwrap().clone()
    }

    /// The first console line after `from` bytes that contains `needle`, waiting for it.
    #[track_caller]
    fn wait_for_after(&mut self, from: usize, needle: &str, seconds: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let console = self.console();
            if let Some(at) = console.get(from..).and_then(|c| c.find(needle)) {
                let start = console[..from + at].rfind('\n').map_or(0, |n| n + 1);
                let end = console[from + at..]
                    .find('\n')
                    .map_or(console.len(), |n| from + at + n);
                return console[start..end].to_string();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the machine stopped ({status}) before «{needle}»:\n{console}");
            }
            if Instant::now() > deadline {
                panic!("no «{needle}» on the console within {seconds} s:\n{console}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    #[track_caller]
    fn wait_for(&mut self, needle: &str, seconds: u64) -> String {
        self.wait_for_after(0, needle, seconds)
    }

    /// Types a command at QEMU's monitor, and waits for the monitor's next prompt: the monitor
    /// reads a line a character at a time, and a connection closed before it reached the end
    /// of the line would lose the command.
    fn monitor(&self, command: &str) {
        let mut socket = std::os::unix::net::UnixStream::connect(&self.monitor).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let read_until_prompt = |socket: &mut std::os::unix::net::UnixStream, seen: &mut String| {
            let deadline = Instant::now() + Duration::from_secs(5);
            let mut chunk = [0u8; 1024];
            while !seen.contains("(qemu) ") && Instant::now() < deadline {
                if let Ok(n) = socket.read(&mut chunk) {
                    seen.push_str(&String::from_utf8_lossy(&chunk[..n]));
                }
            }
        };
        let mut banner = String::new();
        read_until_prompt(&mut socket, &mut banner);
        socket.write_all(format!("{command}\n").as_bytes()).unwrap();
        // The echo of the command ends with its newline; the prompt after that is the answer.
        let mut answer = String::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut chunk = [0u8; 1024];
        while Instant::now() < deadline {
            if let Ok(n) = socket.read(&mut chunk) {
                answer.push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
            if let Some(after) = answer.find('\n').map(|n| &answer[n..])
                && after.contains("(qemu) ")
            {
                break;
            }
        }
    }

    /// Presses the button (on `virt`, QEMU's power button is a gpio-keys key, as the Pi's button
    /// is: a press of 100 ms) and returns the status the box shows for it.
    #[track_caller]
    fn press_button_for(&mut self, status: &str) -> String {
        let at = self.console().len();
        self.monitor("system_powerdown");
        let line = self.wait_for_after(at, "status: ", 30);
        assert!(line.contains(status), "the button shows {status}: {line}");
        line
    }

    /// Types a line on the box's serial console (a root shell with `porchlight.shell`).
    fn type_on_console(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Pulls the plug: QEMU is killed at once, so whatever the box had not written is gone.
    fn cut_power(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn http_base(&self) -> String {
        format!("http://127.0.0.1:{}", self.http)
    }

    fn https_base(&self) -> String {
        format!("https://127.0.0.1:{}", self.https)
    }
}

impl Drop for Machine {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn strip_colours(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else if c != '\r' {
            out.push(c);
        }
    }
    out
}

/// The setup token and the certificate fingerprint the box printed on its console.
fn setup_link(machine: &mut Machine) -> (String, String) {
    let line = machine.wait_for("To create the host account, open: ", 180);
    let link = line.split("open: ").nth(1).unwrap().trim().to_string();
    assert!(
        link.starts_with("https://porchlight.local/setup/"),
        "the box names itself by its mDNS name: {link}"
    );
    let token = link.rsplit('/').next().unwrap().to_string();
    let fingerprint = machine
        .wait_for("certificate SHA-256 ", 5)
        .split("SHA-256 ")
        .nth(1)
        .unwrap()
        .trim_end_matches(')')
        .to_string();
    (token, fingerprint)
}

fn sha256_of_range(file: &Path, offset: u64, length: u64) -> String {
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "dd if='{}' bs=1M skip={} count={} status=none | sha256sum",
            file.display(),
            offset / MIB,
            length / MIB
        ))
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

/// The data partition of a switched-off card, copied out, its journal replayed (on the copy),
/// and Porchlight's folder dumped from it with debugfs.
fn read_card(card: &Path, into: &Path) -> PathBuf {
    let partition = into.join("data.ext4");
    let status = Command::new("dd")
        .arg(format!("if={}", card.display()))
        .arg(format!("of={}", partition.display()))
        .args(["bs=1M", "skip=257", "conv=sparse", "status=none"])
        .status()
        .unwrap();
    assert!(status.success());
    let fsck = Command::new("e2fsck")
        .args(["-f", "-y"])
        .arg(&partition)
        .output()
        .unwrap();
    let code = fsck.status.code().unwrap_or(99);
    assert!(
        code <= 1,
        "the data partition is sound after the power cut (e2fsck said {code}): {}",
        String::from_utf8_lossy(&fsck.stdout)
    );
    let dump = into.join("dump");
    std::fs::create_dir_all(&dump).unwrap();
    let status = Command::new("debugfs")
        .arg("-R")
        .arg(format!("rdump /porchlight {}", dump.display()))
        .arg(&partition)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    dump.join("porchlight")
}

/// The main path: a new box, set up and used, then its power cut in the middle of writes.
#[test]
#[ignore = "boots the SD-card image; scripts/test-image builds it and runs this"]
fn a_new_box_is_set_up_used_and_keeps_every_acknowledged_post_through_power_cuts() {
    let dir = tempfile::tempdir().unwrap();
    // A 1 GiB card: the box grows its data partition into the rest on first boot.
    let card = card(dir.path(), 1024 * MIB);
    let mut machine = Machine::boot_card(&card);
    let answered = machine.wait_until_it_answers(180);
    println!(
        "figure: first boot (data partition grown to fill a 1 GiB card) answered HTTP {:.1} s after power on",
        answered.as_secs_f64()
    );
    machine.wait_for("init: data partition grown to 767 MiB", 10);
    let (token, fingerprint) = setup_link(&mut machine);
    machine.wait_for("feeding the hardware watchdog", 30);

    // Plain HTTP sends the browser to HTTPS; the setup page shows the certificate's
    // fingerprint, so the host can tell it reached their own box.
    let mut plain = Browser::new(&machine.http_base());
    let answer = plain.get("/");
    answer.assert_status(308);
    assert!(answer.location.as_deref().unwrap().starts_with("https://"));
    let mut host = Browser::accepting_any_certificate(&machine.https_base());
    let setup = format!("/setup/{token}");
    host.get(&setup)
        .assert_status(200)
        .assert_contains(&fingerprint)
        .assert_lacks("Needs your attention");
    host.post(
        &setup,
        &[
            ("site_name", "Porch on the Pi"),
            ("username", "hana"),
            ("password", PASSWORD),
            ("code_of_conduct", "Be kind."),
        ],
    )
    .assert_status(303);
    assert!(host.is_logged_in());

    // An invite makes a member, who posts.
    let code = host.make_invite("Welcome to the porch!", "1");
    // The link to send is an HTTPS one, to the address the host reached the box at.
    host.get("/admin")
        .assert_contains(&format!("{}/invite/{code}", machine.https_base()));
    let mut ken = Browser::accepting_any_certificate(&machine.https_base());
    ken.get(&format!("/invite/{code}"))
        .assert_status(200)
        .assert_contains("Welcome to the porch!");
    ken.post(
        &format!("/invite/{code}"),
        &[
            ("username", "ken"),
            ("display_name", "Ken"),
            ("password", PASSWORD),
            ("agree", "yes"),
        ],
    )
    .assert_status(303);
    ken.post(
        "/posts",
        &[("text", "Hello from the box!"), ("audience", "local")],
    )
    .assert_status(303);
    host.get("/local").assert_contains("Hello from the box!");

    // A short press of the button shows the status again (here, on the console).
    machine.press_button_for("status: ");

    // Posts are written one after another, and the power is cut while they are.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        let mut ken = ken;
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && n < 500 {
                n += 1;
                let text = format!("written before the power cut, number {n}");
                match ken.try_post("/posts", &[("text", &text), ("audience", "local")]) {
                    Ok(answer) if answer.status == 303 => acknowledged.lock().unwrap().push(text),
                    _ => break,
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while acknowledged.lock().unwrap().len() < 8 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    machine.cut_power();
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 8,
        "posts were acknowledged before the cut ({})",
        acknowledged.len()
    );

    // Back on: the box checks its card in full, and every acknowledged post is there.
    let mut machine = Machine::boot_card(&card);
    let answered = machine.wait_until_it_answers(180);
    println!(
        "figure: boot after a power cut (with a full check of the data partition) answered HTTP {:.1} s after power on",
        answered.as_secs_f64()
    );
    machine.wait_for(
        "not stopped cleanly last time: checking the data partition in full",
        10,
    );
    assert!(
        !machine.console().contains("problem: "),
        "a cut in the middle of writes is no problem to report:\n{}",
        machine.console()
    );
    let mut host = Browser::accepting_any_certificate(&machine.https_base());
    host.log_in("hana", PASSWORD);
    for text in &acknowledged {
        let found = host.get(&format!("/search?q={}", text.replace(' ', "+")));
        found.assert_contains(text);
    }
    host.get("/local").assert_contains("Hello from the box!");
    machine.cut_power();

    // The card, read on this machine: the database passes SQLite's integrity check and holds
    // every acknowledged post.
    let folder = read_card(&card, dir.path());
    let db = porchlight_db::Connection::open(folder.join("porchlight.db")).unwrap();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    for text in acknowledged
        .iter()
        .chain(["Hello from the box!".to_string()].iter())
    {
        let count: i64 = db
            .query_row("SELECT count(*) FROM posts WHERE text = ?1", [text], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(count, 1, "«{text}» is on the card once");
    }
    let check = Command::new(env!("CARGO_BIN_EXE_porchlight"))
        .args(["check", "--data"])
        .arg(&folder)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "porchlight check: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

/// The card's bad days: a data partition that is not there, one that is damaged, a card that
/// is shorter than its partitions. The box boots, says what it found on the setup page (and by
/// its lights: the console shows the status a button press asks for), and erases nothing.
#[test]
#[ignore = "boots the SD-card image; scripts/test-image builds it and runs this"]
fn a_card_with_problems_still_boots_says_so_and_erases_nothing() {
    let dir = tempfile::tempdir().unwrap();

    // 1. The data partition overwritten by something that is not ours.
    let card_path = card(dir.path(), 600 * MIB);
    {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .open(&card_path)
            .unwrap();
        use std::io::Seek;
        file.seek(std::io::SeekFrom::Start(DATA_OFFSET)).unwrap();
        file.write_all(&vec![0x5a; 8 * MIB as usize]).unwrap();
    }
    let before = sha256_of_range(&card_path, DATA_OFFSET, 343 * MIB);
    let mut machine = Machine::boot_card(&card_path);
    machine.wait_for("problem: data-missing", 120);
    machine.wait_for("/data is in memory", 10);
    machine.wait_for(
        "the box needs its host: The card has no Porchlight data partition",
        180,
    );
    // A host with no screen on the box: the front page, opened from the home network, sets up.
    let mut host = Browser::accepting_any_certificate(&machine.https_base());
    host.get("/")
        .assert_status(200)
        .assert_contains("This box is ready to be set up");
    let answer = host.post("/setup", &[]);
    answer.assert_status(303);
    host.get(&answer.location.unwrap())
        .assert_status(200)
        .assert_contains("Needs your attention")
        .assert_contains("The card has no Porchlight data partition");
    machine.press_button_for("status: Attention(DataNotKept)");
    machine.cut_power();
    assert_eq!(
        sha256_of_range(&card_path, DATA_OFFSET, 343 * MIB),
        before,
        "nothing on a partition that is not ours was changed"
    );
    std::fs::remove_file(&card_path).unwrap();

    // 2. A card shorter than its partitions (a copy cut short): nothing is grown or written.
    let card_path = card(dir.path(), 400 * MIB);
    let before = sha256_of_range(&card_path, 0, 400 * MIB);
    let mut machine = Machine::boot_card(&card_path);
    machine.wait_for("problem: card-too-small", 120);
    machine.setup_page_says("The card is smaller than the data partition on it");
    machine.cut_power();
    assert_eq!(std::fs::metadata(&card_path).unwrap().len(), 400 * MIB);
    assert_eq!(sha256_of_range(&card_path, 0, 400 * MIB), before);
    std::fs::remove_file(&card_path).unwrap();

    // 3. A data partition with errors: repaired, used, and the host is told.
    let card_path = card(dir.path(), 600 * MIB);
    let partition = dir.path().join("data.ext4");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "dd if='{card}' of='{part}' bs=1M skip=257 count=256 status=none && \
             debugfs -w -R 'set_bg 0 free_blocks_count 7' '{part}' && \
             debugfs -w -R 'ssv state 2' '{part}' && \
             dd if='{part}' of='{card}' bs=1M seek=257 conv=notrunc status=none",
            card = card_path.display(),
            part = partition.display()
        ))
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let mut machine = Machine::boot_card(&card_path);
    machine.wait_for("problem: data-repaired", 120);
    machine.wait_for("init: data on /dev/vda2", 60);
    machine.setup_page_says("The data partition had errors");
    machine.cut_power();
}

/// No network cable: the box boots all the same and says so (on the lights: the console shows
/// the status a press of the button asks for).
#[test]
#[ignore = "boots the SD-card image; scripts/test-image builds it and runs this"]
fn a_box_without_a_network_boots_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let card_path = card(dir.path(), 600 * MIB);
    let mut machine = Machine::boot(Boot {
        board: Board::Virt,
        card: Some(&card_path),
        network: false,
        append: "",
        firmware: None,
        ports: None,
    });
    machine.wait_for("network: no wired network interface found", 120);
    machine.wait_for("is listening on", 60);
    machine.wait_for(
        "the box needs its host: The box has no network connection",
        60,
    );
    machine.press_button_for("status: Attention(NoNetwork)");
}

/// A camp that crashes is started again by /init; one that hangs stops feeding the hardware
/// watchdog, which restarts the whole box. (The root shell on the console is a boot parameter
/// for tests and repairs; the image does not turn it on.)
#[test]
#[ignore = "boots the SD-card image; scripts/test-image builds it and runs this"]
fn a_crashed_camp_is_restarted_and_a_hung_box_is_rebooted_by_the_watchdog() {
    let dir = tempfile::tempdir().unwrap();
    let card_path = card(dir.path(), 600 * MIB);
    let mut machine = Machine::boot(Boot {
        board: Board::Virt,
        card: Some(&card_path),
        network: true,
        append: "porchlight.shell",
        firmware: None,
        ports: None,
    });
    machine.wait_for("feeding the hardware watchdog", 180);
    let at = machine.console().len();
    machine.type_on_console("kill -9 $(pidof porchlight)");
    machine.wait_for_after(at, "porchlight exited with 137; starting it again", 30);
    let at = machine.console().len();
    machine.wait_for_after(at, "feeding the hardware watchdog", 60);
    let mut plain = Browser::new(&machine.http_base());
    plain.get("/health").assert_status(200);

    let at = machine.console().len();
    machine.type_on_console("kill -STOP $(pidof porchlight)");
    // The watchdog fires (10 s with i6300esb.heartbeat=10) and the board starts again.
    machine.wait_for_after(
        at,
        &format!("Porchlight {} starting", env!("CARGO_PKG_VERSION")),
        90,
    );
    machine.wait_for_after(at, "is listening on", 120);
    let mut plain = Browser::new(&machine.http_base());
    plain.get("/health").assert_status(200);
}

/// The same card in QEMU's Raspberry Pi 3B, booted with the image's own kernel and device tree:
/// the SD card driver finds the card, the data partition on `mmcblk0p2` is grown and mounted,
/// the clock is moved on from 1970 (the Pi has no battery clock), and the camp starts. (Slower:
/// the board is emulated in full.)
#[test]
#[ignore = "boots the SD-card image; scripts/test-image builds it and runs this"]
fn a_raspberry_pi_3_boots_from_the_card_and_grows_it() {
    let dir = tempfile::tempdir().unwrap();
    // QEMU wants an SD card whose size is a power of two.
    let card_path = card(dir.path(), 1024 * MIB);
    let mut machine = Machine::boot(Boot {
        board: Board::Raspi3b,
        card: Some(&card_path),
        network: false,
        append: "",
        firmware: None,
        ports: None,
    });
    machine.wait_for("init: data partition: /dev/mmcblk0p2", 240);
    machine.wait_for("init: data partition grown to 767 MiB", 120);
    machine.wait_for("init: data on /dev/mmcblk0p2", 60);
    machine.wait_for("left out the driver bcm2835_wdt", 10);
    let line = machine.wait_for("is listening on", 240);
    let year: i32 = line
        .trim_start_matches('[')
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(0);
    assert!(year >= 2025, "the clock was moved on from 1970: {line}");
    // The lights and the button the image's device trees declare on the GPIO header.
    machine.wait_for(
        "status lights: porchlight-green and porchlight-red in /sys/class/leds",
        60,
    );
    machine.wait_for("reading the reset button from /dev/input/event", 60);
    let answered = machine.started.elapsed();
    println!(
        "figure: Raspberry Pi 3B (emulated in full) started the camp {:.1} s after power on",
        answered.as_secs_f64()
    );
}

/// The release files scripts/test-image made (docs/UPDATES.md): the next release, two broken
/// ones after it, and one signed with another key, each named by its version.
struct Releases {
    next: (String, Vec<u8>),
    panics: (String, Vec<u8>),
    unhealthy: (String, Vec<u8>),
    wrong_key: (String, Vec<u8>),
}

fn releases() -> Releases {
    let dir = PathBuf::from(
        std::env::var_os("PORCHLIGHT_RELEASES")
            .expect("PORCHLIGHT_RELEASES names the releases scripts/test-image makes"),
    );
    let find = |kind: &str| {
        let entry = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(Result::ok)
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{kind}-"))
            })
            .unwrap_or_else(|| panic!("no {kind}-VERSION.release in {}", dir.display()));
        let name = entry.file_name().to_string_lossy().into_owned();
        let version = name
            .trim_start_matches(&format!("{kind}-"))
            .trim_end_matches(".release")
            .to_string();
        (version, std::fs::read(entry.path()).unwrap())
    };
    Releases {
        next: find("next"),
        panics: find("panics"),
        unhealthy: find("unhealthy"),
        wrong_key: find("wrong-key"),
    }
}

/// The host sends a release file from the update page; returns when the upload is done.
fn upload_release(host: &mut Browser, release: &[u8]) -> Instant {
    host.get("/admin/update").assert_status(200);
    host.post_multipart(
        "/admin/update",
        &[],
        &[("release", "porchlight.release", "application/zip", release)],
    )
    .assert_status(303);
    Instant::now()
}

/// The update page, once it says `needle` (it follows the check and the write).
#[track_caller]
fn update_page_says(host: &mut Browser, needle: &str, seconds: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    loop {
        let page = host.get("/admin/update");
        if page.body.contains(needle) {
            return page.body.clone();
        }
        assert!(
            Instant::now() < deadline,
            "the update page never said «{needle}»:\n{}",
            page.body
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// What the card's boot partition holds now: each file's name and SHA-256 (the box is off).
fn boot_partition_files(card: &Path) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("mcopy")
        .args(["-s", "-n", "-i"])
        .arg(format!("{}@@1M", card.display()))
        .arg("::")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let listing = Command::new("sh")
        .arg("-c")
        .arg("find . -type f -print0 | sort -z | xargs -0 sha256sum")
        .current_dir(dir.path())
        .output()
        .unwrap();
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "boots the SD-card image; scripts/test-image builds it and the releases, and runs this"]
fn updates_are_checked_tried_kept_and_fallen_back_from() {
    let releases = releases();
    let dir = tempfile::tempdir().unwrap();
    let card = card(dir.path(), 1024 * MIB);
    // The trial lasts 30 s here instead of 5 minutes (the firmware's command line carries it
    // over to the trial, as a Pi's would carry its own settings).
    let append = "porchlight.trial_seconds=30";
    let mut consoles = String::new();
    let mut machine = Machine::boot_by_firmware(&card, append, None);
    machine.wait_until_it_answers(240);
    let (token, _) = setup_link(&mut machine);
    let mut host = Browser::accepting_any_certificate(&machine.https_base());
    host.set_timeout(Duration::from_secs(300));
    host.post(
        &format!("/setup/{token}"),
        &[
            ("site_name", "Porch"),
            ("username", "hana"),
            ("password", PASSWORD),
            ("code_of_conduct", "Be kind."),
        ],
    )
    .assert_status(303);
    let running = env!("CARGO_PKG_VERSION");
    host.get("/admin/update")
        .assert_contains(&format!(
            "This box runs Porchlight <strong>{running}</strong>"
        ))
        .assert_contains("This box takes releases signed with the test key");
    let posts: Vec<String> = (1..=5)
        .map(|n| format!("Before the updates, post {n}"))
        .collect();
    for text in &posts {
        host.post("/posts", &[("text", text.as_str()), ("audience", "local")])
            .assert_status(303);
    }
    let every_post_is_there = |host: &mut Browser| {
        let page = host.get("/local");
        for text in &posts {
            page.assert_contains(text);
        }
    };

    // Refused before anything is written: signed with another key, and not newer.
    // (The box mounts its boot partition with `flush`: what it wrote is in the card's file.)
    let before = boot_partition_files(&card);
    let at = Instant::now();
    upload_release(&mut host, &releases.wrong_key.1);
    update_page_says(&mut host, "not signed by Porchlight", 60);
    let refused = at.elapsed();
    assert_eq!(
        boot_partition_files(&card),
        before,
        "a refused release writes nothing to the boot partition"
    );
    println!(
        "figure: update refused: Porchlight {} signed with another key, said on the page {:.1} s after the upload began, nothing written",
        releases.wrong_key.0,
        refused.as_secs_f64()
    );

    // N+1: written, tried, kept.
    let (next, file) = &releases.next;
    let uploaded = upload_release(&mut host, file);
    let mut machine = machine.restarted(&card, append, 180, &mut consoles);
    machine.wait_for("handing over to the update in /boot/b", 240);
    machine.wait_for("this start is an update on trial", 240);
    machine.wait_until_it_answers(600);
    let serving = uploaded.elapsed();
    host.rebase(&machine.https_base());
    host.get("/admin/update")
        .assert_contains(&format!("This box runs Porchlight <strong>{next}</strong>"));
    machine.wait_for("update committed: Porchlight", 120);
    let committed = uploaded.elapsed();
    host.get("/admin/update")
        .assert_contains(&format!("Updated to Porchlight <strong>{next}</strong>"));
    every_post_is_there(&mut host);
    println!(
        "figure: update committed: Porchlight {running} to {next}, serving on the new version {:.1} s after the upload was done, kept after its 30 s trial at {:.1} s",
        serving.as_secs_f64(),
        committed.as_secs_f64()
    );
    host.post("/admin/update/dismiss", &[]).assert_status(303);

    // Not newer than what runs now: refused.
    upload_release(&mut host, file);
    update_page_says(&mut host, &format!("the box already runs {next}"), 60);

    // N+2 whose kernel panics: the box comes back on N+1 with every post.
    let (broken, file) = &releases.panics;
    let uploaded = upload_release(&mut host, file);
    let machine = machine.restarted(&card, append, 180, &mut consoles);
    // The committed slot (b/) hands over to a/, whose kernel panics and restarts the box.
    let mut machine = machine.restarted(&card, append, 300, &mut consoles);
    machine.wait_until_it_answers(300);
    let fell_back = uploaded.elapsed();
    assert!(
        consoles.contains("Kernel panic"),
        "the kernel panicked:\n{consoles}"
    );
    host.rebase(&machine.https_base());
    let page = host.get("/admin/update");
    page.assert_contains(&format!("The new version ({broken}) did not start; you are back on <strong>{next}</strong>, and nothing was lost"))
        .assert_contains(&format!("This box runs Porchlight <strong>{next}</strong>"));
    every_post_is_there(&mut host);
    println!(
        "figure: update fell back: Porchlight {broken} whose kernel panics; serving {next} again {:.1} s after the upload was done",
        fell_back.as_secs_f64()
    );
    host.post("/admin/update/dismiss", &[]).assert_status(303);

    // N+2 whose Porchlight does not stay up: the trial ends and the box comes back on N+1.
    let (broken, file) = &releases.unhealthy;
    let uploaded = upload_release(&mut host, file);
    let mut machine = machine.restarted(&card, append, 180, &mut consoles);
    machine.wait_for("this start is an update on trial", 240);
    let machine = {
        machine.wait_for("update fell back: Porchlight stopped three times", 300);
        machine.restarted(&card, append, 120, &mut consoles)
    };
    let mut machine = machine;
    machine.wait_until_it_answers(300);
    let fell_back = uploaded.elapsed();
    host.rebase(&machine.https_base());
    host.get("/admin/update")
        .assert_contains(&format!("The new version ({broken}) did not start"))
        .assert_contains("Porchlight stopped three times while on trial");
    every_post_is_there(&mut host);
    println!(
        "figure: update fell back: Porchlight {broken} that fails its health check; serving {next} again {:.1} s after the upload was done",
        fell_back.as_secs_f64()
    );

    // The firmware starts the kept update, from b/.
    drop(machine);
    let slot = firmware_choice(&card, &dir.path().join("last")).slot;
    assert_eq!(slot, "b", "the committed slot is the kept update's");
}
