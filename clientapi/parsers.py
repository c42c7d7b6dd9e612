"""The API's JSON parser: a bounded body and a bounded depth.

Python's json module recurses once per level: twenty thousand `[` fit in a small body and end
in RecursionError. The depth is measured before the body is decoded, outside strings.
"""

import io
import re
from itertools import accumulate

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from clientapi.errors import ApiError

MAX_BODY_BYTES = 64 * 1024
DEFAULT_MAX_DEPTH = 32
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (0 for a scalar)."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", body))
    return max(accumulate(_STEP[byte] for byte in brackets), default=0)


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            raise ApiError("body_too_large", status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        body = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(body) > MAX_BODY_BYTES:
            raise ApiError("body_too_large", status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if json_depth(body) > getattr(settings, "API_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH):
            raise ApiError("json_too_deep")
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:  # a depth the scan missed must still not be a 500
            raise ParseError() from exc
