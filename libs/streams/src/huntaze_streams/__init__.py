"""huntaze-streams: read Huntaze's event streams without disturbing the services."""
