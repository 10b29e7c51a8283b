//! The hostile-load tool: it opens an attack on a sink (attacker
//! connections writing hand-made HTTP/1.1 requests that stall, trickle or
//! flood), then, with the attackers in place, sends N valid callbacks
//! through it and reports their statuses and latency beside what each
//! attacker read back and how long the server took to cut it. Given the
//! sink's store, it also checks that every acknowledged valid callback
//! landed and that no attacker's capture did, at the keys the sink's
//! [`KeyLayout`] gives them. Loopback only. The `hostile` binary is its
//! command line.
//!
//! The attacks (K is the default number of connections):
//!
//! | attack | K | each connection |
//! |---|---|---|
//! | `none` | 0 | (the baseline) |
//! | `stalled-unauth` | 500 | `Content-Length: 10000000`, the first boundary line and part of a part header, then nothing |
//! | `stalled-verified` | 500 | a valid 180 KB callback (secret first, its own token) up to half its file, then nothing |
//! | `trickle-unauth` | 3 | `Content-Length: 60000000` (under the default body limit), no secret: a file part header, then the PNG's bytes one every 2 s |
//! | `trickle` | 1 | a valid 180 KB callback: the fields (right secret first) and the file's part header at once, then the file one byte a second |
//! | `preamble` | 2 | `Content-Length: 50000000`, then 48 MB without a boundary as fast as the socket takes them |
//! | `tiny-segments` | 4 | a file-first callback of a 1 MB PNG (no secret before the file), 200 kB of it in 1-byte writes (no delay), then nothing |
//! | `oversized` | 20 | `Content-Length: 200000000`, a file part with no secret, written as fast as the socket takes it |
//!
//! Every attacker stops writing after the duration and then holds its
//! connection open. The attackers are watched until the valid callbacks are
//! done and the duration has passed (or every attacker was cut), then all
//! connections are closed. Each valid callback times out after 30 s.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use shotsink::testing::{Callback, generated};
use shotsink::{Format, KeyLayout};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout, timeout_at};
use url::{Host, Url};

use crate::{BoxError, landed, open_store};

/// The size of every valid callback's file, and of the files the attacks imitate.
const FILE_SIZE: usize = 180_000;
/// The file of the `tiny-segments` callback: larger than what is sent of it.
const LARGE_FILE_SIZE: usize = 1_000_000;
/// How much of its callback `tiny-segments` sends.
const TINY_SEGMENTS_BYTES: usize = 200_000;
/// How long one valid callback may take before it counts as timed out.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one connection may take to open.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the attackers get to connect and send their request heads.
const PLACE_TIMEOUT: Duration = Duration::from_secs(10);
/// The pause between the attackers in place and the first valid callback.
const SETTLE: Duration = Duration::from_secs(1);
/// How long attackers get to report once stopped before they are dropped.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// The most an attacker reads back looking for a status line.
const MAX_STATUS_LINE: usize = 1024;
/// What an attacker not cut by the server reports.
const STILL_OPEN: &str = "still open at end";
/// The multipart boundary of the attacks not made with `Callback`.
const BOUNDARY: &str = "hostile-boundary-5e1c";

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

/// Which attack, where, and how many valid callbacks to send through it.
pub struct Options {
    pub attack: Attack,
    pub url: String,
    pub secret: String,
    /// Attacker connections (`None`: the attack's default).
    pub attackers: Option<usize>,
    pub count: usize,
    pub concurrency: usize,
    /// How long attackers keep writing, and the least time they are watched for.
    pub duration: Duration,
    /// The sink's store (path or URL), to check what landed in it.
    pub store: Option<String>,
    /// Where the sink puts a capture.
    pub key_layout: KeyLayout,
}

impl Options {
    /// The defaults, for an attack with a secret.
    pub fn new(attack: Attack, url: &str, secret: &str) -> Self {
        Self {
            attack,
            url: url.into(),
            secret: secret.into(),
            attackers: None,
            count: 300,
            concurrency: 16,
            duration: Duration::from_secs(60),
            store: None,
            key_layout: KeyLayout::default(),
        }
    }

    /// The attacker connections to open.
    fn attackers(&self) -> usize {
        match self.attack {
            Attack::None => 0,
            attack => self.attackers.unwrap_or(attack.default_attackers()),
        }
    }
}

/// Where the callbacks go: the URL for the valid callbacks, the address and
/// request line parts for the hand-made ones.
struct Target {
    url: Url,
    addr: SocketAddr,
    /// The `Host` header.
    authority: String,
    /// The request target: path and query.
    path: String,
}

impl Target {
    /// The URL, refused unless it is plain HTTP to 127.0.0.1, localhost or [::1].
    fn parse(url: &str) -> Result<Self, BoxError> {
        let url = Url::parse(url)?;
        let ip: IpAddr = match url.host() {
            Some(Host::Ipv4(ip)) if ip == Ipv4Addr::LOCALHOST => ip.into(),
            Some(Host::Ipv6(ip)) if ip == Ipv6Addr::LOCALHOST => ip.into(),
            Some(Host::Domain("localhost")) => Ipv4Addr::LOCALHOST.into(),
            _ => {
                return Err(
                    format!("refusing {url}: loopback only (127.0.0.1, localhost, [::1])").into(),
                );
            }
        };
        if url.scheme() != "http" {
            return Err(format!("refusing {url}: the attackers speak plain http only").into());
        }
        let port = url.port_or_known_default().ok_or("the URL has no port")?;
        let authority = format!("{}:{port}", url.host_str().unwrap_or_default());
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        };
        Ok(Self {
            addr: SocketAddr::new(ip, port),
            url,
            authority,
            path,
        })
    }

    /// Fails unless something listens there: a setup error, not a result.
    async fn probe(&self) -> Result<(), BoxError> {
        match timeout(CONNECT_TIMEOUT, TcpStream::connect(self.addr)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(format!("cannot reach {}: {e}", self.addr).into()),
            Err(_) => Err(format!("cannot reach {}: connect timed out", self.addr).into()),
        }
    }
}

/// What one attacker sends: a request head, then its steps in order; then
/// it holds the connection open, sending nothing more.
struct Plan {
    head: Bytes,
    steps: Vec<Step>,
    /// Sets `TCP_NODELAY`, so small writes leave as small segments.
    nodelay: bool,
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
enum Step {
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
struct Kit {
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
    fn new(o: &Options, target: &Target, run: &str) -> Self {
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
    fn plan(&self, attack: Attack, i: usize) -> Option<Plan> {
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

/// How one attacker connection ended.
struct Outcome {
    label: String,
    /// From its connection to its cut (`None`: never cut).
    after: Option<Duration>,
}

impl Outcome {
    fn cut(label: String, after: Duration) -> Self {
        Self {
            label,
            after: Some(after),
        }
    }

    fn uncut(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            after: None,
        }
    }

    /// The attacker's task panicked or was cancelled.
    fn failed(e: tokio::task::JoinError) -> Self {
        Self::uncut(&format!("attacker failed: {e}"))
    }
}

/// One attacker: connects, writes its plan (signalling `placed` once its
/// head is out), holds the connection, and reports what it read back, or
/// that it was still open when `stop` came.
async fn attacker(
    addr: SocketAddr,
    plan: Plan,
    placed: mpsc::UnboundedSender<()>,
    deadline: Instant,
    mut stop: watch::Receiver<bool>,
) -> Outcome {
    let mut stream = match timeout(CONNECT_TIMEOUT, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Outcome::uncut(&format!("connect failed: {}", e.kind())),
        Err(_) => return Outcome::uncut("connect timed out"),
    };
    if plan.nodelay && stream.set_nodelay(true).is_err() {
        return Outcome::uncut("could not set TCP_NODELAY");
    }
    let connected = Instant::now();
    let (mut reader, mut writer) = stream.split();
    let read = read_status(&mut reader);
    tokio::pin!(read);
    tokio::select! {
        label = &mut read => return Outcome::cut(label, connected.elapsed()),
        _ = write_plan(&mut writer, plan, placed, deadline) => {}
        _ = stop.wait_for(|stopped| *stopped) => return Outcome::uncut(STILL_OPEN),
    }
    // Nothing more to write (or the writes failed): hold the connection.
    tokio::select! {
        label = read => Outcome::cut(label, connected.elapsed()),
        _ = stop.wait_for(|stopped| *stopped) => Outcome::uncut(STILL_OPEN),
    }
}

/// The first line the server sent back, or how it closed the connection.
async fn read_status(reader: &mut ReadHalf<'_>) -> String {
    let mut line = Vec::new();
    let mut buf = [0u8; 256];
    while line.len() < MAX_STATUS_LINE {
        match reader.read(&mut buf).await {
            Ok(0) if line.is_empty() => return "closed by server".into(),
            Ok(0) => break,
            Ok(n) => line.extend_from_slice(&buf[..n]),
            Err(e) if line.is_empty() => return read_error(&e),
            Err(_) => break,
        }
        if let Some(end) = line.windows(2).position(|w| w == b"\r\n") {
            line.truncate(end);
            break;
        }
    }
    format!("read \"{}\"", String::from_utf8_lossy(&line))
}

fn read_error(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionReset => "reset by server".into(),
        kind => format!("read failed: {kind}"),
    }
}

/// Writes the head (then counts the attacker in place) and the steps,
/// starting none after the deadline.
async fn write_plan(
    writer: &mut WriteHalf<'_>,
    plan: Plan,
    placed: mpsc::UnboundedSender<()>,
    deadline: Instant,
) -> std::io::Result<()> {
    let head = writer.write_all(&plan.head).await;
    if head.is_ok() {
        let _ = placed.send(());
    }
    drop(placed);
    head?;
    for step in plan.steps {
        if Instant::now() >= deadline {
            break;
        }
        write_step(writer, step, deadline).await?;
    }
    Ok(())
}

async fn write_step(
    writer: &mut WriteHalf<'_>,
    step: Step,
    deadline: Instant,
) -> std::io::Result<()> {
    match step {
        Step::Burst(chunks) => {
            for chunk in chunks {
                writer.write_all(&chunk).await?;
            }
            Ok(())
        }
        Step::Trickle { bytes, every } => write_trickle(writer, &bytes, every, deadline).await,
        Step::Bytewise(bytes) => write_bytewise(writer, &bytes, deadline).await,
        Step::Flood { block, total } => write_flood(writer, &block, total, deadline).await,
    }
}

async fn write_trickle(
    writer: &mut WriteHalf<'_>,
    chunks: &[Bytes],
    every: Duration,
    deadline: Instant,
) -> std::io::Result<()> {
    for &byte in chunks.iter().flat_map(|c| c.iter()) {
        if Instant::now() >= deadline {
            break;
        }
        writer.write_all(&[byte]).await?;
        sleep(every).await;
    }
    Ok(())
}

async fn write_bytewise(
    writer: &mut WriteHalf<'_>,
    chunks: &[Bytes],
    deadline: Instant,
) -> std::io::Result<()> {
    for (i, &byte) in chunks.iter().flat_map(|c| c.iter()).enumerate() {
        if i % 1024 == 0 && Instant::now() >= deadline {
            break;
        }
        writer.write_all(&[byte]).await?;
        writer.flush().await?;
    }
    Ok(())
}

async fn write_flood(
    writer: &mut WriteHalf<'_>,
    block: &Bytes,
    total: usize,
    deadline: Instant,
) -> std::io::Result<()> {
    let mut sent = 0;
    while sent < total && !block.is_empty() && Instant::now() < deadline {
        let n = block.len().min(total - sent);
        writer.write_all(&block[..n]).await?;
        sent += n;
    }
    Ok(())
}

/// Starts the attackers; returns them and a receiver that yields once per
/// attacker in place and closes when every attacker is in place or gone.
fn open_attack(
    o: &Options,
    kit: &Kit,
    addr: SocketAddr,
    deadline: Instant,
    stop: &watch::Receiver<bool>,
) -> (JoinSet<Outcome>, mpsc::UnboundedReceiver<()>) {
    let (placed, in_place) = mpsc::unbounded_channel();
    let mut attackers = JoinSet::new();
    for i in 0..o.attackers() {
        if let Some(plan) = kit.plan(o.attack, i) {
            attackers.spawn(attacker(addr, plan, placed.clone(), deadline, stop.clone()));
        }
    }
    (attackers, in_place)
}

/// How many attackers got in place before everyone was or the time ran out.
async fn wait_in_place(mut in_place: mpsc::UnboundedReceiver<()>) -> usize {
    let until = Instant::now() + PLACE_TIMEOUT;
    let mut placed = 0;
    while let Ok(Some(())) = timeout_at(until, in_place.recv()).await {
        placed += 1;
    }
    placed
}

/// The attackers' outcomes: those cut until `until` (or until all were),
/// then, after the stop, the rest.
async fn collect_outcomes(
    mut attackers: JoinSet<Outcome>,
    until: Instant,
    stop: watch::Sender<bool>,
) -> Vec<Outcome> {
    let mut outcomes = Vec::with_capacity(attackers.len());
    while let Ok(Some(joined)) = timeout_at(until, attackers.join_next()).await {
        outcomes.push(joined.unwrap_or_else(Outcome::failed));
    }
    stop.send_replace(true);
    let grace = Instant::now() + STOP_GRACE;
    while let Ok(Some(joined)) = timeout_at(grace, attackers.join_next()).await {
        outcomes.push(joined.unwrap_or_else(Outcome::failed));
    }
    outcomes.extend((0..attackers.len()).map(|_| Outcome::uncut(STILL_OPEN)));
    attackers.abort_all();
    outcomes
}

/// What became of one valid callback.
struct Sent {
    token: String,
    /// Its status, `timeout`, or what went wrong.
    label: String,
    latency: Duration,
}

/// Valid callback `i`'s token.
fn valid_token(run: &str, i: usize) -> String {
    format!("hostile{run}v{i}")
}

/// Attacker `i`'s token, for the attacks that send a callback's fields.
fn attacker_token(run: &str, i: usize) -> String {
    format!("hostile{run}a{i}")
}

/// Sends the valid callbacks at the set concurrency: each one's status (or
/// what went wrong) and latency.
async fn send_valid(o: &Options, http: &reqwest::Client, url: &Url, run: &str) -> Vec<Sent> {
    let file = generated(Format::Png, FILE_SIZE);
    stream::iter(0..o.count)
        .map(|i| {
            let token = valid_token(run, i);
            let callback = Callback::new(&o.secret, &token, Format::Png).file(file.clone());
            let request = http
                .post(url.clone())
                .header("content-type", callback.content_type())
                .body(callback.body());
            async move {
                let started = Instant::now();
                let label = match request.send().await {
                    Ok(response) => {
                        let status = response.status().as_u16().to_string();
                        // Read to the end, so the connection can be reused.
                        let _ = response.bytes().await;
                        status
                    }
                    Err(e) => error_label(&e),
                };
                Sent {
                    token,
                    label,
                    latency: started.elapsed(),
                }
            }
        })
        .buffer_unordered(o.concurrency)
        .collect()
        .await
}

/// `timeout`, or the innermost cause.
fn error_label(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timeout".into();
    }
    let root = std::iter::successors(Some(e as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .last()
    .map(ToString::to_string)
    .unwrap_or_default();
    format!("error: {root}")
}

/// The valid callbacks' statuses (or errors), with their counts.
fn statuses(sent: &[Sent]) -> BTreeMap<String, usize> {
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for s in sent {
        *statuses.entry(s.label.clone()).or_default() += 1;
    }
    statuses
}

fn print_valid(sent: &[Sent], statuses: &BTreeMap<String, usize>) {
    let mut latencies: Vec<Duration> = sent.iter().map(|s| s.latency).collect();
    latencies.sort();
    let statuses_list = statuses
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "valid: {} sent, {} succeeded (200), statuses {{{statuses_list}}}, p50 {} ms, p99 {} ms",
        sent.len(),
        statuses.get("200").copied().unwrap_or(0),
        percentile_ms(&latencies, 0.50),
        percentile_ms(&latencies, 0.99),
    );
}

fn print_attackers(outcomes: &[Outcome], watched: Duration) {
    if outcomes.is_empty() {
        println!("attackers: none");
        return;
    }
    let mut groups: BTreeMap<&str, (usize, Vec<Duration>)> = BTreeMap::new();
    for outcome in outcomes {
        let group = groups.entry(&outcome.label).or_default();
        group.0 += 1;
        group.1.extend(outcome.after);
    }
    println!("attackers: {} connections", outcomes.len());
    for (label, (count, mut times)) in groups {
        if !times.is_empty() {
            println!("  {count} {label} after {}", spread(&mut times));
        } else if label == STILL_OPEN {
            println!("  {count} {label} ({:.1} s)", watched.as_secs_f64());
        } else {
            println!("  {count} {label}");
        }
    }
    let mut cut: Vec<Duration> = outcomes.iter().filter_map(|o| o.after).collect();
    println!(
        "attackers cut by the server: {} of {}, after {}",
        cut.len(),
        outcomes.len(),
        spread(&mut cut)
    );
}

/// The `p` percentile of sorted latencies, in milliseconds.
fn percentile_ms(sorted: &[Duration], p: f64) -> String {
    let Some(last) = sorted.len().checked_sub(1) else {
        return "-".into();
    };
    let at = ((sorted.len() as f64 * p) as usize).min(last);
    format!("{:.1}", sorted[at].as_secs_f64() * 1e3)
}

/// Min, median and max, in seconds.
fn spread(times: &mut [Duration]) -> String {
    times.sort();
    let (Some(min), Some(max)) = (times.first(), times.last()) else {
        return "-".into();
    };
    format!(
        "min {:.1} s, median {:.1} s, max {:.1} s",
        min.as_secs_f64(),
        times[times.len() / 2].as_secs_f64(),
        max.as_secs_f64()
    )
}

/// What a run saw.
#[derive(Debug)]
pub struct Report {
    /// The valid callbacks' statuses (or `timeout`, or the error), with
    /// their counts.
    pub valid: BTreeMap<String, usize>,
    /// Attacker connections opened.
    pub attackers: usize,
    /// How many of them the server cut (answered, closed or reset).
    pub attackers_cut: usize,
    /// With a store: valid callbacks acknowledged with 200 whose capture
    /// is not in it.
    pub missing: Option<Vec<String>>,
    /// With a store: attackers whose capture is in it (none should be: no
    /// attacker sends a whole callback).
    pub attackers_stored: Option<Vec<String>>,
}

/// Opens the attack, sends the valid callbacks through it, prints the
/// report, closes every connection, then checks the store if one was given.
pub async fn run(o: Options) -> Result<Report, BoxError> {
    let target = Target::parse(&o.url)?;
    target.probe().await?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(o.concurrency)
        .build()?;
    let started_at = Utc::now();
    let run = format!("{:x}", started_at.timestamp_micros());
    let kit = Kit::new(&o, &target, &run);
    println!(
        "attack: {}, {} attacker connections to {}, then {} valid callbacks at concurrency {}",
        o.attack.name(),
        o.attackers(),
        target.addr,
        o.count,
        o.concurrency
    );

    let opened = Instant::now();
    let (stop, stopped) = watch::channel(false);
    let (attackers, in_place) = open_attack(&o, &kit, target.addr, opened + o.duration, &stopped);
    drop(kit);
    let placed = wait_in_place(in_place).await;
    println!(
        "attackers in place: {placed} of {} after {:.1} s",
        o.attackers(),
        opened.elapsed().as_secs_f64()
    );
    sleep(SETTLE).await;

    let sent = send_valid(&o, &http, &target.url, &run).await;
    let valid = statuses(&sent);
    print_valid(&sent, &valid);
    let outcomes = collect_outcomes(attackers, opened + o.duration, stop).await;
    print_attackers(&outcomes, opened.elapsed());

    let mut report = Report {
        valid,
        attackers: outcomes.len(),
        attackers_cut: outcomes.iter().filter(|a| a.after.is_some()).count(),
        missing: None,
        attackers_stored: None,
    };
    if let Some(location) = &o.store {
        let (missing, stored) = check_store(&o, location, &run, started_at, &sent).await?;
        report.missing = Some(missing);
        report.attackers_stored = Some(stored);
    }
    Ok(report)
}

/// Which acknowledged valid callbacks are missing from the store, and
/// which attackers' captures are in it; prints both.
async fn check_store(
    o: &Options,
    location: &str,
    run: &str,
    started_at: DateTime<Utc>,
    sent: &[Sent],
) -> Result<(Vec<String>, Vec<String>), BoxError> {
    let store = open_store(location)?;
    let acknowledged: Vec<String> = sent
        .iter()
        .filter(|s| s.label == "200")
        .map(|s| s.token.clone())
        .collect();
    let attackers: Vec<String> = (0..o.attackers()).map(|i| attacker_token(run, i)).collect();
    let captures: Vec<(String, Format)> = acknowledged
        .iter()
        .chain(&attackers)
        .map(|token| (token.clone(), Format::Png))
        .collect();
    let found = landed(
        store.as_ref(),
        &o.key_layout,
        &captures,
        started_at,
        Utc::now(),
    )
    .await?;
    let missing: Vec<String> = acknowledged
        .iter()
        .filter(|token| !found.contains(*token))
        .cloned()
        .collect();
    let stored: Vec<String> = attackers
        .into_iter()
        .filter(|token| found.contains(token))
        .collect();
    println!(
        "checked {location}: {} of {} acknowledged valid captures landed; missing: {missing:?}; \
         attacker captures stored: {stored:?}",
        acknowledged.len() - missing.len(),
        acknowledged.len()
    );
    Ok((missing, stored))
}
