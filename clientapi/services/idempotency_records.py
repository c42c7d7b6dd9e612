"""The records that make a command idempotent (clientapi.idempotency): claimed, finished
with the answer, or abandoned."""

from django.db import IntegrityError, transaction

from clientapi.models import ClientAccount, IdempotencyRecord


def idempotency_begin(
    *, account: ClientAccount, key: str, request_hash: str
) -> tuple[IdempotencyRecord, bool]:
    """Claim the key, committed at once so a concurrent repeat sees it in flight.

    Returns the record and whether this request claimed it.
    """
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                account=account, key=key, request_hash=request_hash
            )
        return record, True
    except IntegrityError:
        return IdempotencyRecord.objects.get(account=account, key=key), False


def idempotency_finish(*, record: IdempotencyRecord, status: int, body) -> None:
    record.completed = True
    record.response_status = status
    record.response_body = body
    record.save(update_fields=["completed", "response_status", "response_body"])


def idempotency_abandon(*, record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, completed=False).delete()
