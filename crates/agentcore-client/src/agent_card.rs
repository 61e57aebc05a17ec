//! An A2A runtime's agent card: `GET /runtimes/{arn}/invocations/.well-known/agent-card.json`.

use agentcore_contract::endpoint::RuntimeOperation;
use agentcore_contract::headers::APPLICATION_JSON;

use crate::client::RuntimeClient;
use crate::error::Error;
use crate::request::{Call, CallOptions};
use crate::session::RuntimeSession;
use crate::ws::Auth;

impl RuntimeClient {
    /// Reads the agent card of an A2A runtime, as JSON (bounded by the response limit).
    pub(crate) async fn agent_card_with(
        &self,
        session: &RuntimeSession,
        auth: &Auth,
        options: &CallOptions,
    ) -> Result<serde_json::Value, Error> {
        let call = Call {
            operation: RuntimeOperation::AgentCard,
            body: bytes::Bytes::new(),
            content_type: None,
            accept: Some(APPLICATION_JSON),
            options,
            read_timeout: options.timeout.unwrap_or(self.read_timeout()),
        };
        let (_head, body) = self.send(session, auth, &call).await?;
        let body = body
            .collect(self.response_limit(options.max_response_bytes))
            .await?;
        serde_json::from_slice(&body)
            .map_err(|err| Error::Decode(format!("the agent card is not JSON: {err}")))
    }
}
