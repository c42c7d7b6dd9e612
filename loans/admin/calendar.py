"""The production calendar in the admin: the administrator's overrides over the `holidays`
library, and which years no decree confirms yet."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loans.business_date import current_business_date
from loans.models import CalendarOverride
from loans.workdays import calendar_for, library_is_working, unconfirmed_years


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ("day", "weekday", "is_working", "library_says", "name", "decree", "entered_at")
    list_filter = ("is_working",)
    search_fields = ("name", "decree")
    date_hierarchy = "day"
    readonly_fields = ("entered_at",)

    @admin.display(description=gettext_lazy("weekday"))
    def weekday(self, row: CalendarOverride) -> str:
        return row.day.strftime("%a")

    @admin.display(description=gettext_lazy("the library says"), boolean=True)
    def library_says(self, row: CalendarOverride) -> bool:
        return library_is_working(row.day)

    def changelist_view(self, request, extra_context=None):
        today = current_business_date()
        years = unconfirmed_years(today, today + timedelta(days=366))
        if years:
            messages.warning(
                request,
                _(
                    "The production calendar for %(years)s is unconfirmed: neither the library "
                    "nor an override knows the decree on transferred days, so only the Labour "
                    "Code's holidays are off. Enter the decree's days here when it is published."
                )
                % {"years": ", ".join(str(year) for year in years)},
            )
        confirmed = [
            str(year)
            for year in range(today.year, today.year + 2)
            if calendar_for(today).year_confirmed(year)
        ]
        if confirmed:
            messages.info(
                request,
                _("Confirmed calendar years: %(years)s") % {"years": ", ".join(confirmed)},
            )
        return super().changelist_view(request, extra_context)
