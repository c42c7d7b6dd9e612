from django.apps import AppConfig


class ZaymerConfig(AppConfig):
    """The top floor: cross-app wiring (the lifecycle pipeline, dashboards, schedules)."""

    name = "zaymer"
    verbose_name = "Zaymer back office"
