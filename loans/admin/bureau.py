"""Credit-history reporting in the admin: the events and their submissions per bureau, read
only; a rejected event is corrected (or cancelled) by a new event, a failed one resent."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from kernel.errors import DomainError
from loans import bureau_outbox, bureau_sending
from loans.models import BureauEvent, BureauSubmission, SubmissionStatus


class SubmissionInline(ReadOnlyInline):
    model = BureauSubmission
    fields = ("bureau", "status", "deadline", "attempts", "reason", "last_error", "receipt")
    readonly_fields = fields


@admin.register(BureauEvent)
class BureauEventAdmin(ReadOnlyAdmin):
    list_display = ("pk", "kind", "loan", "credit_line", "credit_uid", "occurred_on", "corrects")
    list_filter = ("kind",)
    search_fields = ("=credit_uid", "=loan__id")
    date_hierarchy = "occurred_on"
    inlines = (SubmissionInline,)


@admin.register(BureauSubmission)
class BureauSubmissionAdmin(ReadOnlyAdmin):
    list_display = ("pk", "bureau", "event", "status", "deadline", "attempts", "reason")
    list_filter = ("status", "bureau")
    list_select_related = ("event",)
    search_fields = ("=event__credit_uid", "reason")
    actions = ("action_correct", "action_cancel", "action_retry")

    def _each(self, request, queryset, call, done_text: str) -> None:
        done = 0
        for submission in queryset.select_related("event"):
            try:
                if call(submission):
                    done += 1
            except DomainError as exc:
                self.message_user(request, f"{submission}: {exc.message}", messages.ERROR)
        self.message_user(request, done_text % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Resend the event as a correction (data as it is now)"))
    def action_correct(self, request, queryset):
        seen: set[int] = set()

        def correct(submission):
            if submission.status != SubmissionStatus.REJECTED or submission.event_id in seen:
                return False
            seen.add(submission.event_id)
            bureau_outbox.event_correct(event=submission.event)
            return True

        self._each(request, queryset, correct, _("%(count)s correction(s) queued"))

    @admin.action(description=gettext_lazy("Cancel the event at the bureaus"))
    def action_cancel(self, request, queryset):
        seen: set[int] = set()

        def cancel(submission):
            if submission.event_id in seen:
                return False
            seen.add(submission.event_id)
            bureau_outbox.event_correct(event=submission.event, cancel=True)
            return True

        self._each(request, queryset, cancel, _("%(count)s cancellation(s) queued"))

    @admin.action(description=gettext_lazy("Send the failed submissions again"))
    def action_retry(self, request, queryset):
        def retry(submission):
            if submission.status != SubmissionStatus.FAILED:
                return False
            bureau_sending.submission_retry(submission=submission)
            return True

        self._each(request, queryset, retry, _("%(count)s submission(s) queued again"))
