"""AgentCore Identity: the reference SDK's `IdentityClient` (boto3's `bedrock-agentcore`
data-plane client underneath) against the emulator's workload access tokens, token vault
and USER_FEDERATION consent, and the workload access token the emulator hands the agent
with each invocation."""

import asyncio
import hashlib
import json
import os
import unittest
import urllib.error
import urllib.parse
import urllib.request
from unittest import mock

import boto3
from botocore.exceptions import ClientError

from bedrock_agentcore.services import identity as sdk_identity
from bedrock_agentcore.services.identity import (
    IdentityClient,
    UserIdIdentifier,
    UserTokenIdentifier,
)

import support

# The header the agent gets its workload access token in.
WAT_HEADER = "x-amz-bedrock-agentcore-identity-wat"
# The runtime of the identity_agent example.
IDENTITY_ARN = os.environ["AGENTCORE_INTEROP_IDENTITY_ARN"]
# The SDK's poller sleeps this long between polls (5 s by default).
POLL_INTERVAL_S = 0.05


def identity_client():
    """The SDK's client with its data plane at the emulator: the value it reads from
    `BEDROCK_AGENTCORE_DP_ENDPOINT` when imported, set for this client only (the runtime
    client of the other tests validates that variable as an AWS host), and the run's
    credentials in boto3's default session, which the SDK uses."""
    boto3.setup_default_session(
        aws_access_key_id=support.ACCESS_KEY_ID,
        aws_secret_access_key=support.SECRET_ACCESS_KEY,
        region_name=support.REGION,
    )
    with mock.patch.object(sdk_identity, "DP_ENDPOINT_OVERRIDE", support.ENDPOINT):
        return IdentityClient(support.REGION)


def error_code(caught):
    """The code botocore parsed from a refusal, checked against `x-amzn-errortype`."""
    answer = caught.exception.response
    code = answer["Error"]["Code"]
    headers = answer["ResponseMetadata"]["HTTPHeaders"]
    assert headers.get("x-amzn-errortype") == code, answer
    return code


def forged_wat():
    """A token shaped as the emulator's, signed with a key that is not its own."""
    return support.hs256_jwt("a guessed key")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *_args, **_kwargs):
        return None


def open_without_redirect(url):
    """`GET url` as a browser would, without following a redirect: `(status, headers,
    body)`."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=10) as answer:
            return answer.status, answer.headers, answer.read().decode()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read().decode()


class WorkloadAccessTokens(unittest.TestCase):
    def setUp(self):
        self.client = identity_client()

    def test_identity_tokens_for_the_workload_a_user_id_and_a_jwt(self):
        tokens = [
            self.client.get_workload_access_token(support.WORKLOAD),
            self.client.get_workload_access_token(support.WORKLOAD, user_id="alice"),
            self.client.get_workload_access_token(
                support.WORKLOAD, user_token=support.hs256_jwt(support.JWT_SECRET)
            ),
        ]
        wats = [answer["workloadAccessToken"] for answer in tokens]
        self.assertEqual(len(set(wats)), 3, "three different tokens")
        for wat in wats:
            key = asyncio.run(
                self.client.get_api_key(
                    provider_name=support.API_KEY_PROVIDER, agent_identity_token=wat
                )
            )
            self.assertEqual(key, support.API_KEY)

    def test_identity_refusals(self):
        with self.assertRaises(ClientError) as caught:
            self.client.get_workload_access_token("no-such-workload")
        self.assertEqual(error_code(caught), "ResourceNotFoundException")
        with self.assertRaises(ClientError) as caught:
            self.client.get_workload_access_token(
                support.WORKLOAD, user_token=support.hs256_jwt("not-the-secret")
            )
        self.assertEqual(error_code(caught), "AccessDeniedException")


class TokenVault(unittest.TestCase):
    def setUp(self):
        self.client = identity_client()
        self.wat = self.client.get_workload_access_token(support.WORKLOAD, user_id="alice")[
            "workloadAccessToken"
        ]

    def get_token(self, **kwargs):
        arguments = {
            "provider_name": support.OAUTH2_PROVIDER,
            "scopes": ["repo"],
            "agent_identity_token": self.wat,
        }
        arguments.update(kwargs)
        with mock.patch.object(sdk_identity, "DEFAULT_POLLING_INTERVAL_SECONDS", POLL_INTERVAL_S):
            return asyncio.run(self.client.get_token(**arguments))

    def test_identity_api_key(self):
        key = asyncio.run(
            self.client.get_api_key(
                provider_name=support.API_KEY_PROVIDER, agent_identity_token=self.wat
            )
        )
        self.assertEqual(key, support.API_KEY)

    def test_identity_m2m(self):
        self.assertEqual(self.get_token(auth_flow="M2M"), support.OAUTH2_TOKEN)

    def test_identity_forged_token_and_unknown_provider(self):
        with self.assertRaises(ClientError) as caught:
            asyncio.run(
                self.client.get_api_key(
                    provider_name=support.API_KEY_PROVIDER, agent_identity_token=forged_wat()
                )
            )
        self.assertEqual(error_code(caught), "AccessDeniedException")
        with self.assertRaises(ClientError) as caught:
            self.get_token(auth_flow="M2M", agent_identity_token=forged_wat())
        self.assertEqual(error_code(caught), "AccessDeniedException")
        with self.assertRaises(ClientError) as caught:
            asyncio.run(
                self.client.get_api_key(
                    provider_name="no-such-provider", agent_identity_token=self.wat
                )
            )
        self.assertEqual(error_code(caught), "ResourceNotFoundException")

    def test_identity_user_federation_consent_then_the_vault(self):
        opened = []

        def consent(url):
            opened.append(url)
            status, headers, body = open_without_redirect(url)
            self.assertEqual(status, 200, body)
            self.assertTrue(headers["Content-Type"].startswith("text/html"))
            self.assertIn("Consent granted", body)

        scopes = ["read:user", "interop-consent"]
        token = self.get_token(auth_flow="USER_FEDERATION", scopes=scopes, on_auth_url=consent)
        self.assertEqual(token, support.OAUTH2_TOKEN)
        self.assertEqual(len(opened), 1)
        self.assertTrue(opened[0].startswith(f"{support.ENDPOINT}/identities/consent/"), opened)

        # The consent is remembered: the token at once, no URL.
        def unexpected(url):
            self.fail(f"consent asked again: {url}")

        again = self.get_token(auth_flow="USER_FEDERATION", scopes=scopes, on_auth_url=unexpected)
        self.assertEqual(again, support.OAUTH2_TOKEN)
        # force_authentication asks again.
        forced = self.get_token(
            auth_flow="USER_FEDERATION",
            scopes=scopes,
            on_auth_url=consent,
            force_authentication=True,
        )
        self.assertEqual(forced, support.OAUTH2_TOKEN)
        self.assertEqual(len(opened), 2)
        self.assertNotEqual(opened[0], opened[1])

    def test_identity_user_federation_with_a_return_url_and_complete_resource_token_auth(self):
        jwt = support.hs256_jwt(support.JWT_SECRET, sub="carol")
        self.wat = self.client.get_workload_access_token(support.WORKLOAD, user_token=jwt)[
            "workloadAccessToken"
        ]
        return_url = "http://127.0.0.1:9/interop/callback"
        seen = {}

        def consent(url):
            status, headers, body = open_without_redirect(url)
            self.assertEqual(status, 302, body)
            location = headers["Location"]
            self.assertTrue(location.startswith(f"{return_url}?"), location)
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
            session_uri = query["session_id"][0]
            seen.update(session_uri=session_uri, state=query["state"][0])
            # Another user cannot release it; the user who consented can.
            with self.assertRaises(ClientError) as caught:
                self.client.complete_resource_token_auth(
                    session_uri, UserIdIdentifier(user_id="mallory")
                )
            self.assertEqual(error_code(caught), "AccessDeniedException")
            self.client.complete_resource_token_auth(
                session_uri, UserTokenIdentifier(user_token=jwt)
            )

        token = self.get_token(
            auth_flow="USER_FEDERATION",
            scopes=["interop-return-url"],
            callback_url=return_url,
            custom_state="interop-state",
            on_auth_url=consent,
        )
        self.assertEqual(token, support.OAUTH2_TOKEN)
        self.assertTrue(seen["session_uri"].startswith("urn:ietf:params:oauth:request_uri:"))
        self.assertEqual(seen["state"], "interop-state")

    def test_identity_complete_resource_token_auth_for_an_unknown_session(self):
        with self.assertRaises(ClientError) as caught:
            self.client.complete_resource_token_auth(
                "urn:ietf:params:oauth:request_uri:unknown", UserIdIdentifier(user_id="alice")
            )
        self.assertEqual(error_code(caught), "ResourceNotFoundException")


class InjectedToken(unittest.TestCase):
    """The runtime is the emulator's workload: an invocation reaches the agent with a
    workload access token for its caller's user, which the SDK then trades."""

    def seen_wat(self, boto_client, **extra):
        response = support.invoke(boto_client, {"op": "echo"}, **extra)
        headers = json.loads(response["body"])["request_headers"] or {}
        return {name.lower(): value for name, value in headers.items()}.get(WAT_HEADER)

    def test_identity_token_in_invocations(self):
        client = identity_client()
        jwt = support.hs256_jwt(support.JWT_SECRET, sub="dave")
        from_jwt = self.seen_wat(support.bearer_client(jwt))
        self.assertTrue(from_jwt)
        key = asyncio.run(
            client.get_api_key(provider_name=support.API_KEY_PROVIDER, agent_identity_token=from_jwt)
        )
        self.assertEqual(key, support.API_KEY)
        # SigV4: for the user-id header's user, and none without it.
        self.assertTrue(self.seen_wat(support.client(), runtimeUserId="erin"))
        self.assertIsNone(self.seen_wat(support.client()))


class IdentityAgentExample(unittest.TestCase):
    """The `identity_agent` example behind the emulator (its own runtime): it fetches the
    provider's key with the workload access token the emulator injected for the caller's
    user, through agentcore-client's helpers, and answers the key's SHA-256."""

    def ask(self, boto_client, provider, **extra):
        response = boto_client.invoke_agent_runtime(
            agentRuntimeArn=IDENTITY_ARN,
            runtimeSessionId=support.session_id(),
            contentType="application/json",
            payload=support.payload({"provider": provider}),
            **extra,
        )
        return json.loads(response["response"].read())

    def test_identity_agent_example_gets_its_key_with_the_injected_token(self):
        expected = hashlib.sha256(support.API_KEY.encode()).hexdigest()
        answer = self.ask(support.client(), support.API_KEY_PROVIDER, runtimeUserId="frank")
        self.assertEqual(answer, {"api_key_sha256": expected})
        jwt = support.hs256_jwt(support.JWT_SECRET, sub="grace")
        answer = self.ask(support.bearer_client(jwt), support.API_KEY_PROVIDER)
        self.assertEqual(answer, {"api_key_sha256": expected})
        self.assertNotIn(support.API_KEY, json.dumps(answer))

    def test_identity_agent_example_without_a_user_fails_as_the_runtime_does(self):
        # SigV4 without a user id: no token reaches the agent; its 500 is the runtime's 424.
        with self.assertRaises(ClientError) as refused:
            self.ask(support.client(), support.API_KEY_PROVIDER)
        self.assertEqual(refused.exception.response["Error"]["Code"], "RuntimeClientError")


if __name__ == "__main__":
    unittest.main()
