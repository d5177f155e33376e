"""Huntaze service chassis: one narrow library every service is built with (no business rules)."""

from . import context
from .app import Service
from .db import ServiceBase, new_metadata
from .definition import ServiceDefinition, discover
from .http import ApiError, not_found
from .internal_token import (
    INTERNAL_TOKEN_HEADER,
    Caller,
    InternalTokenSigner,
    InternalTokenVerifier,
    InvalidInternalToken,
    new_key_pair,
)
from .runtime import Runtime, RuntimeDep, runtime_of
from .settings import Environment, Role, ServiceSettings, SettingsError, load_settings
from .subscriptions import Call, CallFailed, PermanentError, RetryPolicy, Subscriptions, Timer
from .text import NoNul, refuse_nul
from .timers import Recurrence
from .uow import SqlUnitOfWork, UnitOfWork
from .wall import CreatorId, CurrentCaller, OrgId, ShiftId, UserId, VisitorCaller

__all__ = [
    "NoNul",
    "refuse_nul",
    "context",
    "INTERNAL_TOKEN_HEADER",
    "ApiError",
    "Call",
    "CallFailed",
    "Caller",
    "CreatorId",
    "OrgId",
    "CurrentCaller",
    "Environment",
    "InternalTokenSigner",
    "InternalTokenVerifier",
    "InvalidInternalToken",
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
    "ShiftId",
    "VisitorCaller",
    "UserId",
    "discover",
    "load_settings",
    "new_key_pair",
    "new_metadata",
    "not_found",
    "runtime_of",
]
