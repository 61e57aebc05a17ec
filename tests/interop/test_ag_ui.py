"""The official AG-UI Python types (`ag-ui-protocol`, unmodified) against the
`ag_ui_agent` example, which `cargo xtask interop` starts on its own `PORT`
(`AGENTCORE_INTEROP_AG_UI_URL`): a `RunAgentInput` made and serialized by the package is
accepted, and every event the agent sends, over SSE (`POST /invocations`) and over
WebSocket text frames (`/ws`), validates as the package's `Event` union with no unknown
field and serializes back to exactly what was sent; the run's order is the protocol's."""

import asyncio
import json
import unittest
import urllib.error
import urllib.request

import websockets
from ag_ui.core import Event, RunAgentInput, TextInputContent, UserMessage, AssistantMessage
from ag_ui.encoder import EventEncoder
from pydantic import TypeAdapter

import support

EVENTS = TypeAdapter(Event)
TEXT = "hello from the AG-UI interop suite"


def run_input(text=TEXT, parts=False):
    """A RunAgentInput as the package writes it (camelCase, by alias)."""
    content = [TextInputContent(text=text)] if parts else text
    run = RunAgentInput(
        thread_id="thread-1",
        run_id="run-1",
        state={"step": 0},
        messages=[
            UserMessage(id="u0", content="earlier"),
            AssistantMessage(id="a0", content="noted"),
            UserMessage(id="u1", content=content),
        ],
        tools=[],
        context=[],
        forwarded_props={},
    )
    return run.model_dump_json(by_alias=True)


def sse_events(body):
    request = urllib.request.Request(
        support.AG_UI_URL + "/invocations",
        data=body.encode(),
        headers={"Content-Type": "application/json", "Accept": EventEncoder().get_content_type()},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        content_type = response.headers["Content-Type"]
        text = response.read().decode()
    return content_type, text


def ws_frames(body):
    async def run():
        url = support.AG_UI_URL.replace("http://", "ws://", 1) + "/ws"
        async with websockets.connect(url, open_timeout=30) as socket:
            await socket.send(body)
            frames = []
            try:
                while True:
                    frames.append(await socket.recv())
            except websockets.ConnectionClosed:
                return frames, socket.close_code

    return asyncio.run(asyncio.wait_for(run(), timeout=60))


class AgUiAgent(unittest.TestCase):
    def check(self, wire_events):
        """Validates each event and checks the run's order; the typed events."""
        typed = []
        for wire in wire_events:
            data = json.loads(wire)
            event = EVENTS.validate_python(data)
            self.assertFalse(event.model_extra, f"unknown fields in {wire}")
            self.assertEqual(json.loads(event.model_dump_json(by_alias=True)), data)
            # The reference encoder writes exactly what the agent wrote.
            self.assertEqual(EventEncoder().encode(event), f"data: {wire}\n\n")
            typed.append(event)
        kinds = [e.type.value for e in typed]
        self.assertEqual(kinds[0], "RUN_STARTED")
        self.assertEqual(kinds[1], "TEXT_MESSAGE_START")
        self.assertGreater(kinds.count("TEXT_MESSAGE_CONTENT"), 1)
        self.assertEqual(kinds[-2:], ["TEXT_MESSAGE_END", "RUN_FINISHED"])
        self.assertEqual((typed[0].thread_id, typed[0].run_id), ("thread-1", "run-1"))
        self.assertEqual((typed[-1].thread_id, typed[-1].run_id), ("thread-1", "run-1"))
        message_ids = {e.message_id for e in typed[1:-1]}
        self.assertEqual(len(message_ids), 1)
        self.assertEqual(typed[1].role, "assistant")
        text = "".join(e.delta for e in typed if e.type.value == "TEXT_MESSAGE_CONTENT")
        self.assertEqual(text, TEXT)
        return typed

    def test_sse_events_validate(self):
        for parts in (False, True):
            content_type, text = sse_events(run_input(parts=parts))
            self.assertTrue(content_type.startswith("text/event-stream"), content_type)
            self.assertTrue(text.endswith("\n\n"))
            events = []
            for block in text.split("\n\n")[:-1]:
                self.assertTrue(block.startswith("data: "), block)
                events.append(block[len("data: "):])
            self.check(events)

    def test_websocket_frames_validate(self):
        frames, code = ws_frames(run_input())
        self.assertEqual(code, 1000)
        events = []
        for frame in frames:
            self.assertIsInstance(frame, str)  # text frames
            self.assertTrue(frame.startswith("data: ") and frame.endswith("\n\n"), frame)
            events.append(frame[len("data: "):-2])
        self.check(events)

    def test_input_that_is_not_a_run_agent_input(self):
        bad = json.dumps({"runId": "r", "messages": []})
        with self.assertRaises(urllib.error.HTTPError) as caught:
            sse_events(bad)
        self.assertEqual(caught.exception.code, 400)
        frames, code = ws_frames(bad)
        self.assertEqual((frames, code), ([], 1003))


if __name__ == "__main__":
    unittest.main()
