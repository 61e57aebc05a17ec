//! Answers to the v0.3 method names (`message/send`, `message/stream`, `tasks/get`,
//! `tasks/cancel`) in v0.3's shapes, as the reference's v0.3 adapter writes them: results
//! carry a `kind` (`task`, `message`, `status-update` with `final`, `artifact-update`)
//! instead of a wrapping member, states and roles are lower-case (`input-required`,
//! `user`), and parts are `kind`-tagged (`text`, `data`, `file`).

use serde_json::{Map, Value, json};

/// A v1.0 result (a `SendMessageResponse`/`StreamResponse` member, or a `Task`) in v0.3.
pub(crate) fn result(value: Value) -> Value {
    let Value::Object(mut object) = value else {
        return value;
    };
    if object.len() == 1 {
        for (member, convert) in [
            ("task", task as Convert),
            ("message", message),
            ("statusUpdate", status_update),
            ("artifactUpdate", artifact_update),
        ] {
            if let Some(inner) = object.remove(member) {
                return convert(inner);
            }
        }
    }
    task(Value::Object(object))
}

/// One member's conversion.
type Convert = fn(Value) -> Value;

fn with_kind(value: Value, kind: &str, fields: &[(&str, Convert)]) -> Value {
    let Value::Object(mut object) = value else {
        return value;
    };
    for (name, convert) in fields {
        if let Some(inner) = object.remove(*name) {
            object.insert((*name).to_owned(), convert(inner));
        }
    }
    object.insert("kind".into(), kind.into());
    Value::Object(object)
}

fn each(values: Value, convert: Convert) -> Value {
    match values {
        Value::Array(values) => values.into_iter().map(convert).collect(),
        other => other,
    }
}

fn task(value: Value) -> Value {
    with_kind(
        value,
        "task",
        &[
            ("status", status),
            ("history", |h| each(h, message)),
            ("artifacts", |a| each(a, artifact)),
        ],
    )
}

fn status(value: Value) -> Value {
    let Value::Object(mut object) = value else {
        return value;
    };
    if let Some(Value::String(state)) = object.get("state") {
        let state = match state.strip_prefix("TASK_STATE_") {
            Some("UNSPECIFIED") | None => "unknown".to_owned(),
            Some(name) => name.to_ascii_lowercase().replace('_', "-"),
        };
        object.insert("state".into(), state.into());
    }
    if let Some(inner) = object.remove("message") {
        object.insert("message".into(), message(inner));
    }
    Value::Object(object)
}

fn message(value: Value) -> Value {
    let mut value = with_kind(value, "message", &[("parts", |p| each(p, part))]);
    if let Some(role) = value.get_mut("role") {
        *role = if role == "ROLE_USER" { "user" } else { "agent" }.into();
    }
    value
}

fn artifact(value: Value) -> Value {
    let Value::Object(mut object) = value else {
        return value;
    };
    if let Some(parts) = object.remove("parts") {
        object.insert("parts".into(), each(parts, part));
    }
    Value::Object(object)
}

fn part(value: Value) -> Value {
    let Value::Object(mut object) = value else {
        return value;
    };
    let mut out = Map::new();
    if let Some(metadata) = object.remove("metadata") {
        out.insert("metadata".into(), metadata);
    }
    if let Some(text) = object.remove("text") {
        out.insert("kind".into(), "text".into());
        out.insert("text".into(), text);
    } else if let Some(data) = object.remove("data") {
        let data = if data.is_object() {
            data
        } else {
            json!({ "value": data })
        };
        out.insert("kind".into(), "data".into());
        out.insert("data".into(), data);
    } else {
        let mut file = Map::new();
        if let Some(url) = object.remove("url") {
            file.insert("uri".into(), url);
        }
        if let Some(raw) = object.remove("raw") {
            file.insert("bytes".into(), raw);
        }
        if let Some(media_type) = object.remove("mediaType") {
            file.insert("mimeType".into(), media_type);
        }
        if let Some(name) = object.remove("filename") {
            file.insert("name".into(), name);
        }
        out.insert("kind".into(), "file".into());
        out.insert("file".into(), Value::Object(file));
    }
    Value::Object(out)
}

fn status_update(value: Value) -> Value {
    let mut value = with_kind(value, "status-update", &[("status", status)]);
    let terminal = ["completed", "canceled", "failed", "rejected"]
        .iter()
        .any(|state| value["status"]["state"] == *state);
    if let Value::Object(object) = &mut value {
        object.insert("final".into(), terminal.into());
    }
    value
}

fn artifact_update(value: Value) -> Value {
    with_kind(value, "artifact-update", &[("artifact", artifact)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_take_v0_3_shapes() {
        let task = result(json!({ "task": {
            "id": "t", "contextId": "c",
            "status": { "state": "TASK_STATE_INPUT_REQUIRED" },
            "history": [{ "messageId": "m", "role": "ROLE_USER", "parts": [{ "text": "hi" }] }],
            "artifacts": [{ "artifactId": "a", "parts": [{ "data": 5 }, { "url": "u", "mediaType": "text/plain" }] }],
        }}));
        assert_eq!(task["kind"], "task");
        assert_eq!(task["status"]["state"], "input-required");
        assert_eq!(
            task["history"][0],
            json!({ "kind": "message", "messageId": "m", "role": "user", "parts": [{ "kind": "text", "text": "hi" }] })
        );
        assert_eq!(
            task["artifacts"][0]["parts"][0],
            json!({ "kind": "data", "data": { "value": 5 } })
        );
        assert_eq!(
            task["artifacts"][0]["parts"][1],
            json!({ "kind": "file", "file": { "uri": "u", "mimeType": "text/plain" } })
        );

        let done = result(
            json!({ "statusUpdate": { "taskId": "t", "contextId": "c", "status": { "state": "TASK_STATE_COMPLETED" } } }),
        );
        assert_eq!(
            (done["kind"].clone(), done["final"].clone()),
            (json!("status-update"), json!(true))
        );
        let working = result(
            json!({ "statusUpdate": { "taskId": "t", "contextId": "c", "status": { "state": "TASK_STATE_WORKING" } } }),
        );
        assert_eq!(working["final"], false);
        let artifact = result(
            json!({ "artifactUpdate": { "taskId": "t", "contextId": "c", "artifact": { "artifactId": "a", "parts": [{ "text": "x" }] }, "lastChunk": true } }),
        );
        assert_eq!(artifact["kind"], "artifact-update");
        assert_eq!(artifact["artifact"]["parts"][0]["kind"], "text");
        let reply =
            result(json!({ "message": { "messageId": "m", "role": "ROLE_AGENT", "parts": [] } }));
        assert_eq!(
            (reply["kind"].clone(), reply["role"].clone()),
            (json!("message"), json!("agent"))
        );
        // A bare task (GetTask, CancelTask).
        let got = result(
            json!({ "id": "t", "contextId": "c", "status": { "state": "TASK_STATE_UNSPECIFIED" } }),
        );
        assert_eq!(
            (got["kind"].clone(), got["status"]["state"].clone()),
            (json!("task"), json!("unknown"))
        );
    }
}
