"""Admission control: a bound on the requests one worker holds, and a deadline for each.

Every POST asks for the model. `Admission` counts those a worker holds, from arrival to answer,
and refuses one more past `max_queue` with 503 and `Retry-After` before anything of it is read,
so a refusal costs the HTTP parse and no more. An admitted request carries a `Ticket` (its arrival
and deadline) in a context variable, which the data plane reads when it hands work to the model:
work whose deadline has passed is refused there and never run, as Triton's queue policy does
with REJECT. The same deadline bounds the wait for the body: one still arriving when it passes
is refused with 408, so that no client can hold an admitted place by trickling its bytes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import (
    Overloaded,
    RequestTimeout,
    ServiceError,
    ShedReason,
    error_response,
    shown,
)


@dataclass(frozen=True)
class Ticket:
    """When a request arrived and by when it must reach the model (None: no deadline), in
    `time.monotonic()` seconds."""

    arrival: float
    deadline: float | None


# NOTE: each request runs in a task of its own, with its own copy of the context, under uvicorn
# and under granian's default (asyncio) task implementation; granian's `rust` one would share a
# context among requests, so ccvae-serve leaves it off.
TICKET: ContextVar[Ticket | None] = ContextVar("ticket", default=None)
"""The ticket of the request the current task serves; None outside an admitted request."""


def deadline() -> float | None:
    """The deadline of the request being served, if it has one."""
    ticket = TICKET.get()
    return ticket.deadline if ticket is not None else None


def shorten(timeout_us: object) -> None:
    """Bring the request's deadline forward to `timeout_us` µs after its arrival.

    The Open Inference Protocol's `timeout` parameter (Triton's schedule-policy extension): an
    int64 in microseconds, 0 for the default. Like Triton's `allow_timeout_override`, it may make
    the deadline sooner than the setting's, never later.
    """
    if isinstance(timeout_us, bool) or not isinstance(timeout_us, int) or timeout_us < 0:
        raise ServiceError(
            f"parameter timeout={shown(timeout_us)}: expected microseconds as an integer >= 0"
        )
    if timeout_us == 0:
        return
    ticket = TICKET.get() or Ticket(time.monotonic(), None)
    asked = ticket.arrival + timeout_us / 1e6
    sooner = asked if ticket.deadline is None else min(asked, ticket.deadline)
    TICKET.set(Ticket(ticket.arrival, sooner))


def expired(at: float | None) -> Overloaded | None:
    """The refusal due to a request whose deadline `at` has passed, or None while it holds."""
    if at is None:
        return None
    late = time.monotonic() - at
    if late <= 0:
        return None
    return Overloaded(
        "deadline",
        f"the request's deadline passed {late * 1000:.0f} ms before the model could take it "
        "(CCVAE_DEADLINE_MS, or the /v2 timeout parameter)",
    )


class Admission:
    """Refuse a POST past `max_queue` held by this worker; give each admitted one its ticket.

    The refusal takes the error shape of the request's path; `on_shed` counts it.
    """

    def __init__(
        self,
        app: ASGIApp,
        max_queue: int,
        deadline_s: float,
        on_shed: Callable[[ShedReason], None],
    ) -> None:
        self.app, self.max_queue, self.deadline_s = app, max_queue, deadline_s
        self.on_shed = on_shed
        self.held = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if self.max_queue and self.held >= self.max_queue:
            self.on_shed("queue_full")
            refusal = Overloaded(
                "queue_full",
                f"this worker holds {self.held} requests, its limit (CCVAE_MAX_QUEUE); "
                "retry after a moment",
            )
            await error_response(scope, refusal)(scope, receive, send)
            return
        now = time.monotonic()
        ticket = Ticket(now, now + self.deadline_s if self.deadline_s else None)
        token = TICKET.set(ticket)
        self.held += 1
        try:
            await self.app(scope, receive_by(ticket, receive), send)
        finally:
            self.held -= 1
            TICKET.reset(token)


def receive_by(ticket: Ticket, receive: Receive) -> Receive:
    """`receive`, refusing with 408 a body still arriving at the ticket's deadline.

    Only the body is timed: once its last part is in, a further `receive` waits for the client
    to go away, for as long as the response takes.
    """
    if ticket.deadline is None:
        return receive
    at = ticket.deadline
    complete = False

    async def timed() -> Message:
        nonlocal complete
        if complete:
            return await receive()
        try:
            async with asyncio.timeout(max(at - time.monotonic(), 0.0)):
                message = await receive()
        except TimeoutError:
            waited = (time.monotonic() - ticket.arrival) * 1000
            raise RequestTimeout(
                f"the request body was still arriving {waited:.0f} ms after its head, past the "
                "request's deadline (CCVAE_DEADLINE_MS); send the whole body at once"
            ) from None
        complete = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    return timed
