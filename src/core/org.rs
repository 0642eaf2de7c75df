//! Org-wide listings: the identities that sign (the pasted "home"
//! credentials and the roles assumed from them) and the sources they give
//! (every identity × every chosen region).
//!
//! [`Broker`] is a pure state machine in the shape of the listing engine: the
//! edge calls [`Broker::poll`] with the wall clock and performs each
//! [`StsSend`] (sign with the home credentials for the STS region, POST), then
//! hands the answer to [`Broker::handle`]. The broker asks `GetCallerIdentity`
//! once per home access key (the home account id), `AssumeRole` once per role
//! (session `backup-lens`, at most 3600 s: a session assumed from a role
//! session is capped at one hour), and again before each assumed session
//! expires (5 minutes before, or a third of its lifetime when that is
//! shorter: `Expiration` may come back shorter than asked). Throttling and
//! server errors are retried with backoff; anything else fails that identity
//! alone. What happened is reported through [`Broker::take_events`].

use std::collections::HashMap;

use super::endpoint::Endpoint;
use super::engine::{SourceSpec, Target, HOME};
use super::error::{ApiError, ErrorKind};
use super::query::Query;
use super::roles::RoleSpec;
use super::sign::Credentials;
use super::sts::{
    assume_role_body, parse_assume_role, parse_caller_identity, StsError, GET_CALLER_IDENTITY_BODY,
};

/// The session name every assumed role session carries (CloudTrail shows it).
pub const SESSION_NAME: &str = "backup-lens";
/// The longest session asked for: role chaining caps sessions at one hour.
pub const SESSION_SECONDS: u32 = 3600;
/// STS calls in flight at once.
const MAX_STS_IN_FLIGHT: usize = 4;
/// Attempts per STS call before a retryable failure counts as a failure.
const STS_ATTEMPTS: u32 = 4;
/// Renew this long before expiry (or a third of the lifetime, if shorter).
const RENEW_MARGIN_MS: f64 = 300_000.0;

/// Where one identity stands.
#[derive(Clone, Debug, PartialEq)]
pub enum IdentityState {
    /// Not asked yet (or waiting to retry).
    Needed,
    /// An STS call is on its way.
    Calling,
    /// Credentials in hand (being renewed in the background when near expiry).
    Ready,
    /// Could not be assumed: the sentence says why.
    Failed(ApiError),
}

/// One signing identity: the home credentials or an assumed role.
#[derive(Clone, Debug)]
pub struct Identity {
    /// [`HOME`] or the role ARN.
    pub principal: String,
    pub role: Option<RoleSpec>,
    /// The account id: the role ARN's, or the home identity's from GetCallerIdentity.
    pub account: Option<String>,
    pub state: IdentityState,
    credentials: Option<Credentials>,
    /// When the credentials expire (epoch ms), if known.
    pub expires_ms: Option<f64>,
    issued_ms: f64,
    attempts: u32,
    retry_at_ms: f64,
    calling: bool,
    /// Whether this identity's sources are listed (the home identity may be off).
    pub listed: bool,
}

impl Identity {
    /// The credentials to sign with, once ready.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// When to renew: before expiry by 5 minutes or a third of the lifetime.
    fn renew_at_ms(&self) -> Option<f64> {
        let expires = self.expires_ms?;
        let lifetime = (expires - self.issued_ms).max(0.0);
        Some(expires - RENEW_MARGIN_MS.min(lifetime / 3.0))
    }
}

/// An STS call for the edge to sign (with [`Broker::home_credentials`]) and send.
#[derive(Clone, Debug, PartialEq)]
pub struct StsSend {
    pub id: u64,
    /// The form-encoded body.
    pub body: String,
}

/// What the edge should do next.
#[derive(Clone, Debug, PartialEq)]
pub enum BrokerAction {
    Send(StsSend),
    /// Poll again at this wall-clock time (epoch ms): a renewal or a retry.
    WakeAt(f64),
    Idle,
}

/// What the broker learnt, for the engine and the page.
#[derive(Clone, Debug, PartialEq)]
pub enum BrokerEvent {
    /// Credentials for `principal` (first time or renewed).
    Ready {
        principal: String,
        credentials: Credentials,
    },
    /// `principal` cannot be assumed (or renewed).
    Failed { principal: String, error: ApiError },
    /// The home account id became known.
    HomeAccount(String),
}

/// An STS answer as the edge read it.
#[derive(Clone, Debug, PartialEq)]
pub struct StsAnswer {
    pub status: u16,
    pub body: String,
}

/// Assumes roles and keeps their credentials fresh. See the module docs.
#[derive(Debug, Default)]
pub struct Broker {
    home: Credentials,
    identities: Vec<Identity>,
    in_flight: HashMap<u64, usize>,
    next_call: u64,
    /// Home account ids by access key id: GetCallerIdentity once per key.
    accounts: HashMap<String, String>,
    /// Access keys whose GetCallerIdentity failed (an endpoint without STS).
    unknown: Vec<String>,
    events: Vec<BrokerEvent>,
    /// Where the identities were assumed (see [`Broker::configure`]).
    place: String,
}

impl Broker {
    /// Sets who signs: the home credentials (listed unless `include_home` is
    /// false) and the roles. Identities whose role and home key are unchanged
    /// keep their state and credentials (Load more does not re-assume);
    /// the others start afresh.
    ///
    /// `place` names where STS and DynamoDB calls go (endpoint and region):
    /// sessions assumed for one place are never used at another (a role's
    /// AWS session must not sign requests to a custom host), and the home
    /// account learnt at one place is not trusted at another.
    pub fn configure(
        &mut self,
        place: &str,
        home: Credentials,
        include_home: bool,
        roles: Vec<RoleSpec>,
    ) {
        if self.place != place {
            self.place = place.to_owned();
            self.accounts.clear();
            self.unknown.clear();
            self.home = Credentials::default();
        }
        let same_home = self.home.access_key_id == home.access_key_id
            && self.home.secret_access_key == home.secret_access_key
            && self.home.session_token == home.session_token;
        let mut old: HashMap<String, Identity> = if same_home {
            self.identities
                .drain(..)
                .map(|i| (i.principal.clone(), i))
                .collect()
        } else {
            self.in_flight.clear();
            self.identities.clear();
            HashMap::new()
        };
        self.home = home.clone();
        let home_account = self.accounts.get(&home.access_key_id).cloned();
        let mut identities = vec![Identity {
            principal: HOME.into(),
            role: None,
            account: home_account,
            state: IdentityState::Ready,
            credentials: Some(home),
            expires_ms: None,
            issued_ms: 0.0,
            attempts: 0,
            retry_at_ms: 0.0,
            calling: false,
            listed: include_home,
        }];
        for role in roles {
            let kept = old
                .remove(&role.arn)
                .filter(|i| i.role.as_ref() == Some(&role))
                .filter(|i| !matches!(i.state, IdentityState::Failed(_)));
            identities.push(kept.unwrap_or_else(|| Identity {
                principal: role.arn.clone(),
                account: Some(role.account.clone()),
                role: Some(role),
                state: IdentityState::Needed,
                credentials: None,
                expires_ms: None,
                issued_ms: 0.0,
                attempts: 0,
                retry_at_ms: 0.0,
                calling: false,
                listed: true,
            }));
        }
        // Calls on their way are forgotten (identities may have moved; their
        // answers are ignored) and asked again where still needed.
        self.identities = identities;
        self.in_flight.clear();
        for i in &mut self.identities {
            i.calling = false;
            if i.state == IdentityState::Calling {
                i.state = IdentityState::Needed;
            }
        }
    }

    /// Drops every credential (Forget): nothing more is signed.
    pub fn forget(&mut self) {
        // Call ids keep counting: a late answer to a call made with the
        // forgotten keys can never match a new call.
        *self = Broker {
            accounts: std::mem::take(&mut self.accounts),
            place: std::mem::take(&mut self.place),
            next_call: self.next_call,
            ..Broker::default()
        };
    }

    /// The credentials that sign STS calls.
    pub fn home_credentials(&self) -> &Credentials {
        &self.home
    }

    pub fn identities(&self) -> &[Identity] {
        &self.identities
    }

    pub fn identity(&self, principal: &str) -> Option<&Identity> {
        self.identities.iter().find(|i| i.principal == principal)
    }

    /// True when every identity is ready or failed and the home account
    /// lookup is over (answered or failed: one call per access key): the
    /// sources can be built. Waiting for that one call keeps it from racing
    /// the first ListBackups calls, whose arrival times the rate limit counts.
    pub fn settled(&self) -> bool {
        let key = &self.home.access_key_id;
        (self.accounts.contains_key(key) || self.unknown.contains(key))
            && self
                .identities
                .iter()
                .all(|i| matches!(i.state, IdentityState::Ready | IdentityState::Failed(_)))
    }

    /// Asks again for a failed identity (the user pressed Retry on one of its sources).
    pub fn retry(&mut self, principal: &str) -> bool {
        let Some(i) = self
            .identities
            .iter_mut()
            .find(|i| i.principal == principal && matches!(i.state, IdentityState::Failed(_)))
        else {
            return false;
        };
        i.state = IdentityState::Needed;
        i.attempts = 0;
        i.retry_at_ms = 0.0;
        true
    }

    /// Renews `principal` now (its credentials were refused as expired).
    pub fn renew_now(&mut self, principal: &str) -> bool {
        let Some(i) = self
            .identities
            .iter_mut()
            .find(|i| i.principal == principal && i.role.is_some())
        else {
            return false;
        };
        if i.state == IdentityState::Ready {
            i.expires_ms = Some(0.0);
            i.issued_ms = 0.0;
        }
        true
    }

    /// What to do next at wall time `wall_ms` (epoch ms).
    pub fn poll(&mut self, wall_ms: f64) -> BrokerAction {
        if self.home.access_key_id.is_empty() {
            return BrokerAction::Idle;
        }
        let key = self.home.access_key_id.clone();
        let lookup_needed = !self.accounts.contains_key(&key) && !self.unknown.contains(&key);
        let home_calling = self.identities.first().is_some_and(|i| i.calling);
        if self.in_flight.len() >= MAX_STS_IN_FLIGHT {
            // Every slot is taken: an answer frees one and polls again.
            return self.wake(wall_ms, true);
        }
        if lookup_needed && !home_calling {
            if let Some(home) = self.identities.first_mut() {
                if home.retry_at_ms <= wall_ms {
                    home.calling = true;
                    return self.send(0, GET_CALLER_IDENTITY_BODY.to_owned());
                }
            }
        }
        let due = self.identities.iter().position(|i| {
            i.role.is_some()
                && !i.calling
                && i.retry_at_ms <= wall_ms
                && match i.state {
                    IdentityState::Needed => true,
                    IdentityState::Ready => i.renew_at_ms().is_some_and(|t| t <= wall_ms),
                    _ => false,
                }
        });
        if let Some(n) = due {
            let i = &mut self.identities[n];
            i.calling = true;
            if i.state == IdentityState::Needed {
                i.state = IdentityState::Calling;
            }
            let Some(role) = &i.role else {
                return BrokerAction::Idle;
            };
            let body = assume_role_body(
                &role.arn,
                SESSION_NAME,
                SESSION_SECONDS,
                role.external_id.as_deref(),
            );
            return self.send(n, body);
        }
        self.wake(wall_ms, false)
    }

    fn send(&mut self, n: usize, body: String) -> BrokerAction {
        let id = self.next_call;
        self.next_call = self.next_call.wrapping_add(1);
        self.in_flight.insert(id, n);
        BrokerAction::Send(StsSend { id, body })
    }

    /// The next time something is due: a retry or a renewal. With every slot
    /// taken (`full`), what is due now waits for an answer, not a timer.
    fn wake(&self, now: f64, full: bool) -> BrokerAction {
        let next = self
            .identities
            .iter()
            .filter(|i| !i.calling)
            .filter_map(|i| match i.state {
                IdentityState::Needed => Some(i.retry_at_ms),
                IdentityState::Ready if i.role.is_some() => {
                    i.renew_at_ms().map(|t| t.max(i.retry_at_ms))
                }
                _ => None,
            })
            .filter(|&t| !full || t > now)
            .reduce(f64::min);
        match next {
            Some(t) => BrokerAction::WakeAt(t),
            None => BrokerAction::Idle,
        }
    }

    /// The answer to STS call `id` (`Err` with a network error when none came).
    /// `random` in `[0, 1)` jitters retries.
    pub fn handle(
        &mut self,
        id: u64,
        answer: Result<StsAnswer, StsError>,
        wall_ms: f64,
        random: f64,
    ) {
        let Some(n) = self.in_flight.remove(&id) else {
            return; // from an earlier configuration
        };
        let Some(identity) = self.identities.get_mut(n) else {
            return;
        };
        identity.calling = false;
        if identity.role.is_none() {
            // GetCallerIdentity for the home account.
            let key = self.home.access_key_id.clone();
            match answer.and_then(|a| parse_caller_identity(a.status, &a.body)) {
                Ok(who) => {
                    identity.account = Some(who.account.clone());
                    self.accounts.insert(key, who.account.clone());
                    self.events.push(BrokerEvent::HomeAccount(who.account));
                }
                // No STS there (a local emulator), or no answer: the account
                // comes from the first backup ARN; the listing does not wait longer.
                Err(_) => self.unknown.push(key),
            }
            return;
        }
        match answer.and_then(|a| parse_assume_role(a.status, &a.body)) {
            Ok(assumed) => {
                identity.state = IdentityState::Ready;
                identity.attempts = 0;
                identity.issued_ms = wall_ms;
                identity.expires_ms = Some(assumed.expiration_ms).filter(|t| t.is_finite());
                identity.credentials = Some(assumed.credentials.clone());
                self.events.push(BrokerEvent::Ready {
                    principal: identity.principal.clone(),
                    credentials: assumed.credentials,
                });
            }
            Err(e) if e.retryable() && identity.attempts + 1 < STS_ATTEMPTS => {
                identity.attempts += 1;
                identity.retry_at_ms = wall_ms + backoff_ms(identity.attempts, random);
                if identity.state == IdentityState::Calling {
                    identity.state = IdentityState::Needed;
                }
            }
            Err(e) => {
                let error = ApiError::new(
                    ErrorKind::Identity,
                    e.status,
                    Some(e.code.clone()),
                    e.sentence(Some(&identity.principal)),
                );
                identity.state = IdentityState::Failed(error.clone());
                identity.credentials = None;
                self.events.push(BrokerEvent::Failed {
                    principal: identity.principal.clone(),
                    error,
                });
            }
        }
    }

    /// Events since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<BrokerEvent> {
        std::mem::take(&mut self.events)
    }

    /// The sources of a listing: every listed identity × every region, in
    /// that order; each region comes with the endpoint its requests go to
    /// (its AWS endpoint, or the one custom endpoint). Failed identities give
    /// blocked sources, so their sentence shows per source and Retry works.
    pub fn sources(&self, regions: &[(String, Endpoint)], query: &Query) -> Vec<SourceSpec> {
        let mut out = Vec::new();
        // The home account reached through a role too is listed once (by the role).
        let home_account = self.identities.first().and_then(|h| h.account.clone());
        let duplicate = |i: &Identity| {
            i.role.is_none()
                && home_account.is_some()
                && self
                    .identities
                    .iter()
                    .any(|r| r.role.is_some() && r.account == home_account)
        };
        for i in self.identities.iter().filter(|i| i.listed && !duplicate(i)) {
            for (region, endpoint) in regions {
                let blocked = match &i.state {
                    IdentityState::Failed(e) => Some(e.clone()),
                    IdentityState::Ready => None,
                    _ => Some(ApiError::new(
                        ErrorKind::Identity,
                        0,
                        None,
                        format!("Waiting for credentials of {}.", i.principal),
                    )),
                };
                let account = i.account.clone();
                out.push(SourceSpec {
                    target: Target {
                        endpoint: endpoint.clone(),
                        region: region.clone(),
                        principal: i.principal.clone(),
                        credentials: i.credentials.clone().unwrap_or_default(),
                    },
                    query: query.clone(),
                    label: source_key(account.as_deref(), region),
                    account,
                    blocked,
                });
            }
        }
        out
    }
}

/// `<account id>/<region>`, `unknown/<region>` until the account is known.
pub fn source_key(account: Option<&str>, region: &str) -> String {
    format!("{}/{region}", account.unwrap_or("unknown"))
}

/// The sentence for a source's error, told apart from the same error elsewhere:
/// a role's credentials come from STS, so an unrecognised token in one region
/// means that region is not enabled for the account.
pub fn source_sentence(
    error: &ApiError,
    account: Option<&str>,
    region: &str,
    many_regions: bool,
    role: bool,
) -> String {
    match error.kind {
        ErrorKind::UnrecognizedClient if role || many_regions => format!(
            "AWS did not recognise the credentials in {region}: the region is probably not enabled for account {} \
             (opt-in regions are enabled in the account's settings).",
            account.unwrap_or("of these credentials")
        ),
        ErrorKind::AccessDenied if role => format!(
            "Access denied in account {}: the role's policy must allow dynamodb:ListBackups.",
            account.unwrap_or("unknown")
        ),
        ErrorKind::ExpiredToken if role => {
            "The role's temporary credentials expired and could not be renewed: press Retry.".into()
        }
        _ => error.user_message(),
    }
}

/// Full-jitter backoff for STS retries: up to 0.5 s, 1 s, 2 s, …
fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let cap = 500.0 * f64::from(1u32 << attempt.min(5));
    cap * 0.5 + cap * 0.5 * random.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::roles::parse_roles;
    use crate::core::time::format_iso;

    const T0: f64 = 1_767_225_600_000.0;

    fn home() -> Credentials {
        Credentials::new("ASIAHOMEHOMEHOME0001", "homesecret", "hometoken").unwrap()
    }

    fn assumed(key: &str, expires_ms: f64) -> StsAnswer {
        StsAnswer {
            status: 200,
            body: format!(
                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
                 <AssumedRoleUser><AssumedRoleId>AROA:backup-lens</AssumedRoleId>\
                 <Arn>arn:aws:sts::111122223333:assumed-role/R/backup-lens</Arn></AssumedRoleUser>\
                 <Credentials><AccessKeyId>{key}</AccessKeyId><SecretAccessKey>s-{key}</SecretAccessKey>\
                 <SessionToken>t-{key}</SessionToken><Expiration>{}</Expiration></Credentials>\
                 </AssumeRoleResult></AssumeRoleResponse>",
                format_iso(expires_ms / 1000.0)
            ),
        }
    }

    fn caller(account: &str) -> StsAnswer {
        StsAnswer {
            status: 200,
            body: format!(
                "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::{account}:assumed-role/x/y</Arn>\
                 <UserId>AROA:y</UserId><Account>{account}</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
            ),
        }
    }

    fn denied() -> StsAnswer {
        StsAnswer {
            status: 403,
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                   <Message>User: x is not authorized to perform: sts:AssumeRole</Message></Error></ErrorResponse>"
                .into(),
        }
    }

    fn throttled() -> StsAnswer {
        StsAnswer {
            status: 400,
            body: "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>".into(),
        }
    }

    /// Polls until the broker waits, returning the sends.
    fn sends(b: &mut Broker, now: f64) -> (Vec<StsSend>, BrokerAction) {
        let mut out = Vec::new();
        loop {
            match b.poll(now) {
                BrokerAction::Send(s) => out.push(s),
                other => return (out, other),
            }
        }
    }

    fn roles(text: &str) -> Vec<RoleSpec> {
        parse_roles(text, "BackupLensViewer", "lens-ext-1").unwrap()
    }

    #[test]
    fn asks_caller_identity_once_and_assumes_each_role_with_the_session_name() {
        let mut b = Broker::default();
        b.configure(
            "aws us-east-1",
            home(),
            true,
            roles("111122223333\n444455556666"),
        );
        assert!(!b.settled(), "roles not assumed yet");
        let (calls, _) = sends(&mut b, T0);
        assert_eq!(calls.len(), 3);
        assert_eq!(calls[0].body, GET_CALLER_IDENTITY_BODY);
        for (call, account) in calls[1..].iter().zip(["111122223333", "444455556666"]) {
            assert!(call.body.contains("Action=AssumeRole"), "{}", call.body);
            assert!(call.body.contains(&format!(
                "arn%3Aaws%3Aiam%3A%3A{account}%3Arole%2FBackupLensViewer"
            )));
            assert!(call
                .body
                .contains("RoleSessionName=backup-lens&DurationSeconds=3600"));
            assert!(call.body.contains("ExternalId=lens-ext-1"));
        }
        b.handle(calls[0].id, Ok(caller("123456789012")), T0 + 50.0, 0.5);
        b.handle(
            calls[1].id,
            Ok(assumed("ASIAROLE1ROLE1ROLE1", T0 + 3_600_000.0)),
            T0 + 60.0,
            0.5,
        );
        b.handle(
            calls[2].id,
            Ok(assumed("ASIAROLE2ROLE2ROLE2", T0 + 3_600_000.0)),
            T0 + 70.0,
            0.5,
        );
        assert!(b.settled());
        let events = b.take_events();
        assert_eq!(events[0], BrokerEvent::HomeAccount("123456789012".into()));
        assert!(
            matches!(&events[1], BrokerEvent::Ready { credentials, .. } if credentials.access_key_id == "ASIAROLE1ROLE1ROLE1")
        );
        // Load more with the same form: nothing is asked again.
        b.configure(
            "aws us-east-1",
            home(),
            true,
            roles("111122223333\n444455556666"),
        );
        assert!(b.settled());
        let (again, next) = sends(&mut b, T0 + 1000.0);
        assert!(
            again.is_empty(),
            "no second GetCallerIdentity or AssumeRole"
        );
        // The next thing due is the renewal, 5 minutes before expiry.
        assert_eq!(next, BrokerAction::WakeAt(T0 + 3_600_000.0 - 300_000.0));
    }

    #[test]
    fn renews_before_expiry_even_when_the_session_is_shorter_than_asked() {
        let mut b = Broker::default();
        b.configure("aws us-east-1", home(), false, roles("111122223333"));
        let (calls, _) = sends(&mut b, T0);
        b.handle(calls[0].id, Ok(caller("123456789012")), T0, 0.0);
        // STS gave 15 minutes, not the hour asked for: renew a third of it early.
        b.handle(
            calls[1].id,
            Ok(assumed("ASIAFIRSTFIRSTFIRST", T0 + 900_000.0)),
            T0,
            0.0,
        );
        b.take_events();
        let (none, wake) = sends(&mut b, T0 + 1000.0);
        assert!(none.is_empty());
        assert_eq!(wake, BrokerAction::WakeAt(T0 + 600_000.0));
        let (renewal, _) = sends(&mut b, T0 + 600_000.0);
        assert_eq!(renewal.len(), 1);
        // While renewing, the old credentials still sign.
        assert_eq!(
            b.identity(&roles("111122223333")[0].arn)
                .unwrap()
                .credentials()
                .unwrap()
                .access_key_id,
            "ASIAFIRSTFIRSTFIRST"
        );
        b.handle(
            renewal[0].id,
            Ok(assumed("ASIASECONDSECONDSEC", T0 + 1_500_000.0)),
            T0 + 600_100.0,
            0.0,
        );
        assert!(
            matches!(&b.take_events()[..], [BrokerEvent::Ready { credentials, .. }] if credentials.access_key_id == "ASIASECONDSECONDSEC")
        );
    }

    #[test]
    fn a_denied_role_fails_alone_with_a_sentence_and_can_be_retried() {
        let mut b = Broker::default();
        let rs = roles("111122223333\n777788889999");
        b.configure("aws us-east-1", home(), true, rs.clone());
        let (calls, _) = sends(&mut b, T0);
        b.handle(
            calls[0].id,
            Err(StsError::network("Failed to fetch")),
            T0,
            0.0,
        );
        b.handle(
            calls[1].id,
            Ok(assumed("ASIAOKOKOKOKOKOKOK", T0 + 3_600_000.0)),
            T0,
            0.0,
        );
        b.handle(calls[2].id, Ok(denied()), T0, 0.0);
        assert!(b.settled());
        let events = b.take_events();
        let failed = events.iter().find_map(|e| match e {
            BrokerEvent::Failed { principal, error } => Some((principal.clone(), error.clone())),
            _ => None,
        });
        let (principal, error) = failed.expect("a failure event");
        assert_eq!(principal, rs[1].arn);
        assert_eq!(error.kind, ErrorKind::Identity);
        assert!(
            error.user_message().contains(&rs[1].arn),
            "{}",
            error.user_message()
        );
        assert!(!error.user_message().contains("homesecret"));
        // Its sources are blocked with that sentence; the others sign with their role.
        let east = Endpoint::parse("https://dynamodb.us-east-1.amazonaws.com").unwrap();
        let specs = b.sources(&[("us-east-1".into(), east)], &Query::default());
        assert_eq!(specs.len(), 3, "home + two roles, one region");
        assert_eq!(specs[0].target.principal, HOME);
        assert_eq!(
            specs[0].account, None,
            "no STS answered: read from the first backup ARN"
        );
        assert_eq!(specs[1].account.as_deref(), Some("111122223333"));
        assert_eq!(
            specs[1].target.credentials.access_key_id,
            "ASIAOKOKOKOKOKOKOK"
        );
        assert!(specs[2].blocked.is_some());
        assert_eq!(specs[2].label, "777788889999/us-east-1");
        // Retry asks again, once.
        assert!(b.retry(&rs[1].arn));
        assert!(!b.settled());
        let (again, _) = sends(&mut b, T0 + 10.0);
        assert_eq!(again.len(), 1);
        assert!(again[0].body.contains("777788889999"));
    }

    #[test]
    fn throttling_is_retried_with_backoff_then_fails() {
        let mut b = Broker::default();
        b.configure("aws us-east-1", home(), true, roles("111122223333"));
        let (calls, _) = sends(&mut b, T0);
        b.handle(calls[0].id, Ok(caller("123456789012")), T0, 0.0);
        let mut now = T0;
        let mut id = calls[1].id;
        for attempt in 1..STS_ATTEMPTS {
            b.handle(id, Ok(throttled()), now, 1.0);
            let (none, wake) = sends(&mut b, now);
            assert!(none.is_empty(), "waits before attempt {attempt}");
            let BrokerAction::WakeAt(t) = wake else {
                panic!("no wake time")
            };
            assert!(t > now);
            now = t;
            let (retry, _) = sends(&mut b, now);
            assert_eq!(retry.len(), 1);
            id = retry[0].id;
        }
        b.handle(id, Ok(throttled()), now, 0.0);
        assert!(b.settled());
        assert!(matches!(
            b.take_events().last(),
            Some(BrokerEvent::Failed { .. })
        ));
    }

    #[test]
    fn new_home_credentials_start_afresh_and_forget_drops_everything() {
        let mut b = Broker::default();
        b.configure("aws us-east-1", home(), true, roles("111122223333"));
        let (calls, _) = sends(&mut b, T0);
        b.handle(
            calls[1].id,
            Ok(assumed("ASIAOLDOLDOLDOLDOLD", T0 + 3_600_000.0)),
            T0,
            0.0,
        );
        assert_eq!(b.take_events().len(), 1);
        let other = Credentials::new("ASIAOTHEROTHER000002", "s2", "t2").unwrap();
        b.configure("aws us-east-1", other, true, roles("111122223333"));
        assert!(
            !b.settled(),
            "a role assumed with other credentials is assumed again"
        );
        let (again, _) = sends(&mut b, T0);
        assert_eq!(
            again.len(),
            2,
            "GetCallerIdentity for the new key, AssumeRole again"
        );
        // An answer for the earlier configuration is ignored.
        b.handle(calls[0].id, Ok(caller("999999999999")), T0, 0.0);
        assert!(b.take_events().is_empty());
        b.forget();
        assert!(b.home_credentials().access_key_id.is_empty());
        assert!(b.identities().is_empty());
        assert_eq!(b.poll(T0), BrokerAction::Idle);
    }

    #[test]
    fn sessions_never_follow_a_change_of_endpoint_and_the_home_account_is_listed_once() {
        let mut b = Broker::default();
        b.configure(
            "aws us-east-1",
            home(),
            true,
            roles("123456789012\n111122223333"),
        );
        let (calls, _) = sends(&mut b, T0);
        b.handle(calls[0].id, Ok(caller("123456789012")), T0, 0.0);
        b.handle(
            calls[1].id,
            Ok(assumed("ASIAHOMEROLEROLE0001", T0 + 3_600_000.0)),
            T0,
            0.0,
        );
        b.handle(
            calls[2].id,
            Ok(assumed("ASIAMEMBERROLEROLE01", T0 + 3_600_000.0)),
            T0,
            0.0,
        );
        let east = Endpoint::parse("https://dynamodb.us-east-1.amazonaws.com").unwrap();
        let specs = b.sources(&[("us-east-1".into(), east)], &Query::default());
        assert_eq!(
            specs.len(),
            2,
            "the home account, reached through its role too, once"
        );
        assert!(specs.iter().all(|s| s.target.principal != HOME));
        // The same keys pointed at another endpoint: nothing assumed for AWS is reused there.
        b.configure(
            "http://127.0.0.1:8765 us-east-1",
            home(),
            true,
            roles("111122223333"),
        );
        assert!(!b.settled());
        let (again, _) = sends(&mut b, T0 + 1.0);
        assert_eq!(
            again.len(),
            2,
            "GetCallerIdentity and AssumeRole again at the new place"
        );
        assert!(b.identities().iter().all(|i| i
            .credentials()
            .is_none_or(|c| c.access_key_id == "ASIAHOMEHOMEHOME0001")));
    }

    #[test]
    fn a_role_source_names_a_disabled_region_rather_than_a_bad_key() {
        let e = ApiError::new(
            ErrorKind::UnrecognizedClient,
            400,
            None,
            "The security token included in the request is invalid.",
        );
        let s = source_sentence(&e, Some("444455556666"), "eu-south-2", true, true);
        assert!(
            s.contains("eu-south-2") && s.contains("not enabled") && s.contains("444455556666"),
            "{s}"
        );
        // One region, pasted credentials: a wrong key is the likelier cause.
        assert_eq!(
            source_sentence(&e, None, "us-east-1", false, false),
            e.user_message()
        );
    }
}
