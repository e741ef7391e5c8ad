//! democreatie: play the DemoCreatiespel online.
//!
//! # Layout
//!
//! - [`code`]: room codes, and how a typed code is read.
//! - [`scenario`]: the case format (TOML), validation with line and column, JSON Schema, and
//!   the library of cases on offer.
//! - [`game`]: the rules of one room as a pure state machine. Knows no sockets, files or
//!   clocks; all randomness comes from one seeded generator per room.
//! - [`server`]: HTTP API, WebSocket sessions and one actor task per room (axum, tokio).
//! - [`store`]: the event log and room records in SQLite; replay after a restart.
//! - [`report`]: session reports as Markdown, JSON and CSV.

pub mod code;
pub mod game;
pub mod report;
pub mod scenario;
pub mod server;
pub mod store;
