//! Every limit, hit exactly at its bound (accepted) and just past it
//! (refused, nothing stored).
//!
//! The size and count limits are in `sizes`; the limits on waiting (a
//! client's pause, a slow store, a wait for the memory budget) in
//! `waiting`.

mod sizes;
mod waiting;
