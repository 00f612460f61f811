"""Real servers for mailbot's tests: a private Dovecot, an SMTP recorder and
throw-away PostgreSQL databases.

Everything here binds to 127.0.0.1 only.  See ``tests/conftest.py`` for the
pytest fixtures built on top of these helpers.
"""

from __future__ import annotations

import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ServerUnavailable",
    "TlsFiles",
    "free_port",
    "make_tls_files",
    "running_in_ci",
    "unavailable",
]


class ServerUnavailable(RuntimeError):
    """A server the tests need is not installed / not reachable here."""


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def unavailable(reason: str):
    """In a test/fixture: skip with ``reason`` locally, but FAIL when CI=true
    (on CI a missing server is a bug in .ci/run, not a reason to skip)."""
    import pytest

    if running_in_ci():
        pytest.fail(f"required test server unavailable on CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a currently free TCP port on ``host``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class TlsFiles:
    """A trustme CA plus one server certificate (127.0.0.1, 127.0.0.2 and
    localhost by default), written as PEM files."""

    ca: object  # trustme.CA
    ca_path: Path
    cert_path: Path  # server cert + chain, PEM
    key_path: Path  # server private key, PEM

    def client_context(self) -> ssl.SSLContext:
        """Client context that trusts only the test CA (verifies hostname)."""
        ctx = ssl.create_default_context(cafile=str(self.ca_path))
        return ctx

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(self.cert_path), str(self.key_path))
        return ctx


def make_tls_files(
    directory, hostnames=("127.0.0.1", "127.0.0.2", "localhost")
) -> TlsFiles:
    """Create a trustme CA and a server certificate for ``hostnames`` and
    write them into ``directory`` (created if needed)."""
    import trustme

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    server_cert = ca.issue_cert(*hostnames)
    ca_path = directory / "ca.pem"
    cert_path = directory / "server-cert.pem"
    key_path = directory / "server-key.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    server_cert.private_key_pem.write_to_path(str(key_path))
    with open(cert_path, "wb") as fh:
        for blob in server_cert.cert_chain_pems:
            fh.write(blob.bytes())
    for p in (ca_path, cert_path):
        os.chmod(p, 0o644)
    os.chmod(key_path, 0o600)
    return TlsFiles(ca=ca, ca_path=ca_path, cert_path=cert_path, key_path=key_path)
