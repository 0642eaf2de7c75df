//! The credentials paste box: recognises what the AWS CLI, the access portal
//! and credentials files print, and takes the keys out of it.
//!
//! Errors are fixed sentences: they never repeat any of the pasted text, which
//! is full of secrets.

use serde_json::{Map, Value};

use super::query::Field;
use super::sign::Credentials;

/// Where pasted credentials came from, as far as their shape tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasteFormat {
    /// `aws sts assume-role` (or assume-role-with-saml / -with-web-identity) JSON.
    StsAssumeRole,
    /// `aws sts get-session-token` JSON.
    StsSessionToken,
    /// `aws sts get-federation-token` JSON.
    StsFederationToken,
    /// `aws configure export-credentials` (default `--format process`) JSON.
    ProcessJson,
    /// A JSON object with the keys at its top (any casing: `accessKeyId`, `AccessKeyId`, …).
    Json,
    /// `export AWS_ACCESS_KEY_ID=…` or `AWS_ACCESS_KEY_ID=…` lines (`--format env`, `env-no-export`).
    EnvVars,
    /// `$Env:AWS_ACCESS_KEY_ID="…"` lines (`--format powershell`).
    PowerShell,
    /// `set AWS_ACCESS_KEY_ID=…` lines (`--format windows-cmd`).
    WindowsCmd,
    /// An `aws_access_key_id = …` block of a credentials or config file.
    ProfileBlock,
}

impl PasteFormat {
    /// What the paste box says it recognised.
    pub fn label(self) -> &'static str {
        match self {
            PasteFormat::StsAssumeRole => "aws sts assume-role JSON",
            PasteFormat::StsSessionToken => "aws sts get-session-token JSON",
            PasteFormat::StsFederationToken => "aws sts get-federation-token JSON",
            PasteFormat::ProcessJson => "export-credentials (process) JSON",
            PasteFormat::Json => "credentials JSON",
            PasteFormat::EnvVars => "environment variables",
            PasteFormat::PowerShell => "PowerShell environment variables",
            PasteFormat::WindowsCmd => "Windows cmd environment variables",
            PasteFormat::ProfileBlock => "credentials file [profile]",
        }
    }
}

/// Credentials found in a paste, checked like [`Credentials::new`] (trimmed).
#[derive(Clone, PartialEq, Eq)]
pub struct Pasted {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Present for temporary (STS) credentials.
    pub session_token: Option<String>,
    /// The expiry exactly as pasted (ISO 8601, e.g. `2026-11-26T17:24:56+00:00`), if any.
    pub expiration: Option<String>,
    pub format: PasteFormat,
}

impl std::fmt::Debug for Pasted {
    // Never print a secret, even in a debug trace.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pasted")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiration", &self.expiration)
            .field("format", &self.format)
            .finish()
    }
}

impl Pasted {
    /// The credentials to sign with.
    pub fn credentials(&self) -> Credentials {
        Credentials {
            access_key_id: self.access_key_id.clone(),
            secret_access_key: self.secret_access_key.clone(),
            session_token: self.session_token.clone(),
        }
    }
}

/// Why a paste gave no credentials. Each message is a fixed sentence that
/// repeats none of the pasted text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum PasteError {
    /// Nothing but whitespace.
    Empty,
    /// No format recognised.
    NotCredentials,
    /// JSON that stops before its end.
    TruncatedJson,
    /// Text that starts like JSON but is not valid JSON.
    InvalidJson,
    /// A secret access key without its access key id.
    MissingAccessKeyId,
    /// An access key id without its secret access key.
    MissingSecret,
    /// `ASIA…` credentials without a session token.
    MissingSessionToken,
    /// The access key id is not 16–128 letters and digits.
    BadAccessKeyId,
    /// The secret access key has spaces or control characters.
    BadSecret,
    /// The session token has spaces or control characters.
    BadSessionToken,
}

impl PasteError {
    /// One sentence for the user.
    pub fn message(&self) -> &'static str {
        match self {
            PasteError::Empty => "Nothing was pasted: paste the credentials printed by the AWS CLI or the access portal.",
            PasteError::NotCredentials => "This doesn't look like AWS credentials: paste the JSON from `aws sts assume-role` or `aws configure export-credentials`, `export AWS_…` lines, or a [profile] block.",
            PasteError::TruncatedJson => "The JSON stops before its end: copy all of it, from the first { to the last }.",
            PasteError::InvalidJson => "This starts like JSON but is not valid JSON: paste it exactly as the command printed it.",
            PasteError::MissingAccessKeyId => "Found a secret access key but no access key id.",
            PasteError::MissingSecret => "Found an access key id but no secret access key.",
            PasteError::MissingSessionToken => "Temporary credentials (ASIA…) need their session token, and none was found.",
            PasteError::BadAccessKeyId => "The access key id found is not 16 to 128 letters and digits.",
            PasteError::BadSecret => "The secret access key found contains spaces or control characters.",
            PasteError::BadSessionToken => "The session token found contains spaces or control characters.",
        }
    }
}

/// The values found in one candidate (a JSON object, a set of variables, a profile block).
#[derive(Default)]
struct Found {
    access_key_id: Option<String>,
    secret: Option<String>,
    token: Option<String>,
    /// `AWS_SECURITY_TOKEN`, used only when there is no `AWS_SESSION_TOKEN`.
    legacy_token: Option<String>,
    expiration: Option<String>,
}

impl Found {
    fn has_keys(&self) -> bool {
        self.access_key_id.is_some() && self.secret.is_some()
    }

    fn is_empty(&self) -> bool {
        self.access_key_id.is_none() && self.secret.is_none()
    }

    /// Sets the value for a recognised name (normalised: lower case, no `_`/`-`, no `aws` prefix).
    fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "accesskeyid" => &mut self.access_key_id,
            "secretaccesskey" | "secretkey" => &mut self.secret,
            // `Token`: EC2 instance metadata and ECS container credentials.
            "sessiontoken" | "token" => &mut self.token,
            "securitytoken" => &mut self.legacy_token,
            "credentialexpiration" | "expiration" => &mut self.expiration,
            _ => return false,
        };
        *slot = Some(value);
        true
    }

    /// Checks the values like the form does and maps its errors to ours.
    fn into_pasted(self, format: PasteFormat) -> Result<Pasted, PasteError> {
        let (Some(akid), Some(secret)) = (self.access_key_id, self.secret) else {
            return Err(PasteError::NotCredentials);
        };
        let token = self
            .token
            .filter(|t| !t.trim().is_empty())
            .or(self.legacy_token)
            .unwrap_or_default();
        let creds = Credentials::new(&akid, &secret, &token).map_err(|errors| {
            match errors.first().map(|e| e.field) {
                Some(Field::AccessKeyId) => PasteError::BadAccessKeyId,
                Some(Field::SecretAccessKey) => PasteError::BadSecret,
                Some(Field::SessionToken) if token.trim().is_empty() => {
                    PasteError::MissingSessionToken
                }
                _ => PasteError::BadSessionToken,
            }
        })?;
        let expiration = self
            .expiration
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        Ok(Pasted {
            access_key_id: creds.access_key_id,
            secret_access_key: creds.secret_access_key,
            session_token: creds.session_token,
            expiration,
            format,
        })
    }
}

/// Lower case without `_` and `-`, and without a leading `aws`:
/// `AWS_ACCESS_KEY_ID`, `aws_access_key_id`, `accessKeyId` all give `accesskeyid`.
fn normalise(name: &str) -> String {
    let n: String = name
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match n.strip_prefix("aws") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => n,
    }
}

/// Reads pasted credentials. Recognises:
///
/// - the JSON of `aws sts assume-role`, `get-session-token` and `get-federation-token`
///   (`{"Credentials": {"AccessKeyId", …}}`);
/// - `aws configure export-credentials` in each `--format`: `process` (JSON),
///   `env`, `env-no-export`, `powershell` and `windows-cmd` (values may be quoted;
///   `AWS_SECURITY_TOKEN` is read when there is no `AWS_SESSION_TOKEN`);
/// - a credentials or config file: of its `[default]`, `[profile x]` or `[x]`
///   blocks, the **first one that has both** `aws_access_key_id` and
///   `aws_secret_access_key` (blocks with only a region or an SSO setup are skipped);
/// - a JSON object with the keys at its top in any casing (`accessKeyId`,
///   `access_key_id`, …; also what EC2 and ECS metadata print).
///
/// Lines that are none of these (a shell prompt, a comment) are ignored.
pub fn parse_credentials(text: &str) -> Result<Pasted, PasteError> {
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return Err(PasteError::Empty);
    }
    // JSON, possibly after a line such as the command that printed it.
    let json_start = if text.starts_with('{') {
        Some(0)
    } else {
        text.find("\n{").map(|i| i + 1)
    };
    if let Some(start) = json_start {
        return parse_json(&text[start..]);
    }
    parse_lines(text)
}

fn parse_json(text: &str) -> Result<Pasted, PasteError> {
    // The first value only: text after it (a shell prompt) does not matter.
    let value = match serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .next()
    {
        Some(Ok(v)) => v,
        Some(Err(e)) if e.is_eof() => return Err(PasteError::TruncatedJson),
        _ => return Err(PasteError::InvalidJson),
    };
    let Value::Object(top) = value else {
        return Err(PasteError::NotCredentials);
    };
    let key = |name: &str| top.iter().find(|(k, _)| normalise(k) == name).map(|x| x.1);
    let (object, format) = match key("credentials") {
        Some(Value::Object(inner)) => {
            let format = if key("assumedroleuser").is_some() {
                PasteFormat::StsAssumeRole
            } else if key("federateduser").is_some() {
                PasteFormat::StsFederationToken
            } else {
                PasteFormat::StsSessionToken
            };
            (inner, format)
        }
        _ if key("version").is_some() => (&top, PasteFormat::ProcessJson),
        _ => (&top, PasteFormat::Json),
    };
    let found = found_in_object(object);
    if !found.has_keys() {
        return Err(missing(&found, ""));
    }
    found.into_pasted(format)
}

fn found_in_object(object: &Map<String, Value>) -> Found {
    let mut found = Found::default();
    for (k, v) in object {
        if let Value::String(s) = v {
            found.set(&normalise(k), s.clone());
        }
    }
    found
}

/// The error for a candidate without both keys; `text` is searched for a lone
/// access key id when nothing was recognised at all.
fn missing(found: &Found, text: &str) -> PasteError {
    match (&found.access_key_id, &found.secret) {
        (Some(_), _) => PasteError::MissingSecret,
        (None, Some(_)) => PasteError::MissingAccessKeyId,
        (None, None) if is_lone_access_key_id(text) => PasteError::MissingSecret,
        (None, None) => PasteError::NotCredentials,
    }
}

/// True when the text is, in effect, only an access key id (`AKIA…`/`ASIA…`).
fn is_lone_access_key_id(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',' || c == '=')
        .filter(|w| !w.is_empty())
        .collect();
    let is_key = |w: &str| {
        (w.starts_with("AKIA") || w.starts_with("ASIA"))
            && (16..=128).contains(&w.len())
            && w.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    words.iter().filter(|w| is_key(w)).count() == 1
        && words
            .iter()
            .all(|w| is_key(w) || !super::secret::looks_like_credential(w))
}

/// How a line assigned its variable.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Export,
    PowerShell,
    WindowsCmd,
    /// `NAME=value` or `name = value`, no keyword.
    Plain,
}

/// One `[section]` of a file, or the lines before any section.
#[derive(Default)]
struct Block {
    has_header: bool,
    found: Found,
    /// The style and key of the first recognised line, to name the format.
    first: Option<(Style, bool)>,
}

impl Block {
    fn format(&self) -> PasteFormat {
        if self.has_header {
            return PasteFormat::ProfileBlock;
        }
        match self.first {
            Some((Style::PowerShell, _)) => PasteFormat::PowerShell,
            Some((Style::WindowsCmd, _)) => PasteFormat::WindowsCmd,
            // `aws_access_key_id = …` without its `[profile]` line.
            Some((Style::Plain, false)) => PasteFormat::ProfileBlock,
            _ => PasteFormat::EnvVars,
        }
    }
}

fn parse_lines(text: &str) -> Result<Pasted, PasteError> {
    let mut blocks = vec![Block::default()];
    for line in text.split(['\n', '\r']) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            blocks.push(Block {
                has_header: true,
                ..Block::default()
            });
            continue;
        }
        let Some((style, name, value)) = assignment(line) else {
            continue;
        };
        let Some(block) = blocks.last_mut() else {
            continue;
        };
        if block.found.set(&normalise(name), value.to_owned()) && block.first.is_none() {
            let upper_case = name.starts_with("AWS_");
            block.first = Some((style, upper_case));
        }
    }
    let Some(i) = blocks.iter().position(|b| b.found.has_keys()) else {
        // Say what is missing in the first block that has one of the keys.
        return Err(match blocks.iter().find(|b| !b.found.is_empty()) {
            Some(b) => missing(&b.found, ""),
            None => missing(&Found::default(), text),
        });
    };
    let block = blocks.swap_remove(i);
    let format = block.format();
    block.found.into_pasted(format)
}

/// Splits `export NAME=value`, `$Env:NAME="value"`, `set NAME=value`,
/// `set "NAME=value"`, `NAME=value` and `name = value` into style, name and
/// value (unquoted; unquoted values end at the first space).
fn assignment(line: &str) -> Option<(Style, &str, &str)> {
    let (style, rest) = if let Some(rest) = strip_keyword(line, "export") {
        (Style::Export, rest)
    } else if let Some(rest) = strip_keyword(line, "set") {
        (Style::WindowsCmd, rest)
    } else if line.len() > 5 && line.is_char_boundary(5) && line[..5].eq_ignore_ascii_case("$env:")
    {
        (Style::PowerShell, &line[5..])
    } else {
        (Style::Plain, line)
    };
    // cmd's `set "NAME=value"` quotes the whole assignment.
    let rest = match (style, rest.strip_prefix('"')) {
        (Style::WindowsCmd, Some(inner)) => inner.strip_suffix('"').unwrap_or(inner),
        _ => rest,
    };
    let (name, value) = rest.split_once('=')?;
    let name = name.trim();
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    Some((style, name, unquote(value.trim())))
}

/// `line` without a leading `keyword` (any case) and the spaces after it.
fn strip_keyword<'a>(line: &'a str, keyword: &str) -> Option<&'a str> {
    let head = line.get(..keyword.len())?;
    let rest = line.get(keyword.len()..)?;
    (head.eq_ignore_ascii_case(keyword) && rest.starts_with([' ', '\t'])).then(|| rest.trim_start())
}

/// The text inside matching `'…'` or `"…"`, or the first word of an unquoted value
/// (credentials have no spaces; what follows is a comment).
fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q) {
            return match inner.find(q) {
                Some(end) => &inner[..end],
                None => inner.split_whitespace().next().unwrap_or(""),
            };
        }
    }
    value.split_whitespace().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    const AKID: &str = "ASIAZ3MHALF4EXAMPLE7";
    const SECRET: &str = "Zx9q/L2mB7vT+kR4wN8pC3yH6sD1fG5jA0eU7iO2";
    const TOKEN: &str = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6Ox0q+Kd8yPqvM1c9Zb0xT3Rt7nX2s4Lk9mWf1Hh8jQIgVb3pL7yQ2x1C5kN0rUe8aS6dG4hJ9fT3wY2mZ5oE1uIq";
    const EXPIRES: &str = "2026-11-26T17:24:56+00:00";

    fn assert_full(p: &Pasted, format: PasteFormat) {
        assert_eq!(p.access_key_id, AKID);
        assert_eq!(p.secret_access_key, SECRET);
        assert_eq!(p.session_token.as_deref(), Some(TOKEN));
        assert_eq!(p.format, format);
    }

    /// The sample as printed, and with Windows line endings.
    fn both_endings(sample: &str) -> [String; 2] {
        [sample.to_owned(), sample.replace('\n', "\r\n")]
    }

    fn sts_json(extra: &str) -> String {
        format!(
            r#"{{
    "Credentials": {{
        "AccessKeyId": "{AKID}",
        "SecretAccessKey": "{SECRET}",
        "SessionToken": "{TOKEN}",
        "Expiration": "{EXPIRES}"
    }}{extra}
}}
"#
        )
    }

    #[test]
    fn sts_json_of_each_command() {
        let assume = sts_json(
            r#",
    "AssumedRoleUser": {
        "AssumedRoleId": "AROA3XFRBF535PLBIFPI4:backup-lens",
        "Arn": "arn:aws:sts::123456789012:assumed-role/BackupLensReader/backup-lens"
    }"#,
        );
        let federation = sts_json(
            r#",
    "FederatedUser": {
        "FederatedUserId": "123456789012:bob",
        "Arn": "arn:aws:sts::123456789012:federated-user/bob"
    },
    "PackedPolicySize": 6"#,
        );
        for (sample, format) in [
            (assume, PasteFormat::StsAssumeRole),
            (sts_json(""), PasteFormat::StsSessionToken),
            (federation, PasteFormat::StsFederationToken),
        ] {
            for text in both_endings(&sample) {
                let p = parse_credentials(&text).unwrap();
                assert_full(&p, format);
                assert_eq!(p.expiration.as_deref(), Some(EXPIRES));
            }
        }
        assert_eq!(
            PasteFormat::StsAssumeRole.label(),
            "aws sts assume-role JSON"
        );
    }

    #[test]
    fn export_credentials_process_json() {
        let sample = format!(
            "{{\n  \"Version\": 1,\n  \"AccessKeyId\": \"{AKID}\",\n  \"SecretAccessKey\": \"{SECRET}\",\n  \"SessionToken\": \"{TOKEN}\",\n  \"Expiration\": \"{EXPIRES}\"\n}}\n"
        );
        for text in both_endings(&sample) {
            let p = parse_credentials(&text).unwrap();
            assert_full(&p, PasteFormat::ProcessJson);
            assert_eq!(p.expiration.as_deref(), Some(EXPIRES));
            assert_eq!(p.format.label(), "export-credentials (process) JSON");
        }
        // Long-term keys: no token, no expiration.
        let p = parse_credentials(
            r#"{"Version": 1, "AccessKeyId": "AKIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#,
        )
        .unwrap();
        assert_eq!(p.session_token, None);
        assert_eq!(p.expiration, None);
        // After the command line that printed it, and with a prompt after it.
        let p =
            parse_credentials(&format!("$ aws configure export-credentials\n{sample}$ ")).unwrap();
        assert_full(&p, PasteFormat::ProcessJson);
    }

    #[test]
    fn export_credentials_env_formats() {
        let env = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SESSION_TOKEN={TOKEN}\nexport AWS_CREDENTIAL_EXPIRATION={EXPIRES}\n"
        );
        let quoted = format!(
            "export AWS_ACCESS_KEY_ID=\"{AKID}\"\nexport AWS_SECRET_ACCESS_KEY='{SECRET}'\nexport AWS_SESSION_TOKEN=\"{TOKEN}\"\n"
        );
        let no_export = format!(
            "AWS_ACCESS_KEY_ID={AKID}\nAWS_SECRET_ACCESS_KEY={SECRET}\nAWS_SESSION_TOKEN={TOKEN}\nAWS_CREDENTIAL_EXPIRATION={EXPIRES}\n"
        );
        let powershell = format!(
            "$Env:AWS_ACCESS_KEY_ID=\"{AKID}\"\n$Env:AWS_SECRET_ACCESS_KEY=\"{SECRET}\"\n$Env:AWS_SESSION_TOKEN=\"{TOKEN}\"\n$Env:AWS_CREDENTIAL_EXPIRATION=\"{EXPIRES}\"\n"
        );
        let cmd = format!(
            "set AWS_ACCESS_KEY_ID={AKID}\nset AWS_SECRET_ACCESS_KEY={SECRET}\nset AWS_SESSION_TOKEN={TOKEN}\nset AWS_CREDENTIAL_EXPIRATION={EXPIRES}\n"
        );
        let cmd_quoted = format!(
            "set \"AWS_ACCESS_KEY_ID={AKID}\"\nset \"AWS_SECRET_ACCESS_KEY={SECRET}\"\nset \"AWS_SESSION_TOKEN={TOKEN}\"\n"
        );
        let legacy = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SECURITY_TOKEN={TOKEN}\n"
        );
        for (sample, format, expires) in [
            (env, PasteFormat::EnvVars, true),
            (quoted, PasteFormat::EnvVars, false),
            (no_export, PasteFormat::EnvVars, true),
            (powershell, PasteFormat::PowerShell, true),
            (cmd, PasteFormat::WindowsCmd, true),
            (cmd_quoted, PasteFormat::WindowsCmd, false),
            (legacy, PasteFormat::EnvVars, false),
        ] {
            for text in both_endings(&sample) {
                let p = parse_credentials(&text).unwrap_or_else(|e| panic!("{sample}: {e}"));
                assert_full(&p, format);
                assert_eq!(p.expiration.is_some(), expires, "{sample}");
            }
        }
        assert_eq!(PasteFormat::EnvVars.label(), "environment variables");
    }

    #[test]
    fn session_token_wins_over_the_legacy_security_token() {
        let text = format!(
            "export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\nexport AWS_SECURITY_TOKEN=old\nexport AWS_SESSION_TOKEN={TOKEN}\n"
        );
        assert_eq!(
            parse_credentials(&text).unwrap().session_token.as_deref(),
            Some(TOKEN)
        );
    }

    #[test]
    fn the_first_profile_block_with_both_keys() {
        let file = format!(
            "# ~/.aws/credentials\n[default]\nregion = eu-west-1\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\n[profile sso]\nsso_session = corp ; comment\n\n[123456789012_BackupReader]\naws_access_key_id={AKID}\naws_secret_access_key = {SECRET}\n; the portal's token\naws_session_token  =  {TOKEN}\n\n[later]\naws_access_key_id = AKIAI44QH8DHBEXAMPLE\naws_secret_access_key = je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\n"
        );
        for text in both_endings(&file) {
            let p = parse_credentials(&text).unwrap();
            assert_full(&p, PasteFormat::ProfileBlock);
            assert_eq!(p.expiration, None);
        }
        let p = parse_credentials(
            "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY # old key\n",
        )
        .unwrap();
        assert_eq!(p.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(
            p.secret_access_key,
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
        );
        assert_eq!(p.format.label(), "credentials file [profile]");
        // The keys without their [profile] line.
        let p = parse_credentials(&format!(
            "aws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}"
        ))
        .unwrap();
        assert_full(&p, PasteFormat::ProfileBlock);
    }

    #[test]
    fn bare_json_in_other_casings() {
        for sample in [
            format!(
                r#"{{"accessKeyId":"{AKID}","secretAccessKey":"{SECRET}","sessionToken":"{TOKEN}","expiration":"{EXPIRES}"}}"#
            ),
            format!(
                r#"{{"aws_access_key_id":"{AKID}","aws_secret_access_key":"{SECRET}","aws_session_token":"{TOKEN}"}}"#
            ),
            // EC2 instance metadata.
            format!(
                "{{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-11-26T11:24:56Z\",\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"{AKID}\",\n  \"SecretAccessKey\" : \"{SECRET}\",\n  \"Token\" : \"{TOKEN}\",\n  \"Expiration\" : \"2026-11-26T17:24:56Z\"\n}}"
            ),
        ] {
            for text in both_endings(&sample) {
                assert_full(&parse_credentials(&text).unwrap(), PasteFormat::Json);
            }
        }
    }

    #[test]
    fn malformed_pastes() {
        let full = sts_json("");
        let cases: Vec<(String, PasteError)> = vec![
            (String::new(), PasteError::Empty),
            (" \r\n\t".into(), PasteError::Empty),
            (full[..full.len() / 2].to_owned(), PasteError::TruncatedJson),
            (full[..full.len() - 3].to_owned(), PasteError::TruncatedJson),
            (
                format!("{{\"AccessKeyId\": \"{AKID}\" \"x\"}}"),
                PasteError::InvalidJson,
            ),
            (
                format!("{{\"Version\": 1, \"AccessKeyId\": \"{AKID}\", \"SessionToken\": \"{TOKEN}\"}}"),
                PasteError::MissingSecret,
            ),
            (
                format!("export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SESSION_TOKEN={TOKEN}\n"),
                PasteError::MissingSecret,
            ),
            (
                format!("[default]\naws_secret_access_key = {SECRET}\n"),
                PasteError::MissingAccessKeyId,
            ),
            (
                format!("export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\n"),
                PasteError::MissingSessionToken,
            ),
            (
                format!("{{\"Version\": 1, \"AccessKeyId\": \"{AKID}\", \"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"\"}}"),
                PasteError::MissingSessionToken,
            ),
            (
                format!("{{\"AccessKeyId\": \"ASIA-{SECRET}\", \"SecretAccessKey\": \"{SECRET}\"}}"),
                PasteError::BadAccessKeyId,
            ),
            (
                format!("{{\"AccessKeyId\": \"{AKID}\", \"SecretAccessKey\": \"{SECRET} x\", \"SessionToken\": \"{TOKEN}\"}}"),
                PasteError::BadSecret,
            ),
            (
                format!("{{\"AccessKeyId\": \"{AKID}\", \"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"{TOKEN}\\u0001\"}}"),
                PasteError::BadSessionToken,
            ),
            (AKID.into(), PasteError::MissingSecret),
            (format!("  \"{AKID}\"\r\n"), PasteError::MissingSecret),
            ("Hello, this is my backup plan.".into(), PasteError::NotCredentials),
            (
                "<html><body>Sign in</body></html>".into(),
                PasteError::NotCredentials,
            ),
            (format!("{AKID} {SECRET}"), PasteError::NotCredentials),
            ("[1, 2]".into(), PasteError::NotCredentials),
            ("[default]\nregion = eu-west-1\n".into(), PasteError::NotCredentials),
            ("{\"Credentials\": {}}".into(), PasteError::NotCredentials),
            ("\"just a string\"".into(), PasteError::NotCredentials),
            ("{}".into(), PasteError::NotCredentials),
        ];
        for (text, expected) in cases {
            for t in both_endings(&text) {
                assert_eq!(parse_credentials(&t).unwrap_err(), expected, "{t}");
            }
        }
    }

    #[test]
    fn odd_input_never_panics() {
        for text in [
            "set",
            "set ",
            "export",
            "$Env:",
            "$env:é",
            "=",
            "==",
            "[",
            "]",
            "[]",
            "é=é",
            "\"",
            "'",
            "set \"",
            "{",
            "\n{",
            "export A='",
            "AWS_ACCESS_KEY_ID=\"",
        ] {
            let _ = parse_credentials(text);
        }
    }

    #[test]
    fn every_cut_of_a_sample_parses_or_fails_cleanly() {
        let samples = [
            sts_json(""),
            format!("export AWS_ACCESS_KEY_ID=\"{AKID}\"\r\nexport AWS_SECRET_ACCESS_KEY='{SECRET}'\r\n"),
            format!("[profile é]\naws_access_key_id = {AKID}\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"),
            format!("set \"AWS_ACCESS_KEY_ID={AKID}\"\n$Env:AWS_SECRET_ACCESS_KEY=\"{SECRET}\"\n"),
        ];
        for sample in samples {
            for cut in (0..=sample.len()).filter(|&i| sample.is_char_boundary(i)) {
                let _ = parse_credentials(&sample[..cut]);
                let _ = parse_credentials(&sample[cut..]);
            }
        }
    }

    #[test]
    fn no_error_message_repeats_the_pasted_text() {
        let inputs = [
            format!("export AWS_ACCESS_KEY_ID={AKID}\nexport AWS_SECRET_ACCESS_KEY={SECRET}\n"),
            format!("[default]\naws_secret_access_key = {SECRET}\n"),
            format!("{{\"AccessKeyId\": \"{AKID}\", \"SecretAccessKey\": \"{SECRET} x\""),
            format!("{{\"AccessKeyId\": \"{AKID}\", \"SecretAccessKey\": \"{SECRET} x\"}}"),
            format!("{{\"AccessKeyId\": \"x{SECRET}\", \"SecretAccessKey\": \"{SECRET}\"}}"),
            format!("{{\"AccessKeyId\": \"{AKID}\", \"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"{TOKEN} \u{1}\"}}"),
            SECRET.to_owned(),
            format!("{AKID} {SECRET} {TOKEN}"),
            format!("{{{SECRET}}}"),
        ];
        for input in inputs {
            let e = parse_credentials(&input).unwrap_err();
            let shown = format!("{} {e} {e:?}", e.message());
            for value in [SECRET, TOKEN, AKID] {
                for w in 0..=value.len() - 5 {
                    let piece = &value[w..w + 5];
                    assert!(
                        !shown.contains(piece),
                        "{shown:?} repeats {piece:?} of the input"
                    );
                }
            }
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let p = parse_credentials(&sts_json("")).unwrap();
        let s = format!("{p:?}");
        assert!(s.contains(AKID) && s.contains(EXPIRES), "{s}");
        assert!(!s.contains(SECRET) && !s.contains(TOKEN), "{s}");
        assert_eq!(p.credentials().secret_access_key, SECRET);
    }
}
