"""Huntaze service chassis: one narrow library every service is built with (no business rules)."""

from . import context
from .app import Service
from .db import ServiceBase, new_metadata
from .definition import ServiceDefinition, discover
from .http import ApiError, CreatorId, UserId, not_found
from .runtime import Runtime, RuntimeDep, runtime_of
from .settings import Environment, Role, ServiceSettings, SettingsError, load_settings
from .subscriptions import Call, CallFailed, PermanentError, RetryPolicy, Subscriptions, Timer
from .timers import Recurrence
from .uow import SqlUnitOfWork, UnitOfWork

__all__ = [
    "context",
    "ApiError",
    "Call",
    "CallFailed",
    "CreatorId",
    "Environment",
    "PermanentError",
    "Recurrence",
    "RetryPolicy",
    "Role",
    "Runtime",
    "RuntimeDep",
    "Service",
    "ServiceBase",
    "ServiceDefinition",
    "ServiceSettings",
    "SettingsError",
    "SqlUnitOfWork",
    "Subscriptions",
    "Timer",
    "UnitOfWork",
    "UserId",
    "discover",
    "load_settings",
    "new_metadata",
    "not_found",
    "runtime_of",
]
