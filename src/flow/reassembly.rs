//! Per-direction reassembly.
