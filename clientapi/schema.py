"""What the borrower API's schema says of every operation, whatever its view."""

ERROR_REF = {"$ref": "#/components/schemas/Error"}
COMMON = {
    "406": "Only JSON answers are available (`not_acceptable`).",
    "503": "The service is briefly unavailable (`service_unavailable`); see Retry-After.",
}
WITH_BODY = {
    "413": "The body is larger than 64 KiB (`body_too_large`).",
    "415": "The body is not application/json (`unsupported_media_type`).",
}


def common_error_responses(result, generator, request, public):
    """Postprocessing hook: the refusals any operation can answer, in the error shape."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            codes = {**COMMON, **(WITH_BODY if "requestBody" in operation else {})}
            for code, description in codes.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result
