//! The only module that talks to the network: it signs with the browser's
//! clock, sends with fetch, and hands `(status, headers, body)` to the core.

use gloo_net::http::Request;
use serde::Deserialize;
use web_sys::{AbortSignal, ReferrerPolicy, RequestCache, RequestCredentials};

use crate::core::csp::{connect_allowed, Origin};
use crate::core::details::{describe_backup_body, parse_describe_backup, DESCRIBE_BACKUP_TARGET};
use crate::core::endpoint::Endpoint;
use crate::core::engine::Target;
use crate::core::error::{ApiError, ErrorKind};
use crate::core::org::StsAnswer;
use crate::core::response::{parse_list_backups, Page};
use crate::core::sign::{
    sign_dynamodb, sign_sts, time_from_millis, Credentials, SignedRequest, LIST_BACKUPS_TARGET,
};
use crate::core::sts::StsError;
use crate::core::tables::{parse_continuous_backups, parse_list_tables, Api, ScanAnswer};
use crate::core::time::parse_http_date;

/// The page's own Content-Security-Policy (the `<meta>` tag the release build carries), if any.
fn page_policy() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector("meta[http-equiv=\"Content-Security-Policy\"]")
        .ok()??
        .get_attribute("content")
}

/// `Err` when the page's policy would block a request to `endpoint`: such a
/// request is refused by the browser before it leaves, so it is named at once
/// rather than retried as a network failure.
pub fn check_policy(endpoint: &Endpoint) -> Result<(), ApiError> {
    let Some(policy) = page_policy() else {
        return Ok(());
    };
    let page = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .and_then(|o| Origin::parse(&o));
    let target = Origin::parse(&endpoint.url());
    match (page, target) {
        (Some(page), Some(target)) if !connect_allowed(&policy, &page, &target) => Err(
            ApiError::blocked_by_policy(endpoint.url().trim_end_matches('/')),
        ),
        _ => Ok(()),
    }
}

/// Milliseconds since the epoch from the browser's clock (may jump: used only to sign).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Milliseconds from a clock that never goes back (`performance.now()`): pacing and timeouts.
pub fn monotonic_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(now_ms, |p| p.now())
}

/// An answer: status, headers and body text.
struct Answer {
    status: u16,
    headers: gloo_net::http::Headers,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name)
    }
}

/// Sends a signed POST and reads the whole answer. No cookies, no cache, no
/// referrer: only the signed request leaves the page. `abort` cancels it.
async fn post(signed: SignedRequest, abort: Option<&AbortSignal>) -> Result<Answer, ApiError> {
    let mut builder = Request::post(&signed.url)
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .referrer_policy(ReferrerPolicy::NoReferrer)
        .abort_signal(abort);
    for (name, value) in &signed.headers {
        builder = builder.header(name, value);
    }
    let response = builder
        .body(signed.body)
        .map_err(|e| ApiError::network(&e.to_string()))?
        .send()
        .await
        .map_err(|e| ApiError::network(&e.to_string()))?;
    let status = response.status();
    let headers = response.headers();
    let body = response.text().await.map_err(|_| {
        ApiError::new(
            ErrorKind::Truncated,
            status,
            None,
            "the connection dropped while the answer arrived",
        )
    })?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

/// One DynamoDB call (`op`: its `x-amz-target`) for `target`, signed at
/// `sign_at_ms` (epoch ms: the browser's clock plus the correction the engine
/// learnt), after the page's policy allows the endpoint.
async fn dynamodb_call(
    target: &Target,
    op: &str,
    body: String,
    sign_at_ms: f64,
    abort: Option<&AbortSignal>,
) -> Result<Answer, ApiError> {
    check_policy(&target.endpoint)?;
    let signed = sign_dynamodb(
        &target.endpoint,
        &target.region,
        &target.credentials,
        op,
        body,
        time_from_millis(sign_at_ms),
    )
    .map_err(|e| ApiError::new(ErrorKind::SigningBug, 0, None, e.to_string()))?;
    post(signed, abort).await
}

/// One signed ListBackups call with `body`; `abort` cancels it (a timeout). Never panics.
pub async fn list_backups(
    target: &Target,
    body: String,
    sign_at_ms: f64,
    abort: Option<&AbortSignal>,
) -> Result<Page, ApiError> {
    let a = dynamodb_call(target, LIST_BACKUPS_TARGET, body, sign_at_ms, abort).await?;
    parse_list_backups(a.status, &|name| a.header(name), &a.body).map_err(|mut e| {
        // Prefer the server's Date header for the clock, where CORS lets us read it.
        if let ErrorKind::ClockSkew { server_time } = &mut e.kind {
            if let Some(date) = a.header("date").and_then(|d| parse_http_date(&d)) {
                *server_time = Some(date);
            }
        }
        e
    })
}

/// One signed DescribeBackup call for `backup_arn`, read into the drawer's lines.
pub async fn describe_backup(
    target: &Target,
    backup_arn: &str,
    sign_at_ms: f64,
) -> Result<Vec<(String, String)>, ApiError> {
    let body = describe_backup_body(backup_arn);
    let a = dynamodb_call(target, DESCRIBE_BACKUP_TARGET, body, sign_at_ms, None).await?;
    parse_describe_backup(a.status, &|name| a.header(name), &a.body)
}

/// One signed ListTables or DescribeContinuousBackups call for the protection view.
pub async fn scan_call(
    target: &Target,
    api: Api,
    body: String,
    sign_at_ms: f64,
    abort: Option<&AbortSignal>,
) -> Result<ScanAnswer, ApiError> {
    let a = dynamodb_call(target, api.target(), body, sign_at_ms, abort).await?;
    let header = |name: &str| a.header(name);
    match api {
        Api::ListTables => parse_list_tables(a.status, &header, &a.body)
            .map(|(names, next)| ScanAnswer::Tables(names, next)),
        Api::ContinuousBackups => {
            parse_continuous_backups(a.status, &header, &a.body).map(ScanAnswer::Pitr)
        }
    }
}

/// One signed STS call (query protocol) with `body`, signed with `creds` for
/// `region` at `sign_at_ms`. The answer's status and text go to the core's
/// parsers; a call that got no answer is a network error. Never panics.
pub async fn sts_call(
    endpoint: &Endpoint,
    region: &str,
    creds: &Credentials,
    body: String,
    sign_at_ms: f64,
    abort: Option<&AbortSignal>,
) -> Result<StsAnswer, StsError> {
    check_policy(endpoint).map_err(|e| StsError::network(&e.user_message()))?;
    let signed = sign_sts(endpoint, region, creds, body, time_from_millis(sign_at_ms))
        .map_err(|e| StsError::network(&e.to_string()))?;
    let a = post(signed, abort)
        .await
        .map_err(|e| StsError::network(&e.message))?;
    Ok(StsAnswer {
        status: a.status,
        body: a.body,
    })
}

/// Demo credentials from the local backend (`GET /_backend/demo-credentials`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DemoCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub region: String,
    /// ISO 8601, when the demo's STS session ends.
    #[serde(default)]
    pub expiration: Option<String>,
}

/// Fetches the local demo's credentials. Only ever called for a loopback endpoint.
pub async fn demo_credentials(endpoint: &Endpoint) -> Result<DemoCredentials, String> {
    if !endpoint.is_loopback() {
        return Err("The demo is only offered on a localhost endpoint".into());
    }
    check_policy(endpoint).map_err(|e| e.user_message())?;
    let url = format!("{}_backend/demo-credentials", endpoint.url());
    let response = Request::get(&url)
        .credentials(RequestCredentials::Omit)
        .cache(RequestCache::NoStore)
        .send()
        .await
        .map_err(|_| {
            format!(
                "No local demo backend answered at {}: start it with scripts/demo.sh",
                endpoint.url()
            )
        })?;
    let text = response.text().await.map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!(
            "The demo backend answered HTTP {}",
            response.status()
        ));
    }
    serde_json::from_str(&text)
        .map_err(|_| "The demo backend's answer was not understood".to_owned())
}
