"""HTTP to a CRM's API, the same way for every vendor: httpx for the requests, tenacity for the
retries the vendors' limits call for.

- **429** (too many requests): wait what ``Retry-After`` says (seconds or an HTTP date), or
  back off; a wait longer than :data:`MAX_WAIT` is not waited, because it means the daily quota
  is used up: the admin is told to go on later (a pull resumes from its last page).
- **5xx** and dropped connections: retried with jittered exponential backoff.
- **401/403**: the token was refused; :class:`ApiAuthError` says so plainly.
- Waits are taken a second at a time, so Stop ends them, and ``on_wait`` shows what is left.
- The token goes only to the vendor's own HTTPS hosts; a test server on this machine is
  reached through an environment setting that is never stored.
"""

from __future__ import annotations

import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

import httpx
import tenacity

from wizard.core.errors import CutoverError

RETRIES = 8  # attempts after the first, across 429s, 5xx answers and dropped connections
MAX_WAIT = 15 * 60.0  # seconds: a longer Retry-After means the daily quota is used up
LOCAL = ("127.0.0.1", "localhost", "::1")


class ApiAuthError(CutoverError):
    """The token was refused: nothing more can be read or written until it is replaced."""


class ApiError(CutoverError):
    """An answer the API will not change by asking again (a 4xx other than 401/403/429)."""

    def __init__(self, message: str, hint: str, status: int, code: str) -> None:
        super().__init__(message, hint)
        self.status, self.code = status, code


class ApiStopped(CutoverError):
    """Stop was pressed while the API asked to wait."""


class _Again(Exception):
    """An answer worth asking again: a 429, a 5xx or a dropped connection."""

    def __init__(self, status: int, detail: str, retry_after: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.retry_after = status, detail, retry_after


def retry_after(value: str | None, attempt: int) -> float:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date
    (RFC 9110); without one (or an unreadable one), a backoff."""
    backoff = min(30.0, 2.0**attempt)
    if not value:
        return backoff
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from datetime import UTC, datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return backoff
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def vendor_url(label: str, url: str, hosts: Callable[[str], bool], test_env: str,
               example: str) -> str:  # fmt: skip
    """Where the token may go: the vendor's own HTTPS hosts (``hosts(host)`` says which). A
    test server on this machine is allowed through the environment setting ``test_env``."""
    test = os.environ.get(test_env)
    url = test or url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if test and host in LOCAL and parts.scheme in ("http", "https"):
        return url.rstrip("/")
    if parts.scheme == "https" and hosts(host) and not parts.username:
        return f"https://{host}" + (f":{parts.port}" if parts.port else "")
    raise CutoverError(
        f"The {label} address '{url}' is not {label}'s own ({example}): the access token is "
        "sent to no other host.",
        f"Type the address {label} shows you, for example {example}.",
    )


class Api:
    """One vendor's API: JSON (or text) requests with the retries above and a burst limit."""

    def __init__(self, label: str, base: str, headers: dict[str, str],
                 burst: tuple[int, float] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 quota_codes: Iterable[str] = (),
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        self.label, self.base = label, base.rstrip("/")
        self.burst = burst
        self.sleep, self.clock = sleep, clock
        self.quota_codes = set(quota_codes)  # error codes that mean the daily quota is used up
        self.on_wait: Callable[[float], None] = lambda left: None
        self.should_stop: Callable[[], bool] = lambda: False
        self.requests = 0
        self._sent: deque[float] = deque()
        self._client = httpx.Client(headers=headers, timeout=httpx.Timeout(60.0, connect=15.0),
                                    transport=transport, follow_redirects=False)  # fmt: skip

    def __repr__(self) -> str:  # never shows the token
        return f"Api({self.label}, {self.base})"

    def close(self) -> None:
        self._client.close()

    # -- requests ------------------------------------------------------------------------
    def json(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.request(method, path, **kw)
        return resp.json() if resp.content else None

    def request(self, method: str, path: str, *, params: dict | None = None, json: Any = None,
                content: bytes | None = None,
                headers: dict[str, str] | None = None) -> httpx.Response:  # fmt: skip
        url = path if path.startswith("http") else self.base + path
        if path.startswith("http") and not url.startswith(self.base):
            raise CutoverError(f"{self.label} pointed to another host ({urlsplit(url).hostname}).",
                               "Nothing was sent there. Try again; if it happens again, tell "
                               "the vendor's support.")  # fmt: skip
        failures = 0

        def wait(state: tenacity.RetryCallState) -> float:
            nonlocal failures
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, _Again) and exc.status == 429:
                seconds = retry_after(exc.retry_after, state.attempt_number - 1)
            else:
                seconds = min(30.0, 2**failures * (0.5 + random.random()))
                failures += 1
            if seconds > MAX_WAIT:
                raise self._quota(seconds) from None
            return seconds

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(_Again),
            stop=tenacity.stop_after_attempt(RETRIES + 1), wait=wait, sleep=self.wait,
            reraise=True,
        )  # fmt: skip
        try:
            for attempt in retrying:
                with attempt:
                    return self._once(method, url, params, json, content, headers)
        except _Again as exc:
            raise self._gave_up(exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, method: str, url: str, params: dict | None, body: Any,
              content: bytes | None, headers: dict[str, str] | None) -> httpx.Response:  # fmt: skip
        self._throttle()
        self.requests += 1
        try:
            resp = self._client.request(method, url, params=params, json=body, content=content,
                                        headers=headers)  # fmt: skip
        except httpx.TransportError as exc:
            raise _Again(0, str(exc) or type(exc).__name__) from None
        status = resp.status_code
        if status < 400:
            return resp
        detail, code = _detail(resp)
        if code in self.quota_codes:
            raise CutoverError(
                f"{self.label} says the daily API quota is used up ({detail}).",
                "Go on tomorrow, or ask the CRM's admin to raise the limit: the work resumes "
                "where it stopped, nothing is read or written twice.",
            )
        if status in (401, 403):
            raise ApiAuthError(
                f"{self.label} refused the access token ({status}: {detail}).",
                "It was revoked, expired or lacks a permission. Connect again and go on: what "
                "was done stays, nothing is done twice.",
            )
        if status == 429 or status >= 500:
            raise _Again(status, detail, resp.headers.get("Retry-After"))
        raise ApiError(f"{self.label} answered {status}: {detail}",
                       "Check the connection's settings and permissions, then try again.",
                       status, code)  # fmt: skip

    def _gave_up(self, exc: _Again) -> CutoverError:
        if exc.status == 429:
            return CutoverError(f"{self.label} kept answering that too many requests were sent "
                                f"({exc.detail}).", "The API limit is used up for now: go on "
                                "later; the work resumes where it stopped.")  # fmt: skip
        if exc.status >= 500:
            return CutoverError(f"{self.label}'s servers kept failing ({exc.status}: "
                                f"{exc.detail}).", "It is on the vendor's side: try again later;"
                                " the work resumes where it stopped.")  # fmt: skip
        return CutoverError(f"{self.label} could not be reached: {exc.detail}.",
                            "Check the internet connection and try again.")  # fmt: skip

    def _quota(self, seconds: float) -> CutoverError:
        return CutoverError(
            f"{self.label} asks to wait {seconds / 3600:,.1f} hours before the next request: the "
            "daily API limit is used up.",
            "Go on after that: the work resumes where it stopped, nothing is done twice.",
        )

    def _throttle(self) -> None:
        if self.burst is None:
            return
        limit, window = self.burst
        now = self.clock()
        while self._sent and now - self._sent[0] >= window:
            self._sent.popleft()
        if len(self._sent) >= limit:
            self.sleep(window - (now - self._sent[0]))
        self._sent.append(self.clock())

    def wait(self, seconds: float) -> None:
        """Wait a second at a time: the seconds left are shown and Stop ends the wait."""
        end = self.clock() + seconds
        while (left := end - self.clock()) > 0:
            self.on_wait(left)
            if self.should_stop():
                raise ApiStopped(f"Stopped while {self.label} asked to wait.",
                                 "Go on later: the work resumes where it stopped.")  # fmt: skip
            self.sleep(min(1.0, left))
        self.on_wait(0.0)


def _detail(resp: httpx.Response) -> tuple[str, str]:
    """The vendor's own words for an error, and its error code when it gives one."""
    try:
        body = resp.json()
    except ValueError:
        return (resp.reason_phrase or f"HTTP {resp.status_code}"), ""
    if isinstance(body, list) and body and isinstance(body[0], dict):  # Salesforce
        return str(body[0].get("message") or resp.reason_phrase), str(body[0].get("errorCode", ""))
    if isinstance(body, dict):
        message = body.get("message") or body.get("error") or body.get("error_info")
        code = body.get("errorCode") or body.get("category") or body.get("code") or ""
        return str(message or resp.reason_phrase), str(code)
    return resp.reason_phrase or f"HTTP {resp.status_code}", ""
