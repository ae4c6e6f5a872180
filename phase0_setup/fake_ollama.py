"""A tiny stand-in for an Ollama server, for learning its wire format without installing it.

It answers the two endpoints this phase uses, in the shape Ollama's API documentation gives:
- GET  /api/tags  -> {"models": [{"name": ..., "model": ..., "size": ..., ...}]}
- POST /api/chat  -> one JSON object ({"message": {"role": "assistant", "content": ...},
  "done": true, "prompt_eval_count": ..., "eval_count": ..., durations in nanoseconds}),
  or with "stream": true one such object per line (NDJSON), the last one with "done": true.
An unknown model gets Ollama's 404 {"error": "model \"x\" not found, try pulling it first"}.

The reply is not a model's: it repeats the last user message, so you can see what went over
the wire.

    server = FakeOllama().start()
    requests.post(server.url + "/api/chat", json={...})
    server.stop()
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_MODELS = ("qwen2.5-coder:7b-instruct-q4_K_M",)


class FakeOllama:
    """A local HTTP server on 127.0.0.1 (a free port) that speaks a little of Ollama's API."""

    def __init__(self, models: tuple[str, ...] = DEFAULT_MODELS) -> None:
        self.models = models
        self.requests: list[dict[str, Any]] = []  # every JSON body received, for inspection
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "call start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeOllama:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep notebooks and tests quiet
                pass

            def do_GET(self) -> None:
                if self.path == "/api/tags":
                    self._json(200, {"models": [_model_entry(m) for m in fake.models]})
                elif self.path == "/api/version":
                    self._json(200, {"version": "0.0.0-fake"})
                else:
                    self._json(404, {"error": f"no such endpoint {self.path}"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._json(400, {"error": "invalid JSON body"})
                    return
                fake.requests.append(body)
                if self.path != "/api/chat":
                    self._json(404, {"error": f"no such endpoint {self.path}"})
                    return
                model = body.get("model", "")
                if model not in fake.models and model + ":latest" not in fake.models:
                    self._json(404, {"error": f'model "{model}" not found, try pulling it first'})
                    return
                self._chat(body)

            def _chat(self, body: dict[str, Any]) -> None:
                started = time.perf_counter_ns()
                users = [m for m in body.get("messages", []) if m.get("role") == "user"]
                text = f"(fake Ollama) You said: {users[-1].get('content', '') if users else ''}"
                words = text.split(" ")
                prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
                final = {
                    "model": body["model"], "created_at": _now(), "done": True,
                    "done_reason": "stop", "total_duration": 0, "load_duration": 0,
                    "prompt_eval_count": prompt_tokens, "prompt_eval_duration": 0,
                    "eval_count": len(words), "eval_duration": 0,
                }
                if body.get("stream", True) is False:
                    final["message"] = {"role": "assistant", "content": text}
                    final["total_duration"] = final["eval_duration"] = time.perf_counter_ns() - started
                    self._json(200, final)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.end_headers()
                for index, word in enumerate(words):
                    piece = word if index == 0 else " " + word
                    chunk = {"model": body["model"], "created_at": _now(),
                             "message": {"role": "assistant", "content": piece}, "done": False}
                    self.wfile.write((json.dumps(chunk) + "\n").encode())
                final["message"] = {"role": "assistant", "content": ""}
                final["total_duration"] = final["eval_duration"] = time.perf_counter_ns() - started
                self.wfile.write((json.dumps(final) + "\n").encode())

            def _json(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _model_entry(name: str) -> dict[str, Any]:
    return {"name": name, "model": name, "modified_at": _now(), "size": 4_683_087_332,
            "digest": "0" * 64, "details": {"format": "gguf", "family": "qwen2",
                                            "parameter_size": "7.6B", "quantization_level": "Q4_K_M"}}
