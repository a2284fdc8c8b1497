"""Errors as RFC 9457 `application/problem+json`, naming each bad field."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..exceptions import Conflict, VersionConflict

TITLES = {
    400: "Invalid request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    422: "Unprocessable request",
    428: "Precondition required",
    429: "Too many requests",
    503: "Service unavailable",
}


def _flatten(detail, prefix="") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            # DRF reports list items by index: external_refs[0].external_id
            name = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(v, (dict, list)) for v in detail):
            out[prefix or "non_field_errors"] = [str(v) for v in detail]
        else:
            for i, value in enumerate(detail):
                for k, v in _flatten(value, f"{prefix}[{i}]" if prefix else f"[{i}]").items():
                    out.setdefault(k, []).extend(v)
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def problem(status_code: int, detail: str, errors: dict | None = None, headers: dict | None = None,
            extra: dict | None = None) -> Response:
    body = {
        "type": f"https://httpstatuses.io/{status_code}",
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": detail,
        "errors": errors or {},
    }
    body.update(extra or {})
    response = Response(body, status=status_code, headers=headers)
    response.content_type = "application/problem+json"
    return response


def problem_exception_handler(exc, context):
    if isinstance(exc, Conflict):
        errors = _flatten(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
        first = next(iter(errors.items()), ("request", ["conflict"]))
        return problem(status.HTTP_409_CONFLICT, f"{first[0]}: {first[1][0]}", errors)
    if isinstance(exc, IntegrityError):  # a unique key taken by a concurrent request
        return problem(status.HTTP_409_CONFLICT, "This conflicts with a change made at the same time; re-read and "
                                                 "retry.")
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, VersionConflict):
        return problem(status.HTTP_412_PRECONDITION_FAILED, str(exc),
                       extra={"current_version": exc.current})

    response = exception_handler(exc, context)
    if response is None:
        return None
    headers = {k: v for k, v in response.headers.items() if k in ("Retry-After", "WWW-Authenticate", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.items()), ("request", ["invalid"]))
        detail = f"{first[0]}: {first[1][0]}"
        return problem(status.HTTP_400_BAD_REQUEST, detail, errors, headers)
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    if isinstance(detail, (dict, list)):
        errors = _flatten(detail)
        return problem(response.status_code, "; ".join(m for ms in errors.values() for m in ms), errors, headers)
    return problem(response.status_code, str(detail), None, headers)
