"""django-q2 task functions of collection: thin, they call the services."""

from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from collection import services
from collection.errors import ContactRefused
from collection.models import PreCollectionReminder, ReminderStatus

REMINDER_BODY = (
    "Займер: напоминаем, что {due} наступает дата платежа по займу. Оплатить можно в приложении."
)


def send_planned_reminders(*, now=None) -> str:
    """Send every planned reminder whose moment has come, each through the contact rules."""
    now = now or timezone.now()
    due = PreCollectionReminder.objects.filter(
        status=ReminderStatus.PLANNED, send_at__lte=now
    ).select_related("loan__borrower")
    sent = refused = 0
    for reminder in due:
        try:
            services.message_send(
                case_or_borrower=reminder.loan.borrower,
                kind="reminder",
                body=REMINDER_BODY.format(due=reminder.due_date.strftime("%d.%m.%Y")),
                at=now,
            )
        except ContactRefused as exc:
            reminder.status, reminder.reason = ReminderStatus.REFUSED, exc.message[:300]
            refused += 1
        else:
            reminder.status = ReminderStatus.SENT
            sent += 1
        reminder.save(update_fields=["status", "reason"])
    return f"sent {sent}, refused {refused}"


def schedule_reminder_sending() -> int:
    """One django-q2 run of `send_planned_reminders` at each future moment reminders wait for
    (a handful: the borrowers' time zones)."""
    moments = (
        PreCollectionReminder.objects.filter(status=ReminderStatus.PLANNED)
        .values_list("send_at", flat=True)
        .distinct()
    )
    created = 0
    with transaction.atomic():
        for moment in moments:
            name = f"collection-reminders-{moment.isoformat()}"
            _, made = Schedule.objects.get_or_create(
                name=name,
                defaults={
                    "func": "collection.tasks.send_planned_reminders",
                    "schedule_type": Schedule.ONCE,
                    "repeats": 1,
                    "next_run": max(moment, timezone.now()),
                },
            )
            created += made
    return created
