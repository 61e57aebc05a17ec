//! TLS for every connection the client makes: rustls, the ring provider, the webpki
//! roots and any root certificates the client was given.

use std::sync::{Arc, OnceLock};

use crate::error::Error;

/// TLS for `https://` and `wss://`: rustls with the ring provider, trusting the webpki
/// root certificates and `extra_roots` (DER). Without extra roots, one configuration is
/// built per process and shared.
pub(crate) fn tls_config(extra_roots: &[Vec<u8>]) -> Result<Arc<rustls::ClientConfig>, Error> {
    static DEFAULT: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    if extra_roots.is_empty() {
        return Ok(Arc::clone(DEFAULT.get_or_init(|| build(webpki()))));
    }
    let mut roots = webpki();
    for der in extra_roots {
        let certificate = rustls::pki_types::CertificateDer::from(der.as_slice());
        roots.add(certificate).map_err(|err| {
            Error::InvalidOption(format!("root certificate refused by rustls: {err}"))
        })?;
    }
    Ok(build(roots))
}

fn webpki() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

fn build(roots: rustls::RootCertStore) -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}
