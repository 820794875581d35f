//! Live capture on an interface (pnet by default; libpcap behind the `libpcap` feature).
