"""Admin search by a borrower's phone or passport is an unmasking: only staff who may see
personal data unmasked (`loans.change_borrower`) search by those fields, and each such search
is on record in the security log (who, which list, that it was a personal-data search; never
the term). For staff who see borrowers masked those fields are left out of the search, so a
full phone or passport number finds nobody."""

import logging

from django.db.models.constants import LOOKUP_SEP

security_log = logging.getLogger("zaymer.security")

PERSONAL_FIELDS = frozenset({"phone", "passport_series", "passport_number", "email"})
UNMASKING_PERMISSION = "loans.change_borrower"


def sees_personal_data(user) -> bool:
    return user.has_perm(UNMASKING_PERMISSION)


def searches_personal_data(search_field: str) -> bool:
    """'=borrower__phone', 'passport_number__exact' → True; 'full_name' → False."""
    path = search_field.lstrip("^=@").split(LOOKUP_SEP)
    return any(part in PERSONAL_FIELDS for part in path)


class PersonalDataSearchMixin:
    """For a ModelAdmin whose `search_fields` reach a phone or a passport."""

    def get_search_fields(self, request):
        fields = tuple(super().get_search_fields(request))
        if sees_personal_data(request.user):
            return fields
        return tuple(f for f in fields if not searches_personal_data(f))

    def get_search_results(self, request, queryset, search_term):
        results = super().get_search_results(request, queryset, search_term)
        if search_term.strip() and any(
            searches_personal_data(f) for f in self.get_search_fields(request)
        ):
            security_log.info(
                "personal data searched",
                extra={
                    "fields": {
                        "user_id": request.user.pk,
                        "model": self.model._meta.label_lower,
                    }
                },
            )
        return results
