from django.urls import path

from collection import views

app_name = "collection"

urlpatterns = [
    path("cases/<int:case_id>/claim/", views.claim_package, name="claim-package"),
]
