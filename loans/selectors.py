"""Reads of the loan book that views and the API share."""

from django.db.models import QuerySet

from loans.models import Borrower, IncomingPayment, Loan, ScheduleItem


def borrower_loans(*, borrower: Borrower) -> QuerySet[Loan]:
    return Loan.objects.filter(borrower=borrower).select_related("product").order_by("-pk")


def current_schedule(*, loan: Loan) -> QuerySet[ScheduleItem]:
    return ScheduleItem.objects.filter(loan=loan, version=loan.schedule_version).order_by("seq")


def loan_payments(*, loan: Loan) -> QuerySet[IncomingPayment]:
    return IncomingPayment.objects.filter(loan=loan).order_by("received_at", "pk")
