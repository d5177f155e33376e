"""PostgreSQL by CloudNativePG: one Cluster per service, its own database owned by its own role.

CloudNativePG creates the Secret ``<cluster>-app`` (username, password, host, dbname, uri...) and
the CA ``<cluster>-ca``; the Deployments compose the chassis' URL from them (see workloads).
"""

from __future__ import annotations

from typing import Any

from .model import PG_MAX_CONNECTIONS, ServiceFacts
from .workloads import labels

Obj = dict[str, Any]


def cluster(service: ServiceFacts) -> Obj:
    return {
        "apiVersion": "postgresql.cnpg.io/v1",
        "kind": "Cluster",
        "metadata": {"name": service.database, "labels": labels(service, "database")},
        "spec": {
            "instances": 1,
            "bootstrap": {"initdb": {"database": service.name, "owner": service.name}},
            "postgresql": {"parameters": {"max_connections": str(PG_MAX_CONNECTIONS)}},
            "storage": {"size": "10Gi"},
            "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
            "enableSuperuserAccess": False,
        },
    }
