//! The web client's pages and files, embedded in the binary: served compressed, with an
//! entity tag so a browser revalidates with a `304`, and (like every response of the
//! server) with a Content-Security-Policy that allows no inline script.

use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;

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

/// The pages and files of the web client, compressed when the browser accepts gzip. Every
/// response of the server gets the security headers (see [`security_headers`]).
pub fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/", get(|h: HeaderMap| async move { page("index", &h) }))
        .route("/host", get(|h: HeaderMap| async move { page("host", &h) }))
        // The host link (PROTOCOL.md version 2): the token travels in the fragment, never here.
        .route("/host/{code}", get(|Path(c): Path<String>, h: HeaderMap| async move { coded(&c, "host", &h) }))
        // The short address the big screen shows (PROTOCOL.md version 2): type the code there.
        .route("/join", get(|h: HeaderMap| async move { page("index", &h) }))
        .route("/join/", get(|h: HeaderMap| async move { page("index", &h) }))
        .route("/join/{code}", get(|Path(c): Path<String>, h: HeaderMap| async move { coded(&c, "join", &h) }))
        .route("/screen/{code}", get(|Path(c): Path<String>, h: HeaderMap| async move { coded(&c, "screen", &h) }))
        // The printable report (version 2): the host's token comes from the browser's storage.
        .route("/report/{code}", get(|Path(c): Path<String>, h: HeaderMap| async move { coded(&c, "report", &h) }))
        .route("/scenarios/{id}", get(|h: HeaderMap| async move { page("scenario", &h) }))
        .route("/assets/{*path}", get(|Path(p): Path<String>, h: HeaderMap| async move { asset(&p, &h) }))
        .route("/favicon.ico", get(|h: HeaderMap| async move { asset("icons/favicon.svg", &h) }))
        .fallback(|| async { not_found() })
        .layer(CompressionLayer::new())
}

/// Security headers on every response (pages, files, the API, errors): a
/// Content-Security-Policy without inline script, no MIME sniffing, no referrer, no framing.
/// A handler that sets one of them itself keeps its own.
pub fn security_headers<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found").into_response()
}

fn coded(code: &str, name: &'static str, headers: &HeaderMap) -> Response {
    match normalize_code(code) {
        Some(_) => page(name, headers),
        None => not_found(),
    }
}

/// A file of the web client: its bytes, content hash and type.
struct File {
    data: Vec<u8>,
    sha256: [u8; 32],
    mime: String,
}

/// For developers only: `DEMOCREATIE_WEB_DIR=web-client` serves the client's files from
/// that folder, read on every request, so a change to a page needs no rebuild. Only plain
/// relative paths are read (no `..`, no absolute path). Unset, the embedded files are served.
fn web_dir() -> Option<&'static std::path::Path> {
    static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| std::env::var_os("DEMOCREATIE_WEB_DIR").map(Into::into)).as_deref()
}

fn load(path: &str) -> Option<File> {
    if let Some(dir) = web_dir() {
        let plain = std::path::Path::new(path).components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain || path.starts_with("tests/") || path.starts_with("node_modules/") {
            return None;
        }
        let data = std::fs::read(dir.join(path)).ok()?;
        let sha256 = <sha2::Sha256 as sha2::Digest>::digest(&data).into();
        let mime = match path.rsplit('.').next() {
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            Some("html") => "text/html",
            Some("svg") => "image/svg+xml",
            Some("png") => "image/png",
            _ => "application/octet-stream",
        };
        return Some(File { data, sha256, mime: mime.into() });
    }
    Assets::get(path).map(|f| File {
        sha256: f.metadata.sha256_hash(),
        mime: f.metadata.mimetype().to_string(),
        data: f.data.into_owned(),
    })
}

/// A page: the one HTML shell with its page name filled in (title key, module, body class).
fn page(name: &'static str, headers: &HeaderMap) -> Response {
    match load("page.html") {
        Some(f) => {
            let tag = etag(&f.sha256, name);
            let body = String::from_utf8_lossy(&f.data).replace("{{page}}", name);
            validated(headers, tag, "text/html; charset=utf-8".into(), body.into_bytes())
        }
        None => not_found(),
    }
}

fn asset(path: &str, headers: &HeaderMap) -> Response {
    match load(path) {
        Some(f) => {
            let mime = if f.mime.starts_with("text/") || f.mime.contains("javascript") {
                format!("{}; charset=utf-8", f.mime)
            } else {
                f.mime
            };
            validated(headers, etag(&f.sha256, path), mime, f.data)
        }
        None => not_found(),
    }
}

/// An entity tag from the file's content hash (and, for pages, the page's name): it changes
/// exactly when the bytes served change, for example with a new version of the server.
fn etag(sha256: &[u8; 32], salt: &str) -> String {
    let mut h = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(sha256, &mut h);
    std::hash::Hash::hash(salt, &mut h);
    let hex: String = sha256[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}-{:016x}\"", std::hash::Hasher::finish(&h))
}

/// The body with its validator, or `304 Not Modified` when the browser already has it.
/// `no-cache` makes the browser ask every time; the answer is a few bytes when nothing
/// changed, so phones on venue Wi-Fi download each file once.
fn validated(headers: &HeaderMap, tag: String, content_type: String, body: Vec<u8>) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let cache = [(header::ETAG, tag), (header::CACHE_CONTROL, "no-cache".to_string())];
    if fresh {
        (StatusCode::NOT_MODIFIED, cache).into_response()
    } else {
        (cache, [(header::CONTENT_TYPE, content_type)], body).into_response()
    }
}
