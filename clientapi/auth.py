"""Bearer-token authentication for borrowers (tokens are stored hashed)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from clientapi import services


class BorrowerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed()
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed() from exc
        account = services.token_account(key=key)
        if account is None:
            raise exceptions.AuthenticationFailed()
        return account, key

    def authenticate_header(self, request) -> str:
        return self.keyword


class BorrowerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BorrowerTokenAuthentication
    name = "borrowerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token from /auth/token/"}
