//! ClientHello and ServerHello bodies (RFC 8446 §4.1.2–§4.1.3, RFC 5246 §7.4.1): what a class
//! can read before encryption starts — the server name (SNI, RFC 6066 §3), the application
//! protocols offered (ALPN, RFC 7301), the cipher suite chosen and, for TLS 1.3, the version
//! chosen in `supported_versions` (RFC 8446 §4.2.1).

/// Extension types (IANA "TLS `ExtensionType` Values").
mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const ALPN: u16 = 16;
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// `ServerNameList` entry type for a DNS host name (RFC 6066 §3).
const HOST_NAME: u8 = 0;

/// The ServerHello.random that marks a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256 of
/// "HelloRetryRequest".
const HELLO_RETRY_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// What a ClientHello offers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientHello {
    pub legacy_version: u16,
    pub cipher_suites: Vec<u16>,
    /// The first `host_name` of the `server_name` extension.
    pub sni: Option<String>,
    /// The ALPN protocol names offered, in order.
    pub alpn: Vec<String>,
    /// The versions of `supported_versions`, in order (empty without the extension).
    pub supported_versions: Vec<u16>,
}

/// What a ServerHello chose.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    pub cipher_suite: u16,
    /// The version of `supported_versions` (TLS 1.3 and later).
    pub selected_version: Option<u16>,
    /// A HelloRetryRequest, not a real ServerHello: the client sends a new ClientHello.
    pub hello_retry: bool,
}

/// A cursor over a message body; every read returns `None` past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn u16(&mut self) -> Option<u16> {
        let b = self.take(2)?;
        Some(u16::from_be_bytes([*b.first()?, *b.get(1)?]))
    }
    /// A vector with a one-byte length.
    fn vec8(&mut self) -> Option<Reader<'a>> {
        let n = self.u8()?;
        self.take(usize::from(n)).map(Reader)
    }
    /// A vector with a two-byte length.
    fn vec16(&mut self) -> Option<Reader<'a>> {
        let n = self.u16()?;
        self.take(usize::from(n)).map(Reader)
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The extensions block, which TLS 1.2 and earlier may leave out: `(type, data)` pairs.
fn extensions<'a>(r: &mut Reader<'a>) -> Option<Vec<(u16, &'a [u8])>> {
    let mut out = Vec::new();
    if r.is_empty() {
        return Some(out);
    }
    let mut block = r.vec16()?;
    while !block.is_empty() {
        let kind = block.u16()?;
        let data = block.vec16()?;
        out.push((kind, data.0));
    }
    Some(out)
}

/// Parse a ClientHello body (after the 4-byte handshake header). `None` when a field runs past
/// the end.
pub fn parse_client_hello(body: &[u8]) -> Option<ClientHello> {
    let mut r = Reader(body);
    let mut hello = ClientHello {
        legacy_version: r.u16()?,
        ..ClientHello::default()
    };
    r.take(32)?; // random
    r.vec8()?; // legacy_session_id
    let mut suites = r.vec16()?;
    while !suites.is_empty() {
        hello.cipher_suites.push(suites.u16()?);
    }
    r.vec8()?; // legacy_compression_methods
    for (kind, data) in extensions(&mut r)? {
        let mut d = Reader(data);
        match kind {
            ext::SERVER_NAME if hello.sni.is_none() => {
                let mut list = d.vec16()?;
                while !list.is_empty() {
                    let name_type = list.u8()?;
                    let name = list.vec16()?;
                    if name_type == HOST_NAME && hello.sni.is_none() {
                        hello.sni = Some(String::from_utf8_lossy(name.0).into_owned());
                    }
                }
            }
            ext::ALPN => {
                let mut list = d.vec16()?;
                while !list.is_empty() {
                    let name = list.vec8()?;
                    hello
                        .alpn
                        .push(String::from_utf8_lossy(name.0).into_owned());
                }
            }
            ext::SUPPORTED_VERSIONS => {
                let mut list = d.vec8()?;
                while !list.is_empty() {
                    hello.supported_versions.push(list.u16()?);
                }
            }
            _ => {}
        }
    }
    Some(hello)
}

/// Parse a ServerHello body (after the 4-byte handshake header). `None` when a field runs past
/// the end.
pub fn parse_server_hello(body: &[u8]) -> Option<ServerHello> {
    let mut r = Reader(body);
    let legacy_version = r.u16()?;
    let random = r.take(32)?;
    r.vec8()?; // legacy_session_id_echo
    let mut hello = ServerHello {
        legacy_version,
        cipher_suite: r.u16()?,
        selected_version: None,
        hello_retry: random == HELLO_RETRY_RANDOM,
    };
    r.u8()?; // legacy_compression_method
    for (kind, data) in extensions(&mut r)? {
        if kind == ext::SUPPORTED_VERSIONS {
            hello.selected_version = Some(Reader(data).u16()?);
        }
    }
    Some(hello)
}
