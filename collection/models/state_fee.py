"""The state fee scale of the Tax Code (art. 333.19 p. 1 sub. 1), editable by staff."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StateFeeBracket(models.Model):
    """One step of the scale for claims of a property nature: a claim above `over_kop` pays
    `base_kop` plus `percent` of the amount above `over_kop` (at most `max_fee_kop`).

    Effective-dated: the scale in force on the filing date is the one with the latest
    `valid_from` not after it (REGULATION.md: the amounts changed in 2024).
    """

    valid_from = models.DateField()
    over_kop = models.BigIntegerField(help_text=_("The claim above this amount"))
    base_kop = models.BigIntegerField(help_text=_("Fixed part of the fee"))
    percent = models.DecimalField(
        max_digits=6, decimal_places=3, help_text=_("Per cent of the amount above the lower bound")
    )
    max_fee_kop = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from", "over_kop"]
        constraints = [
            models.UniqueConstraint(fields=["valid_from", "over_kop"], name="state_fee_step")
        ]
        verbose_name = _("state fee bracket")
        verbose_name_plural = _("state fee scale")

    def __str__(self) -> str:
        return f"{self.valid_from}: > {self.over_kop / 100:.0f} ₽"
