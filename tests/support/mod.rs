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
    pub struct Server(pub Child, tokio::sync::mpsc::UnboundedReceiver<String>);

    impl Server {
        /// What the server logged since the last look, waiting up to `wait` for a line that
        /// contains `needle`.
        pub async fn log_until(&mut self, needle: &str, wait: std::time::Duration) -> Vec<String> {
            let mut lines = Vec::new();
            let deadline = tokio::time::Instant::now() + wait;
            while let Ok(Some(line)) = tokio::time::timeout_at(deadline, self.1.recv()).await {
                let found = line.contains(needle);
                lines.push(line);
                if found {
                    break;
                }
            }
            lines
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

    /// Starts the real binary; answers the process, the address it listens on, and what
    /// it logged until then (opening the store and restoring rooms come first).
    pub async fn spawn_server(data: &Path, extra: &[&str]) -> (Server, SocketAddr, Vec<String>) {
        spawn_server_with(data, extra, |_| {}).await
    }

    /// [`spawn_server`] with a last change to the command (limits for the child, say).
    pub async fn spawn_server_with(
        data: &Path,
        extra: &[&str],
        tweak: impl FnOnce(&mut Command),
    ) -> (Server, SocketAddr, Vec<String>) {
        let mut command = Command::new(env!("CARGO_BIN_EXE_democreatie"));
        command
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data)
            .args(extra)
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null());
        // The suite's PostgreSQL pass: the real binary on a database of its own per folder.
        let own = extra.contains(&"--database-url");
        if let Some(url) = super::test_database(data).await.filter(|_| !own) {
            command.arg("--database-url").arg(url);
        }
        tweak(&mut command);
        let mut child = command.spawn().expect("the binary starts");
        let stderr = child.stderr.take().unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        // A plain thread reads the pipe (blocking reads); the test awaits its lines.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        let mut seen = Vec::new();
        while let Ok(Some(line)) = tokio::time::timeout_at(deadline, rx.recv()).await {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
                seen.push(line);
                return (Server(child, rx), addr, seen);
            }
            seen.push(line);
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not start: {seen:?}");
    }
}
