"""Interactive shells with the Python SDK's own shell client (`open_shell`, `ShellSession`,
`ShellFramer`) against the emulator's real PTY, in the three auth modes.

The SDK builds and signs its URLs for the AWS host; a subclass of its client changes only
the scheme, host and port of each URL to the emulator's (which accepts signatures made for
that host), so everything else, the handshakes, frames, STATUS parsing, exit codes and
close codes, is the SDK's own."""

import asyncio
import unittest

from bedrock_agentcore.runtime import AgentCoreRuntimeClient
from bedrock_agentcore.runtime.shell import OAuthAuth, PresignedAuth, ShellChannel

import support

TIMEOUT_S = 20


class EmulatorClient(AgentCoreRuntimeClient):
    """The SDK's client with its shell URLs pointed at the emulator."""

    def connect_shell(self, *args, **kwargs):
        url, headers = super().connect_shell(*args, **kwargs)
        return support.ws_url_for_emulator(url), headers

    def connect_shell_presigned(self, *args, **kwargs):
        return support.ws_url_for_emulator(super().connect_shell_presigned(*args, **kwargs))

    def connect_shell_oauth(self, *args, **kwargs):
        url, subprotocols = super().connect_shell_oauth(*args, **kwargs)
        return support.ws_url_for_emulator(url), subprotocols


async def run_shell(client, script, **options):
    """Runs `script` in a new shell; its STDOUT text, exit code and kicked flag."""
    async with client.open_shell(support.ARN, session_id=support.session_id(), **options) as shell:
        await shell.send(script)
        output = []

        async def read():
            async for frame in shell:
                if frame.channel == ShellChannel.STDOUT:
                    output.append(frame.text)

        await asyncio.wait_for(read(), TIMEOUT_S)
        return "".join(output), shell.exit_code, shell.kicked


class SdkShells(unittest.TestCase):
    def setUp(self):
        self.sdk = EmulatorClient(region=support.REGION, session=support.session())

    def check(self, result, code):
        output, exit_code, kicked = result
        self.assertIn("sdk-42", output)
        self.assertEqual(exit_code, code)
        self.assertFalse(kicked)

    def test_sigv4_headers(self):
        self.check(asyncio.run(run_shell(self.sdk, "echo sdk-$((6*7)); exit 3\n")), 3)

    def test_presigned_url(self):
        auth = PresignedAuth(expires=120)
        self.check(asyncio.run(run_shell(self.sdk, "echo sdk-$((6*7))\nexit\n", auth=auth)), 0)

    def test_oauth_subprotocol(self):
        auth = OAuthAuth(bearer_token=support.BEARER_TOKEN)
        self.check(asyncio.run(run_shell(self.sdk, "echo sdk-$((6*7)); exit 5\n", auth=auth)), 5)

    def test_a_signal_exit_and_a_resize(self):
        async def scenario():
            sid = support.session_id()
            async with self.sdk.open_shell(support.ARN, session_id=sid) as shell:
                await shell.resize(132, 43)
                await shell.send("stty size; kill -9 $$\n")
                output = []

                async def read():
                    async for frame in shell:
                        if frame.channel == ShellChannel.STDOUT:
                            output.append(frame.text)

                await asyncio.wait_for(read(), TIMEOUT_S)
                return "".join(output), shell.exit_code

        output, code = asyncio.run(scenario())
        self.assertIn("43 132", output)
        self.assertEqual(code, 137)

    def test_a_second_client_kicks_the_first(self):
        async def scenario():
            sid = support.session_id()
            first = self.sdk.open_shell(support.ARN, session_id=sid, shell_id="kick-me")
            async with first:
                await first.send("echo attached-$((1+1))\n")
                async for frame in first:
                    if frame.channel == ShellChannel.STDOUT and "attached-2" in frame.text:
                        break
                second = self.sdk.open_shell(support.ARN, session_id=sid, shell_id="kick-me")
                async with second:
                    async for _ in first:
                        pass
                    await second.send("exit 0\n")
                    async for _ in second:
                        pass
                    return first.kicked, second.kicked, second.exit_code

        kicked, second_kicked, code = asyncio.run(asyncio.wait_for(scenario(), TIMEOUT_S))
        self.assertTrue(kicked)
        self.assertFalse(second_kicked)
        self.assertEqual(code, 0)


if __name__ == "__main__":
    unittest.main()
