"""The workshop desk end to end: real Dovecot, real SMTP server, `mailbot run --once` between the turns of
a conversation.  Capacity 3: fill, waitlist, duplicate, cancellation promotes, substitution, partial
cancellation, replies in nb/nn/en with a valid .ics, and a closed registration."""

from __future__ import annotations

import json
from email import message_from_bytes, policy

import icalendar
import pytest

from .conftest import mailbot_env, run_cli, write_config
from .mailfactory import message

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

KARI = "Kari Nordby <kari@solberg-transport.example>"
PER = "Per Moe <per@moe-bygg.example>"
SIRI = "Siri Haugen <siri@haugen-gard.example>"
TOM = "Tom Evans <tom@nordic-freight.example>"


class Conversation:
    def __init__(self, dovecot, smtp, config, env):
        self.dovecot, self.smtp, self.config, self.env = dovecot, smtp, config, env
        self.n = 0

    def send(self, sender: str, subject: str, body: str, in_reply_to: str | None = None) -> str:
        self.n += 1
        self.dovecot.append("INBOX", message(100 + self.n, sender, subject, body, in_reply_to=in_reply_to))
        return f"<e2e-{100 + self.n:03d}@test.example>"

    def run(self) -> list:
        before = len(self.smtp.messages)
        run_cli(["run", "--once", "--config", str(self.config)], self.env)
        return [m for m in self.smtp.messages[before:] if "radgiver@drammen.kommune.example" not in m.rcpt_tos]

    def status(self) -> dict:
        return json.loads(run_cli(["status", "--json", "--config", str(self.config)], self.env).stdout)


def text_of(recorded) -> str:
    return recorded.message.get_body(("plain",)).get_content()


def to(replies, address: str) -> list:
    return [r for r in replies if address in r.rcpt_tos]


def calendar_of(recorded) -> icalendar.Calendar:
    parsed = message_from_bytes(recorded.raw, policy=policy.default)
    [part] = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


@pytest.fixture
def talk(tmp_path, dovecot, smtp_server, db_url):
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, capacity=3)
    return Conversation(dovecot, smtp_server, config, mailbot_env(dovecot))


def test_fill_waitlist_cancel_promote_substitute(talk):
    kari = talk.send(KARI, "Påmelding – Solberg Transport",
                     "Hei,\n\nVi ønsker å melde på to personer fra Solberg Transport AS:\n"
                     "- Kari Nordby, HMS-leder\n- Ola Lie, transportleder\n\nVennlig hilsen\nKari Nordby\n"
                     "Solberg Transport AS\n")
    talk.send(PER, "Påmelding klimaverksted", "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet.\n\n"
              "Mvh\nPer Moe\nMoe Bygg AS\n")
    talk.send(SIRI, "Påmelding til klimaverkstaden", "Hei,\n\nEg vil gjerne melde meg på klimaverkstaden "
              "1. juni.\n\nMed venleg helsing\nSiri Haugen\nHaugen Gard AS\n")
    talk.send(TOM, "Registration", "Hello,\n\nI would like to register for the climate workshop on 1 June.\n\n"
              "Best regards\nTom Evans\nNordic Freight Ltd\n")
    talk.send(PER, "Påmelding", "Hei igjen,\n\nJeg melder meg på klimaverkstedet 1. juni.\n\nMvh\nPer Moe\n"
              "Moe Bygg AS\n")
    replies = talk.run()

    [to_kari] = to(replies, "kari@solberg-transport.example")
    assert "Ola Lie" in text_of(to_kari) and "Kari Nordby" in text_of(to_kari)
    event = calendar_of(to_kari)
    assert str(event["METHOD"]) == "REQUEST"
    [vevent] = event.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert (start.year, start.month, start.day, start.hour) == (2027, 6, 1, 14)
    assert str(start.tzinfo) == "Europe/Oslo"
    assert "venteliste" in text_of(to(replies, "siri@haugen-gard.example")[0]), "Nynorsk reply, waitlisted"
    assert "waiting list" in text_of(to(replies, "tom@nordic-freight.example")[0]), "English reply, waitlisted"
    per = to(replies, "per@moe-bygg.example")
    assert len(per) == 2 and "allerede" in text_of(per[1]), "the second registration says already registered"
    status = talk.status()
    assert (status["confirmed"], status["waitlisted"]) == (3, 2)

    # Per cancels: his seat goes to Siri, first in line, who is told at once.
    talk.send(PER, "Avmelding", "Hei,\n\nJeg må dessverre melde avbud likevel.\n\nMvh\nPer Moe\nMoe Bygg AS\n")
    replies = talk.run()
    [cancelled] = to(replies, "per@moe-bygg.example")
    assert str(calendar_of(cancelled)["METHOD"]) == "CANCEL"
    [promoted] = to(replies, "siri@haugen-gard.example")
    assert "Siri Haugen" in text_of(promoted)
    assert str(calendar_of(promoted)["METHOD"]) == "REQUEST"
    assert (talk.status()["confirmed"], talk.status()["waitlisted"]) == (3, 1)

    # A substitution keeps the seat count; a partial cancellation frees one seat for Tom.
    talk.send(KARI, "Re: Påmelding – Solberg Transport", "Hei,\n\nOla Lie kan ikke likevel, men Eva Berg "
              "kommer i stedet for Ola Lie.\n\nHilsen Kari\n", in_reply_to=kari)
    replies = talk.run()
    assert len(to(replies, "kari@solberg-transport.example")) == 1
    assert (talk.status()["confirmed"], talk.status()["waitlisted"]) == (3, 1)
    talk.send(KARI, "Re: Påmelding – Solberg Transport", "Hei,\n\nEva Berg kan dessverre ikke komme "
              "likevel.\n\nHilsen Kari Nordby\nSolberg Transport AS\n", in_reply_to=kari)
    replies = talk.run()
    assert len(to(replies, "kari@solberg-transport.example")) == 1
    [promoted] = to(replies, "tom@nordic-freight.example")
    assert "Tom Evans" in text_of(promoted)
    assert (talk.status()["confirmed"], talk.status()["waitlisted"]) == (3, 0)


def test_registration_after_the_deadline_is_told_it_is_closed(tmp_path, dovecot, smtp_server, db_url):
    config = write_config(tmp_path / "config.toml", dovecot, smtp_server, db_url, capacity=3)
    text = config.read_text(encoding="utf-8").replace(
        "capacity = 3", "capacity = 3\nregistration_deadline = 2020-05-27T23:59:00")
    config.write_text(text, encoding="utf-8")
    talk = Conversation(dovecot, smtp_server, config, mailbot_env(dovecot))
    talk.send(PER, "Påmelding", "Hei,\n\nJeg vil gjerne melde meg på klimaverkstedet.\n\nMvh\nPer Moe\n"
              "Moe Bygg AS\n")
    [reply] = talk.run()
    assert "Påmeldingsfristen" in text_of(reply)
    assert talk.status()["confirmed"] == 0
