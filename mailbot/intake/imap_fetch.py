"""Fetching one batch of messages whose sizes are known: whole messages with BODY.PEEK[], and for a message
above the size limit only its header and the start of its body (see mailbot.intake.limits).

PEEK throughout: reading never sets \\Seen, so the advisor's unread marks stay the advisor's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from imapclient import IMAPClient

from mailbot.domain import IncomingMail
from mailbot.intake.limits import SizeLimits, join_prefix
from mailbot.logs import kv

log = logging.getLogger("mailbot.intake")


def fetch_batch(client: IMAPClient, uids: Sequence[int], sizes: Mapping[int, int], limits: SizeLimits,
                mailbox: str, uidvalidity: int | None) -> list[IncomingMail]:
    """The messages `uids` in UID order; a message expunged meanwhile is simply absent."""
    whole = [u for u in uids if not limits.too_large(sizes[u])]
    large = [u for u in uids if limits.too_large(sizes[u])]
    raws = _whole(client, whole) if whole else {}
    raws.update(_prefixes(client, large, limits) if large else {})
    for uid in large:
        if uid in raws:
            log.warning(kv("message_truncated", mailbox=mailbox, uid=uid, size=sizes[uid],
                           limit=limits.max_message_bytes, read=len(raws[uid])))
    return [IncomingMail(raw=raws[u], mailbox=mailbox, uid=u, uidvalidity=uidvalidity, size=sizes[u],
                         truncated=u in large)
            for u in uids if u in raws]


def _whole(client: IMAPClient, uids: Sequence[int]) -> dict[int, bytes]:
    data = client.fetch(list(uids), ["BODY.PEEK[]"])
    return {u: item[b"BODY[]"] for u, item in data.items() if item.get(b"BODY[]") is not None}


def _prefixes(client: IMAPClient, uids: Sequence[int], limits: SizeLimits) -> dict[int, bytes]:
    """Header (at most header_bytes) and the first body_prefix_bytes of the body, joined."""
    header_item = f"BODY.PEEK[HEADER]<0.{limits.header_bytes}>"
    text_item = f"BODY.PEEK[TEXT]<0.{limits.body_prefix_bytes}>"
    data = client.fetch(list(uids), [header_item, text_item])
    found = {}
    for uid, item in data.items():
        header, text = item.get(b"BODY[HEADER]<0>"), item.get(b"BODY[TEXT]<0>")
        if header is not None:
            found[uid] = join_prefix(header, text or b"")
    return found
