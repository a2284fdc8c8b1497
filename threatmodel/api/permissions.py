from rest_framework import permissions

from ..models import ApiToken


class TokenScope(permissions.BasePermission):
    """A token needs the `read` scope for safe methods and `write` for everything else.

    Browser sessions are not limited by scopes (their role decides, in the services).
    """

    message = "This token's scopes do not allow this request."

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = "read" if request.method in permissions.SAFE_METHODS else "write"
        if not token.allows(needed):
            self.message = f"This token lacks the '{needed}' scope."
            return False
        return True
