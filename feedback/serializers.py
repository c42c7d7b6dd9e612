"""Serializers of the borrower API's surveys and offers (money in kopecks, like the rest)."""

from rest_framework import serializers

from clientapi.serializers import MAX_KOP, CurrencyField
from feedback.models import CSAT_MAX, CSAT_MIN, NPS_MAX, PersonalOffer, Stage, Survey

TEXT_MAX = 2000


class SurveySerializer(serializers.ModelSerializer):
    loan = serializers.IntegerField(source="loan_id")

    class Meta:
        model = Survey
        fields = ["id", "loan", "offered_on", "answered_at", "nps", "csat", "stage", "text"]


class SurveyAnswerSerializer(serializers.Serializer):
    nps = serializers.IntegerField(min_value=0, max_value=NPS_MAX)
    csat = serializers.IntegerField(min_value=CSAT_MIN, max_value=CSAT_MAX)
    stage = serializers.ChoiceField(choices=Stage.choices)
    text = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class PersonalOfferSerializer(serializers.ModelSerializer):
    """`kind` loan: apply on it (accept); `kind` credit_line: a virtual card with the limit
    `amount_limit_kop`, opened by the credit-line action (no product then)."""

    product = serializers.CharField(source="product.code", allow_null=True)
    product_daily_rate_ppm = serializers.IntegerField(
        source="product.daily_rate_ppm", allow_null=True
    )
    currency = CurrencyField()

    class Meta:
        model = PersonalOffer
        fields = [
            "id",
            "kind",
            "product",
            "amount_limit_kop",
            "currency",
            "daily_rate_ppm",
            "product_daily_rate_ppm",
            "valid_until",
            "reason",
        ]


class PersonalOfferAcceptSerializer(serializers.Serializer):
    amount_kop = serializers.IntegerField(min_value=1, max_value=MAX_KOP)
    term_days = serializers.IntegerField(min_value=1, max_value=3650)
    payout_method = serializers.IntegerField(min_value=1, max_value=2**62)
