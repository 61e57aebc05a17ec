"""Who may call: bearer tokens (fixed and HS256 JWTs) and SigV4, accepted and refused,
with the error codes botocore parses from the emulator's answers."""

import json
import unittest

from botocore.exceptions import ClientError

import support


class Refusals(unittest.TestCase):
    def refusal(self, client):
        with self.assertRaises(ClientError) as caught:
            support.invoke(client, {"op": "echo"})
        answer = caught.exception.response
        code = answer["Error"]["Code"]
        self.assertTrue(code and code != "Unknown", f"botocore parsed no error code: {answer}")
        headers = answer["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers.get("x-amzn-errortype"), code)
        self.assertTrue(answer["Error"].get("Message"), answer)
        return answer["ResponseMetadata"]["HTTPStatusCode"], code

    def test_no_credentials(self):
        self.assertEqual(
            self.refusal(support.bearer_client(None)), (401, "UnauthorizedException")
        )

    def test_wrong_bearer_token(self):
        self.assertEqual(
            self.refusal(support.bearer_client("not-the-token")), (403, "AccessDeniedException")
        )

    def test_jwt_with_the_wrong_secret(self):
        token = support.hs256_jwt("not-the-secret")
        self.assertEqual(self.refusal(support.bearer_client(token)), (403, "AccessDeniedException"))

    def test_sigv4_with_the_wrong_secret(self):
        wrong = support.client(secret_access_key="not-the-secret")
        self.assertEqual(self.refusal(wrong), (403, "AccessDeniedException"))

    def test_sigv4_with_an_unknown_access_key(self):
        unknown = support.client(access_key_id="AKIAINTEROPUNKNOWN00")
        self.assertEqual(self.refusal(unknown), (401, "UnauthorizedException"))


class Admissions(unittest.TestCase):
    def echo(self, client):
        response = support.invoke(client, {"op": "echo", "data": "in"})
        self.assertEqual(json.loads(response["body"])["echo"], "in")

    def test_bearer_token(self):
        self.echo(support.bearer_client(support.BEARER_TOKEN))

    def test_jwt(self):
        self.echo(support.bearer_client(support.hs256_jwt(support.JWT_SECRET)))

    def test_sigv4(self):
        self.echo(support.client())


if __name__ == "__main__":
    unittest.main()
