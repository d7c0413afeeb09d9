"""Minimal fake IMAP4rev1 and SMTP servers on 127.0.0.1, enough for imaplib and smtplib.

IMAP: CAPABILITY, LOGIN, SELECT/EXAMINE (with UIDVALIDITY), UID SEARCH (UID ranges and
HEADER), UID FETCH of RFC822.SIZE and BODY.PEEK[], APPEND with a literal, NOOP, LOGOUT.
SMTP: EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
"""

from __future__ import annotations

import base64
import re
import shlex
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

USER, PASSWORD = "soporte@marca.example", "clave-imap"


@dataclass
class Mailstore:
    boxes: dict[str, list[tuple[int, bytes]]] = field(default_factory=lambda: {"INBOX": [], "Sent": []})
    validity: dict[str, int] = field(default_factory=lambda: {"INBOX": 42, "Sent": 7})
    next_uid: dict[str, int] = field(default_factory=lambda: {"INBOX": 1, "Sent": 1})
    smtp_received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def deliver(self, raw: bytes, box: str = "INBOX") -> int:
        with self.lock:
            uid = self.next_uid[box]
            self.next_uid[box] += 1
            self.boxes[box].append((uid, raw))
            return uid


class _ImapHandler(socketserver.StreamRequestHandler):
    store: Mailstore

    def send(self, line: str | bytes) -> None:
        self.wfile.write(line if isinstance(line, bytes) else line.encode())

    def handle(self) -> None:
        self.send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake IMAP ready\r\n")
        selected: str | None = None
        authed = False
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            tag, _, rest = line.partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            self.store.commands.append(command if command != "LOGIN" else "LOGIN ***")
            if command == "CAPABILITY":
                self.send(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n")
            elif command == "LOGIN":
                user, password = shlex.split(args)
                authed = (user, password) == (USER, PASSWORD)
                self.send(
                    f"{tag} OK LOGIN completed\r\n"
                    if authed
                    else f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n"
                )
            elif command == "LOGOUT":
                self.send(f"* BYE bye\r\n{tag} OK LOGOUT completed\r\n")
                return
            elif command == "NOOP":
                self.send(f"{tag} OK NOOP\r\n")
            elif not authed:
                self.send(f"{tag} BAD not authenticated\r\n")
            elif command in ("SELECT", "EXAMINE"):
                box = shlex.split(args)[0]
                if box not in self.store.boxes:
                    self.send(f"{tag} NO [NONEXISTENT] no such mailbox\r\n")
                    continue
                selected = box
                self.send(
                    f"* {len(self.store.boxes[box])} EXISTS\r\n* OK [UIDVALIDITY {self.store.validity[box]}] ok\r\n"
                    f"{tag} OK [READ-ONLY] done\r\n"
                )
            elif command == "APPEND":
                box = shlex.split(args.split(" (")[0])[0]
                size = int(re.search(r"\{(\d+)\}$", args).group(1))  # type: ignore[union-attr]
                self.send("+ Ready for literal data\r\n")
                data = self.rfile.read(size)
                self.rfile.readline()
                self.store.deliver(data, box)
                self.send(f"{tag} OK APPEND completed\r\n")
            elif command == "UID" and selected is not None:
                self._uid(tag, args, selected)
            else:
                self.send(f"{tag} BAD unsupported\r\n")

    def _uid(self, tag: str, args: str, box: str) -> None:
        sub, _, rest = args.partition(" ")
        messages = self.store.boxes[box]
        if sub.upper() == "SEARCH":
            words = shlex.split(rest)
            if words[0].upper() == "UID":
                start = int(words[1].split(":")[0])
                hits = [uid for uid, _ in messages if uid >= start]
                if not hits and messages:
                    hits = [messages[-1][0]]  # RFC 3501: "n:*" always includes the highest UID
            elif words[0].upper() == "HEADER":
                name, needle = words[1].lower(), words[2].lower()
                hits = [
                    uid
                    for uid, raw in messages
                    if any(
                        h.lower().startswith(name + ":") and needle in h.lower()
                        for h in raw.decode(errors="replace").split("\r\n\r\n")[0].splitlines()
                    )
                ]
            else:
                hits = []
            self.send(
                f"* SEARCH {' '.join(map(str, hits))}\r\n{tag} OK SEARCH completed\r\n".replace("SEARCH \r", "SEARCH\r")
            )
        elif sub.upper() == "FETCH":
            wanted = int(rest.split(" ")[0])
            for seq, (uid, raw) in enumerate(messages, start=1):
                if uid == wanted:
                    self.send(
                        f"* {seq} FETCH (UID {uid} RFC822.SIZE {len(raw)} BODY[] {{{len(raw)}}}\r\n".encode()
                        + raw
                        + b")\r\n"
                    )
            self.send(f"{tag} OK FETCH completed\r\n")
        else:
            self.send(f"{tag} BAD unsupported UID command\r\n")


class _SmtpHandler(socketserver.StreamRequestHandler):
    store: Mailstore

    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.send("220 fake.smtp ESMTP")
        sender, rcpts = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ")[0].upper()
            if verb == "EHLO":
                self.send("250-fake.smtp\r\n250-AUTH PLAIN\r\n250 8BITMIME")
            elif verb == "HELO":
                self.send("250 fake.smtp")
            elif verb == "AUTH":
                decoded = base64.b64decode(line.split(" ")[2]).split(b"\0")
                ok = decoded[1:] == [USER.encode(), PASSWORD.encode()]
                self.send("235 2.7.0 Authentication successful" if ok else "535 5.7.8 Authentication failed")
            elif verb == "MAIL":
                sender, rcpts = line.split(":", 1)[1].split()[0].strip("<>"), []
                self.send("250 OK")
            elif verb == "RCPT":
                rcpt = line.split(":", 1)[1].strip().strip("<>")
                if rcpt.startswith("rechaza@"):
                    self.send("550 5.1.1 No such user")
                else:
                    rcpts.append(rcpt)
                    self.send("250 OK")
            elif verb == "DATA":
                self.send("354 End data with <CR><LF>.<CR><LF>")
                chunks = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    chunks.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.store.smtp_received.append((sender, rcpts, b"".join(chunks)))
                self.send("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.send("250 OK")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 unsupported")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def mail_servers(store: Mailstore) -> Iterator[dict[str, Any]]:
    imap_handler = type("Imap", (_ImapHandler,), {"store": store})
    smtp_handler = type("Smtp", (_SmtpHandler,), {"store": store})
    servers = [_Server(("127.0.0.1", 0), imap_handler), _Server(("127.0.0.1", 0), smtp_handler)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    try:
        yield {"imap_port": servers[0].server_address[1], "smtp_port": servers[1].server_address[1]}
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
