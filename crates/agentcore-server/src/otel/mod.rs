//! Feature `otel`: OpenTelemetry traces over OTLP/HTTP (protobuf), continuing the
//! caller's trace.
//!
//! [`crate::log::init`] installs, besides the log lines, the OpenTelemetry SDK's tracer
//! provider, its spans exported in batches by `opentelemetry-otlp`, configured by the
//! standard variables: `OTEL_EXPORTER_OTLP_ENDPOINT` (default `http://localhost:4318`,
//! `/v1/traces` appended), `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is),
//! `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_EXPORTER_OTLP_TIMEOUT`, `OTEL_SERVICE_NAME`,
//! `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER` (and `_ARG`), `OTEL_BSP_*`. With
//! `OTEL_SDK_DISABLED=true` nothing is installed and nothing exported.
//!
//! Every invocation, WebSocket session, MCP and A2A request runs in a server span whose
//! parent is the caller's: W3C `traceparent`/`tracestate`, else `X-Amzn-Trace-Id`. It
//! carries `session.id`, `aws.agentcore.request_id`, `http.route`,
//! `http.response.status_code` and the gateway routing experiment of the baggage
//! (`aws.agentcore.gateway.routing_experiment_arn`, `…_variant_name`); never a payload,
//! a token or another header's value. The request's own server span is started on the
//! SDK's tracer directly (it is on every request's path: a `tracing` span bridged by
//! `tracing-opentelemetry` costs twice as much), and its context is the current
//! OpenTelemetry context whenever the request's `tracing` span is entered. So the
//! handler's own `tracing` spans, bridged by `tracing-opentelemetry`, are its children,
//! and a client call made there carries the trace and the baggage on.
//! [`App::run`](crate::App::run) flushes the spans at the end of a graceful shutdown;
//! with [`App::serve`](crate::App::serve), call [`flush`] yourself.
//!
//! `RUST_LOG` filters the log lines and the handler's spans, never the server spans.
//! Only the trace spans go to OpenTelemetry, not the log events (their fields may hold
//! what the handler logged).

use std::cell::RefCell;
use std::sync::OnceLock;

use agentcore_contract::headers;
use http::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use tracing::{Subscriber, span};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::Context as LayerContext;
use tracing_subscriber::registry::{LookupSpan, SpanData as _};

/// The instrumentation scope of the spans this crate starts.
const SCOPE: &str = "agentcore-server";

/// The span attribute naming the runtime session id.
pub const SESSION_ID_ATTRIBUTE: &str = "session.id";
/// The span attribute naming the request id.
pub const REQUEST_ID_ATTRIBUTE: &str = "aws.agentcore.request_id";
/// The span attribute naming the route (`/invocations`, `/ws`, `/mcp`, `/`).
pub const ROUTE_ATTRIBUTE: &str = "http.route";
/// The span attribute naming the response's HTTP status (for a WebSocket, the
/// handshake's: 101 when it was accepted).
pub const STATUS_ATTRIBUTE: &str = "http.response.status_code";
/// The span attribute naming the gateway routing experiment's ARN (from the baggage).
pub const ROUTING_EXPERIMENT_ARN_ATTRIBUTE: &str = "aws.agentcore.gateway.routing_experiment_arn";
/// The span attribute naming the gateway routing experiment's variant (from the baggage).
pub const ROUTING_EXPERIMENT_VARIANT_ATTRIBUTE: &str =
    "aws.agentcore.gateway.routing_experiment_variant_name";

/// The tracer provider and this crate's tracer, once installed.
static INSTALLED: OnceLock<(SdkTracerProvider, SdkTracer)> = OnceLock::new();

/// `OTEL_SDK_DISABLED` is `true` (any case), as the specification reads it.
fn sdk_disabled() -> bool {
    std::env::var("OTEL_SDK_DISABLED").is_ok_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

/// The layers that export: the handler's spans through `tracing-opentelemetry`, and
/// [`ServerSpans`] for the request spans (those `is_request_span` names; an MCP
/// session's span is exported by neither, a session being no request). `None` with `OTEL_SDK_DISABLED=true`, when the exporter
/// cannot be built (reported on standard error) or when a provider is already installed.
pub(crate) fn layers<S>(
    is_request_span: fn(&tracing::Metadata<'_>) -> bool,
) -> Option<impl Layer<S>>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if sdk_disabled() || INSTALLED.get().is_some() {
        return None;
    }
    let exporter = match opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .build()
    {
        Ok(exporter) => exporter,
        Err(err) => {
            eprintln!("agentcore-server: no OpenTelemetry exporter: {err}");
            return None;
        }
    };
    // The SDK's default resource reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
    // its default sampler OTEL_TRACES_SAMPLER; the batch processor OTEL_BSP_*.
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .build();
    let tracer = provider.tracer(SCOPE);
    if INSTALLED.set((provider.clone(), tracer.clone())).is_err() {
        return None;
    }
    opentelemetry::global::set_tracer_provider(provider);
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
    let handler_spans = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_location(false)
        .with_threads(false)
        .with_filter(filter_fn(move |metadata| {
            metadata.is_span() && !is_request_span(metadata)
        }));
    Some(handler_spans.and_then(ServerSpans))
}

/// The SDK's tracer, when spans are exported.
fn tracer() -> Option<&'static SdkTracer> {
    INSTALLED.get().map(|(_, tracer)| tracer)
}

/// Exports the spans that ended and are still buffered; waits for the exporter. Call it
/// before the process exits when you serve with [`App::serve`](crate::App::serve) or
/// [`App::serve_with_shutdown`](crate::App::serve_with_shutdown) (`App::run` does).
/// Nothing happens when no exporter is installed.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// agentcore_server::otel::flush().await;
/// # }
/// ```
pub async fn flush() {
    if let Some((provider, _)) = INSTALLED.get() {
        let provider = provider.clone();
        let _ = tokio::task::spawn_blocking(move || provider.force_flush()).await;
    }
}

/// Flushes, then shuts the exporter down: spans ended later are dropped.
pub(crate) async fn shutdown() {
    if let Some((provider, _)) = INSTALLED.get() {
        let provider = provider.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let _ = provider.force_flush();
            provider.shutdown()
        })
        .await;
    }
}

/// The OpenTelemetry context of a request span (its server span, the caller's baggage),
/// kept in the `tracing` span's extensions.
struct ServerSpan(Context);

/// Starts the server span of the request whose `tracing` span is `span`, continuing the
/// caller's trace (`traceparent`, else `X-Amzn-Trace-Id`), with the request's attributes.
pub(crate) fn start(
    span: &tracing::Span,
    name: &'static str,
    route: &'static str,
    request_headers: &HeaderMap,
    context: &crate::context::RequestContext,
) {
    let Some(tracer) = tracer() else {
        return;
    };
    let parent = parent(request_headers);
    let mut attributes = Vec::with_capacity(6);
    attributes.push(KeyValue::new(ROUTE_ATTRIBUTE, route));
    attributes.push(KeyValue::new(
        REQUEST_ID_ATTRIBUTE,
        context.request_id.clone(),
    ));
    if let Some(session) = &context.session_id {
        attributes.push(KeyValue::new(SESSION_ID_ATTRIBUTE, session.clone()));
    }
    if let Some(experiment) = &context.routing_experiment {
        if let Some(arn) = &experiment.arn {
            attributes.push(KeyValue::new(ROUTING_EXPERIMENT_ARN_ATTRIBUTE, arn.clone()));
        }
        if let Some(variant) = &experiment.variant_name {
            attributes.push(KeyValue::new(
                ROUTING_EXPERIMENT_VARIANT_ATTRIBUTE,
                variant.clone(),
            ));
        }
    }
    let server_span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Server)
        .with_attributes(attributes)
        .start_with_context(tracer, &parent);
    let cx = parent.with_span(server_span);
    with_extensions(span, |extensions| extensions.insert(ServerSpan(cx)));
}

/// Records the response's status on the request's server span (an error status from
/// 500 on).
pub(crate) fn completed(span: &tracing::Span, status: http::StatusCode) {
    if tracer().is_none() {
        return;
    }
    with_extensions(span, |extensions| {
        if let Some(ServerSpan(cx)) = extensions.get_mut::<ServerSpan>() {
            let server_span = cx.span();
            server_span.set_attribute(KeyValue::new(STATUS_ATTRIBUTE, i64::from(status.as_u16())));
            if status.is_server_error() {
                server_span.set_status(Status::error(
                    status.canonical_reason().unwrap_or("server error"),
                ));
            }
        }
    });
}

/// Runs `f` on the extensions of `span` in the registry, when it is enabled.
fn with_extensions(
    span: &tracing::Span,
    f: impl FnOnce(&mut tracing_subscriber::registry::ExtensionsMut<'_>),
) {
    span.with_subscriber(|(id, dispatch)| {
        if let Some(data) = dispatch
            .downcast_ref::<tracing_subscriber::Registry>()
            .and_then(|registry| registry.span_data(id))
        {
            f(&mut data.extensions_mut());
        }
    });
}

thread_local! {
    /// The contexts attached while their request span is entered on this thread.
    static ATTACHED: RefCell<Vec<(span::Id, opentelemetry::ContextGuard)>> =
        const { RefCell::new(Vec::new()) };
}

/// Makes a request's server span the current OpenTelemetry context while its `tracing`
/// span is entered, and ends it when that closes (other spans have no [`ServerSpan`]).
pub(crate) struct ServerSpans;

impl<S> Layer<S> for ServerSpans
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_enter(&self, id: &span::Id, ctx: LayerContext<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let cx = match span.extensions().get::<ServerSpan>() {
            Some(ServerSpan(cx)) => cx.clone(),
            None => return,
        };
        let guard = cx.attach();
        ATTACHED.with(|attached| attached.borrow_mut().push((id.clone(), guard)));
    }

    fn on_exit(&self, id: &span::Id, _ctx: LayerContext<'_, S>) {
        ATTACHED.with(|attached| {
            let mut attached = attached.borrow_mut();
            if let Some(at) = attached.iter().rposition(|(entered, _)| entered == id) {
                drop(attached.remove(at));
            }
        });
    }

    fn on_close(&self, id: span::Id, ctx: LayerContext<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(ServerSpan(cx)) = span.extensions().get::<ServerSpan>()
        {
            cx.span().end();
        }
    }
}

/// The caller's context: W3C trace context first, else X-Ray's header; with the
/// baggage.
fn parent(request_headers: &HeaderMap) -> Context {
    let extractor = Headers(request_headers);
    let mut cx = Context::new();
    if request_headers.contains_key(headers::TRACEPARENT) {
        cx = TraceContextPropagator::new().extract(&extractor);
    }
    if !cx.span().span_context().is_valid() && request_headers.contains_key(headers::TRACE_ID) {
        cx = opentelemetry_aws::trace::XrayPropagator::new().extract(&extractor);
    }
    if request_headers.contains_key(headers::BAGGAGE) {
        cx = BaggagePropagator::new().extract_with_context(&cx, &extractor);
    }
    cx
}

/// The trace and span ids of the current OpenTelemetry context, when one is exported.
pub(crate) fn current_ids() -> Option<TraceIds> {
    tracer()?;
    Context::map_current(|cx| {
        let span = cx.span();
        let span_context = span.span_context();
        span_context.is_valid().then(|| {
            TraceIds::new(
                span_context.trace_id().to_bytes(),
                span_context.span_id().to_bytes(),
            )
        })
    })
}

/// The trace and span ids of a line, in lower-case hex, as W3C trace context writes
/// them (no allocation: a line is written for every request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TraceIds([u8; 48]);

impl TraceIds {
    /// The ids of 16 and 8 bytes.
    pub(crate) fn new(trace_id: [u8; 16], span_id: [u8; 8]) -> Self {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = [0; 48];
        for (at, byte) in trace_id.iter().chain(&span_id).enumerate() {
            hex[2 * at] = DIGITS[usize::from(byte >> 4)];
            hex[2 * at + 1] = DIGITS[usize::from(byte & 0xf)];
        }
        Self(hex)
    }

    pub(crate) fn trace_id(&self) -> &str {
        std::str::from_utf8(&self.0[..32]).unwrap_or_default()
    }

    pub(crate) fn span_id(&self) -> &str {
        std::str::from_utf8(&self.0[32..]).unwrap_or_default()
    }
}

/// A request's headers, read by the propagators.
struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_in_hex() {
        let ids = TraceIds::new(
            0x0af7651916cd43dd8448eb211c80319c_u128.to_be_bytes(),
            0xb7ad6b7169203331_u64.to_be_bytes(),
        );
        assert_eq!(ids.trace_id(), "0af7651916cd43dd8448eb211c80319c");
        assert_eq!(ids.span_id(), "b7ad6b7169203331");
    }

    #[test]
    fn parents() {
        let mut map = HeaderMap::new();
        assert!(!parent(&map).span().span_context().is_valid());
        map.insert(
            headers::TRACE_ID,
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
                .parse()
                .unwrap(),
        );
        let cx = parent(&map);
        let span = cx.span();
        assert_eq!(
            span.span_context().trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(
            span.span_context().span_id().to_string(),
            "53995c3f42cd8ad8"
        );
        map.insert(
            headers::TRACEPARENT,
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                .parse()
                .unwrap(),
        );
        let cx = parent(&map);
        assert_eq!(
            cx.span().span_context().trace_id().to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );
        map.insert(headers::TRACEPARENT, "garbage".parse().unwrap());
        let cx = parent(&map); // X-Ray when traceparent is invalid
        assert_eq!(
            cx.span().span_context().trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
    }
}
