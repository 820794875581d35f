//! The `tls` list of a packet's JSON line (DESIGN.md's contract): the TLS records whose last
//! byte is in the packet, with the field names of tshark's `tls.record.*` and `tls.handshake.*`
//! as `../shared/corpus/compare_tls.py` reads them.

use std::io::{self, Write};

#[cfg(test)]
use serde::Serialize;

use crate::app_proto::TlsRecord;

use super::{Sentences, str_array};
use crate::app_proto::json_text::{fixed, write_str, write_u64};

/// The reference for [`write`]: the tests compare the two.
#[cfg(test)]
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

#[cfg(test)]
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

/// One TLS record, by hand (through serde it was a tenth of the CPU time on a wss capture); the
/// fields in `JsonTls`'s order.
pub(super) fn write(out: &mut Vec<u8>, r: &TlsRecord, sentences: Sentences) -> io::Result<()> {
    // Keys 69 bytes, values 18 at most, and room for the last piece's copy.
    fixed::<112, _>(out, |w| {
        w.key_num(b"{\"content_type\":", u64::from(r.content_type));
        w.key_num(b",\"version\":", u64::from(r.version));
        w.key_num(b",\"length\":", u64::from(r.length));
        w.put(b",\"encrypted\":");
        w.bool(r.encrypted);
        w.put(b",\"handshake_types\":");
    });
    super::array(out, &r.handshake_types, |out, t| {
        write_u64(out, u64::from(*t))
    })?;
    if let Some(sni) = &r.sni {
        out.write_all(b",\"sni\":")?;
        write_str(out, sni)?;
    }
    if !r.alpn.is_empty() {
        out.write_all(b",\"alpn\":")?;
        str_array(out, r.alpn.iter().map(String::as_str))?;
    }
    let numbers = [
        (&b",\"cipher_suite\":"[..], r.cipher_suite),
        (b",\"selected_version\":", r.selected_version),
        (b",\"alert_level\":", r.alert.map(|a| u16::from(a.0))),
        (b",\"alert_description\":", r.alert.map(|a| u16::from(a.1))),
    ];
    for (key, n) in numbers {
        if let Some(n) = n {
            out.write_all(key)?;
            write_u64(out, u64::from(n))?;
        }
    }
    if !r.issues.is_empty() {
        out.write_all(b",\"issues\":")?;
        let issues: Vec<String> = r.issues.iter().map(sentences.tls_anomaly).collect();
        str_array(out, issues.iter().map(String::as_str))?;
    }
    out.write_all(b"}")
}
