from django.apps import AppConfig


class LoansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "loans"
    verbose_name = "Loans"

    def ready(self) -> None:
        from loans import checks  # noqa: F401 - registers the start-up checks
