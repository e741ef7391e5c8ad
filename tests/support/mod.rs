//! Test support: a real server on 127.0.0.1 (in-process or the real binary) and real
//! WebSocket clients that keep every message they received, so tests can scan them for
//! secrets.
#![allow(dead_code)]

mod client;

#[allow(unused_imports)] // not every test file uses both
pub use client::*;
#[allow(unused_imports)]
pub use process::*;

/// The real binary. (The golden recorder example shares `client.rs` only: examples have no
/// binary to start.)
mod process {
    use std::io::{BufRead, BufReader};
    use std::net::SocketAddr;
    use std::path::Path;
    use std::process::{Child, Command, Stdio};

    /// The server process; killed when dropped, so a failing assertion leaves nothing running.
    pub struct Server(pub Child, std::sync::mpsc::Receiver<String>);

    impl Server {
        /// What the server logged since the last look (waits a moment for stragglers).
        pub fn more_log(&self) -> Vec<String> {
            std::thread::sleep(std::time::Duration::from_millis(200));
            self.1.try_iter().collect()
        }
        pub fn kill(&mut self) -> std::io::Result<()> {
            self.0.kill()
        }
        pub fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
            self.0.wait()
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Starts the real binary; answers the process and the address it listens on.
    pub fn spawn_server(data: &Path, extra: &[&str]) -> (Server, SocketAddr, Vec<String>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_democreatie"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(extra)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut seen = Vec::new();
        while std::time::Instant::now() < deadline {
            if let Ok(line) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
                    // Keep collecting what the server logs next (room restores come first).
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    seen.extend(rx.try_iter());
                    return (Server(child, rx), addr, seen);
                }
                seen.push(line);
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not start: {seen:?}");
    }
}
