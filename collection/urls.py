from django.urls import path

from collection import views

app_name = "collection"

urlpatterns = [
    path("", views.my_cases, name="cases"),
    path("team/", views.team, name="team"),
    path("cases/<int:case_id>/", views.case_page, name="case"),
    path("cases/<int:case_id>/call/", views.call, name="call"),
    path("cases/<int:case_id>/contacts/", views.log_contact, name="log-contact"),
    path("cases/<int:case_id>/promises/", views.record_promise, name="promise"),
    path("cases/<int:case_id>/messages/", views.send_message, name="message"),
    path("cases/<int:case_id>/restructuring/", views.offer_restructuring, name="restructuring"),
    path("cases/<int:case_id>/legal/", views.hand_over, name="legal"),
    path("cases/<int:case_id>/reassign/", views.reassign, name="reassign"),
    path("cases/<int:case_id>/claim/", views.claim_package, name="claim-package"),
]
