//! The request context: what AgentCore tells the agent about one request.
//!
//! Built from the request's headers, passed to handlers that ask for it, and readable
//! ambiently with [`RequestContext::current`] from any code the handler calls (a tokio
//! task-local; [`spawn_blocking`] carries it into blocking sections).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use agentcore_contract::baggage::{self, RoutingExperiment};
use agentcore_contract::{forward, headers};
use http::{HeaderMap, HeaderName};

use crate::health::Health;

// The contract's names as `HeaderName`s, so lookups hash no string per request.
const SESSION_ID: HeaderName = HeaderName::from_static(headers::SESSION_ID);
const REQUEST_ID: HeaderName = HeaderName::from_static(headers::REQUEST_ID);
const WORKLOAD_ACCESS_TOKEN: HeaderName = HeaderName::from_static(headers::WORKLOAD_ACCESS_TOKEN);
const WORKLOAD_ACCESS_TOKEN_LEGACY: HeaderName =
    HeaderName::from_static(headers::WORKLOAD_ACCESS_TOKEN_LEGACY);
const OAUTH2_CALLBACK_URL: HeaderName = HeaderName::from_static(headers::OAUTH2_CALLBACK_URL);

tokio::task_local! {
    static CURRENT: Arc<RequestContext>;
}

thread_local! {
    static BLOCKING: RefCell<Option<Arc<RequestContext>>> = const { RefCell::new(None) };
}

/// What AgentCore tells the agent about one request.
///
/// Fields are public to read; the type is `#[non_exhaustive]`, so build one for tests with
/// [`Default`] and assign fields. `Debug` never shows the workload access token or the
/// values of forwarded headers (they carry credentials).
///
/// ```
/// use agentcore_server::RequestContext;
///
/// let mut ctx = RequestContext::default();
/// ctx.session_id = Some("test-session-0123456789abcdef0123456789".into());
/// ctx.workload_access_token = Some("secret".into());
/// assert!(!format!("{ctx:?}").contains("secret"));
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct RequestContext {
    /// The runtime session id (`X-Amzn-Bedrock-AgentCore-Runtime-Session-Id`), if sent.
    pub session_id: Option<String>,
    /// The request id (`X-Amzn-Bedrock-AgentCore-Runtime-Request-Id`), else a new UUIDv4.
    pub request_id: String,
    /// The workload access token (`X-Amz-Bedrock-AgentCore-Identity-WAT`, else the legacy
    /// `WorkloadAccessToken`).
    pub workload_access_token: Option<String>,
    /// The OAuth2 callback URL (`OAuth2CallbackUrl`).
    pub oauth2_callback_url: Option<String>,
    /// The headers forwarded to agent code (see [`agentcore_contract::forward`]), or
    /// `None` when none qualify. `Authorization` is under `Authorization`, every other
    /// key lower-case.
    pub request_headers: Option<BTreeMap<String, String>>,
    /// W3C baggage entries, percent-decoded, in order.
    pub baggage: Vec<(String, String)>,
    /// The gateway routing experiment named in the baggage, if any.
    pub routing_experiment: Option<RoutingExperiment>,
    /// Values that middleware put into the request's extensions (the Python
    /// `request.state`): a tower layer inserts, the handler reads.
    pub extensions: http::Extensions,
    /// The app's health: track a background task the request starts, or force a status.
    /// Outside a running app (a context built by hand), a health state of its own.
    pub health: Health,
}

impl RequestContext {
    /// Builds the context of a request from its headers.
    ///
    /// ```
    /// use agentcore_server::RequestContext;
    /// use http::{HeaderMap, HeaderName};
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-amzn-bedrock-agentcore-runtime-request-id", "req-1".parse().unwrap());
    /// headers.insert("x-api-key", "k".parse().unwrap());
    /// headers.insert("cookie", "a=b".parse().unwrap());
    /// let ctx = RequestContext::from_headers(&headers);
    /// assert_eq!(ctx.request_id, "req-1");
    /// assert_eq!(ctx.session_id, None);
    /// let forwarded = ctx.request_headers.unwrap();
    /// assert_eq!(forwarded.get("x-api-key").map(String::as_str), Some("k"));
    /// assert!(!forwarded.contains_key("cookie"));
    /// ```
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self::from_parts(headers, http::Extensions::new(), Health::new())
    }

    /// Builds the context of a request: its headers and its extensions.
    ///
    /// ```
    /// use agentcore_server::RequestContext;
    ///
    /// #[derive(Clone, Debug, PartialEq)]
    /// struct Tenant(&'static str);
    ///
    /// let mut request = http::Request::new(());
    /// request.extensions_mut().insert(Tenant("acme"));
    /// let ctx = RequestContext::from_request(&request);
    /// assert_eq!(ctx.extensions.get::<Tenant>(), Some(&Tenant("acme")));
    /// ```
    pub fn from_request<B>(request: &http::Request<B>) -> Self {
        Self::from_parts(
            request.headers(),
            request.extensions().clone(),
            Health::new(),
        )
    }

    /// The context of a request to the app whose health this is.
    pub(crate) fn for_app<B>(request: &http::Request<B>, health: &Health) -> Self {
        Self::from_parts(
            request.headers(),
            request.extensions().clone(),
            health.clone(),
        )
    }

    fn from_parts(headers: &HeaderMap, extensions: http::Extensions, health: Health) -> Self {
        let text = |name: &HeaderName| {
            headers
                .get(name)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        };
        let mut forwarded = BTreeMap::new();
        let mut baggage = Vec::new();
        for (name, value) in headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            if name.as_str() == headers::BAGGAGE {
                baggage.extend(baggage::parse(&value));
            }
            if let Some(key) = forward::context_key(name.as_str()) {
                // As the reference does: a repeated header keeps its last value.
                forwarded.insert(key.into_owned(), value.into_owned());
            }
        }
        Self {
            session_id: text(&SESSION_ID),
            request_id: text(&REQUEST_ID).unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            workload_access_token: text(&WORKLOAD_ACCESS_TOKEN)
                .or_else(|| text(&WORKLOAD_ACCESS_TOKEN_LEGACY)),
            oauth2_callback_url: text(&OAUTH2_CALLBACK_URL),
            request_headers: (!forwarded.is_empty()).then_some(forwarded),
            routing_experiment: RoutingExperiment::from_entries(&baggage),
            baggage,
            extensions,
            health,
        }
    }

    /// The context of the request being handled by this task or blocking section, or
    /// `None` outside a handler.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::RequestContext;
    ///
    /// let mut ctx = RequestContext::default();
    /// ctx.request_id = "r-1".into();
    /// let seen = ctx.scope(async { RequestContext::current().map(|c| c.request_id.clone()) }).await;
    /// assert_eq!(seen.as_deref(), Some("r-1"));
    /// assert!(RequestContext::current().is_none());
    /// # }
    /// ```
    pub fn current() -> Option<Arc<RequestContext>> {
        CURRENT
            .try_with(Arc::clone)
            .ok()
            .or_else(|| BLOCKING.with(|slot| slot.borrow().clone()))
    }

    /// Runs a future with this context as the ambient one.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use agentcore_server::RequestContext;
    ///
    /// let mut ctx = RequestContext::default();
    /// ctx.session_id = Some("s-1".into());
    /// let session = ctx.scope(async { RequestContext::current().unwrap().session_id.clone() }).await;
    /// assert_eq!(session.as_deref(), Some("s-1"));
    /// # }
    /// ```
    pub fn scope<F: Future>(self, future: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(Arc::new(self), future)
    }

    pub(crate) fn scope_arc<F: Future>(
        context: Arc<Self>,
        future: F,
    ) -> impl Future<Output = F::Output> {
        CURRENT.scope(context, future)
    }

    /// Runs a synchronous function with this context as the ambient one.
    pub(crate) fn sync_scope<R>(context: &Arc<Self>, f: impl FnOnce() -> R) -> R {
        CURRENT.sync_scope(Arc::clone(context), f)
    }

    /// Runs `f` on this thread with `context` as the ambient one (for blocking threads,
    /// where tokio's task-locals are not reachable).
    pub(crate) fn blocking_scope<R>(context: Arc<Self>, f: impl FnOnce() -> R) -> R {
        struct Reset(Option<Arc<RequestContext>>);
        impl Drop for Reset {
            fn drop(&mut self) {
                let previous = self.0.take();
                BLOCKING.with(|slot| *slot.borrow_mut() = previous);
            }
        }
        let previous = BLOCKING.with(|slot| slot.borrow_mut().replace(context));
        let _reset = Reset(previous);
        f()
    }
}

/// Like [`tokio::task::spawn_blocking`], carrying the current request context into the
/// blocking section so that [`RequestContext::current`] works there too.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use agentcore_server::{RequestContext, spawn_blocking};
///
/// let mut ctx = RequestContext::default();
/// ctx.request_id = "r-2".into();
/// let id = ctx
///     .scope(async {
///         spawn_blocking(|| RequestContext::current().unwrap().request_id.clone()).await.unwrap()
///     })
///     .await;
/// assert_eq!(id, "r-2");
/// # }
/// ```
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    match RequestContext::current() {
        Some(context) => {
            tokio::task::spawn_blocking(move || RequestContext::blocking_scope(context, f))
        }
        None => tokio::task::spawn_blocking(f),
    }
}

/// Identity helpers (`agentcore-client`'s `identity` feature) take a handler's context:
/// its workload access token and OAuth2 callback URL.
///
/// ```
/// use agentcore_server::RequestContext;
/// use agentcore_server::contract::identity::WorkloadContext;
///
/// let mut ctx = RequestContext::default();
/// ctx.workload_access_token = Some("wat".into());
/// assert_eq!(ctx.workload_access_token(), Some("wat"));
/// assert_eq!(WorkloadContext::oauth2_callback_url(&ctx), None);
/// ```
impl agentcore_contract::identity::WorkloadContext for RequestContext {
    fn workload_access_token(&self) -> Option<&str> {
        self.workload_access_token.as_deref()
    }

    fn oauth2_callback_url(&self) -> Option<&str> {
        self.oauth2_callback_url.as_deref()
    }
}

impl fmt::Debug for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |secret: &Option<String>| secret.as_ref().map(|_| "<redacted>");
        f.debug_struct("RequestContext")
            .field("session_id", &self.session_id)
            .field("request_id", &self.request_id)
            .field(
                "workload_access_token",
                &redacted(&self.workload_access_token),
            )
            .field("oauth2_callback_url", &self.oauth2_callback_url)
            .field(
                "request_headers",
                &self
                    .request_headers
                    .as_ref()
                    .map(|h| h.keys().collect::<Vec<_>>()),
            )
            .field(
                "baggage",
                &self.baggage.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("routing_experiment", &self.routing_experiment)
            .field("extensions", &self.extensions.len())
            .field("health", &self.health)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn every_field() {
        let ctx = RequestContext::from_headers(&headers(&[
            (headers::SESSION_ID, "s-0123456789abcdef0123456789abcdef"),
            (headers::REQUEST_ID, "r-1"),
            ("WorkloadAccessToken", "legacy"),
            ("X-Amz-Bedrock-AgentCore-Identity-WAT", "wat"),
            ("OAuth2CallbackUrl", "https://example.com/cb"),
            ("Authorization", "Bearer t"),
            (
                "baggage",
                "aws.agentcore.gateway.routing_experiment_arn=arn%3Ax, k=v",
            ),
            (
                "baggage",
                "aws.agentcore.gateway.routing_experiment_variant_name=B",
            ),
        ]));
        assert_eq!(
            ctx.session_id.as_deref(),
            Some("s-0123456789abcdef0123456789abcdef")
        );
        assert_eq!(ctx.request_id, "r-1");
        assert_eq!(ctx.workload_access_token.as_deref(), Some("wat"));
        assert_eq!(
            ctx.oauth2_callback_url.as_deref(),
            Some("https://example.com/cb")
        );
        let forwarded = ctx.request_headers.as_ref().unwrap();
        assert_eq!(forwarded["Authorization"], "Bearer t");
        assert_eq!(forwarded["x-amz-bedrock-agentcore-identity-wat"], "wat");
        assert_eq!(forwarded["workloadaccesstoken"], "legacy");
        assert_eq!(
            forwarded["baggage"],
            "aws.agentcore.gateway.routing_experiment_variant_name=B"
        );
        assert!(!forwarded.contains_key(headers::SESSION_ID));
        let experiment = ctx.routing_experiment.as_ref().unwrap();
        assert_eq!(experiment.arn.as_deref(), Some("arn:x"));
        assert_eq!(experiment.variant_name.as_deref(), Some("B"));
        assert_eq!(ctx.baggage.len(), 3);

        let debug = format!("{ctx:?}");
        for secret in ["wat", "legacy", "Bearer t"] {
            assert!(!debug.contains(&format!("\"{secret}\"")), "{debug}");
        }
    }

    #[test]
    fn legacy_token_and_generated_request_id() {
        let ctx = RequestContext::from_headers(&headers(&[("workloadaccesstoken", "legacy")]));
        assert_eq!(ctx.workload_access_token.as_deref(), Some("legacy"));
        assert_eq!(ctx.request_id.len(), 36);
        assert!(uuid::Uuid::parse_str(&ctx.request_id).is_ok());
        let empty = RequestContext::from_headers(&HeaderMap::new());
        assert_eq!(empty.request_headers, None);
        assert_ne!(empty.request_id, ctx.request_id);
    }

    #[test]
    fn blocking_scope_restores_the_previous_context() {
        let outer = Arc::new(RequestContext {
            request_id: "outer".into(),
            ..Default::default()
        });
        let inner = Arc::new(RequestContext {
            request_id: "inner".into(),
            ..Default::default()
        });
        RequestContext::blocking_scope(outer, || {
            RequestContext::blocking_scope(inner, || {
                assert_eq!(RequestContext::current().unwrap().request_id, "inner");
            });
            assert_eq!(RequestContext::current().unwrap().request_id, "outer");
        });
        assert!(RequestContext::current().is_none());
    }
}
