"""HTTP API of the fans service (reached through the gateway: its internal token names the creator and the caller).

Order matters: ``/v1/fans/segments`` is declared before ``/v1/fans/{fan_id}``."""

from . import fans, imports, personal_data, revenue, segments

routers = [segments.router, fans.router, personal_data.router, imports.router, revenue.router]

__all__ = ["routers"]
