//! What protects an upload's bytes on their way to an S3 store, chosen per
//! provider: see [`Integrity`].

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, Checksum};

/// How an upload's payload is protected on its way to an S3 store.
///
/// SigV4 signs each request's payload with its SHA-256 by default. Without
/// SHA instructions that hash is most of the sink's CPU. Over HTTPS, TLS
/// already protects the bytes in transit, and the AWS SDKs send such
/// uploads unsigned with a cheap checksum that the store verifies before it
/// keeps the object. The sink does the same where the provider supports it:
///
/// | provider (endpoint) | default | why |
/// |---|---|---|
/// | AWS S3 (`*.amazonaws.com`, or none) | [`Integrity::Crc64Nvme`] | AWS verifies CRC64NVME on `PutObject`, `UploadPart` and the whole object |
/// | Cloudflare R2 (`*.r2.cloudflarestorage.com`) | [`Integrity::Crc64Nvme`] | R2 verifies CRC64NVME (whole-object) since July 2025 |
/// | Scaleway (`*.scw.cloud`) | [`Integrity::Crc64Nvme`] | Scaleway verifies CRC64NVME (whole-object on multipart uploads) |
/// | Backblaze B2 (`*.backblazeb2.com`) | [`Integrity::Unsigned`] | B2 rejects the `x-amz-checksum-*` headers: unsigned over TLS |
/// | OVH (`*.cloud.ovh.net`) | [`Integrity::Unsigned`] | OVH rejected the checksum headers in 2025 (reported fixed since): unsigned over TLS |
/// | any other endpoint, and every `http://` one | [`Integrity::Signed`] | unknown support; never unsigned without TLS |
///
/// Setting `AWS_UNSIGNED_PAYLOAD` or `AWS_CHECKSUM_ALGORITHM` (in the
/// environment, or as a store URL option) turns the default off: what is
/// set is used as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Integrity {
    /// Each request signs the payload's SHA-256 (SigV4's default).
    Signed,
    /// The payload is not signed (TLS protects it in transit) and carries a
    /// CRC64NVME checksum that the store verifies.
    Crc64Nvme,
    /// The payload is not signed, and no checksum is sent: TLS protects it
    /// in transit.
    Unsigned,
}

impl Integrity {
    /// The default for an endpoint (`None`: AWS itself); see the
    /// table above.
    pub fn for_endpoint(endpoint: Option<&str>) -> Self {
        let Some(endpoint) = endpoint else {
            return Integrity::Crc64Nvme;
        };
        let Some(rest) = endpoint.strip_prefix("https://") else {
            return Integrity::Signed;
        };
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        let under = |domain: &str| host.ends_with(domain);
        if under(".amazonaws.com") || under(".r2.cloudflarestorage.com") || under(".scw.cloud") {
            Integrity::Crc64Nvme
        } else if under(".backblazeb2.com") || under(".cloud.ovh.net") {
            Integrity::Unsigned
        } else {
            Integrity::Signed
        }
    }

    /// Sets this protection on `builder`.
    pub fn apply(self, builder: AmazonS3Builder) -> AmazonS3Builder {
        match self {
            Integrity::Signed => builder.with_unsigned_payload(false),
            Integrity::Crc64Nvme => builder
                .with_unsigned_payload(true)
                .with_checksum_algorithm(Checksum::CRC64NVME),
            Integrity::Unsigned => builder.with_unsigned_payload(true),
        }
    }
}

/// Applies the endpoint's default unless the user chose (`chosen`).
pub(crate) fn with_default(builder: AmazonS3Builder, chosen: bool) -> AmazonS3Builder {
    if chosen {
        return builder;
    }
    let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
    Integrity::for_endpoint(endpoint.as_deref()).apply(builder)
}

/// Whether the environment chooses the payload protection itself.
pub(crate) fn chosen_in_env() -> bool {
    ["AWS_UNSIGNED_PAYLOAD", "AWS_CHECKSUM_ALGORITHM"]
        .iter()
        .any(|key| std::env::var_os(key).is_some())
}

/// Whether a store option (lower-case key) chooses it.
pub(crate) fn chosen_by(key: &str) -> bool {
    matches!(
        key.parse(),
        Ok(AmazonS3ConfigKey::UnsignedPayload | AmazonS3ConfigKey::Checksum)
    )
}
