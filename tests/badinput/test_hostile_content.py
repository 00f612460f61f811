"""Hostile content through the whole bot (Dovecot -> `mailbot run --once` -> SMTP recorder), in one run:

  * CR/LF and very long strings in names and subjects, two addresses in Reply-To: every reply has exactly one
    recipient and one To, and nothing injected (no Bcc, no extra header, nothing to the attacker);
  * <script> and HTML in an input and in a question's subject: escaped in the digest HTML, the reply's HTML
    and the exports (and a formula cell is defused in the CSV);
  * a DOCX zip bomb and PDFs that are slow to read (in-process and in the child reader): the message is still
    processed and answered, with the reason recorded;
  * a plain registration in the same batch is handled as if nothing else had happened.
"""

from __future__ import annotations

import email
import email.policy
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from badinput import hostile
from faults.support import Received, db_state, received, run_cli, write_config
from mailbot.store.models import Message

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ATTACHMENTS = {
    "zip-bomb": (hostile.zip_bomb_docx(150), "application", hostile.DOCX.split("/")[1], "innspill.docx"),
    "slow-pdf": (hostile.slow_pdf(), "application", "pdf", "innspill.pdf"),
    "slow-big-pdf": (hostile.slow_pdf(padding=1_200_000), "application", "pdf", "innspill-stor.pdf"),
}


@dataclass
class HostileRun:
    config: Path
    env: dict[str, str]
    replies: list[Received]
    digests: list[Received]
    rows: dict[str, Message]  # by Message-ID
    stderr: str
    took: float


@pytest.fixture(scope="module")
def hostile_run(module_servers) -> HostileRun:
    dovecot, smtp, db_url, env, directory = module_servers
    raws = [build() for build in hostile.INJECTION.values()]
    raws += [hostile.script_input(), hostile.script_question(), hostile.control_registration()]
    raws += [hostile.input_with(tag, n, *spec) for n, (tag, spec) in enumerate(ATTACHMENTS.items())]
    for raw in raws:
        dovecot.append("INBOX", raw)
    config = write_config(directory / "config.toml", dovecot, smtp, db_url)
    started = time.monotonic()
    result = run_cli(["run", "--once", "--config", str(config)], env, timeout=240)
    took = time.monotonic() - started
    state = db_state(db_url)
    return HostileRun(config, env, [r for r in received(smtp) if not r.to_advisor],
                      [r for r in received(smtp) if r.to_advisor],
                      {m.message_id: m for m in state.messages.values()}, result.stderr, took)


def reply_to(run: HostileRun, tag: str) -> list[Received]:
    return [r for r in run.replies if r.in_reply_to == hostile.mid(tag)]


def test_run_completes(hostile_run, capsys):
    assert "Traceback" not in hostile_run.stderr
    assert len(hostile_run.rows) == 10, "every hostile message is stored"
    with capsys.disabled():
        print(f"\nhostile content: 10 messages in {hostile_run.took:.1f} s (incl. ~4 s start-up)")


@pytest.mark.parametrize("tag", sorted(hostile.INJECTION))
def test_no_header_injection(hostile_run, tag):
    row = hostile_run.rows[hostile.mid(tag)]
    assert row.status == "decided" and row.kind == "registration", (row.status, row.kind, row.reasons)
    [reply] = reply_to(hostile_run, tag)
    assert len(reply.rcpt_tos) == 1 and hostile.EVIL not in reply.rcpt_tos[0], reply.rcpt_tos
    assert len(reply.to) == 1 and reply.to == reply.rcpt_tos, f"exactly one To, the recipient: {reply.to}"
    msg = email.message_from_bytes(reply.raw, policy=email.policy.compat32)
    for header in ("Bcc", "Cc", "X-Injected"):
        assert msg.get_all(header) is None, f"injected {header}"
    assert len(msg.get_all("To")) == 1 and len(msg.get_all("Subject")) == 1
    head = reply.raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"(?im)^(bcc|x-injected):", head)
    subject = str(email.message_from_bytes(reply.raw, policy=email.policy.default)["Subject"])
    assert "\r" not in subject and "\n" not in subject and len(subject) < 200, subject[:300]


def test_nothing_reaches_the_attacker(hostile_run):
    assert not [r for r in hostile_run.replies if any(hostile.EVIL in a for a in r.rcpt_tos + r.to)]


def _no_markup(text: str, where: str, escape: str = "") -> None:
    """No live <script> tag or onerror attribute.  `escape`: a character that neutralises a following "<"
    (Markdown's backslash)."""
    unescaped = f"(?<!{re.escape(escape)})" if escape else ""
    assert not re.search(unescaped + r"<script", text, re.I), f"raw <script> in {where}"
    assert not re.search(unescaped + r"<[^>]*onerror", text, re.I), f"raw onerror attribute in {where}"


def test_script_is_escaped_in_the_reply(hostile_run):
    [reply] = reply_to(hostile_run, "script-input")
    html = email.message_from_bytes(reply.raw, policy=email.policy.default).get_body(("html",)).get_content()
    _no_markup(html, "the reply's HTML")


def _check_digest_html(html: str) -> None:
    assert "sykkellogistikk" in html.lower(), "the input is in the digest"
    assert "Spørsmål om klimaverkstedet" in html, "the question is in the digest"
    _no_markup(html, "the digest HTML")
    assert "&lt;script&gt;" in html, "shown as text"


def test_script_is_escaped_in_the_mailed_digest(hostile_run):
    [digest] = hostile_run.digests
    _check_digest_html(email.message_from_bytes(digest.raw, policy=email.policy.default)
                       .get_body(("html",)).get_content())


def test_script_is_escaped_in_digest_html_command(hostile_run):
    _check_digest_html(run_cli(["digest", "--html", "--config", str(hostile_run.config)], hostile_run.env).stdout)


def test_script_is_neutral_in_the_exports(hostile_run):
    markdown = run_cli(["export", "inputs", "--format", "md", "--config", str(hostile_run.config)],
                       hostile_run.env).stdout
    assert "sykkellogistikk" in markdown.lower()
    _no_markup(markdown, "the Markdown export", escape="\\")
    csv_text = run_cli(["export", "inputs", "--format", "csv", "--config", str(hostile_run.config)],
                       hostile_run.env).stdout
    assert "sykkellogistikk" in csv_text.lower()
    assert not re.search(r'(^|[,\n"])=HYPERLINK', csv_text), "a formula cell is prefixed so Excel shows it as text"


@pytest.mark.parametrize("tag,reason", [("zip-bomb", "zip bomb"), ("slow-pdf", "time limit"),
                                        ("slow-big-pdf", "timed out")])
def test_hostile_attachment_is_processed_with_its_reason(hostile_run, tag, reason):
    """The issue: each gets a clear reason in the review folder (its document was not read, so a human
    decides) and nothing else is affected."""
    row = hostile_run.rows[hostile.mid(tag)]
    assert (row.status, row.kind) == ("review", "input"), (row.status, row.kind, row.reasons)
    assert row.target_folder == "Klimaverksted/Til vurdering"
    assert reply_to(hostile_run, tag) == [], "not answered automatically"
    assert any(reason in str(r) for r in row.reasons), f"the attachment problem is recorded: {row.reasons}"


def test_control_message_is_unaffected(hostile_run):
    row = hostile_run.rows[hostile.mid("control")]
    assert (row.status, row.kind, row.target_folder) == ("decided", "registration", "Klimaverksted/Påmeldinger")
    [reply] = reply_to(hostile_run, "control")
    assert reply.rcpt_tos == ("siri@holt-logistikk.example",)
