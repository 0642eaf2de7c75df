//! ListBackups signing against values computed by botocore's SigV4 signer
//! (an independent implementation), and the exact header set handed to fetch.

use backup_lens::core::endpoint::Endpoint;
use backup_lens::core::query::QueryInput;
use backup_lens::core::sign::{sign_list_backups, time_from_millis, Credentials};
use backup_lens::core::time::parse_amz;

const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKEN//////////wEaDExample+token/value=";

fn creds() -> Credentials {
    Credentials::new(
        "ASIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        TOKEN,
    )
    .unwrap()
}

fn at(stamp: &str) -> std::time::SystemTime {
    time_from_millis(parse_amz(stamp).unwrap() as f64 * 1000.0)
}

#[test]
fn list_backups_with_session_token_matches_botocore() {
    let query = QueryInput {
        table: "orders".into(),
        backup_type: "ALL".into(),
        page_size: "10".into(),
        ..Default::default()
    }
    .validate()
    .unwrap();
    let endpoint = Endpoint::resolve("eu-west-1", "").unwrap();
    let signed = sign_list_backups(
        &endpoint,
        "eu-west-1",
        &creds(),
        query.body(None),
        at("20261125T120000Z"),
    )
    .unwrap();
    assert_eq!(signed.url, "https://dynamodb.eu-west-1.amazonaws.com/");
    assert_eq!(
        signed.body,
        r#"{"TableName":"orders","Limit":10,"BackupType":"ALL"}"#
    );
    let mut names: Vec<&str> = signed.headers.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "authorization",
            "content-type",
            "x-amz-date",
            "x-amz-security-token",
            "x-amz-target"
        ],
        "exactly the headers that pass the CORS preflight; the browser adds host"
    );
    let get = |k: &str| {
        signed
            .headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap()
    };
    assert_eq!(get("x-amz-date"), "20261125T120000Z");
    assert_eq!(get("x-amz-security-token"), TOKEN);
    // Signature from botocore.auth.SigV4Auth for the same request and time.
    assert_eq!(
        get("authorization"),
        "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20261125/eu-west-1/dynamodb/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, \
         Signature=9921c3551b1a9aeeb67678e59b33ad5634093b368960c12ae827bb7cdbe0649c"
    );
}

#[test]
fn custom_endpoint_signs_the_normalised_host() {
    let query = QueryInput::default().validate().unwrap();
    let a = Endpoint::resolve("us-east-1", "HTTP://LocalHost:8765/").unwrap();
    let b = Endpoint::resolve("us-east-1", "http://localhost:8765").unwrap();
    let t = at("20261125T120000Z");
    let sa = sign_list_backups(&a, "us-east-1", &creds(), query.body(None), t).unwrap();
    let sb = sign_list_backups(&b, "us-east-1", &creds(), query.body(None), t).unwrap();
    assert_eq!(sa, sb, "spelling of the URL must not change what is signed");
    assert_eq!(sa.url, "http://localhost:8765/");
}

#[test]
fn signature_depends_on_body_time_and_secret() {
    let e = Endpoint::resolve("us-east-1", "").unwrap();
    let t = at("20261125T120000Z");
    let base = sign_list_backups(&e, "us-east-1", &creds(), "{}".into(), t).unwrap();
    let other_body = sign_list_backups(&e, "us-east-1", &creds(), "{ }".into(), t).unwrap();
    let other_time = sign_list_backups(
        &e,
        "us-east-1",
        &creds(),
        "{}".into(),
        at("20261125T120001Z"),
    )
    .unwrap();
    let mut c = creds();
    c.secret_access_key.push('x');
    let other_secret = sign_list_backups(&e, "us-east-1", &c, "{}".into(), t).unwrap();
    let auth = |s: &backup_lens::core::sign::SignedRequest| {
        s.headers
            .iter()
            .find(|(k, _)| k == "authorization")
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(auth(&base), auth(&other_body));
    assert_ne!(auth(&base), auth(&other_time));
    assert_ne!(auth(&base), auth(&other_secret));
}
