//! The stored log is the only truth: a full disk refuses commands and loses none that were
//! acknowledged, damaged files are moved aside, reports only read, one task per room, and
//! the gauges follow rooms out of memory. All over the real binary and a real SQLite file.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use support::*;

/// A small tmpfs mounted for one test, unmounted when dropped (after the server that uses
/// it, which is declared later and so dropped first). Needs root, as CI runs.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(name: &str, size: &str) -> Option<Tmpfs> {
        let dir = temp_dir(name);
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Fills the filesystem of `dir` with one file until it is full; answers the file.
fn fill(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    for chunk in [65536, 4096, 512, 1] {
        let buf = vec![7u8; chunk];
        while f.write_all(&buf).and_then(|_| f.sync_data()).is_ok() {}
    }
    path
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(' ')))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

async fn metrics(addr: std::net::SocketAddr) -> String {
    let (s, body) = get(addr, "/metrics").await;
    assert_eq!(s, 200);
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_commands_loses_no_acknowledged_one_and_the_room_comes_back() {
    let Some(disk) = Tmpfs::mount("full", "3m") else {
        eprintln!("skipped: mounting a tmpfs needs root (CI runs as root)");
        return;
    };
    let data = disk.0.clone();
    let (mut server, addr, _) = spawn_server(&data, &[]).await;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let mut players = Vec::new();
    for name in ["Anna", "Bram", "Cas", "Dirk"] {
        players.push(Client::join(addr, &code, name, None).await.0);
    }
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await; // the values round takes notes
    let filler = fill(&data);

    let mut acknowledged = Vec::new();
    let mut refused = Vec::new();
    for i in 0..5000 {
        let text = format!("Notitie nummer {i} over de skatebaan, lang genoeg om ruimte te kosten.");
        let answer = players[i % 4].command(json!({"type": "note", "kind": "value", "text": text})).await;
        if answer["type"] == "state" {
            acknowledged.push(text);
        } else {
            assert_eq!(answer["code"], "storage_unavailable", "{answer}");
            assert!(answer["message"].as_str().unwrap().contains("niets veranderd"), "{answer}");
            refused.push(text);
            if refused.len() == 3 {
                break;
            }
        }
    }
    assert_eq!(refused.len(), 3, "the disk never filled up ({} notes stored)", acknowledged.len());
    host.view_until("the storage banner", |v| v["storage"] == "unavailable").await;
    // Nothing of a refused note is shown.
    let shown = players[0].view["tables"][0]["notes"].as_array().unwrap().len();
    assert_eq!(shown, acknowledged.len());
    // A newcomer is refused the same way, and keeps nothing.
    let mut late = Client::connect(addr).await;
    late.send(json!({"type": "join", "room": code, "name": "Laat"})).await;
    late.expect_error("storage_unavailable").await;
    // A delete that cannot be stored answers 503 and the room stays.
    let auth = format!("Bearer {host_token}");
    let (status, body, _) =
        request(addr, "DELETE", &format!("/api/rooms/{code}"), &[("Authorization", &auth)], "").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"], "storage_unavailable");
    assert_eq!(get(addr, &format!("/api/rooms/{code}")).await.0, 200);
    // Room space again: commands are taken again and the banner goes.
    std::fs::remove_file(&filler).unwrap();
    let text = "Na het opruimen".to_string();
    players[1].ok(json!({"type": "note", "kind": "value", "text": text})).await;
    acknowledged.push(text);
    host.view_until("no banner", |v| v.get("storage").is_none()).await;

    // Killed without warning: every acknowledged note comes back, no refused one.
    server.kill().unwrap();
    server.wait().unwrap();
    let (mut server, addr, log) = spawn_server(&data, &[]).await;
    assert!(!log.iter().any(|l| l.contains("cannot be restored") || l.contains("read-only")), "{log:?}");
    let mut host = Client::host(addr, &code, &host_token).await;
    let v = host.view_until("a state", |_| true).await;
    let notes: Vec<String> =
        v["tables"][0]["notes"].as_array().unwrap().iter().map(|n| n["text"].as_str().unwrap().to_string()).collect();
    assert_eq!(notes, acknowledged);
    server.kill().unwrap();
    server.wait().unwrap();
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_database_file_is_moved_aside_not_silently_replaced() {
    let data = temp_dir("empty");
    std::fs::write(data.join("democreatie.sqlite3"), b"").unwrap();
    let (_server, addr, log) = spawn_server(&data, &[]).await;
    assert!(
        log.iter()
            .any(|l| l.contains("democreatie.sqlite3") && l.contains("the file is empty") && l.contains("moved to")),
        "{log:?}"
    );
    create_room(addr, json!({"scenario": "skatebaan"})).await;
    let aside: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".damaged-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
}

/// Answers a SHA-256-free fingerprint of a file: its bytes and modification time.
fn fingerprint(path: &Path) -> (Vec<u8>, std::time::SystemTime) {
    (std::fs::read(path).unwrap(), std::fs::metadata(path).unwrap().modified().unwrap())
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
    v.sort();
    v
}

fn report_cli(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_democreatie")).arg("report").args(args).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damage_in_the_middle_of_the_file_is_found_moved_aside_and_can_still_be_reported() {
    let data = temp_dir("damaged");
    let (mut server, addr, _) = spawn_server(&data, &[]).await;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (mut anna, _, _) = Client::join(addr, &code, "Anna", None).await;
    Client::join(addr, &code, "Bram", None).await;
    Client::join(addr, &code, "Cas", None).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await;
    anna.ok(json!({"type": "note", "kind": "value", "text": "Een plek voor jongeren"})).await;
    assert!(Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap().success());
    server.wait().unwrap();

    // Zero one page in the middle: the index of unfinished rooms.
    let db = data.join("democreatie.sqlite3");
    let root: i64 = {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.query_row("SELECT rootpage FROM sqlite_master WHERE name = 'rooms_unfinished'", [], |r| r.get(0)).unwrap()
    };
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096 * (root as usize - 1);
    bytes[page..page + 4096].fill(0xA5);
    std::fs::write(&db, &bytes).unwrap();

    let (mut server, addr, log) = spawn_server(&data, &[]).await;
    let line = log.iter().find(|l| l.contains("is damaged")).unwrap_or_else(|| panic!("{log:?}"));
    assert!(
        line.contains("democreatie.sqlite3") && line.contains("moved to") && line.contains("democreatie report"),
        "{line}"
    );
    // New rooms go into a fresh file, not into the damaged one.
    let (fresh, _) = create_room(addr, json!({"scenario": "buurthuis"})).await;
    server.kill().unwrap();
    server.wait().unwrap();
    let aside = data.join(
        files_in(&data)
            .into_iter()
            .find(|n| n.ends_with(|c: char| c.is_ascii_digit()) && n.contains(".damaged-"))
            .unwrap(),
    );
    let c = rusqlite::Connection::open(&db).unwrap();
    let rooms: Vec<String> =
        c.prepare("SELECT code FROM rooms").unwrap().query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect();
    assert_eq!(rooms, vec![fresh]);
    drop(c);

    // The report salvages the old room from the moved file, reading it only.
    let before = fingerprint(&aside);
    let files_before = files_in(&data);
    let out = report_cli(&[&code, "--database", aside.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Een plek voor jongeren"));
    assert_eq!(fingerprint(&aside), before, "the report changed the file");
    assert_eq!(files_in(&data), files_before, "the report moved or made files");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_command_only_reads_the_database() {
    let data = temp_dir("report-ro");
    let (mut server, addr, _) = spawn_server(&data, &[]).await;
    let (code, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    Client::join(addr, &code, "Anna", None).await;
    assert!(Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().unwrap().success());
    server.wait().unwrap();
    let db = data.join("democreatie.sqlite3");
    let before = fingerprint(&db);
    let files_before = files_in(&data);
    for format in ["md", "json", "csv"] {
        let out = report_cli(&[&code, "--format", format, "--data-dir", data.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(fingerprint(&db), before);
    assert_eq!(files_in(&data), files_before);
    // A damaged file is named, never moved, by the report command.
    std::fs::write(&db, b"kapot, geen database").unwrap();
    let out = report_cli(&[&code, "--data-dir", data.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("democreatie.sqlite3"));
    assert_eq!(files_in(&data), files_before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lookups_of_a_stored_room_start_one_task() {
    let data = temp_dir("one-task");
    let (mut server, addr, _) = spawn_server(&data, &["--room-idle-hours", "0.0003"]).await;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    host.ok(json!({"type": "end"})).await;
    drop(host);
    // Wait until the finished room leaves memory.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while metric(&metrics(addr).await, "democreatie_room_tasks") != 0 {
        assert!(std::time::Instant::now() < deadline, "the idle room never left memory");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let watchers = futures_util::future::join_all((0..32).map(|_| Client::watch(addr, &code))).await;
    let m = metrics(addr).await;
    assert_eq!(metric(&m, "democreatie_room_tasks"), 1, "{m}");
    assert_eq!(metric(&m, "democreatie_rooms"), 1, "{m}");
    drop(watchers);
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gauges_follow_rooms_through_delete_and_expiry() {
    let data = temp_dir("gauges");
    let (_server, addr, _) = spawn_server(&data, &["--room-idle-hours", "0.0003"]).await;
    // Delete with three players connected.
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let mut players = Vec::new();
    for name in ["Anna", "Bram", "Cas"] {
        players.push(Client::join(addr, &code, name, None).await.0);
    }
    let m = metrics(addr).await;
    assert_eq!((metric(&m, "democreatie_players_connected"), metric(&m, "democreatie_room_tasks")), (3, 1), "{m}");
    let auth = format!("Bearer {host_token}");
    let (status, _, _) = request(addr, "DELETE", &format!("/api/rooms/{code}"), &[("Authorization", &auth)], "").await;
    assert_eq!(status, 204);
    for p in &mut players {
        p.closed().await;
    }
    let m = metrics(addr).await;
    let gauges = |m: &str| {
        (
            metric(m, "democreatie_players_connected"),
            metric(m, "democreatie_room_tasks"),
            metric(m, "democreatie_rooms"),
        )
    };
    assert_eq!(gauges(&m), (0, 0, 0), "{m}");
    // Expiry: players come and go, the room idles out of memory.
    let (code, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (anna, _, _) = Client::join(addr, &code, "Anna", None).await;
    assert_eq!(metric(&metrics(addr).await, "democreatie_players_connected"), 1);
    drop(anna);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        let m = metrics(addr).await;
        if gauges(&m) == (0, 0, 0) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "gauges after expiry: {m}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Two lookups that both missed the directory and both loaded the room from the store (the
/// race the entry API closes) end with one task: the second listing finds the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_listed_twice_still_runs_once() {
    let server = start("listed-twice").await;
    let app = server.app.clone();
    let (code, _) = create_room(server.addr, json!({"scenario": "skatebaan"})).await;
    let stored = app.store.load_room(&code).await.unwrap().unwrap().unwrap();
    let first = app.rooms.get(&code).unwrap().id();
    for _ in 0..3 {
        let h = democreatie::server::directory::list(&app, &stored, false).expect("the room replays");
        assert_eq!(h.id(), first, "a second task was started for the room");
    }
    assert_eq!(app.metrics.room_tasks.get(), 1);
    assert_eq!(app.rooms.len(), 1);
    server.stop().await;
}
