"""Filing on an IMAP server: folder names, folder creation, keywords and moves.

Our folder paths use "/" ("Klimaverksted/Påmeldinger"); the server may use another hierarchy delimiter
(Maildir++ servers use ".") and may put personal folders under a namespace prefix ("INBOX.").  imapclient
encodes non-ASCII names (æøå) in modified UTF-7 itself.  These functions take a logged-in IMAPClient with
the inbox selected and raise imapclient/socket errors; ImapMailbox turns those into MailboxConnectionError.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from imapclient import DELETED, IMAPClient
from imapclient.exceptions import IMAPClientError

from mailbot.logs import kv

log = logging.getLogger("mailbot.intake")

# RFC 3501 flag-keyword = atom: no spaces, controls, parentheses, braces, wildcards, quotes or backslash.
_KEYWORD = re.compile(r"[^\s\x00-\x1f\x7f(){}%*\"\\\]]+")


def check_keyword(keyword: str) -> str:
    """`keyword` if it is a valid IMAP keyword, else ValueError (a programming error, not a server one)."""
    if not _KEYWORD.fullmatch(keyword) or not keyword.isascii():
        raise ValueError(f"not a valid IMAP keyword: {keyword!r}")
    return keyword


class FolderMap:
    """Translates our "/"-separated folder paths to the server's names and creates missing folders.

    Remembers which folders exist for the life of one connection (a new FolderMap per open()).
    """

    def __init__(self, client: IMAPClient) -> None:
        self.client = client
        self.prefix, self.delimiter = _personal_namespace(client)
        self._known: set[str] = set()

    def levels(self, path: str) -> list[str]:
        """Server names of `path` and each of its ancestors, outermost first.

        A delimiter inside one of our segments (a "." on a "."-server) would split the name into levels
        nobody asked for, so it becomes "_".
        """
        segments = [s.strip() for s in path.split("/") if s.strip()]
        if not segments:
            raise ValueError(f"empty folder path: {path!r}")
        if self.delimiter != "/":
            segments = [s.replace(self.delimiter, "_") for s in segments]
        return [self.prefix + self.delimiter.join(segments[: i + 1]) for i in range(len(segments))]

    def ensure(self, path: str) -> str:
        """The server name of `path`, creating (and subscribing) it and its parents when missing."""
        levels = self.levels(path)
        for name in levels:
            if name not in self._known:
                self._create_if_missing(name)
                self._known.add(name)
        return levels[-1]

    def _create_if_missing(self, name: str) -> None:
        if self.client.folder_exists(name):
            return
        try:
            self.client.create_folder(name)
        except IMAPClientError:
            # Another process (or the advisor) may have created it a moment ago.
            if not self.client.folder_exists(name):
                raise
            return
        log.info(kv("folder_created", folder=name))
        try:
            self.client.subscribe_folder(name)
        except IMAPClientError as exc:
            # The folder works without a subscription; the advisor's client may just not show it.
            log.warning(kv("subscribe_failed", folder=name, error=exc))


def _personal_namespace(client: IMAPClient) -> tuple[str, str]:
    """(prefix, delimiter) of the personal namespace: ("", "/") on Dovecot, ("INBOX.", ".") on Courier."""
    if client.has_capability("NAMESPACE"):
        personal = client.namespace().personal
        if personal:
            prefix, delimiter = personal[0]
            if delimiter:
                return prefix or "", delimiter
    listed = client.list_folders("", "")  # LIST "" "" answers with the hierarchy delimiter (RFC 3501)
    delimiter = listed[0][1] if listed and listed[0][1] else b"/"
    return "", delimiter.decode() if isinstance(delimiter, bytes) else str(delimiter)


def present_uids(client: IMAPClient, uids: Sequence[int]) -> list[int]:
    """Those of `uids` still in the selected folder (a UID moved before a crash is simply absent).

    Messages flagged \\Deleted count as gone: the COPY fallback of `move_uids` leaves its originals so
    when it cannot expunge, and copying them again would file a duplicate.
    """
    if not uids:
        return []
    found = set(client.search(["UID", ",".join(str(u) for u in sorted(set(uids))), "NOT", "DELETED"]))
    return [u for u in uids if u in found]


def add_keyword(client: IMAPClient, uids: Sequence[int], keyword: str, permanent_flags: Sequence[bytes]) -> bool:
    """STORE +FLAGS (keyword) when the server keeps keywords (PERMANENTFLAGS has \\* or the keyword)."""
    wanted = keyword.encode()
    if b"\\*" not in permanent_flags and wanted not in permanent_flags:
        return False
    client.add_flags(list(uids), [keyword], silent=True)
    return True


def move_uids(client: IMAPClient, uids: Sequence[int], target: str, use_move: bool = True) -> None:
    """Move `uids` from the selected folder to `target`: UID MOVE when offered, else COPY + \\Deleted +
    UID EXPUNGE.  Without UIDPLUS the originals stay, flagged \\Deleted: a plain EXPUNGE would also
    remove messages the advisor marked deleted but still wants to see."""
    uids = list(uids)
    if use_move and client.has_capability("MOVE"):
        client.move(uids, target)
        return
    client.copy(uids, target)
    client.add_flags(uids, [DELETED], silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        log.warning(kv("copied_not_expunged", folder=target, count=len(uids),
                       reason="server has neither MOVE nor UIDPLUS; originals flagged \\Deleted"))
