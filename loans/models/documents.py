"""The documents a borrower reads and signs, stored as they were shown, and the lender's details
printed on them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kernel.request_memo import forget, remembered
from loans.models.loan import Loan


class DocumentKind(models.TextChoices):
    OFFER = "offer", _("Contract offered (individual conditions)")
    SIGNED = "signed", _("Contract signed (individual conditions)")
    SCHEDULE = "schedule", _("Payment schedule")
    PDN_NOTICE = "pdn_notice", _("Debt load (ПДН) notice")


class ContractDocument(models.Model):
    """One rendering of a document, never changed after it is written.

    `sha256` is the hash of `html`, the canonical rendering the PDF was produced from: the
    one-time code signs it. `pdf_sha256` is the hash of the PDF bytes as served.
    """

    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(max_length=16, choices=DocumentKind.choices)
    template_version = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of the canonical rendering"))
    html = models.TextField(help_text=_("The canonical rendering the PDF was produced from"))
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    terms = models.JSONField(help_text=_("The terms the document states"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["loan", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["loan", "kind", "sha256"], name="contract_document_unique"
            )
        ]
        indexes = [models.Index(fields=["loan", "kind", "created_at"], name="document_loan_kind")]
        verbose_name = _("contract document")
        verbose_name_plural = _("contract documents")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.loan_id} ({self.sha256[:12]})"

    def save(self, *args, **kwargs) -> None:
        # A stored document is evidence: it is written once and never changed.
        if not self._state.adding:
            raise ValidationError("A stored document is never changed")
        super().save(*args, **kwargs)


class LenderDetails(models.Model):
    """The lender as its documents name it: one row, edited by an administrator."""

    full_name = models.CharField(max_length=300)
    short_name = models.CharField(max_length=120)
    ogrn = models.CharField("ОГРН", max_length=13)
    inn = models.CharField("ИНН", max_length=10)
    kpp = models.CharField("КПП", max_length=9)
    registry_number = models.CharField(
        max_length=32, help_text=_("Number in the Bank of Russia's register of МФО")
    )
    address = models.CharField(max_length=300)
    bank_details = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=32)
    email = models.EmailField()
    website = models.CharField(max_length=120)
    signatory = models.CharField(max_length=200, help_text=_("Who signs for the lender"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lender's details")
        verbose_name_plural = _("lender's details")

    def __str__(self) -> str:
        return self.short_name

    def save(self, *args, **kwargs) -> None:
        self.pk = 1  # a singleton: every save writes the one row
        super().save(*args, **kwargs)
        forget(LENDER_DETAILS)

    @classmethod
    def current(cls) -> "LenderDetails":
        """The one row, or the details written by the migration if someone deleted it; read
        once per request (the offer's hash, its contract and the signed one all quote it)."""
        return remembered(LENDER_DETAILS, cls._read)

    @classmethod
    def _read(cls) -> "LenderDetails":
        row = cls.objects.filter(pk=1).first()
        return row if row is not None else cls(pk=1, **DEFAULT_LENDER)


LENDER_DETAILS = "lender_details"
DEFAULT_LENDER = {
    "full_name": "Общество с ограниченной ответственностью микрофинансовая компания «Займер»",
    "short_name": "ООО МФК «Займер»",
    "ogrn": "1234567890123",
    "inn": "7700000000",
    "kpp": "770001001",
    "registry_number": "2120754001243",
    "address": "123112, г. Москва, Пресненская наб., д. 1",
    "bank_details": "р/с 40701810000000000001 в ПАО «Банк», БИК 044525225",
    "phone": "8 800 000-00-00",
    "email": "info@example.ru",
    "website": "example.ru",
    "signatory": "Генеральный директор Петров П. П.",
}
