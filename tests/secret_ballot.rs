//! Secret ballot over real sockets: during the vote only the host learns who voted, the
//! others learn how many; a decision with fewer than three counted votes shows no counts.

mod support;

use serde_json::{Value, json};
use support::*;

fn seats(v: &Value) -> Vec<Value> {
    v["tables"][0]["players"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_host_learns_who_voted_and_small_counts_stay_hidden() {
    let server = start("secret").await;
    let addr = server.addr;
    let (code, host_token) = create_room(addr, json!({"scenario": "buurtbudget", "options": {"tables": 1}})).await;
    let mut host = Client::host(addr, &code, &host_token).await;
    let mut screen = Client::watch(addr, &code).await;
    let mut players = Vec::new();
    for name in ["Anna", "Bram", "Cas", "Dirk"] {
        players.push(Client::join(addr, &code, name, None).await.0);
    }
    host.ok(json!({"type": "start"})).await;
    while host.view["phase"]["kind"] != "proposal" {
        host.ok(json!({"type": "next"})).await;
    }
    for p in players.iter_mut() {
        p.view_until("the proposal round", |v| v["phase"]["kind"] == "proposal").await;
        if p.view["you"]["role"] == "resident" {
            p.ok(json!({"type": "propose", "text": "Een moestuin op het plein"})).await;
            break;
        }
    }
    host.ok(json!({"type": "next"})).await; // vote
    players[0].ok(json!({"type": "vote", "choice": "support"})).await;
    players[1].ok(json!({"type": "vote", "choice": "object", "reason": "Geheim bezwaar van Bram"})).await;

    let host_view = host.view_until("two votes", |v| seats(v).iter().filter(|s| s["voted"] == true).count() == 2).await;
    assert_eq!(host_view["tables"][0]["votes_cast"], 2);
    for p in players.iter_mut() {
        p.view_until("two votes", |v| v["tables"][0]["votes_cast"] == 2).await;
    }
    let screen_view = screen.view_until("two votes", |v| v["tables"][0]["votes_cast"] == 2).await;
    for v in std::iter::once(&screen_view).chain(players.iter().map(|p| &p.view)) {
        for s in seats(v) {
            assert!(s.get("voted").is_none(), "someone other than the host learns who voted: {s}");
        }
    }
    // Nobody but Bram has seen Bram's choice while the vote is open.
    for (i, p) in players.iter().enumerate() {
        assert_eq!(p.all_text().contains("Geheim bezwaar van Bram"), i == 1);
    }
    assert!(!screen.all_text().contains("Geheim bezwaar van Bram"));

    // Two counted votes: the decision says only whether it was reached.
    let v = host.ok(json!({"type": "next"})).await;
    let d = &v["tables"][0]["decision"];
    assert_eq!(d["reached"], false);
    for k in ["support", "support_if", "abstain", "object"] {
        assert!(d[k].is_null(), "{k} is shown with two counted votes: {d}");
    }
    assert!(d.get("votes").is_none() && d.get("by_role").is_none());
    for p in players.iter_mut() {
        let v = p.view_until("the decision", |v| !v["tables"][0]["decision"].is_null()).await;
        assert!(v["tables"][0]["decision"]["object"].is_null());
    }

    // Second vote: three support and one abstention are shown as counts.
    while host.view["phase"]["kind"] != "vote" {
        if host.view["phase"]["kind"] == "proposal" {
            for p in players.iter_mut() {
                p.view_until("the proposal round", |v| v["phase"]["kind"] == "proposal").await;
                if p.view["you"]["role"] == "resident" {
                    p.ok(json!({"type": "propose", "text": "Een moestuin met een hek"})).await;
                    break;
                }
            }
        }
        host.ok(json!({"type": "next"})).await;
    }
    for (i, p) in players.iter_mut().enumerate() {
        p.view_until("the vote", |v| v["phase"]["kind"] == "vote").await;
        let choice = if i == 3 { "abstain" } else { "support" };
        p.ok(json!({"type": "vote", "choice": choice})).await;
    }
    let v = host.ok(json!({"type": "next"})).await;
    let d = &v["tables"][0]["decision"];
    assert_eq!(
        (d["reached"].as_bool(), d["support"].as_u64(), d["abstain"].as_u64()),
        (Some(true), Some(3), Some(1)),
        "{d}"
    );
    // The reports keep the same rule: the first decision without counts, the second with.
    let auth = format!("Bearer {host_token}");
    let (_, md, _) =
        request(addr, "GET", &format!("/api/rooms/{code}/report.md"), &[("Authorization", &auth)], "").await;
    assert_eq!(md.matches("de aantallen blijven geheim").count(), 1, "{md}");
    assert_eq!(md.matches("Stemmen: Steun 3 ·").count(), 1, "{md}");
    let (_, js, _) =
        request(addr, "GET", &format!("/api/rooms/{code}/report.json"), &[("Authorization", &auth)], "").await;
    let js: Value = serde_json::from_str(&js).unwrap();
    let decisions = js["tables"][0]["decisions"].as_array().unwrap();
    assert!(decisions[0]["counts"].is_null() && decisions[1]["counts"]["support"] == 3, "{decisions:?}");
    server.stop().await;
}
