"""The one base every team-data endpoint stands on: scoping, token scopes, rate limits, ETags,
If-Match, Idempotency-Key, cursor pagination for delta sync and problem+json errors.
Endpoints stay a few declarative lines and call services for every write."""

import re

from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from ..models import ApiToken
from . import idempotency
from .errors import problem
from .pagination import SyncCursorPagination
from .permissions import TokenScope
from .throttling import TokenRateThrottle

ETAG_RE = re.compile(r'^(?:W/)?"(\d+)"$')


def etag_for(version: int) -> str:
    return f'"{version}"'


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "This write needs an If-Match header with the object's ETag (read it first)."


class TeamScopedViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, TokenScope]
    throttle_classes = [TokenRateThrottle]
    pagination_class = SyncCursorPagination
    require_if_match = False  # True: PATCH/PUT/DELETE without If-Match is a 428

    # --- who is asking ---------------------------------------------------------
    @property
    def token(self) -> ApiToken | None:
        auth = getattr(self.request, "auth", None)
        return auth if isinstance(auth, ApiToken) else None

    # --- idempotency -------------------------------------------------------------
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _check_ids(kwargs)
        _reject_nul(request)
        self._idempotency = idempotency.begin(request)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400 and not isinstance(getattr(response, "accepted_renderer", None), JSONRenderer):
            # An error is problem+json even on an endpoint that renders a file (e.g. a PDF download).
            response.accepted_renderer, response.accepted_media_type = JSONRenderer(), "application/json"
        record = getattr(self, "_idempotency", None)
        if record is not None:
            idempotency.finish(record, response)
            self._idempotency = None
        data = getattr(response, "data", None)
        if (request.method in ("GET", "HEAD", "POST", "PUT", "PATCH") and response.status_code in (200, 201)
                and isinstance(data, dict) and isinstance(data.get("version"), int) and "id" in data):
            response["ETag"] = etag_for(data["version"])
        return response

    # --- preconditions ---------------------------------------------------------------
    def if_match_version(self, obj) -> int | None:
        """The version the client based its write on (from If-Match), or None for `*`/absent."""
        header = self.request.headers.get("If-Match")
        if header is None:
            if self.require_if_match:
                raise PreconditionRequired()
            return None
        header = header.strip()
        if header == "*":
            return None
        match = ETAG_RE.match(header)
        if match is None:
            raise ValidationError({"If-Match": ['Must be an ETag as returned by the API, e.g. "3".']})
        return int(match.group(1))

    def not_modified(self, obj) -> Response | None:
        header = self.request.headers.get("If-None-Match")
        if header and header.strip() == etag_for(obj.version):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
            response["ETag"] = etag_for(obj.version)
            return response
        return None


MAX_ID_DIGITS = 18  # ids are 64-bit: a longer number cannot exist (and must not reach the database)
MAX_ID = 10**MAX_ID_DIGITS - 1


def _check_ids(kwargs: dict) -> None:
    for name, value in kwargs.items():
        if name == "pk" or name.endswith("_pk"):
            value = str(value)
            if not value.isdigit() or len(value) > MAX_ID_DIGITS:
                raise NotFound()


def _nul_fields(value, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _nul_fields(k, path or "body") + _nul_fields(
            v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _nul_fields(v, f"{path}[{i}]")]
    return []


def _reject_nul(request) -> None:
    """A NUL character cannot be stored (PostgreSQL refuses it): a 400 naming the field, never a 500."""
    bad = [name for name, value in request.query_params.lists() for v in [name, *value] if "\x00" in v]
    if request.method in ("POST", "PUT", "PATCH") and request.content_type.startswith("application/json"):
        bad += _nul_fields(request.data)
    if bad:
        raise ValidationError(dict.fromkeys(bad, "NUL characters are not allowed."))


class ListMixin:
    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return self.not_modified(obj) or Response(self.get_serializer(obj).data)


__all__ = ["MAX_ID", "ListMixin", "PreconditionRequired", "RetrieveMixin", "TeamScopedViewSet", "etag_for", "problem"]
