"""Durable timers and external calls: see :mod:`.worker` for how they fire, :mod:`.store` for the table."""

from .schedule import Recurrence

__all__ = ["Recurrence"]
