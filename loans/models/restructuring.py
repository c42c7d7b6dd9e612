from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models.loan import Loan

# The plans the core can build (loans.services.loan_restructure checks the same bounds).
MIN_PERIODS, MAX_PERIODS = 1, 24
MIN_PERIOD_DAYS, MAX_PERIOD_DAYS = 7, 31


class RestructuringStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested by the borrower")
    OFFERED = "offered", _("Offered to the borrower")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


OPEN_RESTRUCTURING = (RestructuringStatus.REQUESTED, RestructuringStatus.OFFERED)


class RestructuringRequest(models.Model):
    """A borrower's request to turn an overdue loan into an installment plan."""

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="restructuring_requests")
    periods = models.PositiveSmallIntegerField()
    period_days = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=RestructuringStatus.choices, default=RestructuringStatus.REQUESTED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan"],
                condition=models.Q(status__in=OPEN_RESTRUCTURING),
                name="restructuring_one_open_per_loan",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    periods__gte=MIN_PERIODS,
                    periods__lte=MAX_PERIODS,
                    period_days__gte=MIN_PERIOD_DAYS,
                    period_days__lte=MAX_PERIOD_DAYS,
                ),
                name="restructuring_plan_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"Restructuring of loan #{self.loan_id} ({self.status})"
