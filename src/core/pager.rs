//! Pagination as a state machine: which page comes next, what the rows are
//! so far, and when everything is in. No I/O: the edge asks for the next body,
//! sends it, and hands the parsed page back with the cursor it was sent with.

use std::collections::HashMap;

use super::query::Query;
use super::response::{BackupSummary, Page};
use super::view::haystack;

/// Where the listing stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// Nothing asked yet: the next call is the first page.
    Start,
    /// The next call starts after this `LastEvaluatedBackupArn`.
    After(String),
    /// The last answer had no `LastEvaluatedBackupArn`: all results are in.
    Done,
}

/// A loaded backup and the key the table uses for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The listing source it came from (`SourceId.0` of the engine; 0 from a [`Pager`]).
    /// A backup is identified by `(source, key)`: two sources may list the same ARN.
    pub source: u32,
    /// The BackupArn, or a made-up key for a summary without one (unique within its source).
    pub key: String,
    pub summary: BackupSummary,
    /// Lower-case name, table, table ARN and backup ARN, for the search box.
    pub search: String,
    /// Times this row was replaced by newer data for the same backup (a later
    /// page): part of the table's row key, so an updated row is redrawn.
    pub updates: u32,
}

impl Row {
    /// A row of source 0.
    pub fn new(key: String, summary: BackupSummary) -> Row {
        Row::from_source(0, key, summary)
    }

    /// A row loaded by listing source `source`.
    pub fn from_source(source: u32, key: String, summary: BackupSummary) -> Row {
        let search = haystack(&summary);
        Row {
            source,
            key,
            summary,
            search,
            updates: 0,
        }
    }
}

/// Why a page was not applied.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PagerError {
    /// The answer belongs to another cursor (a late reply after a new query or a stop).
    #[error("a late answer for an earlier request was ignored")]
    Stale,
    /// The server sent back the cursor it was given: following it would loop forever.
    #[error("the endpoint returned the same page cursor twice; stopped to avoid looping forever")]
    Loop,
}

/// The rows of one query and its cursor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pager {
    query: Query,
    cursor: Option<Cursor>,
    rows: Vec<Row>,
    by_key: HashMap<String, usize>,
    pages: u32,
    unnamed: u32,
    revision: u64,
}

impl Pager {
    /// A fresh listing for `query`: no rows, first page next.
    pub fn new(query: Query) -> Self {
        Pager {
            query,
            cursor: Some(Cursor::Start),
            ..Pager::default()
        }
    }

    pub fn query(&self) -> &Query {
        &self.query
    }

    pub fn cursor(&self) -> &Cursor {
        self.cursor.as_ref().unwrap_or(&Cursor::Done)
    }

    /// Rows so far, in arrival order, one per BackupArn.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Pages applied so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Counts changes to rows already shown (a later page updating a backup);
    /// appending rows does not count.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// True until an answer without `LastEvaluatedBackupArn` arrives.
    pub fn has_more(&self) -> bool {
        !matches!(self.cursor(), Cursor::Done)
    }

    /// The `ExclusiveStartBackupArn` of the next call (`None` for the first page).
    pub fn next_start(&self) -> Option<&str> {
        match self.cursor() {
            Cursor::After(arn) => Some(arn),
            _ => None,
        }
    }

    /// The body of the next call, or `None` when all results are in.
    pub fn next_body(&self) -> Option<String> {
        self.has_more().then(|| self.query.body(self.next_start()))
    }

    /// Applies an answer to the call that was sent with `sent_start`.
    /// Returns how many new backups it added (updates to known ones do not count).
    pub fn apply(&mut self, sent_start: Option<&str>, page: Page) -> Result<usize, PagerError> {
        if !self.has_more() || sent_start != self.next_start() {
            return Err(PagerError::Stale);
        }
        if page.next_start.is_some() && page.next_start.as_deref() == sent_start {
            return Err(PagerError::Loop);
        }
        let before = self.rows.len();
        for summary in page.backup_summaries {
            let key = match &summary.backup_arn {
                Some(arn) => arn.clone(),
                None => {
                    self.unnamed += 1;
                    format!("(no BackupArn) #{}", self.unnamed)
                }
            };
            match self.by_key.get(&key) {
                // Seen on an earlier page: keep one row, with the newest data.
                Some(&i) => {
                    if self.rows[i].summary != summary {
                        self.rows[i] = Row::new(key, summary);
                        self.revision += 1;
                    }
                }
                None => {
                    self.by_key.insert(key.clone(), self.rows.len());
                    self.rows.push(Row::new(key, summary));
                }
            }
        }
        self.pages += 1;
        self.cursor = Some(match page.next_start {
            Some(arn) => Cursor::After(arn),
            None => Cursor::Done,
        });
        Ok(self.rows.len() - before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(arn: &str, name: &str) -> BackupSummary {
        BackupSummary {
            backup_arn: Some(arn.into()),
            backup_name: Some(name.into()),
            ..Default::default()
        }
    }

    fn page(arns: &[&str], next: Option<&str>) -> Page {
        Page {
            backup_summaries: arns.iter().map(|a| summary(a, "v1")).collect(),
            next_start: next.map(Into::into),
        }
    }

    #[test]
    fn follows_cursor_until_absent_including_an_empty_last_page() {
        let mut p = Pager::new(Query::default());
        assert_eq!(p.next_body().unwrap(), r#"{"BackupType":"USER"}"#);
        assert_eq!(p.apply(None, page(&["a", "b"], Some("b"))), Ok(2));
        assert!(p
            .next_body()
            .unwrap()
            .contains(r#""ExclusiveStartBackupArn":"b""#));
        assert_eq!(p.apply(Some("b"), page(&[], Some("c"))), Ok(0));
        assert!(p.has_more(), "an empty page with a cursor is not the end");
        assert_eq!(p.apply(Some("c"), page(&[], None)), Ok(0));
        assert!(!p.has_more());
        assert_eq!(p.next_body(), None);
        assert_eq!(p.pages(), 3);
    }

    #[test]
    fn duplicates_keep_one_row_with_the_newest_data() {
        let mut p = Pager::new(Query::default());
        p.apply(None, page(&["a", "b"], Some("b"))).unwrap();
        let mut second = page(&["b", "c"], None);
        second.backup_summaries[0].backup_name = Some("v2".into());
        assert_eq!(p.apply(Some("b"), second), Ok(1));
        let keys: Vec<_> = p.rows().iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(p.rows()[1].summary.backup_name.as_deref(), Some("v2"));
    }

    #[test]
    fn late_answers_and_loops_are_refused() {
        let mut p = Pager::new(Query::default());
        p.apply(None, page(&["a"], Some("a"))).unwrap();
        assert_eq!(p.apply(None, page(&["x"], None)), Err(PagerError::Stale));
        assert_eq!(
            p.apply(Some("a"), page(&["b"], Some("a"))),
            Err(PagerError::Loop)
        );
        assert_eq!(p.rows().len(), 1, "nothing applied from refused pages");
        p.apply(Some("a"), page(&[], None)).unwrap();
        assert_eq!(p.apply(None, page(&["y"], None)), Err(PagerError::Stale));
    }

    #[test]
    fn summaries_without_arn_are_kept_apart() {
        let mut p = Pager::new(Query::default());
        let pg = Page {
            backup_summaries: vec![BackupSummary::default(), BackupSummary::default()],
            next_start: None,
        };
        assert_eq!(p.apply(None, pg), Ok(2));
        assert_ne!(p.rows()[0].key, p.rows()[1].key);
    }
}
