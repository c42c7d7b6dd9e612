"""Bearer-token authentication for borrowers (tokens are stored hashed)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from clientapi.errors import ApiError
from clientapi.services import tokens


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
        account = tokens.token_account(key=key)
        if account is None:
            raise exceptions.AuthenticationFailed()
        return account, key

    def authenticate_header(self, request) -> str:
        return self.keyword


class StaffTokenAuthentication(BorrowerTokenAuthentication):
    """A staff user's bearer token (`manage.py staff_token`) on the staff API.

    A borrower's token there is recognised and refused as such (403 `staff_only`) rather than
    taken for a missing sign-in; any other header is left to the other authenticators.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if len(header) != 2 or header[0].lower() != self.keyword.lower().encode():
            return None
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            return None
        user = tokens.staff_token_user(key=key)
        if user is not None:
            return user, key
        if tokens.token_account(key=key) is not None:
            raise ApiError("staff_only", status_code=403)
        return None

    def authenticate_header(self, request) -> None:
        # Staff endpoints answer 403 to a missing sign-in, as the session authenticator does.
        return None


class BorrowerTokenScheme(OpenApiAuthenticationExtension):
    target_class = BorrowerTokenAuthentication
    name = "borrowerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token from /auth/token/"}


class StaffTokenScheme(OpenApiAuthenticationExtension):
    target_class = StaffTokenAuthentication
    name = "staffToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "manage.py staff_token"}
