"""Serve the app with waitress, a production WSGI server (not Flask's development server)."""
from __future__ import annotations

import copy
import json
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import create_server
from waitress.task import ErrorTask, WSGITask
from waitress.utilities import RequestEntityTooLarge

from ..errors import BadSetting
from . import create_app
from .admin import UPLOAD_PATH, max_upload_bytes
from .api import HTTP_MESSAGES, ErrorShape, error_shape, plain_error
from .openai_compat import CHAT_PATH, chat_body_limit
from .site import SECURITY_HEADERS


def make_server(app, host: str, port: int, **adjustments):
    """Return a waitress server for `app` bound to host:port (port 0 picks a free one), not yet running.

    A request body over its route's limit is refused from its Content-Length, before it is read.
    Raises BadSetting when the address cannot be used (in use, unknown, or not an address of this machine).
    """
    server = create_server(app, sockets=[listening_socket(host, port)], **(proxy_adjustments(app) | adjustments))

    class Parser(BodyLimitParser):
        body_limit = staticmethod(lambda path: body_limit(app, path))
        error_shape = staticmethod(lambda path: error_shape(app.extensions["error_shapes"], path) or plain_error)

    class Channel(HTTPChannel):
        parser_class = Parser
        task_class = HeadWithBodyTask
        error_task_class = ShapedErrorTask

    server.channel_class = Channel
    return server


def proxy_adjustments(app) -> dict:
    """Return waitress's settings that believe the X-Forwarded-For and -Proto of requests from TRUSTED_PROXY.

    Behind nginx every request comes from nginx's address: without this, all clients would share
    one rate limit. waitress takes those headers from that address only (from any other, it drops
    them), so a client reaching the server directly cannot pose as another.
    """
    proxy = app.config.get("TRUSTED_PROXY")
    if not proxy:
        return {}
    return {"trusted_proxy": str(proxy), "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"}}


def body_limit(app, path: str) -> int:
    """Return the largest request body `app` takes on `path`: a file upload on the upload route, a whole
    conversation on the chat completions route, else MAX_CONTENT_LENGTH."""
    if path == UPLOAD_PATH:
        return max_upload_bytes()
    if path == CHAT_PATH:
        return chat_body_limit(app) or Adjustments.max_request_body_size
    return app.config["MAX_CONTENT_LENGTH"] or Adjustments.max_request_body_size  # None: waitress's own limit


class BodyLimitParser(HTTPRequestParser):
    """waitress's request parser with the body limit of the request's route.

    waitress has one limit for every route (max_request_body_size, 1 GiB by default) and reads
    the whole body, spooling it to a temporary file, before the app can refuse it. Here the
    route's own limit is checked by waitress itself, from the Content-Length (or as a chunked
    body passes it), and the refusal is our JSON error.
    """

    body_limit: Callable[[str], int]  # path -> the largest body that route takes, in bytes
    error_shape: Callable[[str], ErrorShape]  # path -> the error body maker of its API
    limit = 0

    def parse_header(self, header_plus):
        super().parse_header(header_plus)
        self.limit = self.body_limit(self.path)
        self.adj = copy.copy(self.adj)  # this request's own: the channel's is shared by its requests
        self.adj.max_request_body_size = self.limit + 1  # waitress refuses this many bytes or more

    def received(self, data):
        consumed = super().received(data)
        if type(self.error) is RequestEntityTooLarge:
            self.error = BodyTooLarge(self.limit)
            self.expect_continue = False  # refused: the client must not be asked for the body
        return consumed


class BodyTooLarge(RequestEntityTooLarge):
    """A body over its route's limit, with the API's message."""

    def __init__(self, limit: int):
        super().__init__(HTTP_MESSAGES[413].format(limit=limit))


class HeadWithBodyTask(WSGITask):
    """waitress's task, handing the response's head and the first part of its body to the socket in one piece.

    waitress sends the head as soon as it is written, then the body. A server killed in between
    leaves a proxy in front holding a head it has already passed on, so it cannot ask another
    server instead: the client gets a cut answer. Here the first write's pieces are gathered
    (waitress's own write still builds them) and handed on together.
    """

    def write(self, data):
        if self.wrote_header:
            return super().write(data)
        channel, self.channel = self.channel, Gathering(self.channel)
        try:
            super().write(data)
        finally:
            gathered, self.channel = self.channel, channel
        if gathered.pieces:
            channel.write_soon(b"".join(gathered.pieces))


class Gathering:
    """Stands in for a channel during a task's first write: keeps what is written, answers the rest as the channel."""

    def __init__(self, channel):
        self.channel = channel
        self.pieces: list[bytes] = []

    def write_soon(self, data: bytes) -> None:
        self.pieces.append(data)

    def __getattr__(self, name):
        return getattr(self.channel, name)


class ShapedErrorTask(ErrorTask):
    """waitress's own error responses in the API's shape, with the security headers.

    waitress answers some requests itself, before the app sees them (a malformed header or
    chunked body, headers over its limit, a body over the route's limit) and, last resort, a
    500 when the app fails outside Flask's handlers; by default as plain text without our
    headers. waitress has no documented hook for this: error_task_class is the channel's
    class attribute beside parser_class, which BodyLimitParser already replaces.
    """

    def execute(self):
        error = self.request.error
        if error.code == 500:
            message = HTTP_MESSAGES[500]  # logged by waitress; the client learns nothing more
        elif isinstance(error, BodyTooLarge):
            message = error.body
        else:
            message = f"the server could not read this request: {error.reason} ({error.body}); send valid HTTP/1.1"
        # The request is a BodyLimitParser; it has no path when its request line could not be read.
        shape = self.request.error_shape(getattr(self.request, "path", ""))
        body = json.dumps(shape(error.code, message, None)).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"), *SECURITY_HEADERS.items()])
        self.set_close_on_finish()  # as waitress does: what follows a request it could not read is not trusted
        self.content_length = len(body)
        self.write(body)


def listening_socket(host: str, port: int) -> socket.socket:
    """Return a socket listening on host:port.

    Binding here rather than inside waitress means a failure leaves no half-made server behind.
    Raises BadSetting saying what to change.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise BadSetting(f"cannot listen on {host}:{port} ({error.strerror}); pass an address such as "
                         "--host 127.0.0.1") from None
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restart without waiting for TIME_WAIT
        listener.bind(address)
        listener.listen(1024)
    except OSError as error:
        listener.close()
        raise BadSetting(f"cannot listen on {host}:{port} ({error.strerror or error}); pick another port with "
                         "--port 8011 (with make: make run PORT=8011), or another address with --host") from None
    return listener


def url_of(server) -> str:
    """Return the address a server listens on, as a URL (the first one, if several)."""
    host, port = server.effective_listen[0] if hasattr(server, "effective_listen") else (
        server.effective_host, server.effective_port)
    return f"http://[{host}]:{port}/" if ":" in str(host) else f"http://{host}:{port}/"


class Stopped(Exception):
    """SIGTERM asked the server to stop."""


def _stop(signum, frame):
    raise Stopped


def run(corpus_dir: Path, index_path: Path, host: str, port: int) -> None:
    """Serve the chat page and the API on host:port, printing the URL first, until Ctrl+C or SIGTERM.

    Either is a stop on purpose, so it ends quietly (exit status 0): service managers stop with SIGTERM.
    """
    app = create_app({"CORPUS": str(corpus_dir), "INDEX": str(index_path)})
    app.extensions["assistant"].get()  # load now: the first question should not wait for it
    server = make_server(app, host, port)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        print(f"Serving the chat at {url_of(server)} (press Ctrl+C to stop)", flush=True)
        server.run()  # returns on Ctrl+C in its loop: waitress catches KeyboardInterrupt there
    except (KeyboardInterrupt, Stopped):
        pass  # Ctrl+C anywhere else, or SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.close()
    print("Stopped.", flush=True)


@contextmanager
def serve_in_thread(app, host: str = "127.0.0.1", port: int = 0, **adjustments) -> Iterator[str]:
    """Run `app` with waitress in a background thread; yield its URL; stop it on exit (tests, benchmarks)."""
    server = make_server(app, host, port, **adjustments)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield url_of(server)
    finally:
        # Stop the worker threads first: a request finishing later would wake a closed loop.
        server.task_dispatcher.shutdown()
        # Closing every socket from inside the server's own loop ends the loop without races.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # Seen once in a full test run: the trigger's pipe was already gone (EBADF), so the loop
            # cannot be woken; close what is left from here, and the loop ends on its next poll.
            wasyncore.close_all(server._map)
        thread.join(timeout=10)
