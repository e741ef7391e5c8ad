//! placeholder
use std::process::ExitCode;
#[derive(clap::Args, Debug, Clone)]
pub struct Config {}
pub fn main(_c: Config) -> ExitCode {
    ExitCode::FAILURE
}
