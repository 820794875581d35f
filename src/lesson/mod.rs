//! Plain-language narration for each step kind and each OSI layer.
