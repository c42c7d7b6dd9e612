from django.urls import path, re_path

from desk import servicing_views, views

app_name = "desk"

urlpatterns = [
    path("", views.search, name="search"),
    path("borrowers/<int:borrower_id>/", views.borrower, name="borrower"),
    path("audit/", views.audit, name="audit"),
    re_path(r"^audit\.(?P<fmt>csv|xlsx)$", views.audit_download, name="audit-download"),
    # Servicing moves money: everything under servicing/ asks for the admin's second factor.
    path("servicing/", servicing_views.queue, name="servicing-queue"),
    path("servicing/<int:action_id>/approve/", servicing_views.approve, name="approve"),
    path("servicing/<int:action_id>/reject/", servicing_views.reject, name="reject"),
    path("servicing/loans/<int:loan_id>/", servicing_views.loan_page, name="loan"),
    path(
        "servicing/loans/<int:loan_id>/payment/",
        servicing_views.post_payment,
        name="post-payment",
    ),
    path("servicing/loans/<int:loan_id>/prolong/", servicing_views.prolong, name="prolong"),
    path(
        "servicing/loans/<int:loan_id>/restructure/",
        servicing_views.restructure,
        name="restructure",
    ),
    path("servicing/loans/<int:loan_id>/refund/", servicing_views.propose_refund, name="refund"),
    path(
        "servicing/loans/<int:loan_id>/write-off/",
        servicing_views.propose_write_off,
        name="write-off",
    ),
]
