"""Login throttling for the page: after failed logins a client waits longer and longer.

Gradio checks the password itself and gives its check no request, so this sits in front of
it as ASGI middleware on ``POST /login``: a client (by address) that has failed ``free``
times in a row is refused with 429 until a delay has passed that doubles with each further
failure (1 s, 2 s, 4 s … at most ``max_delay_s``); a success forgets its failures. Refused
attempts never reach the password check, so parallel guessing gains nothing. Every failure
is logged with the client's address.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

log = logging.getLogger("rag.ui.login")


@dataclass
class _Record:
    failures: int = 0
    blocked_until: float = 0.0


class LoginThrottle:
    """Failed logins per client and the delay they have earned (thread-safe)."""

    def __init__(self, free: int = 3, max_delay_s: float = 300.0, clock=time.monotonic, clients: int = 10_000):
        self.free, self.max_delay_s, self.clock, self.clients = free, max_delay_s, clock, clients
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Clients with failures on record."""
        return len(self._records)

    def wait_s(self, client: str) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        with self._lock:
            record = self._records.get(client)
            return max(0.0, record.blocked_until - self.clock()) if record else 0.0

    def failed(self, client: str) -> float:
        """Count a failure; the delay it earns."""
        with self._lock:
            if client not in self._records and len(self._records) >= self.clients:
                self._records.pop(next(iter(self._records)))   # oldest first: memory stays bounded
            record = self._records.setdefault(client, _Record())
            record.failures += 1
            over = record.failures - self.free
            delay = min(self.max_delay_s, 2.0 ** (over - 1)) if over > 0 else 0.0
            record.blocked_until = self.clock() + delay
        log.warning("failed login from %s (%d in a row); next attempt allowed in %.0f s", client, record.failures,
                    delay)
        return delay

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._records.pop(client, None)


class ThrottleLogins:
    """ASGI middleware applying a LoginThrottle to ``POST …/login``."""

    def __init__(self, app, throttle: LoginThrottle):
        self.app, self.throttle = app, throttle

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" \
                or not scope.get("path", "").rstrip("/").endswith("/login"):
            return await self.app(scope, receive, send)
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.throttle.wait_s(client)
        if wait > 0:
            body = json.dumps({"detail": f"登录失败次数过多，请 {wait:.0f} 秒后再试"}, ensure_ascii=False).encode()
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                                    (b"retry-after", str(int(wait) + 1).encode())]})
            await send({"type": "http.response.body", "body": body})
            return

        async def watch(message):
            # counted before the client hears the outcome, so its next attempt already waits
            if message["type"] == "http.response.start":
                if message["status"] == 200:
                    self.throttle.succeeded(client)
                elif message["status"] in (400, 401):
                    self.throttle.failed(client)
            await send(message)

        await self.app(scope, receive, watch)
