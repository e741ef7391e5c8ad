//! Hardening (issue #20): each finding of the attack on a running server, crossed over the
//! real router with real sockets. docs/security.md lists each test beside its claim.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

async fn post(addr: std::net::SocketAddr, path: &str, content_type: Option<&str>, body: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut req =
        format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if let Some(t) = content_type {
        req.push_str(&format!("Content-Type: {t}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body.trim()).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_are_created_only_from_json_and_not_without_end_from_one_address() {
    let server = start_with("create-limits", |c| c.rooms_per_address_per_hour = 3).await;
    let addr = server.addr;
    let body = json!({"scenario": "skatebaan"}).to_string();
    // A page on another site can send text/plain without asking the browser first.
    for t in [Some("text/plain"), Some("application/x-www-form-urlencoded"), None] {
        let (s, v) = post(addr, "/api/rooms", t, &body).await;
        assert_eq!((s, v["error"].as_str()), (415, Some("unsupported_media_type")), "{t:?}");
    }
    for _ in 0..3 {
        assert_eq!(post(addr, "/api/rooms", Some("application/json; charset=utf-8"), &body).await.0, 201);
    }
    let (s, v) = post(addr, "/api/rooms", Some("application/json"), &body).await;
    assert_eq!((s, v["error"].as_str()), (429, Some("rate_limited")), "the fourth room in an hour");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_json_even_a_broken_path() {
    let server = start("json-refusals").await;
    let addr = server.addr;
    for (path, status, code) in [
        ("/api/rooms/%ZZ", 404, "not_found"),
        ("/api/rooms/%FF", 400, "bad_request"),
        ("/api/rooms/B%FFCDF/report.md", 400, "bad_request"),
        ("/no-such-page", 404, "not_found"),
        ("/join/AEIOU", 404, "not_found"),
        ("/ws", 400, "bad_request"),
    ] {
        let (s, body, head) = request(addr, "GET", path, &[], "").await;
        assert_eq!(s, status, "{path}: {body}");
        assert!(head.to_lowercase().contains("content-type: application/json"), "{path}: {head}");
        let v: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: {body}"));
        assert_eq!(v["error"], code, "{path}");
    }
    let (s, body, head) = request(addr, "DELETE", "/healthz", &[], "").await;
    assert_eq!(s, 405, "{body}");
    assert!(head.to_lowercase().contains("allow:"), "the Allow header is kept: {head}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_the_token_when_one_is_set() {
    let server = start_with("metrics-token", |c| c.metrics_token = Some("geheim-en-lang-genoeg".into())).await;
    let addr = server.addr;
    assert_eq!(request(addr, "GET", "/metrics", &[], "").await.0, 401);
    assert_eq!(request(addr, "GET", "/metrics", &[("Authorization", "Bearer fout")], "").await.0, 401);
    let (s, body, _) = request(addr, "GET", "/metrics", &[("Authorization", "Bearer geheim-en-lang-genoeg")], "").await;
    assert_eq!(s, 200);
    assert!(body.contains("democreatie_rooms"));
    server.stop().await;
    // Without a token only this machine may read them: from an address of another
    // interface of this machine (the address phones would use), they are refused.
    let server = start_with("metrics-local", |c| c.addr = "0.0.0.0:0".into()).await;
    let port = server.addr.port();
    assert_eq!(request(format!("127.0.0.1:{port}").parse().unwrap(), "GET", "/metrics", &[], "").await.0, 200);
    match lan_address() {
        Some(ip) => {
            let (s, _, _) = request(std::net::SocketAddr::new(ip, port), "GET", "/metrics", &[], "").await;
            assert_eq!(s, 401, "metrics are not public on {ip}");
        }
        None => eprintln!("no non-loopback interface here: the remote half of this test was skipped"),
    }
    server.stop().await;
}

/// This machine's address on its network (not loopback), if it has one.
fn lan_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_reports_at_most_a_hundred_problems() {
    let server = start("check-limit").await;
    let addr = server.addr;
    // 3,000 unknown keys: one problem each.
    let text: String = (0..3000).map(|i| format!("onbekend{i} = 1\n")).collect();
    let (s, v) = post(addr, "/api/scenarios/check", Some("text/plain"), &text).await;
    assert_eq!(s, 422);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101, "100 problems and a line that says how many more");
    assert!(errors[100]["message"].as_str().unwrap().contains("more problems"), "{}", errors[100]);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_players_message_budget_is_kept_across_reconnects() {
    let server = start("identity-budget").await;
    let addr = server.addr;
    let (code, token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let (_anna, _, anna_token) = Client::join(addr, &code, "Anna", None).await;
    Client::join(addr, &code, "Bram", None).await;
    Client::join(addr, &code, "Cas", None).await;
    let mut host = Client::host(addr, &code, &token).await;
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await;
    // Reconnecting with the same token after every 30 notes used to give a fresh budget
    // each time (94 notes a second). Now the budget belongs to the player.
    let started = Instant::now();
    let mut accepted = 0;
    for round in 0..4 {
        let mut c = Client::connect(addr).await;
        c.send(json!({"type": "resume", "room": code, "token": anna_token})).await;
        c.until("welcome", |m| m["type"] == "welcome").await;
        for i in 0..30 {
            c.send(
                json!({"type": "note", "kind": "value", "text": format!("{round}-{i}"), "id": format!("{round}-{i}")}),
            )
            .await;
        }
        c.drain(Duration::from_millis(150)).await;
        accepted += c.log.iter().filter(|m| m["type"] == "state" && m["id"].is_string()).count();
    }
    let seconds = started.elapsed().as_secs_f64();
    // A burst of 40 and 20 a second after it.
    let allowed = 40.0 + 20.0 * seconds + 2.0;
    assert!((accepted as f64) <= allowed, "{accepted} notes accepted in {seconds:.2} s (at most {allowed:.0})");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_per_address_are_capped() {
    let server = start_with("per-address", |c| c.max_connections_per_address = 5).await;
    let addr = server.addr;
    let mut open = Vec::new();
    for _ in 0..5 {
        open.push(Client::connect(addr).await);
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
    use futures_util::StreamExt;
    let first = ws.next().await.unwrap().unwrap();
    let v: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(v["code"], "server_busy", "the sixth connection from one address");
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    Client::connect(addr).await; // a freed place can be taken again
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_nobody_joined_is_deleted_after_its_time() {
    let server = start_with("empty-rooms", |c| c.empty_room_minutes = 0.02).await;
    let addr = server.addr;
    let (empty, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let (used, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    Client::join(addr, &used, "Anna", None).await;
    // 1.2 s of age, checked every 0.6 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    while get(addr, &format!("/api/rooms/{empty}")).await.0 != 404 {
        assert!(Instant::now() < deadline, "the empty room is still there");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(get(addr, &format!("/api/rooms/{used}")).await.0, 200, "a room someone joined stays");
    let conn = rusqlite::Connection::open(server.app.config.data_dir.join("democreatie.sqlite3")).unwrap();
    let left: i64 = conn.query_row("SELECT count(*) FROM rooms WHERE code = ?1", [&empty], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "nothing of it stays stored");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_codes_over_http_is_barred_but_a_valid_token_gets_through() {
    let server = start("http-guessing").await;
    let addr = server.addr;
    let (code, token) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    let guesses: Vec<String> = (0..25)
        .map(|i| format!("BC{}", ["DFG", "DFH", "DFJ", "DFK", "DFL"][i % 5]) + &"BCDFG"[i / 5..i / 5 + 1])
        .collect();
    let mut statuses = Vec::new();
    for g in &guesses {
        if *g != code {
            statuses.push(get(addr, &format!("/api/rooms/{g}")).await.0);
        }
    }
    assert!(statuses.iter().take(20).all(|s| *s == 404), "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "past 20 wrong codes the address is barred: {statuses:?}");
    // Barred: even a real code gets 429 without a token, so guessing learns nothing...
    assert_eq!(get(addr, &format!("/api/rooms/{code}")).await.0, 429);
    assert_eq!(
        request(addr, "GET", &format!("/api/rooms/{code}/report.md"), &[("Authorization", "Bearer wrong")], "").await.0,
        429
    );
    // ...but the facilitator's valid token always gets through.
    let auth = format!("Bearer {token}");
    assert_eq!(
        request(addr, "GET", &format!("/api/rooms/{code}/report.md"), &[("Authorization", &auth)], "").await.0,
        200
    );
    server.stop().await;
}

/// Under `ulimit -n 1024` (soft and hard, so the server cannot raise it), 1,009 sockets used
/// to make `/healthz` and honest joins time out. Now the server keeps 256 files free: the
/// sockets past its limit get `server_busy` at once, and HTTP still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_open_file_limit_still_leaves_room_for_http() {
    use std::os::unix::process::CommandExt;
    let data = temp_dir("nofile");
    let (mut server, addr, log) = spawn_server_with(&data, &[], |c| {
        // SAFETY: setrlimit is async-signal-safe, so it may run between fork and exec.
        unsafe {
            c.pre_exec(|| {
                let limit = libc::rlimit { rlim_cur: 1024, rlim_max: 1024 };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
    })
    .await;
    assert!(log.iter().any(|l| l.contains("at most 768 WebSocket connections fit in 1024 open files")), "{log:?}");
    let mut open = Vec::new();
    let mut busy = 0;
    for _ in 0..800 {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await.unwrap();
        use futures_util::StreamExt;
        let first = ws.next().await.unwrap().unwrap();
        if first.to_text().unwrap().contains("server_busy") {
            busy += 1;
        } else {
            open.push(ws);
        }
    }
    assert_eq!(open.len(), 768, "{busy} refused");
    let started = Instant::now();
    assert_eq!(get(addr, "/healthz").await.0, 200);
    assert!(started.elapsed() < Duration::from_secs(2), "/healthz took {:?}", started.elapsed());
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_facilitator_keys_only_a_facilitator_creates_rooms() {
    let dir = temp_dir("keys");
    let file = dir.join("keys.txt");
    let hash = democreatie::server::hash_token("de-sleutel-van-utrecht");
    std::fs::write(&file, format!("# Utrecht\n{hash}\n\n")).unwrap();
    let server = start_with("facilitator-keys", |c| c.facilitator_keys = Some(file.clone())).await;
    let addr = server.addr;
    let body = json!({"scenario": "skatebaan"}).to_string();
    let post_with = |auth: Option<&'static str>| {
        let body = body.clone();
        async move {
            let headers: Vec<(&str, &str)> = auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
            request(addr, "POST", "/api/rooms", &headers, &body).await
        }
    };
    assert_eq!(post_with(None).await.0, 401);
    assert_eq!(post_with(Some("Bearer een-andere-sleutel")).await.0, 401);
    let (s, text, _) = post_with(Some("Bearer de-sleutel-van-utrecht")).await;
    assert_eq!(s, 201, "{text}");
    server.stop().await;
    // A file without a valid hash stops the server with a one-line reason.
    std::fs::write(&file, "niet-een-hash\n").unwrap();
    let mut c = democreatie::server::Config::for_test("127.0.0.1:0", temp_dir("keys-bad"));
    c.facilitator_keys = Some(file.clone());
    let err = democreatie::server::start(c).await.err().expect("a bad keys file is refused");
    assert!(err.to_string().contains("is not a key hash"), "{err}");
}
