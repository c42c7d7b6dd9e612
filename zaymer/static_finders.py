"""Django's finder of the apps' static files, leaving out to collectstatic the Redoc bundle of
drf-spectacular-sidecar: the API docs are Swagger UI, and whitenoise would compress a megabyte
nobody loads on every deployment."""

from django.contrib.staticfiles import finders

UNUSED = ["redoc"]


class AppDirectoriesFinder(finders.AppDirectoriesFinder):
    def list(self, ignore_patterns):
        return super().list([*(ignore_patterns or []), *UNUSED])
