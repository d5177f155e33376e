"""The identity repository on PostgreSQL (the gateway's own database): one class, in four parts."""

from __future__ import annotations

from huntaze_service.db import Transaction

from .accounts import AccountsSql
from .billing import BillingSql
from .organization import OrganizationSql
from .sessions import SessionsSql


class SqlGatewayRepository(AccountsSql, SessionsSql, OrganizationSql, BillingSql):
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
