//! Hardening (issue #20): each finding of the attack on a running server, crossed over the
//! real router with real sockets. docs/security.md lists each test beside its claim.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::*;

async fn post(addr: std::net::SocketAddr, path: &str, content_type: Option<&str>, body: &str) -> (u16, Value) {
    let kind = content_type.map(|t| format!("\r\nContent-Type: {t}")).unwrap_or_default();
    raw(addr, &format!("POST {path} HTTP/1.1\r\nHost: {addr}{kind}"), body).await
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
    // (Asked of the store itself, so this holds for SQLite and PostgreSQL alike.)
    assert!(!server.app.store.code_taken(&empty).await.unwrap().unwrap(), "nothing of it stays stored");
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

/// Starts the child under `ulimit -n 1024`, soft and hard, so it cannot raise it.
fn open_files_1024(c: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
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
}

/// Under `ulimit -n 1024` (soft and hard, so the server cannot raise it), 1,009 sockets used
/// to make `/healthz` and honest joins time out. Now the server keeps 256 files free: the
/// sockets past its limit get `server_busy` at once, and HTTP still answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_open_file_limit_still_leaves_room_for_http() {
    let data = temp_dir("nofile");
    let (mut server, addr, log) = spawn_server_with(&data, &[], open_files_1024).await;
    assert!(log.iter().any(|l| l.contains("at most 768 WebSocket connections fit in 1024 open files")), "{log:?}");
    // From two addresses (one address may take at most three quarters of the places).
    let mut open = Vec::new();
    let mut busy = 0;
    for i in 0..800 {
        let source = if i % 2 == 0 { "127.0.0.1" } else { "127.0.0.3" };
        let stream = tcp_from(source, addr).await.unwrap();
        let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{addr}/ws"), stream).await.unwrap();
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

/// Sends a request written out in full (its own `Host`, `Origin`, ...); answers (status,
/// the JSON body).
async fn raw(addr: std::net::SocketAddr, head: &str, body: &str) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("{head}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).to_string();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    (status, serde_json::from_str(body.trim()).unwrap_or(Value::Null))
}

/// A WebSocket handshake with the given `Host` and `Origin`: the first message, or the
/// refusal's status.
async fn ws_with(addr: std::net::SocketAddr, host: &str, origin: &str) -> Result<Value, u16> {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{addr}/ws").into_client_request().unwrap();
    req.headers_mut().insert("Host", host.parse().unwrap());
    req.headers_mut().insert("Origin", origin.parse().unwrap());
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    match tokio_tungstenite::client_async(req, stream).await {
        Ok((mut ws, _)) => Ok(serde_json::from_str(ws.next().await.unwrap().unwrap().to_text().unwrap()).unwrap()),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("{e}"),
    }
}

/// DNS rebinding: a page of evil.example whose name now points at this server sends
/// `Host: evil.example` with a matching `Origin`; that used to pass the Origin check. Now
/// the host must be allowed, and a browser's `Origin` on the WebSocket and on every
/// state-changing request must be this server's own page. Served on 0.0.0.0 and reached
/// through the machine's non-loopback address, as phones on the venue's Wi-Fi reach it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_hosts_and_this_servers_own_pages_are_answered() {
    let lan = lan_address().expect("this test needs a non-loopback interface address (eth0)");
    let server = start_with("hosts", |c| c.addr = "0.0.0.0:0".into()).await;
    let addr = std::net::SocketAddr::new(lan, server.addr.port());
    let here = format!("{lan}:{}", server.addr.port());
    let page = format!("http://{here}");
    // The phones' join address works, for pages, the API and the WebSocket.
    assert_eq!(raw(addr, &format!("GET /api/scenarios HTTP/1.1\r\nHost: {here}"), "").await.0, 200);
    assert_eq!(ws_with(addr, &here, &page).await.unwrap()["type"], "hello");
    // Another host name is refused everywhere but /healthz.
    let (s, v) = raw(addr, "GET /api/scenarios HTTP/1.1\r\nHost: evil.example", "").await;
    assert_eq!((s, v["error"].as_str()), (421, Some("host_not_allowed")), "{v}");
    assert_eq!(raw(addr, "GET / HTTP/1.1\r\nHost: evil.example:8080", "").await.0, 421);
    assert_eq!(ws_with(addr, "evil.example", "http://evil.example").await, Err(421), "the rebinding finding");
    assert_eq!(raw(addr, "GET /healthz HTTP/1.1\r\nHost: evil.example", "").await.0, 200);
    // A page of another site may not change anything, even on an allowed host.
    let body = json!({"scenario": "skatebaan"}).to_string();
    let post = |origin: &str| {
        let origin = if origin.is_empty() { String::new() } else { format!("\r\nOrigin: {origin}") };
        format!("POST /api/rooms HTTP/1.1\r\nHost: {here}\r\nContent-Type: application/json{origin}")
    };
    let (s, v) = raw(addr, &post("http://evil.example"), &body).await;
    assert_eq!((s, v["error"].as_str()), (403, Some("origin_not_allowed")), "{v}");
    assert_eq!(ws_with(addr, &here, "http://evil.example").await, Err(403));
    let (s, made) = raw(addr, &post(&page), &body).await;
    assert_eq!(s, 201, "this server's own page: {made}");
    assert_eq!(raw(addr, &post(""), &body).await.0, 201, "no Origin: a script, not a browser");
    let (code, token) = (made["room"].as_str().unwrap(), made["host_token"].as_str().unwrap());
    let delete = |origin: &str| {
        format!(
            "DELETE /api/rooms/{code} HTTP/1.1\r\nHost: {here}\r\nAuthorization: Bearer {token}\r\nOrigin: {origin}"
        )
    };
    assert_eq!(raw(addr, &delete("http://evil.example"), "").await.0, 403);
    assert_eq!(raw(addr, &format!("GET /api/rooms/{code} HTTP/1.1\r\nHost: {here}"), "").await.0, 200, "not deleted");
    assert_eq!(raw(addr, &delete(&page), "").await.0, 204);
    server.stop().await;

    // --allowed-hosts replaces the default list; the loopback names always pass.
    let server = start_with("hosts-given", |c| {
        c.addr = "0.0.0.0:0".into();
        c.allowed_hosts = vec!["spel.example.nl".into()];
    })
    .await;
    let port = server.addr.port();
    let addr = std::net::SocketAddr::new(lan, port);
    assert_eq!(raw(addr, "GET /api/scenarios HTTP/1.1\r\nHost: spel.example.nl", "").await.0, 200);
    assert_eq!(raw(addr, &format!("GET /api/scenarios HTTP/1.1\r\nHost: {lan}:{port}"), "").await.0, 421);
    assert_eq!(raw(addr, &format!("GET /api/scenarios HTTP/1.1\r\nHost: localhost:{port}"), "").await.0, 200);
    server.stop().await;
}

/// Behind a reverse proxy everyone shares the proxy's address. With `--trusted-proxy` the
/// limits count the address the proxy names in `X-Forwarded-For`, so one guesser is barred
/// and the others are not; without it the header is ignored, so nobody can dodge a bar by
/// writing one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_addresses_are_believed_only_from_a_trusted_proxy() {
    async fn guess(addr: std::net::SocketAddr, from: &str, n: usize) -> Vec<u16> {
        let mut statuses = Vec::new();
        for i in 0..n {
            let code = format!("BCD{}", ["FG", "FH", "FJ", "FK", "FL", "GH", "GJ", "GK"][i % 8]);
            statuses
                .push(request(addr, "GET", &format!("/api/rooms/{code}"), &[("X-Forwarded-For", from)], "").await.0);
        }
        statuses
    }
    let server = start_with("proxy", |c| c.trusted_proxy = vec!["127.0.0.1".parse().unwrap()]).await;
    let statuses = guess(server.addr, "203.0.113.1", 25).await;
    assert_eq!(statuses.last(), Some(&429), "the guesser behind the proxy is barred: {statuses:?}");
    assert_eq!(guess(server.addr, "203.0.113.2", 1).await, [404], "another person behind the proxy is not");
    assert_eq!(
        guess(server.addr, "10.9.9.9, 203.0.113.1", 1).await,
        [429],
        "the proxy's own hop counts, not the client's"
    );
    server.stop().await;

    let server = start("no-proxy").await;
    guess(server.addr, "203.0.113.1", 25).await;
    assert_eq!(guess(server.addr, "203.0.113.2", 1).await, [429], "an untrusted peer's header changes nothing");
    server.stop().await;
}

/// A socket from `source` (any address of 127.0.0.0/8 works on loopback).
async fn tcp_from(source: &str, addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind(std::net::SocketAddr::new(source.parse().unwrap(), 0))?;
    socket.connect(addr).await
}

/// Whether the server has closed `s` (end of stream or reset), without waiting.
fn closed_by_server(s: &tokio::net::TcpStream) -> bool {
    let mut buf = [0u8; 64];
    match s.try_read(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    }
}

/// Slowloris under `ulimit -n 1024`: 1,030 sockets that send half a request header used
/// to make `/healthz` and honest joins time out. Now one address gets at most three
/// quarters of the places (the rest are closed at once), everyone else still gets in, and
/// every half header, and every kept-alive connection left idle, is closed after 10 s.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowloris_sockets_are_closed_and_everyone_else_still_gets_in() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let data = temp_dir("slowloris");
    let (mut server, addr, _) = spawn_server_with(&data, &[], open_files_1024).await;
    // A kept-alive connection that got its answer and then says nothing.
    let mut idle = tcp_from("127.0.0.1", addr).await.unwrap();
    idle.write_all(format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes()).await.unwrap();
    let mut buf = [0u8; 512];
    assert!(idle.read(&mut buf).await.unwrap() > 0);
    let started = Instant::now();
    let mut loris = Vec::new();
    for _ in 0..1030 {
        let Ok(mut s) = tcp_from("127.0.0.2", addr).await else { continue };
        if s.write_all(format!("GET / HTTP/1.1\r\nHost: {addr}\r\nX-Wait: ").as_bytes()).await.is_ok() {
            loris.push(s);
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = loris.iter().filter(|s| !closed_by_server(s)).count();
    assert_eq!(held, 576 + 32, "three quarters of the 768 places, plus 32 for HTTP");
    // Everyone else still gets in, at once.
    let t = Instant::now();
    assert_eq!(get(addr, "/healthz").await.0, 200);
    let (code, _) = create_room(addr, json!({"scenario": "skatebaan"})).await;
    Client::join(addr, &code, "Anna", None).await;
    assert!(t.elapsed() < Duration::from_secs(2), "an honest join took {:?}", t.elapsed());
    // After the header timeout the half headers and the idle connection are closed.
    let deadline = started + Duration::from_secs(13);
    tokio::time::sleep(deadline.saturating_duration_since(Instant::now())).await;
    let still = loris.iter().filter(|s| !closed_by_server(s)).count();
    assert_eq!(still, 0, "{still} half headers still open after {:?}", started.elapsed());
    assert!(closed_by_server(&idle), "the idle kept-alive connection is closed");
    server.kill().unwrap();
    server.wait().unwrap();
}
