//! Where a verified capture goes: the store opened from a URL
//! (`open.rs`) with the S3-compatible providers' presets (`s3/`), the key it is
//! stored under (`key.rs`), what is stored with it (`attributes.rs`), the
//! upload itself (`upload/`) and the link reported back (`link.rs`).

pub(crate) mod attributes;
pub(crate) mod error;
pub(crate) mod handle;
pub(crate) mod key;
pub(crate) mod link;
mod local;
pub(crate) mod open;
#[cfg(feature = "aws")]
#[cfg_attr(docsrs, doc(cfg(feature = "aws")))]
pub mod s3;
pub(crate) mod upload;
