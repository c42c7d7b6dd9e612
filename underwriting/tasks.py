"""django-q2 task functions of underwriting."""

from underwriting.services import review_release_idle


def release_idle_tasks() -> int:
    return review_release_idle()
