"""Private Dovecot (IMAP + LMTP + SASL) and Postfix (SMTP submission) instances on loopback.

Debian's `dovecot-imapd`/`dovecot-lmtpd` and `postfix` (installed by scripts/install-mail-servers.sh,
called from `scripts/bootstrap.sh --test`) run from configuration files written under a temporary
directory, on free high ports of 127.0.0.1; the system services are never touched. Postfix
authenticates senders through Dovecot's auth service (SASL PLAIN) and hands every message for the two
test domains to Dovecot over LMTP, so a reply the connector sends lands in the customer's real mailbox.
Postfix's master must start as root: without root (or without the packages) the suite is skipped.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DOMAINS = ("marca.example", "cliente.example")


@dataclass(frozen=True)
class Account:
    address: str
    password: str


@dataclass(frozen=True)
class MailNet:
    root: Path
    imap_port: int
    smtp_port: int
    lmtp_port: int
    accounts: tuple[Account, ...]

    def log(self) -> str:
        parts = []
        for name in ("dovecot.log", "postfix.log"):
            path = self.root / name
            if path.exists():
                parts.append(f"--- {name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)


def unavailable() -> str | None:
    """Why the private servers cannot run here, or None when they can."""
    missing = [b for b in ("/usr/sbin/dovecot", "/usr/sbin/postfix") if not os.access(b, os.X_OK)]
    if missing:
        return (f"{', '.join(missing)} missing (scripts/install-mail-servers.sh installs Debian's "
                "dovecot-imapd, dovecot-lmtpd and postfix when run as root)")
    if os.geteuid() != 0:
        return "Postfix's master process must start as root; run the suite as root to test e-mail for real"
    for user in ("dovecot", "dovenull", "postfix"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"system user {user!r} missing (reinstall the Debian packages)"
    return None


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _wait_port(port: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def _dovecot_conf(root: Path, ports: dict[str, int], vmail: pwd.struct_passwd) -> str:
    return f"""\
base_dir = {root}/dovecot-run
state_dir = {root}/dovecot-state
log_path = {root}/dovecot.log
instance_name = cauce-test-{ports['imap']}
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Lu
first_valid_uid = 1
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
mail_location = maildir:{root}/mail/%u
mail_uid = {vmail.pw_uid}
mail_gid = {vmail.pw_gid}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%Lu {root}/users
  default_fields = uid={vmail.pw_uid} gid={vmail.pw_gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {ports['imap']}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {ports['lmtp']}
  }}
}}
service auth {{
  inet_listener auth-client {{
    address = 127.0.0.1
    port = {ports['auth']}
  }}
}}
service imap-urlauth-login {{
  inet_listener imap-urlauth {{
    port = 0
  }}
}}
"""


def _postfix_main(root: Path, ports: dict[str, int]) -> str:
    return f"""\
compatibility_level = 3.6
queue_directory = {root}/postfix-queue
data_directory = {root}/postfix-data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.marca.example
mydomain = marca.example
myorigin = marca.example
mydestination =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
maillog_file_prefixes = {root}
maillog_file = {root}/postfix.log
virtual_mailbox_domains = {' '.join(DOMAINS)}
virtual_transport = lmtp:inet:127.0.0.1:{ports['lmtp']}
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{ports['auth']}
smtpd_sasl_auth_enable = yes
smtpd_tls_security_level = none
smtpd_client_restrictions =
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtputf8_enable = yes
biff = no
alias_maps =
alias_database =
local_recipient_maps =
"""


# Only what the suite needs: submission on the chosen port, the queue manager, cleanup, LMTP out.
_MASTER = """\
127.0.0.1:{smtp} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def _start(command: list[str], log: Path, env: dict[str, str]) -> None:
    with log.open("wb") as out:
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, timeout=120, env=env, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} did not start:\n{log.read_text(errors='replace')[-3000:]}")


@contextmanager
def running(accounts: tuple[Account, ...]) -> Iterator[MailNet]:
    root = Path(tempfile.mkdtemp(prefix="cauce-mailnet-"))
    root.chmod(0o755)  # Dovecot's mail processes run as the `dovecot` user and must reach their maildirs
    imap, smtp, lmtp, auth_port = _free_ports(4)
    ports = {"imap": imap, "smtp": smtp, "lmtp": lmtp, "auth": auth_port}
    vmail = pwd.getpwnam("dovecot")
    (root / "mail").mkdir()
    os.chown(root / "mail", vmail.pw_uid, vmail.pw_gid)
    (root / "users").write_text(
        "".join(f"{a.address.lower()}:{{PLAIN}}{a.password}::::::\n" for a in accounts), encoding="utf-8")
    (root / "dovecot.conf").write_text(_dovecot_conf(root, ports, vmail), encoding="utf-8")
    config = root / "postfix"
    config.mkdir()
    (config / "main.cf").write_text(_postfix_main(root, ports), encoding="utf-8")
    (config / "master.cf").write_text(_MASTER.format(smtp=smtp), encoding="utf-8")
    (root / "postfix-queue").mkdir()  # root's; `postfix start` creates its subdirectories
    (root / "postfix-data").mkdir()
    os.chown(root / "postfix-data", pwd.getpwnam("postfix").pw_uid, grp.getgrnam("postfix").gr_gid)
    env = {**os.environ, "MAIL_CONFIG": str(config)}
    dovecot = ["/usr/sbin/dovecot", "-c", str(root / "dovecot.conf")]
    started: list[list[str]] = []
    try:
        # Both daemonise: their output goes to files (a pipe would stay open in the daemon).
        _start(dovecot, root / "dovecot-start.log", env)
        started.append([*dovecot, "stop"])
        postfix = ["/usr/sbin/postfix", "-c", str(config)]
        _start([*postfix, "start"], root / "postfix-start.log", env)
        started.append([*postfix, "stop"])
        for port in (imap, lmtp, smtp):
            _wait_port(port)
        yield MailNet(root, imap, smtp, lmtp, accounts)
    finally:
        for command in reversed(started):
            subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60, env=env)
        shutil.rmtree(root, ignore_errors=True)
