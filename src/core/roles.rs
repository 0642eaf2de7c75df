//! The roles list: which IAM roles (in which accounts) to assume, typed or
//! pasted one per line as role ARNs or account ids.

use super::secret::looks_like_credential;

/// At most this many roles are assumed at once.
pub const MAX_ROLES: usize = 200;

/// One role to assume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleSpec {
    /// `arn:<partition>:iam::<account>:role/<path/>name`.
    pub arn: String,
    /// The 12-digit account id.
    pub account: String,
    /// The role name (without its path).
    pub name: String,
    /// `aws`, `aws-cn` or `aws-us-gov`.
    pub partition: &'static str,
    /// Sent as `ExternalId` when present.
    pub external_id: Option<String>,
}

/// A problem with one line of the list (or, with `line` 0, with the role name
/// or external id fields).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RoleError {
    /// 1-based line of the list; 0 for the role name and external id fields.
    pub line: usize,
    /// A sentence for the user, starting with "Line N:" for a line.
    pub message: String,
}

impl RoleError {
    fn at(line: usize, message: String) -> Self {
        RoleError { line, message }
    }
}

/// The partition a region belongs to: `aws-cn` for `cn-…`, `aws-us-gov` for
/// `us-gov-…`, `aws` otherwise.
pub fn partition_of_region(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The partitions whose roles can be named.
const PARTITIONS: [&str; 3] = ["aws", "aws-cn", "aws-us-gov"];

/// Reads the roles list: one entry per line (several on a line when separated
/// by commas or spaces), each a role ARN or a 12-digit account id (hyphens and
/// spaces, as in the console's `1234-5678-9012`, are removed) with which
/// `role_name` forms `arn:aws:iam::<account>:role/<role_name>`. Blank lines and
/// `#` comments are ignored, repeated ARNs kept once (first place), and at most
/// [`MAX_ROLES`] roles are accepted. A list with no entries gives no roles.
///
/// `role_name` is required only when the list has account ids; `external_id`,
/// when not empty, is attached to every role.
pub fn parse_roles(
    text: &str,
    role_name: &str,
    external_id: &str,
) -> Result<Vec<RoleSpec>, Vec<RoleError>> {
    parse(text, role_name, external_id, None)
}

/// [`parse_roles`] for a region's `partition` (see [`partition_of_region`]):
/// account ids become ARNs in that partition, and ARNs of another partition
/// are refused (STS of one partition cannot assume roles of another).
pub fn parse_roles_in_partition(
    text: &str,
    role_name: &str,
    external_id: &str,
    partition: &'static str,
) -> Result<Vec<RoleSpec>, Vec<RoleError>> {
    parse(text, role_name, external_id, Some(partition))
}

fn parse(
    text: &str,
    role_name: &str,
    external_id: &str,
    partition: Option<&'static str>,
) -> Result<Vec<RoleSpec>, Vec<RoleError>> {
    let mut errors = Vec::new();
    let role_name = role_name.trim();
    let name_ok = is_role_name(role_name);
    if !role_name.is_empty() && !name_ok {
        errors.push(RoleError::at(
            0,
            "The role name must be 1 to 64 letters, digits and + = , . @ _ - (no path).".into(),
        ));
    }
    let external_id = external_id.trim();
    if !external_id.is_empty() && !is_external_id(external_id) {
        errors.push(RoleError::at(
            0,
            "The external id must be 2 to 1224 letters, digits and + = , . @ : / _ - characters."
                .into(),
        ));
    }
    let external_id = (!external_id.is_empty()).then(|| external_id.to_owned());
    let mut roles: Vec<RoleSpec> = Vec::new();
    let mut too_many = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.split('#').next().unwrap_or("");
        for entry in entries(line) {
            let spec = if entry.starts_with("arn:") {
                role_arn(&entry, partition)
            } else if let Some(account) = account_id(&entry) {
                if role_name.is_empty() {
                    Err(format!(
                        "\"{account}\" is an account id: enter the role name to assume in each account."
                    ))
                } else if !name_ok {
                    // Said once, above.
                    continue;
                } else {
                    let p = partition.unwrap_or("aws");
                    Ok(RoleSpec {
                        arn: format!("arn:{p}:iam::{account}:role/{role_name}"),
                        account,
                        name: role_name.to_owned(),
                        partition: p,
                        external_id: None,
                    })
                }
            } else {
                Err(format!(
                    "{} is neither a role ARN nor a 12-digit account id.",
                    shown(&entry)
                ))
            };
            match spec {
                Err(why) => errors.push(RoleError::at(n, format!("Line {n}: {why}"))),
                Ok(spec) if roles.iter().any(|r| r.arn == spec.arn) => {}
                Ok(_) if roles.len() == MAX_ROLES => {
                    if !too_many {
                        too_many = true;
                        errors.push(RoleError::at(
                            n,
                            format!("Line {n}: more than {MAX_ROLES} roles; Backup Lens assumes at most {MAX_ROLES} at once."),
                        ));
                    }
                }
                Ok(spec) => roles.push(RoleSpec {
                    external_id: external_id.clone(),
                    ..spec
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(roles)
    } else {
        Err(errors)
    }
}

/// The entries of one line: separated by commas or whitespace, except that
/// digit groups (`1234 5678 9012`) are joined into one account id, and that a
/// comma inside an ARN belongs to it (role names may contain commas) unless it
/// ends the ARN or starts another (`,arn:`).
fn entries(line: &str) -> Vec<String> {
    // Words, with `None` for a comma.
    let mut tokens: Vec<Option<String>> = Vec::new();
    for word in line.split_whitespace() {
        let (head, arns) = word.find("arn:").map_or((word, ""), |i| word.split_at(i));
        for (k, piece) in head.split(',').enumerate() {
            if k > 0 {
                tokens.push(None);
            }
            if !piece.is_empty() {
                tokens.push(Some(piece.to_owned()));
            }
        }
        if arns.is_empty() {
            continue;
        }
        for (k, arn) in arns.split(",arn:").enumerate() {
            if k > 0 {
                tokens.push(None);
            }
            let trimmed = arn.trim_end_matches(',');
            tokens.push(Some(if k > 0 {
                format!("arn:{trimmed}")
            } else {
                trimmed.to_owned()
            }));
            if trimmed.len() < arn.len() {
                tokens.push(None);
            }
        }
    }
    let mut out = Vec::new();
    let mut group = String::new();
    let mut digits = 0;
    for token in tokens {
        let Some(word) = token else {
            if !group.is_empty() {
                out.push(std::mem::take(&mut group));
            }
            continue;
        };
        let is_digits = word.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        let word_digits = word.bytes().filter(u8::is_ascii_digit).count();
        if is_digits && !group.is_empty() && digits + word_digits <= 12 {
            group.push(' ');
            group.push_str(&word);
            digits += word_digits;
            continue;
        }
        if !group.is_empty() {
            out.push(std::mem::take(&mut group));
        }
        if is_digits && word_digits < 12 {
            group = word;
            digits = word_digits;
        } else {
            out.push(word);
        }
    }
    if !group.is_empty() {
        out.push(group);
    }
    out
}

/// The 12 digits of an account id written with optional hyphens or spaces.
fn account_id(entry: &str) -> Option<String> {
    let digits: String = entry.chars().filter(|c| *c != '-' && *c != ' ').collect();
    (digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// Checks `arn:<partition>:iam::<account>:role/<path/>name`.
fn role_arn(arn: &str, want: Option<&'static str>) -> Result<RoleSpec, String> {
    let quoted = shown(arn);
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts[..] else {
        return Err(format!(
            "{quoted} is not a role ARN (arn:aws:iam::<account>:role/<name>)."
        ));
    };
    let Some(rest) = resource.strip_prefix("role/") else {
        return Err(format!(
            "{quoted} is not a role ARN (arn:aws:iam::<account>:role/<name>)."
        ));
    };
    if service != "iam" || !region.is_empty() {
        return Err(format!(
            "{quoted} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
        ));
    }
    let Some(&partition) = PARTITIONS.iter().find(|p| **p == partition) else {
        return Err(format!(
            "{quoted} is not in the aws, aws-cn or aws-us-gov partition."
        ));
    };
    if let Some(want) = want.filter(|w| *w != partition) {
        return Err(format!(
            "{quoted} is in the {partition} partition, but the region is in {want}."
        ));
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("the account in {quoted} is not 12 digits."));
    }
    let (path, name) = match rest.rsplit_once('/') {
        Some((path, name)) => (Some(path), name),
        None => (None, rest),
    };
    if !is_role_name(name) {
        return Err(format!(
            "the role name in {quoted} is not a valid IAM role name (1 to 64 letters, digits and + = , . @ _ -)."
        ));
    }
    // An IAM path: `/` or `/segments/`, printable ASCII, at most 512 characters.
    if let Some(path) = path {
        let valid = path.len() + 2 <= 512
            && path
                .split('/')
                .all(|seg| !seg.is_empty() && seg.bytes().all(|b| (0x21..=0x7e).contains(&b)));
        if !valid {
            return Err(format!("the path in {quoted} is not a valid IAM path."));
        }
    }
    Ok(RoleSpec {
        arn: arn.to_owned(),
        account: account.to_owned(),
        name: name.to_owned(),
        partition,
        external_id: None,
    })
}

/// `[\w+=,.@-]{1,64}`.
fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| is_word_or(b, b"+=,.@-"))
}

/// `[\w+=,.@:/-]{2,1224}`.
fn is_external_id(id: &str) -> bool {
    (2..=1224).contains(&id.len()) && id.bytes().all(|b| is_word_or(b, b"+=,.@:/-"))
}

fn is_word_or(b: u8, extra: &[u8]) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || extra.contains(&b)
}

/// The entry in quotes for a message: shortened, without control characters,
/// and not at all when it looks like a credential pasted into the wrong box.
fn shown(entry: &str) -> String {
    if looks_like_credential(entry) {
        return "this entry (not shown: it looks like a credential)".into();
    }
    let clean: String = entry.chars().filter(|c| !c.is_control()).collect();
    if clean.chars().count() > 80 {
        let head: String = clean.chars().take(77).collect();
        format!("\"{head}…\"")
    } else {
        format!("\"{clean}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arns(r: Result<Vec<RoleSpec>, Vec<RoleError>>) -> Vec<String> {
        r.unwrap().into_iter().map(|s| s.arn).collect()
    }

    fn messages(r: Result<Vec<RoleSpec>, Vec<RoleError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn role_arns_of_each_partition() {
        let text = "arn:aws:iam::111122223333:role/BackupLensReader\n\
                    arn:aws-cn:iam::444455556666:role/service-role/ops/Reader_1+=,.@-\r\n\
                    arn:aws-us-gov:iam::777788889999:role/R";
        let roles = parse_roles(text, "", "").unwrap();
        assert_eq!(roles.len(), 3);
        assert_eq!(
            roles[0],
            RoleSpec {
                arn: "arn:aws:iam::111122223333:role/BackupLensReader".into(),
                account: "111122223333".into(),
                name: "BackupLensReader".into(),
                partition: "aws",
                external_id: None,
            }
        );
        assert_eq!(roles[1].name, "Reader_1+=,.@-");
        assert_eq!(roles[1].partition, "aws-cn");
        assert_eq!(roles[2].partition, "aws-us-gov");
    }

    #[test]
    fn account_ids_with_the_role_name() {
        let text = "111122223333\n  4444-5555-6666  \n7777 8888 9999\n";
        let roles = parse_roles(text, " BackupLensReader ", "").unwrap();
        assert_eq!(
            roles.iter().map(|r| r.arn.as_str()).collect::<Vec<_>>(),
            [
                "arn:aws:iam::111122223333:role/BackupLensReader",
                "arn:aws:iam::444455556666:role/BackupLensReader",
                "arn:aws:iam::777788889999:role/BackupLensReader",
            ]
        );
        assert_eq!(roles[1].account, "444455556666");
        assert_eq!(roles[1].name, "BackupLensReader");
        assert_eq!(
            messages(parse_roles("111122223333", "", "")),
            ["Line 1: \"111122223333\" is an account id: enter the role name to assume in each account."]
        );
        assert_eq!(
            messages(parse_roles("111122223333", "path/Name", "")),
            ["The role name must be 1 to 64 letters, digits and + = , . @ _ - (no path)."]
        );
        assert!(parse_roles("111122223333", &"r".repeat(64), "").is_ok());
        assert!(parse_roles("111122223333", &"r".repeat(65), "").is_err());
    }

    #[test]
    fn several_entries_on_a_line_comments_and_blank_lines() {
        let text = "# production\n\n111122223333, 444455556666 arn:aws:iam::777788889999:role/X # ops\n\t\n1234 5678 9012 2109 8765 4321,  # two spaced ids\n";
        assert_eq!(
            arns(parse_roles(text, "R", "")),
            [
                "arn:aws:iam::111122223333:role/R",
                "arn:aws:iam::444455556666:role/R",
                "arn:aws:iam::777788889999:role/X",
                "arn:aws:iam::123456789012:role/R",
                "arn:aws:iam::210987654321:role/R",
            ]
        );
        assert_eq!(
            arns(parse_roles(
                "arn:aws:iam::111122223333:role/a,b,arn:aws:iam::111122223333:role/c, 444455556666,arn:aws:iam::111122223333:role/d,",
                "R",
                ""
            )),
            [
                "arn:aws:iam::111122223333:role/a,b",
                "arn:aws:iam::111122223333:role/c",
                "arn:aws:iam::444455556666:role/R",
                "arn:aws:iam::111122223333:role/d",
            ]
        );
        assert_eq!(
            arns(parse_roles("1234-5678-9012, 2109 8765 4321", "R", "")).len(),
            2,
            "a comma ends a digit group"
        );
        assert!(parse_roles("1234 5678,9012", "R", "").is_err());
        assert_eq!(parse_roles("", "", ""), Ok(vec![]));
        assert_eq!(parse_roles("# none yet\n\n", "", ""), Ok(vec![]));
    }

    #[test]
    fn duplicates_are_kept_once_in_first_place() {
        let text = "arn:aws:iam::111122223333:role/R\n444455556666\n111122223333\n4444-5555-6666";
        assert_eq!(
            arns(parse_roles(text, "R", "")),
            [
                "arn:aws:iam::111122223333:role/R",
                "arn:aws:iam::444455556666:role/R"
            ]
        );
    }

    #[test]
    fn external_id_is_checked_and_attached() {
        let roles = parse_roles("111122223333\n444455556666", "R", " Ext-id:2026/a@b ").unwrap();
        assert!(roles
            .iter()
            .all(|r| r.external_id.as_deref() == Some("Ext-id:2026/a@b")));
        for bad in ["q", "has space", "semi;colon", &"e".repeat(1225)] {
            let errors = parse_roles("111122223333", "R", bad).unwrap_err();
            assert_eq!(errors.len(), 1, "{bad}");
            assert_eq!(errors[0].line, 0);
            assert!(!errors[0].message.contains(bad), "{bad}");
        }
        assert!(parse_roles("111122223333", "R", &"e".repeat(1224)).is_ok());
        assert!(parse_roles("111122223333", "R", "ab").is_ok());
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let text = "arn:aws:iam::111122223333:role/Ok\n\
                    12345\n\
                    arn:aws:iam::111122223333:user/alice\n\
                    arn:aws:s3:::bucket\n\
                    arn:aws-iso:iam::111122223333:role/R\n\
                    arn:aws:iam::11112222333:role/R\n\
                    arn:aws:iam::111122223333:role/bad*name\n\
                    arn:aws:iam::111122223333:role/a//b\n\
                    arn:aws:iam::111122223333:role/\n\
                    arn:aws:iam:us-east-1:111122223333:role/R\n\
                    orders-table";
        let errors = parse_roles(text, "R", "").unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.line).collect::<Vec<_>>(),
            (2..=11).collect::<Vec<_>>()
        );
        assert_eq!(
            errors[0].message,
            "Line 2: \"12345\" is neither a role ARN nor a 12-digit account id."
        );
        assert_eq!(
            errors[1].message,
            "Line 3: \"arn:aws:iam::111122223333:user/alice\" is not a role ARN (arn:aws:iam::<account>:role/<name>)."
        );
        assert!(errors[3].message.contains("partition"));
        assert!(errors[4].message.contains("12 digits"));
        assert!(errors[5].message.contains("role name"));
        assert!(errors[6].message.contains("path"));
        assert!(errors[7].message.contains("role name"));
        assert!(errors[8].message.contains("not an IAM role ARN"));
        assert!(errors[9].message.contains("neither"));
        for e in &errors {
            assert!(e.message.starts_with(&format!("Line {}: ", e.line)));
            assert!(e.message.ends_with('.'));
        }
    }

    #[test]
    fn credentials_in_the_list_are_not_echoed() {
        for secret in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ] {
            let errors = parse_roles(&format!("111122223333\n{secret}"), "R", "").unwrap_err();
            assert_eq!(errors.len(), 1);
            assert_eq!(errors[0].line, 2);
            assert!(!errors[0].message.contains(secret), "{}", errors[0].message);
            assert!(errors[0].message.contains("looks like a credential"));
        }
        let long = format!("x{}", "y".repeat(200));
        let errors = parse_roles(&long, "", "").unwrap_err();
        assert!(errors[0].message.chars().count() < 150);
    }

    #[test]
    fn at_most_200_roles() {
        let ids: Vec<String> = (0..205)
            .map(|i| format!("{:012}", 100_000_000_000u64 + i))
            .collect();
        let text = ids.join("\n");
        let errors = parse_roles(&text, "R", "").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 201);
        assert!(parse_roles(&ids[..200].join("\n"), "R", "").is_ok_and(|r| r.len() == 200));
        // Repeats do not count.
        let repeated = format!("{}\n{}", ids[..200].join("\n"), ids[0]);
        assert!(parse_roles(&repeated, "R", "").is_ok());
    }

    #[test]
    fn partitions_of_regions() {
        assert_eq!(partition_of_region("eu-west-1"), "aws");
        assert_eq!(partition_of_region("cn-north-1"), "aws-cn");
        assert_eq!(partition_of_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_of_region("us-east-1"), "aws");
        for (group, regions) in super::super::endpoint::REGION_GROUPS {
            for r in *regions {
                let expected = match *group {
                    "China" => "aws-cn",
                    "AWS GovCloud (US)" => "aws-us-gov",
                    _ => "aws",
                };
                assert_eq!(partition_of_region(r), expected, "{r}");
            }
        }
    }

    #[test]
    fn a_partition_makes_account_arns_and_refuses_others() {
        let roles =
            parse_roles_in_partition("111122223333", "R", "", partition_of_region("cn-north-1"))
                .unwrap();
        assert_eq!(roles[0].arn, "arn:aws-cn:iam::111122223333:role/R");
        assert_eq!(roles[0].partition, "aws-cn");
        let errors =
            parse_roles_in_partition("arn:aws:iam::111122223333:role/R", "", "", "aws-us-gov")
                .unwrap_err();
        assert_eq!(
            errors[0].message,
            "Line 1: \"arn:aws:iam::111122223333:role/R\" is in the aws partition, but the region is in aws-us-gov."
        );
    }
}
