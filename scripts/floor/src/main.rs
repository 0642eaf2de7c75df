//! The floor under the bundle: one page with an input, a button and a line of
//! text, using each dependency the design names the way the app does (a Leptos
//! view and signals, SigV4 key and signature from aws-sigv4, a fetch through
//! gloo-net, a JSON answer through serde). Built like the app's smallest
//! bundle by scripts/bundle-floor.sh; what it weighs no feature can go under.

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::time::{Duration, UNIX_EPOCH};

#[derive(Deserialize)]
struct Answer {
    #[serde(rename = "Count", default)]
    count: u64,
}

fn hex(b: &[u8]) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::new();
    for x in b {
        s.push(H[(x >> 4) as usize] as char);
        s.push(H[(x & 15) as usize] as char);
    }
    s
}

async fn call(secret: String) -> u64 {
    let t = UNIX_EPOCH + Duration::from_millis(js_sys::Date::now() as u64);
    let body = "{}";
    let creq = format!(
        "POST\n/\n\nhost:example\n\nhost\n{}",
        hex(&Sha256::digest(body))
    );
    let sts = format!(
        "AWS4-HMAC-SHA256\n20260101T000000Z\n20260101/us-east-1/dynamodb/aws4_request\n{}",
        hex(&Sha256::digest(creq))
    );
    let key = aws_sigv4::sign::v4::generate_signing_key(&secret, t, "us-east-1", "dynamodb");
    let sig = aws_sigv4::sign::v4::calculate_signature(key, sts.as_bytes());
    let Ok(req) = gloo_net::http::Request::post("/x")
        .header("authorization", &sig)
        .body(body)
    else {
        return 0;
    };
    let Ok(resp) = req.send().await else { return 0 };
    let Ok(text) = resp.text().await else {
        return 0;
    };
    serde_json::from_str::<Answer>(&text)
        .map(|a| a.count)
        .unwrap_or(0)
}

#[component]
fn App() -> impl IntoView {
    let count = RwSignal::new(0u64);
    let secret = RwSignal::new(String::new());
    view! {
        <input prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev)) />
        <button on:click=move |_| { let s = secret.get(); spawn_local(async move { count.set(call(s).await) }) }>"List"</button>
        <p>{move || count.get().to_string()}</p>
    }
}

fn main() {
    mount_to_body(App);
}
