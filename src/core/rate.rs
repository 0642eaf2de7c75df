//! The client-side rate gate: ListBackups allows 5 calls per second per account
//! and region. Time is passed in (milliseconds), so it is tested without a clock.

use std::collections::VecDeque;

/// DynamoDB's documented ListBackups limit.
pub const CALLS_PER_WINDOW: usize = 5;
/// The window the gate enforces. Longer than one second on purpose: the
/// server counts arrivals, and network jitter can bring two starts that were
/// 1000 ms apart closer together on arrival. 100 ms of margin: 40 ms (1.04×
/// the limit's bound on a long Load all) let a loaded two-core machine's
/// backend count six calls in a second now and then; 100 ms never did.
pub const WINDOW_MS: f64 = 1100.0;

/// Never lets more than `limit` calls start within any `window_ms`.
#[derive(Clone, Debug, PartialEq)]
pub struct RateGate {
    limit: usize,
    window_ms: f64,
    starts: VecDeque<f64>,
}

impl Default for RateGate {
    fn default() -> Self {
        RateGate::new(CALLS_PER_WINDOW, WINDOW_MS)
    }
}

impl RateGate {
    pub fn new(limit: usize, window_ms: f64) -> Self {
        RateGate {
            limit: limit.max(1),
            window_ms,
            starts: VecDeque::new(),
        }
    }

    /// How long to wait from `now_ms` before the next call may start (0 = now).
    pub fn wait_ms(&self, now_ms: f64) -> f64 {
        if self.starts.len() < self.limit {
            return 0.0;
        }
        // The oldest of the last `limit` starts must leave the window first.
        let oldest = self.starts[self.starts.len() - self.limit];
        (oldest + self.window_ms - now_ms).max(0.0)
    }

    /// Records a call started at `now_ms`. Call only when [`Self::wait_ms`] is 0.
    pub fn record(&mut self, now_ms: f64) {
        self.starts.push_back(now_ms);
        while self.starts.len() > self.limit {
            self.starts.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_five_go_at_once_then_the_sixth_waits() {
        let mut g = RateGate::new(5, 1000.0);
        for i in 0..5 {
            assert_eq!(g.wait_ms(i as f64), 0.0);
            g.record(i as f64);
        }
        assert_eq!(g.wait_ms(10.0), 990.0);
        assert_eq!(g.wait_ms(1000.0), 0.0);
    }

    #[test]
    fn greedy_caller_never_exceeds_limit_in_any_window() {
        let mut g = RateGate::default();
        let mut now = 0.0;
        let mut starts = Vec::new();
        // A caller that starts as soon as allowed, with uneven call durations.
        for i in 0..200 {
            now += g.wait_ms(now);
            g.record(now);
            starts.push(now);
            now += [3.0, 40.0, 0.0, 250.0, 1.0][i % 5];
        }
        for (i, &t) in starts.iter().enumerate() {
            let in_window = starts[i..].iter().take_while(|&&s| s < t + 1000.0).count();
            assert!(in_window <= 5, "{in_window} starts in the second after {t}");
        }
        // And it runs close to the limit: 200 calls need at least 39 windows.
        let total_s = starts.last().unwrap() / 1000.0;
        assert!(total_s < 200.0 / 5.0 * 1.15, "too slow: {total_s}");
    }
}
