"""Identity use cases: each takes the unit of work (``uow.repo`` is a GatewayRepository)."""

from .access import resolve_access
from .identity import (
    Issued,
    SignedUp,
    accept_invitation,
    change_password,
    log_in,
    log_out,
    refresh,
    sign_up,
)
from .staff import (
    add_creator,
    cancel_shift,
    create_connector_key,
    invite,
    remove_member,
    schedule_shift,
    update_member,
)

__all__ = [
    "Issued",
    "SignedUp",
    "accept_invitation",
    "add_creator",
    "cancel_shift",
    "change_password",
    "create_connector_key",
    "invite",
    "log_in",
    "log_out",
    "refresh",
    "remove_member",
    "resolve_access",
    "schedule_shift",
    "sign_up",
    "update_member",
]
