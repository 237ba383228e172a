"""The served ECI emulator: a threaded loopback HTTP server plus its state file.

End-to-end tests, the vendor SDK and the pulumi CLI need a real endpoint, so this
wraps the same ``EciResponses`` handler the respx mock uses in a ``ThreadingHTTPServer``
bound to 127.0.0.1 (port 0 picks a free port), adds the ``/_emulator/`` admin API, and
writes the backend's state atomically to a JSON file after every call that changed
it, loading it on start, so a restarted emulator loses nothing. Answers carry one
``Date``, the backend's (``http.server`` would add the machine's). ``EmulatorServer``
runs it in a background thread for tests; ``serve`` runs it in the foreground and
prints ``ECI emulator listening on http://127.0.0.1:<port>`` once ready.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .admin import ADMIN_PREFIX, handle_admin
from .models import EciBackend
from .responses import EciResponses

__all__ = ["EmulatorServer", "load_state_file", "save_state_file", "serve"]


def load_state_file(backend: EciBackend, path: str | os.PathLike[str]) -> None:
    """Load a state file written by ``save_state_file``; a missing file is an empty state."""
    if Path(path).exists():
        backend.load_state(json.loads(Path(path).read_text(encoding="utf-8")))


def save_state_file(backend: EciBackend, path: str | os.PathLike[str]) -> None:
    """Write the backend's state atomically (temp file in the same folder, then rename)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(backend.to_state(), handle, indent=1, sort_keys=True)
    os.replace(temp, target)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        backend: EciBackend,
        state_file: str | os.PathLike[str] | None,
    ) -> None:
        super().__init__(address, _Handler)
        self.backend = backend
        self.responses = EciResponses(backend)
        self.state_file = state_file
        self.saved_mutations = backend.mutations

    def save_if_changed(self) -> None:
        with self.backend.lock:
            if self.state_file is not None and self.backend.mutations != self.saved_mutations:
                save_state_file(self.backend, self.state_file)
                self.saved_mutations = self.backend.mutations


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if urlsplit(self.path).path.startswith(ADMIN_PREFIX):
            answer = handle_admin(self.server.backend, self.command, urlsplit(self.path).path, body)
        else:
            answer = self.server.responses.handle(self.command, self.path, dict(self.headers), body)
        self.server.save_if_changed()
        if answer.drop:  # hang up without a status line, like a dying load balancer
            self.close_connection = True
            return
        # Not send_response: it adds a Date of its own; the answer's is the backend's.
        self.send_response_only(answer.status)
        self.send_header("Server", self.version_string())
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The backend's time, so the answers ``http.server`` writes itself (a 501 for an
        unknown method, a 400 for a malformed request line) carry the service's Date too."""
        return super().date_time_string(
            self.server.backend.now() if timestamp is None else timestamp
        )

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and the pulumi CLI own the terminal."""


class EmulatorServer:
    """The served emulator in a background thread: ``with EmulatorServer() as s: s.url``."""

    def __init__(
        self,
        backend: EciBackend | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | os.PathLike[str] | None = None,
        **backend_options: Any,
    ) -> None:
        self.backend = backend if backend is not None else EciBackend(**backend_options)
        if state_file is not None:
            load_state_file(self.backend, state_file)
        self._httpd = _HTTPServer((host, port), self.backend, state_file)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> EmulatorServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="eci-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop`` (from another thread) or Ctrl-C."""
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def serve(server: EmulatorServer) -> None:
    """Run in the foreground until interrupted, announcing the URL on stdout."""
    print(f"ECI emulator listening on {server.url}", flush=True)
    server.serve_forever()
