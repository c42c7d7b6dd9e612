from django.apps import AppConfig
from django.contrib.staticfiles.apps import StaticFilesConfig as DjangoStaticFilesConfig


class StaticFilesConfig(DjangoStaticFilesConfig):
    """collectstatic as Django's, leaving out the unused Redoc bundle of drf-spectacular-sidecar
    (a megabyte that whitenoise would compress on every deployment)."""

    ignore_patterns = [*DjangoStaticFilesConfig.ignore_patterns, "redoc"]


class ZaymerConfig(AppConfig):
    """The top floor: cross-app wiring (the lifecycle pipeline, dashboards, schedules)."""

    name = "zaymer"
    verbose_name = "Zaymer back office"

    def ready(self) -> None:
        from django_q.signals import post_execute_in_worker, pre_enqueue, pre_execute

        from zaymer import observability

        pre_enqueue.connect(observability.carry_request_id, dispatch_uid="zaymer-request-id")
        pre_execute.connect(observability.task_started, dispatch_uid="zaymer-task-started")
        post_execute_in_worker.connect(
            observability.task_finished, dispatch_uid="zaymer-task-finished"
        )
