"""InvokeAgentRuntimeCommand through boto3 (`invoke_agent_runtime_command`): the command's
output as EventStream `chunk` events, its exit code and the timed-out status."""

import unittest

import support


def run_command(command, timeout):
    """Runs `command` in a new session; (stdout, stderr, exitCode, status, response)."""
    client = support.client()
    response = client.invoke_agent_runtime_command(
        agentRuntimeArn=support.ARN,
        runtimeSessionId=support.session_id(),
        body={"command": command, "timeout": timeout},
    )
    stdout, stderr, stop, kinds = [], [], None, []
    for event in response["stream"]:
        chunk = event.get("chunk")
        if chunk is None:
            raise AssertionError(f"not a chunk event: {event}")
        for kind, value in chunk.items():
            kinds.append(kind)
            if kind == "contentDelta":
                stdout.append(value.get("stdout", ""))
                stderr.append(value.get("stderr", ""))
            elif kind == "contentStop":
                stop = value
    if not kinds or kinds[0] != "contentStart" or kinds[-1] != "contentStop":
        raise AssertionError(f"events out of order: {kinds}")
    return "".join(stdout), "".join(stderr), stop.get("exitCode"), stop.get("status"), response


class Commands(unittest.TestCase):
    def test_output_and_exit_code(self):
        stdout, stderr, code, status, response = run_command("echo hi; echo oops >&2; exit 3", 30)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(stdout, "hi\n")
        self.assertEqual(stderr, "oops\n")
        self.assertEqual(code, 3)
        self.assertEqual(status, "COMPLETED")

    def test_timeout_ends_the_command(self):
        stdout, _, _, status, _ = run_command("echo started; sleep 20; echo finished", 1)
        self.assertEqual(status, "TIMED_OUT")
        self.assertEqual(stdout, "started\n")


if __name__ == "__main__":
    unittest.main()
