//! TLS for `polc serve --tls-cert PEM --tls-key PEM`: a rustls server
//! configuration (the `ring` provider) and a listener that hands axum each
//! connection once its handshake is done, handshakes running beside one another.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Longest wait for a client's TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// The server configuration of a PEM certificate chain and its PEM private key
/// (PKCS#8, PKCS#1 or SEC1), TLS 1.2 and 1.3, offering HTTP/1.1.
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> std::io::Result<Arc<rustls::ServerConfig>> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidData, what);
    let certs: Vec<_> = rustls_pemfile::certs(&mut &cert_pem[..])
        .collect::<Result<_, _>>()
        .map_err(|e| invalid(format!("the certificate file is not PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("the certificate file holds no `CERTIFICATE` block".into()));
    }
    let key = rustls_pemfile::private_key(&mut &key_pem[..])
        .map_err(|e| invalid(format!("the key file is not PEM: {e}")))?
        .ok_or_else(|| invalid("the key file holds no private key block".into()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(format!("the certificate and key do not make a TLS identity: {e}")))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Reads [`server_config`]'s two files; an error names the file.
pub fn server_config_from_files(cert: &Path, key: &Path) -> std::io::Result<Arc<rustls::ServerConfig>> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| std::io::Error::new(e.kind(), format!("cannot read `{}`: {e}", path.display())))
    };
    server_config(&read(cert)?, &read(key)?)
}

/// Connections whose TLS handshake is done, for `axum::serve`.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    acceptor: tokio::task::JoinHandle<()>,
}

impl TlsListener {
    /// Accepts on `listener`, each handshake on its own task (at most
    /// [`HANDSHAKE_TIMEOUT`]); a failed handshake is logged and dropped.
    pub fn new(listener: TcpListener, config: Arc<rustls::ServerConfig>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let tls = TlsAcceptor::from(config);
        let acceptor = tokio::spawn(async move {
            loop {
                let (stream, peer) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // out of file descriptors and the like: wait, as axum does
                        tracing::warn!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // a response is written whole: send it at once, not after the client's ACK
                let _ = stream.set_nodelay(true);
                let (tls, tx) = (tls.clone(), tx.clone());
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            let _ = tx.send((stream, peer)).await;
                        }
                        Ok(Err(error)) => tracing::debug!(%peer, %error, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(TlsListener { ready, local, acceptor })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        // stop accepting once the server lets go of the listener (shutdown)
        self.acceptor.abort();
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(connection) => connection,
            // the acceptor stopped: nothing more will come
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}
