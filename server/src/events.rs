//! `shotsink events`: what the app has not heard of, and replays, from
//! the journal in the configured store; the same on the admin listener.

use std::process::ExitCode;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Deserialize;
use shotsink::notify::{EventLog, EventLogError, EventRecord, EventState};

use crate::settings::Config;

/// `shotsink events …`
#[derive(Subcommand, Clone)]
pub(crate) enum EventsCommand {
    /// Lists events, oldest first: pending (not delivered yet) unless
    /// `--failed` (the dead letter).
    List(ListArgs),
    /// Prints one event's record as JSON.
    Show {
        /// The event's id (`msg_…`, its `webhook-id`).
        id: String,
    },
    /// Sends failed events again: one by id, or every one with `--failed`.
    Replay {
        /// The event's id.
        #[arg(required_unless_present = "failed", conflicts_with = "failed")]
        id: Option<String>,
        /// Every event of the dead letter.
        #[arg(long)]
        failed: bool,
    },
}

/// `shotsink events list`'s options.
#[derive(Args, Clone)]
pub(crate) struct ListArgs {
    /// Pending events (the default).
    #[arg(long, conflicts_with = "failed")]
    pending: bool,
    /// Failed events: every attempt failed.
    #[arg(long)]
    failed: bool,
    /// Only events made since then: RFC 3339 (`2026-12-01T00:00:00Z`) or a
    /// time ago (`90m`, `2h`, `1day`).
    #[arg(long, value_parser = parse_since)]
    since: Option<DateTime<Utc>>,
    /// At most this many.
    #[arg(long, default_value_t = 1000)]
    limit: usize,
    /// One JSON record per line instead of a table.
    #[arg(long)]
    json: bool,
}

/// RFC 3339, or a duration before now.
pub(crate) fn parse_since(given: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(given) {
        return Ok(at.with_timezone(&Utc));
    }
    let ago = humantime_serde::re::humantime::parse_duration(given)
        .map_err(|_| format!("`{given}` is neither an RFC 3339 time nor a duration such as 2h"))?;
    let ago = chrono::Duration::from_std(ago).map_err(|e| e.to_string())?;
    Utc::now()
        .checked_sub_signed(ago)
        .ok_or_else(|| format!("`{given}` reaches before any date"))
}

/// Runs the command against the configured store's journal.
pub(crate) fn run(config: &Config, command: EventsCommand) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("shotsink: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let store = match config.open_store() {
        Ok(store) => store,
        Err(error) => {
            eprintln!("shotsink: configuration: {error}");
            return ExitCode::from(2);
        }
    };
    let log = EventLog::new(store);
    match runtime.block_on(execute(&log, command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("shotsink: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(log: &EventLog, command: EventsCommand) -> Result<ExitCode, EventLogError> {
    match command {
        EventsCommand::List(args) => {
            let state = if args.failed {
                EventState::Failed
            } else {
                EventState::Pending
            };
            let records = log.list(state, args.since, args.limit).await?;
            for record in &records {
                if args.json {
                    println!("{}", json(record));
                } else {
                    println!("{}", line(record));
                }
            }
            if !args.json {
                eprintln!("{} {} event(s)", records.len(), state.as_str());
            }
        }
        EventsCommand::Show { id } => match log.get(&id).await? {
            Some(record) => {
                let pretty = serde_json::to_string_pretty(&json(&record)).unwrap_or_default();
                println!("{pretty}");
            }
            None => {
                eprintln!(
                    "shotsink: no pending or failed event {id} (never recorded, or delivered)"
                );
                return Ok(ExitCode::FAILURE);
            }
        },
        EventsCommand::Replay { id: Some(id), .. } => {
            let record = log.replay(&id).await?;
            println!(
                "replaying {}: pending again; a running shotsink delivers it",
                record.id()
            );
        }
        EventsCommand::Replay { id: None, .. } => {
            let ids = log.replay_failed().await?;
            for id in &ids {
                println!("{id}");
            }
            eprintln!(
                "{} failed event(s) pending again; a running shotsink delivers them",
                ids.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One event as a table line: id, state, type, token, attempts, last error.
fn line(record: &EventRecord) -> String {
    let event = &record.event;
    format!(
        "{}  {}  {}  {}  attempts={}  {}",
        event.id,
        record.state.as_str(),
        event.kind,
        event.data.token.as_deref().unwrap_or("-"),
        record.attempts,
        record.last_error.as_deref().unwrap_or(""),
    )
}

/// The record as JSON, with its state.
fn json(record: &EventRecord) -> serde_json::Value {
    let mut value = serde_json::to_value(record).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.insert("state".to_owned(), record.state.as_str().into());
    }
    value
}

/// `GET /events`, `GET /events/{id}` and `POST /events/{id}/replay`, for
/// the admin listener only.
pub(crate) fn router(log: EventLog) -> Router {
    Router::new()
        .route("/events", get(list))
        .route("/events/{id}", get(show))
        .route("/events/{id}/replay", post(replay))
        .with_state(Arc::new(log))
}

#[derive(Deserialize)]
struct ListQuery {
    state: Option<String>,
    since: Option<String>,
    limit: Option<usize>,
}

async fn list(State(log): State<Arc<EventLog>>, Query(query): Query<ListQuery>) -> Response {
    let state = match query
        .state
        .as_deref()
        .unwrap_or("pending")
        .parse::<EventState>()
    {
        Ok(state) => state,
        Err(error) => return (StatusCode::BAD_REQUEST, format!("{error}\n")).into_response(),
    };
    let since = match query.since.as_deref().map(parse_since).transpose() {
        Ok(since) => since,
        Err(error) => {
            return (StatusCode::BAD_REQUEST, format!("since: {error}\n")).into_response();
        }
    };
    let limit = query.limit.unwrap_or(1000).min(10_000);
    match log.list(state, since, limit).await {
        Ok(records) => axum::Json(records.iter().map(json).collect::<Vec<_>>()).into_response(),
        Err(error) => failed(&error),
    }
}

async fn show(State(log): State<Arc<EventLog>>, UrlPath(id): UrlPath<String>) -> Response {
    match log.get(&id).await {
        Ok(Some(record)) => axum::Json(json(&record)).into_response(),
        Ok(None) => (
            StatusCode::NOT_FOUND,
            format!("no pending or failed event {id}\n"),
        )
            .into_response(),
        Err(error) => failed(&error),
    }
}

async fn replay(State(log): State<Arc<EventLog>>, UrlPath(id): UrlPath<String>) -> Response {
    match log.replay(&id).await {
        Ok(record) => axum::Json(json(&record)).into_response(),
        Err(EventLogError::NotFound { .. }) => {
            (StatusCode::NOT_FOUND, format!("no failed event {id}\n")).into_response()
        }
        Err(error) => failed(&error),
    }
}

fn failed(error: &EventLogError) -> Response {
    tracing::warn!(%error, "events endpoint");
    (StatusCode::BAD_GATEWAY, format!("{error}\n")).into_response()
}
