//! Random bytes from the operating system, the one place they come from.

/// `N` bytes from the operating system's generator.
///
/// # Panics
///
/// If the operating system's generator fails, which it does not on any
/// supported platform once booted; as with the standard library's hash
/// seeds, nothing sound can be done without it (a minted secret or a
/// staging key must not be guessable or repeat).
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    if let Err(error) = getrandom::fill(&mut out) {
        panic!("the operating system's random generator failed: {error}");
    }
    out
}
