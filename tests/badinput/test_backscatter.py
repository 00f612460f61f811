"""Backscatter: the bot must not become a tool for mailing a third party.

  * A spoofed sender (the victim's address in From) sends 20 registrations: the victim gets at most
    replies.max_per_sender_per_day replies, while another sender in the same run is answered normally.
  * With replies.require_authentication = true, only mail whose (topmost) Authentication-Results shows
    spf=pass or dmarc=pass is answered; a forged pass below a failing top header does not count.
"""

from __future__ import annotations

from collections import Counter

import pytest

from faults.mails import build
from faults.support import bulk_append, db_state, replies, run_cli, write_config

pytestmark = [pytest.mark.slow]

VICTIM = "victim@target.example"
LIMIT = 3
REGISTRATION = "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet 1. juni.\n\nMed vennlig hilsen\n{name}\n{org}\n"
INPUT = ("Hei,\n\nVi kan dessverre ikke delta, men sender et innspill. Kommunen bør legge til rette for "
         "sykkellogistikk i sentrum med egne lastesoner og ladepunkter for elektriske lastesykler.\n\n"
         "Mvh\n{name}\n{org}\n")


def test_spoofed_sender_gets_at_most_the_daily_limit(tmp_path, dovecot, smtp_server, db_url, env, capsys):
    spoofed = [build(n, f"Victim {n} <{VICTIM}>", f"Påmelding {n}",
                     REGISTRATION.format(name=f"Person {n}", org=f"Firma {n} AS"), prefix="spoof")
               for n in range(1, 21)]
    honest = build(21, "Kari Berg <kari@berg-transport.example>", "Påmelding til klimaverksted",
                   REGISTRATION.format(name="Kari Berg", org="Berg Transport AS"), prefix="spoof")
    bulk_append(dovecot, [*spoofed, honest])
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url,
                          replies=f"max_per_sender_per_day = {LIMIT}")
    run_cli(["run", "--once", "--config", str(config)], env)

    got = Counter(r.rcpt_tos[0] for r in replies(smtp_server))
    with capsys.disabled():
        print(f"\nbackscatter: 20 registrations from one spoofed address -> {got[VICTIM]} replies (limit {LIMIT})")
    assert 1 <= got[VICTIM] <= LIMIT
    assert got["kari@berg-transport.example"] == 1, "other senders are answered as usual"
    limited = [m for m in db_state(db_url).messages.values()
               if m.sender == VICTIM and any("sender_reply_limit" in str(r) for r in m.reasons)]
    assert len(limited) == 20 - got[VICTIM], "the limit is the recorded reason for every unanswered one"

    run_cli(["run", "--once", "--config", str(config)], env)
    assert Counter(r.rcpt_tos[0] for r in replies(smtp_server))[VICTIM] == got[VICTIM], "a rerun adds none"


AUTH_PASS = "mx.drammen.kommune.example; spf=pass smtp.mailfrom=firma.example; dkim=none"
AUTH_FAIL = "mx.drammen.kommune.example; spf=fail smtp.mailfrom=firma.example; dmarc=fail"
CASES = {  # tag -> (kind, Authentication-Results headers top first, answered?)
    "input-none": ("input", [], False),
    "input-pass": ("input", [AUTH_PASS], True),
    "input-dmarc-pass": ("input", ["mx.drammen.kommune.example; spf=softfail; dmarc=pass"], True),
    "input-fail": ("input", [AUTH_FAIL], False),
    "input-forged-below": ("input", [AUTH_FAIL, AUTH_PASS], False),
    "registration-none": ("registration", [], False),
    "registration-pass": ("registration", [AUTH_PASS], True),
}


def authenticated_case(n: int, tag: str) -> bytes:
    kind, results, _answered = CASES[tag]
    name, org = f"Sender {n}", f"Firma {n} AS"
    subject, body = (("Innspill om sykkellogistikk", INPUT) if kind == "input"
                     else ("Påmelding til klimaverksted", REGISTRATION))
    raw = build(n, f"{name} <sender{n}@firma{n}.example>", subject, body.format(name=name, org=org),
                message_id=f"<auth-{tag}@test.example>")
    # Authentication-Results go on top, as the receiving server adds them.
    return b"".join(f"Authentication-Results: {value}\r\n".encode() for value in results) + raw


def test_require_authentication(tmp_path, dovecot, smtp_server, db_url, env):
    bulk_append(dovecot, [authenticated_case(n, tag) for n, tag in enumerate(CASES, start=1)])
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url,
                          replies="require_authentication = true")
    run_cli(["run", "--once", "--config", str(config)], env)

    answered = {r.in_reply_to for r in replies(smtp_server)}
    expected = {f"<auth-{tag}@test.example>" for tag, (_k, _r, yes) in CASES.items() if yes}
    assert answered == expected
    rows = {m.message_id: m for m in db_state(db_url).messages.values()}
    for tag, (kind, _results, yes) in CASES.items():
        row = rows[f"<auth-{tag}@test.example>"]
        assert row.kind == kind, (tag, row.kind)
        if not yes:
            assert any("not authenticated" in str(r) for r in row.reasons), (tag, row.reasons)
    unauthenticated = rows["<auth-registration-none@test.example>"]
    assert unauthenticated.status == "review", "an unauthenticated registration takes no seat without a human"
