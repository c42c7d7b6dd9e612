"""Deferred work: a django-q2 task enqueued when the current transaction commits.

Tasks are named by their dotted path, so a service never imports the task module that calls
it back (the task runs after the commit, in a worker, and finds the service there).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction
from django.utils.module_loading import import_string
from django_q.tasks import async_task

_IN_PROCESS: set[str] = set()


def enqueue(func: str, *args: object, task_name: str) -> None:
    """Enqueue now (the caller is past its commit, or has none)."""
    if func in _IN_PROCESS:
        import_string(func)(*args)
        return
    async_task(func, *args, task_name=task_name)


def on_commit(func: str, *args: object, task_name: str) -> None:
    """Enqueue once the caller's transaction commits; nothing is sent if it rolls back."""
    transaction.on_commit(lambda: enqueue(func, *args, task_name=task_name))


@contextmanager
def in_process(*funcs: str) -> Iterator[None]:
    """Run these tasks at once, in this process, instead of queueing them: for loads where no
    worker runs (the demo's history)."""
    added = set(funcs) - _IN_PROCESS
    _IN_PROCESS.update(added)
    try:
        yield
    finally:
        _IN_PROCESS.difference_update(added)
