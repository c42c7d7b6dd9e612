"""The payment gateway behind an interface, and a sandbox that succeeds, fails or times out."""

import threading
import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class GatewayTimeout(Exception):
    """The gateway did not answer in time; the payout may or may not have been taken."""


@dataclass(frozen=True)
class PayoutResult:
    status: str  # "succeeded" | "failed" | "pending"
    reference: str = ""
    reason: str = ""


class PaymentGateway(Protocol):
    def send_payout(self, *, key: str, amount_kop: int, destination: dict) -> PayoutResult: ...

    def payout_status(self, *, key: str) -> PayoutResult: ...


class SandboxGateway:
    """Deterministic sandbox: outcomes come from `queue_outcomes`, else success.

    "timeout" takes the payout and then raises GatewayTimeout, the way a real provider can
    accept an order and lose the answer; `payout_status` then reports it succeeded.
    """

    _lock = threading.Lock()
    _outcomes: list[str] = []
    _taken: dict[str, PayoutResult] = {}

    @classmethod
    def queue_outcomes(cls, *outcomes: str) -> None:
        with cls._lock:
            cls._outcomes.extend(outcomes)

    @classmethod
    def reset(cls) -> None:
        with cls._lock:
            cls._outcomes.clear()
            cls._taken.clear()

    def send_payout(self, *, key: str, amount_kop: int, destination: dict) -> PayoutResult:
        with self._lock:
            if key in self._taken:
                return self._taken[key]
            outcome = self._outcomes.pop(0) if self._outcomes else "succeed"
            if outcome == "fail":
                result = PayoutResult("failed", reason="Declined by the issuing bank")
            else:
                result = PayoutResult("succeeded", reference=f"sbx-{uuid.uuid4().hex[:16]}")
            self._taken[key] = result
        if outcome == "timeout":
            raise GatewayTimeout(f"No answer for payout {key}")
        return result

    def payout_status(self, *, key: str) -> PayoutResult:
        with self._lock:
            return self._taken.get(key, PayoutResult("failed", reason="Unknown to the gateway"))


def get_gateway() -> PaymentGateway:
    path = getattr(settings, "PAYMENT_GATEWAY", "loans.gateway.SandboxGateway")
    return import_string(path)()
