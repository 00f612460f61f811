"""A private, throw-away Dovecot 2.3 IMAP server for tests.

Usage::

    with DovecotServer() as imap:
        imap.append("INBOX", raw_bytes)
        with imap.client() as c:          # logged-in imapclient.IMAPClient
            c.select_folder("INBOX")

Everything lives in a private directory under /tmp (mode 0711 so Dovecot's
unprivileged login/mail processes can traverse it); nothing in /etc/dovecot
is read or touched.  Must run as root (Dovecot's master drops privileges to
dovenull/dovecot/nobody itself).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterable, Optional, Sequence, Tuple

from . import ServerUnavailable, free_port

__all__ = ["DovecotServer", "find_dovecot", "DOVECOT_IDLE_LESS_CAPABILITY"]

MAIL_UID = 65534  # nobody
MAIL_GID = 65534  # nogroup

# Dovecot 2.3's built-in post-login CAPABILITY list minus IDLE.  Used as
# ``imap_capability`` when ``idle=False``.  Dovecot still *executes* an IDLE
# command if a client sends it anyway -- the setting only changes what is
# advertised, which is what a capability-respecting client looks at.
DOVECOT_IDLE_LESS_CAPABILITY = (
    "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY "
    "THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND "
    "URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED "
    "I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN "
    "CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY "
    "PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY"
)

_RUNNING: "set[DovecotServer]" = set()
_RUNNING_LOCK = threading.Lock()


def _stop_all_at_exit() -> None:
    with _RUNNING_LOCK:
        servers = list(_RUNNING)
    for srv in servers:
        try:
            srv.stop()
        except Exception:
            pass


atexit.register(_stop_all_at_exit)


def _which(name: str, *fallbacks: str) -> Optional[str]:
    found = shutil.which(name)
    if found:
        return found
    for fb in fallbacks:
        if os.path.isfile(fb) and os.access(fb, os.X_OK):
            return fb
    return None


def find_dovecot() -> Tuple[str, str]:
    """Return (dovecot, doveadm) binary paths or raise ServerUnavailable."""
    dovecot = os.environ.get("MAILBOT_DOVECOT_BIN") or _which(
        "dovecot", "/usr/sbin/dovecot", "/usr/local/sbin/dovecot"
    )
    doveadm = os.environ.get("MAILBOT_DOVEADM_BIN") or _which(
        "doveadm", "/usr/bin/doveadm", "/usr/local/bin/doveadm"
    )
    if not dovecot or not doveadm or not (os.path.isfile(dovecot) and os.path.isfile(doveadm)):
        raise ServerUnavailable(
            "Dovecot not installed (need /usr/sbin/dovecot and doveadm: "
            "apt-get install dovecot-imapd)"
        )
    if os.geteuid() != 0:
        raise ServerUnavailable(
            "the private Dovecot test server must run as root "
            "(it switches to dovenull/dovecot/nobody itself)"
        )
    return dovecot, doveadm


class DovecotServer:
    """A private Dovecot IMAP server on 127.0.0.1.

    Parameters
    ----------
    host:
        Listen address; default 127.0.0.1, or 127.0.0.2 when ``tls`` is
        given (see the comment in ``__init__``: Dovecot would otherwise
        treat loopback as secure and allow LOGIN without STARTTLS).
    user, password:
        The account the bot logs in with (``{PLAIN}`` in a passwd-file).
    extra_users:
        More ``{name: password}`` accounts.
    tls:
        ``(cert_pem_path, key_pem_path)``: turn on ``ssl = required`` -- an
        implicit-TLS listener on :attr:`tls_port` plus STARTTLS on
        :attr:`port` (where LOGIN is refused until STARTTLS).
    tls_ca:
        CA PEM path used by :meth:`client` to verify the server certificate.
    idle:
        ``False`` removes IDLE from the advertised CAPABILITY (for testing
        a polling fallback).
    separator:
        Hierarchy separator of the INBOX namespace ("/" by default, "." is
        Dovecot's Maildir++ default).
    """

    def __init__(
        self,
        *,
        host: Optional[str] = None,
        user: str = "mailbot",
        password: str = "secret",
        extra_users: Optional[dict] = None,
        tls: Optional[Tuple[os.PathLike, os.PathLike]] = None,
        tls_ca: Optional[os.PathLike] = None,
        idle: bool = True,
        separator: str = "/",
        startup_timeout: float = 10.0,
    ) -> None:
        self.dovecot_bin, self.doveadm_bin = find_dovecot()
        # Dovecot 2.3 treats a connection whose remote IP equals its local IP
        # as "secured", so on 127.0.0.1 -> 127.0.0.1 it accepts LOGIN without
        # STARTTLS even with ssl=required.  Listening on 127.0.0.2 (the client
        # still connects *from* 127.0.0.1) makes the plain port really insecure.
        if host is None:
            host = "127.0.0.2" if tls else "127.0.0.1"
        self.host = host
        self.user = user
        self.password = password
        self.users = {user: password, **(extra_users or {})}
        for name, pw in self.users.items():
            if ":" in name or ":" in pw or "\n" in name + pw:
                raise ValueError("user names/passwords must not contain ':' or newlines")
        self.tls = (Path(tls[0]), Path(tls[1])) if tls else None
        self.tls_ca = Path(tls_ca) if tls_ca else None
        self.idle = idle
        self.separator = separator
        self.startup_timeout = startup_timeout

        self.port = free_port(host)
        self.tls_port: Optional[int] = free_port(host) if self.tls else None
        while self.tls_port == self.port:
            self.tls_port = free_port(host)

        self.root: Optional[Path] = None
        self.proc: Optional[subprocess.Popen] = None
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ paths
    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def mail_root(self) -> Path:
        return self.root / "mail"

    def maildir(self, user: Optional[str] = None) -> Path:
        return self.mail_root / (user or self.user)

    # ---------------------------------------------------------------- config
    def _write_config(self) -> None:
        root = self.root
        for sub in ("run", "state"):
            (root / sub).mkdir(exist_ok=True)
        for sub in ("mail", "home"):
            d = root / sub
            d.mkdir(exist_ok=True)
            os.chown(d, MAIL_UID, MAIL_GID)
            os.chmod(d, 0o750)

        passwd = root / "users"
        passwd.write_text(
            "".join(f"{u}:{{PLAIN}}{p}::::::\n" for u, p in self.users.items())
        )
        os.chmod(passwd, 0o644)  # read by the auth process running as "dovecot"

        if self.tls:
            ssl_block = f"""
ssl = required
ssl_cert = <{self.tls[0]}
ssl_key = <{self.tls[1]}
disable_plaintext_auth = yes
"""
            imaps_port = self.tls_port
        else:
            ssl_block = """
ssl = no
disable_plaintext_auth = no
"""
            imaps_port = 0

        capability = "" if self.idle else f"  imap_capability = {DOVECOT_IDLE_LESS_CAPABILITY}\n"

        conf = f"""# generated by tests/servers/dovecot.py -- private test instance
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
debug_log_path = {root}/dovecot.log
instance_name = mailbot-test-{self.port}
listen = {self.host}
protocols = imap
shutdown_clients = yes
verbose_proctitle = yes
{ssl_block}
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={MAIL_UID} gid={MAIL_GID} home={root}/home/%u
}}
mail_location = maildir:{root}/mail/%u
mail_plugins =
first_valid_uid = 1
first_valid_gid = 1
namespace inbox {{
  inbox = yes
  separator = {self.separator}
}}
protocol imap {{
  mail_plugins =
  mail_max_userip_connections = 200
{capability}}}
service imap-login {{
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {imaps_port}
  }}
}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    port = 0
  }}
}}
service submission-login {{
  inet_listener submission {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    port = 0
  }}
}}
"""
        self.config_path.write_text(conf)
        os.chmod(self.config_path, 0o644)

    # --------------------------------------------------------------- process
    def start(self) -> "DovecotServer":
        with self._lock:
            if self.proc is not None:
                return self
            if self.root is None:
                self.root = Path(tempfile.mkdtemp(prefix="mailbot-dovecot-", dir="/tmp"))
                os.chmod(self.root, 0o711)
                self._write_config()
            try:
                self._spawn()
            except BaseException:
                self.stop()  # removes the temp dir (its logs are in the error)
                raise
            with _RUNNING_LOCK:
                _RUNNING.add(self)
            return self

    def _spawn(self) -> None:
        log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        out_path = self.root / "dovecot.stdout"
        out_offset = out_path.stat().st_size if out_path.exists() else 0
        # stdout/stderr to a file, never a pipe nobody reads (could block it)
        with open(out_path, "ab") as out:
            self.proc = subprocess.Popen(
                [self.dovecot_bin, "-F", "-c", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                cwd=str(self.root),
            )
        try:
            self._wait_ready(self.port, tls=False)
            if self.tls_port:
                self._wait_ready(self.tls_port, tls=True)
        except Exception as exc:
            self._kill_group(graceful=False)
            raise ServerUnavailable(
                f"Dovecot did not come up on {self.host}:{self.port}: {exc}\n"
                f"--- dovecot stdout/stderr ---\n{self._read(out_path, out_offset)}"
                f"--- {self.log_path} ---\n{self._read(self.log_path, log_offset)}"
            ) from None

    def _wait_ready(self, port: int, tls: bool) -> None:
        deadline = time.monotonic() + self.startup_timeout
        last: object = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"dovecot exited with status {self.proc.returncode}")
            try:
                with socket.create_connection((self.host, port), timeout=2) as s:
                    if tls:
                        ctx = ssl.create_default_context()
                        ctx.check_hostname = False
                        ctx.verify_mode = ssl.CERT_NONE
                        s = ctx.wrap_socket(s, server_hostname=self.host)
                    s.settimeout(3)
                    line = s.makefile("rb").readline()
                    if line.startswith(b"* OK"):
                        return
                    last = line
            except OSError as exc:
                last = exc
            time.sleep(0.05)
        raise TimeoutError(f"no '* OK' greeting within {self.startup_timeout}s (last: {last!r})")

    def _kill_group(self, graceful: bool = True) -> None:
        proc = self.proc
        if proc is None:
            return
        try:
            pgid = os.getpgid(proc.pid)
        except ProcessLookupError:
            pgid = proc.pid
        for sig in ((signal.SIGTERM,) if graceful else ()) + (signal.SIGKILL,):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        # Make sure no child of that group (imap, auth, ...) survives.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self._group_alive(pgid):
            time.sleep(0.05)
        self.proc = None

    @staticmethod
    def _group_members(pgid: int) -> list:
        """[(pid, state, cmdline)] of live (non-zombie) processes in group."""
        out = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read().decode(errors="replace")
                # fields after the ")" closing comm: state ppid pgrp ...
                fields = stat[stat.rindex(")") + 2 :].split()
                if int(fields[2]) != pgid or fields[0] in ("Z", "X"):
                    continue
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    cmd = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
            except (OSError, ValueError, IndexError):
                continue
            out.append((int(entry), fields[0], cmd))
        return out

    @classmethod
    def _group_alive(cls, pgid: int) -> bool:
        # zombies (reparented to init, not yet reaped) don't count
        return bool(cls._group_members(pgid))

    def stop(self, *, cleanup: bool = True) -> None:
        with self._lock:
            self._kill_group(graceful=True)
            with _RUNNING_LOCK:
                _RUNNING.discard(self)
            if cleanup and self.root is not None and not os.environ.get("MAILBOT_KEEP_SERVERS"):
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None

    def restart(self) -> None:
        """Crash-restart: SIGKILL the whole process group, then start a new
        Dovecot on the same port(s) with the same maildirs."""
        with self._lock:
            if self.root is None:
                raise RuntimeError("server was never started")
            self._kill_group(graceful=False)
            self._spawn()

    def crash(self) -> None:
        """SIGKILL the server and leave it down (``start_again()`` revives it)."""
        with self._lock:
            self._kill_group(graceful=False)

    def start_again(self) -> None:
        with self._lock:
            if self.proc is None:
                self._spawn()

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self) -> "DovecotServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @staticmethod
    def _read(path: Path, offset: int = 0) -> str:
        try:
            with open(path, "rb") as fh:
                fh.seek(offset)
                return fh.read().decode(errors="replace")
        except OSError:
            return "(none)\n"

    def log_text(self, offset: int = 0) -> str:
        """Dovecot's log (all of it, or from byte ``offset``)."""
        return self._read(self.log_path, offset)

    # ---------------------------------------------------------- connections
    def kill_connections(self, user: Optional[str] = None) -> int:
        """Disconnect every logged-in IMAP session of ``user`` (default: all
        configured users), like a server-side connection drop.  Returns the
        number of imap processes that were told to go away.

        Uses ``doveadm kick`` via anvil, then SIGKILLs any imap process of the
        user that is still alive (so it works even if anvil is slow)."""
        users = [user] if user else list(self.users)
        before = self._imap_pids(users)
        for u in users:
            subprocess.run(
                [self.doveadm_bin, "-c", str(self.config_path), "kick", u],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=10,
                check=False,
            )
        deadline = time.monotonic() + 3
        while True:
            pids = self._imap_pids(users)
            if not pids:
                break
            if time.monotonic() > deadline:
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                break
            time.sleep(0.05)
        return len(before)

    def _imap_pids(self, users: Sequence[str]) -> list:
        """PIDs of ``imap`` (post-login) processes of this instance serving
        one of ``users`` (found by process group + verbose proctitle)."""
        if self.proc is None:
            return []
        try:
            pgid = os.getpgid(self.proc.pid)
        except ProcessLookupError:
            return []
        out = []
        for pid, _state, cmd in self._group_members(pgid):
            # verbose_proctitle + instance_name:
            #   "dovecot-mailbot-test-PORT/imap [mailbot 127.0.0.1 IDLE]"
            m = re.match(r"^dovecot\S*/imap \[(\S+) ", cmd)
            if m and m.group(1) in users:
                out.append(pid)
        return out

    def client(
        self,
        *,
        login: bool = True,
        tls: Optional[bool] = None,
        starttls: bool = False,
        ssl_context: Optional[ssl.SSLContext] = None,
        timeout: float = 10.0,
        user: Optional[str] = None,
        password: Optional[str] = None,
    ):
        """A (by default logged-in) ``imapclient.IMAPClient``.

        Without TLS configured: plain connection to :attr:`port`.  With TLS
        configured the default is implicit TLS to :attr:`tls_port`;
        ``starttls=True`` uses :attr:`port` + STARTTLS instead.  The server
        certificate is verified against ``ssl_context`` or, if not given, a
        context trusting :attr:`tls_ca` (``tls_ca`` must then be set)."""
        import imapclient

        if tls is None:
            tls = bool(self.tls) and not starttls
        if (tls or starttls) and ssl_context is None:
            if self.tls_ca is None:
                raise ValueError("pass ssl_context= or construct DovecotServer(tls_ca=...)")
            ssl_context = ssl.create_default_context(cafile=str(self.tls_ca))
        if tls:
            c = imapclient.IMAPClient(
                self.host, port=self.tls_port, ssl=True, ssl_context=ssl_context, timeout=timeout
            )
        else:
            c = imapclient.IMAPClient(self.host, port=self.port, ssl=False, timeout=timeout)
            if starttls:
                c.starttls(ssl_context)
        if login:
            c.login(user or self.user, password if password is not None else self.users[user or self.user])
        return c

    # ------------------------------------------------------------- helpers
    def _with_client(self, fn, user: Optional[str] = None):
        ctx = None
        if self.tls and self.tls_ca is None:
            # helper connections only: skip verification if no CA was given
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        c = self.client(user=user, ssl_context=ctx)
        try:
            return fn(c)
        finally:
            try:
                c.logout()
            except Exception:
                pass

    def create_folder(self, folder: str, user: Optional[str] = None) -> None:
        def _do(c):
            if not c.folder_exists(folder):
                c.create_folder(folder)
        self._with_client(_do, user)

    def append(
        self,
        folder: str,
        raw_bytes: bytes,
        flags: Iterable = (),
        *,
        msg_time=None,
        create: bool = True,
        user: Optional[str] = None,
    ) -> Optional[int]:
        """APPEND ``raw_bytes`` to ``folder`` (created if missing unless
        ``create=False``) and return the new UID (from APPENDUID)."""
        if isinstance(raw_bytes, str):
            raw_bytes = raw_bytes.encode()

        def _do(c):
            if create and folder.upper() != "INBOX" and not c.folder_exists(folder):
                c.create_folder(folder)
            resp = c.append(folder, raw_bytes, flags=tuple(flags), msg_time=msg_time)
            if isinstance(resp, bytes):
                resp = resp.decode(errors="replace")
            m = re.search(r"APPENDUID \d+ (\d+)", resp or "")
            return int(m.group(1)) if m else None

        return self._with_client(_do, user)

    def folder_uids(self, folder: str, user: Optional[str] = None) -> list:
        """Sorted UIDs of all messages (deleted-flagged included) in ``folder``."""
        def _do(c):
            c.select_folder(folder, readonly=True)
            return sorted(c.search("ALL"))
        return self._with_client(_do, user)

    def fetch_flags(
        self, folder: str, user: Optional[str] = None, *, include_recent: bool = False
    ) -> dict:
        """``{uid: tuple_of_flag_strings}`` for ``folder``, e.g.
        ``{3: ('\\Seen', '$Processed')}``.  The session flag ``\\Recent``
        is left out unless ``include_recent=True``."""
        def _do(c):
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            if not uids:
                return {}
            out = {}
            for uid, flags in c.get_flags(uids).items():
                names = tuple(f.decode() if isinstance(f, bytes) else f for f in flags)
                if not include_recent:
                    names = tuple(f for f in names if f.lower() != "\\recent")
                out[uid] = names
            return out
        return self._with_client(_do, user)

    def fetch_messages(self, folder: str, user: Optional[str] = None) -> dict:
        """``{uid: raw_bytes}`` for ``folder`` (BODY.PEEK: does not set \\Seen)."""
        def _do(c):
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            if not uids:
                return {}
            data = c.fetch(uids, ["BODY.PEEK[]"])
            return {uid: d[b"BODY[]"] for uid, d in data.items()}
        return self._with_client(_do, user)

    def list_folders(self, user: Optional[str] = None) -> list:
        """Folder names (decoded from modified UTF-7), sorted."""
        def _do(c):
            return sorted(name for _flags, _delim, name in c.list_folders())
        return self._with_client(_do, user)

    def __repr__(self) -> str:
        tls = f" tls_port={self.tls_port}" if self.tls else ""
        return f"<DovecotServer {self.host}:{self.port}{tls} user={self.user!r} root={self.root}>"
