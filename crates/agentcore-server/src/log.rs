//! Logs: `tracing` spans per request carrying `requestId` and `sessionId`, and the JSON
//! line format AgentCore's log pipeline expects.
//!
//! Each request runs in a span (`invocation` or `websocket`) with the fields `requestId`
//! and `sessionId`, so any `tracing` subscriber sees them. [`init`] installs one that
//! writes, in a container, one JSON object per line:
//!
//! ```text
//! {"timestamp":"2026-11-21T23:59:46.067Z","level":"INFO","message":"Invocation completed","logger":"agentcore_server::handler","requestId":"…","sessionId":"…"}
//! ```
//!
//! and for an error also `errorType`, `errorMessage`, `stackTrace` (a list of strings:
//! the error and its sources) and `location`. Elsewhere it writes readable lines. The
//! level comes from `RUST_LOG` (default `info`; with the `mcp` feature `info,rmcp=warn`).
//! Payloads, responses, tokens and credentials are never logged by this crate.

use std::fmt::{self, Write as _};
use std::time::{SystemTime, UNIX_EPOCH};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber, span};
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::{SubscriberInitExt, TryInitError};
use tracing_subscriber::{EnvFilter, Layer};

/// The span field naming the request id.
///
/// ```
/// assert_eq!(agentcore_server::log::REQUEST_ID_FIELD, "requestId");
/// ```
pub const REQUEST_ID_FIELD: &str = "requestId";
/// The span field naming the session id.
///
/// ```
/// assert_eq!(agentcore_server::log::SESSION_ID_FIELD, "sessionId");
/// ```
pub const SESSION_ID_FIELD: &str = "sessionId";

/// How log lines are written.
///
/// ```
/// use agentcore_server::log::Format;
///
/// let format = Format::detect();
/// assert!(matches!(format, Format::Json | Format::Text));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// One JSON object per line (the AgentCore format).
    Json,
    /// Readable text, for local runs.
    Text,
}

impl Format {
    /// JSON in a container (`/.dockerenv` exists or `DOCKER_CONTAINER` is set), else text.
    ///
    /// ```
    /// use agentcore_server::log::Format;
    ///
    /// let in_container = std::path::Path::new("/.dockerenv").exists()
    ///     || std::env::var_os("DOCKER_CONTAINER").is_some_and(|v| !v.is_empty());
    /// let expected = if in_container { Format::Json } else { Format::Text };
    /// assert_eq!(Format::detect(), expected);
    /// ```
    pub fn detect() -> Self {
        if crate::config::in_container() {
            Self::Json
        } else {
            Self::Text
        }
    }
}

/// Installs the global subscriber: [`Format::detect`], level from `RUST_LOG` (default
/// `info`), to standard output. Fails if a global subscriber is already installed.
///
/// ```no_run
/// agentcore_server::log::init().expect("logging");
/// ```
pub fn init() -> Result<(), TryInitError> {
    init_with(Format::detect(), std::io::stdout)
}

/// Installs the global subscriber with this format and writer.
///
/// ```
/// use agentcore_server::log::{Format, init_with};
///
/// init_with(Format::Json, std::io::stderr).expect("the first subscriber");
/// tracing::info!("ready");
/// assert!(init_with(Format::Text, std::io::stderr).is_err()); // only one global subscriber
/// ```
pub fn init_with<W>(format: Format, writer: W) -> Result<(), TryInitError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    // RUST_LOG's filter lets the request spans through whatever it says: their ids are on
    // every line, and (feature `otel`) their server spans are exported.
    let filter = level_filter().or(filter_fn(is_request_span));
    #[cfg(feature = "otel")]
    let layers = RequestIdLayer.and_then(crate::otel::layers(is_request_span));
    #[cfg(not(feature = "otel"))]
    let layers = RequestIdLayer;
    match format {
        Format::Json => {
            let lines = tracing_subscriber::fmt::layer()
                .event_format(JsonFormat)
                .with_writer(writer);
            let layers = layers.and_then(lines).with_filter(filter);
            tracing_subscriber::registry().with(layers).try_init()
        }
        Format::Text => {
            let lines = tracing_subscriber::fmt::layer().with_writer(writer);
            let layers = layers.and_then(lines).with_filter(filter);
            tracing_subscriber::registry().with(layers).try_init()
        }
    }
}

/// The filter of `RUST_LOG`, else [`DEFAULT_FILTER`].
fn level_filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// A request span (or an MCP session's), whatever `RUST_LOG` says.
fn is_request_span(metadata: &tracing::Metadata<'_>) -> bool {
    metadata.is_span() && metadata.target() == module_path!()
}

/// The level filter without `RUST_LOG`: `info`; with the `mcp` feature, rmcp's own
/// events only from `warn` (it logs three `info` lines per stateless request).
#[cfg(not(feature = "mcp"))]
const DEFAULT_FILTER: &str = "info";
#[cfg(feature = "mcp")]
const DEFAULT_FILTER: &str = "info,rmcp=warn";

/// The ids a request span carries, kept for the JSON formatter.
#[derive(Debug, Default, Clone)]
struct RequestIds {
    request_id: Option<String>,
    session_id: Option<String>,
}

impl Visit for RequestIds {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            REQUEST_ID_FIELD => self.request_id = Some(value.to_owned()),
            SESSION_ID_FIELD => self.session_id = Some(value.to_owned()),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// Keeps `requestId` and `sessionId` of spans in their extensions.
struct RequestIdLayer;

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for RequestIdLayer {
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut ids = RequestIds::default();
        attrs.record(&mut ids);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(ids);
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut extensions = span.extensions_mut();
            if let Some(ids) = extensions.get_mut::<RequestIds>() {
                values.record(ids);
            }
        }
    }
}

/// The fields of one event.
#[derive(Default)]
struct EventFields {
    message: String,
    error_type: Option<String>,
    error_message: Option<String>,
    stack_trace: Option<String>,
    other: Vec<(&'static str, String)>,
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_owned(),
            "error_type" => self.error_type = Some(value.to_owned()),
            "error_message" => self.error_message = Some(value.to_owned()),
            "stack_trace" => self.stack_trace = Some(value.to_owned()),
            name => self.other.push((name, value.to_owned())),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// The AgentCore JSON line format.
struct JsonFormat;

impl<S, N> FormatEvent<S, N> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = EventFields::default();
        event.record(&mut fields);
        let mut ids = RequestIds::default();
        if let Some(scope) = ctx.event_scope() {
            for span in scope {
                if let Some(found) = span.extensions().get::<RequestIds>() {
                    ids.request_id = ids.request_id.or_else(|| found.request_id.clone());
                    ids.session_id = ids.session_id.or_else(|| found.session_id.clone());
                }
            }
        }
        let metadata = event.metadata();
        let mut message = fields.message;
        for (name, value) in &fields.other {
            let _ = write!(message, " {name}={value}");
        }
        let is_error = *metadata.level() == Level::ERROR || fields.error_type.is_some();
        #[cfg(feature = "otel")]
        let trace = crate::otel::current_ids();
        #[cfg(feature = "otel")]
        let (trace_id, span_id) = trace
            .as_ref()
            .map(|ids| (ids.trace_id(), ids.span_id()))
            .unzip();
        #[cfg(not(feature = "otel"))]
        let (trace_id, span_id) = (None, None);
        let line = LogLine {
            timestamp: timestamp(SystemTime::now()),
            level: level_name(*metadata.level()),
            message,
            logger: metadata.target(),
            request_id: ids.request_id,
            session_id: ids.session_id,
            trace_id,
            span_id,
            error_type: fields.error_type,
            error_message: fields.error_message,
            stack_trace: is_error.then(|| {
                fields
                    .stack_trace
                    .as_deref()
                    .map(|t| t.lines().map(str::to_owned).collect())
                    .unwrap_or_default()
            }),
            location: is_error.then(|| match (metadata.file(), metadata.line()) {
                (Some(file), Some(line)) => format!("{file}:{line}"),
                _ => metadata.target().to_owned(),
            }),
        };
        let json = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{json}")
    }
}

/// One log line, its keys in the contract's order whatever serde_json's map type is.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct LogLine<'a> {
    timestamp: String,
    level: &'static str,
    message: String,
    logger: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    span_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stack_trace: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<String>,
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::ERROR => "ERROR",
        Level::WARN => "WARNING",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}

/// `2026-11-21T23:59:46.067Z`.
pub(crate) fn timestamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A request span: its name and the request's ids.
macro_rules! span_of {
    ($name:literal, $context:expr) => {
        tracing::info_span!(
            $name,
            requestId = %$context.request_id,
            sessionId = $context.session_id.as_deref().map(tracing::field::display),
        )
    };
}

/// The span of one request, carrying its ids; with the `otel` feature, the server span
/// continuing the caller's trace (from `headers`) goes with it.
pub(crate) fn request_span(
    name: &'static str,
    context: &crate::context::RequestContext,
    headers: &http::HeaderMap,
) -> tracing::Span {
    let (span, route) = match name {
        "websocket" => (span_of!("websocket", context), "/ws"),
        #[cfg(feature = "a2a")]
        "a2a" => (span_of!("a2a", context), "/"),
        #[cfg(feature = "mcp")]
        "mcp" => (span_of!("mcp", context), "/mcp"),
        _ => (span_of!("invocation", context), "/invocations"),
    };
    #[cfg(feature = "otel")]
    crate::otel::start(&span, name, route, headers, context);
    #[cfg(not(feature = "otel"))]
    let _ = (route, headers);
    span
}

/// Logs, in `span`, that its request was answered with `status`, `started` ago.
pub(crate) fn request_completed(
    span: &tracing::Span,
    status: http::StatusCode,
    started: std::time::Instant,
    message: &'static str,
) {
    #[cfg(feature = "otel")]
    crate::otel::completed(span, status);
    span.in_scope(|| {
        tracing::info!(
            status = status.as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            "{message}"
        );
    });
}

/// Records, on a WebSocket session's span, how its handshake was answered (101 when
/// accepted).
pub(crate) fn handshake_answered(span: &tracing::Span, status: http::StatusCode) {
    #[cfg(feature = "otel")]
    crate::otel::completed(span, status);
    #[cfg(not(feature = "otel"))]
    let _ = (span, status);
}

/// The span of a stateful MCP session, started by one request and serving the later
/// ones: it carries the runtime session id only.
#[cfg(feature = "mcp")]
pub(crate) fn session_span(context: &crate::context::RequestContext) -> tracing::Span {
    tracing::info_span!(
        "mcp_session",
        sessionId = context.session_id.as_deref().map(tracing::field::display),
    )
}

/// Logs a failed handler (its error type, message and chain; never the payload).
pub(crate) fn handler_failed(
    what: &str,
    error_type: &str,
    error: &(dyn std::error::Error + 'static),
) {
    tracing::error!(
        error_type,
        error_message = %error,
        stack_trace = %error_chain(error),
        "{what} failed"
    );
}

/// The error chain, one line each, as the `stack_trace` field of an error event.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(chain, "\ncaused by: {cause}");
        source = cause.source();
    }
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        let at = |secs: u64, millis: u64| {
            timestamp(UNIX_EPOCH + Duration::from_millis(secs * 1000 + millis))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(1_795_305_586, 67), "2026-11-21T23:59:46.067Z");
        assert_eq!(at(951_782_400, 999), "2000-02-29T00:00:00.999Z");
        assert_eq!(at(4_107_542_399, 1), "2100-02-28T23:59:59.001Z");
    }
}
