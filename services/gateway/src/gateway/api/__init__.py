"""The gateway's HTTP API: its own routes (identity, the organisation, the fan export), then the
forwarding of every service's routes. Order matters: the gateway's own routes match first."""

from . import auth, export, forward, org

ROUTERS = [auth.router, org.router, export.router, forward.router]

__all__ = ["ROUTERS"]
