//! The executor as an axum route (cargo feature `axum`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

use super::policy::Caller;
use super::wire::{Answer, Refusal, RefusalKind};
use super::Executor;

/// How a router learns who sent a request: from its headers (a session cookie, a bearer token your
/// application verifies). `None` answers 401 and executes nothing.
pub trait Identify: Fn(&HeaderMap) -> Option<Caller> + Send + Sync + 'static {}

impl<F: Fn(&HeaderMap) -> Option<Caller> + Send + Sync + 'static> Identify for F {}

struct Served<I> {
    executor: Executor,
    identify: I,
}

impl Executor {
    /// A router answering `POST /` with this executor; `identify` tells who sent each request.
    /// Nest it where your API serves it (`Router::new().nest("/db", executor.router(identify))`),
    /// behind your own layers (TLS, rate limits) as any route.
    pub fn router(self, identify: impl Identify) -> Router {
        let served = Arc::new(Served {
            executor: self,
            identify,
        });
        Router::new().route("/", post(handle)).with_state(served)
    }
}

async fn handle<I: Identify>(
    State(served): State<Arc<Served<I>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(caller) = (served.identify)(&headers) else {
        let answer = Answer::refusal(Refusal::new(
            RefusalKind::Unauthenticated,
            "the request does not say who sent it",
        ));
        let body = serde_json::to_vec(&answer).unwrap_or_default();
        return json_response(RefusalKind::Unauthenticated.status(), body);
    };
    let (status, body) = served.executor.execute(&caller, &body).await;
    json_response(status, body)
}

fn json_response(status: u16, body: Vec<u8>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}
