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
//! use shotsink::providers::{S3Provider, canned_acl};
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
use object_store::aws::AmazonS3Builder;

use crate::ConfigError;

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
    /// environment's credentials and options.
    pub fn builder(&self, bucket: &str) -> AmazonS3Builder {
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
pub fn canned_acl(acl: &str) -> Result<ClientOptions, ConfigError> {
    let value = http::HeaderValue::from_str(acl).map_err(|_| ConfigError::InvalidAcl {
        acl: acl.to_owned(),
    })?;
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amz-acl", value);
    Ok(ClientOptions::new().with_default_headers(headers))
}

#[cfg(test)]
mod tests {
    use object_store::aws::AmazonS3ConfigKey as Key;

    use super::*;

    fn config(provider: S3Provider) -> (Option<String>, Option<String>, Option<String>) {
        let b = provider.builder("shots");
        (
            b.get_config_value(&Key::Endpoint),
            b.get_config_value(&Key::Region),
            b.get_config_value(&Key::VirtualHostedStyleRequest),
        )
    }

    #[test]
    fn each_preset_sets_the_endpoint_region_and_addressing_of_its_provider() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            config(S3Provider::Scaleway {
                region: "fr-par".into()
            }),
            (
                s("https://shots.s3.fr-par.scw.cloud"),
                s("fr-par"),
                s("true")
            )
        );
        assert_eq!(
            config(S3Provider::Ovh {
                region: "gra".into()
            }),
            (s("https://s3.gra.io.cloud.ovh.net"), s("gra"), s("false"))
        );
        assert_eq!(
            config(S3Provider::CloudflareR2 {
                account_id: "acc".into()
            }),
            (
                s("https://shots.acc.r2.cloudflarestorage.com"),
                s("auto"),
                s("true")
            )
        );
        assert_eq!(
            config(S3Provider::BackblazeB2 {
                region: "us-west-004".into()
            }),
            (
                s("https://shots.s3.us-west-004.backblazeb2.com"),
                s("us-west-004"),
                s("true")
            )
        );
        assert_eq!(
            config(S3Provider::Aws {
                region: "eu-west-3".into()
            })
            .1,
            s("eu-west-3")
        );
        assert_eq!(
            config(S3Provider::Custom {
                endpoint: "http://127.0.0.1:9000".into(),
                region: "us-east-1".into()
            }),
            (s("http://127.0.0.1:9000"), s("us-east-1"), s("false"))
        );
    }

    #[test]
    fn a_canned_acl_must_be_a_header_value() {
        assert!(canned_acl("public-read").is_ok());
        assert!(canned_acl("bad\nvalue").is_err());
    }
}
