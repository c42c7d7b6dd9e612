from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its simulator, on the top floor: nothing below imports it."""

    name = "demo"
    verbose_name = "Demo"
