"""Helpers for Huntaze's integration tests (a dev dependency; no service imports it)."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .internal import internal_headers


class ServiceProcess:
    """A service as its own OS process: ``python -m <module> serve <args>``, logs to a file."""

    def __init__(
        self,
        name: str,
        port: int,
        env: dict[str, str],
        logdir: Path,
        module: str | None = None,
        args: Sequence[str] = (),
        metrics_port: int | None = None,
    ) -> None:
        self.name = name
        self.port = port
        self.metrics_port = metrics_port
        """Where its /metrics are when not on its HTTP port (the gateway's ``<PREFIX>METRICS_PORT``)."""
        self.env = env
        self.logfile = logdir / f"{name}.log"
        self.module = module or name
        self.args = list(args)
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metrics_url(self) -> str:
        """Its Prometheus page."""
        return f"http://127.0.0.1:{self.metrics_port or self.port}/metrics"

    def start(self) -> None:
        self.starts += 1
        log = open(self.logfile, "ab")
        log.write(f"\n===== start #{self.starts} =====\n".encode())
        log.flush()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, "serve", *self.args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/ready", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")

    def kill(self, sig: int = signal.SIGKILL) -> float:
        """Sends the signal and waits for the process to end; returns how long that took."""
        assert self.proc is not None
        started = time.monotonic()
        self.proc.send_signal(sig)
        self.proc.wait(timeout=60)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def tail(self, lines: int = 40) -> str:
        if not self.logfile.exists():
            return "(no log)"
        return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Platform:
    env: dict[str, str]
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    peers: dict[str, Any] = field(default_factory=dict)
    """Local peers the services talk to (e.g. ``x``: the X API peer)."""

    @property
    def gateway(self) -> str:
        return self.services["gateway"].url

    def restart(self, name: str) -> None:
        self.services[name].start()
        self.services[name].wait_ready()


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    headers: dict[str, str]
    value: dict[str, Any] | None
    raw: bytes | None


class EventTap:
    """Collects every record of some topics from the beginning, in the background."""

    def __init__(self, bootstrap: str, topics: list[str]) -> None:
        self.bootstrap = bootstrap
        self.topics = topics
        self.records: list[Record] = []
        self._task: asyncio.Task[None] | None = None
        self._consumer: Any = None
        self._changed = asyncio.Event()

    async def start(self) -> None:
        from aiokafka import AIOKafkaConsumer

        self._consumer = AIOKafkaConsumer(
            *self.topics,
            bootstrap_servers=self.bootstrap,
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=200)
            for records in batches.values():
                for r in records:
                    try:
                        value = json.loads(r.value) if r.value else None
                    except ValueError:
                        value = None
                    self.records.append(
                        Record(
                            topic=r.topic,
                            partition=r.partition,
                            offset=r.offset,
                            key=r.key.decode() if r.key else None,
                            headers={k: v.decode(errors="replace") for k, v in (r.headers or ())},
                            value=value,
                            raw=r.value,
                        )
                    )
            if batches:
                self._changed.set()

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    def select(self, topic: str, where: Callable[[Record], bool] = lambda r: True) -> list[Record]:
        return [r for r in self.records if r.topic == topic and where(r)]

    async def wait_for(
        self,
        topic: str,
        where: Callable[[Record], bool] = lambda r: True,
        count: int = 1,
        timeout: float = 30,
    ) -> list[Record]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = self.select(topic, where)
            if len(found) >= count:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError(f"expected {count} record(s) on {topic}, saw {len(found)} in {timeout}s")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(remaining, 0.5))
            except TimeoutError:
                pass


async def eventually(check: Callable[[], Any], timeout: float = 30, interval: float = 0.2) -> Any:
    """Polls an async or sync check until it returns a truthy value; fails with the last error."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: BaseException | None = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return result
        except AssertionError as exc:
            last = exc
        await asyncio.sleep(interval)
    if last is not None:
        raise last
    raise AssertionError(f"condition not met within {timeout}s")


class Api:
    """The public API as the frontend uses it: sign up, get a token, call /v1/... with it."""

    def __init__(
        self,
        client: Any,
        token: str,
        creator_id: str,
        user_id: str,
        *,
        refresh_token: str = "",
        organization_id: str = "",
        email: str = "",
        password: str = "",
    ) -> None:
        self.client = client
        self.token = token
        self.creator_id = creator_id
        self.user_id = user_id
        self.refresh_token = refresh_token
        self.organization_id = organization_id
        self.email = email
        self.password = password

    @classmethod
    async def log_in(cls, client: Any, email: str, password: str, creator_id: str = "") -> Api:
        token = await client.post("/v1/auth/token", data={"username": email, "password": password})
        assert token.status_code == 200, token.text
        me = await client.get("/v1/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"})
        assert me.status_code == 200, me.text
        body = me.json()
        creators = body["creators"]
        return cls(
            client,
            token.json()["access_token"],
            creator_id or (creators[0]["id"] if creators else ""),
            body["user_id"],
            refresh_token=token.json()["refresh_token"],
            organization_id=body["memberships"][0]["organization_id"] if body["memberships"] else "",
            email=email,
            password=password,
        )

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.client.get(path, headers=self.auth, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.client.post(path, headers={**self.auth, **kwargs.pop("headers", {})}, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Any:
        return await self.client.put(path, headers=self.auth, **kwargs)

    async def patch(self, path: str, **kwargs: Any) -> Any:
        return await self.client.patch(path, headers=self.auth, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Any:
        return await self.client.delete(path, headers=self.auth, **kwargs)

    @classmethod
    async def sign_up(cls, client: Any, name: str = "Mia") -> Api:
        import uuid

        email = f"{name.lower()}-{uuid.uuid4().hex[:10]}@example.com"
        password = "correct horse battery staple"
        created = await client.post(
            "/v1/auth/signup", json={"email": email, "password": password, "display_name": name}
        )
        assert created.status_code == 201, created.text
        token = await client.post("/v1/auth/token", data={"username": email, "password": password})
        assert token.status_code == 200, token.text
        body = created.json()
        return cls(
            client,
            token.json()["access_token"],
            body["creator_id"],
            body["user_id"],
            refresh_token=token.json()["refresh_token"],
            organization_id=body["organization_id"],
            email=email,
            password=password,
        )


class LocalHTTPServer:
    """A real HTTP peer on 127.0.0.1 for adapter tests (webhooks, OpenAI-compatible APIs).

    ``respond(method, path, headers, body) -> (status, json_body)`` (or ``(status, json_body,
    headers)``) decides each answer, in a thread of its own (so it may block to play a slow peer);
    ``headers`` are added to every answer; every request is kept in ``requests`` (with its body's
    exact bytes under ``raw``). With ``raw=True``, ``respond`` gets those bytes rather than the parsed
    body (a peer verifying a signature over them).
    """

    def __init__(
        self,
        respond: Callable[[str, str, dict[str, str], Any], tuple[Any, ...]],
        headers: dict[str, str] | None = None,
        *,
        raw: bool = False,
        port: int = 0,
    ) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[dict[str, Any]] = []
        outer = self
        extra = headers

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw_body = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw_body) if raw_body else None
                except ValueError:
                    body = raw_body.decode(errors="replace")
                headers = {k.lower(): v for k, v in self.headers.items()}
                outer.requests.append(
                    {"method": self.command, "path": self.path, "headers": headers, "body": body, "raw": raw_body}
                )
                status, answer, *more = respond(self.command, self.path, headers, raw_body if raw else body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in {**(extra or {}), **(more[0] if more else {})}.items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _serve

            def log_message(self, *args: Any) -> None:
                return None

        ThreadingHTTPServer.allow_reuse_address = True  # a fixed port reopened at once (a peer back up)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LocalHTTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def message_received(text: str = "hello", **overrides: Any) -> Any:
    """A valid MessageReceived payload with fresh ids (for unit tests)."""
    import uuid
    from datetime import UTC, datetime

    from huntaze_events import FanRef, MessageReceived

    now = datetime.now(UTC)
    fields: dict[str, Any] = {
        "message_id": uuid.uuid4(),
        "conversation_id": uuid.uuid4(),
        "fan": FanRef(fan_id=uuid.uuid4(), external_id="f", display_name="F"),
        "text": text,
        "sent_at": now,
        "received_at": now,
    }
    fields.update(overrides)
    return MessageReceived(**fields)


def consumer_record(topic: str, value: bytes | None, key: bytes = b"k", offset: int = 0) -> Any:
    """An aiokafka ConsumerRecord as a consumer would receive it (for unit tests)."""
    from aiokafka import ConsumerRecord

    return ConsumerRecord(
        topic=topic,
        partition=0,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key),
        serialized_value_size=len(value or b""),
        headers=[],
    )


__all__ = [
    "Api",
    "EventTap",
    "LocalHTTPServer",
    "Platform",
    "Record",
    "ServiceProcess",
    "consumer_record",
    "eventually",
    "internal_headers",
    "message_received",
]
