//! The web client's pages and files, embedded in the binary, each served with a
//! Content-Security-Policy that allows no inline script.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use super::App;
use crate::code::normalize_code;

#[derive(RustEmbed)]
#[folder = "web-client/"]
#[exclude = "tests/*"]
#[exclude = "node_modules/*"]
#[exclude = "package*.json"]
#[exclude = "README.md"]
struct Assets;

pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(|| async { page("index") }))
        .route("/host", get(|| async { page("host") }))
        .route("/join/{code}", get(|Path(c): Path<String>| async move { coded(&c, "join") }))
        .route("/screen/{code}", get(|Path(c): Path<String>| async move { coded(&c, "screen") }))
        .route("/scenarios/{id}", get(|| async { page("scenario") }))
        .route("/assets/{*path}", get(|Path(p): Path<String>| async move { asset(&p) }))
        .route("/favicon.ico", get(|| async { asset("icons/favicon.svg") }))
        .fallback(|| async { (StatusCode::NOT_FOUND, secure(), "Not found").into_response() })
}

fn secure() -> [(header::HeaderName, HeaderValue); 4] {
    [
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")),
        (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    ]
}

fn coded(code: &str, name: &'static str) -> Response {
    match normalize_code(code) {
        Some(_) => page(name),
        None => (StatusCode::NOT_FOUND, secure(), "Not found").into_response(),
    }
}

/// A page: the one HTML shell with its page name filled in (title key, module, body class).
fn page(name: &'static str) -> Response {
    match Assets::get("page.html") {
        Some(f) => (
            secure(),
            [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
            String::from_utf8_lossy(&f.data).replace("{{page}}", name),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, secure(), "Not found").into_response(),
    }
}

fn asset(path: &str) -> Response {
    match Assets::get(path) {
        Some(f) => {
            let mime = f.metadata.mimetype().to_string();
            let mime = if mime.starts_with("text/") || mime.contains("javascript") {
                format!("{mime}; charset=utf-8")
            } else {
                mime
            };
            (
                secure(),
                [(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, "no-cache".to_string())],
                f.data.into_owned(),
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, secure(), "Not found").into_response(),
    }
}
