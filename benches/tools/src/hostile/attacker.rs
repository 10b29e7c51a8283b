//! The attacker connections: each writes its plan and holds its
//! connection; together they are opened, counted in place and collected.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::net::tcp::{ReadHalf, WriteHalf};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout, timeout_at};

use super::attack::{Kit, Plan, Step};
use super::{CONNECT_TIMEOUT, MAX_STATUS_LINE, Options, PLACE_TIMEOUT, STILL_OPEN, STOP_GRACE};

/// How one attacker connection ended.
pub(super) struct Outcome {
    pub(super) label: String,
    /// From its connection to its cut (`None`: never cut).
    pub(super) after: Option<Duration>,
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
pub(super) fn open_attack(
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
pub(super) async fn wait_in_place(mut in_place: mpsc::UnboundedReceiver<()>) -> usize {
    let until = Instant::now() + PLACE_TIMEOUT;
    let mut placed = 0;
    while let Ok(Some(())) = timeout_at(until, in_place.recv()).await {
        placed += 1;
    }
    placed
}

/// The attackers' outcomes: those cut until `until` (or until all were),
/// then, after the stop, the rest.
pub(super) async fn collect_outcomes(
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
