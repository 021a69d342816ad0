//! The connection loop: HTTP/1.1 and HTTP/2 over TCP with limits a public server needs.
//!
//! poem's own `Server` sets no timer on hyper, so a client could trickle a request head one byte
//! at a time and hold a connection for ever. This loop serves the same poem endpoint through
//! hyper directly, with a deadline for every request head (which also closes idle keep-alive
//! connections), bounded head sizes, and graceful shutdown. Slow request bodies are bounded by
//! the body deadline in `lib.rs`.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::http::uri::Scheme;
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, EndpointExt};

/// Limits of the connection loop.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// A request head must arrive in full within this time after the server starts waiting for
    /// it; an idle keep-alive connection is closed after the same time.
    pub header_timeout: Duration,
    /// The largest request head (request line and headers), in bytes.
    pub max_head_bytes: usize,
    /// The most headers in one request.
    pub max_headers: usize,
    /// How long requests in flight may finish after shutdown begins.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    /// 10 s for a request head, 64 KiB and 100 headers at most, 10 s to finish on shutdown.
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_head_bytes: 64 * 1024,
            max_headers: 100,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Serves `endpoint` on `listener` until `shutdown` completes, then lets requests in flight
/// finish (within the grace period) and returns.
pub async fn serve<E>(
    listener: tokio::net::TcpListener,
    endpoint: E,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()>
where
    E: Endpoint + 'static,
{
    let endpoint = Arc::new(endpoint.map_to_response());
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(limits.max_head_bytes.max(8192))
        .max_headers(limits.max_headers);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(limits.max_head_bytes as u32)
        .max_concurrent_streams(200)
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let local = LocalAddr(stream.local_addr().map(poem::Addr::SocketAddr).unwrap_or_default());
        let remote = RemoteAddr(poem::Addr::SocketAddr(remote));
        let endpoint = endpoint.clone();
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            let endpoint = endpoint.clone();
            let request = poem::Request::from((req, local.clone(), remote.clone(), Scheme::HTTP));
            async move { Ok::<_, Infallible>(hyper::Response::from(endpoint.get_response(request).await)) }
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.shutdown_grace) => tracing::warn!("requests still in flight at the end of the shutdown grace period"),
    }
    Ok(())
}
