"""Structured logging: one named logger per stage, `event key=value ...` lines, secrets redacted.

Stage loggers: mailbot.intake, mailbot.parse, mailbot.understand, mailbot.desk, mailbot.act, mailbot.report,
mailbot.store, mailbot.daemon.  Message bodies are logged only at DEBUG.  Every secret that
mailbot.secrets hands out is registered with `redact()` and replaced by "***" in every record.
"""

from __future__ import annotations

import logging
import sys
import threading

_SECRETS: set[str] = set()
_LOCK = threading.Lock()


def redact(secret: str) -> None:
    """Never let `secret` appear in a log line from now on."""
    if secret and len(secret) >= 4:
        with _LOCK:
            _SECRETS.add(secret)


def kv(event: str, **fields: object) -> str:
    """Format one structured log line: `event key=value key="value with spaces"`."""
    parts = [event]
    for key, value in fields.items():
        text = str(value)
        if not text or any(c.isspace() for c in text) or '"' in text:
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        parts.append(f"{key}={text}")
    return " ".join(parts)


class RedactingFilter(logging.Filter):
    """Replaces registered secrets in the formatted message (and drops args, which are now merged)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _SECRETS:
            return True
        message = record.getMessage()
        with _LOCK:
            secrets = tuple(_SECRETS)
        for secret in secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, None
        return True


def setup_logging(level: str = "INFO", stream=None) -> None:  # noqa: ANN001 - any text stream
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger("mailbot")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    # Libraries that may echo protocol traffic (and so credentials) stay at WARNING; parsers that warn on
    # every bounce or broken PDF (already recorded as defects on the message) at ERROR.
    for noisy in ("imapclient", "aiosmtplib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for noisy in ("mailparser", "mail-parser", "pypdf"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
