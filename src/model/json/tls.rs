//! The `tls` list of a packet's JSON line (DESIGN.md's contract): the TLS records whose last
//! byte is in the packet, with the field names of tshark's `tls.record.*` and `tls.handshake.*`
//! as `../shared/corpus/compare_tls.py` reads them.

use serde::Serialize;

use crate::app_proto::TlsRecord;

use super::Sentences;

#[derive(Serialize)]
pub(super) struct JsonTls<'a> {
    content_type: u8,
    version: u16,
    length: u16,
    encrypted: bool,
    handshake_types: &'a [u8],
    #[serde(skip_serializing_if = "Option::is_none")]
    sni: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    alpn: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    cipher_suite: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    selected_version: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert_level: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alert_description: Option<u8>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    issues: Vec<String>,
}

pub(super) fn tls_json(r: &TlsRecord, sentences: Sentences) -> JsonTls<'_> {
    JsonTls {
        content_type: r.content_type,
        version: r.version,
        length: r.length,
        encrypted: r.encrypted,
        handshake_types: &r.handshake_types,
        sni: r.sni.as_deref(),
        alpn: &r.alpn,
        cipher_suite: r.cipher_suite,
        selected_version: r.selected_version,
        alert_level: r.alert.map(|a| a.0),
        alert_description: r.alert.map(|a| a.1),
        issues: r.issues.iter().map(sentences.tls_anomaly).collect(),
    }
}
