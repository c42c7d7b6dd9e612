from django.apps import AppConfig


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
