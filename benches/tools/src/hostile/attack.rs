//! The attacks: their names, and what each attacker connection sends.

use std::time::Duration;

use bytes::Bytes;
use shotsink::Format;
use shotsink::testing::{Callback, generated};

use super::target::Target;
use super::{BOUNDARY, FILE_SIZE, LARGE_FILE_SIZE, Options, TINY_SEGMENTS_BYTES};

/// The attacks, by name (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Attack {
    /// No attack: the baseline
    None,
    /// Strangers stalled in a part header of a 10 MB body
    StalledUnauth,
    /// Valid callbacks stalled halfway through their file
    StalledVerified,
    /// A stranger's file, one byte every 2 s
    TrickleUnauth,
    /// A valid callback's file, one byte a second
    Trickle,
    /// 48 MB before the first boundary, as fast as possible
    Preamble,
    /// 200 kB of a file-first callback in 1-byte writes
    TinySegments,
    /// 200 MB declared, a stranger's file as fast as possible
    Oversized,
}

impl Attack {
    pub fn name(self) -> &'static str {
        match self {
            Attack::None => "none",
            Attack::StalledUnauth => "stalled-unauth",
            Attack::StalledVerified => "stalled-verified",
            Attack::TrickleUnauth => "trickle-unauth",
            Attack::Trickle => "trickle",
            Attack::Preamble => "preamble",
            Attack::TinySegments => "tiny-segments",
            Attack::Oversized => "oversized",
        }
    }

    /// Attacker connections when none are asked for.
    pub fn default_attackers(self) -> usize {
        match self {
            Attack::None => 0,
            Attack::StalledUnauth | Attack::StalledVerified => 500,
            Attack::TrickleUnauth => 3,
            Attack::Trickle => 1,
            Attack::Preamble => 2,
            Attack::TinySegments => 4,
            Attack::Oversized => 20,
        }
    }
}

/// What one attacker sends: a request head, then its steps in order; then
/// it holds the connection open, sending nothing more.
pub(super) struct Plan {
    pub(super) head: Bytes,
    pub(super) steps: Vec<Step>,
    /// Sets `TCP_NODELAY`, so small writes leave as small segments.
    pub(super) nodelay: bool,
}

impl Plan {
    fn new(head: Bytes, steps: Vec<Step>) -> Self {
        Self {
            head,
            steps,
            nodelay: false,
        }
    }
}

/// One way of writing bytes.
pub(super) enum Step {
    /// All at once.
    Burst(Vec<Bytes>),
    /// One byte, then a pause, for each byte.
    Trickle { bytes: Vec<Bytes>, every: Duration },
    /// One byte per write, each flushed, as fast as the socket takes them.
    Bytewise(Vec<Bytes>),
    /// `block` again and again, as fast as the socket takes it, up to `total` bytes.
    Flood { block: Bytes, total: usize },
}

/// What the attacks are made of, built once and shared between attackers
/// (the `Bytes` are not copied per attacker).
pub(super) struct Kit {
    authority: String,
    path: String,
    secret: String,
    /// Makes this run's tokens unique.
    run: String,
    file: Bytes,
    large_file: Bytes,
    /// 64 KiB with no boundary in it.
    filler: Bytes,
    /// 1 MiB of PNG.
    png_block: Bytes,
}

impl Kit {
    pub(super) fn new(o: &Options, target: &Target, run: &str) -> Self {
        Self {
            authority: target.authority.clone(),
            path: target.path.clone(),
            secret: o.secret.clone(),
            run: run.to_owned(),
            file: generated(Format::Png, FILE_SIZE),
            large_file: generated(Format::Png, LARGE_FILE_SIZE),
            filler: Bytes::from(vec![b'x'; 64 << 10]),
            png_block: generated(Format::Png, 1 << 20),
        }
    }

    /// Attacker `i`'s plan (`None` for no attack).
    pub(super) fn plan(&self, attack: Attack, i: usize) -> Option<Plan> {
        Some(match attack {
            Attack::None => return None,
            Attack::StalledUnauth => self.stalled_unauth(),
            Attack::StalledVerified => self.stalled_verified(i),
            Attack::TrickleUnauth => self.trickle_unauth(),
            Attack::Trickle => self.trickle(i),
            Attack::Preamble => self.preamble(),
            Attack::TinySegments => self.tiny_segments(i),
            Attack::Oversized => self.oversized(),
        })
    }

    fn stalled_unauth(&self) -> Plan {
        let partial = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"callback_");
        Plan::new(
            self.head(&form_type(), 10_000_000),
            vec![Step::Burst(vec![Bytes::from(partial)])],
        )
    }

    fn stalled_verified(&self, i: usize) -> Plan {
        let callback = self.callback(i, self.file.clone());
        let chunks = callback.chunks();
        let half = offset_of(&chunks, &self.file) + self.file.len() / 2;
        Plan::new(
            self.head(&callback.content_type(), total(&chunks)),
            vec![Step::Burst(take(&chunks, half))],
        )
    }

    fn trickle_unauth(&self) -> Plan {
        Plan::new(
            self.head(&form_type(), 60_000_000),
            vec![
                Step::Burst(vec![file_part_head()]),
                Step::Trickle {
                    bytes: vec![self.file.clone()],
                    every: Duration::from_secs(2),
                },
            ],
        )
    }

    fn trickle(&self, i: usize) -> Plan {
        let callback = self.callback(i, self.file.clone());
        let mut chunks = callback.chunks();
        let rest = chunks.split_off(index_of(&chunks, &self.file));
        Plan::new(
            self.head(&callback.content_type(), total(&chunks) + total(&rest)),
            vec![
                Step::Burst(chunks),
                Step::Trickle {
                    bytes: rest,
                    every: Duration::from_secs(1),
                },
            ],
        )
    }

    fn preamble(&self) -> Plan {
        Plan::new(
            self.head(&form_type(), 50_000_000),
            vec![Step::Flood {
                block: self.filler.clone(),
                total: 48_000_000,
            }],
        )
    }

    fn tiny_segments(&self, i: usize) -> Plan {
        let callback = self.callback(i, self.large_file.clone()).file_first();
        let chunks = callback.chunks();
        Plan {
            nodelay: true,
            ..Plan::new(
                self.head(&callback.content_type(), total(&chunks)),
                vec![Step::Bytewise(take(&chunks, TINY_SEGMENTS_BYTES))],
            )
        }
    }

    fn oversized(&self) -> Plan {
        let declared = 200_000_000;
        let part = file_part_head();
        let rest = declared - part.len();
        Plan::new(
            self.head(&form_type(), declared),
            vec![
                Step::Burst(vec![part]),
                Step::Flood {
                    block: self.png_block.clone(),
                    total: rest,
                },
            ],
        )
    }

    /// A valid callback with attacker `i`'s own token.
    fn callback(&self, i: usize, file: Bytes) -> Callback {
        Callback::new(&self.secret, &attacker_token(&self.run, i), Format::Png).file(file)
    }

    /// A request head declaring this body.
    fn head(&self, content_type: &str, length: usize) -> Bytes {
        Bytes::from(format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: {content_type}\r\n\
             Content-Length: {length}\r\n\r\n",
            self.path, self.authority
        ))
    }
}

fn form_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// The opening of a file part, as the first part of a body.
fn file_part_head() -> Bytes {
    Bytes::from(format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"capture.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    ))
}

fn total(chunks: &[Bytes]) -> usize {
    chunks.iter().map(Bytes::len).sum()
}

/// Where the file is among a callback's chunks.
fn index_of(chunks: &[Bytes], file: &Bytes) -> usize {
    chunks
        .iter()
        .position(|c| c == file)
        .unwrap_or(chunks.len())
}

/// How many bytes of the body come before the file.
fn offset_of(chunks: &[Bytes], file: &Bytes) -> usize {
    total(&chunks[..index_of(chunks, file)])
}

/// The first `n` bytes of the chunks, the chunks' bytes shared.
fn take(chunks: &[Bytes], mut n: usize) -> Vec<Bytes> {
    let mut taken = Vec::new();
    for chunk in chunks {
        if n == 0 {
            break;
        }
        let k = chunk.len().min(n);
        taken.push(chunk.slice(..k));
        n -= k;
    }
    taken
}

/// Attacker `i`'s token, for the attacks that send a callback's fields.
pub(super) fn attacker_token(run: &str, i: usize) -> String {
    format!("hostile{run}a{i}")
}
