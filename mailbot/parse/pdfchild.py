"""Child process that reads one PDF: `python -m mailbot.parse.pdfchild MAX_PAGES MAX_CHARS MAX_SECONDS`.

The PDF comes on stdin; a JSON object {"text": ..., "error": ...} goes to stdout.  The parent
(mailbot.parse.attachments) kills this process at its time limit, so a parser stuck inside one page
cannot hang the bot.  A plain subprocess is used rather than multiprocessing's spawn context because
spawn re-imports the parent's __main__ module, which an unguarded script would run again.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> int:
    from mailbot.parse.attachments import TimeUp, pdf_text

    max_pages, max_chars, max_seconds = int(argv[0]), int(argv[1]), float(argv[2])
    payload = sys.stdin.buffer.read()
    try:
        result = {"text": pdf_text(payload, max_pages, max_chars, max_seconds)[:max_chars], "error": None}
    except TimeUp as late:
        result = {"text": late.text[:max_chars], "error": str(late)}
    except Exception as exc:  # a broken PDF is reported, not crashed on
        result = {"text": "", "error": f"pdf extraction failed: {type(exc).__name__}: {exc}"[:300]}
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
