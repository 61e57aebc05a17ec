//! Feature `otel`: OpenTelemetry traces over OTLP/HTTP (protobuf), continuing the
//! caller's trace.
//!
//! [`crate::log::init`] installs, besides the log lines, a `tracing-opentelemetry` layer
//! whose spans are exported in batches by `opentelemetry-otlp`, configured by the
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
//! a token or another header's value. The handler's own `tracing` spans are its
//! children. [`App::run`](crate::App::run) flushes the spans at the end of a graceful
//! shutdown; with [`App::serve`](crate::App::serve), call [`flush`] yourself.
//!
//! Only the trace spans go to OpenTelemetry, not the log events (their fields may hold
//! what the handler logged).

use std::sync::OnceLock;

use agentcore_contract::headers;
use http::HeaderMap;
use opentelemetry::propagation::{Extractor, TextMapCompositePropagator, TextMapPropagator};
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::registry::LookupSpan;

/// The instrumentation scope of the spans this crate starts.
const SCOPE: &str = "agentcore-server";

/// The span attribute naming the runtime session id.
pub const SESSION_ID_ATTRIBUTE: &str = "session.id";
/// The span attribute naming the request id.
pub const REQUEST_ID_ATTRIBUTE: &str = "aws.agentcore.request_id";
/// The span attribute naming the route (`/invocations`, `/ws`, `/mcp`, `/`).
pub const ROUTE_ATTRIBUTE: &str = "http.route";
/// The span attribute naming the response's HTTP status.
pub const STATUS_ATTRIBUTE: &str = "http.response.status_code";
/// The span attribute naming the gateway routing experiment's ARN (from the baggage).
pub const ROUTING_EXPERIMENT_ARN_ATTRIBUTE: &str = "aws.agentcore.gateway.routing_experiment_arn";
/// The span attribute naming the gateway routing experiment's variant (from the baggage).
pub const ROUTING_EXPERIMENT_VARIANT_ATTRIBUTE: &str =
    "aws.agentcore.gateway.routing_experiment_variant_name";

/// The tracer provider, once installed.
static PROVIDER: OnceLock<SdkTracerProvider> = OnceLock::new();

/// `OTEL_SDK_DISABLED` is `true` (any case), as the specification reads it.
fn sdk_disabled() -> bool {
    std::env::var("OTEL_SDK_DISABLED").is_ok_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

/// The OpenTelemetry layer, exporting over OTLP/HTTP as the `OTEL_*` variables say;
/// `None` with `OTEL_SDK_DISABLED=true`, when the exporter cannot be built (reported on
/// standard error) or when a provider is already installed.
pub(crate) fn layer<S>() -> Option<impl Layer<S>>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if sdk_disabled() || PROVIDER.get().is_some() {
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
    if PROVIDER.set(provider.clone()).is_err() {
        return None;
    }
    opentelemetry::global::set_tracer_provider(provider);
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ]));
    Some(
        tracing_opentelemetry::layer()
            .with_tracer(tracer)
            .with_location(false)
            .with_threads(false)
            .with_filter(filter_fn(|metadata| metadata.is_span())),
    )
}

/// Whether spans are exported (a provider is installed).
pub(crate) fn installed() -> bool {
    PROVIDER.get().is_some()
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
    if let Some(provider) = PROVIDER.get() {
        let provider = provider.clone();
        let _ = tokio::task::spawn_blocking(move || provider.force_flush()).await;
    }
}

/// Flushes, then shuts the exporter down: spans ended later are dropped.
pub(crate) async fn shutdown() {
    if let Some(provider) = PROVIDER.get() {
        let provider = provider.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let _ = provider.force_flush();
            provider.shutdown()
        })
        .await;
    }
}

/// Makes `span` a server span continuing the caller's trace (`traceparent`, else
/// `X-Amzn-Trace-Id`), with the request's attributes.
pub(crate) fn start(
    span: &tracing::Span,
    route: &'static str,
    request_headers: &HeaderMap,
    context: &crate::context::RequestContext,
) {
    if !installed() {
        return;
    }
    if let Some(parent) = parent(request_headers) {
        let _ = span.set_parent(parent);
    }
    span.set_attribute(ROUTE_ATTRIBUTE, route);
    span.set_attribute(REQUEST_ID_ATTRIBUTE, context.request_id.clone());
    if let Some(session) = &context.session_id {
        span.set_attribute(SESSION_ID_ATTRIBUTE, session.clone());
    }
    if let Some(experiment) = &context.routing_experiment {
        if let Some(arn) = &experiment.arn {
            span.set_attribute(ROUTING_EXPERIMENT_ARN_ATTRIBUTE, arn.clone());
        }
        if let Some(variant) = &experiment.variant_name {
            span.set_attribute(ROUTING_EXPERIMENT_VARIANT_ATTRIBUTE, variant.clone());
        }
    }
}

/// Records the response's status on the request's span (an error status from 500 on).
pub(crate) fn completed(span: &tracing::Span, status: http::StatusCode) {
    if !installed() {
        return;
    }
    span.set_attribute(STATUS_ATTRIBUTE, i64::from(status.as_u16()));
    if status.is_server_error() {
        span.set_status(opentelemetry::trace::Status::error(
            status.canonical_reason().unwrap_or("server error"),
        ));
    }
}

/// The caller's span context: W3C trace context first, else X-Ray's header.
fn parent(request_headers: &HeaderMap) -> Option<opentelemetry::Context> {
    let extractor = Headers(request_headers);
    if request_headers.contains_key(headers::TRACEPARENT) {
        let cx = TraceContextPropagator::new().extract(&extractor);
        if cx.span().span_context().is_valid() {
            return Some(cx);
        }
    }
    if request_headers.contains_key(headers::TRACE_ID) {
        let cx = opentelemetry_aws::trace::XrayPropagator::new().extract(&extractor);
        if cx.span().span_context().is_valid() {
            return Some(cx);
        }
    }
    None
}

/// The trace and span ids of the current span, as hex, when one is exported.
pub(crate) fn current_ids() -> Option<(String, String)> {
    if !installed() {
        return None;
    }
    let context = tracing::Span::current().context();
    let span = context.span();
    let span_context = span.span_context();
    span_context.is_valid().then(|| {
        (
            span_context.trace_id().to_string(),
            span_context.span_id().to_string(),
        )
    })
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
    fn parents() {
        let mut map = HeaderMap::new();
        assert!(parent(&map).is_none());
        map.insert(
            headers::TRACE_ID,
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
                .parse()
                .unwrap(),
        );
        let cx = parent(&map).expect("X-Ray parent");
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
        let cx = parent(&map).expect("W3C parent");
        assert_eq!(
            cx.span().span_context().trace_id().to_string(),
            "0af7651916cd43dd8448eb211c80319c"
        );
        map.insert(headers::TRACEPARENT, "garbage".parse().unwrap());
        let cx = parent(&map).expect("X-Ray when traceparent is invalid");
        assert_eq!(
            cx.span().span_context().trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
    }
}
