"""A debt assigned (цессия, Civil Code art. 382): sold to a buyer at an agreed price."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from loans.models.ledger import JournalEntry


class DebtAssignment(models.Model):
    """The deal that took an overdue loan off the book: the buyer, the agreement, the price and
    the debt it bought; the loan's `assign` transition and its ledger entry go with it."""

    loan = models.OneToOneField(
        "loans.Loan", on_delete=models.PROTECT, related_name="assignment", verbose_name=_("loan")
    )
    assignee = models.CharField(_("buyer of the debt"), max_length=200)
    assignee_inn = models.CharField(_("buyer's ИНН"), max_length=12)
    agreement = models.CharField(_("assignment agreement"), max_length=100)
    price_kop = models.BigIntegerField(_("price"))
    debt_kop = models.BigIntegerField(_("amount of the debt assigned"))
    business_date = models.DateField()
    entry = models.OneToOneField(JournalEntry, on_delete=models.PROTECT, related_name="assignment")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    actor_label = models.CharField(max_length=150, help_text="username or 'system'")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("debt assignment")
        verbose_name_plural = _("debt assignments")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_kop__gt=0, price_kop__lte=models.F("debt_kop")),
                name="debt_assignment_price_within_debt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} → {self.assignee}"
