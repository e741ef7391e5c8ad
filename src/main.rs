//! The `democreatie` command: `serve` (the default), `scenario check|schema|list`, `report`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use democreatie::scenario::{self, Library};

// mimalloc instead of glibc malloc: glibc's per-thread arenas keep freed memory, and the
// server's RSS per idle connection was the figure to bring down (docs/performance.md).
// Built without transparent huge pages (`no_thp` in Cargo.toml): with them its arenas
// are resident in 2 MiB pieces, 14-15 instead of 11 KiB per idle connection at 2,000
// participants, for no CPU we could measure.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "democreatie", version, about = "Play the DemoCreatiespel online: a workshop server for facilitators")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
    /// With no command, `democreatie` serves with these settings.
    #[command(flatten)]
    serve: democreatie::server::Config,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the server (the default when no command is given).
    Serve(democreatie::server::Config),
    /// Check, describe or list case scenarios.
    #[command(subcommand)]
    Scenario(ScenarioCmd),
    /// Describe the WebSocket protocol.
    #[command(subcommand)]
    Protocol(ProtocolCmd),
    /// Print a room's session report from the data directory.
    Report {
        /// The room code.
        code: String,
        #[arg(long, default_value = "./data", env = "DEMOCREATIE_DATA_DIR")]
        data_dir: PathBuf,
        /// A database file to read instead of the one in the data directory (for example
        /// one the server moved aside as damaged). It is only read, never changed.
        #[arg(long)]
        database: Option<PathBuf>,
        #[arg(long, default_value = "md", value_parser = ["md", "json", "csv"])]
        format: String,
    },
}

#[derive(Subcommand)]
enum ProtocolCmd {
    /// JSON Schema of every WebSocket message, both ways, on stdout.
    Schema,
}

#[derive(Subcommand)]
enum ScenarioCmd {
    /// Check scenario files; errors go to stderr as FILE:LINE:COLUMN: message.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of the scenario format (for `#:schema` in editors).
    Schema,
    /// List the scenarios the server would offer: id, language, title.
    List {
        #[arg(long, env = "DEMOCREATIE_SCENARIOS")]
        scenarios: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        None => democreatie::server::main(cli.serve),
        Some(Cmd::Serve(config)) => democreatie::server::main(config),
        Some(Cmd::Scenario(ScenarioCmd::Check { files })) => {
            let (ok, problems) = scenario::check_files(&files);
            for p in &problems {
                eprintln!("{p}");
            }
            for (path, s, _) in &ok {
                if !problems.iter().any(|p| p.file == path.display().to_string()) {
                    println!("{}: ok ({})", path.display(), s.id);
                }
            }
            if problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
        }
        Some(Cmd::Scenario(ScenarioCmd::Schema)) => {
            let text = serde_json::to_string_pretty(scenario::schema()).expect("a schema serialises");
            println!("{text}");
            ExitCode::SUCCESS
        }
        Some(Cmd::Scenario(ScenarioCmd::List { scenarios })) => {
            let lib = Library::load(scenarios.as_deref());
            for p in &lib.problems {
                eprintln!("{p}");
            }
            for e in lib.iter() {
                println!("{}\t{}\t{}", e.scenario.id, e.scenario.language.code(), e.scenario.title);
            }
            ExitCode::SUCCESS
        }
        Some(Cmd::Protocol(ProtocolCmd::Schema)) => {
            let text = serde_json::to_string_pretty(&democreatie::server::wire::schema()).expect("a schema serialises");
            println!("{text}");
            ExitCode::SUCCESS
        }
        Some(Cmd::Report { code, data_dir, database, format }) => {
            democreatie::report::cli(&code, &data_dir, database.as_deref(), &format)
        }
    }
}
