use super::*;

const KIB: usize = 1024;

fn budget(total: usize, unverified: usize) -> Arc<Budget> {
    Arc::new(Budget::new(
        total,
        unverified,
        total - unverified,
        Duration::from_millis(50),
    ))
}

#[tokio::test]
async fn a_stranger_holds_its_ticket_or_what_it_was_charged_of_the_unverified_pool() {
    let budget = budget(128 * KIB, 64 * KIB);
    let account = budget.open(Some(1_000_000));
    account.clone().charge(10).await.unwrap();
    assert_eq!(budget.unverified.available_permits(), 64 * KIB - TICKET);
    assert_eq!(budget.verified.available_permits(), 64 * KIB);
    account.clone().charge(30 * KIB).await.unwrap();
    assert_eq!(budget.unverified.available_permits(), 34 * KIB - 10);
    account.release(30 * KIB + 10);
    assert_eq!(budget.unverified.available_permits(), 64 * KIB - TICKET);
    assert_eq!(budget.gauge().current(), 0);
    drop(account);
    assert_eq!(budget.unverified.available_permits(), 64 * KIB);
}

#[tokio::test]
async fn strangers_past_the_unverified_pool_wait_then_time_out_and_verified_callbacks_go_on() {
    let budget = budget(1024 * KIB, 16 * KIB);
    let a = budget.open(None);
    a.clone().charge(16 * KIB).await.unwrap();
    let b = budget.open(None);
    assert!(b.clone().charge(1).await.is_err());
    assert!(b.waited());
    // A verified callback claims from the rest of the budget.
    let c = budget.open(Some(8 * KIB as u64));
    c.verified();
    c.clone().claim().await.unwrap();
    c.clone().charge(KIB).await.unwrap();
    assert!(!c.waited());
}

#[tokio::test]
async fn a_stranger_waiting_for_the_unverified_pool_that_is_verified_meanwhile_claims_instead() {
    let budget = budget(1024 * KIB, 16 * KIB);
    let a = budget.open(None);
    a.clone().charge(16 * KIB).await.unwrap();
    let b = budget.open(Some(100 * KIB as u64));
    let charge = tokio::spawn(b.clone().charge(KIB));
    tokio::task::yield_now().await;
    b.verified();
    charge.await.unwrap().unwrap();
    assert_eq!(budget.unverified.available_permits(), 0);
    assert_eq!(
        budget.verified.available_permits(),
        1008 * KIB - 100 * KIB - CALLBACK_BUFFERS
    );
}

#[tokio::test]
async fn a_verified_callback_claims_the_rest_of_its_body_and_gives_it_back_on_a_stall() {
    let budget = budget(4 * CALLBACK_BUFFERS + 64 * KIB, 64 * KIB);
    let account = budget.open(Some(100 * KIB as u64));
    account.clone().charge(KIB).await.unwrap();
    assert_eq!(budget.unverified.available_permits(), 64 * KIB - TICKET);
    account.verified();
    account.clone().claim().await.unwrap();
    // The claim: all 100 KiB of the body plus the buffers; the bytes
    // held left the unverified pool.
    assert_eq!(budget.unverified.available_permits(), 64 * KIB);
    assert_eq!(
        budget.verified.available_permits(),
        4 * CALLBACK_BUFFERS - 100 * KIB - CALLBACK_BUFFERS
    );
    account.clone().charge(KIB).await.unwrap();
    assert!(account.has_spare());
    account.shrink();
    assert_eq!(
        budget.verified.available_permits(),
        4 * CALLBACK_BUFFERS - 2 * KIB
    );
    assert_eq!(account.held(), 2 * KIB);
    drop(account);
    assert_eq!(budget.verified.available_permits(), 4 * CALLBACK_BUFFERS);
    assert_eq!(budget.gauge().current(), 0);
}
