//! Times as a person reads them: the model's formatting (step labels use it too), for the views.

pub use crate::model::timefmt::{offset_text, plus_offset_text};
