//! The A2A agent card through the emulator, in both auth modes: `GET
//! /runtimes/{arn}/invocations/.well-known/agent-card.json`, forwarded to the agent's
//! `/.well-known/agent-card.json`.

use agentcore_client::{Auth, Credentials, RuntimeClient};
use agentcore_emulator::Emulator;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const ARN: &str = "arn:aws:bedrock-agentcore:us-west-2:123456789012:runtime/a2a-agent";

/// An agent that answers its agent card at the A2A path, 404 elsewhere.
async fn a2a_agent() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let mut byte = [0u8; 1];
                    if socket.read_exact(&mut byte).await.is_err() {
                        return;
                    }
                    head.push(byte[0]);
                }
                let card = json!({ "name": "echo", "url": "http://127.0.0.1:9000/" }).to_string();
                let reply = if head.starts_with(b"GET /.well-known/agent-card.json ") {
                    format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{card}",
                        card.len()
                    )
                } else {
                    "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        .to_owned()
                };
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn the_agent_card_arrives_in_both_auth_modes() {
    let agent = a2a_agent().await;
    let emulator = Emulator::builder()
        .runtime(ARN, &agent)
        .unwrap()
        .bearer_token("card-token")
        .credentials("AKIDCARD", "card-secret", None)
        .build()
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let client = RuntimeClient::builder()
        .endpoint(emulator.url())
        .credentials_provider(Credentials::new("AKIDCARD", "card-secret", None, None, "t"))
        .build()
        .unwrap();
    let arn: agentcore_client::contract::RuntimeArn = ARN.parse().unwrap();
    for auth in [Auth::SigV4, Auth::Bearer("card-token".into())] {
        let card = client.get_agent_card(&arn).auth(auth).send().await.unwrap();
        assert_eq!(card["name"], "echo");
    }
    let refused = client
        .get_agent_card(&arn)
        .bearer("wrong")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(403), "{refused:?}");
}
