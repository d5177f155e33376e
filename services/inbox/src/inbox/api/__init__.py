"""HTTP API of the inbox (reached through the gateway: its internal token names the creator and the caller)."""

from . import automations, conversations, mass_messages, offers, personal_data, restricted_words

routers = [
    conversations.router,
    offers.router,
    mass_messages.router,
    automations.router,
    personal_data.router,
    restricted_words.router,
]

__all__ = ["routers"]
