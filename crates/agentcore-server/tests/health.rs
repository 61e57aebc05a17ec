//! /ping and the health state over real sockets.

mod common;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use agentcore_server::{App, Health, PingStatus};
use common::TestServer;
use http::{Method, StatusCode};
use serde_json::{Value, json};

/// A wall clock the test moves by hand.
fn test_clock(start: u64) -> (Arc<AtomicU64>, Health) {
    let now = Arc::new(AtomicU64::new(start));
    let clock = Arc::clone(&now);
    let health =
        Health::with_clock(move || UNIX_EPOCH + Duration::from_secs(clock.load(Ordering::SeqCst)));
    (now, health)
}

#[tokio::test]
async fn ping_answers_get_and_head() {
    let server = TestServer::start(App::new()).await;
    let reply = server.request(Method::GET, "/ping", &[], "").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.content_type(), "application/json");
    let json = reply.json();
    assert_eq!(json["status"], "Healthy");
    assert!(json["time_of_last_update"].is_u64());
    assert_eq!(json.as_object().unwrap().len(), 2);

    let head = server.request(Method::HEAD, "/ping", &[], "").await;
    assert_eq!(head.status, StatusCode::OK);
    assert_eq!(head.content_type(), "application/json");
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn the_timestamp_moves_only_on_transitions() {
    let (now, health) = test_clock(1_000);
    let server = TestServer::start(App::new().with_health(health.clone())).await;
    assert_eq!(
        server.ping().await,
        json!({"status": "Healthy", "time_of_last_update": 1_000})
    );

    now.store(1_100, Ordering::SeqCst);
    assert_eq!(
        server.ping().await["time_of_last_update"],
        1_000,
        "no change, no new stamp"
    );

    let guard = health.track("work");
    now.store(1_200, Ordering::SeqCst);
    // The transition happened at 1_100, when the task started, not when it was seen.
    assert_eq!(
        server.ping().await,
        json!({"status": "HealthyBusy", "time_of_last_update": 1_100})
    );

    let second = health.track("more work");
    now.store(1_300, Ordering::SeqCst);
    assert_eq!(
        server.ping().await["time_of_last_update"],
        1_100,
        "still busy: no new stamp"
    );
    drop(second);
    drop(guard);
    assert_eq!(
        server.ping().await,
        json!({"status": "Healthy", "time_of_last_update": 1_300})
    );

    now.store(1_400, Ordering::SeqCst);
    health.force(PingStatus::Healthy);
    assert_eq!(
        server.ping().await["time_of_last_update"],
        1_300,
        "forcing the same status is no change"
    );
    health.force(PingStatus::HealthyBusy);
    assert_eq!(
        server.ping().await,
        json!({"status": "HealthyBusy", "time_of_last_update": 1_400})
    );
    health.clear_forced();
    assert_eq!(server.ping().await["status"], "Healthy");
}

#[tokio::test]
async fn forced_beats_custom_beats_automatic_and_bad_custom_falls_back() {
    // 0: Some(Healthy), 1: Some(HealthyBusy), 2: None, 3: panic.
    let mode = Arc::new(AtomicU8::new(0));
    let custom = Arc::clone(&mode);
    let app = App::new().ping(move || match custom.load(Ordering::SeqCst) {
        0 => Some(PingStatus::Healthy),
        1 => Some(PingStatus::HealthyBusy),
        2 => None,
        _ => panic!("custom ping failed"),
    });
    let health = app.health().clone();
    let server = TestServer::start(app).await;

    let _task = health.track("background");
    assert_eq!(
        server.ping().await["status"],
        "Healthy",
        "custom beats automatic"
    );
    mode.store(1, Ordering::SeqCst);
    assert_eq!(server.ping().await["status"], "HealthyBusy");
    health.force(PingStatus::Healthy);
    assert_eq!(
        server.ping().await["status"],
        "Healthy",
        "forced beats custom"
    );
    health.clear_forced();
    mode.store(2, Ordering::SeqCst);
    assert_eq!(
        server.ping().await["status"],
        "HealthyBusy",
        "None falls back to automatic"
    );
    mode.store(3, Ordering::SeqCst);
    assert_eq!(
        server.ping().await["status"],
        "HealthyBusy",
        "a panic falls back to automatic"
    );
    drop(_task);
    assert_eq!(server.ping().await["status"], "Healthy");
}

#[tokio::test]
async fn task_ids_and_job_status() {
    let health = Health::new();
    let a = health.add_task("a");
    let b = health.add_task("b");
    assert_ne!(a, b);
    let jobs = health.jobs();
    assert_eq!(jobs.active_count, 2);
    assert_eq!(
        jobs.running_jobs
            .iter()
            .map(|j| j.name.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(jobs.running_jobs.iter().all(|j| j.duration >= 0.0));
    assert!(health.complete_task(a));
    assert!(!health.complete_task(a), "completing twice is refused");
    assert!(health.complete_task(b));
    assert_eq!(health.jobs().active_count, 0);
}

async fn debug_app(debug: bool) -> TestServer {
    let app = App::new()
        .debug(debug)
        .entrypoint(
            |payload: Value| async move { Ok::<_, Infallible>(json!({ "handler": payload })) },
        );
    TestServer::start(app).await
}

#[tokio::test]
async fn debug_actions_when_debug_is_on() {
    let server = debug_app(true).await;
    let action = |name: &str| json!({ "_agent_core_app_action": name }).to_string();

    let reply = server.invoke(action("ping_status")).await;
    assert_eq!(reply.json()["status"], "Healthy");
    assert_eq!(
        server.invoke(action("job_status")).await.json(),
        json!({"active_count": 0, "running_jobs": []})
    );
    assert_eq!(
        server.invoke(action("force_busy")).await.json(),
        json!({"forced_status": "HealthyBusy"})
    );
    assert_eq!(server.ping().await["status"], "HealthyBusy");
    assert_eq!(
        server.invoke(action("force_healthy")).await.json(),
        json!({"forced_status": "Healthy"})
    );
    assert_eq!(server.ping().await["status"], "Healthy");
    assert_eq!(
        server.invoke(action("clear_forced_status")).await.json(),
        json!({"forced_status": "Cleared"})
    );

    let reply = server.invoke(action("bogus")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json(), json!({"error": "Unknown action: bogus"}));
    let reply = server.invoke(r#"{"_agent_core_app_action": 7}"#).await;
    assert_eq!(reply.json(), json!({"error": "Unknown action: 7"}));
}

#[tokio::test]
async fn debug_actions_reach_the_handler_when_debug_is_off() {
    let server = debug_app(false).await;
    let payload = json!({ "_agent_core_app_action": "force_busy" });
    let reply = server.invoke(payload.to_string()).await;
    assert_eq!(reply.json(), json!({ "handler": payload }));
    assert_eq!(server.ping().await["status"], "Healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_does_not_wait_for_a_slow_handler() {
    let app = App::new().entrypoint(|_: Value| async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        Ok::<_, Infallible>(json!({}))
    });
    let server = TestServer::start(app).await;
    let slow = server.invoke("{}");
    let ping = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        let json = server.ping().await;
        (json, started.elapsed())
    };
    tokio::select! {
        _ = slow => panic!("the slow handler finished before /ping answered"),
        (json, _) = ping => assert_eq!(json["status"], "Healthy"),
    }
}
