//! TLS for `wss://` on the bundled server's own port: a self-signed certificate made at start
//! (rcgen) for `localhost`, `127.0.0.1` and `::1`, served with rustls; connections whose first byte
//! starts a TLS handshake record are served over TLS, the others in clear. The demo client
//! trusts exactly that certificate, which the server registers for its address in this process.
//! The crypto provider is ring, given explicitly (no process-wide default is installed).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector, TlsStream};

/// The name the certificate is made for and the demo client asks for (its SNI).
pub const SERVER_NAME: &str = "localhost";

/// The ALPN protocol both ends offer: WebSocket's opening handshake is HTTP/1.1 (RFC 6455 §4.1).
const ALPN_HTTP11: &[u8] = b"http/1.1";

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("cannot make the self-signed certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("cannot configure TLS: {0}")]
    Config(#[from] rustls::Error),
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The server's TLS: its acceptor and the certificate a client must trust.
#[derive(Clone)]
pub struct ServerTls {
    pub acceptor: TlsAcceptor,
    pub certificate: CertificateDer<'static>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").finish_non_exhaustive()
    }
}

impl ServerTls {
    /// A new key pair and self-signed certificate for `localhost`, `127.0.0.1` and `::1`.
    pub fn self_signed() -> Result<Self, TlsSetupError> {
        let names = vec![
            SERVER_NAME.to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        let certified = rcgen::generate_simple_self_signed(names)?;
        let certificate = certified.cert.der().clone();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
            certified.signing_key.serialize_der(),
        ));
        let mut config = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![certificate.clone()], key)?;
        config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
        Ok(Self {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certificate,
        })
    }
}

/// Certificates the servers of this process made, by address: what the demo client trusts.
static TRUSTED: Mutex<Vec<(SocketAddr, CertificateDer<'static>)>> = Mutex::new(Vec::new());

/// Trust `certificate` for the server at `addr` (a server registers its own at start).
pub fn trust(addr: SocketAddr, certificate: CertificateDer<'static>) {
    let mut trusted = TRUSTED.lock().unwrap_or_else(PoisonError::into_inner);
    trusted.retain(|(a, _)| *a != addr);
    trusted.push((addr, certificate));
}

/// Forget the certificate of the server at `addr` (it stopped).
pub fn forget(addr: SocketAddr) {
    TRUSTED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .retain(|(a, _)| *a != addr);
}

/// The certificate trusted for the server at `addr`.
pub fn trusted(addr: SocketAddr) -> Option<CertificateDer<'static>> {
    TRUSTED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|(a, _)| *a == addr)
        .map(|(_, c)| c.clone())
}

/// A client connector that trusts only `certificate` and offers ALPN `http/1.1`, and the name
/// it asks for.
pub fn connector(
    certificate: CertificateDer<'static>,
) -> Result<(TlsConnector, ServerName<'static>), TlsSetupError> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(certificate)?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_HTTP11.to_vec()];
    let name =
        ServerName::try_from(SERVER_NAME).map_err(|e| rustls::Error::General(e.to_string()))?;
    Ok((TlsConnector::from(Arc::new(config)), name))
}

/// Whether the first byte a client sent starts a TLS handshake record (content type 22).
pub fn starts_tls(first: u8) -> bool {
    first == 22
}

/// How long a server's TLS connection, once dropped, waits for the client's `close_notify`
/// and FIN before the socket is closed.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// A connection of the bundled server or the demo client: TCP, or TLS on TCP. Dropping a TLS
/// one sends its `close_notify` alert first (RFC 8446 §6.1), so that the peer knows nothing was
/// cut off, then the FIN, as dropping a TCP one does. A server's then reads until the client's
/// own `close_notify` and FIN (at most two seconds): a socket closed with the client's last
/// bytes unread would answer them with RST.
#[derive(Debug)]
pub struct MaybeTls(Inner);

#[derive(Debug)]
enum Inner {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// Dropped: its TLS session went on to close (see [`MaybeTls`]'s `Drop`).
    Closed,
}

impl MaybeTls {
    pub fn plain(tcp: TcpStream) -> Self {
        Self(Inner::Plain(tcp))
    }

    pub fn tls(session: impl Into<TlsStream<TcpStream>>) -> Self {
        Self(Inner::Tls(Box::new(session.into())))
    }
}

/// Writes to a socket without waiting: for the last bytes of a connection being dropped.
struct WriteNow<'a>(&'a TcpStream);

impl io::Write for WriteNow<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.try_write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Queue `close_notify` and write it at once (a few dozen bytes into an open socket's send
/// buffer: never blocks; if the peer is gone the write fails and nothing is lost).
fn close_notify_now(tls: &mut TlsStream<TcpStream>) {
    let _ = match tls {
        TlsStream::Client(s) => {
            let (io, conn) = s.get_mut();
            conn.send_close_notify();
            conn.write_tls(&mut WriteNow(io))
        }
        TlsStream::Server(s) => {
            let (io, conn) = s.get_mut();
            conn.send_close_notify();
            conn.write_tls(&mut WriteNow(io))
        }
    };
}

/// A server's TLS connection, dropped: `close_notify` and FIN, then the client's until EOF.
async fn linger(mut tls: TlsStream<TcpStream>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let _ = tokio::time::timeout(LINGER, async {
        tls.shutdown().await?;
        let mut buf = [0u8; 1024];
        while tls.read(&mut buf).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

impl Drop for MaybeTls {
    fn drop(&mut self) {
        let Inner::Tls(tls) = std::mem::replace(&mut self.0, Inner::Closed) else {
            return;
        };
        let mut tls = *tls;
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if matches!(tls, TlsStream::Server(_)) => {
                runtime.spawn(linger(tls));
            }
            _ => close_notify_now(&mut tls),
        }
    }
}

/// The error of a stream used after it was dropped (never: `Drop` empties it last).
fn closed() -> io::Error {
    io::Error::from(io::ErrorKind::NotConnected)
}

impl AsyncRead for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Inner::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Inner::Closed => Poll::Ready(Err(closed())),
        }
    }
}

impl AsyncWrite for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().0 {
            Inner::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Inner::Closed => Poll::Ready(Err(closed())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Inner::Plain(s) => Pin::new(s).poll_flush(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Inner::Closed => Poll::Ready(Err(closed())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().0 {
            Inner::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Inner::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Inner::Closed => Poll::Ready(Err(closed())),
        }
    }
}
