//! The command line: `scenario check|schema|list` as trainers and scripts use them.

use std::process::Command;

fn democreatie(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_democreatie")).args(args).output().expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn scenario_check_exits_0_for_valid_files_and_1_with_file_line_column_otherwise() {
    let (code, out, err) = democreatie(&["scenario", "check", "scenarios/skatebaan.toml", "scenarios/buurthuis.toml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("scenarios/skatebaan.toml: ok (skatebaan)"));
    let (code, _, err) =
        democreatie(&["scenario", "check", "scenarios/skatebaan.toml", "tests/scenarios/broken-many.toml"]);
    assert_eq!(code, 1);
    let first = err.lines().next().unwrap();
    assert_eq!(
        first,
        "tests/scenarios/broken-many.toml:1:6: `id` may use only lowercase letters a-z, digits and `-` (at most 48)"
    );
    assert_eq!(err.lines().count(), 18, "every problem, one per line:\n{err}");
    let (code, _, err) = democreatie(&["scenario", "check", "no/such/file.toml"]);
    assert_eq!(code, 1);
    assert!(err.starts_with("no/such/file.toml:1:1: cannot read the file"), "{err}");
}

#[test]
fn scenario_schema_and_list_describe_what_the_server_offers() {
    let (code, out, _) = democreatie(&["scenario", "schema"]);
    assert_eq!(code, 0);
    let schema: serde_json::Value = serde_json::from_str(&out).expect("the schema is JSON");
    assert_eq!(schema["title"], "democreatie scenario");
    let (code, out, _) = democreatie(&["scenario", "list"]);
    assert_eq!(code, 0);
    assert!(out.lines().any(|l| l == "skatebaan\tnl\tDe skatebaan in het Wilgenpark"), "{out}");
    assert!(out.lines().all(|l| l.split('\t').count() == 3));
}
