"""B10's X API v2: the tests' local X peer (`huntaze_testkit.social.XPeer`: `POST /2/tweets`, 403 for
duplicate content, …) as its own process, so that neither the platform nor the bench process shares
its CPU time with it in one interpreter; keep-alive and a listen backlog as an API's front end has
(the stdlib server's defaults are neither). It also notes, for each `POST /2/tweets`, when it arrived
(this host's wall clock, as the request reached the peer's handler), the answer's status and id, and
how long the peer took to decide it. Prints its URL on the first line of stdout.

    python bench/x_peer.py TOKEN=USER_ID ...

``GET /_bench/received?marker=M`` → ``{"received": [{"text", "user", "status", "id", "at",
"handling_ms"}, …]}``: the posts whose text contains M, in arrival order (no token needed).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from huntaze_testkit.social import XPeer


class TimedXPeer(XPeer):
    def __init__(self, tokens: dict[str, str]) -> None:
        super().__init__(tokens)
        self.received: list[dict[str, Any]] = []
        # As an API's front end, not as the stdlib's defaults: keep-alive (HTTP/1.1; answers carry their
        # length), and a listen backlog for a burst of new connections (the default, 5, drops their SYNs:
        # 1 s retransmits, measured as lateness that is neither the platform's nor the network's).
        httpd = self.server._server
        httpd.RequestHandlerClass.protocol_version = "HTTP/1.1"  # type: ignore[attr-defined]
        httpd.socket.listen(1024)

    def _respond(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[Any, ...]:
        url = urlparse(path)
        if url.path == "/_bench/received":
            marker = parse_qs(url.query).get("marker", [""])[0]
            with self._lock:
                return 200, {"received": [r for r in self.received if marker in r["text"]]}
        if url.path == "/_bench/ready":
            return 200, {"ready": True}
        arrived, started = time.time(), time.perf_counter()
        answer = super()._respond(method, path, headers, body)
        if method == "POST" and url.path == "/2/tweets":
            status, payload = answer[0], answer[1]
            noted = {
                "text": str((body or {}).get("text", "")),
                "user": self._user(headers),
                "status": status,
                "id": (payload.get("data") or {}).get("id") if isinstance(payload, dict) else None,
                "at": arrived,
                "handling_ms": (time.perf_counter() - started) * 1000,
            }
            with self._lock:
                self.received.append(noted)
        return answer


if __name__ == "__main__":
    tokens = dict(arg.split("=", 1) for arg in sys.argv[1:])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with TimedXPeer(tokens) as peer:
        print(peer.url, flush=True)
        stop.wait()
