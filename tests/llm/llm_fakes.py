"""A fake Ollama server for the LLM tests: answers on 127.0.0.1 in Ollama's documented wire format
(https://github.com/ollama/ollama/blob/main/docs/api.md)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "qwen2.5-coder:7b-instruct-q4_K_M"


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chat_reply(content: str = "Hello!", **message: Any) -> dict[str, Any]:
    """A non-streamed /api/chat body as Ollama sends it."""
    return {
        "model": MODEL,
        "created_at": "2026-11-23T10:00:00Z",
        "message": {"role": "assistant", "content": content, **message},
        "done": True,
        "done_reason": "stop",
        "total_duration": 5_000_000,
        "load_duration": 1_000_000,
        "prompt_eval_count": 12,
        "prompt_eval_duration": 1_000_000,
        "eval_count": 3,
        "eval_duration": 2_000_000,
    }


class FakeOllama:
    """An HTTP server on 127.0.0.1 that answers like Ollama (/api/chat, /api/tags, /api/show).

    Queue replies for /api/chat with `reply(...)`; when the queue is empty it answers a normal
    chat. Every request is recorded in `self.requests` as (method, path, parsed JSON body).
    A reply is a dict with any of:
        status (int), body (JSON-able), headers (dict), delay (s before answering),
        stream (list of objects sent as NDJSON, chunked), cut_after (close the connection after
        that many stream lines), stop_server (accept the request, then shut the server down).
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.queue: list[dict[str, Any]] = []
        self.models = [MODEL]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                fake.requests.append(("GET", self.path, None))
                if self.path == "/api/tags":
                    models = [{"name": m, "model": m, "size": 4_000_000_000, "digest": "abc",
                               "modified_at": "2026-11-01T10:00:00Z"} for m in fake.models]
                    self._send(200, {"models": models})
                else:
                    self._send(404, {"error": "404 page not found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                fake.requests.append(("POST", self.path, body))
                if self.path == "/api/show":
                    self._send(200, {"modelfile": "", "parameters": "", "template": "",
                                     "details": {"family": "qwen2"}})
                    return
                if self.path != "/api/chat":
                    self._send(404, {"error": "404 page not found"})
                    return
                spec = fake.queue.pop(0) if fake.queue else {}
                if spec.get("stop_server"):
                    fake.stop(self)
                    return
                time.sleep(spec.get("delay", 0))
                if "stream" in spec:
                    self._stream(spec["stream"], spec.get("cut_after"))
                else:
                    self._send(spec.get("status", 200), spec.get("body", chat_reply()),
                               spec.get("headers", {}))

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, parts: list[Any], cut_after: int | None) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for i, part in enumerate(parts):
                    if cut_after is not None and i >= cut_after:
                        self.wfile.flush()
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    line = (json.dumps(part) + "\n").encode()
                    self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.host = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        self._stopped = False

    def reply(self, *specs: dict[str, Any]) -> None:
        self.queue.extend(specs)

    def chat_bodies(self) -> list[Any]:
        return [body for method, path, body in self.requests if path == "/api/chat"]

    def stop(self, handler: BaseHTTPRequestHandler | None = None) -> None:
        """Stop listening; with a handler, also drop that request's connection unanswered."""
        if self._stopped:
            return
        self._stopped = True
        # Stop listening first: a client that retries the moment its connection drops must
        # find nothing there (closing the listening socket also refuses queued connections).
        self.server.socket.close()
        if handler is not None:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
        threading.Thread(target=self.server.shutdown, daemon=True).start()


class TricklingServer:
    """An HTTP server on 127.0.0.1 that sends its headers at once, then the body one byte every
    `interval_s` seconds: every read gets a byte well within any read timeout, so only a limit
    on the whole call ends it. Each connection's trickle ends when the body is sent, the client
    hangs up, or the server stops (so no test waits longer than len(body) * interval_s).

    `sent` counts the body bytes sent on each connection, in order.
    """

    def __init__(self, body: bytes, content_type: str = "application/json",
                 interval_s: float = 0.5, chunked: bool = False) -> None:
        self.body, self.content_type, self.interval_s, self.chunked = (
            body, content_type, interval_s, chunked)
        self.sent: list[int] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)  # so that the accept loop notices stop()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        index = len(self.sent)
        self.sent.append(0)
        with conn:
            conn.settimeout(5)
            try:
                self._read_request(conn)
                framing = ("Transfer-Encoding: chunked" if self.chunked
                           else f"Content-Length: {len(self.body)}")
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {self.content_type}\r\n"
                             f"{framing}\r\n\r\n".encode())
                for i in range(len(self.body)):
                    if self._stop.wait(self.interval_s):
                        return
                    byte = self.body[i:i + 1]
                    conn.sendall(b"1\r\n" + byte + b"\r\n" if self.chunked else byte)
                    self.sent[index] += 1
                if self.chunked:
                    conn.sendall(b"0\r\n\r\n")
            except OSError:  # the client hung up: what a deadline does
                return

    @staticmethod
    def _read_request(conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                raise ConnectionError("client closed before sending a request")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
