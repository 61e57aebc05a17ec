//! One Identity call: a SigV4-signed `POST` of a JSON body to the client's region, its
//! answer bounded, retried as the client's [`RetryPolicy`](crate::RetryPolicy) says.

use agentcore_contract::headers::APPLICATION_JSON;
use agentcore_contract::identity::IdentityOperation;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method, Request};
use http_body_util::Full;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::RuntimeClient;
use crate::error::{Error, service_error};
use crate::handshake::USER_AGENT_VALUE;
use crate::sign::{Placement, Signable, sign_request};
use crate::transport::{MAX_ERROR_BODY_BYTES, ResponseBody, transport_error};

/// The largest Identity answer read: 1 MiB (a workload access token is at most 131,072
/// characters, an API key 65,536). Past it the call fails with
/// [`Error::ResponseTooLarge`].
///
/// ```
/// assert_eq!(agentcore_client::identity::MAX_IDENTITY_RESPONSE_BYTES, 1 << 20);
/// ```
pub const MAX_IDENTITY_RESPONSE_BYTES: usize = 1 << 20;

impl RuntimeClient {
    /// Sends `body` to `operation` and decodes the answer, retrying throttling, 5xx
    /// answers, transport failures and timeouts (every Identity operation is a read or
    /// idempotent).
    pub(crate) async fn identity_call<B, T>(
        &self,
        operation: IdentityOperation,
        body: &B,
    ) -> Result<T, Error>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let body = Bytes::from(serde_json::to_vec(body)?);
        let policy = self.retry_policy();
        let mut attempt = 1;
        loop {
            match self.identity_attempt(operation, &body).await {
                Err(e) if e.is_retryable() && attempt < policy.max_attempts => {
                    let delay = policy.delay(attempt - 1);
                    tracing::debug!(error = %e, attempt, ?delay, operation = operation.name(), "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
                Ok(answer) => {
                    return serde_json::from_slice(&answer)
                        .map_err(|e| Error::Decode(format!("{} answer: {e}", operation.name())));
                }
            }
        }
    }

    async fn identity_attempt(
        &self,
        operation: IdentityOperation,
        body: &Bytes,
    ) -> Result<Bytes, Error> {
        let request = self.identity_request(operation, body).await?;
        let timeout = self.read_timeout();
        let response = tokio::time::timeout(timeout, self.http().request(request))
            .await
            .map_err(|_| Error::Timeout(timeout))?
            .map_err(|e| transport_error(e, self.connect_timeout()))?;
        let (head, incoming) = response.into_parts();
        let answer = ResponseBody::new(incoming, timeout);
        if head.status.is_success() {
            return answer.collect(MAX_IDENTITY_RESPONSE_BYTES).await;
        }
        let bytes = answer.prefix(MAX_ERROR_BODY_BYTES).await?;
        Err(service_error(head.status, &head.headers, &bytes))
    }

    async fn identity_request(
        &self,
        operation: IdentityOperation,
        body: &Bytes,
    ) -> Result<Request<Full<Bytes>>, Error> {
        let (endpoint, region) = self.identity_target()?;
        let url = endpoint.signing_url(operation.path(), "");
        let identity = self.credentials().await?;
        let signed = [
            ("host", endpoint.host()),
            (CONTENT_TYPE.as_str(), APPLICATION_JSON),
        ];
        let signable = Signable {
            method: "POST",
            url: &url,
            headers: &signed,
            body,
        };
        let instructions =
            sign_request(&identity, region, self.now(), &signable, Placement::Headers)?;
        let mut request = Request::new(Full::new(body.clone()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = url
            .parse()
            .map_err(|_| Error::InvalidOption("the request URL is not valid".into()))?;
        let headers = request.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(APPLICATION_JSON));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        for header in instructions.into_parts().0 {
            let mut value = HeaderValue::from_str(header.value())
                .map_err(|_| Error::InvalidHeaderValue(header.name()))?;
            value.set_sensitive(true);
            headers.insert(HeaderName::from_static(header.name()), value);
        }
        Ok(request)
    }
}
