"""Pagination for API lists.

- PageNumberPagination: catalog and other static lists (`page`, `page_size` up to 200, `next` link).
- SyncCursorPagination: team data, ordered by (updated_at, id) so a delta-syncing client never
  misses or repeats a row while others write; `?updated_after=<ISO 8601>` filters.
"""

import base64
import binascii
from datetime import UTC, datetime

from django.utils.dateparse import parse_datetime
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 200


def _page_size(request, default: int) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError as exc:
        raise ValidationError({"page_size": [f"Must be an integer from 1 to {MAX_PAGE_SIZE}."]}) from exc
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"Must be an integer from 1 to {MAX_PAGE_SIZE}."]})
    return size


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request):
        return _page_size(request, self.page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
        return parameters


def parse_updated_after(request):
    raw = request.query_params.get("updated_after")
    if raw is None:
        return None
    if not raw.strip():  # `?updated_after=` is a client bug (an unset variable), not "everything"
        raise ValidationError({"updated_after": ["Give an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z, or leave "
                                                 "the parameter out."]})
    try:
        value = parse_datetime(raw.replace(" ", "+"))
    except ValueError:  # well-formed but impossible, e.g. February 30th
        value = None
    if value is None:
        raise ValidationError({"updated_after": ["Must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z."]})
    if value.tzinfo is None:
        raise ValidationError({"updated_after": ["Must include a time zone (e.g. Z or +00:00)."]})
    return _utc(value, "updated_after")


def _utc(value: datetime, field: str) -> datetime:
    """In UTC: databases accept only real-world offsets (PostgreSQL refuses +22:16)."""
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationError({field: ["Out of range."]}) from exc


def _position(row, field: str) -> tuple:
    if isinstance(row, dict):
        return row[field], row.get("id", row.get("pk"))
    return getattr(row, field), row.pk


class SyncCursorPagination(pagination.BasePagination):
    """Keyset pagination on (updated_at, id) (or the view's `sync_field`); the cursor is opaque."""

    page_size = 50
    cursor_query_param = "cursor"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.field = f = getattr(view, "sync_field", "updated_at")
        self.size = _page_size(request, self.page_size)
        after = parse_updated_after(request)
        if after is not None:
            queryset = queryset.filter(**{f"{f}__gt": after})
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            ts, pk = self._decode(cursor)
            queryset = queryset.filter(**{f"{f}__gte": ts}).exclude(**{f: ts, "pk__lte": pk})
        self.view = view
        if getattr(view, "keys_first", False):
            return self._keys_first(queryset)
        rows = list(queryset.order_by(f, "pk")[: self.size + 1])
        self.has_next = len(rows) > self.size
        rows = rows[: self.size]
        self.last = (getattr(rows[-1], f), rows[-1].pk) if rows else None
        return rows

    def _keys_first(self, queryset):
        """For large tables: the page's keys come from a covering index in a subquery (no wide rows sorted),
        the outer query reads just those rows with what the view joins to them (`view.page_rows`). One
        statement, so the rows and their order are one consistent snapshot."""
        f = self.field
        keys = queryset.order_by(f, "pk").prefetch_related(None).values("pk")[: self.size + 1]
        rows = queryset.model._default_manager.filter(pk__in=keys)
        if hasattr(self.view, "page_rows"):  # the view adds what only the page's rows need (joins, annotations)
            rows = self.view.page_rows(rows)
        rows = sorted(rows, key=lambda obj: _position(obj, f))  # model instances or `.values()` dicts
        self.has_next = len(rows) > self.size
        rows = rows[: self.size]
        self.last = _position(rows[-1], f) if rows else None
        return rows

    def _decode(self, cursor: str) -> tuple[datetime, int]:
        try:
            ts_raw, pk_raw = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
            ts = parse_datetime(ts_raw)
            pk = int(pk_raw)
            if ts is None or ts.tzinfo is None or not 0 <= pk < 10**18:
                raise ValueError
            return _utc(ts, "cursor"), pk
        except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
            raise ValidationError({"cursor": ["Invalid cursor; use the `next` link as given."]}) from exc

    def _encode(self, last: tuple) -> str:
        when, pk = last
        return base64.urlsafe_b64encode(f"{when.isoformat()}|{pk}".encode()).decode()

    def get_next_cursor(self) -> str | None:
        if not self.has_next or self.last is None:
            return None
        return self._encode(self.last)

    def get_next_link(self):
        cursor = self.get_next_cursor()
        if cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.cursor_query_param, cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "next_cursor": self.get_next_cursor(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "next_cursor", "results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "description": "The next page's URL (the same query with `cursor`); null on the last page.",
                         "example": "https://register.example.com/api/v1/risks/?cursor=MjAyNi0wMy0wMlQwOTozMToxMi4x"
                                    "MiswMDowMHw0MQ%3D%3D&updated_after=2026-03-01T00%3A00%3A00Z"},
                "next_cursor": {"type": "string", "nullable": True,
                                "description": "The bare cursor of `next`, to pass as `?cursor=` (null on the last "
                                               "page); the same `updated_after` and filters go with it.",
                                "example": "MjAyNi0wMy0wMlQwOTozMToxMi4xMiswMDowMHw0MQ=="},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "cursor", "required": False, "in": "query", "schema": {"type": "string"},
             "description": "Opaque cursor: `next_cursor` of the previous page (or the one in its `next` link)."},
            {"name": "page_size", "required": False, "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
            {"name": "updated_after", "required": False, "in": "query",
             "schema": {"type": "string", "format": "date-time"},
             "description": "Only rows changed after this instant (delta sync)."},
        ]


__all__ = ["MAX_PAGE_SIZE", "PageNumberPagination", "SyncCursorPagination", "parse_updated_after",
           "remove_query_param"]
