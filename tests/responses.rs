//! Recorded DynamoDB responses (tests/fixtures) through the parser and the listing engine.

use backup_lens::core::endpoint::Endpoint;
use backup_lens::core::engine::{
    Action, Engine, EngineConfig, Goal, Outcome, SourceSpec, Target, HOME,
};
use backup_lens::core::error::ErrorKind;
use backup_lens::core::query::QueryInput;
use backup_lens::core::response::{parse_list_backups, BackupKind, BackupStatus, Page};
use backup_lens::core::sign::Credentials;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn no_headers(_: &str) -> Option<String> {
    None
}

fn parse(status: u16, body: &str) -> Result<Page, backup_lens::core::error::ApiError> {
    parse_list_backups(status, &no_headers, body)
}

#[test]
fn a_real_page_gives_every_field() {
    let page = parse(200, &fixture("list-backups-page.json")).unwrap();
    assert_eq!(page.backup_summaries.len(), 3);
    let s = &page.backup_summaries[0];
    assert_eq!(s.table_name.as_deref(), Some("orders"));
    assert_eq!(
        s.table_id.as_deref(),
        Some("0b6e0a1d-5a6c-4a3f-9e2b-2f1a7c3d4e5f")
    );
    assert_eq!(
        s.table_arn.as_deref(),
        Some("arn:aws:dynamodb:eu-west-1:123456789012:table/orders")
    );
    assert!(s.backup_arn.as_deref().unwrap().ends_with("8c2b1f4e"));
    assert_eq!(s.backup_name.as_deref(), Some("nightly-orders-2024-11-24"));
    assert_eq!(s.backup_creation_date_time, Some(1_732_456_800.0));
    assert_eq!(s.backup_expiry_date_time, None);
    assert_eq!(s.backup_status, Some(BackupStatus::Available));
    assert_eq!(s.backup_type, Some(BackupKind::User));
    assert_eq!(s.backup_size_bytes, Some(52_428_800_123));
    let sys = &page.backup_summaries[1];
    assert_eq!(sys.backup_expiry_date_time, Some(1_735_484_400.123));
    assert_eq!(sys.backup_creation_date_time, Some(1_732_460_400.123));
    assert_eq!(sys.backup_type, Some(BackupKind::System));
    assert_eq!(sys.backup_status, Some(BackupStatus::Creating));
    let old = &page.backup_summaries[2];
    assert_eq!(old.backup_size_bytes, None);
    assert_eq!(old.backup_type, Some(BackupKind::AwsBackup));
    assert_eq!(
        old.backup_name.as_deref(),
        Some("<img src=x onerror=alert(1)>")
    );
    assert!(page.next_start.is_some());
}

#[test]
fn an_empty_last_page_ends_the_listing() {
    let mut engine = Engine::new(EngineConfig::default());
    let source = SourceSpec {
        target: Target {
            endpoint: Endpoint::parse("https://dynamodb.us-east-1.amazonaws.com").unwrap(),
            region: "us-east-1".into(),
            principal: HOME.into(),
            credentials: Credentials::new("AKIAIOSFODNN7EXAMPLE", "secret", "").unwrap(),
        },
        query: QueryInput::default().validate().unwrap(),
        label: "us-east-1".into(),
        account: None,
        blocked: None,
    };
    engine.request(vec![source], Goal::All, true);
    let answer = |engine: &mut Engine, name: &str, t: f64| {
        let Action::Send(send) = engine.poll(t, 0.0) else {
            panic!("no request")
        };
        let page = parse(200, &fixture(name)).unwrap();
        engine.handle(send.id, Outcome::Page(page), t, 0.0, 0.5);
        send.body
    };
    answer(&mut engine, "list-backups-page.json", 0.0);
    assert_eq!(engine.rows().len(), 3);
    assert!(engine.has_more());
    let second = answer(&mut engine, "list-backups-empty-last-page.json", 1.0);
    assert!(second.contains("ExclusiveStartBackupArn"), "{second}");
    assert!(!engine.has_more());
    assert_eq!(engine.rows().len(), 3);
    assert_eq!(engine.poll(2.0, 0.0), Action::Idle);
}

#[test]
fn every_documented_error_maps_to_its_kind_and_retry_rule() {
    let cases: &[(&str, u16, ErrorKind, bool)] = &[
        ("error-throttling.json", 400, ErrorKind::Throttled, true),
        ("error-internal.json", 500, ErrorKind::ServerError, true),
        ("error-validation.json", 400, ErrorKind::Validation, false),
        (
            "error-expired-token.json",
            400,
            ErrorKind::ExpiredToken,
            false,
        ),
        (
            "error-unrecognized-client.json",
            400,
            ErrorKind::UnrecognizedClient,
            false,
        ),
        (
            "error-access-denied.json",
            400,
            ErrorKind::AccessDenied,
            false,
        ),
        (
            "error-invalid-signature.json",
            400,
            ErrorKind::InvalidSignature,
            false,
        ),
        (
            "error-unknown-operation.json",
            400,
            ErrorKind::UnknownOperation,
            false,
        ),
    ];
    for (file, status, kind, retry) in cases {
        let err = parse(*status, &fixture(file)).unwrap_err();
        assert_eq!(&err.kind, kind, "{file}");
        assert_eq!(err.retryable(), *retry, "{file}");
        assert!(!err.user_message().is_empty());
    }
    let denied = parse(400, &fixture("error-access-denied.json")).unwrap_err();
    assert!(
        denied.message.contains("not authorized"),
        "reads `Message` too: {denied:?}"
    );
    assert!(denied.user_message().contains("dynamodb:ListBackups"));
}

#[test]
fn clock_skew_is_recognised_with_the_server_time() {
    let err = parse(400, &fixture("error-signature-expired.json")).unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::ClockSkew {
            server_time: Some(1_795_608_000)
        }
    );
    assert!(
        err.user_message().contains("2026-11-25T12:00:00"),
        "{}",
        err.user_message()
    );
}

#[test]
fn error_code_from_header_when_the_body_has_none() {
    let header = |name: &str| {
        (name == "x-amzn-errortype")
            .then(|| "ThrottlingException:http://internal.amazon.com/coral/".to_owned())
    };
    let err = parse_list_backups(400, &header, "").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Throttled);
    assert_eq!(err.code.as_deref(), Some("ThrottlingException"));
}

#[test]
fn things_that_are_not_dynamodb_are_one_clear_error() {
    let html = parse(502, &fixture("proxy-502.html")).unwrap_err();
    assert_eq!(html.kind, ErrorKind::Transient);
    assert!(html.retryable());
    let login = parse(200, &fixture("proxy-login-200.html")).unwrap_err();
    assert_eq!(login.kind, ErrorKind::NotDynamoDb);
    assert!(
        login.user_message().contains("web page"),
        "{}",
        login.user_message()
    );
    let cut = parse(200, &fixture("list-backups-truncated.json")).unwrap_err();
    assert_eq!(cut.kind, ErrorKind::Truncated);
    assert!(cut.retryable(), "a cut connection is worth another try");
    assert!(
        cut.user_message().contains("cut off"),
        "{}",
        cut.user_message()
    );
    for (status, body) in [
        (200, "[]"),
        (200, "null"),
        (200, "{}"),
        (200, r#"{"BackupSummaries":{}}"#),
        (200, r#"{"BackupSummaries":[{"BackupSizeBytes":-5}]}"#),
        (
            200,
            r#"{"BackupSummaries":[{"BackupCreationDateTime":"yesterday"}]}"#,
        ),
        (200, r#"{"BackupSummaries":[],"LastEvaluatedBackupArn":""}"#),
        (404, "Not Found"),
        (403, "<?xml version=\"1.0\"?><Error><Code>x</Code></Error>"),
    ] {
        let err = parse(status, body).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotDynamoDb, "{status} {body}");
        assert!(!err.retryable());
    }
}

#[test]
fn huge_and_hostile_bodies_do_not_panic() {
    let megabyte_of_garbage: String = "\u{1F4A5}{[\"".repeat(1024 * 1024 / 6);
    assert_eq!(
        parse(200, &megabyte_of_garbage).unwrap_err().kind,
        ErrorKind::NotDynamoDb
    );
    let deep = "[".repeat(100_000);
    assert_eq!(parse(200, &deep).unwrap_err().kind, ErrorKind::NotDynamoDb);
    let too_big = format!(
        r#"{{"BackupSummaries":[],"Pad":"{}"}}"#,
        "x".repeat(5 * 1024 * 1024)
    );
    assert_eq!(
        parse(200, &too_big).unwrap_err().kind,
        ErrorKind::NotDynamoDb
    );
    // A legitimate 1 MB page still parses.
    let one = r#"{"BackupArn":"arn:aws:dynamodb:us-east-1:123456789012:table/t/backup/01700000000000-0000000N","BackupName":"n"}"#;
    let many: Vec<String> = (0..8000)
        .map(|i| one.replace('N', &i.to_string()))
        .collect();
    let body = format!(r#"{{"BackupSummaries":[{}]}}"#, many.join(","));
    assert!(body.len() > 900_000);
    assert_eq!(parse(200, &body).unwrap().backup_summaries.len(), 8000);
}
