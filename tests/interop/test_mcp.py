"""The official MCP Python SDK (`mcp`, unmodified) as the client of the `mcp_server`
example, which `cargo xtask interop` starts on its own `MCP_PORT`
(`AGENTCORE_INTEROP_MCP_URL`): the Streamable HTTP transport, `initialize`, `tools/list`
and `tools/call`, the runtime's session id header seen by a tool, and a tool error."""

import asyncio
import unittest

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

import support

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"


def with_session(action, headers=None):
    """Runs `action(session)` in an initialized MCP client session; its result."""

    async def run():
        timeout = httpx2.Timeout(30)
        async with httpx2.AsyncClient(headers=headers or {}, timeout=timeout) as http:
            async with streamable_http_client(support.MCP_URL, http_client=http) as (read, write):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await action(session)

    return asyncio.run(asyncio.wait_for(run(), timeout=60))


class McpServer(unittest.TestCase):
    def test_lists_the_tools(self):
        tools = with_session(lambda session: session.list_tools()).tools
        self.assertEqual(sorted(tool.name for tool in tools), ["add", "whoami"])
        add = next(tool for tool in tools if tool.name == "add")
        properties = add.input_schema["properties"]
        self.assertEqual(properties["a"]["type"], "integer")
        self.assertEqual(properties["b"]["type"], "integer")
        self.assertEqual(sorted(add.input_schema["required"]), ["a", "b"])

    def test_add(self):
        result = with_session(lambda session: session.call_tool("add", {"a": 2, "b": 3}))
        self.assertFalse(result.is_error)
        self.assertEqual(result.content[0].text, "5")

    def test_whoami_sees_the_runtime_session_id(self):
        sid = support.session_id()
        result = with_session(
            lambda session: session.call_tool("whoami", {}), headers={SESSION_HEADER: sid}
        )
        self.assertFalse(result.is_error)
        self.assertEqual(result.structured_content, {"session_id": sid})

    def test_a_tool_error_is_a_result_the_caller_reads(self):
        result = with_session(
            lambda session: session.call_tool("add", {"a": 2**63 - 1, "b": 1})
        )
        self.assertTrue(result.is_error)
        self.assertEqual(result.content[0].text, "overflow")


if __name__ == "__main__":
    unittest.main()
