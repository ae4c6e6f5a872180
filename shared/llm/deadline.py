"""A total time limit for each HTTP request to a model server, streamed replies included.

httpx's timeouts bound each step (the connect, each read), not the whole request: a server that
sends its headers and then one byte every two seconds never trips a 120 s read timeout, and the
call waits forever. With `DeadlineTransport` a request's read timeout is its total time, from
sending the request to the last byte of the reply. When it passes, the connection's socket is
shut (so a read blocked on it returns at once) and reading the reply raises httpx.ReadTimeout,
which the backends report as LLMTimeout.

    client = httpx.Client(transport=DeadlineTransport(), timeout=30)  # at most 30 s per request

A stream counts too: a reply streamed for longer than the timeout is cut there, even if every
piece came quickly. Until the reply's headers arrive each read still waits at most the timeout
on its own (the socket is only known then); servers send their headers at once, the body is what
trickles. Both backends' clients take an httpx.Client: ollama's natively, openai's as well (it
talks through httpx2, a fork of httpx, by default).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx


class SocketCutter:
    """Shuts `sock` after `seconds` unless stopped first: a read blocked on it returns at once."""

    def __init__(self, sock: socket.socket | None, seconds: float) -> None:
        self.fired = False
        self._sock = sock
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def stop(self) -> None:
        self._timer.cancel()


class DeadlineStream(httpx.SyncByteStream):
    """A reply's body, cut with httpx.ReadTimeout once the request's total time has passed."""

    def __init__(self, body: httpx.SyncByteStream, ends_at: float, limit_s: float,
                 sock: socket.socket | None) -> None:
        self._body, self._ends_at, self._limit_s = body, ends_at, limit_s
        self._cutter = SocketCutter(sock, ends_at - time.monotonic())

    def __iter__(self) -> Iterator[bytes]:
        try:
            for chunk in self._body:
                if time.monotonic() > self._ends_at:
                    break
                yield chunk
            else:
                return  # the whole reply, in time
        except httpx.TransportError:
            if not self._cutter.fired:
                raise  # a real network error, not our cut
        finally:
            self._cutter.stop()
        raise httpx.ReadTimeout(f"the reply did not arrive in full within {self._limit_s:g} s")

    def close(self) -> None:
        self._cutter.stop()
        self._body.close()


class DeadlineTransport(httpx.HTTPTransport):
    """An HTTPTransport whose requests each end by their read timeout, counted from the start."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        limit_s = (request.extensions.get("timeout") or {}).get("read")
        started = time.monotonic()
        response = super().handle_request(request)
        if limit_s is None:  # no timeout asked for: none imposed
            return response
        stream = response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        response.stream = DeadlineStream(response.stream, started + limit_s, limit_s, sock)
        return response
