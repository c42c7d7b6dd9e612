"""What the staff pages share: a refused action or a bad form becomes messages on the page,
and a list page's links keep its filters."""

from collections.abc import Callable

from django.contrib import messages

from kernel.errors import DomainError


def form_errors_as_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def run_as_message(
    request,
    action: Callable[[], object],
    *,
    success: str,
    describe: Callable[[DomainError], str] = lambda refusal: refusal.message,
) -> bool:
    """Run a service call; its refusal is an error message (nothing changed), else `success`."""
    try:
        action()
    except DomainError as refusal:
        messages.error(request, describe(refusal))
        return False
    messages.success(request, success)
    return True


def query_without(request, *, drop: tuple[str, ...]) -> str:
    """The page's query string without `drop` (the pager's and the sort links' base)."""
    params = request.GET.copy()
    for name in drop:
        params.pop(name, None)
    return params.urlencode()
