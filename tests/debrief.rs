//! The debrief (issue #15): each table's path replayed from the stored log (also after a
//! restart and for a finished room), and reports written for people in both languages.

mod support;

use serde_json::{Value, json};
use support::*;

/// Every code word a report for people must not contain: the wire codes of rules, round
/// kinds, note kinds, choices, roles and reasons.
const CODES: &[&str] = &[
    "broad_support",
    "support_if",
    "civil_servant",
    "min_support",
    "min_support_per_role",
    "max_objections",
    "no_votes",
    "majority",
    "unanimity",
    "consent",
    "quorum",
    "briefing",
    "discussion",
    "debrief",
    "proposal",
    "vote",
    "value",
    "condition",
    "idea",
    "question",
    "lesson",
    "support",
    "abstain",
    "object",
    "resident",
    "councillor",
    "reached",
    "not_reached",
];

/// The code words that appear in `text` as whole words (case-sensitive: codes are lower case).
fn codes_in(text: &str, codes: &[&str]) -> Vec<String> {
    let words: Vec<&str> = text.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
    codes.iter().filter(|c| words.contains(c)).map(|c| c.to_string()).collect()
}

struct Played {
    code: String,
    host_token: String,
    hidden_note: String,
}

/// One table of four plays the skate park case into its debrief: notes (one hidden by the
/// facilitator), two proposal versions, a vote with a condition and an objection, lessons.
async fn play(addr: std::net::SocketAddr, language: &str) -> Played {
    let (code, host_token) =
        create_room(addr, json!({"scenario": "skatebaan", "options": {"tables": 1, "language": language}})).await;
    let roles = [Some("resident"), Some("civil_servant"), Some("councillor"), None];
    let mut players = Vec::new();
    for (i, name) in ["Anna", "Bram", "Chantal", "Dirk"].iter().enumerate() {
        players.push(Client::join(addr, &code, name, roles[i]).await.0);
    }
    let mut host = Client::host(addr, &code, &host_token).await;
    host.ok(json!({"type": "start"})).await;
    let mut hidden_note = String::new();
    let mut votes = 0;
    let mut proposal_rounds = 0;
    loop {
        let v = host.ok(json!({"type": "next"})).await;
        let kind = v["phase"]["kind"].as_str().unwrap().to_string();
        let index = v["phase"]["index"].clone();
        for c in players.iter_mut() {
            c.view_until("the new round", |v| v["phase"]["index"] == index).await;
        }
        match kind.as_str() {
            "discussion" => {
                for (i, c) in players.iter_mut().enumerate() {
                    let me = c.view_until("the round", |v| v["phase"]["kind"] == "discussion").await;
                    let note_kind = me["phase"]["notes"][0].as_str().unwrap().to_string();
                    c.ok(json!({"type": "note", "kind": note_kind, "text": format!("Notitie van speler {i}")})).await;
                }
                if hidden_note.is_empty() {
                    hidden_note = "Notitie van speler 0".into();
                    host.ok(json!({"type": "hide_note", "table": 1, "note": 0})).await;
                }
            }
            "proposal" => {
                proposal_rounds += 1;
                let mut written = 0;
                for c in players.iter_mut() {
                    let me = c.view_until("the round", |v| v["phase"]["kind"] == "proposal").await;
                    let role = me["you"]["role"].as_str().unwrap_or_default().to_string();
                    let may =
                        me["phase"]["proposers"].as_array().is_none_or(|list| list.iter().any(|r| r == role.as_str()));
                    let decided = me["tables"][0]["decision"]["reached"] == true;
                    if may && !decided && written < 2 {
                        let text = match (proposal_rounds, written) {
                            (1, 0) => "De skatebaan komt in het park, open tot tien uur.".to_string(),
                            (1, _) => "De skatebaan komt bij de school, open tot acht uur.".to_string(),
                            (r, w) => format!("Aangepast in ronde {r}, versie {w}."),
                        };
                        c.ok(json!({"type": "propose", "text": text})).await;
                        written += 1;
                    }
                }
            }
            "vote" => {
                votes += 1;
                // The first vote fails (two objections), the second may pass.
                let first = if votes == 1 {
                    json!({"type": "vote", "choice": "object", "reason": "Nee"})
                } else {
                    json!({"type": "vote", "choice": "support_if", "condition": "Alleen met een hek"})
                };
                let choices = [
                    first,
                    json!({"type": "vote", "choice": "support"}),
                    json!({"type": "vote", "choice": "object", "reason": "Te veel lawaai"}),
                    json!({"type": "vote", "choice": "abstain"}),
                ];
                for (c, choice) in players.iter_mut().zip(choices) {
                    c.view_until("the vote", |v| v["phase"]["kind"] == "vote").await;
                    let a = c.command(choice).await;
                    // A table that has decided no longer votes.
                    assert!(a["type"] == "state" || a["code"] == "wrong_phase", "{a}");
                }
            }
            "debrief" => {
                for (i, c) in players.iter_mut().enumerate() {
                    c.view_until("the debrief", |v| v["phase"]["kind"] == "debrief").await;
                    c.ok(json!({"type": "note", "kind": "lesson", "text": format!("Les van speler {i}")})).await;
                }
                break;
            }
            _ => {}
        }
    }
    assert!(votes >= 1);
    Played { code, host_token, hidden_note }
}

async fn fetch(addr: std::net::SocketAddr, p: &Played, file: &str) -> (u16, String) {
    let auth = format!("Bearer {}", p.host_token);
    let (s, body, _) =
        request(addr, "GET", &format!("/api/rooms/{}/{file}", p.code), &[("Authorization", &auth)], "").await;
    (s, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tables_path_replays_from_the_log_after_a_restart_and_when_finished() {
    let data = temp_dir("debrief-replay");
    let server = start_with("debrief-replay", |c| c.data_dir = data.clone()).await;
    let addr = server.addr;
    let played = play(addr, "nl").await;
    let url = format!("/api/rooms/{}/replay.json", played.code);
    assert_eq!(request(addr, "GET", &url, &[], "").await.0, 401, "the host token is needed");
    assert_eq!(request(addr, "GET", &url, &[("Authorization", "Bearer fout")], "").await.0, 401);
    let (s, body) = fetch(addr, &played, "replay.json").await;
    assert_eq!(s, 200, "{body}");
    let live: Value = serde_json::from_str(&body).unwrap();
    let steps = live["tables"][0]["steps"].as_array().unwrap();
    let kinds: Vec<&str> = steps.iter().map(|s| s["type"].as_str().unwrap()).collect();
    for kind in ["round", "note", "event", "proposal", "vote"] {
        assert!(kinds.contains(&kind), "a {kind} step in {kinds:?}");
    }
    // The notes as they came, the hidden one marked, the lessons included.
    let notes: Vec<&Value> = steps.iter().filter(|s| s["type"] == "note").collect();
    let hidden: Vec<&&Value> = notes.iter().filter(|n| n["hidden"] == true).collect();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0]["text"], played.hidden_note.as_str());
    assert_eq!(notes.iter().filter(|n| n["kind"] == "lesson").count(), 4);
    assert!(notes.iter().all(|n| n["role"].is_string() && n["name"].is_string()), "{notes:?}");
    // Each proposal version with what changed; the second replaces words of the first.
    let versions: Vec<&Value> = steps.iter().filter(|s| s["type"] == "proposal").collect();
    assert!(versions.len() >= 2, "{versions:?}");
    assert_eq!(
        versions[0]["changes"],
        json!([{"op": "insert", "text": "De skatebaan komt in het park, open tot tien uur."}])
    );
    assert_eq!(
        versions[1]["changes"],
        json!([
            {"op": "same", "text": "De skatebaan komt "},
            {"op": "delete", "text": "in het park, "},
            {"op": "insert", "text": "bij de school, "},
            {"op": "same", "text": "open tot "},
            {"op": "delete", "text": "tien "},
            {"op": "insert", "text": "acht "},
            {"op": "same", "text": "uur."},
        ])
    );
    // A vote: counts, per role, conditions, objections and the reasons; who voted what
    // only because this ballot is open.
    let first = steps.iter().find(|s| s["type"] == "vote").unwrap();
    assert_eq!(first["reached"], false, "two objections: {first}");
    let vote = steps.iter().rfind(|s| s["type"] == "vote").unwrap();
    assert_eq!(
        (vote["support"].as_u64(), vote["support_if"].as_u64(), vote["object"].as_u64()),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(vote["conditions"], json!(["Alleen met een hek"]));
    assert_eq!(vote["objections"], json!(["Te veel lawaai"]));
    assert!(vote["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    assert!(vote["by_role"].is_object() && vote["votes"].as_array().is_some_and(|v| v.len() == 4));
    // The order things happened: rounds open before what happens in them.
    let first_note = kinds.iter().position(|k| *k == "note").unwrap();
    assert!(kinds[..first_note].contains(&"round"));
    assert!(live["started_at"].is_string() && live["finished_at"].is_null());
    server.stop().await;

    // After a restart the same path comes back from the store.
    let server = start_with("debrief-replay-again", |c| c.data_dir = data.clone()).await;
    let addr = server.addr;
    let (s, body) = fetch(addr, &played, "replay.json").await;
    assert_eq!(s, 200, "{body}");
    let again: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(again, live, "the replay after a restart is the same");
    // And when the room is finished.
    let mut host = Client::host(addr, &played.code, &played.host_token).await;
    host.ok(json!({"type": "end"})).await;
    let (s, body) = fetch(addr, &played, "replay.json").await;
    assert_eq!(s, 200);
    let finished: Value = serde_json::from_str(&body).unwrap();
    assert!(finished["finished_at"].is_string());
    assert_eq!(finished["tables"], live["tables"], "ending adds no step");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_written_for_people_in_dutch_and_in_english() {
    let server = start("debrief-reports").await;
    let addr = server.addr;
    for language in ["nl", "en"] {
        let played = play(addr, language).await;
        let mut host = Client::host(addr, &played.code, &played.host_token).await;
        host.ok(json!({"type": "end"})).await;
        let (s, md) = fetch(addr, &played, "report.md").await;
        assert_eq!(s, 200);
        let nl = language == "nl";
        // No code words: in Dutch none of them at all; in English the ones no sentence
        // would use (codes with `_`, and round kinds in the old "(discussion)" form).
        let found = if nl {
            codes_in(&md, CODES)
        } else {
            let mut f = codes_in(&md, &CODES.iter().copied().filter(|c| c.contains('_')).collect::<Vec<_>>());
            f.extend(
                ["(discussion)", "(briefing)", "(debrief)", "(vote)", "`"]
                    .iter()
                    .filter(|c| md.contains(**c))
                    .map(|c| c.to_string()),
            );
            f
        };
        assert!(found.is_empty(), "code words {found:?} in the {language} report:\n{md}");
        if std::env::var("SHOW_REPORT").is_ok() {
            println!("{md}");
        }
        let must = if nl {
            vec![
                "Begonnen: ",
                "Afgelopen: ",
                "(tijdzone ",
                "Regel: breed gedragen.",
                "Wie werd gehoord",
                "Waarom?",
                "Niet gehaald:",
                "Voorstel, versie 2",
                "Wat neem je mee? · Anna: Les van speler 0",
                "*(verborgen door de spelleider)*",
                "Voorwaarden (ja, mits)",
                "Alleen met een hek",
                "Te veel lawaai",
                "Wie stemde wat",
            ]
        } else {
            vec![
                "Started: ",
                "Finished: ",
                "(time zone ",
                "Rule: broad support.",
                "Who was heard",
                "Why?",
                "Not met:",
                "Proposal, version 2",
                "What do you take home? · Anna: Les van speler 0",
                "*(hidden by the facilitator)*",
                "Conditions (yes, if)",
                "Who voted what",
            ]
        };
        for m in must {
            assert!(md.contains(m), "the {language} report lacks {m:?}:\n{md}");
        }
        // The CSV: the `hidden` column last, 1 only for the hidden note.
        let (_, csv) = fetch(addr, &played, "report.csv").await;
        let mut lines = csv.lines();
        assert_eq!(lines.next(), Some("table,round,round_title,type,player_id,name,role,kind,text,hidden"));
        let hidden: Vec<&str> = csv.lines().filter(|l| l.ends_with(",1")).collect();
        assert_eq!(hidden.len(), 1, "{csv}");
        assert!(hidden[0].contains(&played.hidden_note), "{csv}");
        assert!(csv.lines().skip(1).all(|l| l.ends_with(",0") || l.ends_with(",1")), "{csv}");
        // The JSON report carries the same facts.
        let (_, js) = fetch(addr, &played, "report.json").await;
        let js: Value = serde_json::from_str(&js).unwrap();
        assert!(js["started_at"].is_string() && js["finished_at"].is_string());
        assert_eq!(js["heard"][0]["roles"].as_array().unwrap().len(), 3);
        assert!(js["tables"][0]["decisions"][0]["reasons"].as_array().is_some_and(|r| !r.is_empty()));
        assert_eq!(js["tables"][0]["proposals"][1]["version"], 2);
    }
    server.stop().await;
}
