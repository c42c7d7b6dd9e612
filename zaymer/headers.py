"""Headers that keep personal data out of caches and powerful browser features off.

`Cache-Control: no-store` goes on the borrower and staff API, on the admin, and on every page
answered to a signed-in user (the dossier, the case page, the queues): a shared or browser
cache must not keep a borrower's data. `Permissions-Policy` goes on every response. The
Content-Security-Policy is django-csp's (settings `CONTENT_SECURITY_POLICY`), Referrer-Policy
and nosniff are Django's SecurityMiddleware's.
"""

from django.conf import settings
from django.db import DatabaseError
from django.utils.cache import add_never_cache_headers

PRIVATE_PREFIXES = ("/api/", "/admin/")


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    try:
        return user is not None and user.is_authenticated
    except DatabaseError:
        # The session's database is unreachable: the answer is not cached either way.
        return True


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path.startswith(settings.STATIC_URL):
            return response  # WhiteNoise's own caching of hashed files stands
        if request.path.startswith(PRIVATE_PREFIXES) or _signed_in(request):
            add_never_cache_headers(response)
        return response
