"""HTTP API of the fans service (reached through the gateway, which sets X-Creator-Id and X-User-Id).

Order matters: ``/v1/fans/segments`` is declared before ``/v1/fans/{fan_id}``."""

from . import fans, imports, revenue, segments

routers = [segments.router, fans.router, imports.router, revenue.router]

__all__ = ["routers"]
