"""Async SQLAlchemy engine and sessions (psycopg 3 driver)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from sqlalchemy import MetaData
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from .settings import ServiceSettings

log = logging.getLogger("huntaze.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class ServiceBase(DeclarativeBase):
    """Subclass once per service (``class Base(ServiceBase): metadata = new_metadata()``)."""

    __abstract__ = True


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_s,
        # No ping per checkout (a round trip on every transaction): after a database restart the
        # first failure invalidates the whole pool; consumers retry it, HTTP answers 503.
        pool_pre_ping=False,
        pool_recycle=1800,
        connect_args={"application_name": f"huntaze-{settings.service_name}", "connect_timeout": 5},
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


def libpq_url(sqlalchemy_url: str) -> str:
    """``postgresql+psycopg://…`` → ``postgresql://…`` for a raw psycopg connection."""
    scheme, rest = sqlalchemy_url.split("://", 1)
    return "postgresql://" + rest if scheme.startswith("postgresql") else sqlalchemy_url


def is_infrastructure_error(exc: BaseException) -> bool:
    """Failures of the database or the connection to it: not the event's fault, retried forever."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)):
        return True
    return isinstance(exc, (ConnectionError, TimeoutError)) and _raised_by_database(exc)


def _raised_by_database(exc: BaseException) -> bool:
    tb = exc.__traceback__
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if module.startswith(("psycopg", "sqlalchemy")):
            return True
        tb = tb.tb_next
    return False


class Transaction(Protocol):
    """What a repository is built on: one transaction of the service's database."""

    @property
    def session(self) -> AsyncSession:
        """A SQLAlchemy session in the transaction (Core and ORM statements)."""
        ...

    async def driver(self) -> Any:
        """The psycopg connection of the transaction (hot paths: plain SQL, prepared after a few runs)."""
        ...


class PlainSql:
    """The base of a repository written in plain SQL on the transaction's psycopg connection."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    async def _rows(self, sql: str, params: Any) -> list[Any]:
        """The rows the statement returned (none for a statement without a result)."""
        conn = await self._tx.driver()
        async with conn.cursor() as cursor:
            await cursor.execute(sql, params)
            return list(await cursor.fetchall()) if cursor.description else []


async def listen(conninfo: str, channel: str, wakeup: asyncio.Event, what: str) -> None:
    """Sets ``wakeup`` on every NOTIFY of ``channel`` (and once on each (re)connection, for what was
    committed while nobody listened); reconnects with backoff for as long as it runs."""
    import psycopg

    backoff = 0.5
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                await conn.execute(f"LISTEN {channel}")
                backoff = 0.5
                wakeup.set()
                async for _ in conn.notifies():
                    wakeup.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reconnect on any failure
            log.warning("%s listener disconnected: %s; retrying in %.1fs", what, exc, backoff)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 10)
