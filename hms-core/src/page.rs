//! Pagination: every list is paged, with the total.

use crate::error::{Error, Result};

/// The most items one page may hold.
pub const MAX_PER_PAGE: u32 = 100;

/// Which page of a list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, per_page: 20 }
    }
}

impl PageRequest {
    /// Page `page` (from 1) of `per_page` items (1 to [`MAX_PER_PAGE`]).
    pub fn new(page: u32, per_page: u32) -> Result<Self> {
        if page == 0 || page > 1_000_000 {
            return Err(Error::invalid("page", "must be between 1 and 1000000"));
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(Error::invalid("per_page", "must be between 1 and 100"));
        }
        Ok(Self { page, per_page })
    }

    /// The page number, from 1.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Items per page.
    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The page number, from 1.
    pub page: u32,
    /// Items per page.
    pub per_page: u32,
    /// Items in the whole list.
    pub total: u64,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`.
    pub fn new(items: Vec<T>, request: PageRequest, total: u64) -> Self {
        Self { items, page: request.page, per_page: request.per_page, total }
    }

    /// The same page with each item mapped.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), page: self.page, per_page: self.per_page, total: self.total }
    }
}
