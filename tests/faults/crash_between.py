"""Run the daemon once and die abruptly (os._exit: no cleanup, no finally) around the first IMAP filing.

`python crash_between.py CONFIG before_move|after_move`

before_move: the batch is decided and committed (outbox rows included); the process dies as the daemon calls
             Mailbox.file(), before anything is moved.
after_move:  the mailbox has moved the messages; the process dies before the daemon records them as filed.
Either way nothing has been sent yet: the daemon sends after filing.
"""

from __future__ import annotations

import os
import sys

EXIT_CODE = 137  # what a SIGKILLed process reports


def main(config: str, mode: str) -> int:
    from mailbot.config import load_settings
    from mailbot.daemon import build_daemon

    daemon = build_daemon(load_settings(config))
    real_file = daemon.mailbox.file

    def file_then_die(moves, keyword):  # noqa: ANN001, ANN202
        if mode == "after_move":
            real_file(moves, keyword)
        sys.stdout.write(f"crashing {mode} with {len(moves)} message(s) to file\n")
        sys.stdout.flush()
        os._exit(EXIT_CODE)

    daemon.mailbox.file = file_then_die
    daemon.run_once()
    return 0  # not reached when there is anything to file


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
