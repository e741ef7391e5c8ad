//! A phone that stops reading (a locked screen, a dead Wi-Fi spot) must not slow anyone
//! else, and when it reads again it gets the newest view, not a backlog. This test runs in
//! a file of its own: other tests beside it would slow the server enough to reach the 10 s
//! after which a client that takes nothing is dropped.

mod support;

use std::time::Duration;

use serde_json::json;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_does_not_slow_the_others() {
    let server = start("slow").await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    // A phone that stops reading, with a small receive window so it is full at once.
    let (mut silent, _, _) = Client::connect_small_window(addr).await.joined(&code, "Stil", None).await;
    let mut talkers = Vec::new();
    for i in 0..20 {
        talkers.push(Client::join(addr, &code, &format!("T{i}"), None).await.0);
    }
    host.ok(json!({"type": "start"})).await;
    host.ok(json!({"type": "next"})).await; // discussion
    silent.view_until("the discussion", |v| v["phase"]["index"] == 1).await;
    let received_before = silent.log.len();
    let started = std::time::Instant::now();
    let mut worst = Duration::ZERO;
    let mut notes = 0;
    // Rounds of 20 notes sent at once, each phone waiting for its answer: the silent phase
    // must stay well under the 10 s after which a stuck client is dropped.
    for round in 0..10 {
        let t0 = std::time::Instant::now();
        for (i, t) in talkers.iter_mut().enumerate() {
            let text = format!("{round} {}", "x".repeat(270));
            t.send(json!({"type": "note", "kind": "value", "text": text, "id": format!("{round}-{i}")})).await;
        }
        for (i, t) in talkers.iter_mut().enumerate() {
            let id = format!("{round}-{i}");
            let a = t.until("the answer", |m| m["id"] == id.as_str()).await;
            assert_eq!(a["type"], "state", "{a}");
            notes += 1;
        }
        worst = worst.max(t0.elapsed());
        tokio::time::sleep(Duration::from_millis(60)).await; // stay under the rate limit
    }
    // 200 notes of 275 characters: each change re-sends a table view that grows to about
    // 60 KB, some 6 MB in all (more than the kernel buffers on both sides), to a client
    // that reads none of it. The others were answered as quickly as ever: a round within
    // 2 s (generous: this machine is shared and noisy).
    assert!(worst < Duration::from_secs(2), "worst answer {worst:?} after {:?}", started.elapsed());
    // The silent client reads again: it is still connected and gets the newest view after
    // far fewer states than there were changes. A queue of every state would have sent
    // them all, or dropped the client when it filled up.
    let v =
        silent.view_until("every note", |v| v["tables"][0]["notes"].as_array().is_some_and(|n| n.len() == notes)).await;
    assert_eq!(v["tables"][0]["notes"].as_array().unwrap().len(), notes);
    let states = silent.log[received_before..].iter().filter(|m| m["type"] == "state").count();
    assert!(states < notes, "{states} states for {notes} changes: the newest-state slot did not collapse them");
    assert!(silent.closed.is_none());
    server.stop().await;
}
