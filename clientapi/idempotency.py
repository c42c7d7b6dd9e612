"""Idempotency-Key on commands that move money or sign.

The key is claimed in its own committed row before the command runs, so a concurrent repeat
sees it in flight (409). The command and the stored answer commit together: a repeat with the
same body gets the first answer, with another body 422.
"""

import functools
import hashlib
import json
import re

from django.db import transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from clientapi.errors import ApiError
from clientapi.services import idempotency_records

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# Printable ASCII: what any client can send in a header and the schema can say.
KEY_PATTERN = rf"^[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}$"
KEY_RE = re.compile(KEY_PATTERN)


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(handler):
    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "")
        if not KEY_RE.fullmatch(key):
            raise ApiError("idempotency_key_required", field=HEADER)
        request_hash = _request_hash(request)
        record, claimed = idempotency_records.idempotency_begin(
            account=request.user, key=key, request_hash=request_hash
        )
        if record.request_hash != request_hash:
            raise ApiError("idempotency_key_reused", status_code=422, field=HEADER)
        if record.completed:
            return Response(record.response_body, status=record.response_status)
        if not claimed:
            raise ApiError("request_in_progress", status_code=409, field=HEADER)
        try:
            with transaction.atomic():
                try:
                    response = handler(view, request, *args, **kwargs)
                except Exception as exc:
                    response = view.handle_exception(exc)
                if response.status_code >= 500:
                    raise _Unstored(response)
                body = json.loads(JSONRenderer().render(response.data) or b"null")
                idempotency_records.idempotency_finish(
                    record=record, status=response.status_code, body=body
                )
        except _Unstored as unstored:
            idempotency_records.idempotency_abandon(record=record)
            return unstored.response
        except BaseException:
            idempotency_records.idempotency_abandon(record=record)
            raise
        return response

    return wrapper


class _Unstored(Exception):
    def __init__(self, response):
        self.response = response
