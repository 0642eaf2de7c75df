//! Chart math: aggregation of the visible rows, bins, nice ticks, and the
//! projection to SVG coordinates (y flipped here and nowhere else). The view
//! only draws what these functions return.

use super::format::{grouped, human_size};
use super::hash::FastMap;
use super::response::BackupSummary;
use super::rows::Row;
use super::view::{account_of, cmp_text, region_of, Filter, RowsKey, DAY, NONE_LABEL};

/// Bytes and backups of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableStorage {
    pub table: String,
    pub bytes: u64,
    pub count: usize,
}

/// What the storage chart groups by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StorageGroup {
    #[default]
    Table,
    Account,
    Region,
}

impl StorageGroup {
    pub const ALL: [StorageGroup; 3] = [
        StorageGroup::Table,
        StorageGroup::Account,
        StorageGroup::Region,
    ];

    /// The name in `data-group` and the chart's title ("Storage by table").
    pub fn id(self) -> &'static str {
        match self {
            StorageGroup::Table => "table",
            StorageGroup::Account => "account",
            StorageGroup::Region => "region",
        }
    }

    /// The group a backup falls in.
    pub fn of(self, s: &BackupSummary) -> &str {
        match self {
            StorageGroup::Table => s.table_name.as_deref(),
            StorageGroup::Account => account_of(s),
            StorageGroup::Region => region_of(s),
        }
        .unwrap_or(NONE_LABEL)
    }

    /// True when the filter shows exactly `value` of this group (its bar is pressed).
    pub fn is_only(self, f: &Filter, value: &str) -> bool {
        let set = match self {
            StorageGroup::Table => &f.tables,
            StorageGroup::Account => &f.accounts,
            StorageGroup::Region => &f.regions,
        };
        set.len() == 1 && set.contains(value)
    }

    /// A bar's click: only this value, or all again.
    pub fn toggle(self, f: &mut Filter, value: &str) {
        let set = match self {
            StorageGroup::Table => &mut f.tables,
            StorageGroup::Account => &mut f.accounts,
            StorageGroup::Region => &mut f.regions,
        };
        Filter::toggle_only(set, value);
    }
}

/// Storage by table over `visible`, largest first (ties by name).
pub fn storage_by_table(rows: &[Row], visible: &[u32]) -> Vec<TableStorage> {
    storage_by(rows, visible, StorageGroup::Table)
}

/// Storage by `group` over `visible`, largest first (ties by name).
pub fn storage_by(rows: &[Row], visible: &[u32], group: StorageGroup) -> Vec<TableStorage> {
    let mut by: FastMap<&str, (u64, usize)> = FastMap::default();
    for &i in visible {
        let Some(r) = rows.get(i as usize) else {
            continue;
        };
        let e = by.entry(group.of(&r.summary)).or_default();
        e.0 = e.0.saturating_add(r.summary.backup_size_bytes.unwrap_or(0));
        e.1 += 1;
    }
    let mut out: Vec<TableStorage> = by
        .into_iter()
        .map(|(t, (bytes, count))| TableStorage {
            table: t.to_owned(),
            bytes,
            count,
        })
        .collect();
    sort_storage(&mut out);
    out
}

/// Largest first, ties by name.
fn sort_storage(out: &mut [TableStorage]) {
    crate::core::sort::by(out, |a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| cmp_text(&a.table, &b.table))
    });
}

/// One bin of the size histogram: sizes in `[lo, hi)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SizeBin {
    pub lo: u64,
    pub hi: u64,
    pub count: usize,
}

impl SizeBin {
    pub fn label(&self) -> String {
        if self.hi == 1 {
            "0 B".into()
        } else {
            format!("{} – {}", short_size(self.lo), short_size(self.hi))
        }
    }
}

/// Bin edges grow by this factor: two bins per binary unit (1 KiB, 32 KiB, 1 MiB, …).
pub const BIN_FACTOR: u64 = 32;

/// Log-scale histogram of sizes over `visible`: `[0,1)`, `[1,32)`, `[32,1024)`, …,
/// from the smallest to the largest non-empty bin (empty bins between kept).
/// Rows without a size are counted in the second value.
pub fn size_histogram(rows: &[Row], visible: &[u32]) -> (Vec<SizeBin>, usize) {
    let mut counts: Vec<usize> = Vec::new();
    let mut missing = 0;
    for &i in visible {
        let Some(r) = rows.get(i as usize) else {
            continue;
        };
        match r.summary.backup_size_bytes {
            Some(b) => {
                let k = bin_index(b);
                if counts.len() <= k {
                    counts.resize(k + 1, 0);
                }
                counts[k] += 1;
            }
            None => missing += 1,
        }
    }
    (bins_from_counts(&counts), missing)
}

/// Bins from the first non-empty one to the last (empty ones between included).
fn bins_from_counts(counts: &[usize]) -> Vec<SizeBin> {
    let Some(first) = counts.iter().position(|&c| c > 0) else {
        return Vec::new();
    };
    counts
        .iter()
        .enumerate()
        .skip(first)
        .map(|(k, &count)| {
            let (lo, hi) = bin_bounds(k);
            SizeBin { lo, hi, count }
        })
        .collect()
}

/// Which bin a size falls in: 0 for 0 bytes, then k for `[32^(k-1), 32^k)`.
pub fn bin_index(bytes: u64) -> usize {
    // 32 = 2^5: bin k holds the sizes of 5(k-1)+1 ..= 5k significant bits.
    let bits = 64 - bytes.leading_zeros() as usize;
    bits.div_ceil(5)
}

/// `[lo, hi)` of bin `k` (the last bin's `hi` saturates at `u64::MAX`).
pub fn bin_bounds(k: usize) -> (u64, u64) {
    if k == 0 {
        return (0, 1);
    }
    let pow = |e: usize| -> u64 {
        (0..e)
            .try_fold(1u64, |acc, _| acc.checked_mul(BIN_FACTOR))
            .unwrap_or(u64::MAX)
    };
    (pow(k - 1), pow(k))
}

/// "1 KiB" rather than "1.00 KiB" for bin edges and ticks.
pub fn short_size(bytes: u64) -> String {
    let s = human_size(bytes);
    s.replace(".00 ", " ").replace(".0 ", " ")
}

/// One day of the expiry timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpiryDay {
    /// Days since the epoch (UTC).
    pub day: i64,
    pub count: usize,
    pub bytes: u64,
}

/// The next `days` days of expiries from `now`, plus what falls outside.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExpiryTimeline {
    /// One entry per day, today first, including days with nothing.
    pub days: Vec<ExpiryDay>,
    /// Backups with no expiry (USER backups do not expire).
    pub no_expiry: usize,
    /// Expiry already past.
    pub expired: usize,
    /// Expiry after the last day shown.
    pub later: usize,
}

pub fn expiry_timeline(rows: &[Row], visible: &[u32], now: i64, days: usize) -> ExpiryTimeline {
    let mut t = empty_timeline(now, days);
    for &i in visible {
        if let Some(r) = rows.get(i as usize) {
            add_expiry(&mut t, r, now);
        }
    }
    t
}

/// `days` empty days from today.
fn empty_timeline(now: i64, days: usize) -> ExpiryTimeline {
    let today = now.div_euclid(DAY);
    ExpiryTimeline {
        days: (0..days)
            .map(|d| ExpiryDay {
                day: today + d as i64,
                count: 0,
                bytes: 0,
            })
            .collect(),
        ..Default::default()
    }
}

/// Counts one row into the timeline.
fn add_expiry(t: &mut ExpiryTimeline, r: &Row, now: i64) {
    let Some(e) = r.summary.backup_expiry_date_time else {
        t.no_expiry += 1;
        return;
    };
    if e < now as f64 {
        t.expired += 1;
        return;
    }
    let today = now.div_euclid(DAY);
    let offset = (e.floor() as i64).div_euclid(DAY) - today;
    match t
        .days
        .get_mut(usize::try_from(offset).unwrap_or(usize::MAX))
    {
        Some(d) => {
            d.count += 1;
            d.bytes = d
                .bytes
                .saturating_add(r.summary.backup_size_bytes.unwrap_or(0));
        }
        None => t.later += 1,
    }
}

/// The three charts' numbers over the visible rows, kept up to date as pages
/// arrive: when only rows were appended (same listing, filter and minute), the
/// new rows that pass the filter are added, so a page costs work in proportion
/// to the page, not to the rows loaded. Anything else rebuilds from the
/// visible rows. Either way the result equals [`storage_by_table`],
/// [`size_histogram`] and [`expiry_timeline`] over the visible rows.
#[derive(Clone, Debug, Default)]
pub struct ChartTotals {
    key: Option<(u64, u64, Filter, i64)>,
    /// What the storage totals are grouped by.
    group: StorageGroup,
    seen: usize,
    storage: FastMap<String, (u64, usize)>,
    bins: Vec<usize>,
    missing_size: usize,
    expiry: ExpiryTimeline,
}

/// What the charts draw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChartData {
    pub storage: Vec<TableStorage>,
    pub sizes: (Vec<SizeBin>, usize),
    pub expiry: ExpiryTimeline,
}

impl ChartTotals {
    /// Groups the storage totals by `group` from the next update on.
    pub fn set_group(&mut self, group: StorageGroup) {
        if self.group != group {
            self.group = group;
            self.key = None;
        }
    }

    /// Brings the totals to `rows` (identified by `key`) under `filter` at `now`;
    /// `visible` is the visible set, read only when the totals must be rebuilt.
    pub fn update(
        &mut self,
        rows: &[Row],
        key: RowsKey,
        filter: &Filter,
        now: i64,
        days: usize,
        visible: &[u32],
    ) -> ChartData {
        let k = Some((key.generation, key.revision, filter.clone(), now));
        if k == self.key && rows.len() >= self.seen {
            for r in &rows[self.seen..] {
                if filter.matches(r, now) {
                    self.add(r, now);
                }
            }
        } else {
            *self = ChartTotals {
                key: k,
                group: self.group,
                expiry: empty_timeline(now, days),
                ..ChartTotals::default()
            };
            for &i in visible {
                if let Some(r) = rows.get(i as usize) {
                    self.add(r, now);
                }
            }
        }
        self.seen = rows.len();
        self.data()
    }

    fn add(&mut self, r: &Row, now: i64) {
        let s = &r.summary;
        let table = self.group.of(s);
        let size = s.backup_size_bytes.unwrap_or(0);
        match self.storage.get_mut(table) {
            Some(e) => {
                e.0 = e.0.saturating_add(size);
                e.1 += 1;
            }
            None => {
                self.storage.insert(table.to_owned(), (size, 1));
            }
        }
        match s.backup_size_bytes {
            Some(b) => {
                let k = bin_index(b);
                if self.bins.len() <= k {
                    self.bins.resize(k + 1, 0);
                }
                self.bins[k] += 1;
            }
            None => self.missing_size += 1,
        }
        add_expiry(&mut self.expiry, r, now);
    }

    fn data(&self) -> ChartData {
        let mut storage: Vec<TableStorage> = self
            .storage
            .iter()
            .map(|(t, &(bytes, count))| TableStorage {
                table: t.clone(),
                bytes,
                count,
            })
            .collect();
        sort_storage(&mut storage);
        ChartData {
            storage,
            sizes: (bins_from_counts(&self.bins), self.missing_size),
            expiry: self.expiry.clone(),
        }
    }
}

/// What a chart's value axis measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// Backups: ticks at whole numbers, labelled "1,200".
    Count,
    /// Bytes: ticks at powers of 1024 multiples, labelled "2 GiB".
    Bytes,
}

/// A value axis: its ticks (value, label) and its top (at least 1, never below the largest value).
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    pub ticks: Vec<(f64, String)>,
    pub max: f64,
}

/// The axis for values up to `max`, about four ticks: the one place the
/// charts' ticks and their labels are decided.
pub fn axis(max: u64, measure: Measure) -> Axis {
    let ticks: Vec<(f64, String)> = match measure {
        Measure::Count => count_ticks(usize::try_from(max).unwrap_or(usize::MAX), 4)
            .into_iter()
            .map(|v| (v as f64, grouped(v as u64)))
            .collect(),
        Measure::Bytes => byte_ticks(max, 4)
            .into_iter()
            .map(|v| (v as f64, short_size(v)))
            .collect(),
    };
    let top = ticks.last().map_or(0.0, |t| t.0).max(max as f64).max(1.0);
    Axis { ticks, max: top }
}

/// A bar's name on a chart: at most `max_chars`, cut with "…".
pub fn bar_label(name: &str, max_chars: usize) -> String {
    if name.chars().count() > max_chars {
        name.chars()
            .take(max_chars.saturating_sub(1))
            .chain(['…'])
            .collect()
    } else {
        name.to_owned()
    }
}

/// "2026-11-26" for a day number (days since the epoch, UTC).
pub fn day_label(day: i64) -> String {
    let c = super::time::Civil::from_epoch(day.saturating_mul(DAY));
    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
}

/// Ticks at 1, 2 or 5 × 10^k covering `[0, max]`, about `target` of them.
pub fn nice_ticks(max: f64, target: usize) -> Vec<f64> {
    if !(max.is_finite() && max > 0.0) {
        return vec![0.0];
    }
    let step = nice_step(max / target.max(1) as f64);
    let n = (max / step).ceil() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

fn nice_step(raw: f64) -> f64 {
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    // The nearest of 1, 2, 5, 10 on a log scale (d3's thresholds).
    let nice = if norm >= 50f64.sqrt() {
        10.0
    } else if norm >= 10f64.sqrt() {
        5.0
    } else if norm >= 2f64.sqrt() {
        2.0
    } else {
        1.0
    };
    nice * mag
}

/// Ticks for a byte axis: nice numbers in the largest binary unit that fits,
/// so labels read "0, 100 GiB, 200 GiB" rather than "107374182400".
pub fn byte_ticks(max: u64, target: usize) -> Vec<u64> {
    if max == 0 {
        return vec![0];
    }
    let mut unit = 1u64;
    while unit <= u64::MAX / 1024 && max >= unit * 1024 {
        unit *= 1024;
    }
    nice_ticks(max as f64 / unit as f64, target)
        .into_iter()
        .map(|t| (t * unit as f64).min(u64::MAX as f64) as u64)
        .collect()
}

/// Tick labels for counts: whole numbers only.
pub fn count_ticks(max: usize, target: usize) -> Vec<usize> {
    if max == 0 {
        return vec![0];
    }
    let mut ticks: Vec<usize> = nice_ticks(max as f64, target)
        .into_iter()
        .map(|t| t.round() as usize)
        .collect();
    ticks.dedup();
    ticks
}

/// Maps a value range onto a pixel range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub domain: (f64, f64),
    pub range: (f64, f64),
}

impl Scale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Scale {
        Scale { domain, range }
    }

    pub fn map(&self, v: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if d1 == d0 {
            return r0;
        }
        r0 + (v - d0) / (d1 - d0) * (r1 - r0)
    }
}

/// A rectangle in SVG coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// The plot area inside an SVG of `width` × `height` with margins for axes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
}

impl Frame {
    pub fn plot_width(&self) -> f64 {
        (self.width - self.left - self.right).max(1.0)
    }

    pub fn plot_height(&self) -> f64 {
        (self.height - self.top - self.bottom).max(1.0)
    }

    /// Vertical bars for `values` (from the baseline up), `n` equal slots, a gap between.
    /// The y axis is flipped here: SVG's y grows downwards.
    pub fn columns(&self, values: &[f64], max: f64) -> Vec<Rect> {
        let n = values.len().max(1) as f64;
        let slot = self.plot_width() / n;
        let gap = (slot * 0.15).min(6.0);
        let y = Scale::new(
            (0.0, max.max(f64::MIN_POSITIVE)),
            (self.top + self.plot_height(), self.top),
        );
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let top = y.map(v.max(0.0));
                let base = self.top + self.plot_height();
                // A non-zero value stays visible (at least 1 px).
                let h = if v > 0.0 { (base - top).max(1.0) } else { 0.0 };
                Rect {
                    x: self.left + i as f64 * slot + gap / 2.0,
                    y: base - h,
                    w: (slot - gap).max(1.0),
                    h,
                }
            })
            .collect()
    }

    /// Horizontal bars for `values` (from the left edge), one row each, top to bottom.
    pub fn rows(&self, values: &[f64], max: f64, row_height: f64) -> Vec<Rect> {
        let x = Scale::new(
            (0.0, max.max(f64::MIN_POSITIVE)),
            (self.left, self.left + self.plot_width()),
        );
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let w = if v > 0.0 {
                    (x.map(v) - self.left).max(1.0)
                } else {
                    0.0
                };
                Rect {
                    x: self.left,
                    y: self.top + i as f64 * row_height + row_height * 0.15,
                    w,
                    h: row_height * 0.7,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_label_their_ticks_and_cover_the_largest_value() {
        let a = axis(1234, Measure::Count);
        assert!(a.max >= 1234.0);
        assert_eq!(a.ticks.first().map(|t| t.1.as_str()), Some("0"));
        assert!(a.ticks.iter().any(|t| t.1.contains(',')), "{:?}", a.ticks);
        let b = axis(3 << 30, Measure::Bytes);
        assert!(b.max >= (3u64 << 30) as f64);
        assert!(
            b.ticks.iter().any(|t| t.1.ends_with("GiB")),
            "{:?}",
            b.ticks
        );
        assert_eq!(
            axis(0, Measure::Count).max,
            1.0,
            "an empty chart still has a scale"
        );
        assert_eq!(axis(u64::MAX, Measure::Bytes).max, u64::MAX as f64);
    }

    #[test]
    fn bar_and_day_labels() {
        assert_eq!(bar_label("orders", 18), "orders");
        assert_eq!(
            bar_label("a-very-long-table-name-indeed", 18),
            "a-very-long-table…"
        );
        assert_eq!(bar_label("ééééé", 3), "éé…");
        assert_eq!(day_label(20_000), "2024-10-04");
        assert_eq!(day_label(0), "1970-01-01");
        let _ = day_label(i64::MAX); // no panic
    }

    #[test]
    fn every_size_falls_in_its_bin() {
        assert_eq!(BIN_FACTOR, 32);
        for (bytes, k) in [
            (0, 0),
            (1, 1),
            (31, 1),
            (32, 2),
            (1023, 2),
            (1024, 3),
            (u64::MAX, 13),
        ] {
            assert_eq!(bin_index(bytes), k, "{bytes}");
            let (lo, hi) = bin_bounds(k);
            assert!(
                lo <= bytes && (bytes < hi || hi == u64::MAX),
                "{bytes} in [{lo}, {hi})"
            );
        }
    }

    #[test]
    fn ticks_are_round_and_cover_the_max() {
        assert_eq!(nice_ticks(10.0, 5), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(nice_ticks(7.0, 4), vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(nice_ticks(0.0, 4), vec![0.0]);
        assert_eq!(nice_ticks(f64::NAN, 4), vec![0.0]);
        assert_eq!(count_ticks(1, 4), vec![0, 1]);
        assert_eq!(count_ticks(3, 4), vec![0, 1, 2, 3]);
        let gib = 1u64 << 30;
        assert_eq!(
            byte_ticks(450 * gib, 4),
            vec![0, 100 * gib, 200 * gib, 300 * gib, 400 * gib, 500 * gib]
        );
        assert_eq!(short_size(100 * gib), "100 GiB");
        assert_eq!(byte_ticks(0, 4), vec![0]);
        let huge = byte_ticks(u64::MAX, 4);
        assert!(huge.windows(2).all(|w| w[0] < w[1]), "{huge:?}");
    }

    #[test]
    fn bins_are_powers_of_32() {
        assert_eq!(bin_index(0), 0);
        assert_eq!(bin_index(1), 1);
        assert_eq!(bin_index(31), 1);
        assert_eq!(bin_index(32), 2);
        assert_eq!(bin_index(1024), 3);
        assert_eq!(bin_bounds(3), (1024, 32 * 1024));
        assert_eq!(bin_bounds(0), (0, 1));
        let k = bin_index(u64::MAX);
        assert_eq!(bin_bounds(k).1, u64::MAX);
        assert!(bin_bounds(k).0 < bin_bounds(k).1);
    }

    #[test]
    fn projection_flips_y_once() {
        let f = Frame {
            width: 100.0,
            height: 60.0,
            left: 10.0,
            right: 10.0,
            top: 5.0,
            bottom: 5.0,
        };
        let bars = f.columns(&[0.0, 5.0, 10.0], 10.0);
        assert_eq!(bars[0].h, 0.0);
        assert_eq!(bars[2].y, 5.0, "the tallest bar reaches the top");
        assert_eq!(bars[2].y + bars[2].h, 55.0, "bars stand on the baseline");
        assert!((bars[1].h - 25.0).abs() < 1e-9);
        let tiny = f.columns(&[1.0], 1e12);
        assert_eq!(tiny[0].h, 1.0, "a non-zero value stays visible");
        let rows = f.rows(&[10.0, 5.0], 10.0, 20.0);
        assert_eq!(rows[0].w, 80.0);
        assert_eq!(rows[1].w, 40.0);
        assert_eq!(Scale::new((3.0, 3.0), (0.0, 10.0)).map(3.0), 0.0);
    }
}
