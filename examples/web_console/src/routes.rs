//! The routes: the page's files (embedded at build time) and `POST /api/connect`, every
//! answer with the security headers.

use bytes::Bytes;
use http::header::{
    ALLOW, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderName, HeaderValue, ORIGIN,
    REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde_json::json;

use crate::config::Config;
use crate::connect::{ConnectError, ConnectRequest, Minter};

/// The largest `/api/connect` body read.
const MAX_BODY_BYTES: usize = 4096;

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// `static/FILE` served at `/FILE`: path, media type, bytes.
macro_rules! asset {
    ($file:literal, $media_type:expr) => {
        (
            concat!("/", $file),
            $media_type,
            include_bytes!(concat!("../static/", $file)) as &[u8],
        )
    };
}

/// The page's files, embedded at build time: nothing else is served, nothing fetched.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("/", HTML, include_bytes!("../static/index.html")),
    asset!("app.js", JS),
    asset!("shell.js", JS),
    asset!("style.css", CSS),
    asset!("vendor/xterm.js", JS),
    asset!("vendor/xterm.css", CSS),
    asset!("vendor/addon-fit.js", JS),
    asset!("vendor/LICENSE.xterm", TEXT),
    asset!("vendor/LICENSE.addon-fit", TEXT),
];

/// What every request shares.
pub(crate) struct State {
    pub(crate) config: Config,
    pub(crate) minter: Minter,
    /// The `Content-Security-Policy` of every answer.
    pub(crate) csp: HeaderValue,
}

impl State {
    pub(crate) fn new(config: Config, minter: Minter) -> State {
        // Scripts from here only; sockets to here and to the data plane. Styles from here and
        // inline: xterm.js's DOM renderer writes `<style>` elements (its theme, the cell
        // size), which no hash can name in advance.
        let csp = format!(
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self'; \
             connect-src 'self' {}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            config.websocket_origin()
        );
        let csp = HeaderValue::from_str(&csp).expect("the policy is ASCII");
        State {
            config,
            minter,
            csp,
        }
    }
}

type Answer = Response<Full<Bytes>>;

pub(crate) async fn handle(state: &State, request: Request<Incoming>) -> Answer {
    let path = request.uri().path();
    let asset = ASSETS.iter().find(|(p, _, _)| *p == path);
    let mut answer = match (request.method(), asset) {
        (&Method::GET | &Method::HEAD, Some((_, media_type, bytes))) => {
            let mut answer = Response::new(Full::new(Bytes::from_static(bytes)));
            set(&mut answer, CONTENT_TYPE, *media_type);
            set(&mut answer, CACHE_CONTROL, "no-cache");
            answer
        }
        (_, Some(_)) => not_allowed("GET, HEAD"),
        (&Method::POST, None) if path == "/api/connect" => connect(state, request).await,
        (_, None) if path == "/api/connect" => not_allowed("POST"),
        _ => error(StatusCode::NOT_FOUND, "not found"),
    };
    set(&mut answer, CONTENT_SECURITY_POLICY, state.csp.clone());
    set(&mut answer, X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(&mut answer, X_FRAME_OPTIONS, "DENY");
    // A presigned URL is a credential: it must never leave in a Referer.
    set(&mut answer, REFERRER_POLICY, "no-referrer");
    let coop = HeaderName::from_static("cross-origin-opener-policy");
    set(&mut answer, coop, "same-origin");
    let corp = HeaderName::from_static("cross-origin-resource-policy");
    set(&mut answer, corp, "same-origin");
    answer
}

/// `POST /api/connect`: same origin only, JSON only, small; a URL or why not.
async fn connect(state: &State, request: Request<Incoming>) -> Answer {
    // Browsers send `Origin` with every POST: a page of another site (or a rebound DNS
    // name) is refused here. Not answering CORS already keeps the URL from such a page;
    // this keeps the backend from minting it at all.
    let origin = request.headers().get(ORIGIN).and_then(|o| o.to_str().ok());
    if !origin.is_some_and(|o| state.config.origins.iter().any(|allowed| allowed == o)) {
        return error(StatusCode::FORBIDDEN, "cross-origin request refused");
    }
    let json = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("application/json"));
    if !json {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "send application/json");
    }
    let Ok(body) = Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    else {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "the request is too large");
    };
    let ask: ConnectRequest = match serde_json::from_slice(&body.to_bytes()) {
        Ok(ask) => ask,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("bad request: {e}")),
    };
    let mut answer = match state.minter.mint(ask).await {
        Ok(grant) => {
            eprintln!(
                "web_console: a {} {} URL for session {}",
                grant.auth, grant.target, grant.session_id
            );
            let mut answer = Response::new(Full::new(Bytes::from(
                serde_json::to_vec(&grant).expect("a grant serializes"),
            )));
            set(&mut answer, CONTENT_TYPE, "application/json");
            answer
        }
        Err(ConnectError::BadRequest(why)) => error(StatusCode::BAD_REQUEST, &why),
        Err(ConnectError::Unavailable(e)) => {
            eprintln!("web_console: cannot mint a URL: {e}");
            let why = "the console cannot sign a URL now; its log says why";
            error(StatusCode::BAD_GATEWAY, why)
        }
    };
    set(&mut answer, CACHE_CONTROL, "no-store");
    answer
}

fn not_allowed(allow: &'static str) -> Answer {
    let mut answer = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    set(&mut answer, ALLOW, allow);
    answer
}

/// `{"error": why}` with `status`.
fn error(status: StatusCode, why: &str) -> Answer {
    let body = json!({ "error": why }).to_string();
    let mut answer = Response::new(Full::new(Bytes::from(body)));
    *answer.status_mut() = status;
    set(&mut answer, CONTENT_TYPE, "application/json");
    answer
}

fn set(answer: &mut Answer, name: HeaderName, value: impl TryInto<HeaderValue>) {
    if let Ok(value) = value.try_into() {
        answer.headers_mut().insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_loads_only_what_is_served() {
        let page = std::str::from_utf8(ASSETS[0].2).unwrap();
        for (path, media_type, bytes) in &ASSETS[1..] {
            assert!(!bytes.is_empty(), "{path}");
            if *media_type == JS || *media_type == CSS {
                assert!(
                    page.contains(&format!("\"{path}\"")),
                    "the page does not load {path}"
                );
            }
        }
        let paths: std::collections::HashSet<_> = ASSETS.iter().map(|a| a.0).collect();
        assert_eq!(paths.len(), ASSETS.len());
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "nothing from elsewhere"
        );
    }
}
