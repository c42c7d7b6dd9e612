"""The borrower's virtual card (a revolving credit line): limit, balances, draws, statements,
repayments. Money in integer kopecks with "currency"; another borrower's line is not found.

A repayment is paid through the payment provider, as on a loan: the command starts a payment
intent and answers its `confirmation_url`; the provider's signed `payment.succeeded` webhook
applies the money to the card (`clientapi.services.webhooks.webhook_apply`), once per provider
event.
A transfer is paid out through the gateway; its draw shows it sent, paid or failed (a failed
transfer is reversed: the card owes nothing for it).
"""

import hashlib

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cards import accrual as card_accrual
from cards import selectors as card_selectors
from cards import services as credit_lines
from cards.models import CreditLine, CreditLineDraw, CreditLineStatement, DrawKind, TransferStatus
from clientapi.api import (
    IDEMPOTENCY_PARAMETER,
    BorrowerApi,
    errors,
    own_payout_destination,
    valid,
)
from clientapi.idempotency import HEADER, idempotent
from clientapi.serializers import (
    MAX_KOP,
    CurrencyField,
    PaymentIntentSerializer,
    RepaymentCreateSerializer,
)
from clientapi.services import payments


class CreditLineSerializer(serializers.ModelSerializer):
    principal_kop = serializers.IntegerField(source="principal_out_kop")
    interest_kop = serializers.IntegerField(source="interest_out_kop")
    penalty_kop = serializers.IntegerField(source="penalty_out_kop")
    debt_kop = serializers.IntegerField()
    available_kop = serializers.IntegerField()
    currency = CurrencyField()

    class Meta:
        model = CreditLine
        fields = [
            "id",
            "status",
            "limit_kop",
            "available_kop",
            "principal_kop",
            "interest_kop",
            "penalty_kop",
            "debt_kop",
            "currency",
            "daily_rate_ppm",
            "psk_percent",
            "opened_on",
        ]


class CreditLineDetailSerializer(CreditLineSerializer):
    full_repayment_kop = serializers.SerializerMethodField()
    next_minimum_payment_kop = serializers.SerializerMethodField()
    next_due_date = serializers.SerializerMethodField()

    class Meta(CreditLineSerializer.Meta):
        fields = [
            *CreditLineSerializer.Meta.fields,
            "psk_kop",
            "statement_day",
            "overdue_kop",
            "days_past_due",
            "full_repayment_kop",
            "next_minimum_payment_kop",
            "next_due_date",
        ]

    def _minimum(self, line: CreditLine):
        if "minimum" not in self.context:
            self.context["minimum"] = card_selectors.credit_line_minimum_payment(credit_line=line)
        return self.context["minimum"]

    def get_full_repayment_kop(self, line: CreditLine) -> int:
        """What repays the card in full today, today's interest included."""
        return card_accrual.credit_line_repayment_quote_kop(credit_line=line)

    def get_next_minimum_payment_kop(self, line: CreditLine) -> int:
        return self._minimum(line).amount_kop

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_due_date(self, line: CreditLine):
        """Empty while nothing is due, or when the minimum is already overdue (pay now)."""
        due = self._minimum(line).due_date
        return due.isoformat() if due else None


class DrawSerializer(serializers.ModelSerializer):
    currency = CurrencyField()
    transfer_status = serializers.ChoiceField(
        source="transfer.status",
        choices=TransferStatus.choices,
        read_only=True,
        allow_null=True,
        help_text="Transfers: sent, pending (the gateway is asked again), paid or failed; "
        "a failed transfer is reversed and owes nothing. Empty for purchases.",
    )
    transfer_failure_reason = serializers.CharField(
        source="transfer.failure_reason", read_only=True, allow_null=True
    )

    class Meta:
        model = CreditLineDraw
        fields = [
            "id",
            "kind",
            "amount_kop",
            "currency",
            "merchant",
            "description",
            "business_date",
            "created_at",
            "transfer_status",
            "transfer_failure_reason",
        ]


class DrawCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DrawKind.choices)
    amount_kop = serializers.IntegerField(min_value=1, max_value=MAX_KOP)
    merchant = serializers.CharField(
        max_length=120, required=False, default="", allow_blank=True, help_text="Purchases"
    )
    description = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True
    )
    payout_method = serializers.IntegerField(
        min_value=1, max_value=2**62, required=False, help_text="Transfers: where the money goes"
    )

    def validate(self, attrs):
        if attrs["kind"] == DrawKind.PURCHASE and not attrs.get("merchant", "").strip():
            raise serializers.ValidationError({"merchant": "A purchase names its merchant."})
        if attrs["kind"] == DrawKind.TRANSFER and "payout_method" not in attrs:
            raise serializers.ValidationError(
                {"payout_method": "A transfer names the payout method it goes to."}
            )
        return attrs


class StatementSerializer(serializers.ModelSerializer):
    currency = CurrencyField()

    class Meta:
        model = CreditLineStatement
        fields = [
            "id",
            "period_start",
            "period_end",
            "opening_balance_kop",
            "draws_kop",
            "interest_kop",
            "penalty_kop",
            "payments_kop",
            "closing_balance_kop",
            "minimum_payment_kop",
            "due_date",
            "paid_kop",
            "status",
            "currency",
        ]


def credit_line_response(line: CreditLine, *, status_code=status.HTTP_200_OK) -> Response:
    return Response(CreditLineDetailSerializer(line).data, status=status_code)


def _command_key(request) -> str:
    """The domain's own idempotency key for this command: the account and its header."""
    digest = hashlib.sha256(request.headers.get(HEADER, "").encode()).hexdigest()[:40]
    return f"api:{request.user.pk}:{digest}"


class CreditLineViewSet(BorrowerApi, viewsets.GenericViewSet):
    serializer_class = CreditLineSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CreditLine.objects.none()
        return card_selectors.borrower_credit_lines(borrower=self.request.user.borrower)

    def _line(self) -> CreditLine:
        pk = self.kwargs["pk"]
        line = self.get_queryset().filter(pk=pk).first() if str(pk).isdigit() else None
        if line is None:
            raise Http404
        return line

    @extend_schema(responses={200: CreditLineSerializer(many=True), **errors()})
    def list(self, request):
        """The borrower's cards: limit, what is available and what is owed."""
        return Response(CreditLineSerializer(self.get_queryset(), many=True).data)

    @extend_schema(responses={200: CreditLineDetailSerializer, **errors()})
    def retrieve(self, request, pk=None):
        """Limit, available, balances, today's full repayment, the next minimum payment."""
        return credit_line_response(self._line())

    @extend_schema(
        request=DrawCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: DrawSerializer, **errors(409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def draws(self, request, pk=None):
        """Use the limit: a card purchase, or a transfer to one of your payout methods.
        Refused above the available limit, or while the card is frozen or overdue."""
        data = valid(DrawCreateSerializer, request.data)
        line = self._line()
        reference, method, payout_destination = "", "", None
        if data["kind"] == DrawKind.TRANSFER:
            destination = own_payout_destination(request.user, data["payout_method"])
            reference = f"{destination.kind}:{destination.pk}"
            method, payout_destination = destination.kind, destination.destination()
        draw = credit_lines.credit_line_draw(
            credit_line=line,
            kind=data["kind"],
            amount_kop=data["amount_kop"],
            idempotency_key=_command_key(request),
            merchant=data.get("merchant", ""),
            description=data.get("description", ""),
            payout_reference=reference,
            payout_method=method,
            payout_destination=payout_destination,
        )
        return Response(DrawSerializer(draw).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DrawSerializer(many=True), **errors()})
    @draws.mapping.get
    def draw_list(self, request, pk=None):
        """The card's draws, newest first; a transfer shows whether it was paid out."""
        rows = card_selectors.credit_line_draws(credit_line=self._line())
        return Response(DrawSerializer(rows.select_related("transfer"), many=True).data)

    @extend_schema(responses={200: StatementSerializer(many=True), **errors()})
    @action(detail=True, methods=["get"])
    def statements(self, request, pk=None):
        """Monthly statements, newest first, with each minimum payment and its due date."""
        rows = card_selectors.credit_line_statements(credit_line=self._line())
        return Response(StatementSerializer(rows, many=True).data)

    @extend_schema(
        request=RepaymentCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: PaymentIntentSerializer, **errors(409, 422)},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def repayments(self, request, pk=None):
        """Start a repayment at the payment provider; open `confirmation_url` to pay. Up to the
        full repayment of today; once paid, interest goes first, then principal."""
        data = valid(RepaymentCreateSerializer, request.data)
        intent = payments.credit_line_repayment_start(
            account=request.user, credit_line=self._line(), amount_kop=data["amount_kop"]
        )
        return Response(PaymentIntentSerializer(intent).data, status=status.HTTP_201_CREATED)
