//! The pure core: no browser types, no clock, no I/O. Tested natively.

pub mod chart;
pub mod csp;
pub mod details;
pub mod endpoint;
pub mod engine;
pub mod error;
pub mod export;
pub mod format;
pub mod hash;
pub mod org;
pub mod paste;
pub mod query;
pub mod rate;
pub mod response;
pub mod retry;
pub mod roles;
pub mod rows;
pub mod secret;
pub mod sign;
pub mod sort;
pub mod sts;
pub mod tables;
pub mod time;
pub mod urlstate;
pub mod view;
