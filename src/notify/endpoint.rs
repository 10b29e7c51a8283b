//! The app's endpoint: its URL and `whsec_` secret checked, and the URL as
//! logs and `Debug` show it.

use standardwebhooks::Webhook;

use crate::ConfigError;

/// The shortest key a `whsec_` secret may carry, in bytes; the Standard
/// Webhooks specification recommends 24 to 64.
const MIN_SECRET_BYTES: usize = 16;

/// An `http` or `https` URL with a host.
pub(super) fn parse_url(given: &str, setting: &'static str) -> Result<reqwest::Url, ConfigError> {
    let invalid = |reason: String| ConfigError::InvalidSetting {
        setting,
        value: given.to_owned(),
        reason,
    };
    let url = reqwest::Url::parse(given).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must be an http or https URL".to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("has no host".to_owned()));
    }
    Ok(url)
}

/// `whsec_` and a base64 key of at least [`MIN_SECRET_BYTES`]. The value
/// never appears in the error.
pub(super) fn parse_secret(secret: &str, setting: &'static str) -> Result<Webhook, ConfigError> {
    let invalid = |reason: &str| ConfigError::InvalidSetting {
        setting,
        value: "<redacted>".to_owned(),
        reason: reason.to_owned(),
    };
    let Some(key) = secret.strip_prefix("whsec_") else {
        return Err(invalid("must be `whsec_` followed by the key in base64"));
    };
    let webhook =
        Webhook::new(secret).map_err(|_| invalid("the key after `whsec_` is not valid base64"))?;
    // Base64 carries 3 bytes in 4 characters.
    if key.trim_end_matches('=').len() * 3 / 4 < MIN_SECRET_BYTES {
        return Err(invalid(
            "the key is too short: at least 16 bytes (24 to 64 recommended)",
        ));
    }
    Ok(webhook)
}

/// The URL for logs and `Debug`: no password, no query (either may carry a
/// credential).
pub(super) fn redacted(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("redacted"));
    }
    shown.set_query(None);
    shown.to_string()
}

/// A POST of the JSON `body` to `url`, signed as Standard Webhooks
/// specifies with this moment's timestamp: the events and the authorizer's
/// questions go out the same way. `None` if the body cannot be signed (not
/// UTF-8, which `serde_json` never writes).
pub(super) fn signed_post(
    client: &reqwest::Client,
    url: &reqwest::Url,
    webhook: &Webhook,
    id: &str,
    body: bytes::Bytes,
) -> Option<reqwest::RequestBuilder> {
    let timestamp = chrono::Utc::now().timestamp();
    let signature = webhook.sign(id, timestamp, &body).ok()?;
    Some(
        client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body),
    )
}
