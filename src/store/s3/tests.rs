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

#[test]
fn each_provider_gets_the_payload_protection_it_supports_and_never_unsigned_without_tls() {
    let of = |endpoint: &str| Integrity::for_endpoint(Some(endpoint));
    assert_eq!(Integrity::for_endpoint(None), Integrity::Crc64Nvme);
    assert_eq!(
        of("https://s3.eu-west-3.amazonaws.com"),
        Integrity::Crc64Nvme
    );
    assert_eq!(
        of("https://acc.r2.cloudflarestorage.com"),
        Integrity::Crc64Nvme
    );
    assert_eq!(
        of("https://shots.s3.fr-par.scw.cloud"),
        Integrity::Crc64Nvme
    );
    assert_eq!(
        of("https://shots.s3.us-west-004.backblazeb2.com"),
        Integrity::Unsigned
    );
    assert_eq!(of("https://s3.gra.io.cloud.ovh.net"), Integrity::Unsigned);
    assert_eq!(of("https://minio.internal:9000"), Integrity::Signed);
    // A look-alike host is not the provider; plain HTTP is never unsigned.
    assert_eq!(of("https://amazonaws.com.evil.example"), Integrity::Signed);
    assert_eq!(of("http://s3.eu-west-3.amazonaws.com"), Integrity::Signed);
    assert_eq!(of("http://127.0.0.1:9000"), Integrity::Signed);

    let aws = S3Provider::Aws {
        region: "eu-west-3".into(),
    };
    assert_eq!(aws.integrity(), Integrity::Crc64Nvme);
    let b2 = S3Provider::BackblazeB2 {
        region: "us-west-004".into(),
    };
    assert_eq!(b2.integrity(), Integrity::Unsigned);
    let custom = S3Provider::Custom {
        endpoint: "http://127.0.0.1:9000".into(),
        region: "us-east-1".into(),
    };
    assert_eq!(custom.integrity(), Integrity::Signed);
}

#[test]
fn integrity_sets_the_builders_payload_signing_and_checksum() {
    let settings = |i: Integrity| {
        let b = i.apply(AmazonS3Builder::new());
        (
            b.get_config_value(&Key::UnsignedPayload),
            b.get_config_value(&Key::Checksum),
        )
    };
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(settings(Integrity::Signed), (s("false"), None));
    assert_eq!(settings(Integrity::Unsigned), (s("true"), None));
    assert_eq!(settings(Integrity::Crc64Nvme), (s("true"), s("crc64nvme")));
    // A choice made by the user is kept as it is.
    let chosen = AmazonS3Builder::new().with_unsigned_payload(false);
    let kept = integrity::with_default(chosen, true);
    assert_eq!(kept.get_config_value(&Key::Checksum), None);
    assert!(integrity::chosen_by("aws_checksum_algorithm"));
    assert!(integrity::chosen_by("aws_unsigned_payload"));
    assert!(!integrity::chosen_by("aws_region"));
}
