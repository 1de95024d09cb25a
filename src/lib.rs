//! complaint-triage: reads free-text enterprise complaints (企业诉求), decides what each is about and hands it
//! to the department that owns it, with a calibrated confidence.
//!
//! The pipeline, one module per stage, each stage a small trait:
//!
//! | stage | module | trait |
//! |---|---|---|
//! | Traditional → Simplified, widths, whitespace, masks | [`normalize`] | [`normalize::Normalizer`] |
//! | words, with jieba and a domain dictionary | [`segment`] | [`segment::Segmenter`] |
//! | TF-IDF over word and char n-grams | [`featurize`] | [`featurize::Featurizer`] |
//! | linear scores per label | [`classify`] | [`classify::Classifier`] |
//! | scores → calibrated probabilities | [`calibrate`] | [`calibrate::Calibrator`] |
//! | auto-route or send to a person | [`review`] | [`review::ReviewPolicy`] |
//! | label → department | [`route`] | [`route::RoutingTable`] |
//!
//! [`pipeline::Pipeline`] holds all of them as one serialisable value, saved by [`pipeline::model_file`].

pub mod batch;
pub mod calibrate;
pub mod case_import;
pub mod classify;
pub mod cli;
pub mod cluster;
pub mod drift;
pub mod error;
pub mod featurize;
pub mod io;
pub mod lang;
pub mod metrics;
pub mod normalize;
pub mod pipeline;
pub mod registry;
pub mod report;
pub mod review;
pub mod route;
pub mod segment;
pub mod serve;
pub mod shuffle;
pub mod store;
pub mod validation;

pub use error::TriageError;
pub use pipeline::{Pipeline, Triage};
