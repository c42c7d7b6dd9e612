"""Throttles for codes and sign-in (per phone and per IP) and for applications.

Their history lives in the "throttles" cache, a database table every worker process shares:
a per-process memory cache would give each gunicorn worker its own allowance.
"""

import hashlib
import re

from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from clientapi.client_ip import client_ip

THROTTLE_CACHE = "throttles"


def _digest(ident: str) -> str:
    # Idents come from the client (a phone, an address): keys stay short and printable.
    return hashlib.sha256(ident.encode(errors="replace")).hexdigest()[:32]


class _SharedHistory:
    cache = ConnectionProxy(caches, THROTTLE_CACHE)

    def get_ident(self, request) -> str:
        # X-Forwarded-For only from a trusted proxy (DRF's own get_ident believes anyone).
        return client_ip(request) or ""


class _PhoneThrottle(_SharedHistory, SimpleRateThrottle):
    def get_cache_key(self, request, view):
        phone = request.data.get("phone") if isinstance(request.data, dict) else None
        if not isinstance(phone, str) or not phone:
            return None
        # The last ten digits: +7 916…, 8 916… and 916… are one phone.
        digits = re.sub(r"[^0-9]", "", phone[:64])[-10:]
        return self.cache_format % {"scope": self.scope, "ident": _digest(digits or phone[:64])}


class _IpThrottle(_SharedHistory, SimpleRateThrottle):
    def get_cache_key(self, request, view):
        ident = _digest(self.get_ident(request) or "")
        return self.cache_format % {"scope": self.scope, "ident": ident}


class CodePhoneThrottle(_PhoneThrottle):
    scope = "code_phone"


class CodeIpThrottle(_IpThrottle):
    scope = "code_ip"


class SignInPhoneThrottle(_PhoneThrottle):
    scope = "sign_in_phone"


class SignInIpThrottle(_IpThrottle):
    scope = "sign_in_ip"


class ProfileThrottle(_SharedHistory, UserRateThrottle):
    scope = "profile"


class ProfileIpThrottle(_IpThrottle):
    scope = "profile_ip"


class ApplicationThrottle(_SharedHistory, UserRateThrottle):
    scope = "applications"
