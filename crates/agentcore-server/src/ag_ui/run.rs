//! One run's event stream as the host sends it: `RUN_STARTED` first and `RUN_FINISHED`
//! last when the handler does not send them (never twice), and an `Err` item or a panic
//! turned into `RUN_ERROR`, after which nothing more is sent.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::Stream;

use super::types::{Envelope, Event};
use crate::error::{BoxError, NamedError, panic_message};
use crate::log;

/// The `code` of the `RUN_ERROR` the host sends for an `Err` item or a panic (the
/// reference's).
pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";

pin_project_lite::pin_project! {
    /// The framed stream of one run.
    pub(crate) struct Run<S> {
        #[pin]
        inner: S,
        thread_id: String,
        run_id: String,
        started: bool,
        done: bool,
        // At most two: RUN_STARTED and the event that came before it was sent.
        queue: VecDeque<Envelope>,
    }
}

impl<S> Run<S> {
    pub(crate) fn new(inner: S, thread_id: String, run_id: String) -> Self {
        Self {
            inner,
            thread_id,
            run_id,
            started: false,
            done: false,
            queue: VecDeque::with_capacity(2),
        }
    }
}

impl<S, T, E> Stream for Run<S>
where
    S: Stream<Item = Result<T, E>>,
    T: Into<Envelope>,
    E: Into<BoxError> + 'static,
{
    type Item = Envelope;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Envelope>> {
        let mut this = self.project();
        if let Some(event) = this.queue.pop_front() {
            return Poll::Ready(Some(event));
        }
        if *this.done {
            return Poll::Ready(None);
        }
        let inner = this.inner.as_mut();
        let polled = catch_unwind(AssertUnwindSafe(|| inner.poll_next(cx)));
        let event = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Some(Ok(event)))) => event.into(),
            Ok(Poll::Ready(Some(Err(error)))) => {
                let NamedError { error, type_name } = NamedError::new(error);
                log::handler_failed("AG-UI run", &type_name, &*error);
                Event::run_error(error.to_string(), INTERNAL_ERROR).into()
            }
            Ok(Poll::Ready(None)) if *this.started => finished(this.thread_id, this.run_id),
            Ok(Poll::Ready(None)) => {
                // Nothing at all: an empty run, started and finished.
                *this.done = true;
                *this.started = true;
                this.queue.push_back(finished(this.thread_id, this.run_id));
                return Poll::Ready(Some(started(this.thread_id, this.run_id)));
            }
            Err(panic) => {
                let message = panic_message(&*panic);
                log::handler_failed("AG-UI run", "Panic", &*BoxError::from(message.clone()));
                Event::run_error(message, INTERNAL_ERROR).into()
            }
        };
        if event.event.is_terminal() {
            *this.done = true;
        }
        if *this.started || matches!(event.event, Event::RunStarted { .. }) {
            *this.started = true;
            return Poll::Ready(Some(event));
        }
        *this.started = true;
        this.queue.push_back(event);
        Poll::Ready(Some(started(this.thread_id, this.run_id)))
    }
}

fn started(thread_id: &str, run_id: &str) -> Envelope {
    Envelope::from(Event::RunStarted {
        thread_id: thread_id.to_owned(),
        run_id: run_id.to_owned(),
        parent_run_id: None,
    })
}

fn finished(thread_id: &str, run_id: &str) -> Envelope {
    Envelope::from(Event::RunFinished {
        thread_id: thread_id.to_owned(),
        run_id: run_id.to_owned(),
        result: None,
    })
}

#[cfg(test)]
mod tests {
    use futures_util::{StreamExt, stream};

    use super::*;

    fn types(events: &[Envelope]) -> Vec<String> {
        events
            .iter()
            .map(|e| {
                serde_json::to_value(e).unwrap()["type"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    }

    async fn run(items: Vec<Result<Event, std::io::Error>>) -> Vec<String> {
        let events: Vec<Envelope> = Run::new(stream::iter(items), "t".into(), "r".into())
            .collect()
            .await;
        types(&events)
    }

    #[tokio::test]
    async fn frames_added_once_and_nothing_after_the_end() {
        assert_eq!(run(vec![]).await, ["RUN_STARTED", "RUN_FINISHED"]);
        let start = Event::RunStarted {
            thread_id: "t".into(),
            run_id: "r".into(),
            parent_run_id: None,
        };
        let finish = Event::RunFinished {
            thread_id: "t".into(),
            run_id: "r".into(),
            result: None,
        };
        let own = vec![
            Ok(start),
            Ok(Event::text_end("m")),
            Ok(finish),
            Ok(Event::text_end("late")),
        ];
        assert_eq!(
            run(own).await,
            ["RUN_STARTED", "TEXT_MESSAGE_END", "RUN_FINISHED"]
        );
        let failed = vec![Err(std::io::Error::other("boom")), Ok(Event::text_end("m"))];
        assert_eq!(run(failed).await, ["RUN_STARTED", "RUN_ERROR"]);
    }

    /// A handler's events may carry the base fields; the host's framing reads through
    /// them (a stamped `RUN_STARTED` or `RUN_FINISHED` is the handler's own) and sends
    /// them as they are.
    #[tokio::test]
    async fn stamped_events_are_framed_and_sent_as_they_are() {
        let items: Vec<Result<Envelope, std::io::Error>> = vec![
            Ok(Event::text_start("m").with_timestamp(1)),
            Ok(Event::text_end("m").into()),
        ];
        let events: Vec<Envelope> = Run::new(stream::iter(items), "t".into(), "r".into())
            .collect()
            .await;
        assert_eq!(
            types(&events),
            [
                "RUN_STARTED",
                "TEXT_MESSAGE_START",
                "TEXT_MESSAGE_END",
                "RUN_FINISHED"
            ]
        );
        assert_eq!(events[1].timestamp, Some(1));
        assert_eq!(events[0].timestamp, None);

        let start = Event::RunStarted {
            thread_id: "t".into(),
            run_id: "r".into(),
            parent_run_id: None,
        };
        let finish = Event::RunFinished {
            thread_id: "t".into(),
            run_id: "r".into(),
            result: None,
        };
        let own = vec![
            Ok::<_, std::io::Error>(start.with_timestamp(2)),
            Ok(finish.with_raw_event("x".into())),
            Ok(Event::text_end("late").into()),
        ];
        let events: Vec<Envelope> = Run::new(stream::iter(own), "t".into(), "r".into())
            .collect()
            .await;
        assert_eq!(types(&events), ["RUN_STARTED", "RUN_FINISHED"]);
        assert_eq!(events[0].timestamp, Some(2));
        assert_eq!(events[1].raw_event, Some("x".into()));
    }
}
