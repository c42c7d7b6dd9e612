"""The borrower message outbox: enqueue, delivery through the SMS gateway, retries, admin."""

import logging

import pytest
from django.urls import reverse

from loans import messaging, tasks
from loans.messaging import MAX_ATTEMPTS, SandboxSmsGateway, SmsError
from loans.models import BorrowerMessage, MessageStatus
from tests.factories import BorrowerFactory

CODE_BODY = "Код 482913 для входа в Займер. Никому не сообщайте его."


@pytest.fixture(autouse=True)
def _sandbox_sms():
    SandboxSmsGateway.reset()
    yield
    SandboxSmsGateway.reset()


def _code_message(phone: str = "+79161234567") -> BorrowerMessage:
    return messaging.message_enqueue(phone=phone, kind="code_sign_in", body=CODE_BODY)


def test_a_queued_message_is_sent_once(db):
    borrower = BorrowerFactory()
    message = messaging.message_enqueue(
        borrower=borrower, phone=borrower.phone, kind="reminder", body="Платёж завтра"
    )
    assert (message.status, message.attempts, message.borrower) == ("queued", 0, borrower)

    assert messaging.deliver_queued() == {"sent": 1, "queued": 0, "failed": 0}
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, "")
    assert message.sent_at is not None and message.gateway_ref.startswith("sms-")

    assert messaging.deliver_queued() == {"sent": 0, "queued": 0, "failed": 0}
    assert SandboxSmsGateway.sent_keys() == [f"message-{message.pk}"]


def test_a_failed_attempt_is_retried_until_the_attempts_run_out(db):
    message = _code_message()
    SandboxSmsGateway.queue_outcomes(*["fail"] * MAX_ATTEMPTS)
    for attempt in range(1, MAX_ATTEMPTS):
        assert messaging.deliver_queued()["queued"] == 1
        message.refresh_from_db()
        assert (message.status, message.attempts) == ("queued", attempt)
        assert "operator rejected" in message.last_error
    assert messaging.deliver_queued()["failed"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("failed", MAX_ATTEMPTS, None)

    assert messaging.deliver_queued() == {"sent": 0, "queued": 0, "failed": 0}
    message.refresh_from_db()
    assert message.attempts == MAX_ATTEMPTS
    assert SandboxSmsGateway.sent_keys() == []


def test_one_failure_does_not_stop_the_batch(db):
    first, second = _code_message(), _code_message("+79160000002")
    SandboxSmsGateway.queue_outcomes("fail")
    assert messaging.deliver_queued() == {"sent": 1, "queued": 1, "failed": 0}
    assert BorrowerMessage.objects.get(pk=first.pk).status == MessageStatus.QUEUED
    assert BorrowerMessage.objects.get(pk=second.pk).status == MessageStatus.SENT


def test_a_message_no_longer_queued_is_not_sent_again(db):
    message = _code_message()
    BorrowerMessage.objects.filter(pk=message.pk).update(status=MessageStatus.SENT)
    gateway = SandboxSmsGateway()
    assert messaging.message_deliver(message_id=message.pk, gateway=gateway) is None
    assert SandboxSmsGateway.sent_keys() == []


class QuotingGateway:
    """A gateway whose errors quote the message they were given."""

    def send(self, *, key: str, phone: str, body: str) -> str:
        raise SmsError(f"rejected {phone}: {body}")


def test_codes_never_reach_the_log_or_the_stored_error(db, settings, caplog):
    settings.SMS_GATEWAY = "tests.loans.test_messaging.QuotingGateway"
    caplog.set_level(logging.DEBUG)
    message = _code_message()
    assert messaging.deliver_queued()["queued"] == 1
    message.refresh_from_db()
    assert "482913" not in message.last_error
    assert message.last_error.startswith("SmsError: rejected")
    assert f"message {message.pk} (code_sign_in): attempt 1 failed with SmsError" in caplog.text
    assert "482913" not in caplog.text


def test_the_task_delivers_and_reports(db):
    _code_message()
    assert tasks.deliver_messages() == "sent 1, queued 0, failed 0"
    assert BorrowerMessage.objects.get().status == MessageStatus.SENT


# --- admin ---------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True])
def test_admin_shows_a_code_only_in_debug(admin_client, settings, debug):
    settings.DEBUG = debug
    code = _code_message()
    reminder = messaging.message_enqueue(phone="+79161234567", kind="reminder", body="Срок 1234")
    pages = [
        admin_client.get(reverse("admin:loans_borrowermessage_changelist")),
        admin_client.get(reverse("admin:loans_borrowermessage_change", args=[code.pk])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert ("482913" in page.content.decode()) is debug
        assert ("Код •••••• для входа" in page.content.decode()) is not debug
    assert "Срок 1234" in pages[0].content.decode()
    reminder_page = admin_client.get(
        reverse("admin:loans_borrowermessage_change", args=[reminder.pk])
    )
    assert "Срок 1234" in reminder_page.content.decode()


def test_the_outbox_admin_is_read_only(admin_client):
    message = _code_message()
    assert admin_client.get(reverse("admin:loans_borrowermessage_add")).status_code == 403
    change = reverse("admin:loans_borrowermessage_change", args=[message.pk])
    admin_client.post(change, {"body": "changed", "status": "sent"})
    delete = reverse("admin:loans_borrowermessage_delete", args=[message.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert (message.body, message.status) == (CODE_BODY, "queued")
