//! `/api/invoices`.

use poem::web::Data;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use uuid::Uuid;

use super::{Created, Tag, Tagged, created_versioned, expected, tagged};
use crate::AppState;
use crate::auth::BearerAuth;
use crate::dto::{Invoice, InvoiceRequest, InvoiceStatus, Page, PayRequest, page};
use crate::error::ApiResult;

/// Invoices.
pub struct BillingApi;

#[OpenApi(prefix_path = "/api/invoices", tag = "Tag::Billing")]
impl BillingApi {
    /// Issue an invoice for an appointment
    ///
    /// Admins and the front desk; one per appointment. Tax rounds to the currency's minor unit, half away from zero.
    #[oai(path = "/", method = "post")]
    async fn create(&self, state: Data<&AppState>, auth: BearerAuth, body: Json<InvoiceRequest>) -> ApiResult<Created<Invoice>> {
        let invoice = state.hospital.issue_invoice(&auth.0.actor, body.0.into_core()?, state.now()).await?;
        let location = format!("/api/invoices/{}", invoice.id);
        Ok(created_versioned(invoice, location))
    }

    /// List invoices
    ///
    /// A patient sees their own.
    #[oai(path = "/", method = "get")]
    async fn list(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        status: Query<Option<InvoiceStatus>>,
        patient_id: Query<Option<Uuid>>,
        #[oai(name = "page", validator(minimum(value = "1"), maximum(value = "1000000")))] p: Query<Option<u32>>,
        #[oai(validator(minimum(value = "1"), maximum(value = "100")))] page_size: Query<Option<u32>>,
    ) -> ApiResult<Json<Page<Invoice>>> {
        let filter = hms_core::InvoiceFilter { status: status.0.map(Into::into), patient_id: patient_id.0.map(Into::into) };
        let list = state.hospital.list_invoices(&auth.0.actor, filter, page(p.0, page_size.0)?, state.now()).await?;
        Ok(Json(Page::from_core(list, Into::into)))
    }

    /// One invoice
    #[oai(path = "/:id", method = "get")]
    async fn get(&self, state: Data<&AppState>, auth: BearerAuth, id: Path<Uuid>) -> ApiResult<Tagged<Invoice>> {
        let invoice = state.hospital.invoice(&auth.0.actor, id.0.into(), state.now()).await?;
        Ok(tagged(invoice))
    }

    /// Record the payment of a pending invoice
    #[oai(path = "/:id/pay", method = "post")]
    async fn pay(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        body: Json<PayRequest>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Invoice>> {
        let expected = expected(&if_match_header);
        let invoice =
            state.hospital.pay_invoice(&auth.0.actor, id.0.into(), body.0.method.into(), expected.as_deref(), state.now()).await?;
        Ok(tagged(invoice))
    }

    /// Cancel a pending invoice
    ///
    /// A paid invoice is never changed.
    #[oai(path = "/:id/cancel", method = "post")]
    async fn cancel(
        &self,
        state: Data<&AppState>,
        auth: BearerAuth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_header: Header<Option<String>>,
    ) -> ApiResult<Tagged<Invoice>> {
        let expected = expected(&if_match_header);
        let invoice = state.hospital.cancel_invoice(&auth.0.actor, id.0.into(), expected.as_deref(), state.now()).await?;
        Ok(tagged(invoice))
    }
}
