"""Stand-ins for the services alerts go to, on 127.0.0.1: a mail server (aiosmtpd, a real SMTP
implementation) and a JSON webhook receiver."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from aiosmtpd.controller import Controller

from crawler.cli.localserver import ServedSite
from testkit.ports import closed_port


class Mailbox:
    """An SMTP server; ``messages`` holds every mail received, parsed."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                box.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        self.port = closed_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def url(self, **params: str) -> str:
        query = "&".join(
            f"{k}={v}" for k, v in {"from": "pantau@example.org", "to": "redaksi@example.org", **params}.items()
        )
        return f"mailto://127.0.0.1:{self.port}?{query}"

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class Webhook(ServedSite):
    """Records each POST: ``posts`` holds (path, headers, JSON body). ``on_post`` runs before the
    answer (to stand for a crash of the sender while the receiver already has the message);
    ``status`` is the answer's status."""

    def __init__(self, on_post: Callable[[dict], None] | None = None, status: int = 200) -> None:
        self.posts: list[tuple[str, dict, dict]] = []
        self.lock = threading.Lock()
        hook = self
        self.status = status

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_POST(self) -> None:
                data = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with hook.lock:
                    hook.posts.append((self.path, dict(self.headers), data))
                if on_post:
                    on_post(data)
                self.send_response(hook.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        super().__init__(Handler)

    def apprise_url(self, path: str = "pantau") -> str:
        return self.url.replace("http://", "json://") + "/" + path

    def keys(self) -> list[str]:
        return [body.get("pantau_key") for _, _, body in self.posts]


class Trickler(ServedSite):
    """A peer that answers one byte every ``gap`` seconds and never finishes (for ``seconds`` at
    most): every read gets a byte in time, so only a total deadline ends the wait. ``requests``
    counts the requests it received (GET or POST); ``held`` how long each was kept answering before
    the client hung up (seen at the next byte written: within ``gap`` or two)."""

    def __init__(self, gap: float = 0.5, seconds: float = 300) -> None:
        self.requests = 0
        self.held: list[float] = []
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def _trickle(self) -> None:
                peer.requests += 1
                if length := int(self.headers.get("Content-Length") or 0):
                    self.rfile.read(length)
                started = time.monotonic()
                stop = started + seconds
                try:
                    for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100_000:
                        if time.monotonic() > stop:
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(gap)
                except OSError:  # the client gave up
                    peer.held.append(time.monotonic() - started)
                    return

            do_GET = do_POST = _trickle

        super().__init__(Handler)


class RawTrickler:
    """A TCP peer that answers any bytes with one byte every ``gap`` seconds, never ending its line
    (a Redis reply that never completes): each read gets a byte in time."""

    def __init__(self, gap: float = 0.5) -> None:
        import socketserver

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    self.request.recv(65536)
                    for byte in b"+" + b"P" * 10_000:
                        self.request.sendall(bytes([byte]))
                        time.sleep(gap)
                except OSError:
                    return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RawTrickler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
