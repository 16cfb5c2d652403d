//! Shared by the whole-binary tests: the real `porchlight serve` as a child process.

use std::io::Write;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The `porchlight` binary under test: the one cargo built, or another build named by
/// `PORCHLIGHT_TEST_BINARY` run through `PORCHLIGHT_TEST_RUNNER` (scripts/test-arm runs these
/// tests against the static ARM binary under qemu-aarch64-static).
pub fn porchlight_command() -> Command {
    let binary = std::env::var("PORCHLIGHT_TEST_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_porchlight").to_string());
    match std::env::var("PORCHLIGHT_TEST_RUNNER") {
        Ok(runner) if !runner.is_empty() => {
            let mut command = Command::new(runner);
            command.arg(binary);
            command
        }
        _ => Command::new(binary),
    }
}

/// A server process under test, with its log read line by line.
pub struct Server {
    pub child: Child,
    pub base: String,
    log: std::sync::mpsc::Receiver<String>,
    lines: Vec<String>,
}

impl Server {
    pub fn start(data: &Path, extra: &[&str]) -> Server {
        Server::start_with_env(data, extra, &[])
    }

    /// Starts the server with extra environment variables (a service manager's, say).
    pub fn start_with_env(data: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Server::start_at(data, "127.0.0.1:0", extra, env)
    }

    /// Starts the server with its plain-HTTP listener at `listen`.
    pub fn start_at(data: &Path, listen: &str, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = porchlight_command();
        command
            .args(["serve", "--listen", listen, "--data"])
            .arg(data)
            .args(extra)
            .envs(env.iter().copied());
        Server::spawn(command)
    }

    /// Starts `porchlight serve` (on any loopback port) through `wrapper`, a shell snippet that
    /// ends by running `"$@"` (to set up a mount namespace first, say).
    pub fn start_wrapped(wrapper: &str, data: &Path, extra: &[&str]) -> Server {
        let inner = porchlight_command();
        let mut command = Command::new("sh");
        command
            .args(["-c", wrapper, "porchlight"])
            .arg(inner.get_program())
            .args(inner.get_args())
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra);
        Server::spawn(command)
    }

    fn spawn(mut command: Command) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start server");
        let (send, log) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        let mut server = Server {
            child,
            base: String::new(),
            log,
            lines: Vec::new(),
        };
        let line = server.wait_for("is listening on http://");
        let address = line
            .split("http://")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        server.base = format!("http://{address}");
        server
    }

    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        if let Some(line) = self.lines.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        while Instant::now() < deadline {
            if let Ok(line) = self.log.recv_timeout(Duration::from_millis(100)) {
                self.lines.push(line.clone());
                if line.contains(needle) {
                    return line;
                }
            }
        }
        panic!(
            "the server did not log {needle:?}; it logged:\n{}",
            self.lines.join("\n")
        );
    }

    /// Waits for `marker`, then forgets it and every line before it, so that `wait_for` looks
    /// only at what comes after (a restart, say).
    pub fn forget_until(&mut self, marker: &str) {
        self.wait_for(marker);
        let at = self
            .lines
            .iter()
            .position(|l| l.contains(marker))
            .expect("just seen");
        self.lines.drain(..=at);
    }

    /// Everything logged so far.
    pub fn logged(&mut self) -> String {
        while let Ok(line) = self.log.try_recv() {
            self.lines.push(line);
        }
        self.lines.join("\n")
    }

    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.child.id() as i32), signal).unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a `porchlight` command on the camp in `data`, with `stdin` as its input.
pub fn porchlight(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = porchlight_command()
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run porchlight");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

/// What a command printed, stdout then stderr.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that a command succeeded; what it printed.
#[track_caller]
pub fn ok(out: Output) -> String {
    assert!(out.status.success(), "expected success:\n{}", text(&out));
    text(&out)
}

/// A camp on a private address of its own (`at`, `ip:port`) that federates with the one at
/// `peer` over the config file's test network, its host `host` made with `password`; started
/// and past its "TEST NETWORK" warning.
pub fn test_network_camp(
    dir: &Path,
    name: &str,
    at: &str,
    peer: &str,
    host: &str,
    password: &str,
) -> Server {
    let data = dir.join(name);
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "domain = \"{at}\"\n[federation.test_network]\nallow = [\"{peer}\"]\nhttp = true\n"
        ),
    )
    .unwrap();
    ok(porchlight(
        &data,
        &["user", "add", host, "--admin", "--password-stdin"],
        Some(password),
    ));
    let config = config.to_str().unwrap().to_string();
    let mut server = Server::start_at(&data, at, &["--config", &config], &[]);
    server.wait_for("TEST NETWORK");
    server
}
