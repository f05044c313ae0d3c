"""Running a stand-in's socket server in a background thread, started and stopped alike."""

from __future__ import annotations

import socketserver
import threading


class BackgroundServer:
    """Base for stand-ins: subclasses build their server in `_make_server()`."""

    _server: socketserver.BaseServer | None = None
    _thread: threading.Thread | None = None

    def _make_server(self) -> socketserver.BaseServer:
        raise NotImplementedError

    def start(self):
        if self._server is not None:
            return self
        self._server = self._make_server()
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # shutdown() waits for the next poll; keep stop() quick.
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-{self._server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
