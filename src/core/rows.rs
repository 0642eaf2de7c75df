//! The data model of a listing: where a source's paging stands (`Cursor`) and
//! a loaded backup (`Row`). The engine (`engine.rs`) keeps them; the view
//! (`view.rs`), charts and exports read them.

use super::response::BackupSummary;
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
    /// The listing source it came from (`SourceId.0` of the engine).
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
