"""InvokeAgentRuntime through boto3: JSON and SSE answers, request ids, the agent's
failures as the service reports them, and which headers reach the agent."""

import json
import unittest

from botocore.exceptions import ClientError

import support


class InvokeJson(unittest.TestCase):
    def setUp(self):
        self.client = support.client()

    def test_echo_answer_and_request_id(self):
        sid = support.session_id()
        data = {"a": 1, "b": [1, 2, "x"], "c": None, "text": "héllo"}
        response = support.invoke(self.client, {"op": "echo", "data": data}, sid)

        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(response["contentType"].split(";")[0], "application/json")
        answer = json.loads(response["body"])
        self.assertEqual(answer["echo"], data)
        self.assertEqual(answer["session_id"], sid)
        self.assertEqual(response["runtimeSessionId"], sid)

        request_id = response["ResponseMetadata"].get("RequestId")
        self.assertTrue(request_id, "botocore found no request id (no x-amzn-requestid header)")
        self.assertEqual(request_id, support.header(response, "x-amzn-requestid"))

    def test_request_id_is_the_one_the_agent_saw(self):
        sid = support.session_id()
        response = support.invoke(self.client, {"op": "whoami"}, sid)
        seen = json.loads(response["body"])
        self.assertTrue(seen["request_id"])
        self.assertEqual(seen["session_id"], sid)
        self.assertEqual(
            response["ResponseMetadata"].get("RequestId"),
            seen["request_id"],
            "the x-amzn-requestid answered is not the request id the agent was given",
        )


class InvokeSse(unittest.TestCase):
    def test_stream_of_three_events(self):
        client = support.client()
        response = support.invoke(client, {"op": "stream", "count": 3})
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(response["contentType"].split(";")[0], "text/event-stream")
        text = response["body"].decode()
        events = [
            json.loads(line[len("data:") :].strip())
            for line in text.splitlines()
            if line.startswith("data:")
        ]
        self.assertEqual(events, [{"i": 0}, {"i": 1}, {"i": 2}], text)


class AgentFailures(unittest.TestCase):
    """An agent's non-2xx answer is the service's 424 RuntimeClientError, which botocore
    does not retry: the agent is called once."""

    def setUp(self):
        self.client = support.client()

    def assert_runtime_client_error(self, body, agent_status):
        response, error, calls = support.calls_during(lambda: support.invoke(self.client, body))
        self.assertIsNone(response, f"the call succeeded: {response}")
        self.assertIsInstance(error, ClientError, repr(error))
        answer = error.response
        self.assertEqual(calls, 1, f"the agent was called {calls} times for one call: {answer}")
        self.assertEqual(answer["Error"]["Code"], "RuntimeClientError", answer)
        self.assertEqual(answer["ResponseMetadata"]["HTTPStatusCode"], 424, answer)
        self.assertEqual(
            answer["Error"]["Message"],
            support.RUNTIME_ERROR_MESSAGE.format(status=agent_status),
        )
        headers = answer["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers.get("x-amzn-errortype"), "RuntimeClientError")
        self.assertEqual(answer["ResponseMetadata"].get("RetryAttempts"), 0, answer)

    def test_agent_500_is_424_runtime_client_error_called_once(self):
        self.assert_runtime_client_error({"op": "raise"}, 500)

    def test_agent_status_is_named_in_the_message(self):
        self.assert_runtime_client_error({"op": "http_error", "status": 400, "detail": "no"}, 400)


class ForwardedHeaders(unittest.TestCase):
    """Custom headers always reach the agent, other headers only when named with
    `--forward-header`, and Authorization (a bearer token) only when named too."""

    def request_headers(self, client, extra):
        support.add_headers(client, extra)
        response = support.invoke(client, {"op": "echo"})
        headers = json.loads(response["body"])["request_headers"] or {}
        return {name.lower(): value for name, value in headers.items()}

    def test_custom_and_named_headers_are_forwarded_others_not(self):
        seen = self.request_headers(
            support.client(),
            {
                "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant": "acme",
                support.FORWARD_HEADER: "named",
                "X-Interop-Not-Named": "dropped",
            },
        )
        self.assertEqual(seen.get("x-amzn-bedrock-agentcore-runtime-custom-tenant"), "acme")
        self.assertEqual(seen.get(support.FORWARD_HEADER.lower()), "named", seen)
        self.assertNotIn("x-interop-not-named", seen)

    def test_bearer_token_is_not_forwarded_unless_named(self):
        seen = self.request_headers(support.bearer_client(support.BEARER_TOKEN), {})
        self.assertNotIn("authorization", seen)


if __name__ == "__main__":
    unittest.main()
