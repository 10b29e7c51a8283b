//! Only a 2xx delivers: a redirect is a failed attempt, never followed,
//! and the signed body never goes to another origin.

use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::header::LOCATION;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use super::*;

/// Counts what reaches it: the login page's GETs, or another origin's
/// POSTs.
async fn counter() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    let count = move || {
        let seen = seen.clone();
        async move {
            seen.fetch_add(1, Ordering::SeqCst);
            StatusCode::OK
        }
    };
    let router = Router::new().route("/login", get(count.clone()).post(count));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/login"), hits)
}

/// An app that redirects the first `redirects` attempts with `status` to
/// `location`, then answers 204; every attempt is passed on.
async fn redirecting(status: u16, location: String, redirects: usize) -> (String, Arrivals) {
    let (seen, arrivals) = mpsc::unbounded_channel();
    let left = Arc::new(AtomicUsize::new(redirects));
    let hook = move |headers: HeaderMap, body: Bytes| {
        let (seen, left, location) = (seen.clone(), left.clone(), location.clone());
        async move {
            let _ = seen.send((headers, body));
            let redirect = left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if redirect {
                let code = StatusCode::from_u16(status).unwrap();
                (code, [(LOCATION, location)]).into_response()
            } else {
                StatusCode::NO_CONTENT.into_response()
            }
        }
    };
    let router = Router::new().route("/hook", post(hook));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/hook"), arrivals)
}

#[tokio::test]
async fn a_302_to_a_login_page_is_a_failed_attempt_and_is_retried() {
    let (login, logins) = counter().await;
    let (url, mut arrivals) = redirecting(302, "/login".to_owned(), 1).await;
    let _ = login;
    let notifier = fast(&url).build().unwrap();
    assert!(notifier.notify(&stored(), Utc::now()));
    let (first, _) = next(&mut arrivals).await;
    let (second, _) = next(&mut arrivals).await;
    assert_eq!(first["webhook-id"], second["webhook-id"]);
    until("delivered", || notifier.report().delivered == 1).await;
    let counts = notifier.shutdown(Duration::from_secs(1)).await;
    assert_eq!(counts.delivered, 1);
    assert_eq!(
        logins.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}

#[tokio::test]
async fn a_307_to_another_origin_never_gets_the_signed_body() {
    let (elsewhere, stolen) = counter().await;
    let (url, mut arrivals) = redirecting(307, elsewhere, 2).await;
    let notifier = fast(&url).max_attempts(2).build().unwrap();
    assert!(notifier.notify(&stored(), Utc::now()));
    next(&mut arrivals).await;
    next(&mut arrivals).await;
    until("given up", || notifier.report().dropped_after_retries == 1).await;
    assert_eq!(
        notifier.report().delivered,
        0,
        "a redirect counted as delivered"
    );
    assert_eq!(
        stolen.load(Ordering::SeqCst),
        0,
        "the body went to another origin"
    );
}
