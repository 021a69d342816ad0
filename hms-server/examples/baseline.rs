//! A bare poem server answering `GET /` with a constant JSON body of `BODY_BYTES` bytes: the
//! ceiling a list endpoint of hms can approach on this machine. Used by `benches/http/run.sh`.

use poem::listener::TcpListener;
use poem::web::Data;
use poem::{EndpointExt, Response, Route, Server, get, handler};

#[handler]
fn constant(body: Data<&bytes::Bytes>) -> Response {
    Response::builder().content_type("application/json; charset=utf-8").body(body.0.clone())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let size: usize = std::env::var("BODY_BYTES").ok().and_then(|v| v.parse().ok()).unwrap_or(7000);
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:8099".into());
    let filler = "x".repeat(size.saturating_sub(14));
    let body = bytes::Bytes::from(format!("{{\"items\":\"{filler}\"}}"));
    let app = Route::new().at("/", get(constant)).data(body);
    Server::new(TcpListener::bind(bind)).run(app).await
}
