"""Grafana dashboards generated from the services: `python -m tools.dashboards [--check]`."""
