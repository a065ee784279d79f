"""Serve the app with waitress, a production WSGI server (not Flask's development server)."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from waitress import wasyncore
from waitress.server import create_server

from . import create_app
from .errors import BadSetting


def make_server(app, host: str, port: int, **adjustments):
    """Return a waitress server for `app` bound to host:port (port 0 picks a free one), not yet running.

    Raises BadSetting when the address cannot be used (in use, unknown, or not an address of this machine).
    """
    return create_server(app, sockets=[listening_socket(host, port)], **adjustments)


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
        raise BadSetting(f"cannot listen on {host}:{port} ({error.strerror or error}); "
                         "pick another with --port or --host") from None
    return listener


def url_of(server) -> str:
    """Return the address a server listens on, as a URL (the first one, if several)."""
    host, port = server.effective_listen[0] if hasattr(server, "effective_listen") else (
        server.effective_host, server.effective_port)
    return f"http://[{host}]:{port}/" if ":" in str(host) else f"http://{host}:{port}/"


def run(corpus_dir: Path, index_path: Path, host: str, port: int) -> None:
    """Serve the chat page and the API on host:port until interrupted, printing the URL first."""
    app = create_app({"CORPUS": str(corpus_dir), "INDEX": str(index_path)})
    app.extensions["assistant"].get()  # load now: the first question should not wait for it
    server = make_server(app, host, port)
    print(f"Serving the chat at {url_of(server)} (press Ctrl+C to stop)", flush=True)
    server.run()


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
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=10)
