"""A list's sort choices in the language of each request.

django-filter builds an OrderingFilter's choices once, when the filter class is defined, and
its "(descending)" labels with `%` on a lazy string: that fixes them in the language active
at import. Here both labels stay lazy, so each request reads them in its own language."""

import django_filters
from django.utils.functional import lazy
from django.utils.translation import gettext


def _descending(label) -> str:
    return gettext("%s (descending)") % label


descending = lazy(_descending, str)


class OrderingFilter(django_filters.OrderingFilter):
    def build_choices(self, fields, labels):
        choices = []
        for field, param in fields.items():
            label = labels.get(field, param)
            choices += [(param, label), (f"-{param}", labels.get(f"-{param}", descending(label)))]
        return choices
