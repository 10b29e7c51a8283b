//! Configuring a local capture service.

use super::LocalCaptureService;

/// Configures a [`LocalCaptureService`].
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct LocalCaptureServiceBuilder {
    settings: Settings,
}

/// What the service does, as configured; read by the running service.
#[derive(Debug, Clone)]
pub(super) struct Settings {
    pub(super) fail_every: Option<usize>,
    pub(super) deliver_twice: bool,
    pub(super) reorder_fields: bool,
    pub(super) file_size: Option<usize>,
    pub(super) batch_limit: usize,
    pub(super) concurrency: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            fail_every: None,
            deliver_twice: false,
            reorder_fields: false,
            file_size: None,
            batch_limit: 500,
            concurrency: 64,
        }
    }
}

impl LocalCaptureServiceBuilder {
    /// Every `n`th job's render fails: its callback says `status=ERR` and
    /// carries no file.
    pub fn fail_every(mut self, n: usize) -> Self {
        self.settings.fail_every = Some(n.max(1));
        self
    }

    /// Delivers every callback twice, as a sender that retries does.
    pub fn deliver_twice(mut self, twice: bool) -> Self {
        self.settings.deliver_twice = twice;
        self
    }

    /// Varies the field order between jobs: fields first, file first, all
    /// reversed.
    pub fn reorder_fields(mut self, reorder: bool) -> Self {
        self.settings.reorder_fields = reorder;
        self
    }

    /// Sends generated files of this size instead of the samples.
    pub fn file_size(mut self, bytes: usize) -> Self {
        self.settings.file_size = Some(bytes);
        self
    }

    /// Most jobs per batch (the plan's limit). Default: 500.
    pub fn batch_limit(mut self, jobs: usize) -> Self {
        self.settings.batch_limit = jobs;
        self
    }

    /// Callbacks in flight at once. Default: 64.
    pub fn concurrency(mut self, callbacks: usize) -> Self {
        self.settings.concurrency = callbacks.max(1);
        self
    }

    /// Starts the service on a free loopback port.
    pub async fn start(self) -> std::io::Result<LocalCaptureService> {
        LocalCaptureService::start(self.settings).await
    }
}
