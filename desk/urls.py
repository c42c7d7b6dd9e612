from django.urls import path, re_path

from desk import views

app_name = "desk"

urlpatterns = [
    path("", views.search, name="search"),
    path("borrowers/<int:borrower_id>/", views.borrower, name="borrower"),
    path("audit/", views.audit, name="audit"),
    re_path(r"^audit\.(?P<fmt>csv|xlsx)$", views.audit_download, name="audit-download"),
]
