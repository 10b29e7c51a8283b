//! The journal: an event is in the store when `record` returns, leaves it
//! once delivered, goes to the dead letter when its attempts are spent,
//! comes back with a replay, and outlives its process: another takes it
//! over once the lease has run out, exactly one of several.

use std::collections::BTreeMap;

use object_store::ObjectStore;
use object_store::memory::InMemory;

use super::*;
use crate::notify::{EventLog, EventState};

fn journaled(url: &str, log: &EventLog) -> NotifierBuilder {
    Notifier::builder(url, SECRET)
        .journal(log.clone())
        .schedule([Duration::from_millis(300)])
}

#[tokio::test]
async fn an_event_is_in_the_store_when_record_returns_and_leaves_it_once_delivered() {
    let (url, mut arrivals) = app(&[500]).await;
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let log = EventLog::new(store.clone());
    let notifier = journaled(&url, &log).build().unwrap();
    let id = notifier.record(&stored(), Utc::now()).await.unwrap();
    let (headers, _) = next(&mut arrivals).await;
    assert_eq!(headers["webhook-id"], id.as_str());
    // The first attempt failed: the record says so, and when to try again.
    until("the failure written", || {
        futures_util::FutureExt::now_or_never(log.get(&id))
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|r| r.attempts == 1)
    })
    .await;
    let record = log.get(&id).await.unwrap().unwrap();
    assert_eq!(record.state, EventState::Pending);
    assert_eq!(
        record.last_error.as_deref(),
        Some("answered 500 Internal Server Error")
    );
    assert!(record.next_attempt_at.is_some());
    next(&mut arrivals).await;
    until("delivered", || notifier.report().delivered == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        log.get(&id).await.unwrap(),
        None,
        "a delivered event stayed"
    );
    assert!(
        log.list(EventState::Pending, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn spent_attempts_go_to_the_dead_letter_and_a_replay_delivers_them_with_their_id() {
    let (url, mut arrivals) = app(&[500, 502]).await;
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let log = EventLog::new(store).with_lease(Duration::from_secs(1));
    let notifier = journaled(&url, &log).build().unwrap();
    let id = notifier
        .record(&render_failed(Some("Tok")), Utc::now())
        .await
        .unwrap();
    next(&mut arrivals).await;
    next(&mut arrivals).await;
    until("dead-lettered", || notifier.report().dead_lettered == 1).await;
    let failed = log.list(EventState::Failed, None, 10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id(), id);
    assert_eq!(failed[0].attempts, 2);
    assert_eq!(
        failed[0].last_error.as_deref(),
        Some("answered 502 Bad Gateway")
    );
    assert!(failed[0].failed_at.is_some());
    assert!(
        log.list(EventState::Pending, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        log.replay("msg_unknown").await,
        Err(EventLogError::NotFound { .. })
    ));

    let replayed = log.replay(&id).await.unwrap();
    assert_eq!(
        (replayed.attempts, replayed.state),
        (0, EventState::Pending)
    );
    // The recovery finds it in this process's part of the journal.
    let (headers, _) = next(&mut arrivals).await;
    assert_eq!(headers["webhook-id"], id.as_str());
    until("delivered", || notifier.report().delivered == 1).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        log.list(EventState::Failed, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        log.list(EventState::Pending, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_silent_process_s_events_are_taken_over_by_exactly_one_other() {
    let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
    let lease = Duration::from_secs(1);
    // The first process records while the app is down, then is gone as if
    // killed: its lease is never renewed nor given up, and its records
    // say when their next attempt is due.
    let first = EventLog::new(store.clone()).with_lease(lease);
    let dead = journaled(&down_url(), &first).build().unwrap();
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(dead.record(&stored(), Utc::now()).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(dead);

    let (url, mut arrivals) = app(&[]).await;
    let started = Instant::now();
    let replicas: Vec<Notifier> = (0..3)
        .map(|_| {
            let log = EventLog::new(store.clone()).with_lease(lease);
            journaled(&url, &log).build().unwrap()
        })
        .collect();
    let mut seen = BTreeMap::<String, usize>::new();
    while seen.len() < ids.len() {
        let (headers, _) = next(&mut arrivals).await;
        let id = headers["webhook-id"].to_str().unwrap().to_owned();
        *seen.entry(id).or_default() += 1;
    }
    assert!(
        started.elapsed() >= lease / 2,
        "taken over before the lease ran out"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    while let Ok((headers, _)) = arrivals.try_recv() {
        *seen
            .entry(headers["webhook-id"].to_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let expected: BTreeMap<String, usize> = ids.iter().map(|id| (id.clone(), 1)).collect();
    assert_eq!(seen, expected, "each event once, by one replica");
    let delivered: u64 = replicas.iter().map(|n| n.report().delivered).sum();
    assert_eq!(delivered, 5);
    // The takeover is cleared once its events are gone.
    let left: Vec<_> = futures_util::TryStreamExt::try_collect::<Vec<_>>(store.list(None))
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.location.to_string())
        .filter(|k| k.contains("/pending/") || k.contains("/takeovers/"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
