//! Configuration by key, as `object_store` configures its clients: every
//! setting of the sink's builder (and of the notifier's, `NotifierBuilder`,
//! with the `notify` feature) has a key, written `group.name` (`limits.max_file_size`), that
//! [`with_config`](crate::CaptureSinkBuilder::with_config) sets from text
//! and [`get_config`](crate::CaptureSinkBuilder::get_config) reads back as
//! it will be used, defaults included. A program that reads its settings
//! from a file or the environment (the `shotsink` server does) maps them
//! onto these keys and keeps no list of its own.
//!
//! Values are text, parsed in one place:
//!
//! | kind | written | e.g. |
//! |---|---|---|
//! | size | bytes, or with a unit (`KiB`, `MiB`, `GiB`; `KB`, `MB` are powers of ten) | `64 MiB`, `2048` |
//! | duration | [humantime](https://docs.rs/humantime) | `30s`, `5m`, `1h 30m`, `500ms` |
//! | count | a whole number | `16` |
//! | switch | `true` or `false` | `true` |
//! | choice | the variant in snake case | `keep_first` |
//! | list | items separated by commas | `5s, 5m, 30m` |
//! | tags | `key=value` pairs separated by commas | `team=growth, env=prod` |
//!
//! A key also parses from the name of the builder method that sets it
//! (`max_file_size`, `authorize_timeout`). A value that does not parse is
//! reported by `build`, naming that method, like any other invalid
//! setting.
//!
//! ```
//! use std::sync::Arc;
//!
//! use object_store::memory::InMemory;
//! use shotsink::{CaptureSink, SinkConfigKey};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key: SinkConfigKey = "limits.max_file_size".parse()?;
//! let builder = CaptureSink::builder(Arc::new(InMemory::new()))
//!     .secret("s3cret")
//!     .with_config(key, "10 MiB")
//!     .with_config(SinkConfigKey::IdleTimeout, "20s");
//! assert_eq!(builder.get_config(key).as_deref(), Some("10 MiB"));
//! // Defaults are read back as they will be used.
//! let verify = builder.get_config(SinkConfigKey::VerifyTimeout);
//! assert_eq!(verify.as_deref(), Some("10s"));
//! builder.build()?;
//! # Ok(())
//! # }
//! ```

/// Declares a configuration key enum: each variant with its key, the
/// builder method that sets it (named by errors) and an example value that
/// differs from its default (the docs and the tests use it).
macro_rules! config_keys {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[doc = $doc:expr])*
                $variant:ident = $key:literal, $setter:literal, $example:literal;
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[doc = $doc])*
                $variant,
            )*
        }

        impl $name {
            /// Every key, in the order the documentation lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The key as written: `group.name`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)*
                }
            }

            /// The builder method that sets it, as errors name it.
            pub fn setter(self) -> &'static str {
                match self {
                    $($name::$variant => $setter,)*
                }
            }

            /// An example value, other than the default.
            pub fn example(self) -> &'static str {
                match self {
                    $($name::$variant => $example,)*
                }
            }

            /// The group, the part before the dot (a section of a
            /// configuration file).
            pub fn group(self) -> &'static str {
                self.as_str().split_once('.').map_or("", |(group, _)| group)
            }

            /// The name within its group, the part after the dot.
            pub fn name(self) -> &'static str {
                self.as_str().split_once('.').map_or(self.as_str(), |(_, name)| name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::configure::UnknownConfigKey;

            /// The key (`limits.max_file_size`) or the builder method that
            /// sets it (`max_file_size`).
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let found = $name::ALL
                    .iter()
                    .find(|k| k.as_str() == s)
                    .or_else(|| $name::ALL.iter().find(|k| k.setter() == s));
                found.copied().ok_or_else(|| $crate::configure::UnknownConfigKey {
                    key: s.to_owned(),
                })
            }
        }
    };
}

pub(crate) use config_keys;

pub(crate) mod builder;
pub(crate) mod error;
mod limits;
pub(crate) mod policy;
pub(crate) mod runtime;
mod sink_key;
pub(crate) mod value;

pub use error::UnknownConfigKey;
pub use sink_key::SinkConfigKey;
