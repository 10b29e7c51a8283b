//! Presets for the S3-compatible providers: endpoint, region and request
//! style, as `object_store` builders you can still adjust.
//!
//! Credentials come from the usual environment variables
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, ...; the builder starts
//! from `AmazonS3Builder::from_env`) or from the builder's setters.
//!
//! | provider | endpoint | region | addressing |
//! |---|---|---|---|
//! | AWS S3 | default | e.g. `us-east-1`, `eu-west-3` | virtual-hosted |
//! | Scaleway | `https://BUCKET.s3.REGION.scw.cloud` | e.g. `fr-par` | virtual-hosted |
//! | OVH | `https://s3.REGION.io.cloud.ovh.net` | e.g. `gra` | path-style |
//! | Cloudflare R2 | `https://BUCKET.ACCOUNT_ID.r2.cloudflarestorage.com` | `auto` | virtual-hosted |
//! | Backblaze B2 | `https://BUCKET.s3.REGION.backblazeb2.com` | e.g. `us-west-004` | virtual-hosted |
//! | custom (MinIO, Garage, Ceph) | as given | as given (`us-east-1` if unsure) | path-style |
//!
//! Each preset also chooses how uploads are protected in transit: unsigned
//! over TLS with a CRC64NVME checksum the store verifies where the provider
//! supports it, rather than SigV4's SHA-256 of every payload; see
//! [`Integrity`] for the table.
//!
//! # Canned ACLs
//!
//! `object_store` has no ACL attribute; [`canned_acl`] returns client
//! options that send `x-amz-acl` with every request. AWS buckets created
//! since April 2023 enforce bucket-owner object ownership and refuse ACLs,
//! Cloudflare R2 and Backblaze B2 do not support them: make captures public
//! with a bucket policy (or a public bucket / CDN) instead. Scaleway, OVH
//! and MinIO accept `public-read`.
//!
//! # Example
//!
//! ```
//! use shotsink::s3::{S3Provider, canned_acl};
//!
//! let store = S3Provider::Scaleway { region: "fr-par".into() }
//!     .builder("my-captures")
//!     .with_access_key_id("SCWXXXXXXXXXXXXXXXXX")
//!     .with_secret_access_key("secret")
//!     .with_client_options(canned_acl("public-read").unwrap())
//!     .build()
//!     .unwrap();
//! assert_eq!(store.to_string(), "AmazonS3(my-captures)");
//! ```

use object_store::ClientOptions;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};

use crate::store::error::StoreUrlError;

pub(crate) mod integrity;

pub use integrity::Integrity;

/// An S3-compatible provider.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum S3Provider {
    /// Amazon S3.
    Aws {
        /// e.g. `us-east-1`.
        region: String,
    },
    /// Scaleway Object Storage.
    Scaleway {
        /// e.g. `fr-par`, `nl-ams`, `pl-waw`.
        region: String,
    },
    /// OVHcloud Object Storage.
    Ovh {
        /// e.g. `gra`, `sbg`, `de`.
        region: String,
    },
    /// Cloudflare R2.
    CloudflareR2 {
        /// The Cloudflare account id.
        account_id: String,
    },
    /// Backblaze B2's S3-compatible API.
    BackblazeB2 {
        /// e.g. `us-west-004`.
        region: String,
    },
    /// Any other S3-compatible server (MinIO, Garage, Ceph RGW), path-style.
    Custom {
        /// e.g. `http://127.0.0.1:9000`; plain HTTP is allowed.
        endpoint: String,
        /// The region the server expects in signatures.
        region: String,
    },
}

impl S3Provider {
    /// A builder for `bucket` at this provider, starting from the
    /// environment's credentials and options, with the provider's payload
    /// protection ([`integrity`](Self::integrity)) unless the environment
    /// sets `AWS_UNSIGNED_PAYLOAD` or `AWS_CHECKSUM_ALGORITHM`.
    pub fn builder(&self, bucket: &str) -> AmazonS3Builder {
        let preset = self.preset(bucket);
        if integrity::chosen_in_env() {
            return preset;
        }
        self.integrity().apply(preset)
    }

    /// A builder as [`builder`](Self::builder), with the payload protection
    /// given.
    pub fn builder_with(&self, bucket: &str, integrity: Integrity) -> AmazonS3Builder {
        integrity.apply(self.preset(bucket))
    }

    /// The provider's default payload protection; see [`Integrity`].
    pub fn integrity(&self) -> Integrity {
        let endpoint = match self {
            S3Provider::Aws { .. } => return Integrity::Crc64Nvme,
            S3Provider::Custom { endpoint, .. } => endpoint.clone(),
            other => other
                .preset("bucket")
                .get_config_value(&AmazonS3ConfigKey::Endpoint)
                .unwrap_or_default(),
        };
        Integrity::for_endpoint(Some(&endpoint))
    }

    fn preset(&self, bucket: &str) -> AmazonS3Builder {
        let base = AmazonS3Builder::from_env().with_bucket_name(bucket);
        match self {
            S3Provider::Aws { region } => base.with_region(region),
            S3Provider::Scaleway { region } => base
                .with_region(region)
                .with_endpoint(format!("https://{bucket}.s3.{region}.scw.cloud"))
                .with_virtual_hosted_style_request(true),
            S3Provider::Ovh { region } => base
                .with_region(region)
                .with_endpoint(format!("https://s3.{region}.io.cloud.ovh.net"))
                .with_virtual_hosted_style_request(false),
            S3Provider::CloudflareR2 { account_id } => base
                .with_region("auto")
                .with_endpoint(format!(
                    "https://{bucket}.{account_id}.r2.cloudflarestorage.com"
                ))
                .with_virtual_hosted_style_request(true),
            S3Provider::BackblazeB2 { region } => base
                .with_region(region)
                .with_endpoint(format!("https://{bucket}.s3.{region}.backblazeb2.com"))
                .with_virtual_hosted_style_request(true),
            S3Provider::Custom { endpoint, region } => base
                .with_region(region)
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false),
        }
    }
}

/// Client options that send a canned ACL (`x-amz-acl`, e.g. `public-read`)
/// with every request. They replace the builder's client options: chain
/// further `ClientOptions` setters on the result if you need others.
pub fn canned_acl(acl: &str) -> Result<ClientOptions, StoreUrlError> {
    let value = http::HeaderValue::from_str(acl).map_err(|_| StoreUrlError::InvalidAcl {
        acl: acl.to_owned(),
    })?;
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amz-acl", value);
    Ok(ClientOptions::new().with_default_headers(headers))
}

#[cfg(test)]
mod tests;
