"""Deterministic generator of realistic incoming mail for the benchmarks, and fast loaders into Dovecot.

    .venv/bin/python bench/generate.py [--count 200] [--seed 1] [--out DIR]   # writes DIR/000001.eml, ...

`generate(count, seed)` returns `GeneratedMail` values (bytes as on the wire, CRLF) built from the project's own
training corpus (rules/training/<kind>.jsonl for the seven kinds: subject, body, kind) and its name lists (rules/training/fragments/
common.py) -- never from /work/shared/corpus/samples.  The mix (fractions of `count`):

    registration 0.27  cancellation 0.08  input 0.18 (a quarter with a PDF or DOCX attachment)
    question 0.09      auto_reply 0.08 (Auto-Submitted)  bounce 0.04 (multipart/report DSN)
    newsletter 0.07 (List-Unsubscribe, Precedence: bulk)  colleague 0.08 (@drammen.kommune.no)  other 0.11

in nb/nn/en as the corpus has them; every message has a unique Message-ID; one sender address serves about
three messages.  MIME varies: text/plain or multipart/alternative with HTML; quoted-printable, base64 or 8bit;
utf-8 or iso-8859-1 (when the text fits).  Realistic headers (Received, DKIM-Signature, Authentication-Results)
and, for about a third of the human mail, the quoted invitation bring most messages to 2-6 KB.

Loaders: `load_maildir(server, mails)` writes straight into the Dovecot user's Maildir (cur/, owned by 65534)
and SELECTs INBOX so Dovecot indexes them (UIDs follow list order: the file names carry increasing
timestamps, and Dovecot assigns UIDs to new files sorted by that time; they carry ",S=<size>" like Dovecot's
own, see load_maildir); `append_imap(server, mails)` uses one IMAP connection and MULTIAPPEND in chunks (about
as fast here: ~5 s for 10,000 messages).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailparts import addr, boundary, hdr, leaf, minimal_pdf, multipart, small_docx, text_part  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ROOT / "rules" / "training"
BOT = "klimaverksted@drammen.kommune.example"
BOT_NAME = "Klimaverksted Drammen kommune"
BASE_DATE = datetime(2027, 5, 3, 8, 0, tzinfo=timezone(timedelta(hours=2)))
MAIL_UID = MAIL_GID = 65534  # the Dovecot test server's mail user (nobody:nogroup)

# (label, generated kind, fraction); labels map to the kinds the bot should conclude.
MIX = (
    ("registration", "registration", 0.27),
    ("cancellation", "cancellation", 0.08),
    ("input", "input", 0.18),
    ("question", "question", 0.09),
    ("auto_reply", "auto_reply", 0.08),
    ("bounce", "bounce", 0.04),
    ("newsletter", "other", 0.07),
    ("colleague", "other", 0.08),
    ("other", "other", 0.11),
)
HUMAN = {"registration", "cancellation", "input", "question"}
# Only the seven per-kind files: rows added elsewhere (e.g. extra.jsonl) would change every generated message.
CORPUS_FILES = ("registration", "cancellation", "input", "question", "auto_reply", "bounce", "other")

INVITATION = {
    "nb": ("Drammen kommune inviterer næringslivet til klimaverksted mandag 1. juni kl. 14.00–16.00 i "
           "Drammen rådhus, Engene 1. Vi arbeider med en ny klimastrategi og vil gjerne høre fra dere om tre "
           "fokusområder: mobilitet, bygg og arealbruk, og bærekraftig ressursbruk.\n\nDet er begrenset med "
           "plasser. Meld dere på ved å svare på denne e-posten og oppgi navn og bedrift for hver deltaker. "
           "Kan dere ikke komme, tar vi gjerne imot skriftlige innspill på e-post.\n\nMed vennlig hilsen\n"
           "Marte Lien\nKlimarådgiver, Drammen kommune"),
    "en": ("Drammen kommune invites local businesses to a climate workshop on Monday 1 June, 14:00–16:00, at "
           "Drammen City Hall, Engene 1. We are preparing a new climate strategy and would like to hear your "
           "views on three focus areas: mobility, buildings and land use, and sustainable use of "
           "resources.\n\nSeats are limited. Please register by replying to this e-mail with the name and "
           "company of each participant. If you cannot attend, written input by e-mail is very welcome.\n\n"
           "Kind regards\nMarte Lien\nClimate adviser, Drammen kommune"),
}
DISCLAIMER = {
    "nb": ("Denne e-posten kan inneholde informasjon som er konfidensiell. Er du ikke rett mottaker, ber vi "
           "deg varsle avsender og slette e-posten. Tenk miljø før du skriver ut."),
    "en": ("This e-mail may contain confidential information. If you are not the intended recipient, please "
           "notify the sender and delete it. Please consider the environment before printing."),
}


@dataclass(frozen=True)
class GeneratedMail:
    """One message: `label` is what it was written as (newsletter, colleague, ... included); `kind` is the
    kind the bot should conclude (newsletters and colleague mail are 'other')."""

    index: int
    label: str
    kind: str
    language: str
    sender: str
    message_id: str
    raw: bytes
    attachment: str | None = None  # "pdf" | "docx" | None


# ---------------------------------------------------------------------------------------------- corpus

@lru_cache(maxsize=1)
def corpus() -> dict[str, list[dict]]:
    """Training rows by kind, plus pools for newsletters and attachment inputs."""
    rows: dict[str, list[dict]] = {}
    for path in (TRAINING / f"{name}.jsonl" for name in CORPUS_FILES):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows.setdefault(row["kind"], []).append(row)
    newsy = re.compile(r"nyhetsbrev|newsletter|unsubscribe|meld deg av|abonn|in this issue|les hele", re.I)
    other = rows["other"]
    rows["newsletter"] = [r for r in other if newsy.search(r["subject"] + " " + r["body"])] or other
    rows["plain_other"] = [r for r in other if r not in rows["newsletter"]] or other
    rows["input_attached"] = [r for r in rows["input"] if "\n[vedlegg]\n" in r["body"]]
    rows["input_plain"] = [r for r in rows["input"] if "\n[vedlegg]\n" not in r["body"]]
    return rows


@lru_cache(maxsize=1)
def people() -> tuple[list[str], list[tuple[str, ...]]]:
    """Person names and companies from the corpus's own fragments (rules/training/fragments/common.py)."""
    sys.path.insert(0, str(TRAINING))
    try:
        from fragments import common  # noqa: PLC0415 - the corpus's name lists, not a package of ours
    finally:
        sys.path.remove(str(TRAINING))
    names = [f"{f} {l}" for f in common.FIRST_NB[:40] for l in common.LAST_NB[:25]]
    return names + list(common.FULL_OTHER) + list(common.FULL_EN), list(common.COMPANIES)


def slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u", "ł": "l",
                           "ś": "s", "ć": "c", "ń": "n", "ż": "z", "ź": "z", "í": "i", "á": "a", "ó": "o"})
    return re.sub(r"[^a-z0-9]+", "", text.lower().translate(table)) or "x"


# ---------------------------------------------------------------------------------------------- messages

class _Writer:
    """Builds the messages of one generate() call; all randomness comes from one seeded Random."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.rows = corpus()
        self.names, self.companies = people()

    def sender(self, group: int, label: str) -> tuple[str, str]:
        """(display name, address) of sender group `group`: stable across the ~3 messages of a group."""
        rng = random.Random(self.seed * 1_000_003 + group)
        name = rng.choice(self.names)
        first, last = name.split(" ", 1)
        if label == "colleague":
            return name, f"{slug(first)}.{slug(last)}{group}@drammen.kommune.no"
        if label == "bounce":
            return "Mail Delivery System", f"MAILER-DAEMON@mx{group % 7}.{slug(rng.choice(self.companies)[0])}.example"
        if label == "newsletter":
            org = rng.choice(("Kommunal Rapport", "Klimanytt", "Circular Cities Network", "Energi og Klima",
                              "Næringsforeningen i Drammensregionen", "Byggeindustrien"))
            return org, f"nyhetsbrev{group}@{slug(org)}.example"
        company = rng.choice(self.companies)[0]
        return name, f"{slug(first)}.{slug(last)}{group}@{slug(company)}.example"

    def headers(self, i: int, label: str, lang: str, sender: tuple[str, str], subject: str,
                message_id: str) -> list[str]:
        rng = self.rng
        domain = sender[1].rsplit("@", 1)[1]
        when = BASE_DATE + timedelta(minutes=3 * i, seconds=rng.randrange(170))
        stamp = format_datetime(when)
        relay = f"mx{rng.randrange(1, 9)}.{domain}"
        lines = [
            "Return-Path: <>" if label == "bounce" else f"Return-Path: <{sender[1]}>",
            f"Received: from {relay} ({relay} [192.0.2.{rng.randrange(1, 254)}])\r\n\tby mx.drammen.kommune.example "
            f"(Postfix) with ESMTPS id {rng.getrandbits(40):010X}\r\n\tfor <{BOT}>; {stamp}",
            f"Received: from [10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 254)}] "
            f"(unknown [198.51.100.{rng.randrange(1, 254)}])\r\n\tby {relay} with ESMTPSA id "
            f"{rng.getrandbits(48):012x}\r\n\tfor <{BOT}>; {stamp}",
            f"Authentication-Results: mx.drammen.kommune.example;\r\n\tdkim=pass header.d={domain} "
            f"header.s=s1 header.b={base64.b64encode(rng.randbytes(6)).decode()};\r\n\tspf=pass "
            f"(mx.drammen.kommune.example: domain of {sender[1]} designates 192.0.2.10 as permitted sender) "
            f"smtp.mailfrom={sender[1]};\r\n\tdmarc=pass (p=QUARANTINE) header.from={domain}",
            f"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={domain}; s=s1;\r\n\tt={int(when.timestamp())}; "
            f"h=from:to:subject:date:message-id;\r\n\tbh={base64.b64encode(rng.randbytes(32)).decode()};\r\n\tb="
            + "\r\n\t ".join(_chunks(base64.b64encode(rng.randbytes(256)).decode(), 70)),
            hdr("From", addr(*sender)),
            hdr("To", addr(BOT_NAME, BOT)),
            hdr("Subject", subject),
            f"Date: {stamp}",
            f"Message-ID: {message_id}",
            "MIME-Version: 1.0",
            f"Content-Language: {'nb-NO' if lang in ('nb', 'nn') else 'en-GB'}",
        ]
        if label in HUMAN and rng.random() < 0.5:
            lines += ["X-Mailer: Microsoft Outlook 16.0", "Thread-Index: " + base64.b64encode(rng.randbytes(22)).decode()]
        elif label in HUMAN:
            lines.append("User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.10.1")
        return lines

    def body_for(self, label: str, row: dict, lang: str) -> str:
        """The visible text: the corpus body, sometimes with a disclaimer and the quoted invitation."""
        rng = self.rng
        body = row["body"].split("\n[vedlegg]\n")[0].rstrip()
        if label in HUMAN | {"colleague"} and rng.random() < 0.3:
            body += "\n\n--\n" + DISCLAIMER["en" if lang == "en" else "nb"]
        if label in HUMAN and rng.random() < 0.35:
            body += "\n\n" + self.quoted_invitation(lang)
        return body

    def quoted_invitation(self, lang: str) -> str:
        if lang == "en":
            text = INVITATION["en"]
            return "On 28 Apr 2027 at 10:02, Klimaverksted Drammen kommune <%s> wrote:\n" % BOT + "\n".join(
                "> " + line for line in text.split("\n"))
        return (f"Fra: Klimaverksted Drammen kommune <{BOT}>\nSendt: tirsdag 28. april 2027 10:02\nTil: "
                "Næringslivet i Drammen\nEmne: Invitasjon til klimaverksted for næringslivet\n\n" + INVITATION["nb"])

    def message(self, i: int, label: str, kind: str, group: int) -> GeneratedMail:
        rng = self.rng
        sender = self.sender(group, label)
        pool = {"input": "input_plain", "other": "plain_other", "colleague": "plain_other"}.get(label, label)
        attachment = None
        if label == "input" and rng.random() < 0.25:
            pool, attachment = "input_attached", rng.choice(("pdf", "docx"))
        row = rng.choice(self.rows[pool])
        lang = row["language"]
        subject = row["subject"]
        message_id = f"<{hashlib.sha1(f'{self.seed}/{i}'.encode()).hexdigest()[:20]}.{i}@{sender[1].split('@')[1]}>"
        head = self.headers(i, label, lang, sender, subject, message_id)
        head += self.special_headers(label, sender, subject, i)
        if label == "bounce":
            body = self.bounce_body(row, i)
        else:
            text = self.body_for(label, row, lang)
            html = label == "newsletter" or rng.random() < 0.45
            body = text_part(rng, text, lang, html)
            if attachment:
                body = multipart("mixed", [body, self.attachment_part(row, attachment)], boundary(rng, "mix"))
        raw = ("\r\n".join(head) + "\r\n").encode("ascii") + body
        return GeneratedMail(i, label, kind, lang, sender[1], message_id, raw, attachment)

    def special_headers(self, label: str, sender: tuple[str, str], subject: str, i: int) -> list[str]:
        rng = self.rng
        if label == "auto_reply":
            out = ["Auto-Submitted: auto-replied", f"In-Reply-To: <invitation.{i % 50}@drammen.kommune.example>"]
            if rng.random() < 0.5:
                out += ["X-Auto-Response-Suppress: All", "X-MS-Exchange-Inbox-Rules-Loop: " + sender[1]]
            else:
                out.append("Precedence: auto_reply")
            return out
        if label == "newsletter":
            domain = sender[1].split("@")[1]
            return [hdr("List-Id", f"{sender[0]} <news.{domain}>"),
                    f"List-Unsubscribe: <https://{domain}/unsubscribe?u={rng.getrandbits(48):x}>, "
                    f"<mailto:unsubscribe@{domain}?subject=unsubscribe>",
                    "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Precedence: bulk",
                    f"Feedback-ID: campaign{rng.randrange(999)}:news:{domain}"]
        if label in HUMAN and subject.lower().startswith(("sv:", "re:", "vs:")):
            ref = f"<invitation.{i % 50}@drammen.kommune.example>"
            return [f"In-Reply-To: {ref}", f"References: {ref}"]
        return []

    def attachment_part(self, row: dict, kind: str) -> bytes:
        text = row["body"].split("\n[vedlegg]\n", 1)[1]
        title = text.split("\n", 1)[0][:80]
        name = slug(row.get("organization") or "innspill")[:30] or "innspill"
        if kind == "pdf":
            data, ctype, filename = minimal_pdf(text, title), "application/pdf", f"innspill-{name}.pdf"
        else:
            data = small_docx(text, title)
            ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            filename = f"innspill-{name}.docx"
        return leaf(f'{ctype}; name="{filename}"', data, cte="base64",
                    extra=(f'Content-Disposition: attachment; filename="{filename}"',))

    def bounce_body(self, row: dict, i: int) -> bytes:
        """multipart/report; report-type=delivery-status, as Postfix/Exchange send them."""
        rng = self.rng
        recipient = f"postmottak{i}@{slug(rng.choice(self.companies)[0])}.example"
        human = leaf("text/plain", row["body"], charset="utf-8", cte="quoted-printable",
                     extra=("Content-Description: Notification",))
        status = (f"Reporting-MTA: dns; mx.drammen.kommune.example\nX-Postfix-Queue-ID: {rng.getrandbits(40):010X}\n"
                  f"Arrival-Date: {format_datetime(BASE_DATE + timedelta(minutes=3 * i))}\n\n"
                  f"Final-Recipient: rfc822; {recipient}\nOriginal-Recipient: rfc822;{recipient}\nAction: failed\n"
                  f"Status: 5.1.1\nRemote-MTA: dns; mx.{recipient.split('@')[1]}\n"
                  f"Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown\n")
        dsn = leaf("message/delivery-status", status.replace("\n", "\r\n").encode("ascii"), cte="7bit",
                   extra=("Content-Description: Delivery report",))
        original = (f"From: {BOT_NAME} <{BOT}>\nTo: {recipient}\nSubject: Bekreftelse: =?utf-8?q?p=C3=A5melding?=\n"
                    f"Message-ID: <reply.{i}@drammen.kommune.example>\nAuto-Submitted: auto-replied\nX-Mailbot: 1\n")
        headers = leaf("text/rfc822-headers", original.replace("\n", "\r\n").encode("ascii"), cte="7bit",
                       extra=("Content-Description: Undelivered Message Headers",))
        return multipart("report", [human, dsn, headers], boundary(rng, "dsn"), "; report-type=delivery-status")


def _chunks(text: str, size: int) -> list[str]:
    return [text[k:k + size] for k in range(0, len(text), size)]


def _sender_groups(labels: list[tuple[str, str]]) -> list[int]:
    """Sender group per message: every third message of a sender class shares a group.  Classes: newsletters,
    colleagues, bounces, and everyone else (so one company may register, ask and send input)."""
    classes = {"newsletter": 1, "colleague": 2, "bounce": 3}
    seen = [0, 0, 0, 0]
    groups = []
    for label, _kind in labels:
        c = classes.get(label, 0)
        groups.append(4 * (seen[c] // 3) + c)
        seen[c] += 1
    return groups


def _labels(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Exactly round(fraction * count) of each label (the remainder goes to 'other'), shuffled."""
    labels: list[tuple[str, str]] = []
    for label, kind, fraction in MIX[:-1]:
        labels += [(label, kind)] * round(fraction * count)
    labels += [("other", "other")] * max(0, count - len(labels))
    labels = labels[:count]
    rng.shuffle(labels)
    return labels


def generate(count: int, seed: int = 1) -> list[GeneratedMail]:
    """`count` messages, identical for the same (count, seed)."""
    writer = _Writer(seed)
    plan = random.Random(seed)
    labels = _labels(count, plan)
    groups = _sender_groups(labels)
    return [writer.message(i, label, kind, groups[i]) for i, (label, kind) in enumerate(labels)]


def registrations(count: int, seed: int = 7) -> list[GeneratedMail]:
    """`count` registrations, each from its own sender (for the latency benchmark)."""
    writer = _Writer(seed)
    return [writer.message(i, "registration", "registration", 3 * i + 1_000_000) for i in range(count)]


# ---------------------------------------------------------------------------------------------- loaders

def load_maildir(server, mails: list[GeneratedMail], start_time: int | None = None) -> float:  # noqa: ANN001
    """Write `mails` into the server's INBOX Maildir (cur/, seen-less) and let Dovecot index them.
    Returns the seconds taken.  UIDs follow the list order."""
    started = time.perf_counter()
    server.folder_uids("INBOX")  # makes Dovecot create the Maildir
    cur = Path(server.maildir()) / "cur"
    base = start_time or 1_800_000_000
    host = "bench"
    for n, mail in enumerate(mails):
        # ",S=<size>" as Dovecot's own deliveries have it: without it Dovecot must work out each message's
        # size when it copies/moves it, which made MOVE out of a 10,000-message INBOX ~40x slower.
        path = cur / f"{base + n}.M{n}P{os.getpid()}.{host},S={len(mail.raw)}:2,"
        path.write_bytes(mail.raw)
        os.chown(path, MAIL_UID, MAIL_GID)
        os.chmod(path, 0o600)
    count = len(server.folder_uids("INBOX"))  # SELECT: Dovecot syncs the Maildir and assigns UIDs
    if count < len(mails):
        raise RuntimeError(f"Dovecot indexed {count} of {len(mails)} messages")
    return time.perf_counter() - started


def append_imap(server, mails: list[GeneratedMail], folder: str = "INBOX", chunk: int = 100) -> float:  # noqa: ANN001
    """APPEND `mails` over one IMAP connection (MULTIAPPEND in chunks).  Returns the seconds taken."""
    started = time.perf_counter()
    client = server.client()
    try:
        for k in range(0, len(mails), chunk):
            client.multiappend(folder, [m.raw for m in mails[k:k + chunk]])
    finally:
        client.logout()
    return time.perf_counter() - started


def summary(mails: list[GeneratedMail]) -> dict[str, object]:
    sizes = sorted(len(m.raw) for m in mails)
    labels: dict[str, int] = {}
    for mail in mails:
        labels[mail.label] = labels.get(mail.label, 0) + 1
    return {"count": len(mails), "bytes": sum(sizes), "size_min": sizes[0], "size_median": sizes[len(sizes) // 2],
            "size_p90": sizes[int(len(sizes) * 0.9)], "size_max": sizes[-1], "labels": labels,
            "senders": len({m.sender for m in mails}),
            "attachments": sum(1 for m in mails if m.attachment)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="write one .eml per message here (and labels.jsonl)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    mails = generate(args.count, args.seed)
    took = time.perf_counter() - started
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        with open(args.out / "labels.jsonl", "w", encoding="utf-8") as labels:
            for mail in mails:
                name = f"{mail.index:06d}.eml"
                (args.out / name).write_bytes(mail.raw)
                labels.write(json.dumps({"file": name, "label": mail.label, "kind": mail.kind,
                                         "language": mail.language, "sender": mail.sender,
                                         "attachment": mail.attachment}) + "\n")
    info = summary(mails)
    print(f"generated {info['count']} messages in {took:.2f} s: {info['bytes'] / 1e6:.1f} MB, size median "
          f"{info['size_median']} B (min {info['size_min']}, p90 {info['size_p90']}, max {info['size_max']}), "
          f"{info['senders']} senders, {info['attachments']} attachments")
    print("labels: " + ", ".join(f"{k}={v}" for k, v in sorted(info["labels"].items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
