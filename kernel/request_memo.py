"""Reference reads remembered for the length of one web request.

One request asks for the open business date and the regulatory limits several times
(scoring, the offer, signing, the answer). Within a request they are one fact, so each is read
once; the memo ends with the request. Outside a request (COB, tasks, the shell) nothing is
remembered and every call reads the database.
"""

from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("zaymer_request_memo", default=None)


@contextmanager
def request_scope():
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def remembered(key: Hashable, read: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def forget(key: Hashable) -> None:
    """Drop a remembered fact after the request itself changed it."""
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_scope():
            return self.get_response(request)
