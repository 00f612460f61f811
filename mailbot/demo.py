"""`mailbot demo`: put demo mail into the local Maildir and run the pipeline once on it.

Works on a fresh machine with the shipped config.toml (Maildir intake, .eml outbox, SQLite): no server.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import select

from mailbot.config import Settings
from mailbot.store.models import Message

DEMO_MAIL = Path(__file__).resolve().parent.parent / "demo" / "mail"


def run_demo(settings: Settings, source: Path | None = None) -> int:
    """Copy every .eml in `source` into the Maildir's new/, process it once, print what happened."""
    if settings.maildir_path is None:
        print("mailbot demo uses the local Maildir; this config reads IMAP ([imap] is set).")
        return 2
    copied = _deliver(source or DEMO_MAIL, settings.maildir_path)
    print(f"Delivered {copied} message(s) into {settings.maildir_path}")
    from mailbot.daemon import build_daemon

    daemon = build_daemon(settings)
    report = daemon.run_once()
    _print_table(daemon, report.keys)
    print(f"\nSent {report.sent} message(s): the replies and the advisor's digest, written as .eml files to "
          f"{settings.outbox_path}")
    print(f"Database: {settings.database_url}")
    print("Digest: mailbot digest --print   Status: mailbot status   Inputs: mailbot export inputs --format md")
    return 0


def _deliver(source: Path, maildir: Path) -> int:
    new = maildir / "new"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(source.glob("*.eml")):
        target = new / f"{path.stem}.demo"
        if not target.exists() and not (maildir / "cur" / target.name).exists():
            shutil.copyfile(path, target)
            count += 1
    return count


def _print_table(daemon, keys: list[str]) -> None:  # noqa: ANN001
    with daemon.db.session() as session:
        rows = session.scalars(select(Message).where(Message.key.in_(keys)).order_by(Message.id)).all()
        print(f"\n{'kind':<13} {'status':<8} {'folder':<32} {'from':<42} subject")
        for row in rows:
            print(f"{row.kind or '-':<13} {row.status:<8} {row.target_folder or '(inbox)':<32} "
                  f"{(row.sender or '')[:41]:<42} {(row.subject or '')[:50]}")
