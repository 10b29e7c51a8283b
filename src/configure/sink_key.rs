//! The keys of the sink's builder: one per setting, each documented by its
//! builder method.

super::config_keys! {
    /// A setting of the sink's builder, set from text by [`with_config`](crate::CaptureSinkBuilder::with_config).
    /// Each key's meaning and default are those of the builder method
    /// [`setter`](Self::setter) names. See [`configure`](crate::configure).
    SinkConfigKey {
        /// `keys.prefix`: the dated layout under this prefix
        /// ([`key_prefix`](crate::CaptureSinkBuilder::key_prefix)).
        KeyPrefix = "keys.prefix", "key_prefix", "shots";
        /// `capture.on_existing`: `overwrite`, `keep_first` or `reject`.
        OnExisting = "capture.on_existing", "on_existing", "keep_first";
        /// `capture.early_file`: `refuse` or `stage`.
        EarlyFile = "capture.early_file", "early_file", "stage";
        /// `capture.staging_prefix`: where staged files wait.
        StagingPrefix = "capture.staging_prefix", "staging_prefix", "_early";
        /// `limits.max_file_size`, a size.
        MaxFileSize = "limits.max_file_size", "max_file_size", "32 MiB";
        /// `limits.max_text_field_size`, a size.
        MaxTextFieldSize = "limits.max_text_field_size", "max_text_field_size", "2 KiB";
        /// `limits.max_pixels`, a count; `0` for no bound.
        MaxPixels = "limits.max_pixels", "max_pixels", "50000000";
        /// `limits.max_fields`, a count.
        MaxFields = "limits.max_fields", "max_fields", "8";
        /// `limits.part_size`, a size.
        PartSize = "limits.part_size", "part_size", "5 MiB";
        /// `limits.max_parts_in_flight`, a count.
        MaxPartsInFlight = "limits.max_parts_in_flight", "max_parts_in_flight", "3";
        /// `limits.max_unverified_file_size`, a size.
        MaxUnverifiedFileSize = "limits.max_unverified_file_size", "max_unverified_file_size", "4 MiB";
        /// `limits.max_body_size`, a size; by default derived from the
        /// file and field limits, and read back as derived.
        MaxBodySize = "limits.max_body_size", "max_body_size", "40 MiB";
        /// `limits.max_buffered_bytes`, a size.
        MaxBufferedBytes = "limits.max_buffered_bytes", "max_buffered_bytes", "256 MiB";
        /// `limits.max_unverified_bytes`, a size; by default derived from
        /// the budget, and read back as derived.
        MaxUnverifiedBytes = "limits.max_unverified_bytes", "max_unverified_bytes", "32 MiB";
        /// `limits.idle_timeout`, a duration.
        IdleTimeout = "limits.idle_timeout", "idle_timeout", "20s";
        /// `limits.admission_timeout`, a duration.
        AdmissionTimeout = "limits.admission_timeout", "admission_timeout", "5s";
        /// `limits.min_data_rate`, a size per second; `0` turns the check
        /// off.
        MinDataRate = "limits.min_data_rate", "min_data_rate", "1 KiB";
        /// `limits.min_data_rate_grace`, a duration: the second argument of
        /// [`min_data_rate`](crate::CaptureSinkBuilder::min_data_rate).
        MinDataRateGrace = "limits.min_data_rate_grace", "min_data_rate(grace)", "3s";
        /// `limits.verify_timeout`, a duration.
        VerifyTimeout = "limits.verify_timeout", "verify_timeout", "8s";
        /// `limits.linger_timeout`, a duration.
        LingerTimeout = "limits.linger_timeout", "linger_timeout", "2s";
        /// `limits.max_draining`, a count.
        MaxDraining = "limits.max_draining", "max_draining", "16";
        /// `object.cache_control`: the header's value.
        CacheControl = "object.cache_control", "cache_control", "public, max-age=31536000, immutable";
        /// `object.content_disposition`: `inline` or `attachment`.
        ContentDisposition = "object.content_disposition", "content_disposition", "attachment";
        /// `object.metadata`, a switch.
        Metadata = "object.metadata", "metadata", "true";
        /// `object.sha256`, a switch.
        Sha256 = "object.sha256", "sha256", "true";
        /// `object.storage_class`: the store's name for it.
        StorageClass = "object.storage_class", "storage_class", "STANDARD_IA";
        /// `object.tags`: `key=value` pairs separated by commas, replacing
        /// any set before (see [`tag`](crate::CaptureSinkBuilder::tag)).
        Tags = "object.tags", "tag", "team=growth, env=prod";
        /// `object.capture_tags`, a switch.
        CaptureTags = "object.capture_tags", "capture_tags", "true";
        /// `object.public_urls`: the base URL keys are appended to.
        PublicUrls = "object.public_urls", "public_urls", "https://cdn.example.com/";
        /// `renditions.list`: the renditions made of every stored capture
        /// (the `renditions` feature), separated by commas: presets
        /// (`thumb`, `card`) or `name=WIDTHxHEIGHT[:fit][:format][:qQUALITY]`.
        Renditions = "renditions.list", "renditions", "thumb, og=1200x630:fold:jpg:q82";
        /// `renditions.memory_budget`, a size.
        RenditionMemoryBudget = "renditions.memory_budget", "rendition_limits(memory_budget)", "96 MiB";
        /// `renditions.threads`, a count.
        RenditionThreads = "renditions.threads", "rendition_limits(threads)", "3";
        /// `hooks.authorize`: your app's URL, asked by an
        /// `notify::HttpAuthorizer` before each
        /// capture is stored (the `notify` feature); with `hooks.secret`.
        AuthorizeUrl = "hooks.authorize", "HttpAuthorizer::new(url)", "https://app.example.com/authorize";
        /// `hooks.secret`: the `whsec_…` secret the questions are signed
        /// with.
        AuthorizeSecret = "hooks.secret", "HttpAuthorizer::new(secret)", "whsec_MDEyMzQ1Njc4OWFiY2RlZg==";
        /// `hooks.cache_ttl`, a duration: how long an answer is kept per
        /// token (`HttpAuthorizer::cache_ttl`).
        AuthorizeCacheTtl = "hooks.cache_ttl", "HttpAuthorizer::cache_ttl", "1m";
        /// `hooks.timeout`, a duration.
        AuthorizeTimeout = "hooks.timeout", "authorize_timeout", "2s";
        /// `hooks.concurrency`, a count.
        AuthorizeConcurrency = "hooks.concurrency", "authorize_concurrency", "16";
    }
}

impl SinkConfigKey {
    /// Whether the value is a credential, never to be shown.
    pub fn is_secret(self) -> bool {
        matches!(self, SinkConfigKey::AuthorizeSecret)
    }
}
