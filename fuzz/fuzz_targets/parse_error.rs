//! Any error answer (status, x-amzn-ErrorType header, body): one typed error
//! with a sentence for the user, never a panic.
#![no_main]

use backup_lens::core::error::{error_code, server_time_from_message, ApiError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{1}');
    let status: u16 = parts.next().and_then(|s| s.parse().ok()).unwrap_or(400);
    let header_value = parts.next().map(str::to_owned);
    let body = parts.next().unwrap_or("");
    let header = |name: &str| (name == "x-amzn-errortype").then(|| header_value.clone()).flatten();
    let err = ApiError::from_response(status, &header, body);
    assert!(!err.user_message().is_empty());
    let _ = err.retryable();
    let _ = err.detail();
    let _ = error_code(&text);
    let _ = server_time_from_message(&text);
});
