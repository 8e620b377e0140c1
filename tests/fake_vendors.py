"""A local vendor fake (infra/local/fake_*.py) as a WSGI app, for the fakes' own tests, and
served on loopback for the adapters' tests, as the local runtime's gateway serves it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class Fake(Protocol):
    def handle(self, request: Request) -> Response | None: ...


def app_of(fake: Fake, *, unowned_status: int = 404) -> Callable[..., Any]:
    """The fake's WSGI app; a path it does not own answers `unowned_status`."""

    @Request.application  # type: ignore[arg-type]
    def app(request: Request) -> Response:
        return fake.handle(request) or Response(status=unowned_status)

    return app  # type: ignore[no-any-return]


@contextmanager
def served(fake: Fake) -> Iterator[str]:
    """The fake on a free loopback port for the block's length; its base URL."""
    server = make_server("127.0.0.1", 0, app_of(fake), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
