from django.urls import path

from loans import views

app_name = "loans"

urlpatterns = [
    path("<int:pk>.pdf", views.stored_document, name="stored-document"),
    path("loans/<int:loan_id>/<slug:name>.pdf", views.loan_document, name="loan-document"),
]
