"""StopRuntimeSession through boto3 (`stop_runtime_session`), idempotent by clientToken."""

import unittest
import uuid

import support


class StopSession(unittest.TestCase):
    def test_stop_then_stop_again_with_the_same_client_token(self):
        client = support.client()
        sid = support.session_id()
        support.invoke(client, {"op": "echo", "data": "open the session"}, sid)
        token = str(uuid.uuid4())

        first = client.stop_runtime_session(
            agentRuntimeArn=support.ARN, runtimeSessionId=sid, clientToken=token
        )
        self.assertEqual(first["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(first["statusCode"], 200)
        self.assertEqual(first["runtimeSessionId"], sid)

        again = client.stop_runtime_session(
            agentRuntimeArn=support.ARN, runtimeSessionId=sid, clientToken=token
        )
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(again["runtimeSessionId"], sid)


if __name__ == "__main__":
    unittest.main()
