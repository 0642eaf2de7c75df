//! Filtering and sorting the loaded rows: pure functions over `&[Row]` that
//! return the visible rows as indices, so nothing is copied per keystroke.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use super::engine::{arn_account, arn_region};
use super::hash::FastMap;
use super::response::BackupSummary;
use super::rows::Row;
use super::sort;

/// Marks a missing value in facets (a table, type or status the server left out).
pub const NONE_LABEL: &str = "(none)";
pub const DAY: i64 = 86_400;

/// What the user narrowed the table to. The default shows everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Words that must all appear in the backup name, table name, table ARN or backup ARN.
    pub text: String,
    /// Table names to keep (empty: all).
    pub tables: BTreeSet<String>,
    /// Backup types to keep (empty: all).
    pub types: BTreeSet<String>,
    /// Statuses to keep (empty: all).
    pub statuses: BTreeSet<String>,
    /// Account ids to keep (empty: all).
    pub accounts: BTreeSet<String>,
    /// Regions to keep (empty: all).
    pub regions: BTreeSet<String>,
    /// Created at or after (epoch seconds).
    pub created_from: Option<i64>,
    /// Created before (epoch seconds).
    pub created_to: Option<i64>,
    /// Size at least (bytes).
    pub size_min: Option<u64>,
    /// Size below (bytes).
    pub size_max: Option<u64>,
    /// Expires between now and now + N days.
    pub expires_within_days: Option<u32>,
    /// Expires on this UTC day (days since the epoch), set by the expiry chart.
    pub expiry_day: Option<i64>,
}

/// The lower-case text the search box looks in.
pub fn haystack(s: &BackupSummary) -> String {
    let parts = [&s.backup_name, &s.table_name, &s.table_arn, &s.backup_arn];
    let mut out = String::new();
    for p in parts.into_iter().flatten() {
        out.push_str(&lower(p));
        out.push('\n');
    }
    out
}

/// Lower case for search. ASCII (every name AWS allows) is lowered here; other
/// text by the browser's `toLowerCase` in the wasm, and by the standard
/// library on the host: `str::to_lowercase` would add its 12 KB Unicode table
/// to the bundle.
pub fn lower(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        lower_unicode(s)
    }
}

#[cold]
#[inline(never)]
fn lower_unicode(s: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(s).to_lower_case())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        s.to_lowercase()
    }
}

fn facet(value: Option<&str>) -> &str {
    value.unwrap_or(NONE_LABEL)
}

impl Filter {
    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    fn words(&self) -> Vec<String> {
        self.text.split_whitespace().map(lower).collect()
    }

    /// Whether `row` passes, at time `now` (epoch seconds).
    pub fn matches(&self, row: &Row, now: i64) -> bool {
        self.matches_with(row, now, &self.words())
    }

    fn matches_with(&self, row: &Row, now: i64, words: &[String]) -> bool {
        self.facet_misses(row) == 0 && self.passes_ranges(row, now, words)
    }

    /// Which facets `row` fails, one bit per [`Facet`] (in `Facet::ALL` order).
    fn facet_misses(&self, row: &Row) -> u8 {
        let mut misses = 0u8;
        for (k, f) in Facet::ALL.into_iter().enumerate() {
            let set = f.set(self);
            if !set.is_empty() && !set.contains(f.value(&row.summary)) {
                misses |= 1 << k;
            }
        }
        misses
    }

    /// The search words and the ranges (everything but the facets).
    fn passes_ranges(&self, row: &Row, now: i64, words: &[String]) -> bool {
        let s = &row.summary;
        if !words.iter().all(|w| row.search.contains(w.as_str())) {
            return false;
        }
        if self.created_from.is_some() || self.created_to.is_some() {
            let Some(c) = s.backup_creation_date_time else {
                return false;
            };
            if self.created_from.is_some_and(|f| c < f as f64)
                || self.created_to.is_some_and(|t| c >= t as f64)
            {
                return false;
            }
        }
        if self.size_min.is_some() || self.size_max.is_some() {
            let Some(b) = s.backup_size_bytes else {
                return false;
            };
            if self.size_min.is_some_and(|m| b < m) || self.size_max.is_some_and(|m| b >= m) {
                return false;
            }
        }
        if self.expires_within_days.is_some() || self.expiry_day.is_some() {
            let Some(e) = s.backup_expiry_date_time else {
                return false;
            };
            if let Some(days) = self.expires_within_days {
                if e < now as f64 || e >= (now + i64::from(days) * DAY) as f64 {
                    return false;
                }
            }
            if let Some(day) = self.expiry_day {
                if (e.floor() as i64).div_euclid(DAY) != day {
                    return false;
                }
            }
        }
        true
    }

    /// True when every row this filter keeps is also kept by `wider`, so the
    /// visible set can be computed from `wider`'s instead of from all rows.
    pub fn narrows(&self, wider: &Filter) -> bool {
        let rest_equal = Filter {
            text: String::new(),
            ..self.clone()
        } == Filter {
            text: String::new(),
            ..wider.clone()
        };
        let mine = self.words();
        rest_equal
            && wider
                .words()
                .iter()
                .all(|w| mine.iter().any(|m| m.contains(w.as_str())))
    }

    /// Indices of the rows that pass, in the order of `candidates`.
    pub fn apply(&self, rows: &[Row], candidates: impl Iterator<Item = u32>, now: i64) -> Vec<u32> {
        let words = self.words();
        candidates
            .filter(|&i| {
                rows.get(i as usize)
                    .is_some_and(|r| self.matches_with(r, now, &words))
            })
            .collect()
    }

    /// What the ranges keep, in words ("created from 2026-10-01", "size ≥ 1 GiB",
    /// "expires within 7 days"); empty when no range is set.
    pub fn range_chips(&self) -> Vec<String> {
        let day = |t: i64| {
            super::time::format_input(t)
                .get(..10)
                .unwrap_or("")
                .to_owned()
        };
        let mut out = Vec::new();
        if let Some(t) = self.created_from {
            out.push(format!("created from {}", day(t)));
        }
        if let Some(t) = self.created_to_date() {
            out.push(format!("created to {}", day(t)));
        }
        if let Some(b) = self.size_min {
            out.push(format!("size ≥ {}", super::format::human_size(b)));
        }
        if let Some(b) = self.size_max {
            out.push(format!("size < {}", super::format::human_size(b)));
        }
        if let Some(d) = self.expires_within_days {
            out.push(format!(
                "expires within {d} {}",
                if d == 1 { "day" } else { "days" }
            ));
        }
        if let Some(d) = self.expiry_day {
            out.push(format!("expires on {}", day(d.saturating_mul(DAY))));
        }
        out
    }

    /// Shows only `value` in a facet, or everything again if that is already so.
    pub fn toggle_only(set: &mut BTreeSet<String>, value: &str) {
        if set.len() == 1 && set.contains(value) {
            set.clear();
        } else {
            set.clear();
            set.insert(value.to_owned());
        }
    }

    /// The "created on or before" date (start of that day, UTC): the filter keeps
    /// an exclusive bound at the next day's start, so the whole day is included.
    pub fn created_to_date(&self) -> Option<i64> {
        self.created_to.map(|t| t.saturating_sub(DAY))
    }

    /// Sets "created on or before" from a day's start (`None` clears it).
    pub fn set_created_to_date(&mut self, day_start: Option<i64>) {
        self.created_to = day_start.map(|t| t.saturating_add(DAY));
    }

    /// True when the table facet shows exactly `table` (its chart bar is pressed).
    pub fn is_only_table(&self, table: &str) -> bool {
        self.tables.len() == 1 && self.tables.contains(table)
    }

    /// A storage bar's click: only this table, or all tables again.
    pub fn toggle_table(&mut self, table: &str) {
        Filter::toggle_only(&mut self.tables, table);
    }

    /// True when the size range is exactly the bin `[lo, hi)`.
    pub fn is_size_bin(&self, lo: u64, hi: u64) -> bool {
        self.size_min == Some(lo) && self.size_max == Some(hi)
    }

    /// A size bar's click: the bin's range, or no size range again.
    pub fn toggle_size_bin(&mut self, lo: u64, hi: u64) {
        if self.is_size_bin(lo, hi) {
            (self.size_min, self.size_max) = (None, None);
        } else {
            (self.size_min, self.size_max) = (Some(lo), Some(hi));
        }
    }

    /// An expiry bar's click: backups expiring on `day` (days since the epoch), or any day again.
    pub fn toggle_expiry_day(&mut self, day: i64) {
        self.expiry_day = if self.expiry_day == Some(day) {
            None
        } else {
            Some(day)
        };
    }
}

/// A sortable column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    Name,
    Table,
    Status,
    Type,
    Created,
    Expiry,
    Size,
    TableId,
    TableArn,
    BackupArn,
    /// The account id, from the backup ARN.
    Account,
    /// The region, from the backup ARN.
    Region,
}

impl Column {
    pub const ALL: [Column; 12] = [
        Column::Name,
        Column::Table,
        Column::Account,
        Column::Region,
        Column::Status,
        Column::Type,
        Column::Created,
        Column::Expiry,
        Column::Size,
        Column::TableId,
        Column::TableArn,
        Column::BackupArn,
    ];

    /// The name in URLs and `data-testid="sort-<id>"`.
    pub fn id(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Table => "table",
            Column::Status => "status",
            Column::Type => "type",
            Column::Created => "created",
            Column::Expiry => "expiry",
            Column::Size => "size",
            Column::TableId => "table-id",
            Column::TableArn => "table-arn",
            Column::BackupArn => "backup-arn",
            Column::Account => "account",
            Column::Region => "region",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Column::Name => "Backup name",
            Column::Table => "Table",
            Column::Status => "Status",
            Column::Type => "Type",
            Column::Created => "Created",
            Column::Expiry => "Expires",
            Column::Size => "Size",
            Column::TableId => "Table ID",
            Column::TableArn => "Table ARN",
            Column::BackupArn => "Backup ARN",
            Column::Account => "Account",
            Column::Region => "Region",
        }
    }

    pub fn parse(id: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.id() == id)
    }

    /// The columns in the order of the API reference (exports).
    pub const API_ORDER: [Column; 12] = [
        Column::Table,
        Column::TableId,
        Column::TableArn,
        Column::BackupArn,
        Column::Name,
        Column::Created,
        Column::Expiry,
        Column::Status,
        Column::Type,
        Column::Size,
        // Read from the ARN: after the API's own fields.
        Column::Account,
        Column::Region,
    ];

    /// The API's field name (CSV header, JSON key).
    pub fn api_name(self) -> &'static str {
        match self {
            Column::Name => "BackupName",
            Column::Table => "TableName",
            Column::Status => "BackupStatus",
            Column::Type => "BackupType",
            Column::Created => "BackupCreationDateTime",
            Column::Expiry => "BackupExpiryDateTime",
            Column::Size => "BackupSizeBytes",
            Column::TableId => "TableId",
            Column::TableArn => "TableArn",
            Column::BackupArn => "BackupArn",
            // Not ListBackups fields: read from the ARN, named as in other AWS exports.
            Column::Account => "AccountId",
            Column::Region => "Region",
        }
    }

    /// This column's value in a summary: the one place that maps columns to
    /// fields, read by the table, the sort and both exports.
    pub fn cell(self, s: &BackupSummary) -> Option<Cell<'_>> {
        match self {
            Column::Name => s.backup_name.as_deref().map(Cell::Text),
            Column::Table => s.table_name.as_deref().map(Cell::Text),
            Column::Status => s.backup_status.as_ref().map(|v| Cell::Text(v.as_str())),
            Column::Type => s.backup_type.as_ref().map(|v| Cell::Text(v.as_str())),
            Column::Created => s.backup_creation_date_time.map(Cell::Time),
            Column::Expiry => s.backup_expiry_date_time.map(Cell::Time),
            Column::Size => s.backup_size_bytes.map(Cell::Bytes),
            Column::TableId => s.table_id.as_deref().map(Cell::Text),
            Column::TableArn => s.table_arn.as_deref().map(Cell::Text),
            Column::BackupArn => s.backup_arn.as_deref().map(Cell::Text),
            Column::Account => account_of(s).map(Cell::Text),
            Column::Region => region_of(s).map(Cell::Text),
        }
    }

    /// True for the columns that sort by number (times and sizes).
    pub fn is_numeric(self) -> bool {
        matches!(self, Column::Created | Column::Expiry | Column::Size)
    }
}

/// The ARN that says where a backup lives: its own, else its table's.
fn arn_of(s: &BackupSummary) -> Option<&str> {
    s.backup_arn.as_deref().or(s.table_arn.as_deref())
}

/// The account a backup belongs to (from its ARN).
pub fn account_of(s: &BackupSummary) -> Option<&str> {
    arn_of(s).and_then(arn_account)
}

/// The region a backup lives in (from its ARN).
pub fn region_of(s: &BackupSummary) -> Option<&str> {
    arn_of(s).and_then(arn_region)
}

/// One column's value: text, a time (epoch seconds), or a size in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cell<'a> {
    Text(&'a str),
    Time(f64),
    Bytes(u64),
}

impl Cell<'_> {
    /// The text, for text columns.
    pub fn text(self) -> Option<String> {
        match self {
            Cell::Text(t) => Some(t.to_owned()),
            _ => None,
        }
    }

    /// An integer that orders like the value (times by `f64::total_cmp`), for number columns.
    pub fn order_key(self) -> u64 {
        match self {
            Cell::Time(t) => f64_order_key(t),
            Cell::Bytes(b) => b,
            Cell::Text(_) => 0,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Ascending,
    Descending,
}

/// The current sort; `None` in a signal means arrival order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub direction: Direction,
}

impl Sort {
    /// A header click: none → ascending → descending → none; another column starts ascending.
    pub fn next(current: Option<Sort>, clicked: Column) -> Option<Sort> {
        match current {
            Some(Sort { column, direction }) if column == clicked => match direction {
                Direction::Ascending => Some(Sort {
                    column,
                    direction: Direction::Descending,
                }),
                Direction::Descending => None,
            },
            _ => Some(Sort {
                column: clicked,
                direction: Direction::Ascending,
            }),
        }
    }

    /// `aria-sort` for a column header.
    pub fn aria(current: Option<Sort>, column: Column) -> &'static str {
        match current {
            Some(s) if s.column == column && s.direction == Direction::Ascending => "ascending",
            Some(s) if s.column == column => "descending",
            _ => "none",
        }
    }

    /// Sorts `indices` in place; rows missing the value go last either way, and
    /// equal keys keep arrival order (ascending row index) whatever order
    /// `indices` came in, so re-sorting a sorted list equals sorting afresh.
    pub fn apply(self, rows: &[Row], indices: &mut [u32]) {
        let get = |i: u32| &rows[i as usize].summary;
        let desc = self.direction == Direction::Descending;
        let order = |o: Ordering| if desc { o.reverse() } else { o };
        // Numbers: one pass builds (missing, key, index), then the app's one sort
        // routine orders positions by those tuples; the index in the tuple is the
        // tie-break that keeps equal keys in arrival order.
        let mut by_int = |key: &dyn Fn(&BackupSummary) -> Option<u64>| {
            let keyed: Vec<(bool, u64, u32)> = indices
                .iter()
                .map(|&i| {
                    let k = key(get(i));
                    (k.is_none(), k.map_or(0, |k| if desc { !k } else { k }), i)
                })
                .collect();
            let mut at: Vec<u32> = (0..keyed.len() as u32).collect();
            sort::indices(&mut at, &mut |a, b| {
                keyed[a as usize].cmp(&keyed[b as usize])
            });
            for (slot, a) in indices.iter_mut().zip(at) {
                *slot = keyed[a as usize].2;
            }
        };
        macro_rules! by {
            ($key:expr, $cmp:expr) => {
                sort::indices(indices, &mut |a, b| {
                    match ($key(get(a)), $key(get(b))) {
                        (Some(x), Some(y)) => order($cmp(x, y)),
                        (Some(_), None) => Ordering::Less,
                        (None, Some(_)) => Ordering::Greater,
                        (None, None) => Ordering::Equal,
                    }
                    .then(a.cmp(&b))
                })
            };
        }
        let column = self.column;
        if column.is_numeric() {
            by_int(&|s: &BackupSummary| column.cell(s).map(Cell::order_key));
        } else {
            fn text(column: Column, s: &BackupSummary) -> Option<&str> {
                match column.cell(s) {
                    Some(Cell::Text(t)) => Some(t),
                    _ => None,
                }
            }
            by!(|s| text(column, s), cmp_text);
        }
    }
}

impl Sort {
    /// The order [`Sort::apply`] gives two rows: the column's value (missing
    /// last, either direction), then arrival (row index). Used to merge a new
    /// page into an already sorted list without sorting it all again.
    pub fn compare(self, rows: &[Row], a: u32, b: u32) -> Ordering {
        let (x, y) = (&rows[a as usize].summary, &rows[b as usize].summary);
        let desc = self.direction == Direction::Descending;
        fn cmp_opt<T>(
            x: Option<T>,
            y: Option<T>,
            desc: bool,
            f: impl Fn(T, T) -> Ordering,
        ) -> Ordering {
            match (x, y) {
                (Some(x), Some(y)) => {
                    let o = f(x, y);
                    if desc {
                        o.reverse()
                    } else {
                        o
                    }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        let c = self.column;
        match (c.cell(x), c.cell(y)) {
            (Some(Cell::Text(p)), Some(Cell::Text(q))) => cmp_opt(Some(p), Some(q), desc, cmp_text),
            (p, q) => cmp_opt(
                p.map(Cell::order_key),
                q.map(Cell::order_key),
                desc,
                |p: u64, q| p.cmp(&q),
            ),
        }
        .then(a.cmp(&b))
    }
}

/// Merges `fresh` (sorted by `sort`) into `sorted` (sorted by `sort`): each
/// fresh row's place is found by binary search, so a page of m rows into n
/// costs O(m log n) comparisons (plus copying the list once).
fn merge_sorted(rows: &[Row], sort: Sort, sorted: &mut Vec<u32>, fresh: Vec<u32>) {
    if fresh.is_empty() {
        return;
    }
    let old = std::mem::take(sorted);
    let mut out = Vec::with_capacity(old.len() + fresh.len());
    let mut from = 0;
    for f in fresh {
        let at =
            from + old[from..].partition_point(|&o| sort.compare(rows, o, f) != Ordering::Greater);
        out.extend_from_slice(&old[from..at]);
        out.push(f);
        from = at;
    }
    out.extend_from_slice(&old[from..]);
    *sorted = out;
}

/// An integer that orders like `f64::total_cmp` (the same bit trick, unsigned).
fn f64_order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// Case-insensitive for ASCII, then byte order: "alpha" < "Beta" < "gamma", stable for equal keys.
pub fn cmp_text(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    for (p, q) in x.iter().zip(y) {
        match p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase()) {
            Ordering::Equal => {}
            unequal => return unequal,
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

/// Visible rows: filtered, then sorted.
pub fn visible(rows: &[Row], filter: &Filter, sort: Option<Sort>, now: i64) -> Vec<u32> {
    let mut out = filter.apply(rows, 0..rows.len() as u32, now);
    if let Some(s) = sort {
        s.apply(rows, &mut out);
    }
    out
}

/// Identifies a row set: which listing (`generation`, bumped when the rows are
/// replaced), how many in-place updates it has had (`revision`) and its length.
/// Appending rows only changes `len`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RowsKey {
    pub generation: u64,
    pub revision: u64,
    pub len: usize,
}

/// Remembers the last result so a keystroke that only narrows the search, or a
/// page that only adds rows (sorted or not), costs work proportional to what changed.
/// Every input is part of its key: rows (generation and revision), filter, sort, time.
#[derive(Clone, Debug, Default)]
pub struct VisibleCache {
    filter: Filter,
    sort: Option<Sort>,
    now: i64,
    rows_seen: usize,
    /// Generation and revision of the row set seen last.
    rows_id: (u64, u64),
    indices: Vec<u32>,
    valid: bool,
    /// Changes whenever the set of visible rows may have changed; a re-sort keeps it.
    membership: u64,
    /// Every row in the order of `ordered_sort`, for the rows `ordered_rows`
    /// (generation, revision, length): a filter that widens (clearing the
    /// search, un-clicking a chart bar) filters this instead of sorting again.
    ordered: Vec<u32>,
    ordered_sort: Option<Sort>,
    ordered_rows: Option<(u64, u64, usize)>,
}

impl VisibleCache {
    /// The visible indices of `rows` (identified by `key`) for this filter, sort and time.
    pub fn get(
        &mut self,
        rows: &[Row],
        key: RowsKey,
        filter: &Filter,
        sort: Option<Sort>,
        now: i64,
    ) -> &[u32] {
        let rows_id = (key.generation, key.revision);
        let same_rows = self.valid
            && rows_id == self.rows_id
            && now == self.now
            && rows.len() >= self.rows_seen;
        if same_rows
            && rows.len() == self.rows_seen
            && sort == self.sort
            && filter.narrows(&self.filter)
        {
            // Narrowing keeps order: filter what was visible.
            if *filter != self.filter {
                self.indices = filter.apply(rows, self.indices.iter().copied(), now);
                self.filter = filter.clone();
            }
        } else if same_rows && rows.len() == self.rows_seen && *filter == self.filter {
            // Only the order changed: re-sort what is visible, no filtering.
            match sort {
                Some(s) => s.apply(rows, &mut self.indices),
                None => sort::indices(&mut self.indices, &mut |a, b| a.cmp(&b)), // arrival order
            }
            self.sort = sort;
            return &self.indices;
        } else if same_rows
            && rows.len() > self.rows_seen
            && sort == self.sort
            && *filter == self.filter
        {
            // New page: only the new rows need a look; with a sort, they are
            // sorted alone and merged in (no full re-sort per page).
            let new_rows = self.rows_seen as u32..rows.len() as u32;
            let mut fresh = filter.apply(rows, new_rows.clone(), now);
            match sort {
                None => self.indices.extend(fresh),
                Some(s) => {
                    s.apply(rows, &mut fresh);
                    merge_sorted(rows, s, &mut self.indices, fresh);
                    if self.ordered_rows == Some((rows_id.0, rows_id.1, self.rows_seen))
                        && self.ordered_sort == sort
                    {
                        let mut all_new: Vec<u32> = new_rows.collect();
                        s.apply(rows, &mut all_new);
                        merge_sorted(rows, s, &mut self.ordered, all_new);
                        self.ordered_rows = Some((rows_id.0, rows_id.1, rows.len()));
                    }
                }
            }
        } else {
            self.indices = match sort {
                // No filter: every row, without looking at any.
                None if filter.is_empty() => (0..rows.len() as u32).collect(),
                None => filter.apply(rows, 0..rows.len() as u32, now),
                Some(s) => {
                    let here = Some((rows_id.0, rows_id.1, rows.len()));
                    if self.ordered_rows != here || self.ordered_sort != sort {
                        self.ordered = (0..rows.len() as u32).collect();
                        s.apply(rows, &mut self.ordered);
                        self.ordered_rows = here;
                        self.ordered_sort = sort;
                    }
                    if filter.is_empty() {
                        self.ordered.clone()
                    } else {
                        filter.apply(rows, self.ordered.iter().copied(), now)
                    }
                }
            };
            self.filter = filter.clone();
            self.sort = sort;
        }
        self.rows_seen = rows.len();
        self.rows_id = rows_id;
        self.now = now;
        self.valid = true;
        self.membership = self.membership.wrapping_add(1);
        &self.indices
    }

    /// A number that changes whenever the visible set may have changed, and not
    /// when only its order did: aggregates (charts) need no recount on a re-sort.
    pub fn membership(&self) -> u64 {
        self.membership
    }
}

/// Height of one table row in CSS pixels (style/main.css sets the same).
pub const ROW_HEIGHT: f64 = 34.0;
/// Rows rendered above and below the viewport.
pub const OVERSCAN: usize = 12;

/// Height of one row shown as a card (narrow screens; style/main.css sets the same).
pub const CARD_HEIGHT: f64 = 118.0;

/// How many rows a window holds for a viewport `viewport` pixels high.
pub fn window_capacity(viewport: f64) -> usize {
    window_capacity_for(viewport, ROW_HEIGHT)
}

/// [`window_capacity`] for rows `row_height` pixels high.
pub fn window_capacity_for(viewport: f64, row_height: f64) -> usize {
    let h = if row_height > 0.0 {
        row_height
    } else {
        ROW_HEIGHT
    };
    (viewport.max(h) / h).ceil() as usize + 2 * OVERSCAN
}

/// Which slice `[first, end)` of `total` visible rows to render for a scroll
/// position: only the rows in view and a few around them, at every size.
pub fn row_window(total: usize, scroll_top: f64, viewport: f64) -> (usize, usize) {
    row_window_for(total, scroll_top, viewport, ROW_HEIGHT)
}

/// [`row_window`] for rows `row_height` pixels high.
pub fn row_window_for(
    total: usize,
    scroll_top: f64,
    viewport: f64,
    row_height: f64,
) -> (usize, usize) {
    let h = if row_height > 0.0 {
        row_height
    } else {
        ROW_HEIGHT
    };
    let first = ((scroll_top.max(0.0) / h) as usize).saturating_sub(OVERSCAN);
    let count = window_capacity_for(viewport, h);
    (first.min(total), (first + count).min(total))
}

/// The columns shown by default; Table ID and the ARNs are a click away in
/// the column chooser (and in the details drawer).
pub const DEFAULT_COLUMNS: [Column; 9] = [
    Column::Name,
    Column::Table,
    Column::Account,
    Column::Region,
    Column::Status,
    Column::Type,
    Column::Created,
    Column::Expiry,
    Column::Size,
];

/// The columns to draw: the chosen ones, in table order, except Account and
/// Region while every loaded backup has the same one (a column of one
/// repeated value only takes width).
pub fn shown_columns(chosen: &[Column], accounts: usize, regions: usize) -> Vec<Column> {
    Column::ALL
        .into_iter()
        .filter(|c| chosen.contains(c))
        .filter(|c| match c {
            Column::Account => accounts > 1,
            Column::Region => regions > 1,
            _ => true,
        })
        .collect()
}

/// How many loaded rows have each value of a facet, most first.
pub fn facet_counts<'a>(
    rows: &'a [Row],
    value: impl Fn(&'a BackupSummary) -> Option<&'a str>,
) -> Vec<(String, usize)> {
    let mut counts: FastMap<&str, usize> = FastMap::default();
    for r in rows {
        *counts
            .entry(value(&r.summary).unwrap_or(NONE_LABEL))
            .or_default() += 1;
    }
    let mut out: Vec<(String, usize)> =
        counts.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    sort_counts(&mut out);
    out
}

/// A multi-select facet of the filter bar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facet {
    Table,
    Type,
    Status,
    Account,
    Region,
}

impl Facet {
    pub const ALL: [Facet; 5] = [
        Facet::Table,
        Facet::Type,
        Facet::Status,
        Facet::Account,
        Facet::Region,
    ];

    /// A backup's value in this facet ([`NONE_LABEL`] when missing).
    pub fn value(self, s: &BackupSummary) -> &str {
        facet(match self {
            Facet::Table => s.table_name.as_deref(),
            Facet::Type => s.backup_type.as_ref().map(|t| t.as_str()),
            Facet::Status => s.backup_status.as_ref().map(|t| t.as_str()),
            Facet::Account => account_of(s),
            Facet::Region => region_of(s),
        })
    }

    /// The values this facet keeps in `f` (empty: all).
    pub fn set(self, f: &Filter) -> &BTreeSet<String> {
        match self {
            Facet::Table => &f.tables,
            Facet::Type => &f.types,
            Facet::Status => &f.statuses,
            Facet::Account => &f.accounts,
            Facet::Region => &f.regions,
        }
    }

    pub fn set_mut(self, f: &mut Filter) -> &mut BTreeSet<String> {
        match self {
            Facet::Table => &mut f.tables,
            Facet::Type => &mut f.types,
            Facet::Status => &mut f.statuses,
            Facet::Account => &mut f.accounts,
            Facet::Region => &mut f.regions,
        }
    }
}

/// Faceted-search counts: for each facet, every value present in the rows with
/// the number of rows that pass every *other* filter (the search, the ranges
/// and the other facets) and have that value. Ticking a value therefore shows
/// exactly its count. Kept up to date as pages arrive: a page that only
/// appends rows (same filter, same clock) costs work for its own rows.
#[derive(Clone, Debug, Default)]
pub struct FacetCounts {
    key: Option<(u64, u64, Filter, i64)>,
    seen: usize,
    counts: [FastMap<String, usize>; 5],
}

impl FacetCounts {
    /// The counts over `rows` (identified by `key`) under `filter` at `now`,
    /// per facet in [`Facet::ALL`] order, most first (zeros last).
    pub fn get(
        &mut self,
        rows: &[Row],
        key: RowsKey,
        filter: &Filter,
        now: i64,
    ) -> [Vec<(String, usize)>; 5] {
        let k = Some((key.generation, key.revision, filter.clone(), now));
        if k != self.key || rows.len() < self.seen {
            *self = FacetCounts {
                key: k,
                ..FacetCounts::default()
            };
        }
        let words = filter.words();
        for r in rows.get(self.seen..).unwrap_or(&[]) {
            let base = filter.passes_ranges(r, now, &words);
            let misses = filter.facet_misses(r);
            for (i, f) in Facet::ALL.into_iter().enumerate() {
                let value = f.value(&r.summary);
                let counts = &mut self.counts[i];
                let add = usize::from(base && misses & !(1u8 << i) == 0);
                match counts.get_mut(value) {
                    Some(n) => *n += add,
                    None => {
                        counts.insert(value.to_owned(), add);
                    }
                }
            }
        }
        self.seen = rows.len();
        self.counts.each_ref().map(|c| {
            let mut out: Vec<(String, usize)> = c.iter().map(|(k, v)| (k.clone(), *v)).collect();
            sort_counts(&mut out);
            out
        })
    }
}

/// How many distinct accounts and regions the loaded rows come from, kept up
/// to date as pages arrive (a page costs work for its own rows). Unlike the
/// faceted counts it ignores the filter, so typing costs it nothing.
#[derive(Clone, Debug, Default)]
pub struct Distinct {
    rows_id: Option<(u64, u64)>,
    seen: usize,
    accounts: FastMap<String, ()>,
    regions: FastMap<String, ()>,
}

impl Distinct {
    /// `(accounts, regions)` over `rows` (identified by `key`).
    pub fn get(&mut self, rows: &[Row], key: RowsKey) -> (usize, usize) {
        let id = Some((key.generation, key.revision));
        if id != self.rows_id || rows.len() < self.seen {
            *self = Distinct {
                rows_id: id,
                ..Distinct::default()
            };
        }
        for r in rows.get(self.seen..).unwrap_or(&[]) {
            for (set, value) in [
                (&mut self.accounts, Facet::Account.value(&r.summary)),
                (&mut self.regions, Facet::Region.value(&r.summary)),
            ] {
                if !set.contains_key(value) {
                    set.insert(value.to_owned(), ());
                }
            }
        }
        self.seen = rows.len();
        (self.accounts.len(), self.regions.len())
    }
}

/// [`facet_counts`] kept up to date as pages arrive: a page that only appends
/// rows costs work proportional to the page, not to the rows loaded.
#[derive(Clone, Debug, Default)]
pub struct FacetCache {
    rows_id: Option<(u64, u64)>,
    seen: usize,
    counts: FastMap<String, usize>,
}

impl FacetCache {
    /// The counts of `value` over `rows` (identified by `key`), most first.
    pub fn get(
        &mut self,
        rows: &[Row],
        key: RowsKey,
        value: fn(&BackupSummary) -> Option<&str>,
    ) -> Vec<(String, usize)> {
        let id = Some((key.generation, key.revision));
        if id != self.rows_id || rows.len() < self.seen {
            self.counts.clear();
            self.seen = 0;
            self.rows_id = id;
        }
        for r in rows.get(self.seen..).unwrap_or(&[]) {
            let v = value(&r.summary).unwrap_or(NONE_LABEL);
            match self.counts.get_mut(v) {
                Some(n) => *n += 1,
                None => {
                    self.counts.insert(v.to_owned(), 1);
                }
            }
        }
        self.seen = rows.len();
        let mut out: Vec<(String, usize)> =
            self.counts.iter().map(|(k, v)| (k.clone(), *v)).collect();
        sort_counts(&mut out);
        out
    }
}

/// Facet values: most rows first, ties by name.
fn sort_counts(out: &mut [(String, usize)]) {
    sort::by(out, |a, b| b.1.cmp(&a.1).then_with(|| cmp_text(&a.0, &b.0)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_agrees_with_unicode_and_keeps_ascii_fast() {
        // The same cases as the browser test, which runs the wasm's path.
        assert_eq!(lower("Ünïcode-SICHERUNG"), "ünïcode-sicherung");
        assert_eq!(lower("ΟΔΟΣ"), "οδο\u{3c2}");
        assert_eq!(lower("İSTANBUL-Ärzte"), "i\u{307}stanbul-ärzte");
        assert_eq!(lower("Orders-2026"), "orders-2026");
    }

    #[test]
    fn the_created_to_date_includes_its_whole_day_and_never_overflows() {
        let mut f = Filter::default();
        f.set_created_to_date(Some(20_000 * DAY));
        assert_eq!(
            f.created_to,
            Some(20_001 * DAY),
            "exclusive bound at the next day"
        );
        assert_eq!(f.created_to_date(), Some(20_000 * DAY));
        f.set_created_to_date(None);
        assert_eq!(f.created_to_date(), None);
        // From a URL: any number, no overflow.
        f.created_to = Some(i64::MIN);
        assert_eq!(f.created_to_date(), Some(i64::MIN));
        f.set_created_to_date(Some(i64::MAX));
        assert_eq!(f.created_to, Some(i64::MAX));
    }

    #[test]
    fn chart_clicks_toggle_their_filter_and_leave_the_rest() {
        let mut f = Filter {
            text: "nightly".into(),
            ..Filter::default()
        };
        f.toggle_table("orders");
        assert!(f.is_only_table("orders"));
        f.toggle_table("payments");
        assert!(f.is_only_table("payments") && !f.is_only_table("orders"));
        f.toggle_table("payments");
        assert!(f.tables.is_empty());
        f.toggle_size_bin(1024, 2048);
        assert!(f.is_size_bin(1024, 2048));
        assert_eq!((f.size_min, f.size_max), (Some(1024), Some(2048)));
        f.toggle_size_bin(1024, 2048);
        assert_eq!((f.size_min, f.size_max), (None, None));
        f.toggle_expiry_day(20_500);
        assert_eq!(f.expiry_day, Some(20_500));
        f.toggle_expiry_day(20_501);
        assert_eq!(f.expiry_day, Some(20_501));
        f.toggle_expiry_day(20_501);
        assert_eq!(f.expiry_day, None);
        assert_eq!(f.text, "nightly", "other filters stay");
    }

    #[test]
    fn window_covers_the_viewport_with_overscan() {
        assert_eq!(
            row_window(100, 0.0, 680.0),
            (0, 20 + 2 * OVERSCAN),
            "small sets are windowed too"
        );
        assert_eq!(row_window(10, 0.0, 680.0), (0, 10));
        let (a, b) = row_window(100_000, 0.0, 680.0);
        assert_eq!(a, 0);
        assert_eq!(b, 20 + 2 * OVERSCAN);
        let top = 50_000.0 * ROW_HEIGHT;
        let (a, b) = row_window(100_000, top, 680.0);
        assert_eq!(a, 50_000 - OVERSCAN);
        assert!(a as f64 * ROW_HEIGHT <= top && (b as f64) * ROW_HEIGHT >= top + 680.0);
        assert_eq!(
            row_window(100_000, 1e12, 680.0),
            (100_000, 100_000),
            "past the end is empty, not a panic"
        );
        assert_eq!(row_window(100_000, -5.0, 0.0).0, 0);
    }
}
