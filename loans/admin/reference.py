"""The reference data in the admin: regions, products, the regulation's limits and the market
average ПСК."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from loans.admin.display import percent_per_day, rub
from loans.models import MarketAveragePsk, Product, Region, RegulationLimit


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "time_zone", "average_income")
    search_fields = ("code", "name")

    @admin.display(description="average income / month", ordering="average_income_kop")
    def average_income(self, obj):
        return rub(obj.average_income_kop)


@admin.register(Product)
class ProductAdmin(SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "amounts",
        "terms",
        "daily_rate",
        "period_days",
        "max_prolongations",
        "repeat_only",
        "is_active",
    )
    list_filter = ("kind", "repeat_only", "is_active")
    search_fields = ("code", "name")

    @admin.display(description="amount")
    def amounts(self, obj):
        return f"{rub(obj.min_amount_kop)} – {rub(obj.max_amount_kop)}"

    @admin.display(description="term, days")
    def terms(self, obj):
        return f"{obj.min_term_days}–{obj.max_term_days}"

    @admin.display(description="daily rate", ordering="daily_rate_ppm")
    def daily_rate(self, obj):
        return percent_per_day(obj.daily_rate_ppm)


@admin.register(RegulationLimit)
class RegulationLimitAdmin(admin.ModelAdmin):
    list_display = (
        "valid_from",
        "valid_to",
        "max_daily_rate",
        "max_psk_percent",
        "market_psk_check_enabled",
        "charges_cap_multiplier",
        "high_psk_threshold_percent",
        "max_high_psk_loans",
        "cooling_off_days",
        "confirmed",
    )
    list_filter = ("confirmed", "market_psk_check_enabled")

    @admin.display(description="max daily rate", ordering="max_daily_rate_ppm")
    def max_daily_rate(self, obj):
        return percent_per_day(obj.max_daily_rate_ppm)


@admin.register(MarketAveragePsk)
class MarketAveragePskAdmin(admin.ModelAdmin):
    list_display = ("category", "valid_from", "average_percent")
    list_filter = ("category",)
