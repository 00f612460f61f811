"""MaildirMailbox: a local Maildir (the embedded default, and handy for trying mailbot out).

The inbox is the Maildir's new/ and cur/; sub-folders are Maildir++ folders next to them
(".Klimaverksted.P&AOU-meldinger/{cur,new,tmp}" for "Klimaverksted/Påmeldinger": modified UTF-7, see
`folder_path`).  Filing renames the file into the folder's cur/ under the same
name, so flags in the name (":2,S") and thus the read state stay as they were.  Maildir has no UIDs: every
message in the inbox is pending, and the daemon de-duplicates by Message-ID / content hash.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from imapclient.imap_utf7 import encode as encode_utf7

from mailbot.domain import IncomingMail
from mailbot.errors import MailboxConnectionError
from mailbot.intake.limits import split_prefix
from mailbot.logs import kv
from mailbot.settings import SizeLimits

log = logging.getLogger("mailbot.intake")

POLL_STEP_S = 1.0


class MaildirError(MailboxConnectionError):
    """The Maildir is missing, not a directory, or unreadable."""

    def __init__(self, path: Path, problem: str) -> None:  # noqa: super-init-not-called - own message
        self.host = f"maildir:{path}"
        self.port = 0
        Exception.__init__(self, f"Maildir {path}: {problem}")


class MaildirMailbox:
    """A Maildir inbox with Maildir++ sub-folders.

    `folder_prefix` is kept for symmetry with ImapSettings.folder_prefix; file() receives full paths
    (Settings.folder() already includes the prefix), so it is not applied a second time.
    """

    def __init__(self, path: Path, folder_prefix: str = "Klimaverksted", utf8_names: bool = False,
                 limits: SizeLimits = SizeLimits()) -> None:
        self.path = Path(path)
        self.limits = limits
        self.folder_prefix = folder_prefix
        self.utf8_names = utf8_names
        self.name = f"maildir:{self.path}"
        self._snapshot: tuple[int, ...] | None = None

    def open(self) -> None:
        """Check the Maildir, creating new/, cur/ and tmp/ when missing (a fresh install)."""
        try:
            for sub in ("new", "cur", "tmp"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
            os.listdir(self.path / "new")
        except OSError as exc:
            raise MaildirError(self.path, exc.strerror or str(exc)) from exc

    def close(self) -> None:
        self._snapshot = None

    def uidvalidity(self) -> int | None:
        return None

    # ------------------------------------------------------------------ reading
    def pending(self, after_uid: int, batch_size: int) -> Iterator[list[IncomingMail]]:
        """Every message in new/ and cur/, oldest delivery first (mtime, then name); after_uid is ignored."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._snapshot = self._dir_state()  # taken before listing: wait() then sees anything delivered after
        files = self._inbox_files()
        batch: list[IncomingMail] = []
        held = 0  # bytes in `batch`: a batch holds at most limits.batch_bytes (and at least one message)
        for path in files:
            try:
                mail = self._read(path)
            except FileNotFoundError:
                continue  # moved away (by a mail client) since the listing
            except OSError as exc:
                raise MaildirError(self.path, f"cannot read {path.name}: {exc.strerror or exc}") from exc
            batch.append(mail)
            held += len(mail.raw)
            if len(batch) == batch_size or held >= self.limits.batch_bytes:
                yield batch
                batch, held = [], 0
        if batch:
            yield batch

    def _read(self, path: Path) -> IncomingMail:
        """The message in `path`; above the size limit only its header and the start of its body."""
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if not self.limits.too_large(size):
                return IncomingMail(raw=handle.read(), mailbox=self.name, source_path=str(path), size=size)
            start = handle.read(self.limits.header_bytes + self.limits.body_prefix_bytes)
        log.warning(kv("message_truncated", mailbox=self.name, file=path.name, size=size,
                       limit=self.limits.max_message_bytes))
        return IncomingMail(raw=split_prefix(start, self.limits), mailbox=self.name, source_path=str(path),
                            size=size, truncated=True)

    def _inbox_files(self) -> list[Path]:
        entries: list[tuple[int, str, Path]] = []
        for sub in ("new", "cur"):
            try:
                with os.scandir(self.path / sub) as it:
                    for entry in it:
                        if entry.name.startswith(".") or not entry.is_file():
                            continue
                        try:
                            entries.append((entry.stat().st_mtime_ns, entry.name, Path(entry.path)))
                        except FileNotFoundError:
                            continue
            except OSError as exc:
                raise MaildirError(self.path, f"cannot list {sub}/: {exc.strerror or exc}") from exc
        entries.sort(key=lambda e: (e[0], e[1]))
        return [p for _m, _n, p in entries]

    # ------------------------------------------------------------------ filing
    def file(self, moves: Sequence[tuple[IncomingMail, str]], keyword: str) -> None:
        """Rename each file into the folder's cur/ (same name).  `keyword` is not recorded: Maildir keywords
        live in a server-specific dovecot-keywords file."""
        for mail, folder in moves:
            if not mail.source_path:
                raise ValueError(f"{self.name}: cannot file a message without source_path (UID {mail.uid})")
            target = self.ensure_folder(folder) / "cur"
            source = self._locate(Path(mail.source_path))
            if source is None:
                log.info(kv("already_filed", mailbox=self.name, folder=folder, file=Path(mail.source_path).name))
                continue
            try:
                os.replace(source, target / source.name)
            except FileNotFoundError:
                continue  # a mail client moved it in the meantime
            except OSError as exc:
                raise MaildirError(self.path, f"cannot move {source.name} to {folder}: {exc.strerror}") from exc
            log.info(kv("filed", mailbox=self.name, folder=folder, file=source.name))

    def _locate(self, source: Path) -> Path | None:
        """Where the message is now: a mail client may have moved it from new/ to cur/ and added flags
        (":2,S") since pending() read it.  The unique part of the name (before ":") stays the same."""
        if source.exists():
            return source
        unique = source.name.split(":", 1)[0]
        for sub in ("cur", "new"):
            for candidate in (self.path / sub).glob(f"{_glob_escape(unique)}*"):
                if candidate.name.split(":", 1)[0] == unique:
                    return candidate
        return None

    def folder_path(self, folder: str) -> Path:
        """The Maildir++ directory of a "/"-separated folder path: "A/Påmeldinger" -> <maildir>/.A.P&AOU-meldinger.

        Names are stored in modified UTF-7, as Dovecot and Courier do (a Dovecot serving this Maildir does
        not find a folder whose directory name is raw UTF-8); `utf8_names=True` stores them as they are, for
        Dovecot's ":UTF-8" layout option.  A "." inside a name would mean another level, so it becomes "_".
        """
        segments = [s.strip().replace(".", "_") for s in folder.split("/") if s.strip()]
        if not segments:
            raise ValueError(f"empty folder path: {folder!r}")
        name = ".".join(segments)
        if not self.utf8_names:
            name = encode_utf7(name).decode("ascii")
        return self.path / ("." + name)

    def ensure_folder(self, folder: str) -> Path:
        """Create the Maildir++ folder (cur/new/tmp and the `maildirfolder` marker) when missing."""
        path = self.folder_path(folder)
        try:
            for sub in ("cur", "new", "tmp"):
                (path / sub).mkdir(parents=True, exist_ok=True)
            (path / "maildirfolder").touch(exist_ok=True)
        except OSError as exc:
            raise MaildirError(self.path, f"cannot create folder {folder}: {exc.strerror or exc}") from exc
        return path

    # ------------------------------------------------------------------ waiting
    def wait(self, timeout: float) -> bool:
        """Poll the mtimes of new/ and cur/ about once a second.  Compared with the state before the last
        pending() listing, so mail delivered between that listing and this call is not missed (our own
        file() also changes cur/: that costs one extra, empty round)."""
        baseline = self._snapshot if self._snapshot is not None else self._dir_state()
        deadline = time.monotonic() + timeout
        while True:
            if self._dir_state() != baseline:
                self._snapshot = None
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(POLL_STEP_S, remaining))

    def _dir_state(self) -> tuple[int, ...]:
        state = []
        for sub in ("new", "cur"):
            try:
                st = os.stat(self.path / sub)
                state += [st.st_mtime_ns, st.st_nlink, st.st_ino]
            except OSError:
                state += [0, 0, 0]
        return tuple(state)


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)
