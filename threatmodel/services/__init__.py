"""Writes for the modeling domain. Every function is keyword-only, validates, writes in one
transaction, records one audit event and queues side effects on commit."""

from .invitations import (
    invitation_accept,
    invitation_accept_new_account,
    invitation_create,
    invitation_open,
    invitation_revoke,
)
from .systems import (
    component_create,
    component_delete,
    component_update,
    flow_create,
    flow_delete,
    flow_update,
    system_create,
    system_delete,
    system_update,
)
from .teams import (
    api_token_create,
    api_token_revoke,
    membership_remove,
    membership_set,
    team_create,
    team_update,
)

__all__ = [
    "api_token_create",
    "api_token_revoke",
    "component_create",
    "component_delete",
    "component_update",
    "flow_create",
    "flow_delete",
    "flow_update",
    "invitation_accept",
    "invitation_accept_new_account",
    "invitation_create",
    "invitation_open",
    "invitation_revoke",
    "membership_remove",
    "membership_set",
    "system_create",
    "system_delete",
    "system_update",
    "team_create",
    "team_update",
]
