"""A WSGI app on a loopback port, served from a thread (browser and local-chat tests)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, Iterator

from werkzeug.serving import make_server


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Yield the base URL while the app is served; shut it down and close the socket after."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_port}"
    finally:
        srv.shutdown()
        thread.join()
        srv.server_close()
