//! `agentcore mcp tools` and `agentcore mcp call`: an MCP server on the runtime, through
//! the client's rmcp transport.

use std::io::IsTerminal;
use std::process::ExitCode;

use agentcore_client::McpClient;
use agentcore_client::rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock, Tool};
use serde_json::Value;

use crate::args::{Global, Mcp, McpCall, McpTools};
use crate::commands::{client, io_failure, read_json, session};
use crate::exit::{Code, Failure};
use crate::output;

pub(crate) async fn run(global: &Global, command: &Mcp) -> Result<ExitCode, Failure> {
    match command {
        Mcp::Tools(args) => tools(global, args).await,
        Mcp::Call(args) => call(global, args).await,
    }
}

async fn connect(global: &Global, arn: &str) -> Result<McpClient, Failure> {
    let session = session(global, Some(arn))?;
    let client = client(global).await?;
    Ok(client.mcp(&session).connect().await?)
}

async fn tools(global: &Global, args: &McpTools) -> Result<ExitCode, Failure> {
    let arn = crate::args::required_arn(args.arn.as_deref()).map_err(Failure::usage)?;
    let mcp = connect(global, arn).await?;
    let listed = mcp.list_all_tools().await;
    let _ = mcp.cancel().await;
    let tools = listed.map_err(agentcore_client::Error::from)?;
    if args.json || !std::io::stdout().is_terminal() {
        print_json(serde_json::to_vec(&tools))?;
    } else {
        output::line(describe(&tools).trim_end()).map_err(io_failure)?;
    }
    Ok(ExitCode::SUCCESS)
}

async fn call(global: &Global, args: &McpCall) -> Result<ExitCode, Failure> {
    let (arn, tool, source) = args.arn_tool_and_args().map_err(Failure::usage)?;
    let arguments = match read_json(source).await? {
        Value::Object(arguments) => arguments,
        _ => return Err(Failure::usage("the tool's arguments must be a JSON object")),
    };
    let mcp = connect(global, &arn).await?;
    let params = CallToolRequestParams::new(tool.clone()).with_arguments(arguments);
    let called = mcp.call_tool(params).await;
    let _ = mcp.cancel().await;
    let result = called.map_err(agentcore_client::Error::from)?;
    if args.json {
        print_json(serde_json::to_vec(&result))?;
    } else {
        for line in result_lines(&result) {
            output::line(&line).map_err(io_failure)?;
        }
    }
    if result.is_error == Some(true) {
        return Err(Failure {
            code: Code::Service,
            message: format!("the tool {tool} failed (isError)"),
        });
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints an answer serialized as JSON (pretty on a terminal).
fn print_json(json: serde_json::Result<Vec<u8>>) -> Result<(), Failure> {
    let json = json.map_err(|e| Failure {
        code: Code::Failure,
        message: format!("the answer as JSON: {e}"),
    })?;
    output::body(&json).map_err(io_failure)
}

/// What `call` prints: each text block as it is, any other block as one JSON line; the
/// structured content when there is no content at all.
fn result_lines(result: &CallToolResult) -> Vec<String> {
    let mut lines: Vec<String> = result
        .content
        .iter()
        .map(|block: &ContentBlock| match block.as_text() {
            Some(text) => text.text.clone(),
            None => serde_json::to_string(block).unwrap_or_default(),
        })
        .collect();
    if lines.is_empty()
        && let Some(structured) = &result.structured_content
    {
        lines.push(structured.to_string());
    }
    lines
}

/// The tools as text: the name and description, then each argument with its type,
/// whether it is required, and its description.
fn describe(tools: &[Tool]) -> String {
    let mut text = String::new();
    for tool in tools {
        text.push_str(&tool.name);
        if let Some(description) = &tool.description {
            text.push_str(": ");
            text.push_str(description);
        }
        text.push('\n');
        let required: Vec<&str> = tool
            .input_schema
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let properties = tool
            .input_schema
            .get("properties")
            .and_then(Value::as_object);
        match properties.filter(|properties| !properties.is_empty()) {
            None => text.push_str("    (no arguments)\n"),
            Some(properties) => {
                for (name, schema) in properties {
                    text.push_str(&format!("    {name}: {}", type_of(schema)));
                    if required.contains(&name.as_str()) {
                        text.push_str(" (required)");
                    }
                    if let Some(description) = schema.get("description").and_then(Value::as_str) {
                        text.push_str(&format!(" — {description}"));
                    }
                    text.push('\n');
                }
            }
        }
    }
    text
}

/// A property's JSON Schema type: `integer`, `string | null`, `array of string`, or
/// `any` when the schema says none.
fn type_of(schema: &Value) -> String {
    match schema.get("type") {
        Some(Value::String(name)) if name == "array" => match schema.get("items") {
            Some(items) => format!("array of {}", type_of(items)),
            None => "array".to_owned(),
        },
        Some(Value::String(name)) => name.clone(),
        Some(Value::Array(names)) => names
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" | "),
        _ => "any".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(value: Value) -> Tool {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn tools_read_as_text() {
        let tools = [
            tool(json!({
                "name": "add",
                "description": "Add two integers",
                "inputSchema": {
                    "type": "object",
                    // In name order: serde_json keeps it so with or without its
                    // `preserve_order` feature (which a workspace build turns on).
                    "properties": {
                        "a": {"type": "integer", "description": "the left side"},
                        "any": {},
                        "b": {"type": ["integer", "null"]},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    },
                    "required": ["a"]
                }
            })),
            tool(json!({"name": "whoami", "inputSchema": {"type": "object"}})),
        ];
        assert_eq!(
            describe(&tools),
            "add: Add two integers\n    a: integer (required) — the left side\n    any: any\n    \
             b: integer | null\n    tags: array of string\nwhoami\n    (no arguments)\n"
        );
    }

    #[test]
    fn results_print_text_as_it_is_and_the_rest_as_json() {
        let result: CallToolResult = serde_json::from_value(json!({
            "content": [
                {"type": "text", "text": "5"},
                {"type": "image", "data": "AAAA", "mimeType": "image/png"}
            ]
        }))
        .unwrap();
        let lines = result_lines(&result);
        assert_eq!(lines[0], "5");
        assert!(lines[1].contains("\"image/png\""), "{}", lines[1]);
        let structured: CallToolResult =
            serde_json::from_value(json!({"content": [], "structuredContent": {"n": 1}})).unwrap();
        assert_eq!(result_lines(&structured), ["{\"n\":1}"]);
    }
}
