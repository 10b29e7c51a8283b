//! Receives capture callbacks in an actix-web 4 app.
//!
//! Run with `cargo run --example actix --features actix`: it listens on
//! 127.0.0.1:3000 (or `SHOTSINK_ADDR`) and stores into `./captures` (or
//! `SHOTSINK_STORE`). See `examples/common/mod.rs` for the environment.

#[path = "common/mod.rs"]
pub mod common;

use actix_web::{App, HttpServer, dev::Server};
use shotsink::CaptureSink;

use common::{BoxError, Settings};

/// The server: the sink mounted at `/callback` in one line.
pub fn server(sink: CaptureSink, listener: std::net::TcpListener) -> std::io::Result<Server> {
    Ok(
        HttpServer::new(move || {
            App::new().route("/callback", shotsink::actix::route(sink.clone()))
        })
        .workers(2)
        .listen(listener)?
        .run(),
    )
}

fn main() -> Result<(), BoxError> {
    common::init_tracing();
    let settings = Settings::from_env()?;
    let sink = settings.sink()?;
    let listener = std::net::TcpListener::bind(settings.addr)?;
    settings.announce(listener.local_addr()?);
    actix_web::rt::System::new().block_on(server(sink, listener)?)?;
    Ok(())
}
