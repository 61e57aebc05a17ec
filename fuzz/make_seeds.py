#!/usr/bin/env python3
"""Writes fuzz/seeds/<target>/ from the recorded conformance data (../shared/conformance,
or $AGENTCORE_SHARED/conformance): the bodies, frames, ARNs, headers and tokens the
Python reference sent and answered, each a file named by its SHA-1 (libFuzzer's
convention). Run from the repository root: python3 fuzz/make_seeds.py"""
import base64, hashlib, json, os, pathlib, struct, zlib

root = pathlib.Path(__file__).resolve().parent
shared = pathlib.Path(os.environ.get("AGENTCORE_SHARED", root.parent.parent / "shared")) / "conformance"
seeds = {}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    seeds.setdefault(target, set()).add(bytes(data))


def walk(value, key=""):
    if isinstance(value, dict):
        for k, v in value.items():
            walk(v, k)
        headers = {k: v for k, v in value.items() if isinstance(v, str)}
        if key.lower() in ("headers", "request_headers"):
            add("baggage", "\n".join(f"{k}: {v}" for k, v in headers.items()))
        body = None
        if isinstance(value.get("body_b64"), str):
            body = base64.b64decode(value["body_b64"])
        if "body_json" in value:
            body = json.dumps(value["body_json"]).encode()
        if body is not None:
            add("invocation_payload", body)
            add("ag_ui_request", body)
            add("a2a_request", body)
            # No chunk lengths (the first byte 0), then the stream.
            add("sse_decoder", b"\x00" + body)
            add("event_stream", b"\x00" + body)
    elif isinstance(value, list):
        for v in value:
            walk(v, key)
    elif isinstance(value, str):
        k = key.lower()
        if value.startswith("arn:") or k in ("region", "session_id", "runtime_arn", "shell_id") or "session-id" in k:
            add("arn", value)
        if k == "baggage":
            add("baggage", value)
        if k in ("frame_b64", "payload_b64"):
            add("shell_frame", base64.b64decode(value))
        if k in ("bearer", "bearer_token") or value.startswith("Bearer "):
            add("emulator_jwt", value.removeprefix("Bearer "))
        if k == "url" and "X-Amz-Signature" in value:
            # The sigv4 target reads its mutations from the bytes: the URL's text is as
            # good a start as any (it becomes a header signature's fields).
            add("emulator_sigv4", value)
        if k == "authorization" and value.startswith("AWS4-HMAC-SHA256"):
            cred = value.split("Credential=", 1)[-1].split("/", 1)[-1]
            add("emulator_sigv4", b"\x00" + ("20261121T123456Z\n" + cred).encode())
        if "data:" in value:
            add("sse_decoder", b"\x00" + value.encode())
            add("sse_decoder", b"\x03\x01\x07\x02" + value.encode())


def frame(payload):
    """An AWS event-stream event frame (`:message-type` event, `:event-type` chunk)."""
    headers = b""
    for name, text in ((":message-type", "event"), (":event-type", "chunk"), (":content-type", "application/json")):
        headers += bytes([len(name)]) + name.encode() + b"\x07" + struct.pack(">H", len(text)) + text.encode()
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


for name in ("http-cases.json", "dataplane-cases.json", "shell-vectors.json", "sigv4-vectors.json"):
    walk(json.loads((shared / name).read_text()))
    for case in json.loads((shared / name).read_text()):
        if case.get("operation") == "command":
            events = case.get("response", {}).get("events") or []
            stream = b"".join(frame(json.dumps(e).encode()) for e in events if isinstance(e, dict))
            if stream:
                add("event_stream", b"\x00" + stream)
                add("event_stream", b"\x02\x10\x31" + stream)
for chunk in ({"contentStart": {}}, {"contentDelta": {"stdout": "hi\n"}}, {"contentStop": {"exitCode": 0, "status": "COMPLETED"}}):
    add("event_stream", b"\x00" + frame(json.dumps(chunk).encode()))
add("emulator_sigv4", b"")
add("emulator_jwt", b"fixed-token")
add("a2a_request", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": {"messageId": "m-1", "role": "ROLE_USER", "parts": [{"text": "hi"}]}}}))
add("a2a_request", json.dumps({"messageId": "m-1", "role": "ROLE_USER", "parts": [{"text": "hi"}]}))
add("ag_ui_request", json.dumps({"threadId": "t", "runId": "r", "messages": [{"id": "1", "role": "user", "content": "hi"}], "tools": [], "context": [], "state": {}, "forwardedProps": {}}))
add("invocation_payload", json.dumps({"name": "Ada", "count": 2, "tags": ["a"], "kind": "small"}))

for target, items in seeds.items():
    directory = root / "seeds" / target
    directory.mkdir(parents=True, exist_ok=True)
    for data in items:
        (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{target}: {len(items)} seeds")
