//! Answers computed once and served many times: the public doctor listing.
//!
//! The listing is the same for every caller (it never shows inactive doctors) and is read far
//! more often than doctors change, so each distinct query is answered from its serialized JSON
//! for a short time (`HttpConfig::public_list_ttl`). A change made through this process clears
//! the cache at once; one made through another process shows within the time-to-live.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use poem::{IntoResponse, Response};
use poem_openapi::ApiResponse;
use poem_openapi::payload::Payload;
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::{ToJSON, Type};

/// A JSON body serialized once, documented in the OpenAPI document as `T`.
pub struct JsonBytes<T> {
    bytes: Bytes,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for JsonBytes<T> {
    fn clone(&self) -> Self {
        Self { bytes: self.bytes.clone(), _type: PhantomData }
    }
}

impl<T: ToJSON> JsonBytes<T> {
    /// Serializes `value` as its JSON answer.
    pub fn new(value: &T) -> Self {
        let bytes = serde_json::to_vec(&value.to_json()).unwrap_or_default();
        Self { bytes: bytes.into(), _type: PhantomData }
    }
}

impl<T: Type> Payload for JsonBytes<T> {
    const CONTENT_TYPE: &'static str = "application/json; charset=utf-8";

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T> IntoResponse for JsonBytes<T> {
    fn into_response(self) -> Response {
        Response::builder().content_type("application/json; charset=utf-8").body(self.bytes)
    }
}

impl<T: Type> ApiResponse for JsonBytes<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType { content_type: Self::CONTENT_TYPE, schema: Self::schema_ref() }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// A query of the public doctor listing: specialization (lower-cased), accepting, page, page size.
pub type DoctorListKey = (Option<String>, Option<bool>, u32, u32);

/// The cached pages of the public doctor listing.
pub type DoctorListCache = moka::future::Cache<DoctorListKey, JsonBytes<crate::dto::Page<crate::dto::Doctor>>>;

/// A cache of at most 10,000 distinct queries living `ttl` (zero: no caching).
pub fn doctor_list_cache(ttl: Duration) -> DoctorListCache {
    moka::future::Cache::builder()
        .time_to_live(ttl.max(Duration::from_millis(1)))
        .max_capacity(if ttl.is_zero() { 0 } else { 10_000 })
        .build()
}
