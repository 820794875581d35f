//! `decode --format json`: the JSON Lines contract of DESIGN.md.
