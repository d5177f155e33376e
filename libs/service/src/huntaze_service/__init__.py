"""Huntaze service chassis: one narrow library every service is built with (no business rules)."""

from . import context
from .consumer import HandlerContext, PermanentError, RetryPolicy, Subscriptions
from .db import ServiceBase, new_metadata
from .http import ApiError, CreatorId, UserId, not_found
from .runtime import Runtime, RuntimeDep, Service, runtime_of
from .settings import Role, ServiceSettings
from .uow import UnitOfWork

__all__ = [
    "context",
    "ApiError",
    "CreatorId",
    "HandlerContext",
    "PermanentError",
    "RetryPolicy",
    "Role",
    "Runtime",
    "RuntimeDep",
    "Service",
    "ServiceBase",
    "ServiceSettings",
    "Subscriptions",
    "UnitOfWork",
    "UserId",
    "new_metadata",
    "not_found",
    "runtime_of",
]
