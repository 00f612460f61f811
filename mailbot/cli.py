"""The `mailbot` command: one sub-command per verb, wiring only (logic lives in the stages).

Imports of heavy modules (spaCy, SQLAlchemy models) happen inside the commands, so `mailbot --help`
stays fast.  Exit codes: 0 success, 1 runtime failure, 2 bad arguments or bad configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_CONFIG = os.environ.get("MAILBOT_CONFIG", "config.toml")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from mailbot.errors import ConfigError, MailbotError

    try:
        return args.func(args) or 0
    except ConfigError as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 2
    except MailbotError as exc:
        print(f"mailbot: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mailbot", description="E-mail intake bot for the climate workshop.")
    sub = parser.add_subparsers(metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:  # noqa: ANN001
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    def with_config(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--config", default=DEFAULT_CONFIG, help="path to config.toml (default: %(default)s)")
        return p

    p = with_config(command("run", cmd_run, "watch the mailbox and answer mail until SIGTERM/SIGINT"))
    p.add_argument("--once", action="store_true", help="process everything waiting, send, and exit")
    with_config(command("check-config", cmd_check_config, "validate the configuration; exit 2 if bad"))
    p = with_config(command("status", cmd_status, "seats, waiting list, inputs, review queue, outbox"))
    p.add_argument("--json", action="store_true", help="one JSON object")
    p = with_config(command("classify", cmd_classify, "classify .eml files and print what the bot concludes"))
    p.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    p.add_argument("files", nargs="+", metavar="FILE")
    p = with_config(command("evaluate", cmd_evaluate, "measure classification against a labelled set"))
    p.add_argument("directory", metavar="DIR")
    p.add_argument("--labels", required=True, help="labels.jsonl")
    p = with_config(command("train", cmd_train, "train the classifier from rules/training"))
    p.add_argument("--output", help="model directory (default: understanding.model_path)")
    p = with_config(command("digest", cmd_digest, "build the daily digest now"))
    mode = p.add_mutually_exclusive_group(required=True)
    mode.add_argument("--print", action="store_true", help="print it (text part)")
    mode.add_argument("--html", action="store_true", help="print the HTML part")
    mode.add_argument("--send", action="store_true", help="send it to the advisor now")
    p = with_config(command("export", cmd_export, "export participants or inputs"))
    p.add_argument("what", choices=["participants", "inputs"])
    p.add_argument("--format", choices=["csv", "md"], default="csv")
    p.add_argument("--output", help="file to write (default: standard output)")
    p = with_config(command("capacity", cmd_capacity, "show or change the number of seats"))
    p.add_argument("action", choices=["show", "set"])
    p.add_argument("seats", nargs="?", type=int)
    p = with_config(command("forget", cmd_forget, "remove a person's personal data"))
    p.add_argument("email")
    with_config(command("purge", cmd_purge, "purge personal data older than privacy.retention_days"))
    p = with_config(command("demo", cmd_demo, "put demo mail in the local Maildir and process it"))
    p.add_argument("--source", help="directory of .eml files (default: the demo mail shipped in demo/)")
    return parser


def _settings(args: argparse.Namespace):  # noqa: ANN202
    from mailbot.config import load_settings
    from mailbot.logs import setup_logging

    settings = load_settings(args.config)
    setup_logging(settings.log_level)
    return settings


def _database(settings):  # noqa: ANN001, ANN202
    from mailbot.store.db import Database

    db = Database(settings.database_url)
    db.migrate()
    return db


def cmd_check_config(args: argparse.Namespace) -> int:
    from mailbot.config import load_settings
    from mailbot.errors import ConfigError

    try:
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"{args.config}: invalid configuration", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 2
    from mailbot.rules_check import check_rules

    problems = check_rules(settings)
    if problems:
        print(f"{args.config}: invalid rules in {settings.rules_path}", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)
    if problems:
        return 2
    print(f"{args.config}: OK ({'IMAP ' + settings.imap.host if settings.imap else 'Maildir'}, "
          f"{'SMTP ' + settings.smtp.host if settings.smtp else '.eml outbox'}, database {settings.database_url})")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from mailbot.daemon import build_daemon
    from mailbot.standby import run_once_owning_mailbox, run_owning_mailbox

    settings = _settings(args)
    daemon = build_daemon(settings)
    if args.once:
        return run_once_owning_mailbox(daemon, settings.database_url, lambda: _run_once(daemon))
    return run_owning_mailbox(daemon, settings.database_url)


def _run_once(daemon) -> int:  # noqa: ANN001 - mailbot.daemon.Daemon
    report = daemon.run_once()
    print(f"processed {report.processed} message(s), sent {report.sent} reply(ies), {report.failed} failed")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from mailbot.report.status import status

    settings = _settings(args)
    with _database(settings).session() as session:
        report = status(session, settings)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json else report.render())
    return 0


def cmd_classify(args: argparse.Namespace) -> int:
    from mailbot.understand.evaluate import classify_files

    classifier = _classifier(args)
    for result in classify_files([Path(f) for f in args.files], classifier):
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            areas = ",".join(result["focus_areas"]) or "-"
            print(f"{result['file']}: {result['kind']} areas={areas} seats={result['seats']} "
                  f"org={result['organization']!r} lang={result['language']} reply={result['should_reply']} "
                  f"confidence={result['confidence']}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from mailbot.understand.evaluate import evaluate

    report = evaluate(Path(args.directory), Path(args.labels), _classifier(args))
    print(report.render())
    return 0


def _classifier(args: argparse.Namespace):  # noqa: ANN202
    from mailbot.config import default_model_path, default_rules_path, load_settings
    from mailbot.errors import ConfigError
    from mailbot.understand.classifier import Classifier

    try:
        settings = load_settings(args.config)
        return Classifier.load(settings.rules_path, settings.model_path, settings.min_confidence,
                               settings.replies.bot_addresses)
    except ConfigError:
        if Path(args.config).exists():
            raise
        # No config file here: classifying files needs none, use the shipped rules and model.
        return Classifier.load(default_rules_path(), default_model_path())


def cmd_train(args: argparse.Namespace) -> int:
    from mailbot.config import default_model_path, default_rules_path, load_settings
    from mailbot.understand.train import train

    if Path(args.config).exists():
        settings = load_settings(args.config)
        rules, model = settings.rules_path, settings.model_path
    else:
        rules, model = default_rules_path(), default_model_path()
    output = Path(args.output) if args.output else model
    summary = train(rules, output)
    print(summary)
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from mailbot.report.digest import digest_now

    settings = _settings(args)
    db = _database(settings)
    now = datetime.now(timezone.utc)
    with db.session() as session:
        digest = digest_now(session, settings, now, record=args.send)
        if args.send:
            from mailbot.act.outbox import enqueue

            enqueue(session, digest, settings.reply_sender, None)
    if args.send:
        return _send_pending(settings, db)
    print(digest.html if args.html else digest.text)
    return 0


def _send_pending(settings, db) -> int:  # noqa: ANN001
    import asyncio

    from mailbot.act.smtp import make_sender
    from mailbot.secrets import SecretSource

    report = asyncio.run(make_sender(settings, SecretSource()).deliver_pending(db))
    print(f"sent {report.sent}, failed {report.failed}, to retry {report.retried}")
    return 0 if not report.failed else 1


def cmd_export(args: argparse.Namespace) -> int:
    from mailbot.report.export import export_inputs, export_participants_csv

    settings = _settings(args)
    with _database(settings).session() as session:
        if args.what == "participants":
            if args.format != "csv":
                print("mailbot: participants are exported as csv only", file=sys.stderr)
                return 2
            text = export_participants_csv(session)
        else:
            text = export_inputs(session, args.format)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_capacity(args: argparse.Namespace) -> int:
    from mailbot.act.outbox import enqueue
    from mailbot.desk.decide import Desk

    settings = _settings(args)
    db = _database(settings)
    desk = Desk(settings, settings.rules_path)
    with db.session() as session:
        if args.action == "show":
            print(desk.capacity(session))
            return 0
        if args.seats is None or args.seats < 1:
            print("mailbot: capacity set needs a number of seats (at least 1)", file=sys.stderr)
            return 2
        promoted = desk.set_capacity(session, args.seats)
        for reply in promoted:
            enqueue(session, reply, settings.reply_sender, None)
    print(f"capacity set to {args.seats}; {len(promoted)} promotion e-mail(s) queued")
    return _send_pending(settings, db) if promoted else 0


def cmd_forget(args: argparse.Namespace) -> int:
    from mailbot.report.privacy import forget

    settings = _settings(args)
    with _database(settings).session() as session:
        report = forget(session, args.email)
    print(report.render())
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from mailbot.report.privacy import purge_expired

    settings = _settings(args)
    with _database(settings).session() as session:
        report = purge_expired(session, settings, datetime.now(timezone.utc))
    print(report.render())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mailbot.demo import run_demo
    from mailbot.logs import setup_logging

    settings = _settings(args)
    if settings.log_level != "DEBUG":
        setup_logging("WARNING")  # the demo prints its own table; per-message log lines would bury it
    return run_demo(settings, Path(args.source) if args.source else None)


if __name__ == "__main__":
    sys.exit(main())
