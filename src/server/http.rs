//! The HTTP API of PROTOCOL.md. Every refusal is `{"error","message"}` with a 4xx status;
//! nothing a client sends leads to a 500.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use tower_http::trace::TraceLayer;

use super::room::{Refusal, RoomHandle};
use super::{App, web, ws};
use crate::code::normalize_code;
use crate::game::RoomOptions;
use crate::scenario::{self, Language, RoundKind, Scenario};

/// Largest request body: a pasted scenario is at most a few dozen KiB.
pub const MAX_BODY: usize = 256 * 1024;

pub fn router(app: Arc<App>) -> Router {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/api/scenarios", get(list_scenarios))
        .route("/api/scenarios/problems", get(scenario_problems))
        .route("/api/scenarios/check", post(check_scenario))
        .route("/api/scenarios/{id}", get(scenario_detail))
        .route("/api/rooms", post(create_room))
        .route("/api/rooms/{code}", get(room_summary).delete(delete_room))
        .route("/api/rooms/{code}/qr.svg", get(qr))
        .route("/api/rooms/{code}/host-qr.svg", get(host_qr))
        .route("/api/rooms/{code}/{file}", get(report))
        .route("/ws", get(ws::handler))
        .merge(web::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY))
        // A body that trickles in is cut off (slowloris on the body instead of the headers).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(super::edge::BODY_TIMEOUT))
        // Host (DNS rebinding) and Origin, before any handler.
        .layer(axum::middleware::from_fn_with_state(app.clone(), super::edge::guard))
        // Every refusal in the protocol's JSON shape, also those made by axum itself (a
        // path that is not valid percent-encoding, a wrong method, a missing upgrade).
        .layer(axum::middleware::map_response(json_rejections))
        // A span per request (method, path); its events are at debug level, with no body,
        // no query and no headers in them, so nothing personal reaches the log.
        .layer(TraceLayer::new_for_http());
    web::security_headers(router).with_state(app)
}

/// Turns a plain-text refusal into `{"error","message"}` with the same status and headers.
async fn json_rejections(response: Response) -> Response {
    let status = response.status();
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|t| t.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !plain {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_string();
    let code = match status {
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        s if s.is_client_error() => "bad_request",
        _ => "server_error",
    };
    let message = if text.is_empty() { status.canonical_reason().unwrap_or("Refused").to_string() } else { text };
    let mut r = fail(status, code, &message);
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            r.headers_mut().insert(name.clone(), value.clone());
        }
    }
    r
}

/// A refusal: status, code and a sentence.
pub fn fail(status: StatusCode, code: &str, message: &str) -> Response {
    (status, axum::Json(json!({"error": code, "message": message}))).into_response()
}

fn not_found() -> Response {
    fail(StatusCode::NOT_FOUND, "not_found", "There is no such room or scenario.")
}

/// `ok`, or (several nodes) 503 while PostgreSQL does not answer this node: a proxy's
/// health check then sends the rooms' sessions to a node that can serve them.
async fn healthz(State(app): State<Arc<App>>) -> Response {
    match &app.cluster {
        Some(c) if !c.healthy.load(std::sync::atomic::Ordering::Relaxed) => {
            (StatusCode::SERVICE_UNAVAILABLE, "postgres unreachable").into_response()
        }
        _ => "ok".into_response(),
    }
}

/// `/metrics` with `--metrics-token` needs that token; without it, only this machine may
/// read it (a Prometheus on the same host, or an SSH tunnel).
async fn metrics(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let allowed = match &app.config.metrics_token {
        Some(token) => bearer(&headers).is_some_and(|t| super::token_matches(&t, &super::hash_token(token))),
        None => peer.ip().is_loopback(),
    };
    if !allowed {
        let mut r = fail(StatusCode::UNAUTHORIZED, "unauthorized", "The metrics need the metrics token.");
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return r;
    }
    let body = app.metrics.render(app.rooms.len(), app.connections.load(std::sync::atomic::Ordering::Relaxed));
    ([(header::CONTENT_TYPE, super::metrics::CONTENT_TYPE)], body).into_response()
}

async fn list_scenarios(State(app): State<Arc<App>>) -> Response {
    let lib = app.library();
    let list: Vec<Value> = lib
        .iter()
        .map(|e| {
            let s = &e.scenario;
            json!({"id": s.id, "title": s.title, "summary": s.summary, "language": s.language, "gear": s.gear, "moment": s.moment})
        })
        .collect();
    axum::Json(list).into_response()
}

/// Broken files in the scenario folder, so the host page can show them (extension).
async fn scenario_problems(State(app): State<Arc<App>>) -> Response {
    axum::Json(&app.library().problems).into_response()
}

/// A scenario as JSON with every default filled in; card goals only when `with_goals`
/// (a trainer previewing their own pasted text), never for a served scenario.
pub fn scenario_json(s: &Scenario, with_goals: bool) -> Value {
    let mut v = serde_json::to_value(s).expect("scenarios serialise");
    v["gear"] = json!(s.gear);
    v["moment"] = json!(s.moment);
    for role in crate::scenario::Role::ALL {
        let spec = &mut v["roles"][role.code()];
        spec["weight"] = json!(s.roles.get(role).weight);
        for card in spec["cards"].as_array_mut().into_iter().flatten() {
            if !with_goals && let Some(c) = card.as_object_mut() {
                c.remove("goal");
            }
        }
    }
    for (i, r) in s.rounds.iter().enumerate() {
        let rv = &mut v["rounds"][i];
        rv["minutes"] = json!(r.minutes);
        rv["prompt"] = json!(r.prompt);
        rv["prompts"] = json!(r.prompts);
        match r.kind {
            RoundKind::Discussion => {
                rv["notes"] = json!(r.note_kinds());
                rv["draw_event"] = json!(r.draws_event());
            }
            RoundKind::Debrief => rv["notes"] = json!(r.note_kinds()),
            RoundKind::Proposal => rv["proposers"] = json!(r.proposer_roles()),
            _ => {}
        }
    }
    let d = s.decision.resolve();
    v["decision"] = json!({
        "rule": d.rule.code(), "min_support": d.min_support, "min_support_per_role": d.min_support_per_role,
        "max_objections": d.max_objections, "quorum": d.quorum, "secret_ballot": d.secret_ballot,
    });
    v
}

async fn scenario_detail(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    match app.library().get(&id) {
        Some(e) => axum::Json(scenario_json(&e.scenario, false)).into_response(),
        None => not_found(),
    }
}

fn invalid(problems: Vec<scenario::Problem>) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(json!({"ok": false, "errors": problems}))).into_response()
}

/// A body over [`MAX_BODY`] (or unreadable) gets the protocol's error shape too.
fn rejected(r: BytesRejection) -> Response {
    let status = r.status();
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE { "too_large" } else { "bad_request" };
    fail(status, code, "The request body is too large or unreadable (at most 256 KiB).")
}

/// At most this many scenario texts are parsed at once, each on a blocking thread, so a
/// burst of large checks never holds the async workers that serve the rooms.
pub const PARSERS: usize = 2;

/// Parses a pasted scenario off the async workers (at most [`PARSERS`] at a time).
async fn parse_off_workers(app: &App, text: String) -> Result<Scenario, Vec<scenario::Problem>> {
    let _permit = app.parsers.acquire().await.expect("the parser semaphore is never closed");
    tokio::task::spawn_blocking(move || scenario::parse(&text)).await.unwrap_or_else(|_| {
        Err(vec![scenario::Problem { line: 1, column: 1, message: "the text could not be checked".into() }])
    })
}

async fn check_scenario(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(r) => return rejected(r),
    };
    if !app.addresses.may_check(peer.ip()) {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many checks from this address. Wait a moment.",
        );
    }
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return invalid(vec![scenario::Problem { line: 1, column: 1, message: "the text is not UTF-8".into() }]);
    };
    match parse_off_workers(&app, text).await {
        Ok(s) => axum::Json(json!({"ok": true, "id": s.id, "scenario": scenario_json(&s, true)})).into_response(),
        Err(problems) => invalid(problems),
    }
}

/// Whether a request's body is declared JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

async fn create_room(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    // Only JSON: a page elsewhere can send a "simple" text/plain POST without asking, never
    // a JSON one, so this keeps other sites from creating rooms with a visitor's browser.
    if !is_json(&headers) {
        return fail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the room as JSON, with Content-Type: application/json.",
        );
    }
    let body = match body {
        Ok(b) => b,
        Err(r) => return rejected(r),
    };
    // With --facilitator-keys only a facilitator may create rooms.
    if let Some(keys) = &app.facilitator_keys {
        let given = bearer(&headers).unwrap_or_default();
        if !keys.iter().any(|hash| super::token_matches(&given, hash)) {
            app.addresses.failed(peer.ip());
            return fail(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Creating a room on this server needs a facilitator key.",
            );
        }
    }
    if !app.addresses.may_create(peer.ip()) {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many new rooms from this address. Try again later.",
        );
    }
    let bad = |m: &str| fail(StatusCode::BAD_REQUEST, "bad_request", m);
    let Ok(Value::Object(mut req)) = serde_json::from_slice::<Value>(&body) else {
        return bad("The body must be a JSON object.");
    };
    if let Some(k) = req.keys().find(|k| !matches!(k.as_str(), "scenario" | "scenario_toml" | "options")) {
        return bad(&format!("Unknown key `{k}`."));
    }
    let options = match parse_options(req.remove("options")) {
        Ok(o) => o,
        Err(r) => return *r,
    };
    let (scenario, source) = match (req.get("scenario"), req.get("scenario_toml")) {
        (Some(Value::String(id)), None) => match app.library().get(id) {
            Some(e) => (e.scenario.clone(), e.source.to_string()),
            None => {
                return fail(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_scenario",
                    "There is no scenario with this id.",
                );
            }
        },
        (None, Some(Value::String(text))) => match parse_off_workers(&app, text.clone()).await {
            Ok(s) => (Arc::new(s), text.clone()),
            Err(problems) => {
                let body =
                    json!({"error": "invalid_scenario", "message": "The scenario has errors.", "errors": problems});
                return (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(body)).into_response();
            }
        },
        _ => return bad("Give either `scenario` (an id) or `scenario_toml` (a text)."),
    };
    // Several nodes: a new room is in no node's memory yet, so the limit counts the live
    // rooms in PostgreSQL (every node's), not this node's rooms.
    let rooms = match &app.cluster {
        Some(c) => c.store.live_rooms().await.unwrap_or(0),
        None => app.rooms.len(),
    };
    if rooms >= app.config.max_rooms {
        return fail(StatusCode::SERVICE_UNAVAILABLE, "server_busy", "The server has as many rooms as it may hold.");
    }
    match super::directory::create(&app, scenario, &source, options).await {
        Ok((code, host_token)) => {
            let body =
                json!({"room": code, "host_token": host_token, "join_url": format!("{}/join/{code}", app.base_url)});
            (StatusCode::CREATED, axum::Json(body)).into_response()
        }
        Err(super::directory::CreateError::Storage(_)) => storage_unavailable(),
    }
}

fn parse_options(v: Option<Value>) -> Result<RoomOptions, Box<Response>> {
    let bad = |m: &str| Box::new(fail(StatusCode::BAD_REQUEST, "bad_request", m));
    let invalid = |m: &str| Box::new(fail(StatusCode::UNPROCESSABLE_ENTITY, "invalid_options", m));
    let o: Map<String, Value> = match v {
        None | Some(Value::Null) => return Ok(RoomOptions::default()),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(bad("`options` must be an object.")),
    };
    let mut opts = RoomOptions::default();
    for (k, v) in &o {
        match (k.as_str(), v) {
            ("tables", Value::Number(n)) => match n.as_u64() {
                Some(t @ 1..=16) => opts.tables = Some(t as u32),
                _ => return Err(invalid("`tables` must be a whole number from 1 to 16.")),
            },
            ("tables", Value::Null) => {}
            ("perspective_swap", Value::Bool(b)) => opts.perspective_swap = *b,
            ("auto_advance", Value::Bool(b)) => opts.auto_advance = *b,
            ("language", Value::String(l)) => {
                opts.language = Some(match l.as_str() {
                    "nl" => Language::Nl,
                    "en" => Language::En,
                    _ => return Err(invalid("`language` must be \"nl\" or \"en\".")),
                })
            }
            ("language", Value::Null) => {}
            ("secret_ballot", Value::Bool(b)) => opts.secret_ballot = Some(*b),
            ("secret_ballot", Value::Null) => {}
            ("screen_notes", Value::Bool(b)) => opts.screen_notes = *b,
            ("auto_reveal", Value::Bool(b)) => opts.auto_reveal = *b,
            ("easy_read", Value::Bool(b)) => opts.easy_read = *b,
            (
                "tables" | "perspective_swap" | "auto_advance" | "language" | "secret_ballot" | "screen_notes"
                | "auto_reveal" | "easy_read",
                _,
            ) => {
                return Err(bad(&format!("The option `{k}` has the wrong type.")));
            }
            _ => return Err(invalid(&format!("Unknown option `{k}`."))),
        }
    }
    Ok(opts)
}

type Peer = ConnectInfo<std::net::SocketAddr>;

fn too_many() -> Response {
    fail(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many wrong codes or tokens from this address. Wait a minute.",
    )
}

/// Finds a room for an HTTP request from `peer`. Unknown codes count as guesses, with the
/// same per-address budget as WebSocket sessions. A barred address gets 429 before any
/// lookup, unless it brings a token: a valid host token always gets through, anything else
/// is 429 too, so a barred guesser learns nothing.
async fn lookup(
    app: &Arc<App>,
    peer: std::net::IpAddr,
    code: &str,
    token: Option<&str>,
) -> Result<RoomHandle, Response> {
    let barred = app.addresses.guessing(peer);
    if barred && token.is_none() {
        return Err(too_many());
    }
    let refuse = || {
        app.addresses.failed(peer);
        if barred { too_many() } else { not_found() }
    };
    let Some(code) = normalize_code(code) else { return Err(refuse()) };
    match super::directory::find(app, &code).await {
        None => Err(refuse()),
        Some(h) if barred => match h.is_host(token.unwrap_or_default().to_string()).await {
            Ok(()) => Ok(h),
            Err(_) => Err(too_many()),
        },
        Some(h) => Ok(h),
    }
}

/// [`lookup`] for a request that must carry the host token: the room and the token.
async fn lookup_hosted(
    app: &Arc<App>,
    peer: std::net::IpAddr,
    code: &str,
    headers: &HeaderMap,
) -> Result<(RoomHandle, String), Response> {
    let token = bearer(headers);
    let handle = lookup(app, peer, code, token.as_deref()).await?;
    token.map(|t| (handle, t)).ok_or_else(unauthorized)
}

/// A wrong host token counts as a guess too.
fn wrong_token(app: &App, peer: std::net::IpAddr) -> Response {
    app.addresses.failed(peer);
    unauthorized()
}

async fn room_summary(State(app): State<Arc<App>>, ConnectInfo(peer): Peer, Path(code): Path<String>) -> Response {
    let handle = match lookup(&app, peer.ip(), &code, None).await {
        Ok(h) => h,
        Err(r) => return r,
    };
    match handle.summary().await {
        Some(v) => axum::Json(v).into_response(),
        None => not_found(),
    }
}

async fn qr(State(app): State<Arc<App>>, ConnectInfo(peer): Peer, Path(code): Path<String>) -> Response {
    if let Err(r) = lookup(&app, peer.ip(), &code, None).await {
        return r;
    }
    let code = normalize_code(&code).unwrap_or_default();
    qr_svg(&format!("{}/join/{code}", app.base_url))
}

/// The QR code of the host link `{base}/host/CODE#key=TOKEN` (version 2), so a second
/// device can take over the room. The token comes in the `Authorization` header, never in
/// the URL, and the answer is not stored by any cache.
async fn host_qr(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): Peer,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (handle, token) = match lookup_hosted(&app, peer.ip(), &code, &headers).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let code = normalize_code(&code).unwrap_or_default();
    match handle.is_host(token.clone()).await {
        Ok(()) => qr_svg(&format!("{}/host/{code}#key={token}", app.base_url)),
        Err(Refusal::Gone) => not_found(),
        Err(_) => wrong_token(&app, peer.ip()),
    }
}

fn qr_svg(url: &str) -> Response {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(q) => {
            let svg = q
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build();
            ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "no-store")], svg).into_response()
        }
        Err(_) => not_found(),
    }
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    v.strip_prefix("Bearer ").map(|t| t.trim().to_string())
}

fn unauthorized() -> Response {
    let mut r = fail(StatusCode::UNAUTHORIZED, "unauthorized", "This needs the facilitator's host token.");
    r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

async fn report(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): Peer,
    Path((code, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if file == "replay.json" {
        return replay(&app, peer.ip(), &code, &headers).await;
    }
    let Some(format) = file.strip_prefix("report.").filter(|f| matches!(*f, "md" | "json" | "csv")) else {
        return not_found();
    };
    // A finished room that left memory comes back from the store for this, like for a session.
    let (handle, token) = match lookup_hosted(&app, peer.ip(), &code, &headers).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    let code = normalize_code(&code).unwrap_or_default();
    match handle.report(token, format).await {
        Ok((content_type, body)) => {
            let disposition = format!("attachment; filename=\"democreatie-{code}.{format}\"");
            ([(header::CONTENT_TYPE, content_type), (header::CONTENT_DISPOSITION, disposition)], body).into_response()
        }
        Err(Refusal::Unauthorized) => wrong_token(&app, peer.ip()),
        Err(Refusal::StorageUnavailable) => storage_unavailable(),
        Err(Refusal::Gone) => not_found(),
    }
}

/// `GET /api/rooms/{code}/replay.json` (version 2, for the debrief): each table's path,
/// built from the stored log by the store's own replay, so it is the same after a restart
/// and for a finished room. Host token only; hidden notes are in it, marked.
async fn replay(app: &Arc<App>, peer: std::net::IpAddr, code: &str, headers: &HeaderMap) -> Response {
    let (handle, token) = match lookup_hosted(app, peer, code, headers).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    match handle.is_host(token).await {
        Ok(()) => {}
        Err(Refusal::Unauthorized) => return wrong_token(app, peer),
        Err(Refusal::StorageUnavailable) => return storage_unavailable(),
        Err(Refusal::Gone) => return not_found(),
    }
    let code = normalize_code(code).unwrap_or_default();
    let stored = match app.store.load_room(&code).await {
        Ok(Ok(Some(stored))) => stored,
        Ok(Ok(None)) => return not_found(),
        _ => return storage_unavailable(),
    };
    let built = tokio::task::spawn_blocking(move || crate::report::path::path(&stored, &code, true)).await;
    match built {
        Ok(Ok(v)) => axum::Json(v).into_response(),
        _ => fail(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "This room's log cannot be replayed."),
    }
}

/// 503 when the store does not take a write: nothing changed, and trying again later may work.
fn storage_unavailable() -> Response {
    fail(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
        "The server cannot save this right now. Nothing was changed. Please try again soon.",
    )
}

async fn delete_room(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): Peer,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (handle, token) = match lookup_hosted(&app, peer.ip(), &code, &headers).await {
        Ok(found) => found,
        Err(r) => return r,
    };
    match handle.delete(token).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(Refusal::Unauthorized) => wrong_token(&app, peer.ip()),
        Err(Refusal::StorageUnavailable) => storage_unavailable(),
        Err(Refusal::Gone) => not_found(),
    }
}
