"""The one base every team-data endpoint stands on: scoping, token scopes, rate limits, ETags,
If-Match, Idempotency-Key, cursor pagination for delta sync and problem+json errors.
Endpoints stay a few declarative lines and call services for every write."""

import re

from django.db import transaction
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from .. import selectors
from ..models import ApiToken, Role, Team
from ..services.common import check_version, lock_system, require_role
from . import idempotency
from .errors import problem
from .pagination import SyncCursorPagination
from .permissions import TokenScope
from .throttling import TokenRateThrottle

ETAG_RE = re.compile(r'^(?:W/)?"(\d+)"$')
ETAG_PATTERN = r'^"\d+"$'  # what the API sends (the schema declares it)
IF_MATCH_PATTERN = r'^(\*|(W/)?"\d+")$'  # what If-Match accepts (`if_match_version`)


def etag_for(version: int) -> str:
    return f'"{version}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison of an If-None-Match list (or `*`) with our ETag."""
    tags = [t.strip() for t in if_none_match.split(",")]
    return "*" in tags or etag in (t.removeprefix("W/") for t in tags)


class PreconditionRequired(APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = "This write needs an If-Match header with the object's ETag (read it first)."


class TeamScopedViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, TokenScope]
    throttle_classes = [TokenRateThrottle]
    pagination_class = SyncCursorPagination
    require_if_match = False  # True: PATCH/PUT/DELETE without If-Match is a 428
    # For the schema (contract.py), what the generic rules cannot see: POST actions that take If-Match,
    # actions whose body carries an ETag though the serializer does not say so, a 201 without a Location.
    if_match_actions: tuple[str, ...] = ()
    etag_actions: tuple[str, ...] = ()
    created_location = True

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
        if_none_match = request.headers.get("If-None-Match")
        if (request.method in ("GET", "HEAD") and response.status_code == 200 and if_none_match
                and response.has_header("ETag") and etag_matches(if_none_match, response["ETag"])):
            response.status_code, response.data = status.HTTP_304_NOT_MODIFIED, None  # the body is not sent
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

    def owned_team(self, slug: str | None, role: str = Role.OWNER):
        """The team a new object goes to: the token's own, else the requester's team named `slug` (or their only
        team), a 400 naming `team` otherwise; then `role` there is required (403)."""
        if self.token is not None:
            if slug and slug != self.token.team.slug:
                raise ValidationError({"team": "A token can only write to its own team."})
            team = self.token.team
        else:
            teams = list(Team.objects.filter(pk__in=selectors.team_ids_for(self.request.user)))
            team = next((t for t in teams if t.slug == slug), None) if slug else (teams[0] if len(teams) == 1 else None)
            if team is None:
                raise ValidationError({"team": f"You are not a member of a team '{slug}'." if slug
                                       else "You belong to several teams: give the team's slug."})
        require_role(self.request.user, team, role)
        return team

    def not_modified(self, obj) -> Response | None:
        header = self.request.headers.get("If-None-Match")
        if header and etag_matches(header, etag_for(obj.version)):
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


class ResourceViewSet(TeamScopedViewSet):
    """What every write endpoint shares; the routes come from CreateMixin, UpdateMixin and DestroyMixin
    (or WriteViewSet, which has all three), so a viewset exposes only the methods it mixes in.

    A write is: the object (404 outside the requester's teams), the role (`write_role` in the object's
    team, 403), the If-Match precondition (428 when `require_if_match` and absent), the body (400 naming
    the field), then one transaction that locks the row (`FOR NO KEY UPDATE OF` the row only), finds
    it gone (404: deleted by a request that committed first) or changed (412 against If-Match), and hands
    it to the resource's service. Idempotency-Key and problem+json come from TeamScopedViewSet.

    A resource declares `serializer_class` (and `create_serializer_class` when a POST takes other fields),
    `resource`, `put_defaults` (the value a PUT gives an omitted field) and its service calls:
    `perform_create(data)`, `perform_update(obj, data)`, `perform_destroy(obj)`. The object handed to the
    last two is locked and at the version the client read.
    """

    resource = ""  # the collection's path segment: /api/v1/<resource>/<id>/ is the Location of a new object
    write_role = Role.CONTRIBUTOR
    create_serializer_class = None
    put_defaults: dict = {}
    bind_instance = True  # the serializer validates against the object (False: the body alone)
    locks_system = False  # True where the service locks the system row first (components, flows): same order here

    def perform_create(self, data: dict):
        raise NotImplementedError

    def perform_update(self, obj, data: dict):
        raise NotImplementedError

    def perform_destroy(self, obj) -> None:
        raise NotImplementedError

    def represent(self, obj) -> dict:
        return self.serializer_class(obj, context=self.get_serializer_context()).data

    def location(self, obj) -> str:
        return f"/api/v1/{self.resource}/{obj.pk}/"

    def team_of(self, obj):
        return obj.team if hasattr(obj, "team_id") else obj.system.team

    def put_defaults_for(self, obj) -> dict:
        return dict(self.put_defaults)

    def get_serializer_class(self):
        if self.action == "create" and self.create_serializer_class is not None:
            return self.create_serializer_class
        return super().get_serializer_class()

    def writable(self):
        """The object a write starts from, once the requester's role allows the write."""
        obj = self.get_object()
        require_role(self.request.user, self.team_of(obj), self.write_role)
        return obj

    def locked(self, obj, expected_version: int | None):
        """The row, locked for this transaction, at the version the client read (If-Match)."""
        if self.locks_system:
            lock_system(obj.system_id)
        # NO KEY UPDATE: writers of the row queue here, foreign-key checks of other writers (at COMMIT) do not
        locked = type(obj).objects.select_for_update(of=("self",), no_key=True).filter(pk=obj.pk).first()
        if locked is None:  # deleted by a request that committed while we waited for the lock
            raise NotFound()
        check_version(locked, expected_version)
        for name, value in obj._state.fields_cache.items():  # keep the relations already read
            locked._state.fields_cache.setdefault(name, value)
        return locked


class CreateMixin:
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_create(dict(serializer.validated_data))
        return Response(self.created_body(obj), status=status.HTTP_201_CREATED,
                        headers={"Location": self.location(obj)})

    def created_body(self, obj) -> dict:
        return self.represent(obj)


class UpdateMixin:
    def update(self, request, *args, partial=False, **kwargs):
        obj = self.writable()
        expected = self.if_match_version(obj)
        serializer = self.get_serializer(*([obj] if self.bind_instance else []), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not partial:
            data = {**self.put_defaults_for(obj), **data}
        with transaction.atomic():
            obj = self.perform_update(self.locked(obj, expected), data)
        return Response(self.represent(obj))

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class DestroyMixin:
    def destroy(self, request, *args, **kwargs):
        obj = self.writable()
        expected = self.if_match_version(obj)
        with transaction.atomic():
            self.perform_destroy(self.locked(obj, expected))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WriteViewSet(CreateMixin, UpdateMixin, DestroyMixin, RetrieveMixin, ResourceViewSet):
    """Retrieve, create, update and delete (add ListMixin for the collection)."""


__all__ = ["ETAG_PATTERN", "IF_MATCH_PATTERN", "MAX_ID", "CreateMixin", "DestroyMixin", "ListMixin",
           "PreconditionRequired", "ResourceViewSet", "RetrieveMixin", "TeamScopedViewSet", "UpdateMixin",
           "WriteViewSet", "etag_for", "etag_matches", "problem"]
