from django.apps import AppConfig


class ClientApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "clientapi"
    verbose_name = "Borrower API"
