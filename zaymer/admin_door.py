"""Staff without the admin (underwriters, collectors) who open /admin/ get the app's refusal,
not Django's admin sign-in page asking them to sign in as somebody else."""

from django.core.exceptions import PermissionDenied


class AdminDoorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            request.path.startswith("/admin/")
            and not request.path.startswith("/admin/logout/")
            and user is not None
            and user.is_authenticated
            and not (user.is_active and user.is_staff)
        ):
            raise PermissionDenied
        return self.get_response(request)
