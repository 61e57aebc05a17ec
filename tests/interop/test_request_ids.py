"""Every answer carries `x-amzn-requestid` (botocore's `RequestId`); for an invocation it
is the request id the agent was given (`x-amzn-bedrock-agentcore-runtime-request-id`)."""

import asyncio
import json
import unittest

from bedrock_agentcore.runtime import AgentCoreRuntimeClient
from botocore.exceptions import ClientError
from websockets.asyncio.client import connect

import support


def request_id(response):
    """botocore's RequestId, checked against the header it comes from."""
    metadata = response["ResponseMetadata"]
    found = metadata.get("RequestId")
    if not found:
        raise AssertionError(f"no x-amzn-requestid: {metadata['HTTPHeaders']}")
    if found != metadata["HTTPHeaders"].get("x-amzn-requestid"):
        raise AssertionError(f"RequestId {found} is not the header's: {metadata}")
    return found


class RequestIds(unittest.TestCase):
    def setUp(self):
        self.client = support.client()

    def test_invocations_each_have_the_id_the_agent_saw(self):
        sid = support.session_id()
        ids = []
        for _ in range(3):
            response = support.invoke(self.client, {"op": "whoami"}, sid)
            ids.append(request_id(response))
            self.assertEqual(ids[-1], json.loads(response["body"])["request_id"])
        self.assertEqual(len(set(ids)), 3, ids)

    def test_sse_invocation(self):
        request_id(support.invoke(self.client, {"op": "stream", "count": 1}))

    def test_command(self):
        response = self.client.invoke_agent_runtime_command(
            agentRuntimeArn=support.ARN,
            runtimeSessionId=support.session_id(),
            body={"command": "true", "timeout": 10},
        )
        for _ in response["stream"]:
            pass
        request_id(response)

    def test_stop(self):
        sid = support.session_id()
        support.invoke(self.client, {"op": "echo"}, sid)
        stop = self.client.stop_runtime_session
        request_id(stop(agentRuntimeArn=support.ARN, runtimeSessionId=sid))

    def test_errors(self):
        calls = [
            (self.client, {"op": "raise"}),  # 424 RuntimeClientError
            (support.bearer_client(None), {"op": "echo"}),  # 401
            (support.bearer_client("not-the-token"), {"op": "echo"}),  # 403
        ]
        for client, body in calls:
            with self.subTest(body=body), self.assertRaises(ClientError) as caught:
                support.invoke(client, body)
            request_id(caught.exception.response)

    def test_websocket_upgrade(self):
        sdk = AgentCoreRuntimeClient(region=support.REGION, session=support.session())
        url, _ = sdk.generate_ws_connection_oauth(
            runtime_arn=support.ARN, bearer_token=support.BEARER_TOKEN
        )

        async def upgrade_headers():
            headers = {"Authorization": f"Bearer {support.BEARER_TOKEN}"}
            async with connect(support.ws_url_for_emulator(url), additional_headers=headers) as ws:
                return ws.response.headers

        headers = asyncio.run(upgrade_headers())
        self.assertTrue(headers.get("x-amzn-requestid"), dict(headers.raw_items()))


if __name__ == "__main__":
    unittest.main()
