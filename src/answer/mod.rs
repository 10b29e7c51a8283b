//! What became of a callback and how it is told: the three accepted
//! outcomes (`outcome.rs`), a refusal and its one status mapping
//! (`rejection.rs`), `Received` with the connection's signals
//! (`received.rs`), and the one place either becomes an HTTP answer
//! (`response.rs`).

pub(crate) mod outcome;
pub(crate) mod received;
pub(crate) mod rejection;
pub(crate) mod response;
