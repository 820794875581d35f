//! Narration for TLS (`wss://`): what the hellos say in clear, where confidentiality and server
//! authentication come from, and why the WebSocket frames inside the encrypted records cannot be
//! seen. Every sentence holds for any TLS capture, not only the bundled `wss` scenario.

use super::steps::Narration;
use super::teardown::capitalise;
use crate::app_proto::tls::{TLS13, content_type, handshake_type, version_name};
use crate::flow::Direction;
use crate::model::{PacketRow, Step, TlsRecord};

/// The IANA name of the cipher suites a class meets most, or the number in hex.
pub fn cipher_suite_name(suite: u16) -> String {
    let name = match suite {
        0x1301 => "TLS_AES_128_GCM_SHA256",
        0x1302 => "TLS_AES_256_GCM_SHA384",
        0x1303 => "TLS_CHACHA20_POLY1305_SHA256",
        0xc02b => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        0xc02c => "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        0xc02f => "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        0xc030 => "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        0xcca8 => "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        0xcca9 => "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        0x000a => "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        0x002f => "TLS_RSA_WITH_AES_128_CBC_SHA",
        0x0035 => "TLS_RSA_WITH_AES_256_CBC_SHA",
        _ => return format!("0x{suite:04x}"),
    };
    format!("{name} (0x{suite:04x})")
}

/// The sentence that says why nobody on the path can read what the records carry.
pub const CONFIDENTIALITY: &str = "Only the record's type, version and length travel in clear: \
     what it carries is encrypted with keys that only the two ends agreed in the handshake. For \
     wss:// that is the HTTP Upgrade and then every WebSocket frame: a capture (osiscope \
     included) cannot read their text, their opcodes or even where one frame ends. That is the \
     confidentiality TLS adds.";

/// The sentence that says where server authentication comes from.
pub const AUTHENTICATION: &str = "The server sends its certificate and proves it holds the \
     certificate's private key; the client checks that the certificate names the server it asked \
     for and is signed by an authority it trusts (or, for a self-signed test certificate, that it \
     was told to trust exactly that one). That check is where server authentication comes from. \
     The Sec-WebSocket-Accept header is not it: anyone can compute that value.";

fn sender(direction: Direction) -> &'static str {
    match direction {
        Direction::ClientToServer => "the client",
        Direction::ServerToClient => "the server",
    }
}

/// Narrate a step of TLS records.
pub fn narrate(step: &Step, record: &PacketRow) -> Narration {
    let who = sender(step.direction);
    let hello = |t: u8| {
        record
            .tls()
            .iter()
            .find(|r| !r.encrypted && r.handshake_types.contains(&t))
    };
    if let Some(ch) = hello(handshake_type::CLIENT_HELLO) {
        return client_hello(ch);
    }
    if let Some(sh) = hello(handshake_type::SERVER_HELLO) {
        return server_hello(sh);
    }
    let bytes: u64 = record.tls().iter().map(|r| u64::from(r.length)).sum();
    let plain_handshake = record
        .tls()
        .iter()
        .any(|r| !r.encrypted && !r.handshake_types.is_empty());
    if plain_handshake {
        let names: Vec<String> = record
            .tls()
            .iter()
            .flat_map(|r| r.handshake_types.iter().map(|&t| handshake_type::name(t)))
            .collect();
        let certificate = record
            .tls()
            .iter()
            .any(|r| r.handshake_types.contains(&handshake_type::CERTIFICATE));
        return Narration {
            headline: format!("TLS handshake: {}", names.join(", ")),
            body: format!(
                "{} sends handshake messages in clear: {}. They are readable because before \
                 TLS 1.3 a side encrypts only after its Change Cipher Spec.{}",
                capitalise(who),
                names.join(", "),
                if certificate {
                    format!(" {AUTHENTICATION}")
                } else {
                    String::new()
                }
            ),
            next: None,
            analogy: None,
        };
    }
    let ccs_only = record
        .tls()
        .iter()
        .all(|r| r.content_type == content_type::CHANGE_CIPHER_SPEC);
    if ccs_only {
        return Narration {
            headline: "TLS Change Cipher Spec".into(),
            body: format!(
                "{} sends a one-byte Change Cipher Spec record. Before TLS 1.3 it announces that \
                 what this side sends next is encrypted; TLS 1.3 ignores it and keeps it only so \
                 that old middleboxes let the connection through.",
                capitalise(who)
            ),
            next: Some(format!("Everything {who} sends from here on is encrypted.")),
            analogy: None,
        };
    }
    let n = record.tls().len();
    Narration {
        headline: format!(
            "{n} encrypted TLS record{}: {bytes} bytes nobody on the path can read",
            if n == 1 { "" } else { "s" }
        ),
        body: format!(
            "{} sends {} ({bytes} bytes of record contents). {CONFIDENTIALITY}",
            capitalise(who),
            record
                .tls()
                .iter()
                .map(crate::model::summary::tls_record_info)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        next: None,
        analogy: Some(
            "Like a sealed envelope: the post office reads the address and weighs it (ports, \
             record length), but not the letter inside."
                .into(),
        ),
    }
}

fn client_hello(ch: &TlsRecord) -> Narration {
    let sni = ch.sni.as_deref();
    let alpn = if ch.alpn.is_empty() {
        "none".to_string()
    } else {
        ch.alpn.join(", ")
    };
    Narration {
        headline: match sni {
            Some(name) => format!("TLS ClientHello for {name}"),
            None => "TLS ClientHello".into(),
        },
        body: format!(
            "Before any HTTP, the client starts TLS on this TCP connection: that is what wss:// \
             adds to ws://. Its ClientHello travels in clear, so anyone on the path reads {}, the \
             application protocols it can speak next (ALPN: {alpn}), and the cipher suites and \
             TLS versions it supports.",
            match sni {
                Some(name) => format!("the name of the server it wants (SNI: {name})"),
                None => "that it names no server (no SNI extension)".to_string(),
            }
        ),
        next: Some(
            "The server answers with a ServerHello that picks the version and cipher suite, \
             then proves who it is with its certificate."
                .into(),
        ),
        analogy: None,
    }
}

fn server_hello(sh: &TlsRecord) -> Narration {
    let tls13 = sh.selected_version == Some(TLS13);
    let version = sh.selected_version.unwrap_or(sh.version);
    let suite = sh
        .cipher_suite
        .map_or_else(|| "?".to_string(), cipher_suite_name);
    let after = if tls13 {
        "In TLS 1.3 everything after the ServerHello is encrypted, even the server's certificate: \
         the records that follow all say \"Application Data\"."
    } else {
        "In this version the certificate and the key exchange still travel in clear; encryption \
         starts after each side's Change Cipher Spec."
    };
    Narration {
        headline: format!("TLS ServerHello: {}, {suite}", version_name(version)),
        body: format!(
            "The server chooses {} and the cipher suite {suite}, and sends its half of the key \
             exchange. {after} {AUTHENTICATION}",
            version_name(version)
        ),
        next: Some(
            "Once both sides have sent Finished, the application's bytes (for wss://, the HTTP \
             Upgrade and then the WebSocket frames) go inside encrypted records."
                .into(),
        ),
        analogy: None,
    }
}
