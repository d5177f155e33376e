"""Text a request may carry: PostgreSQL text holds no NUL character (JSON, forms and query strings
may carry one), so every string a service stores or searches with refuses it — a 422 naming the
field instead of a failed statement (a 500)."""

from __future__ import annotations

from pydantic import AfterValidator


def refuse_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


NoNul = AfterValidator(refuse_nul)
"""``Annotated[str, NoNul]`` (a body field, a query or form parameter)."""
