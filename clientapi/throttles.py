"""Throttles for codes and sign-in (per phone and per IP) and for applications."""

import re

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class _PhoneThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        phone = request.data.get("phone") if isinstance(request.data, dict) else None
        if not isinstance(phone, str) or not phone:
            return None
        # The last ten digits: +7 916…, 8 916… and 916… are one phone.
        digits = re.sub(r"[^0-9]", "", phone[:64])[-10:]
        return self.cache_format % {"scope": self.scope, "ident": digits or phone[:32]}


class _IpThrottle(SimpleRateThrottle):
    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CodePhoneThrottle(_PhoneThrottle):
    scope = "code_phone"


class CodeIpThrottle(_IpThrottle):
    scope = "code_ip"


class SignInPhoneThrottle(_PhoneThrottle):
    scope = "sign_in_phone"


class SignInIpThrottle(_IpThrottle):
    scope = "sign_in_ip"


class ApplicationThrottle(UserRateThrottle):
    scope = "applications"
