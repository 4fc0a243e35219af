"""An open-loop HTTP/1.1 load: requests sent on a fixed schedule, answered or not.

A closed-loop client (wrk, ab) sends its next request only when the last is answered, so a slow
server slows its own load and hides its queue. Here request k is due at start + k/rate: it goes
out on an idle keep-alive connection, or on a new one, and its latency runs from when it was
due, not from when it went out, so time spent waiting for a free connection counts against the
server (no coordinated omission). One asyncio loop (uvloop when present) with bare Protocols: no
HTTP library, a few tens of µs of CPU per request, so that the client takes little of the cores
it shares with the server; `Run.cpu_s` says how much it took.
"""

from __future__ import annotations

import asyncio
import resource
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from bench.workload import Request

MAX_CONNECTIONS = 4096
"""Past this many open connections, a due request is counted as not sent (the client is full)."""


def raw(request: Request, host: str) -> bytes:
    """The request as HTTP/1.1 bytes, keep-alive."""
    head = [f"{request.method} {request.path} HTTP/1.1", f"Host: {host}"]
    if request.content_type:
        head.append(f"Content-Type: {request.content_type}")
    head.append(f"Content-Length: {len(request.body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + request.body


@dataclass
class Run:
    """Per request: when it was due and answered (s from the start; NaN: never), its status
    (0: connection failed, -1: not sent); and the client's own CPU seconds over the run."""

    rate: float
    seconds: float
    due: np.ndarray
    done: np.ndarray
    status: np.ndarray
    cpu_s: float
    connections: int


class _Connection(asyncio.Protocol):
    def __init__(self, client: _Client) -> None:
        self.client, self.buffer, self.need = client, bytearray(), -1
        self.transport: asyncio.WriteTransport | None = None
        self.current = -1  # index of the request awaiting its answer here
        self.status = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a TCP transport: it writes

    def send(self, index: int) -> None:
        assert self.transport is not None
        self.current = index
        self.transport.write(self.client.bodies[index % len(self.client.bodies)])

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.need < 0:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).lower()
            self.status = int(head[9:12])
            at = head.find(b"content-length:")
            stop = head.find(b"\r\n", at)
            length = int(head[at + 15 : stop if stop >= 0 else len(head)]) if at >= 0 else 0
            self.need = end + 4 + length
        if len(self.buffer) >= self.need:
            del self.buffer[: self.need]
            self.need, index, self.current = -1, self.current, -1
            self.client.answered(self, index, self.status)

    def connection_lost(self, exc: Exception | None) -> None:
        self.client.lost(self, self.current)


class _Client:
    def __init__(self, host: str, port: int, bodies: list[bytes], count: int) -> None:
        self.host, self.port, self.bodies = host, port, bodies
        self.idle: deque[_Connection] = deque()
        self.open = self.peak = 0
        self.start = 0.0
        self.done = np.full(count, np.nan)
        self.status = np.full(count, -1, dtype=np.int16)
        self.outstanding = 0
        self.connecting: set[asyncio.Task[None]] = set()

    def now(self) -> float:
        return time.perf_counter() - self.start

    def answered(self, connection: _Connection, index: int, status: int) -> None:
        self.done[index], self.status[index] = self.now(), status
        self.outstanding -= 1
        self.idle.append(connection)

    def lost(self, connection: _Connection, index: int) -> None:
        self.open -= 1
        if connection in self.idle:
            self.idle.remove(connection)
        if index >= 0:
            self.done[index], self.status[index] = self.now(), 0
            self.outstanding -= 1

    def dispatch(self, index: int) -> None:
        if self.idle:
            self.idle.popleft().send(index)
            self.outstanding += 1
        elif self.open < MAX_CONNECTIONS:
            self.open += 1
            self.peak = max(self.peak, self.open)
            self.outstanding += 1
            task = asyncio.ensure_future(self.connect(index))
            self.connecting.add(task)
            task.add_done_callback(self.connecting.discard)

    async def connect(self, index: int) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await loop.create_connection(
                lambda: _Connection(self), self.host, self.port
            )
        except OSError:
            self.open -= 1
            self.done[index], self.status[index] = self.now(), 0
            self.outstanding -= 1
            return
        connection.send(index)


async def _drive(client: _Client, rate: float, count: int, drain_s: float) -> None:
    client.start = time.perf_counter()
    sent = 0
    while sent < count:
        due = min(count, int(client.now() * rate) + 1)
        while sent < due:
            client.dispatch(sent)
            sent += 1
        await asyncio.sleep(max(0.0, sent / rate - client.now()))
    end = client.now() + drain_s
    while client.outstanding > 0 and client.now() < end:
        await asyncio.sleep(0.01)
    for connection in list(client.idle):
        assert connection.transport is not None
        connection.transport.close()


def run(
    url: str, requests: list[Request], rate: float, seconds: float, drain_s: float = 10.0
) -> Run:
    """Send `requests` round robin at `rate` per second for `seconds`; wait `drain_s` at most
    for the last answers."""
    host, port = url.removeprefix("http://").split(":")
    count = max(1, round(rate * seconds))
    client = _Client(host, int(port), [raw(r, f"{host}:{port}") for r in requests], count)
    try:
        import uvloop  # type: ignore[import-not-found]

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    before = resource.getrusage(resource.RUSAGE_SELF)
    runner(_drive(client, rate, count, drain_s))
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    due = np.arange(count) / rate
    return Run(rate, seconds, due, client.done, client.status, cpu, client.peak)
