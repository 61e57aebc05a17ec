"""WebSockets with the Python SDK's helpers (`AgentCoreRuntimeClient`) and the
`websockets` package: SigV4 headers, a presigned URL and an OAuth bearer token.

The SDK signs for the AWS host (bedrock-agentcore.us-east-1.amazonaws.com); only the URL's
scheme, host and port are changed to the emulator's, which accepts signatures made for
that host (`--signing-host`)."""

import asyncio
import json
import unittest

import websockets
from bedrock_agentcore.runtime import AgentCoreRuntimeClient
from websockets.asyncio.client import connect

import support

# Headers the `websockets` package writes itself: Host (from the URL it connects to) and
# the handshake's own. Passed on as the SDK documents (`additional_headers=headers`), the
# SDK's copies go out as second values; a client that drops them sends one Host, the
# emulator's, with a signature made for the AWS host.
WRITTEN_BY_WEBSOCKETS = {
    "host",
    "upgrade",
    "connection",
    "sec-websocket-key",
    "sec-websocket-version",
}

TIMEOUT_S = 10


def sdk_headers(headers):
    return {k: v for k, v in headers.items() if k.lower() not in WRITTEN_BY_WEBSOCKETS}


async def echo_session(url, headers=None):
    """Sends two echo messages and a close action; the echoes and the close code."""
    async with connect(
        url, additional_headers=headers, user_agent_header=None, open_timeout=TIMEOUT_S
    ) as ws:
        echoes = []
        for n in (1, 2):
            await ws.send(json.dumps({"action": "echo", "n": n}))
            echoes.append(json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT_S)))
        await ws.send(json.dumps({"action": "close"}))
        try:
            extra = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            raise AssertionError(f"a message after the close action: {extra!r}")
        except websockets.ConnectionClosedOK:
            pass
        return echoes, ws.close_code


async def refused_status(url, headers=None):
    """The HTTP status of a refused handshake."""
    try:
        async with connect(url, additional_headers=headers, open_timeout=TIMEOUT_S):
            pass
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    raise AssertionError("the handshake was accepted")


class SdkWebSockets(unittest.TestCase):
    def setUp(self):
        self.sdk = AgentCoreRuntimeClient(region=support.REGION, session=support.session())

    def check_echoes(self, result, sid):
        echoes, close_code = result
        self.assertEqual(
            echoes,
            [
                {"echo": {"action": "echo", "n": 1}, "session_id": sid},
                {"echo": {"action": "echo", "n": 2}, "session_id": sid},
            ],
        )
        self.assertEqual(close_code, 1000)

    def sigv4_connection(self, sid):
        url, headers = self.sdk.generate_ws_connection(runtime_arn=support.ARN, session_id=sid)
        self.assertTrue(url.startswith(f"wss://{support.SIGNING_HOST}/runtimes/"), url)
        self.assertIn("Authorization", headers)
        return support.ws_url_for_emulator(url), headers

    def test_sigv4_headers(self):
        """The SDK's headers passed on whole, as its docstrings show."""
        sid = support.session_id()
        url, headers = self.sigv4_connection(sid)
        self.check_echoes(asyncio.run(echo_session(url, headers)), sid)

    def test_sigv4_headers_without_the_handshake_ones(self):
        """Only the SDK's auth and session headers; Host is the emulator's own."""
        sid = support.session_id()
        url, headers = self.sigv4_connection(sid)
        self.check_echoes(asyncio.run(echo_session(url, sdk_headers(headers))), sid)

    def test_presigned_url(self):
        sid = support.session_id()
        url = self.sdk.generate_presigned_url(runtime_arn=support.ARN, session_id=sid)
        self.assertIn("X-Amz-Signature=", url)
        self.check_echoes(asyncio.run(echo_session(support.ws_url_for_emulator(url))), sid)

    def test_oauth_bearer_token(self):
        sid = support.session_id()
        url, headers = self.sdk.generate_ws_connection_oauth(
            runtime_arn=support.ARN, bearer_token=support.BEARER_TOKEN, session_id=sid
        )
        emulator_url = support.ws_url_for_emulator(url)
        self.check_echoes(asyncio.run(echo_session(emulator_url, headers)), sid)

    def test_sigv4_headers_with_the_wrong_secret_are_refused(self):
        wrong = AgentCoreRuntimeClient(
            region=support.REGION, session=support.session(secret_access_key="not-the-secret")
        )
        url, headers = wrong.generate_ws_connection(runtime_arn=support.ARN)
        status = asyncio.run(refused_status(support.ws_url_for_emulator(url), headers))
        self.assertEqual(status, 403)

    def test_presigned_url_with_the_wrong_secret_is_refused(self):
        wrong = AgentCoreRuntimeClient(
            region=support.REGION, session=support.session(secret_access_key="not-the-secret")
        )
        url = wrong.generate_presigned_url(runtime_arn=support.ARN)
        status = asyncio.run(refused_status(support.ws_url_for_emulator(url)))
        self.assertEqual(status, 403)


if __name__ == "__main__":
    unittest.main()
