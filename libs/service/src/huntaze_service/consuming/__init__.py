"""Kafka consumption: one consumer per service worker (:mod:`.loop`), batches applied with
idempotency, retries and dead letters (:mod:`.processor`), offsets after the effects (:mod:`.offsets`)."""
