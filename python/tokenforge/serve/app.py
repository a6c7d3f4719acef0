"""The `tokenforge serve` web application (Starlette): the page, its static files and the JSON API.

Only the tokenizers and corpora given when the app is made are ever read: no request names a path. Request
bodies are capped (`Limits.max_text`, 413), encoding runs in worker threads bounded in number and in time
(503 past `Limits.timeout`), and every error of the API is a JSON object `{"error": "..."}` with a 4xx/5xx
status, never a traceback page.
"""

from __future__ import annotations

import html
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import anyio
import numpy as np
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tokenforge.corpus import CorpusOptions
from tokenforge.errors import ConfigError, TokenforgeError
from tokenforge.metrics.evaluate import READING
from tokenforge.report.html import render_html
from tokenforge.serve.adapter import MAX_RESULTS, TokenizerView
from tokenforge.serve.hosts import allowed_hosts
from tokenforge.serve.jobs import DONE, Job, report, usage_counts

STATIC = Path(__file__).parent / "static"
MB = 1_000_000
#: The JSON of a text can be up to 6 times its UTF-8 (`\\u00XX` escapes), plus the other fields.
JSON_OVERHEAD = 6
MAX_QUERY = 1000
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
#: The report is `tokenforge eval`'s self-contained HTML: inline style and SVG, no script.
REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


@dataclass(frozen=True)
class Limits:
    """What one request may cost: text size in UTF-8 bytes, seconds of encoding, encodings at once."""

    max_text: int = MB
    timeout: float = 10.0
    workers: int = 2


class ApiError(Exception):
    """An error answered as `{"error": message}` with an HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class FastJSON(JSONResponse):
    """JSON by orjson (the tokens of a 1 MB text make a large answer)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error(status: int, message: str) -> JSONResponse:
    """The JSON answer for an error."""
    return JSONResponse({"error": message}, status_code=status)


class SecurityHeaders:
    """Adds a content security policy (nothing from the network, no inline script) and `nosniff` to every
    answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = REPORT_POLICY if scope["path"] == "/report" else PAGE_POLICY

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", policy.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, add_headers)


class Service:
    """The loaded tokenizers and corpora, the background jobs, and the request handlers."""

    def __init__(
        self, views: list[TokenizerView], corpora: list[tuple[str, str]], limits: Limits, reading: CorpusOptions
    ) -> None:
        self.views = {v.name: v for v in views}
        for v in views:  # its kind and merge index, worked out now rather than in the event loop on first asking
            v.describe()
        self.corpora = list(corpora)
        self.limits = limits
        self._limiter: anyio.CapacityLimiter | None = None
        steps = len(self.corpora)
        self.usage = Job("usage", lambda p: usage_counts(views, self.corpora, p, reading), steps)
        self.report = Job("report", lambda p: report(views, self.corpora, p, reading), steps)
        self._report_html: str | None = None

    # -- helpers ---------------------------------------------------------------------------------------

    def view(self, name: str) -> TokenizerView:
        """The tokenizer called `name` (404 if none is)."""
        try:
            return self.views[name]
        except KeyError:
            raise ApiError(404, f"no tokenizer named {name!r} (loaded: {', '.join(self.views)})") from None

    async def bounded(self, fn: Callable[..., Any], *args: Any) -> Any:
        """`fn(*args)` in a worker thread, at most `workers` at once, abandoned after `timeout` seconds."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.limits.workers)
        try:
            with anyio.fail_after(self.limits.timeout):
                return await anyio.to_thread.run_sync(fn, *args, abandon_on_cancel=True, limiter=self._limiter)
        except TimeoutError:
            raise ApiError(503, f"gave up after {self.limits.timeout:g} s: try a shorter text") from None

    async def read_json(self, request: Request) -> dict:
        """The request's JSON object, its size capped."""
        cap = self.limits.max_text * JSON_OVERHEAD + 4096
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > cap:
            raise ApiError(413, f"request too large: {int(length):,} bytes (at most {cap:,})")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > cap:
                raise ApiError(413, f"request too large (at most {cap:,} bytes)")
        try:  # the standard library's reader: it takes lone surrogates (\ud800), which encode as U+FFFD
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ApiError(400, f"the body is not JSON: {e}") from None
        if not isinstance(data, dict):
            raise ApiError(400, 'the body must be a JSON object such as {"text": "...", "tokenizers": ["a"]}')
        return data

    @staticmethod
    def int_param(value: str, what: str, low: int, high: int) -> int:
        """`value` as an integer from `low` to `high` (400 otherwise)."""
        try:
            n = int(value)
        except ValueError:
            raise ApiError(400, f"{what} must be an integer, not {value[:40]!r}") from None
        if not low <= n <= high:
            raise ApiError(400, f"{what} must be from {low} to {high}, not {n}")
        return n

    # -- handlers --------------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})

    async def tokenizers(self, request: Request) -> Response:
        return FastJSON(
            {
                "tokenizers": [v.describe() for v in self.views.values()],
                "corpora": [name for name, _ in self.corpora],
                "max_text": self.limits.max_text,
            }
        )

    async def encode(self, request: Request) -> Response:
        data = await self.read_json(request)
        text = data.get("text")
        if not isinstance(text, str):
            raise ApiError(422, '"text" must be a string')
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > self.limits.max_text:
            raise ApiError(413, f"text too large: {size:,} bytes of UTF-8 (at most {self.limits.max_text:,})")
        names = data.get("tokenizers", list(self.views))
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ApiError(422, '"tokenizers" must be a list of tokenizer names')
        detail = data.get("detail")
        if detail is not None and (not isinstance(detail, int) or isinstance(detail, bool) or detail < 0):
            raise ApiError(422, '"detail" must be a number of tokens (0 or more)')
        views = [self.view(n) for n in dict.fromkeys(names)]
        results = await self.bounded(lambda: {v.name: v.encode(text, detail) for v in views})
        return FastJSON({"tokenizers": results})

    async def token(self, request: Request) -> Response:
        v = self.view(request.path_params["name"])
        i = self.int_param(request.path_params["id"], "the token id", 0, v.vocab_size - 1)
        out = await self.bounded(v.token, i)
        out["usage"] = self.usage_of(v.name, i)
        return FastJSON(out)

    def usage_of(self, name: str, i: int) -> dict | None:
        """How often token `i` occurs in each corpus (counted once, in the background, on first asking)."""
        if not self.corpora:
            return None
        self.usage.start()
        if self.usage.status != DONE:
            return self.usage.state()
        counts: dict[str, np.ndarray] = self.usage.result[name]
        return {"status": DONE, "counts": {c: int(n[i]) for c, n in counts.items()}}

    async def vocab(self, request: Request) -> Response:
        v = self.view(request.path_params["name"])
        q = request.query_params.get("q", "")
        if len(q) > MAX_QUERY:
            raise ApiError(400, f"the query is too long ({len(q):,} characters, at most {MAX_QUERY:,})")
        only = request.query_params.get("only") or None
        if only not in (None, "superword", "special"):
            raise ApiError(400, f"only= takes superword or special, not {only[:40]!r}")
        limit = self.int_param(request.query_params.get("limit", "200"), "limit", 1, MAX_RESULTS)
        return FastJSON(await self.bounded(v.search, q, only, limit))

    async def report_state(self, request: Request) -> Response:
        if request.method == "POST":
            if not self.corpora:
                raise ApiError(409, "no corpus to measure: start tokenforge serve with --corpus NAME=PATH")
            self.report.start()
        return FastJSON({**self.report.state(), "corpora": [name for name, _ in self.corpora]})

    async def report_json(self, request: Request) -> Response:
        if self.report.status != DONE:
            raise ApiError(409, f"the report is not ready (status: {self.report.status})")
        return FastJSON(self.report.result)

    async def report_html(self, request: Request) -> Response:
        if self.report.status != DONE:
            msg = html.escape(f"the report is not ready (status: {self.report.status})")
            return HTMLResponse(f"<!DOCTYPE html><p>{msg}</p>", status_code=409)
        if self._report_html is None:
            self._report_html = render_html(self.report.result)
        return HTMLResponse(self._report_html)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error(exc.status, exc.message)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error(exc.status_code, str(exc.detail))


async def user_error(request: Request, exc: Exception) -> Response:
    return error(400, str(exc))


async def server_error(request: Request, exc: Exception) -> Response:
    return error(500, f"internal error ({type(exc).__name__}); the server log has the details")


def create_app(
    views: list[TokenizerView],
    corpora: list[tuple[str, str]] = (),
    limits: Limits = Limits(),
    host: str = "127.0.0.1",
    reading: CorpusOptions = READING,
) -> Starlette:
    """The application serving `views` (and, for usage counts and reports, `corpora` as `(name, path)`, read as
    `reading` says: by default every line of a text file is a document, as for `tokenforge eval`)."""
    service = Service(views, list(corpora), limits, reading)
    routes = [
        Route("/", service.index),
        Route("/api/tokenizers", service.tokenizers),
        Route("/api/encode", service.encode, methods=["POST"]),
        Route("/api/token/{name}/{id}", service.token),
        Route("/api/vocab/{name}", service.vocab),
        Route("/api/report", service.report_state, methods=["GET", "POST"]),
        Route("/api/report/result", service.report_json),
        Route("/report", service.report_html),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(SecurityHeaders), Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts(host))],
        exception_handlers={
            ApiError: api_error,
            HTTPException: http_error,
            TokenforgeError: user_error,
            Exception: server_error,
        },
    )
    app.state.service = service
    return app


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host:port` (0: a free port); a port in use or an unknown host is a ConfigError."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise ConfigError(f"--host {host}: cannot listen there ({e.strerror or e})") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise ConfigError(f"--host {host} --port {port}: cannot listen there ({e.strerror or e})") from None
    return sock


def serve(app: Starlette, sock: socket.socket) -> None:
    """Serves `app` on `sock` until Ctrl-C."""
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])


@contextmanager
def serve_in_thread(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serves `app` from a background thread (for tests and scripts) and yields its base URL; `port` 0 takes a
    free port. The socket listens before the thread starts, so the URL can be used at once."""
    sock = listen(host, port)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="tokenforge-serve", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join()
        sock.close()
