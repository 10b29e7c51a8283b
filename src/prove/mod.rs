//! What the file is, proved from its bytes before any is stored: the
//! formats and their signatures (`format.rs`), each format's header
//! structure, width and height (`probe.rs`), and the header gathered
//! while the file streams until it is proved (`sniff.rs`).

pub(crate) mod format;
pub(crate) mod probe;
pub(crate) mod sniff;
