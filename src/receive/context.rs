//! What every stage shares while one callback is read: the sink's
//! configuration, the callback's account and clocks, and the field-level
//! reads that count as the parser's progress.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use multer::Field;

use super::bounds::{Progress, Timing};
use super::wording::{form_error, store_error};
use crate::configure::runtime::Config;
use crate::prove::probe::Probe;
use crate::prove::sniff::Head;
use crate::receive::budget::Account;
use crate::store::upload::Upload;
use crate::{Rejection, RejectionKind};

pub(super) struct Context {
    pub(super) config: Arc<Config>,
    /// What the callback holds; every dropped body byte is released here.
    pub(super) account: Arc<Account>,
    pub(super) progress: Arc<Progress>,
    pub(super) timing: Timing,
    pub(super) received_at: DateTime<Utc>,
}

impl Context {
    /// The next chunk of a field, counted as progress for the parser.
    pub(super) async fn chunk(
        &self,
        field: &mut Field<'static>,
    ) -> Result<Option<Bytes>, Rejection> {
        let chunk = field.chunk().await.map_err(form_error)?;
        self.progress.made();
        Ok(chunk)
    }

    /// Reads a field to its end and drops it.
    pub(super) async fn skip(&self, field: &mut Field<'static>) -> Result<(), Rejection> {
        while let Some(chunk) = self.chunk(field).await? {
            self.account.release(chunk.len());
        }
        Ok(())
    }

    /// Reads a text field chunk by chunk, releasing its bytes once parsed.
    pub(super) async fn text(
        &self,
        mut field: Field<'static>,
        name: &str,
    ) -> Result<String, Rejection> {
        let mut bytes = Vec::new();
        while let Some(chunk) = self.chunk(&mut field).await? {
            bytes.extend_from_slice(&chunk);
            self.account.release(chunk.len());
        }
        String::from_utf8(bytes).map_err(|_| {
            Rejection::new(
                RejectionKind::Malformed,
                format!("field `{name}` is not UTF-8"),
            )
        })
    }

    /// The first chunks of a field, read until the file's header is proved
    /// or refused (at most about `PROBE_MAX` bytes), and what they show.
    pub(super) async fn head(
        &self,
        field: &mut Field<'static>,
    ) -> Result<(Vec<Bytes>, Probe), Rejection> {
        let mut head = Head::default();
        let mut answer = None;
        while answer.is_none() {
            let Some(chunk) = self.chunk(field).await? else {
                break;
            };
            answer = head.push(chunk);
        }
        Ok(head.finish(answer))
    }

    /// Writes the chunks already read, then the rest of the field if there
    /// is one, into the upload.
    pub(super) async fn write(
        &self,
        upload: &mut Upload,
        chunks: Vec<Bytes>,
        rest: Option<&mut Field<'static>>,
    ) -> Result<(), Rejection> {
        for chunk in chunks {
            upload.write(chunk).await.map_err(store_error)?;
        }
        if let Some(field) = rest {
            while let Some(chunk) = self.chunk(field).await? {
                upload.write(chunk).await.map_err(store_error)?;
            }
        }
        Ok(())
    }
}
