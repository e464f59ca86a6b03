"""The replica's own certificate authority and one server certificate covering every replica hostname.

In replica mode the crawler trusts exactly this CA, so HTTPS through the replica proxy is verified just like a live
crawl, and a replica certificate can never pass for a real site's. Keys are EC P-256: generating them takes
milliseconds. Files are cached under <cache_dir>/tls and regenerated when missing, expiring, or when the host list
changed.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_NAME = "nianbao replica CA (offline test sites, not for the internet)"
SERVER_NAME = "nianbao replica sites"
VALIDITY = timedelta(days=825)
RENEW_BEFORE = timedelta(days=30)


@dataclass(frozen=True)
class ReplicaCertificates:
    ca_cert: Path  # the only CA the crawler trusts in replica mode
    ca_key: Path
    server_cert: Path
    server_key: Path


def certificate_paths(cache_dir: Path) -> ReplicaCertificates:
    tls_dir = Path(cache_dir) / "tls"
    return ReplicaCertificates(
        ca_cert=tls_dir / "replica-ca.pem",
        ca_key=tls_dir / "replica-ca-key.pem",
        server_cert=tls_dir / "replica-server.pem",
        server_key=tls_dir / "replica-server-key.pem",
    )


def ensure_certificates(cache_dir: Path, hostnames: Iterable[str]) -> ReplicaCertificates:
    """Cached CA and server certificate for `hostnames`; creates or renews whatever is missing or stale."""
    paths = certificate_paths(cache_dir)
    paths.ca_cert.parent.mkdir(parents=True, exist_ok=True)
    hosts = sorted(set(hostnames))
    # Two processes on one cache must not each make a CA: a crawler would trust one, the server use the other.
    with open(paths.ca_cert.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure(paths, hosts)
    return paths


def _ensure(paths: ReplicaCertificates, hosts: list[str]) -> None:
    if not _ca_is_usable(paths):
        ca_key = ec.generate_private_key(ec.SECP256R1())
        _write_key(paths.ca_key, ca_key)
        _write_cert(paths.ca_cert, _make_ca(ca_key))
    ca_cert = x509.load_pem_x509_certificate(paths.ca_cert.read_bytes())
    if not _server_is_usable(paths, ca_cert, hosts):
        ca_key = serialization.load_pem_private_key(paths.ca_key.read_bytes(), password=None)
        server_key = ec.generate_private_key(ec.SECP256R1())
        _write_key(paths.server_key, server_key)
        _write_cert(paths.server_cert, _make_server(server_key, ca_cert, ca_key, hosts))


def _now() -> datetime:
    return datetime.now(UTC)


def _fresh(cert: x509.Certificate) -> bool:
    return cert.not_valid_before_utc <= _now() and cert.not_valid_after_utc - RENEW_BEFORE > _now()


def _ca_is_usable(paths: ReplicaCertificates) -> bool:
    if not (paths.ca_cert.exists() and paths.ca_key.exists()):
        return False
    return _fresh(x509.load_pem_x509_certificate(paths.ca_cert.read_bytes()))


def _server_is_usable(paths: ReplicaCertificates, ca_cert: x509.Certificate, hosts: list[str]) -> bool:
    if not (paths.server_cert.exists() and paths.server_key.exists()):
        return False
    cert = x509.load_pem_x509_certificate(paths.server_cert.read_bytes())
    try:
        cert.verify_directly_issued_by(ca_cert)  # the CA may have been regenerated since
    except (ValueError, TypeError, x509.InvalidSignature):
        return False
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    return _fresh(cert) and sorted(names) == hosts


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "nianbao replica"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _make_ca(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = _name(CA_NAME)
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - timedelta(days=1))
        .not_valid_after(_now() + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _make_server(
    key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, ca_key, hosts: list[str]
) -> x509.Certificate:
    public = key.public_key()
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(_name(SERVER_NAME))
        .issuer_name(ca_cert.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now() - timedelta(days=1))
        .not_valid_after(_now() + VALIDITY)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    _write_atomic(path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    _write_atomic(path, pem, mode=0o600)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
