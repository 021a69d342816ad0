//! The portal: the static files under `web/` (HTML, CSS, JavaScript modules), embedded in the
//! binary and served at `/` beside the API. They call only the documented API; nothing here
//! decides anything about the hospital.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use poem::http::{HeaderValue, Method, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};
use sha2::{Digest, Sha256};

include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// Scripts and styles come from this server only, and nothing inline runs: no `unsafe-inline`, no
/// `unsafe-eval`. Pictures may be drawn into the page (`data:`) and documents handed to the user
/// as downloads (`blob:`).
pub(crate) const PORTAL_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                                     connect-src 'self'; manifest-src 'self'; frame-ancestors 'none'; base-uri 'none'; \
                                     form-action 'self'; object-src 'none'";

/// One file of the portal.
#[derive(Clone)]
struct Asset {
    bytes: Bytes,
    content_type: &'static str,
    etag: String,
}

impl Asset {
    fn new(path: &str, bytes: Bytes) -> Self {
        let digest = Sha256::digest(&bytes);
        let etag = format!("\"{}\"", digest.iter().take(12).map(|b| format!("{b:02x}")).collect::<String>());
        Self { bytes, content_type: content_type(path), etag }
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Where the portal's files come from.
pub struct Portal {
    embedded: HashMap<&'static str, Asset>,
    /// A folder read on every request instead of the embedded copy (to work on the portal
    /// without rebuilding the server, or to serve a hospital's own).
    dir: Option<PathBuf>,
}

impl Portal {
    /// The portal built into the binary, or the one in `dir`.
    pub fn new(dir: Option<PathBuf>) -> Self {
        let embedded = FILES.iter().map(|(path, bytes)| (*path, Asset::new(path, Bytes::from_static(bytes)))).collect();
        Self { embedded, dir }
    }

    /// The file a request path names: `/` is `index.html`. Paths with hidden or parent segments
    /// name nothing.
    fn lookup(&self, path: &str) -> Option<Asset> {
        let rel = path.strip_prefix('/')?;
        let rel = if rel.is_empty() { "index.html" } else { rel };
        if rel.split('/').any(|s| s.is_empty() || s.starts_with('.') || s.contains('\\')) {
            return None;
        }
        match &self.dir {
            None => self.embedded.get(rel).cloned(),
            Some(dir) => {
                let file = dir.join(rel);
                file.is_file().then(|| std::fs::read(&file).ok()).flatten().map(|bytes| Asset::new(rel, Bytes::from(bytes)))
            }
        }
    }

    /// Every embedded file and its size in bytes, for the record of what a browser downloads.
    pub fn files() -> impl Iterator<Item = (&'static str, usize)> {
        FILES.iter().map(|(path, bytes)| (*path, bytes.len()))
    }
}

/// Serves the portal's files (GET and HEAD) with an `ETag` the browser revalidates; every
/// other request goes on to the API.
pub(crate) async fn serve<E: Endpoint>(next: Arc<E>, req: Request, portal: Arc<Portal>) -> poem::Result<Response> {
    let method = req.method();
    if (method == Method::GET || method == Method::HEAD)
        && !req.uri().path().starts_with("/api/")
        && let Some(asset) = portal.lookup(req.uri().path())
    {
        let fresh = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v == asset.etag);
        let builder = Response::builder()
            .header(header::ETAG, HeaderValue::from_str(&asset.etag).expect("a hex ETag is a header value"))
            .header(header::CACHE_CONTROL, "no-cache")
            .header(header::CONTENT_SECURITY_POLICY, PORTAL_CSP);
        if fresh {
            return Ok(builder.status(StatusCode::NOT_MODIFIED).finish());
        }
        let body = if method == Method::HEAD { Bytes::new() } else { asset.bytes };
        return Ok(builder.content_type(asset.content_type).body(body));
    }
    Ok(next.call(req).await?.into_response())
}
