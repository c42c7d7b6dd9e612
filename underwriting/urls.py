from django.urls import path

from underwriting import views

app_name = "underwriting"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("take-next/", views.take_next, name="take-next"),
    path("tasks/<int:task_id>/", views.task, name="task"),
    path("tasks/<int:task_id>/claim/", views.claim, name="claim"),
    path("tasks/<int:task_id>/release/", views.release, name="release"),
    path("tasks/<int:task_id>/approve/", views.approve, name="approve"),
    path("tasks/<int:task_id>/approve/preview/", views.approve_preview, name="approve-preview"),
    path("tasks/<int:task_id>/decline/", views.decline, name="decline"),
    path("tasks/<int:task_id>/request-document/", views.request_document, name="request-document"),
    path(
        "tasks/<int:task_id>/document-received/", views.document_received, name="document-received"
    ),
    path("tasks/<int:task_id>/heartbeat/", views.heartbeat, name="heartbeat"),
]
