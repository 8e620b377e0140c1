"""The demo's HTTP client of the served runtime."""

from __future__ import annotations

import threading
from typing import Any

import requests

HTTP_TIMEOUT_S = 10


class Http:
    """One requests.Session per thread (sessions are not meant to be shared)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = requests.Session()
        return self._local.session  # type: ignore[no-any-return]

    def get(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self._url(path_or_url), timeout=HTTP_TIMEOUT_S, **kwargs)

    def post(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        return self.session.post(self._url(path_or_url), timeout=HTTP_TIMEOUT_S, **kwargs)

    def json(self, path: str, **kwargs: Any) -> Any:
        answer = self.get(path, **kwargs)
        answer.raise_for_status()
        return answer.json()

    def _url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else f"{self.base_url}{path_or_url}"
