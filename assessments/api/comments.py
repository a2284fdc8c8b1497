"""Comments of a risk or a mitigation: `/api/v1/risks/{id}/comments/`, `/api/v1/mitigations/{id}/comments/`.

GET lists the thread (oldest first, paged); POST adds a comment through `services.comment_add` (the
same call as the pages: @mentions resolved against the team, audited, `comment.created` webhook).
A risk or mitigation of another team is a 404.
"""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.response import Response

from threatmodel.api.base import ListMixin, TeamScopedViewSet
from threatmodel.api.pagination import PageNumberPagination

from .. import selectors, services
from ..models import COMMENT_MAX_LENGTH, Comment


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text="Text; @username mentions a team member")
    author = serializers.CharField(read_only=True, allow_null=True, help_text="Username of the author")
    mentions = serializers.ListField(child=serializers.CharField(), read_only=True,
                                     help_text="Usernames of the team members the text mentions")
    created_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, c: Comment) -> dict:
        return {"id": c.pk, "body": c.body, "author": c.author.get_username() if c.author_id else None,
                "mentions": [u.get_username() for u in c.mentions.all()],
                "created_at": c.created_at.isoformat().replace("+00:00", "Z")}


class _CommentsViewSet(ListMixin, TeamScopedViewSet):
    serializer_class = CommentSerializer
    pagination_class = PageNumberPagination
    queryset = Comment.objects.none()  # for the schema generator
    http_method_names = ["get", "post", "head", "options"]
    created_location = False  # a comment has no URL of its own (it is read in its thread)
    kind = ""

    def target(self):
        getter = selectors.risk_get if self.kind == "risk" else selectors.mitigation_get
        return getter(self.request.user, self.kwargs[f"{self.kind}_pk"], self.token)

    def get_queryset(self):
        return selectors.comments_of(self.target())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_add(actor=request.user, target=self.target(),
                                       body=serializer.validated_data["body"])
        comment = selectors.comments_of(comment.target).get(pk=comment.pk)
        return Response(CommentSerializer(comment).data, status=http.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="A risk's comments, oldest first", tags=["comments"]),
    create=extend_schema(summary="Comment on a risk (@username mentions and notifies a team member)",
                         tags=["comments"]),
)
class RiskCommentsViewSet(_CommentsViewSet):
    kind = "risk"


@extend_schema_view(
    list=extend_schema(summary="A mitigation's comments, oldest first", tags=["comments"]),
    create=extend_schema(summary="Comment on a mitigation (@username mentions and notifies a team member)",
                         tags=["comments"]),
)
class MitigationCommentsViewSet(_CommentsViewSet):
    kind = "mitigation"
