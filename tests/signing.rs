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

/// The app signs its one request shape (POST to `/`, fixed lower-case
/// headers) with a canonical request of its own and aws-sigv4's key
/// derivation and HMAC; aws-sigv4's general signer (which the official suite
/// checks in tests/sigv4_suite.rs) must produce the very same headers for
/// every endpoint form, region, service, credential kind, body and time.
#[test]
fn the_apps_signer_matches_aws_sigv4s_general_signer() {
    use aws_sigv4::http_request::SigningSettings;
    use backup_lens::core::sign::{
        sign_dynamodb, sign_headers, sign_sts, CONTENT_TYPE, STS_CONTENT_TYPE,
    };
    let endpoints = [
        ("eu-west-1", ""),
        ("us-gov-west-1", ""),
        ("cn-north-1", ""),
        ("us-east-1", "http://localhost:8765"),
        ("us-east-1", "http://127.0.0.1:4566/"),
        ("ap-southeast-2", "http://[::1]:8000"),
        ("us-west-2", "https://dynamodb.us-west-2.amazonaws.com"),
    ];
    let permanent = Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        "",
    )
    .unwrap();
    let bodies = [
        "{}".to_owned(),
        r#"{"TableName":"orders","ExclusiveStartBackupArn":"arn:aws:dynamodb:eu-west-1:123456789012:table/orders/backup/01700000000000-abcdef12"}"#.to_owned(),
        "{\"TableName\":\"zoë-ünïcode\"}".to_owned(),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2FReader&RoleSessionName=backup-lens".to_owned(),
        String::new(),
        "x".repeat(70_000),
    ];
    let times = ["20261125T120000Z", "20000101T000000Z", "20391231T235959Z"];
    let mut checked = 0;
    for (region, custom) in endpoints {
        let endpoint = Endpoint::resolve(region, custom).unwrap();
        for c in [creds(), permanent.clone()] {
            for body in &bodies {
                for stamp in times {
                    let t = at(stamp);
                    for sts in [false, true] {
                        let (app, service, unsigned) = if sts {
                            let s = sign_sts(&endpoint, region, &c, body.clone(), t).unwrap();
                            (s, "sts", vec![("content-type", STS_CONTENT_TYPE)])
                        } else {
                            let s = sign_dynamodb(
                                &endpoint,
                                region,
                                &c,
                                "DynamoDB_20120810.DescribeBackup",
                                body.clone(),
                                t,
                            )
                            .unwrap();
                            (
                                s,
                                "dynamodb",
                                vec![
                                    ("content-type", CONTENT_TYPE),
                                    ("x-amz-target", "DynamoDB_20120810.DescribeBackup"),
                                ],
                            )
                        };
                        let mut with_host = unsigned.clone();
                        with_host.push(("host", endpoint.authority.as_str()));
                        let added = sign_headers(
                            "POST",
                            &endpoint.url(),
                            &with_host,
                            body.as_bytes(),
                            &c,
                            region,
                            service,
                            SigningSettings::default(),
                            t,
                        )
                        .unwrap();
                        let mut want: Vec<(String, String)> = unsigned
                            .iter()
                            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                            .chain(added)
                            .collect();
                        let mut got = app.headers.clone();
                        want.sort();
                        got.sort();
                        assert_eq!(got, want, "{region} {custom} {service} {stamp}");
                        assert_eq!(app.url, endpoint.url());
                        assert_eq!(&app.body, body);
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(checked, 7 * 2 * 6 * 3 * 2);
}
