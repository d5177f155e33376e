"""Objects removed from S3 after the commit, for the upload lifecycle (a refused, duplicate or
expired upload's) and the catalogue (a deleted item's): recorded as an external call in the
caller's transaction, deleted by the worker once it commits, retried until S3 says they are gone."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from huntaze_service import Call, Subscriptions

from .vault_ports import ObjectStore

DELETE_OBJECTS = "vault.delete_objects"


class DeleteObjects(BaseModel):
    keys: list[str] = Field(max_length=10)
    abort_multipart: str | None = Field(default=None, description="The key whose unfinished multipart uploads go too.")


def delete_later(uow: Any, tenant: uuid.UUID, key: str, keys: list[str], abort_multipart: str | None = None) -> None:
    """Records the deletion in the caller's transaction (the same ``key`` records it once)."""
    payload = DeleteObjects(keys=keys, abort_multipart=abort_multipart)
    uow.call(DELETE_OBJECTS, key=key, payload=payload, tenant=tenant)


def subscribe(subs: Subscriptions, store: Callable[[], ObjectStore]) -> None:
    """The worker's external call that deletes the recorded objects."""

    async def remove(call: Call[DeleteObjects]) -> None:
        if call.payload.abort_multipart:
            await store().abort_multipart(call.payload.abort_multipart)
        await store().delete(call.payload.keys)

    async def removed(uow: Any, call: Call[DeleteObjects], result: None) -> None:
        return None

    subs.call(
        DELETE_OBJECTS,
        DeleteObjects,
        remote=remove,
        on_result=removed,
        timeout_s=30.0,
        description="Deletes a refused, duplicate, expired or deleted item's objects from S3 (idempotent).",
    )
