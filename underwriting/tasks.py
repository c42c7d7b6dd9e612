"""django-q2 task functions of underwriting."""

from underwriting.services import review_release_idle, review_withdraw_stale


def tidy_queue() -> dict[str, int]:
    """Every minute: withdraw applications that left review, release tasks left idle."""
    return {"withdrawn": review_withdraw_stale(), "released": review_release_idle()}
