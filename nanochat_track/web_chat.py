"""The web chat: a FastAPI server that streams the model's replies to a page, and speaks
OpenAI's /v1/chat/completions so any OpenAI client (shared.llm's OpenAIBackend, hence the
phase agents) can use the trained model.

    .venv/bin/python -m nanochat_track.web_chat                     # newest chat checkpoint
    .venv/bin/python -m nanochat_track.web_chat --checkpoint=runs/nanochat/cpu-tiny/checkpoints/sft.pt --port=8000

Then open http://127.0.0.1:8000 . Routes:
- GET  /                     the page (static/chat.html)
- POST /api/chat             {"messages": [...], "show_analysis": false} -> Server-Sent Events,
                             one `data: {"text": piece}` per piece, then `data: [DONE]`
- POST /v1/chat/completions  OpenAI's format, with or without "stream": true
- GET  /v1/models, /health

Replies run through the engine with the calculator on (a python call shows as
"[python] 2+3 -> 5"). One generation at a time: the model is shared, requests wait their turn.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from pydantic import BaseModel

from shared.cli import parse_overrides, run_main

from .conversation import ConversationError
from .engine import stream_reply

PAGE = Path(__file__).parent / "static" / "chat.html"


class ChatModel:
    """A model, its tokenizer and whether it speaks in channels, behind a lock."""

    def __init__(self, model, tokenizer, channels: bool = False, name: str = "nanochat"):
        self.model, self.tokenizer, self.channels, self.name = model, tokenizer, channels, name
        self.lock = threading.Lock()

    @classmethod
    def from_checkpoint(cls, checkpoint: str | Path, device: str = "cpu") -> ChatModel:
        from .finetune import load_chat_model

        model, tokenizer, channels = load_chat_model(checkpoint, device)
        return cls(model, tokenizer, channels, name=f"nanochat-{Path(checkpoint).stem}")

    def stream(self, messages: list[dict], max_tokens: int = 128, temperature: float = 0.7,
               top_k: int | None = 50, seed: int = 0, show_analysis: bool = False) -> Iterator[str]:
        """The reply's text pieces as they are generated (holding the lock meanwhile)."""
        with self.lock:
            yield from stream_reply(self.model, self.tokenizer, messages, max_tokens, temperature,
                                    top_k, seed, self.channels, show_analysis)

    def count_tokens(self, messages: list[dict]) -> int:
        from .conversation import render_prompt

        return len(render_prompt(self.tokenizer, messages, channels=self.channels))


def to_conversation(messages: list[dict]) -> list[dict]:
    """OpenAI-style messages as a conversation the model can read: content lists joined into
    text, tool results given as user turns, consecutive turns of one role merged, a system
    message kept only in first place."""
    out: list[dict] = []
    for i, msg in enumerate(messages):
        role, content = msg.get("role"), msg.get("content") or ""
        if isinstance(content, list):
            content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
        if role == "system" and i == 0:
            out.append({"role": "system", "content": content})
            continue
        role = "assistant" if role == "assistant" else "user"
        if out and out[-1]["role"] == role:
            out[-1] = {"role": role, "content": f"{out[-1]['content']}\n\n{content}"}
        else:
            out.append({"role": role, "content": content})
    return out


class ChatRequest(BaseModel):
    messages: list[dict]
    show_analysis: bool = False
    max_tokens: int = 128
    temperature: float = 0.7
    seed: int = 0


class CompletionRequest(BaseModel):
    messages: list[dict]
    model: str = "nanochat"
    max_tokens: int | None = None
    temperature: float | None = None
    seed: int | None = None
    stream: bool = False


def sse(data: str) -> str:
    return f"data: {data}\n\n"


def create_app(chat: ChatModel) -> FastAPI:
    """The server's routes over one ChatModel."""
    app = FastAPI(title="nanochat")

    def pieces(messages: list[dict], **options) -> Iterator[str]:
        conversation = to_conversation(messages)
        try:
            chat.count_tokens(conversation)  # refuse a malformed conversation before streaming
        except ConversationError as err:
            raise HTTPException(status_code=400, detail=str(err)) from None
        return chat.stream(conversation, **options)

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return PAGE.read_text(encoding="utf-8")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "model": chat.name}

    @app.post("/api/chat")
    def api_chat(req: ChatRequest) -> StreamingResponse:
        stream = pieces(req.messages, max_tokens=req.max_tokens, temperature=req.temperature,
                        seed=req.seed, show_analysis=req.show_analysis)

        def events() -> Iterator[str]:
            try:
                for piece in stream:
                    yield sse(json.dumps({"text": piece}))
            except ValueError as err:  # the conversation outgrew the context
                yield sse(json.dumps({"error": str(err)}))
            yield sse("[DONE]")

        return StreamingResponse(events(), media_type="text/event-stream")

    @app.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": chat.name, "object": "model", "owned_by": "nanochat"}]}

    @app.post("/v1/chat/completions")
    def completions(req: CompletionRequest):
        options = {"max_tokens": req.max_tokens or 128,
                   "temperature": 0.7 if req.temperature is None else req.temperature,
                   "seed": req.seed or 0}
        ident, created = f"chatcmpl-{uuid.uuid4().hex[:12]}", int(time.time())
        stream = pieces(req.messages, **options)
        if req.stream:
            def chunks() -> Iterator[str]:
                try:
                    for piece in stream:
                        yield sse(json.dumps({"id": ident, "object": "chat.completion.chunk", "created": created,
                                              "model": chat.name, "choices": [{"index": 0, "delta": {"content": piece},
                                                                               "finish_reason": None}]}))
                except ValueError as err:  # the conversation outgrew the context
                    yield sse(json.dumps({"error": {"message": str(err), "type": "invalid_request_error"}}))
                yield sse(json.dumps({"id": ident, "object": "chat.completion.chunk", "created": created,
                                      "model": chat.name,
                                      "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
                yield sse("[DONE]")
            return StreamingResponse(chunks(), media_type="text/event-stream")
        try:
            text = "".join(stream)
        except ValueError as err:
            raise HTTPException(status_code=400, detail=str(err)) from None
        prompt_tokens = chat.count_tokens(to_conversation(req.messages))
        completion_tokens = len(chat.tokenizer.encode(text))
        return JSONResponse({
            "id": ident, "object": "chat.completion", "created": created, "model": chat.name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}})

    return app


class BackgroundServer:
    """uvicorn serving an app in a thread of this process (tests, check.py, the harness).

        with BackgroundServer(app) as server:
            print(server.url)
    """

    def __init__(self, app: FastAPI, host: str = "127.0.0.1", port: int = 0):
        import socket

        import uvicorn

        if port == 0:  # a free port, chosen by the OS
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.url = f"http://{host}:{port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> BackgroundServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the chat server did not start at {self.url}: is the port free?")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def browser_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) when both are installed (Debian: apt-get install -y chromium
    chromium-driver), else None."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def ask_in_browser(url: str, message: str, screenshot, timeout_s: float = 60) -> str:
    """Open the page at `url` in headless Chromium (with selenium), send `message`, wait for the finished reply,
    save a screenshot; returns the reply's text."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser, driver_path = browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=900,700"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(url)
        driver.find_element(By.ID, "input").send_keys(message)
        driver.find_element(By.ID, "send").click()
        WebDriverWait(driver, timeout_s).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".assistant.done"))
        reply = driver.find_element(By.CSS_SELECTOR, ".assistant.done").text
        driver.save_screenshot(str(screenshot))
        return reply
    finally:
        driver.quit()


OPTIONS = {"checkpoint": "",  # "": the newest run's best chat checkpoint (rl.pt, sft.pt, mid.pt, model.pt)
           "host": "127.0.0.1", "port": 8000}


def main(argv: list[str] | None = None) -> int:
    import uvicorn

    from .chat_cli import chat_checkpoint

    args = parse_overrides(sys.argv[1:] if argv is None else argv, OPTIONS, __doc__)
    checkpoint = chat_checkpoint(args["checkpoint"])
    chat = ChatModel.from_checkpoint(checkpoint)
    print(f"checkpoint: {checkpoint}\nopen http://{args['host']}:{args['port']} "
          f"(OpenAI-compatible at http://{args['host']}:{args['port']}/v1)", file=sys.stderr)
    uvicorn.run(create_app(chat), host=args["host"], port=args["port"], log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
