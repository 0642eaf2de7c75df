//! What to do after a failed call: retry after a pause, correct the clock and
//! retry once, or stop. A pure state machine: the caller passes the error, a
//! random number in `[0, 1)` and the local time; nothing here sleeps or reads a clock.

use super::error::{ApiError, ErrorKind};

/// Capped exponential backoff with full jitter, as the AWS SDKs do.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Calls per page, the first included.
    pub max_attempts: u32,
    /// Base delay for server and network errors, milliseconds.
    pub base_ms: f64,
    /// Base delay for throttling, milliseconds (longer: the service asked us to slow down).
    pub throttle_base_ms: f64,
    /// No single pause is longer than this.
    pub cap_ms: f64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_ms: 250.0,
            throttle_base_ms: 500.0,
            cap_ms: 20_000.0,
        }
    }
}

/// The decision after one failure.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Send the same page again (same cursor, signed anew) after this pause.
    Retry { after_ms: f64, why: String },
    /// The clock is off: adopt this offset (server minus local, ms), re-sign, retry now.
    CorrectClock { offset_ms: f64 },
    /// Stop and show the error; the rows and the cursor stay.
    Stop,
}

/// The attempts at one page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attempts {
    failures: u32,
    clock_corrected: bool,
}

impl Attempts {
    pub fn new() -> Self {
        Attempts::default()
    }

    /// Failures so far at this page.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Decides what follows `error`. `random` is uniform in `[0, 1)`; `local_now_ms`
    /// is the browser's clock *without* any correction, for computing the offset.
    pub fn after(
        &mut self,
        policy: &RetryPolicy,
        error: &ApiError,
        random: f64,
        local_now_ms: f64,
    ) -> Decision {
        self.failures += 1;
        if let ErrorKind::ClockSkew { server_time } = error.kind {
            // One correction per page: if the corrected clock is still refused, stop.
            return match server_time {
                Some(server_s) if !self.clock_corrected => {
                    self.clock_corrected = true;
                    Decision::CorrectClock {
                        offset_ms: server_s as f64 * 1000.0 - local_now_ms,
                    }
                }
                _ => Decision::Stop,
            };
        }
        if !error.retryable() || self.failures >= policy.max_attempts {
            return Decision::Stop;
        }
        let base = if error.kind == ErrorKind::Throttled {
            policy.throttle_base_ms
        } else {
            policy.base_ms
        };
        let ceiling = (base * 2f64.powi(self.failures as i32 - 1)).min(policy.cap_ms);
        let after_ms = random.clamp(0.0, 1.0) * ceiling;
        let why = match error.kind {
            ErrorKind::Throttled => "DynamoDB is throttling".to_owned(),
            ErrorKind::Transient if error.status == 0 => "the network failed".to_owned(),
            _ => format!("the endpoint answered HTTP {}", error.status),
        };
        Decision::Retry {
            after_ms,
            why: format!(
                "{why}; retrying the same page (attempt {} of {})",
                self.failures + 1,
                policy.max_attempts
            ),
        }
    }
}

/// A readable clock offset: "3 h 0 min ahead".
pub fn describe_offset(offset_ms: f64) -> String {
    let secs = (offset_ms / 1000.0).round() as i64;
    let ahead = secs < 0; // server behind us: our clock is ahead
    let s = secs.unsigned_abs();
    // The server's Date has whole seconds and the answer takes time to arrive:
    // above a minute, show the nearest minute (10,799.6 s is "3 h 0 min").
    let minutes = (s + 30) / 60;
    let text = if minutes >= 60 {
        format!("{} h {} min", minutes / 60, minutes % 60)
    } else if s >= 60 {
        format!("{minutes} min")
    } else {
        format!("{s} s")
    };
    format!("{text} {}", if ahead { "ahead" } else { "behind" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ErrorKind, status: u16) -> ApiError {
        ApiError::new(kind, status, None, "")
    }

    #[test]
    fn backoff_is_capped_exponential_with_full_jitter() {
        let p = RetryPolicy::default();
        let mut a = Attempts::new();
        let mut ceilings = Vec::new();
        for _ in 0..5 {
            match a.after(&p, &err(ErrorKind::ServerError, 500), 0.999_999, 0.0) {
                Decision::Retry { after_ms, .. } => ceilings.push(after_ms.round()),
                d => panic!("{d:?}"),
            }
        }
        assert_eq!(ceilings, [250.0, 500.0, 1000.0, 2000.0, 4000.0]);
        assert_eq!(
            a.after(&p, &err(ErrorKind::ServerError, 500), 0.5, 0.0),
            Decision::Stop,
            "bounded attempts"
        );
        let mut a = Attempts::new();
        match a.after(&p, &err(ErrorKind::Throttled, 400), 0.0, 0.0) {
            Decision::Retry { after_ms, why } => {
                assert_eq!(after_ms, 0.0, "full jitter reaches zero");
                assert!(why.contains("throttling"));
            }
            d => panic!("{d:?}"),
        }
        let tight = RetryPolicy {
            max_attempts: 50,
            ..p
        };
        let mut a = Attempts::new();
        let mut last = Decision::Stop;
        for _ in 0..40 {
            last = a.after(&tight, &err(ErrorKind::Transient, 0), 1.0, 0.0);
        }
        assert_eq!(
            last,
            Decision::Retry {
                after_ms: 20_000.0,
                why: "the network failed; retrying the same page (attempt 41 of 50)".into()
            }
        );
    }

    #[test]
    fn permanent_errors_stop_at_once() {
        let p = RetryPolicy::default();
        for kind in [
            ErrorKind::Validation,
            ErrorKind::ExpiredToken,
            ErrorKind::AccessDenied,
            ErrorKind::InvalidSignature,
            ErrorKind::UnrecognizedClient,
            ErrorKind::NotDynamoDb,
            ErrorKind::UnknownOperation,
        ] {
            assert_eq!(
                Attempts::new().after(&p, &err(kind.clone(), 400), 0.5, 0.0),
                Decision::Stop,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn clock_skew_is_corrected_once() {
        let p = RetryPolicy::default();
        let mut a = Attempts::new();
        let skew = err(
            ErrorKind::ClockSkew {
                server_time: Some(10_000),
            },
            400,
        );
        // Local clock 2 h ahead of the server.
        let local = 10_000_000.0 + 7_200_000.0;
        assert_eq!(
            a.after(&p, &skew, 0.5, local),
            Decision::CorrectClock {
                offset_ms: -7_200_000.0
            }
        );
        assert_eq!(
            a.after(&p, &skew, 0.5, local),
            Decision::Stop,
            "a second skew error stops"
        );
        let unknown = err(ErrorKind::ClockSkew { server_time: None }, 400);
        assert_eq!(
            Attempts::new().after(&p, &unknown, 0.5, 0.0),
            Decision::Stop
        );
        assert_eq!(describe_offset(-7_200_000.0), "2 h 0 min ahead");
        assert_eq!(describe_offset(10_800_000.0), "3 h 0 min behind");
        assert_eq!(describe_offset(90_000.0), "2 min behind");
        assert_eq!(describe_offset(80_000.0), "1 min behind");
        // A Date header read a moment late: the nearest minute, not the floor.
        assert_eq!(describe_offset(10_799_400.0), "3 h 0 min behind");
        assert_eq!(describe_offset(-7_199_100.0), "2 h 0 min ahead");
        assert_eq!(describe_offset(10_769_000.0), "2 h 59 min behind");
        assert_eq!(describe_offset(3_570_000.0), "1 h 0 min behind");
        assert_eq!(describe_offset(59_000.0), "59 s behind");
    }
}
