"""Serializers of the borrower API: money in integer kopecks with "currency", ISO 8601 times."""

import re
from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clientapi.models import Consent, ConsentKind, PaymentIntent, PayoutDestination
from clientapi.models import PayoutMethodKind as Kind
from loans.models import (
    Borrower,
    IncomingPayment,
    Loan,
    PayoutOrder,
    Product,
    RestructuringRequest,
    ScheduleItem,
)
from loans.models.borrowers import Employment
from loans.models.restructuring import MAX_PERIOD_DAYS, MAX_PERIODS, MIN_PERIOD_DAYS, MIN_PERIODS

CURRENCY = "RUB"
MAX_KOP = 10**13
_CODE_RE = r"^[0-9]{6}$"
PRODUCT_CODE_PATTERN = r"^[-a-zA-Z0-9_]{1,32}$"


@extend_schema_field({"type": "string", "enum": [CURRENCY]})
class CurrencyField(serializers.ReadOnlyField):
    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, value) -> str:
        return CURRENCY


def _kop(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_KOP, **kwargs)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


# --- sign-in -------------------------------------------------------------------------------


# The spelling the schema shows; PhoneField also takes spaces, brackets and hyphens between the
# digits (+7 (916) 123-45-67).
PHONE_PATTERN = r"^(\+7|8)?9[0-9]{9}$"


@extend_schema_field(
    {
        "type": "string",
        "maxLength": 32,
        "pattern": PHONE_PATTERN,
        "example": "+79161234567",
        "description": "+79XXXXXXXXX, 89XXXXXXXXX or 9XXXXXXXXX; spaces, brackets and "
        "hyphens between the digits are accepted too.",
    }
)
class PhoneField(serializers.CharField):
    """A Russian mobile number in any usual spelling, kept as +7XXXXXXXXXX."""

    def __init__(self, **kwargs):
        super().__init__(max_length=32, trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        raw = super().to_internal_value(data)
        digits = re.sub(r"[ ()+-]", "", raw)
        if len(digits) == 11 and digits[0] in "78":
            digits = digits[1:]
        if not (digits.isascii() and digits.isdigit() and len(digits) == 10 and digits[0] == "9"):
            raise serializers.ValidationError(
                "Укажите мобильный номер в формате +79XXXXXXXXX.", code="invalid_phone"
            )
        return f"+7{digits}"


class CodeRequestSerializer(serializers.Serializer):
    phone = PhoneField()


class CodeSentSerializer(serializers.Serializer):
    expires_at = serializers.DateTimeField()


class SignInSerializer(serializers.Serializer):
    phone = PhoneField()
    code = serializers.RegexField(_CODE_RE)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    profile_complete = serializers.BooleanField()


# --- profile and consents ------------------------------------------------------------------


class ProfileSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_code = serializers.CharField(write_only=True, max_length=3)
    declared_income_kop = serializers.IntegerField(min_value=0, max_value=MAX_KOP)
    employment = serializers.ChoiceField(choices=Employment.choices)
    currency = CurrencyField()

    class Meta:
        model = Borrower
        fields = [
            "full_name",
            "birth_date",
            "phone",
            "email",
            "passport_series",
            "passport_number",
            "region",
            "region_code",
            "employment",
            "declared_income_kop",
            "currency",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["phone", "created_at", "updated_at"]
        extra_kwargs = {"full_name": {"min_length": 3}}
        # The service checks the passport against other borrowers, not against this one.
        validators = []

    def validate_birth_date(self, value: date) -> date:
        today = date.today()
        age = today.year - value.year - ((today.month, today.day) < (value.month, value.day))
        if not 18 <= age <= 100:
            raise serializers.ValidationError(
                "Заёмщику должно быть от 18 до 100 лет.", code="invalid_age"
            )
        return value

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        values["region"] = values.pop("region_code")
        return values


class ConsentSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    document_version = serializers.CharField(max_length=32)

    class Meta:
        model = Consent
        fields = ["kind", "document_version", "given_at"]
        read_only_fields = ["given_at"]
        # Uniqueness is the service's business: a repeat consent answers with the first one.
        validators = []


class ConsentDocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ConsentKind.choices)
    document_version = serializers.CharField()
    given_at = serializers.DateTimeField(allow_null=True)


# --- products and the calculator -----------------------------------------------------------


class ProductSerializer(serializers.ModelSerializer):
    daily_rate_percent = serializers.SerializerMethodField()
    currency = CurrencyField()

    class Meta:
        model = Product
        fields = [
            "code",
            "name",
            "kind",
            "min_amount_kop",
            "max_amount_kop",
            "min_term_days",
            "max_term_days",
            "period_days",
            "daily_rate_percent",
            "max_prolongations",
            "prolongation_fee_kop",
            "repeat_only",
            "currency",
        ]

    def get_daily_rate_percent(self, product: Product) -> str:
        return f"{product.daily_rate * 100:.4f}"


class CalculatorRequestSerializer(serializers.Serializer):
    product = serializers.RegexField(PRODUCT_CODE_PATTERN, max_length=32)
    amount_kop = _kop()
    term_days = serializers.IntegerField(min_value=1, max_value=3650)


class InstallmentSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    due_date = serializers.DateField()
    principal_kop = serializers.IntegerField()
    interest_kop = serializers.IntegerField()
    total_kop = serializers.IntegerField()


class QuoteSerializer(serializers.Serializer):
    product = serializers.CharField(source="product.code")
    amount_kop = serializers.IntegerField(source="principal_kop")
    term_days = serializers.IntegerField()
    issue_date = serializers.DateField()
    schedule = InstallmentSerializer(source="items", many=True)
    total_kop = serializers.IntegerField()
    psk_percent = serializers.DecimalField(source="psk.percent", max_digits=8, decimal_places=3)
    psk_kop = serializers.IntegerField(source="psk.amount_kop")
    currency = CurrencyField()


class OfferSerializer(QuoteSerializer):
    document_hash = serializers.CharField(
        help_text="SHA-256 of the contract's canonical rendering: what the signing code signs"
    )
    pdn_notice_required = serializers.BooleanField(
        help_text="The debt load is above 50 %: read /pdn-notice/ and acknowledge it to sign"
    )


# --- payout methods ------------------------------------------------------------------------


class PayoutMethodCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    token = serializers.CharField(max_length=128, required=False)
    last4 = serializers.CharField(max_length=4, required=False)
    exp_month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    exp_year = serializers.IntegerField(min_value=2000, max_value=9999, required=False)
    account = serializers.CharField(max_length=20, required=False)
    bik = serializers.CharField(max_length=9, required=False)

    _required = {
        Kind.CARD: ("token", "last4", "exp_month", "exp_year"),
        Kind.BANK_ACCOUNT: ("account", "bik"),
    }

    def validate(self, attrs):
        for name in self._required[attrs["kind"]]:
            if name not in attrs:
                raise serializers.ValidationError(
                    {name: [serializers.ErrorDetail("Обязательное поле.", code="required")]}
                )
        return attrs


class PayoutMethodSerializer(serializers.ModelSerializer):
    last4 = serializers.SerializerMethodField()

    class Meta:
        model = PayoutDestination
        fields = ["id", "kind", "last4", "card_exp_month", "card_exp_year", "bik", "created_at"]

    def get_last4(self, destination: PayoutDestination) -> str:
        if destination.kind == Kind.CARD:
            return destination.card_last4
        return destination.account_number[-4:]


# --- applications --------------------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    product = serializers.RegexField(PRODUCT_CODE_PATTERN, max_length=32)
    amount_kop = _kop()
    term_days = serializers.IntegerField(min_value=1, max_value=3650)
    payout_method = serializers.IntegerField(min_value=1, max_value=2**62)
    first_due_date = serializers.DateField(
        required=False,
        help_text="An installment loan's first payment date (e.g. the payday), within the "
        "product's first-period limits counted from today's business date",
    )


class ApplicationSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")
    approved_amount_kop = serializers.IntegerField(source="principal_kop", allow_null=True)
    approved_term_days = serializers.IntegerField(source="term_days", allow_null=True)
    next_action = serializers.SerializerMethodField()
    currency = CurrencyField()

    class Meta:
        model = Loan
        fields = [
            "id",
            "status",
            "next_action",
            "product",
            "requested_amount_kop",
            "requested_term_days",
            "approved_amount_kop",
            "approved_term_days",
            "applied_at",
            "signed_at",
            "currency",
        ]

    def get_next_action(self, loan: Loan) -> str:
        """What the app should do now: sign, wait (poll), choose_payout, or none."""
        if loan.status == "approved":
            return "sign" if loan.signed_at is None else "choose_payout"
        if loan.status in ("applied", "scored", "in_review", "disbursed"):
            return "wait"
        return "none"


class ApplicationDetailSerializer(ApplicationSerializer):
    offer = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "offer"]

    @extend_schema_field(OfferSerializer(allow_null=True))
    def get_offer(self, loan: Loan):
        offer = self.context.get("offer")
        return OfferSerializer(offer).data if offer else None


class SignSerializer(serializers.Serializer):
    code = serializers.RegexField(_CODE_RE)
    payout_method = serializers.IntegerField(
        min_value=1,
        max_value=2**62,
        required=False,
        help_text="Where the money goes; required when the application named none "
        "(one made by staff), otherwise it replaces the one chosen",
    )
    pdn_notice_acknowledged = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The borrower read the notice of a debt load above 50 % (needed then)",
    )


class PayoutRetrySerializer(serializers.Serializer):
    payout_method = serializers.IntegerField(min_value=1, max_value=2**62)


class PayoutOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = PayoutOrder
        fields = ["attempt", "method", "status", "amount_kop", "created_at", "updated_at"]


class SignedSerializer(serializers.Serializer):
    application = ApplicationSerializer(source="loan")
    payout = PayoutOrderSerializer(source="*")


# --- loans ---------------------------------------------------------------------------------


class ScheduleItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScheduleItem
        fields = ["seq", "due_date", "principal_kop", "interest_kop", "arrears_kop", "total_kop"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = IncomingPayment
        fields = ["id", "amount_kop", "business_date", "received_at"]


class BalancesSerializer(serializers.Serializer):
    principal_kop = serializers.IntegerField(source="principal_out_kop")
    interest_kop = serializers.IntegerField(source="interest_out_kop")
    penalty_kop = serializers.IntegerField(source="penalty_out_kop")
    fees_kop = serializers.IntegerField(source="fees_out_kop")
    overpayment_kop = serializers.IntegerField()
    total_kop = serializers.IntegerField(source="debt_kop")
    currency = CurrencyField()


class LoanSerializer(serializers.ModelSerializer):
    product = serializers.CharField(source="product.code")
    debt_kop = serializers.IntegerField()
    currency = CurrencyField()

    class Meta:
        model = Loan
        fields = [
            "id",
            "status",
            "product",
            "principal_kop",
            "term_days",
            "signed_at",
            "issue_date",
            "next_due_date",
            "maturity_date",
            "days_past_due",
            "debt_kop",
            "psk_percent",
            "psk_kop",
            "currency",
        ]


class LoanDetailSerializer(LoanSerializer):
    balances = BalancesSerializer(source="*")
    schedule = serializers.SerializerMethodField()
    payments = serializers.SerializerMethodField()
    payouts = PayoutOrderSerializer(many=True)

    class Meta(LoanSerializer.Meta):
        fields = [
            *LoanSerializer.Meta.fields,
            "prolongations",
            "max_prolongations",
            "restructured",
            "balances",
            "schedule",
            "payments",
            "payouts",
        ]

    @extend_schema_field(ScheduleItemSerializer(many=True))
    def get_schedule(self, loan: Loan):
        return ScheduleItemSerializer(self.context["schedule"], many=True).data

    @extend_schema_field(PaymentSerializer(many=True))
    def get_payments(self, loan: Loan):
        return PaymentSerializer(self.context["payments"], many=True).data


class PlanItemSerializer(InstallmentSerializer):
    arrears_kop = serializers.IntegerField(help_text="Earlier charges this installment pays")


class RestructuringCreateSerializer(serializers.Serializer):
    periods = serializers.IntegerField(min_value=MIN_PERIODS, max_value=MAX_PERIODS)
    period_days = serializers.IntegerField(
        min_value=MIN_PERIOD_DAYS, max_value=MAX_PERIOD_DAYS, default=14
    )


class RestructuringSerializer(serializers.ModelSerializer):
    """The request and the plan it would give today (the offer may differ)."""

    loan = serializers.IntegerField(source="loan_id")
    schedule = serializers.SerializerMethodField()
    total_kop = serializers.SerializerMethodField()
    currency = CurrencyField()

    class Meta:
        model = RestructuringRequest
        fields = [
            "id",
            "loan",
            "status",
            "periods",
            "period_days",
            "created_at",
            "schedule",
            "total_kop",
            "currency",
        ]

    @extend_schema_field(PlanItemSerializer(many=True))
    def get_schedule(self, request: RestructuringRequest):
        items, arrears = self.context["plan"]
        rows = [
            {**item.__dict__, "arrears_kop": share, "total_kop": item.total_kop + share}
            for item, share in zip(items, arrears, strict=True)
        ]
        return PlanItemSerializer(rows, many=True).data

    def get_total_kop(self, request: RestructuringRequest) -> int:
        items, arrears = self.context["plan"]
        return sum(item.total_kop for item in items) + sum(arrears)


class RepaymentQuoteSerializer(serializers.Serializer):
    on = serializers.DateField()
    full_repayment_kop = serializers.IntegerField()
    next_payment_kop = serializers.IntegerField(allow_null=True)
    next_due_date = serializers.DateField(allow_null=True)
    currency = CurrencyField()


class RepaymentCreateSerializer(serializers.Serializer):
    amount_kop = _kop()


class ProlongationRequestSerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365)


class ProlongationQuoteSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    pay_kop = serializers.IntegerField()
    fee_kop = serializers.IntegerField()
    interest_kop = serializers.IntegerField()
    new_due_date = serializers.DateField()
    currency = CurrencyField()


class PaymentIntentSerializer(serializers.ModelSerializer):
    """A payment started at the provider, for a loan or for a credit line (the other is null)."""

    payment_id = serializers.UUIDField(source="pk")
    loan = serializers.IntegerField(source="loan_id", allow_null=True)
    credit_line = serializers.IntegerField(source="credit_line_id", allow_null=True)
    currency = CurrencyField()

    class Meta:
        model = PaymentIntent
        fields = [
            "payment_id",
            "loan",
            "credit_line",
            "purpose",
            "amount_kop",
            "prolongation_days",
            "status",
            "confirmation_url",
            "created_at",
            "currency",
        ]


# --- provider webhooks ---------------------------------------------------------------------


class WebhookSerializer(serializers.Serializer):
    event_id = serializers.CharField(max_length=100)
    type = serializers.ChoiceField(
        choices=["payout.succeeded", "payout.failed", "payment.succeeded"]
    )
    data = serializers.DictField()


class PayoutEventDataSerializer(serializers.Serializer):
    payout_key = serializers.CharField(max_length=40)
    reference = serializers.CharField(max_length=64, required=False, default="")
    reason = serializers.CharField(max_length=200, required=False, default="")


class PaymentEventDataSerializer(serializers.Serializer):
    payment_id = serializers.UUIDField()
    amount_kop = _kop()
    # The provider settles in roubles only; an event in another currency is refused, unbooked.
    currency = serializers.ChoiceField(choices=["RUB"], required=False, default="RUB")


class WebhookAnswerSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["applied", "duplicate"])
