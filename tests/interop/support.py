"""What the interop tests share: the run's endpoint, ARN and secrets, and the clients.

`cargo xtask interop` starts the conformance agent and the emulator in front of it and
passes their addresses and the run's secrets in these environment variables:

    AGENTCORE_INTEROP_ENDPOINT       the emulator, e.g. http://127.0.0.1:41234
    AGENTCORE_INTEROP_PORT           its port
    AGENTCORE_INTEROP_AGENT_URL      the conformance agent itself (to read its call count)
    AGENTCORE_INTEROP_ARN            the runtime ARN the emulator serves
    AGENTCORE_INTEROP_REGION         us-east-1
    AGENTCORE_INTEROP_SIGNING_HOST   the AWS host the emulator accepts signatures for
    AGENTCORE_INTEROP_BEARER_TOKEN   a bearer token the emulator accepts
    AGENTCORE_INTEROP_JWT_SECRET     the HS256 secret of the JWTs it accepts
    AGENTCORE_INTEROP_ACCESS_KEY_ID, AGENTCORE_INTEROP_SECRET_ACCESS_KEY
                                     SigV4 credentials it accepts (fake, made for the run)
    AGENTCORE_INTEROP_FORWARD_HEADER a header name given to the emulator's --forward-header
    AGENTCORE_INTEROP_WORKLOAD       the emulator's workload identity (--workload): the
                                     runtime is it, so invocations carry a WAT
    AGENTCORE_INTEROP_API_KEY_PROVIDER, AGENTCORE_INTEROP_API_KEY
                                     its API key credential provider and the key
    AGENTCORE_INTEROP_OAUTH2_PROVIDER, AGENTCORE_INTEROP_OAUTH2_TOKEN
                                     its OAuth2 credential provider and the token
    AGENTCORE_INTEROP_MCP_URL        the mcp_server example's endpoint, e.g.
                                     http://127.0.0.1:41236/mcp (on its own MCP_PORT)
    AGENTCORE_INTEROP_AG_UI_URL      the ag_ui_agent example, e.g. http://127.0.0.1:41238
                                     (on its own PORT)
    AGENTCORE_INTEROP_A2A_URL        the a2a_agent example, e.g. http://127.0.0.1:41239
                                     (on its own A2A_PORT; PORT set to another)

The clients are the official ones, unmodified: boto3's `bedrock-agentcore` client pointed
at the emulator with `endpoint_url`, and the Python SDK's `AgentCoreRuntimeClient`.
"""

import base64
import hashlib
import hmac
import json
import os
import time
import urllib.request
import uuid

import boto3
import botocore
from botocore.config import Config


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set: run the suite with `cargo xtask interop`")
    return value


ENDPOINT = _env("AGENTCORE_INTEROP_ENDPOINT")
PORT = int(_env("AGENTCORE_INTEROP_PORT"))
AGENT_URL = _env("AGENTCORE_INTEROP_AGENT_URL")
ARN = _env("AGENTCORE_INTEROP_ARN")
REGION = _env("AGENTCORE_INTEROP_REGION")
SIGNING_HOST = _env("AGENTCORE_INTEROP_SIGNING_HOST")
BEARER_TOKEN = _env("AGENTCORE_INTEROP_BEARER_TOKEN")
JWT_SECRET = _env("AGENTCORE_INTEROP_JWT_SECRET")
ACCESS_KEY_ID = _env("AGENTCORE_INTEROP_ACCESS_KEY_ID")
SECRET_ACCESS_KEY = _env("AGENTCORE_INTEROP_SECRET_ACCESS_KEY")
FORWARD_HEADER = _env("AGENTCORE_INTEROP_FORWARD_HEADER")
WORKLOAD = _env("AGENTCORE_INTEROP_WORKLOAD")
API_KEY_PROVIDER = _env("AGENTCORE_INTEROP_API_KEY_PROVIDER")
API_KEY = _env("AGENTCORE_INTEROP_API_KEY")
OAUTH2_PROVIDER = _env("AGENTCORE_INTEROP_OAUTH2_PROVIDER")
OAUTH2_TOKEN = _env("AGENTCORE_INTEROP_OAUTH2_TOKEN")
MCP_URL = _env("AGENTCORE_INTEROP_MCP_URL")
AG_UI_URL = _env("AGENTCORE_INTEROP_AG_UI_URL")
A2A_URL = _env("AGENTCORE_INTEROP_A2A_URL")

# The SDK's default retry behaviour, said explicitly: botocore's "standard" mode, three
# attempts in all. The tests count how often the agent is called, so retries stay on.
RETRIES = {"mode": "standard", "total_max_attempts": 3}

# The message the service gives when the agent answers with a non-2xx status.
RUNTIME_ERROR_MESSAGE = (
    "Received error ({status}) from runtime. "
    "Please check your CloudWatch logs for more information."
)


def config(**extra):
    """A botocore Config: us-east-1, the default retries, timeouts for a local peer."""
    return Config(
        region_name=REGION,
        retries=dict(RETRIES),
        connect_timeout=5,
        read_timeout=30,
        **extra,
    )


def session(secret_access_key=SECRET_ACCESS_KEY, access_key_id=ACCESS_KEY_ID):
    """A boto3 session with the run's credentials (or the ones given)."""
    return boto3.Session(
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        region_name=REGION,
    )


def client(secret_access_key=SECRET_ACCESS_KEY, access_key_id=ACCESS_KEY_ID):
    """boto3's `bedrock-agentcore` client, SigV4-signed, pointed at the emulator."""
    return session(secret_access_key, access_key_id).client(
        "bedrock-agentcore", endpoint_url=ENDPOINT, config=config()
    )


def bearer_client(token):
    """boto3's client without SigV4, sending `Authorization: Bearer <token>` instead (or
    no credentials at all when `token` is None), through botocore's `before-send` hook."""
    unsigned = session().client(
        "bedrock-agentcore",
        endpoint_url=ENDPOINT,
        config=config(signature_version=botocore.UNSIGNED),
    )
    if token is not None:

        def add_bearer(request, **_):
            request.headers["Authorization"] = f"Bearer {token}"

        unsigned.meta.events.register("before-send.bedrock-agentcore.*", add_bearer)
    return unsigned


def add_headers(boto_client, headers):
    """Adds request headers to every call of `boto_client` before it is signed."""

    def add(request, **_):
        for name, value in headers.items():
            request.headers[name] = value

    boto_client.meta.events.register("before-sign.bedrock-agentcore.*", add)


def session_id():
    """A new runtime session id (the service wants at least 33 characters)."""
    return f"interop-{uuid.uuid4()}"


def payload(value):
    return json.dumps(value).encode()


def invoke(boto_client, body, sid=None, **extra):
    """`invoke_agent_runtime` with a JSON payload; the response, its body read."""
    response = boto_client.invoke_agent_runtime(
        agentRuntimeArn=ARN,
        runtimeSessionId=sid or session_id(),
        contentType="application/json",
        payload=payload(body),
        **extra,
    )
    response["body"] = response["response"].read()
    return response


def header(response, name):
    """A response header (botocore keeps them lower-cased)."""
    return response["ResponseMetadata"]["HTTPHeaders"].get(name.lower())


def agent_calls():
    """The conformance agent's `{"calls": N}`: the invocations it has handled, this one
    included (asked of the agent itself, not through the emulator)."""
    request = urllib.request.Request(
        f"{AGENT_URL}/invocations",
        data=payload({"op": "calls"}),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["calls"]


def calls_during(action):
    """How many invocations the agent handled while `action()` ran; its result or the
    exception it raised, and that count."""
    before = agent_calls()
    try:
        result, error = action(), None
    except Exception as exc:  # noqa: BLE001 - handed back to the test to check
        result, error = None, exc
    return result, error, agent_calls() - before - 1


def hs256_jwt(secret, lifetime_s=300, sub="interop"):
    """An HS256 JWT for `sub` with `exp` `lifetime_s` from now (standard library only)."""

    def b64(data):
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"sub": sub, "exp": int(time.time()) + lifetime_s}
    body = b64(json.dumps(claims).encode())
    signed = f"{head}.{body}".encode()
    mac = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def ws_url_for_emulator(url):
    """An SDK-made `wss://<AWS host>/...` URL with only its scheme, host and port changed to
    the emulator's; the path and query stay byte for byte (the signature covers them)."""
    scheme, rest = url.split("://", 1)
    assert scheme == "wss", url
    host, slash, path_and_query = rest.partition("/")
    assert host == SIGNING_HOST, f"the SDK signed for {host}, not {SIGNING_HOST}"
    return f"ws://127.0.0.1:{PORT}{slash}{path_and_query}"
