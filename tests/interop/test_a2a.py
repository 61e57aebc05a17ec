"""The official A2A Python SDK (`a2a-sdk` 1.x, unmodified) as the client of the
`a2a_agent` example, which `cargo xtask interop` starts on its own `A2A_PORT`
(`AGENTCORE_INTEROP_A2A_URL`): the agent card as the SDK's resolver parses it, a blocking
`SendMessage`, a streamed `SendStreamingMessage` (the task, working, the artifact,
completed), `GetTask`, and `CancelTask` and `GetTask` on unknown or finished tasks, a
two-turn task (input required, then continued by a message naming it), `ListTasks`
(filters and pages) and `SubscribeToTask`; and the SDK's own v0.3 client transport
(`message/send`, `message/stream`, `tasks/get`, `tasks/cancel`, `tasks/resubscribe`),
which parses the answers with its v0.3 models."""

import asyncio
import unittest
import uuid

import httpx
from a2a.client import A2ACardResolver, ClientConfig, create_client
from a2a.compat.v0_3.jsonrpc_transport import CompatJsonRpcTransport
from a2a.helpers.proto_helpers import get_artifact_text, new_text_message
from a2a.types import (
    CancelTaskRequest,
    GetTaskRequest,
    ListTasksRequest,
    Role,
    SendMessageRequest,
    SubscribeToTaskRequest,
    TaskState,
)
from a2a.utils.errors import (
    InvalidParamsError,
    TaskNotCancelableError,
    TaskNotFoundError,
    UnsupportedOperationError,
)

import support

A2A_URL = support.A2A_URL


def run(action, streaming=True):
    """Runs `action(client, card)` with an SDK client made from the agent's card."""

    async def go():
        async with httpx.AsyncClient(timeout=30) as http:
            card = await A2ACardResolver(http, A2A_URL).get_agent_card()
            config = ClientConfig(streaming=streaming, httpx_client=http)
            client = await create_client(card, client_config=config)
            return await action(client, card)

    return asyncio.run(asyncio.wait_for(go(), timeout=60))


def request(text):
    return SendMessageRequest(message=new_text_message(text, role=Role.ROLE_USER))


async def collect(client, text):
    return [event async for event in client.send_message(request(text))]


class A2aAgent(unittest.TestCase):
    def test_the_card_parses_and_names_the_endpoint(self):
        card = run(lambda client, card: asyncio.sleep(0, card))
        self.assertEqual(card.name, "echo")
        self.assertTrue(card.capabilities.streaming)
        self.assertEqual([s.id for s in card.skills], ["echo"])
        interface = card.supported_interfaces[0]
        self.assertEqual(interface.protocol_binding, "JSONRPC")
        self.assertEqual(interface.protocol_version, "1.0")
        self.assertEqual(interface.url.rstrip("/"), A2A_URL.rstrip("/"))

    def test_send_message_blocking_answers_with_the_completed_task(self):
        events = run(lambda client, _: collect(client, "hello"), streaming=False)
        self.assertEqual(len(events), 1)
        task = events[0].task
        self.assertEqual(task.status.state, TaskState.TASK_STATE_COMPLETED)
        self.assertEqual(get_artifact_text(task.artifacts[0]), "echo: hello")
        self.assertEqual(task.history[0].parts[0].text, "hello")

    def test_streaming_sends_the_task_working_the_artifact_and_completed(self):
        events = run(lambda client, _: collect(client, "stream me"))
        kinds = [event.WhichOneof("payload") for event in events]
        self.assertEqual(kinds, ["task", "status_update", "artifact_update", "status_update"])
        self.assertEqual(events[0].task.status.state, TaskState.TASK_STATE_SUBMITTED)
        self.assertEqual(events[1].status_update.status.state, TaskState.TASK_STATE_WORKING)
        self.assertEqual(get_artifact_text(events[2].artifact_update.artifact), "echo: stream me")
        self.assertEqual(events[3].status_update.status.state, TaskState.TASK_STATE_COMPLETED)
        task_id = events[0].task.id
        self.assertTrue(all(
            (e.status_update.task_id or e.artifact_update.task_id) == task_id for e in events[1:]
        ))

    def test_get_task_finds_a_finished_task_and_cancel_refuses_it(self):
        async def action(client, _):
            events = await collect(client, "keep me")
            task_id = events[0].task.id
            got = await client.get_task(GetTaskRequest(id=task_id))
            with self.assertRaises(TaskNotCancelableError) as refused:
                await client.cancel_task(CancelTaskRequest(id=task_id))
            return got, refused.exception

        got, refused = run(action)
        self.assertEqual(got.status.state, TaskState.TASK_STATE_COMPLETED)
        self.assertEqual(get_artifact_text(got.artifacts[0]), "echo: keep me")
        self.assertIn("cancel", str(refused).lower())

    def test_an_unknown_task_is_not_found(self):
        async def action(client, _):
            with self.assertRaises(TaskNotFoundError) as missing:
                await client.get_task(GetTaskRequest(id=str(uuid.uuid4())))
            return missing.exception

        self.assertIn("not found", str(run(action)).lower())


def reply(text, task):
    """A user message continuing `task`."""
    return SendMessageRequest(message=new_text_message(
        text, task_id=task.id, context_id=task.context_id, role=Role.ROLE_USER))


class A2aAgentTasks(unittest.TestCase):
    def test_a_task_waiting_for_input_is_continued_by_a_message_naming_it(self):
        async def action(client, _):
            asked = (await collect(client, "?"))[0].task
            answered = [e async for e in client.send_message(reply("twice", asked))][0].task
            with self.assertRaises(UnsupportedOperationError) as finished:
                await collect_reply(client, reply("again", answered))
            return asked, answered, finished.exception

        asked, answered, finished = run(action, streaming=False)
        self.assertEqual(asked.status.state, TaskState.TASK_STATE_INPUT_REQUIRED)
        self.assertEqual(asked.status.message.parts[0].text, "What should I echo?")
        self.assertEqual(answered.id, asked.id)
        self.assertEqual(answered.context_id, asked.context_id)
        self.assertEqual(answered.status.state, TaskState.TASK_STATE_COMPLETED)
        # The history: the question's message, the agent's question, the answer.
        self.assertEqual(get_artifact_text(answered.artifacts[0]), "echo: twice (3 messages)")
        self.assertEqual([m.parts[0].text for m in answered.history][-1], "twice")
        self.assertIn("terminal state", str(finished))

    def test_a_continued_task_streams_its_second_turn(self):
        async def action(client, _):
            asked = [e async for e in client.send_message(request("?"))]
            task = asked[0].task
            second = [e async for e in client.send_message(reply("streamed", task))]
            return asked, second

        asked, second = run(action)
        self.assertEqual(asked[-1].status_update.status.state, TaskState.TASK_STATE_INPUT_REQUIRED)
        kinds = [event.WhichOneof("payload") for event in second]
        self.assertEqual(kinds, ["task", "status_update", "artifact_update", "status_update"])
        self.assertEqual(second[0].task.status.state, TaskState.TASK_STATE_WORKING)
        self.assertEqual(get_artifact_text(second[2].artifact_update.artifact),
                         "echo: streamed (3 messages)")
        self.assertEqual(second[3].status_update.status.state, TaskState.TASK_STATE_COMPLETED)

    def test_list_tasks_filters_and_pages(self):
        context = str(uuid.uuid4())

        async def action(client, _):
            sent = []
            for text in ["one", "two", "?"]:
                message = new_text_message(text, context_id=context, role=Role.ROLE_USER)
                events = [e async for e in client.send_message(SendMessageRequest(message=message))]
                sent.append(events[0].task.id)
                await asyncio.sleep(0.01)  # distinct status timestamps (milliseconds)
            first = await client.list_tasks(ListTasksRequest(context_id=context, page_size=2))
            rest = await client.list_tasks(ListTasksRequest(
                context_id=context, page_size=2, page_token=first.next_page_token))
            waiting = await client.list_tasks(ListTasksRequest(
                context_id=context, status=TaskState.TASK_STATE_INPUT_REQUIRED))
            full = await client.list_tasks(ListTasksRequest(
                context_id=context, include_artifacts=True, history_length=1))
            with self.assertRaises(InvalidParamsError):
                await client.list_tasks(ListTasksRequest(page_size=101))
            return sent, first, rest, waiting, full

        sent, first, rest, waiting, full = run(action, streaming=False)
        newest_first = list(reversed(sent))
        self.assertEqual([t.id for t in first.tasks], newest_first[:2])
        self.assertEqual((first.total_size, first.page_size), (3, 2))
        self.assertTrue(first.next_page_token)
        self.assertEqual([t.id for t in rest.tasks], newest_first[2:])
        self.assertFalse(rest.next_page_token)
        self.assertEqual([t.id for t in waiting.tasks], [sent[2]])
        self.assertEqual(len(first.tasks[1].artifacts), 0)
        self.assertEqual(get_artifact_text(full.tasks[1].artifacts[0]), "echo: two")
        self.assertEqual(len(full.tasks[1].history), 1)

    def test_subscribe_to_task(self):
        async def action(client, _):
            asked = (await collect(client, "?"))[0].task
            waiting = [e async for e in client.subscribe(SubscribeToTaskRequest(id=asked.id))]
            done = (await collect(client, "done"))[0].task
            with self.assertRaises(UnsupportedOperationError):
                [e async for e in client.subscribe(SubscribeToTaskRequest(id=done.id))]
            with self.assertRaises(TaskNotFoundError):
                [e async for e in client.subscribe(SubscribeToTaskRequest(id=str(uuid.uuid4())))]
            return asked, waiting

        asked, waiting = run(action)  # the SDK subscribes with a streaming client only
        # A task waiting for input: the task alone, as it stands.
        self.assertEqual([e.WhichOneof("payload") for e in waiting], ["task"])
        self.assertEqual(waiting[0].task.id, asked.id)
        self.assertEqual(waiting[0].task.status.state, TaskState.TASK_STATE_INPUT_REQUIRED)


async def collect_reply(client, message_request):
    return [event async for event in client.send_message(message_request)]


def run_v03(action):
    """Runs `action(transport)` with the SDK's v0.3 JSON-RPC client transport."""

    async def go():
        async with httpx.AsyncClient(timeout=30) as http:
            transport = CompatJsonRpcTransport(http, None, A2A_URL, is_shared_httpx=True)
            return await action(transport)

    return asyncio.run(asyncio.wait_for(go(), timeout=60))


class A2aAgentV03(unittest.TestCase):
    def test_message_send_answers_a_v0_3_task(self):
        answer = run_v03(lambda t: t.send_message(request("old")))
        self.assertEqual(answer.task.status.state, TaskState.TASK_STATE_COMPLETED)
        self.assertEqual(get_artifact_text(answer.task.artifacts[0]), "echo: old")

    def test_message_stream_sends_v0_3_events(self):
        async def action(transport):
            return [e async for e in transport.send_message_streaming(request("old stream"))]

        events = run_v03(action)
        kinds = [event.WhichOneof("payload") for event in events]
        self.assertEqual(kinds, ["task", "status_update", "artifact_update", "status_update"])
        self.assertEqual(events[3].status_update.status.state, TaskState.TASK_STATE_COMPLETED)
        self.assertEqual(get_artifact_text(events[2].artifact_update.artifact), "echo: old stream")

    def test_tasks_get_and_tasks_cancel(self):
        async def action(transport):
            sent = await transport.send_message(request("old task"))
            got = await transport.get_task(GetTaskRequest(id=sent.task.id))
            with self.assertRaises(TaskNotCancelableError):
                await transport.cancel_task(CancelTaskRequest(id=sent.task.id))
            with self.assertRaises(TaskNotFoundError):
                await transport.get_task(GetTaskRequest(id=str(uuid.uuid4())))
            return sent, got

        sent, got = run_v03(action)
        self.assertEqual(got.id, sent.task.id)
        self.assertEqual(got.status.state, TaskState.TASK_STATE_COMPLETED)

    def test_a_two_turn_task_and_tasks_resubscribe(self):
        async def action(transport):
            asked = await transport.send_message(request("?"))
            waiting = [e async for e in transport.subscribe(SubscribeToTaskRequest(id=asked.task.id))]
            answered = await transport.send_message(reply("old turn", asked.task))
            return asked, waiting, answered

        asked, waiting, answered = run_v03(action)
        self.assertEqual(asked.task.status.state, TaskState.TASK_STATE_INPUT_REQUIRED)
        self.assertEqual(waiting[0].task.status.state, TaskState.TASK_STATE_INPUT_REQUIRED)
        self.assertEqual(answered.task.id, asked.task.id)
        self.assertEqual(get_artifact_text(answered.task.artifacts[0]), "echo: old turn (3 messages)")


if __name__ == "__main__":
    unittest.main()
