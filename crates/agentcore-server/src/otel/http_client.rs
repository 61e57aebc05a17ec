//! The OTLP exporter's HTTP client: reqwest's blocking client (the SDK's batch thread
//! exports synchronously) over rustls with ring, for `http://` and `https://` collectors.
//!
//! It trusts the webpki roots and, for a collector with a private CA, the PEM
//! certificates of `OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE`, else
//! `OTEL_EXPORTER_OTLP_CERTIFICATE` (the specification's variables). Each export is
//! bounded by `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT`, else `OTEL_EXPORTER_OTLP_TIMEOUT`
//! (milliseconds; default [`DEFAULT_EXPORT_TIMEOUT`]).

use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// How long one export may take when no variable says: the specification's 10 s.
pub(crate) const DEFAULT_EXPORT_TIMEOUT: Duration = Duration::from_secs(10);

/// The first of these variables that is set and not empty.
fn first_var(names: [&str; 2]) -> Option<String> {
    names.into_iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    })
}

/// The export timeout from the variables; an unreadable value is the default.
fn export_timeout() -> Duration {
    first_var([
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ])
    .and_then(|millis| millis.trim().parse().ok())
    .map_or(DEFAULT_EXPORT_TIMEOUT, Duration::from_millis)
}

/// The roots: webpki's, and the certificates of the PEM file at `path`.
fn roots(path: Option<&str>) -> Result<rustls::RootCertStore, String> {
    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let Some(path) = path else {
        return Ok(roots);
    };
    let unreadable = |err: &dyn std::fmt::Display| format!("the certificate file {path}: {err}");
    let mut added = 0;
    for certificate in CertificateDer::pem_file_iter(path).map_err(|e| unreadable(&e))? {
        let certificate = certificate.map_err(|e| unreadable(&e))?;
        roots.add(certificate).map_err(|e| unreadable(&e))?;
        added += 1;
    }
    if added == 0 {
        return Err(unreadable(&"no PEM certificate in it"));
    }
    Ok(roots)
}

/// The client, built on a thread of its own (reqwest's blocking client starts a
/// runtime, which must not happen on a tokio worker).
pub(crate) fn build() -> Result<reqwest::blocking::Client, String> {
    let roots = roots(
        first_var([
            "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE",
            "OTEL_EXPORTER_OTLP_CERTIFICATE",
        ])
        .as_deref(),
    )?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let timeout = export_timeout();
    std::thread::spawn(move || {
        reqwest::blocking::Client::builder()
            .tls_backend_preconfigured(tls)
            .timeout(timeout)
            .build()
            .map_err(|e| format!("the HTTP client: {e}"))
    })
    .join()
    .map_err(|_| "the HTTP client's thread panicked".to_owned())?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_files_that_add_nothing_are_errors_naming_them() {
        let webpki = roots(None).unwrap().len();
        assert!(webpki > 100);
        let missing = "/nonexistent/collector-ca.pem";
        let err = roots(Some(missing)).unwrap_err();
        assert!(err.contains(missing), "{err}");
        let not_pem = std::env::temp_dir().join(format!("otel-not-pem-{}", std::process::id()));
        std::fs::write(&not_pem, "not a certificate").unwrap();
        let path = not_pem.to_str().unwrap();
        let err = roots(Some(path)).unwrap_err();
        std::fs::remove_file(&not_pem).unwrap();
        assert!(err.contains("no PEM certificate"), "{err}");
    }
}
