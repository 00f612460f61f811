"""How much of a message the bot reads, and how much mail one batch may hold.

Memory must stay bounded whatever lands in the inbox: a 70 MB "newsletter" or a forwarded archive must not
take the daemon down.  Intake therefore learns each message's size first (IMAP RFC822.SIZE, a file's size)
and, for a message above `max_message_bytes`, reads only its header and the first part of its body — the
text a person wrote comes before the attachments in practically every mail client's MIME layout.  Such a
message is marked `truncated`; the pipeline records why and sends it to a human, never answers it.
The message itself stays untouched in the mailbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from mailbot.settings import SizeLimits


def size_batches(uids: Sequence[int], sizes: Mapping[int, int], batch_size: int,
                 limits: SizeLimits) -> list[list[int]]:
    """`uids` (in order) cut into batches of at most `batch_size` messages and `limits.batch_bytes` bytes
    read; a batch always takes at least one message.  UIDs without a size (expunged meanwhile) are left out."""
    batches: list[list[int]] = []
    current: list[int] = []
    held = 0
    for uid in uids:
        if uid not in sizes:
            continue
        need = limits.read_size(sizes[uid])
        if current and (len(current) >= batch_size or held + need > limits.batch_bytes):
            batches.append(current)
            current, held = [], 0
        current.append(uid)
        held += need
    if current:
        batches.append(current)
    return batches


def join_prefix(header: bytes, body_prefix: bytes) -> bytes:
    """A readable stand-in for a truncated message: its header section (ending in a blank line, even when
    the header itself was cut) followed by the start of its body."""
    if not header.endswith((b"\r\n\r\n", b"\n\n")):
        header = header.rstrip(b"\r\n") + b"\r\n\r\n"
    return header + body_prefix


def split_prefix(start: bytes, limits: SizeLimits) -> bytes:
    """The stand-in for a truncated message from the first bytes of its raw form (a Maildir file): the
    header section (at most `header_bytes`) and `body_prefix_bytes` of what follows."""
    ends = [i for i in (start.find(b"\r\n\r\n", 0, limits.header_bytes), start.find(b"\n\n", 0, limits.header_bytes))
            if i >= 0]
    if not ends:
        return join_prefix(start[:limits.header_bytes], b"")
    cut = min(ends)
    body_start = cut + (4 if start.startswith(b"\r\n\r\n", cut) else 2)
    return join_prefix(start[:body_start], start[body_start:body_start + limits.body_prefix_bytes])
