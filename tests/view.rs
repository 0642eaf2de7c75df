//! Filtering, sorting, chart aggregation and exports on rows built from
//! DynamoDB-shaped summaries: equal keys, missing sizes and expiry, unicode
//! names, one bucket, zero rows.

use backup_lens::core::chart::{
    expiry_timeline, size_histogram, storage_by_table, ChartData, ChartTotals,
};
use backup_lens::core::export::{to_csv, to_json};
use backup_lens::core::response::{parse_list_backups, BackupKind, BackupStatus, BackupSummary};
use backup_lens::core::rows::Row;
use backup_lens::core::view::{
    facet_counts, visible, Column, Direction, FacetCache, Filter, RowsKey, Sort, VisibleCache, DAY,
};

const NOW: i64 = 1_795_608_000; // 2026-11-25T12:00:00Z

fn row(
    arn: &str,
    name: &str,
    table: &str,
    created: f64,
    size: Option<u64>,
    expiry: Option<f64>,
    ty: &str,
) -> Row {
    Row::new(
        arn.into(),
        BackupSummary {
            table_name: Some(table.into()),
            table_arn: Some(format!(
                "arn:aws:dynamodb:us-east-1:123456789012:table/{table}"
            )),
            backup_arn: Some(arn.into()),
            backup_name: Some(name.into()),
            backup_creation_date_time: Some(created),
            backup_expiry_date_time: expiry,
            backup_size_bytes: size,
            backup_status: Some(BackupStatus::Available),
            backup_type: Some(BackupKind::from(ty.to_owned())),
            ..Default::default()
        },
    )
}

fn sample() -> Vec<Row> {
    let t = NOW as f64;
    vec![
        row(
            "a0",
            "nightly-orders-1",
            "orders",
            t - 5.0 * 86400.0,
            Some(500),
            None,
            "USER",
        ),
        row(
            "a1",
            "Nightly-Orders-2",
            "orders",
            t - 4.0 * 86400.0,
            Some(500),
            None,
            "USER",
        ),
        row(
            "a2",
            "Ünïcode-Sicherung",
            "kunden",
            t - 3.0 * 86400.0,
            None,
            None,
            "USER",
        ),
        row(
            "a3",
            "orders$SystemBackup",
            "orders",
            t - 2.0 * 86400.0,
            Some(2 << 30),
            Some(t + 33.0 * 86400.0),
            "SYSTEM",
        ),
        row(
            "a4",
            "payments nightly",
            "payments",
            t - 1.0 * 86400.0,
            Some(7 << 20),
            Some(t + 1.5 * 86400.0),
            "SYSTEM",
        ),
        row(
            "a5",
            "odd",
            "payments",
            t - 10.0,
            Some(0),
            Some(t - 60.0),
            "SYSTEM",
        ),
    ]
}

fn keys(rows: &[Row], idx: &[u32]) -> Vec<String> {
    idx.iter().map(|&i| rows[i as usize].key.clone()).collect()
}

fn filter(text: &str) -> Filter {
    Filter {
        text: text.into(),
        ..Default::default()
    }
}

#[test]
fn search_words_all_match_case_insensitively_across_four_fields() {
    let rows = sample();
    assert_eq!(
        keys(&rows, &visible(&rows, &filter("NIGHTLY orders"), None, NOW)),
        ["a0", "a1"]
    );
    assert_eq!(
        keys(&rows, &visible(&rows, &filter("ünïcode"), None, NOW)),
        ["a2"]
    );
    assert_eq!(
        keys(&rows, &visible(&rows, &filter("table/payments"), None, NOW)),
        ["a4", "a5"]
    );
    assert_eq!(
        keys(&rows, &visible(&rows, &filter("a3"), None, NOW)),
        ["a3"],
        "backup ARN is searched"
    );
    assert!(visible(&rows, &filter("nightly zzz"), None, NOW).is_empty());
    assert_eq!(visible(&rows, &filter("   "), None, NOW).len(), rows.len());
}

#[test]
fn facets_and_ranges_with_missing_values() {
    let rows = sample();
    let mut f = Filter::default();
    f.tables.insert("payments".into());
    f.types.insert("SYSTEM".into());
    assert_eq!(keys(&rows, &visible(&rows, &f, None, NOW)), ["a4", "a5"]);
    let sized = Filter {
        size_min: Some(1),
        size_max: Some(1 << 30),
        ..Default::default()
    };
    assert_eq!(
        keys(&rows, &visible(&rows, &sized, None, NOW)),
        ["a0", "a1", "a4"],
        "missing size never matches a size range"
    );
    let soon = Filter {
        expires_within_days: Some(7),
        ..Default::default()
    };
    assert_eq!(
        keys(&rows, &visible(&rows, &soon, None, NOW)),
        ["a4"],
        "expired and far expiries excluded"
    );
    let created = Filter {
        created_from: Some(NOW - 3 * DAY),
        created_to: Some(NOW - DAY),
        ..Default::default()
    };
    assert_eq!(
        keys(&rows, &visible(&rows, &created, None, NOW)),
        ["a2", "a3"],
        "lower inclusive, upper exclusive"
    );
    let counts = facet_counts(&rows, |s| s.table_name.as_deref());
    assert_eq!(counts[0], ("orders".to_owned(), 3));
}

#[test]
fn sorting_is_stable_and_puts_missing_values_last() {
    let rows = sample();
    let mut idx = visible(&rows, &Filter::default(), None, NOW);
    let size_asc = Sort {
        column: Column::Size,
        direction: Direction::Ascending,
    };
    size_asc.apply(&rows, &mut idx);
    assert_eq!(
        keys(&rows, &idx),
        ["a5", "a0", "a1", "a4", "a3", "a2"],
        "equal sizes keep arrival order"
    );
    let size_desc = Sort {
        direction: Direction::Descending,
        ..size_asc
    };
    let mut idx = visible(&rows, &Filter::default(), Some(size_desc), NOW);
    assert_eq!(
        keys(&rows, &idx),
        ["a3", "a4", "a0", "a1", "a5", "a2"],
        "descending stays stable, missing still last"
    );
    Sort {
        column: Column::Name,
        direction: Direction::Ascending,
    }
    .apply(&rows, &mut idx);
    assert_eq!(
        keys(&rows, &idx),
        ["a0", "a1", "a5", "a3", "a4", "a2"],
        "case-insensitive names"
    );
    let expiry = visible(
        &rows,
        &Filter::default(),
        Some(Sort {
            column: Column::Expiry,
            direction: Direction::Ascending,
        }),
        NOW,
    );
    assert_eq!(keys(&rows, &expiry)[..3], ["a5", "a4", "a3"]);
}

#[test]
fn sort_cycles_and_announces() {
    let s1 = Sort::next(None, Column::Created);
    assert_eq!(Sort::aria(s1, Column::Created), "ascending");
    assert_eq!(Sort::aria(s1, Column::Size), "none");
    let s2 = Sort::next(s1, Column::Created);
    assert_eq!(Sort::aria(s2, Column::Created), "descending");
    assert_eq!(Sort::next(s2, Column::Created), None);
    assert_eq!(
        Sort::next(s2, Column::Size).map(|s| s.direction),
        Some(Direction::Ascending)
    );
}

/// The key of a row set of `generation` with no in-place updates.
fn key(generation: u64, rows: &[Row]) -> RowsKey {
    RowsKey {
        generation,
        revision: 0,
        len: rows.len(),
    }
}

fn every_sort() -> Vec<Option<Sort>> {
    let mut sorts = vec![None];
    for column in Column::ALL {
        for direction in [Direction::Ascending, Direction::Descending] {
            sorts.push(Some(Sort { column, direction }));
        }
    }
    sorts
}

#[test]
fn pages_appended_under_every_sort_equal_a_full_recompute() {
    // Load all with a sort active: each page is sorted alone and merged in.
    let mut rows = sample();
    for i in 0..40 {
        rows.push(row(
            &format!("p{i}"),
            &format!("page-{}", i % 7),
            ["orders", "payments", "odd"][i % 3],
            1.7e9 + ((i * 7919) % 97) as f64,
            (i % 5 != 0).then_some(((i * 31) % 13) as u64 * 1000),
            (i % 2 == 0).then_some(1.8e9),
            ["USER", "SYSTEM"][i % 2],
        ));
    }
    for sort in every_sort() {
        for f in [Filter::default(), filter("page")] {
            let mut cache = VisibleCache::default();
            for end in (0..=rows.len()).step_by(3).chain([rows.len()]) {
                let got = cache
                    .get(&rows[..end], key(7, &rows[..end]), &f, sort, NOW)
                    .to_vec();
                assert_eq!(
                    got,
                    visible(&rows[..end], &f, sort, NOW),
                    "{sort:?} after {end} rows"
                );
            }
        }
    }
}

#[test]
fn a_new_result_of_the_same_size_is_a_new_visible_set() {
    // The stale-chart repro: List (100 rows), change the query, List again (100 rows).
    let rows = sample();
    let mut other = sample();
    for r in &mut other {
        r.summary.backup_size_bytes = Some(42);
    }
    let f = Filter::default();
    let mut cache = VisibleCache::default();
    cache.get(&rows, key(1, &rows), &f, None, NOW);
    let m = cache.membership();
    let again = cache.get(&other, key(2, &other), &f, None, NOW).to_vec();
    assert_eq!(again, visible(&other, &f, None, NOW));
    assert_ne!(
        cache.membership(),
        m,
        "same length, new rows: the charts must recount"
    );
    // And an in-place update (revision) of the same generation counts too.
    let m = cache.membership();
    let updated = RowsKey {
        revision: 1,
        ..key(2, &other)
    };
    cache.get(&other, updated, &f, None, NOW);
    assert_ne!(cache.membership(), m);
}

#[test]
fn chart_totals_follow_pages_and_filters_like_a_full_recount() {
    let mut rows = sample();
    for i in 0..30 {
        rows.push(row(
            &format!("c{i}"),
            &format!("chart-{i}"),
            ["orders", "payments", "odd"][i % 3],
            NOW as f64 - (i * 3_600) as f64,
            (i % 4 != 0).then_some(1u64 << (i % 40)),
            (i % 2 == 0).then_some(NOW as f64 + (i as f64 - 3.0) * 86_400.0),
            ["USER", "SYSTEM"][i % 2],
        ));
    }
    let full = |rows: &[Row], v: &[u32], now| ChartData {
        storage: storage_by_table(rows, v),
        sizes: size_histogram(rows, v),
        expiry: expiry_timeline(rows, v, now, 35),
    };
    let mut totals = ChartTotals::default();
    for f in [Filter::default(), filter("chart"), filter("orders")] {
        for end in (0..=rows.len()).step_by(4).chain([rows.len()]) {
            let part = &rows[..end];
            let v = visible(part, &f, None, NOW);
            let got = totals.update(part, key(5, part), &f, NOW, 35, &v);
            assert_eq!(got, full(part, &v, NOW), "{:?} after {end} rows", f.text);
        }
    }
    // Another minute, then another listing of the same length: rebuilt.
    let f = Filter::default();
    let v = visible(&rows, &f, None, NOW + 60);
    assert_eq!(
        totals.update(&rows, key(5, &rows), &f, NOW + 60, 35, &v),
        full(&rows, &v, NOW + 60)
    );
    let other = sample();
    let v = visible(&other, &f, None, NOW + 60);
    assert_eq!(
        totals.update(&other, key(6, &other), &f, NOW + 60, 35, &v),
        full(&other, &v, NOW + 60)
    );
}

#[test]
fn facet_counts_follow_pages_incrementally() {
    let rows = sample();
    fn table(s: &BackupSummary) -> Option<&str> {
        s.table_name.as_deref()
    }
    let mut cache = FacetCache::default();
    for end in 0..=rows.len() {
        assert_eq!(
            cache.get(&rows[..end], key(3, &rows[..end]), table),
            facet_counts(&rows[..end], table),
            "{end}"
        );
    }
    // A new listing starts the counts over.
    assert_eq!(
        cache.get(&rows[..1], key(4, &rows[..1]), table),
        facet_counts(&rows[..1], table)
    );
}

#[test]
fn cache_narrows_and_appends_like_a_full_recompute() {
    let rows = sample();
    let mut cache = VisibleCache::default();
    for text in ["", "n", "ni", "nightly", "nightly o", "or", ""] {
        let f = filter(text);
        assert_eq!(
            cache.get(&rows, key(0, &rows), &f, None, NOW),
            visible(&rows, &f, None, NOW).as_slice(),
            "{text}"
        );
    }
    // Pages arriving: appended rows are filtered on their own.
    let f = filter("orders");
    assert_eq!(
        cache.get(&rows[..2], key(0, &rows[..2]), &f, None, NOW),
        visible(&rows[..2], &f, None, NOW).as_slice()
    );
    assert_eq!(
        cache.get(&rows, key(0, &rows), &f, None, NOW),
        visible(&rows, &f, None, NOW).as_slice()
    );
    // A sort, then replaced rows (new generation).
    let sort = Some(Sort {
        column: Column::Created,
        direction: Direction::Descending,
    });
    assert_eq!(
        cache.get(&rows, key(0, &rows), &f, sort, NOW),
        visible(&rows, &f, sort, NOW).as_slice()
    );
    assert_eq!(
        cache.get(&rows[3..], key(1, &rows[3..]), &f, sort, NOW),
        visible(&rows[3..], &f, sort, NOW).as_slice()
    );
}

#[test]
fn resorting_through_the_cache_equals_sorting_afresh() {
    // Ties, missing values, and times that only a total order gets right:
    // negative, fractional, zero and negative zero.
    let mut rows = sample();
    for (i, created) in [-1.5, 0.0, -0.0, 1.25e9, 1.25e9, 0.5]
        .into_iter()
        .enumerate()
    {
        rows.push(row(
            &format!("b{i}"),
            &format!("odd-{}", i % 2),
            "odd",
            created,
            (i % 3 != 0).then_some(500),
            (i % 2 == 0).then_some(created + 86_400.0),
            "SYSTEM",
        ));
    }
    let f = Filter::default();
    let mut sorts = vec![None];
    for column in Column::ALL {
        for direction in [Direction::Ascending, Direction::Descending] {
            sorts.push(Some(Sort { column, direction }));
        }
    }
    let mut cache = VisibleCache::default();
    // Every sort after every other: the cache re-sorts the previous order in place.
    for before in &sorts {
        for after in &sorts {
            cache.get(&rows, key(0, &rows), &f, *before, NOW);
            assert_eq!(
                keys(&rows, cache.get(&rows, key(0, &rows), &f, *after, NOW)),
                keys(&rows, &visible(&rows, &f, *after, NOW)),
                "{before:?} then {after:?}"
            );
        }
    }
    // A re-sort keeps the membership number (charts skip their recount); a filter changes it.
    let m = cache.membership();
    cache.get(&rows, key(0, &rows), &f, sorts[3], NOW);
    assert_eq!(cache.membership(), m, "re-sort");
    cache.get(&rows, key(0, &rows), &filter("odd"), sorts[3], NOW);
    assert_ne!(cache.membership(), m, "filter");
    let created_asc = visible(
        &rows,
        &f,
        Some(Sort {
            column: Column::Created,
            direction: Direction::Ascending,
        }),
        NOW,
    );
    assert_eq!(
        keys(&rows, &created_asc)[..5],
        ["b0", "b2", "b1", "b5", "b3"],
        "-1.5 < -0.0 < 0.0 < 0.5 < 1.25e9 (then b4, equal, after b3)"
    );
}

#[test]
fn charts_follow_the_visible_rows() {
    let rows = sample();
    let all = visible(&rows, &Filter::default(), None, NOW);
    let storage = storage_by_table(&rows, &all);
    assert_eq!(storage[0].table, "orders");
    assert_eq!(storage[0].bytes, 1000 + (2 << 30));
    assert_eq!(storage[0].count, 3);
    assert_eq!(storage.last().unwrap().table, "kunden");
    assert_eq!(storage.last().unwrap().bytes, 0);

    let (bins, missing) = size_histogram(&rows, &all);
    assert_eq!(missing, 1);
    assert_eq!(
        bins.first().unwrap().lo,
        0,
        "a 0-byte backup has its own bin"
    );
    assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 5);
    assert!(
        bins.windows(2).all(|w| w[0].hi == w[1].lo),
        "contiguous bins"
    );

    let t = expiry_timeline(&rows, &all, NOW, 35);
    assert_eq!(t.days.len(), 35);
    assert_eq!(t.no_expiry, 3);
    assert_eq!(t.expired, 1);
    assert_eq!(
        t.days[2].count, 1,
        "noon + 36 h is the start of the day after tomorrow"
    );
    assert_eq!(t.days[2].bytes, 7 << 20);
    assert_eq!(t.days[33].count, 1);
    assert_eq!(t.later, 0);
}

#[test]
fn charts_with_zero_and_one_row() {
    let none: Vec<Row> = Vec::new();
    assert!(storage_by_table(&none, &[]).is_empty());
    assert_eq!(size_histogram(&none, &[]), (Vec::new(), 0));
    let t = expiry_timeline(&none, &[], NOW, 35);
    assert!(t.days.iter().all(|d| d.count == 0));
    let one = vec![row(
        "x",
        "only",
        "t1",
        NOW as f64,
        Some(5 << 30),
        Some(NOW as f64 + 3600.0),
        "SYSTEM",
    )];
    let (bins, _) = size_histogram(&one, &[0]);
    assert_eq!(bins.len(), 1, "one bucket");
    assert_eq!(bins[0].count, 1);
    assert_eq!(expiry_timeline(&one, &[0], NOW, 35).days[0].count, 1);
}

#[test]
fn exports_hold_exactly_the_visible_rows_with_api_names() {
    let rows = sample();
    let idx = visible(&rows, &filter("orders"), None, NOW);
    let csv = to_csv(&rows, &idx);
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines[0], "TableName,TableId,TableArn,BackupArn,BackupName,BackupCreationDateTime,BackupExpiryDateTime,BackupStatus,BackupType,BackupSizeBytes,AccountId,Region");
    assert_eq!(lines.len(), 1 + idx.len());
    assert!(lines[1].contains(",a0,nightly-orders-1,"));
    let json = to_json(&rows, &idx);
    let page = parse_list_backups(200, &|_| None, &json).unwrap();
    let back: Vec<BackupSummary> = idx
        .iter()
        .map(|&i| rows[i as usize].summary.clone())
        .collect();
    assert_eq!(
        page.backup_summaries, back,
        "the JSON export reads back as the same summaries"
    );
}

#[test]
fn storage_groups_by_table_account_or_region_incrementally() {
    use backup_lens::core::chart::{storage_by, StorageGroup};
    let mut rows = Vec::new();
    for (i, (account, region)) in [
        ("111122223333", "us-east-1"),
        ("111122223333", "eu-west-1"),
        ("444455556666", "us-east-1"),
        ("444455556666", "us-east-1"),
    ]
    .iter()
    .enumerate()
    {
        rows.push(Row::new(
            format!("arn:aws:dynamodb:{region}:{account}:table/t{i}/backup/{i:020}"),
            BackupSummary {
                table_name: Some(format!("t{}", i % 2)),
                backup_arn: Some(format!(
                    "arn:aws:dynamodb:{region}:{account}:table/t{i}/backup/{i:020}"
                )),
                backup_size_bytes: Some(100 * (i as u64 + 1)),
                ..Default::default()
            },
        ));
    }
    let all: Vec<u32> = (0..rows.len() as u32).collect();
    let by_account = storage_by(&rows, &all, StorageGroup::Account);
    assert_eq!(
        by_account
            .iter()
            .map(|t| (t.table.as_str(), t.bytes, t.count))
            .collect::<Vec<_>>(),
        vec![("444455556666", 700, 2), ("111122223333", 300, 2)]
    );
    let by_region = storage_by(&rows, &all, StorageGroup::Region);
    assert_eq!(by_region[0].table, "us-east-1");
    assert_eq!(by_region[0].bytes, 100 + 300 + 400);
    // The incremental totals agree with the direct count after a group switch.
    let mut totals = ChartTotals::default();
    let key = RowsKey {
        generation: 1,
        revision: 0,
        len: rows.len(),
    };
    let f = Filter::default();
    assert_eq!(
        totals.update(&rows, key, &f, NOW, 35, &all).storage,
        storage_by_table(&rows, &all)
    );
    totals.set_group(StorageGroup::Region);
    assert_eq!(
        totals.update(&rows, key, &f, NOW, 35, &all).storage,
        by_region
    );
    // A bar click filters to that account, and again clears it.
    let mut f = Filter::default();
    StorageGroup::Account.toggle(&mut f, "111122223333");
    assert!(StorageGroup::Account.is_only(&f, "111122223333"));
    assert_eq!(f.apply(&rows, all.iter().copied(), NOW), vec![0, 1]);
    StorageGroup::Account.toggle(&mut f, "111122223333");
    assert!(f.is_empty());
}
