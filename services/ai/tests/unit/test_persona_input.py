"""The persona refuses a NUL character, which PostgreSQL text cannot hold: a 422 where it was a
500 (found by the API schema test)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ai.api import PersonaIn


@pytest.mark.parametrize(
    "body", [{"boundaries": ["no\x00meetups"]}, {"signature": "- Mia\x00"}, {"language": "e\x00n"}]
)
def test_a_nul_character_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="NUL"):
        PersonaIn.model_validate(body)


def test_a_persona_without_one_is_taken() -> None:
    persona = PersonaIn.model_validate({"boundaries": [" no meetups "], "signature": "- Mia", "language": "en"})
    assert persona.boundaries == ["no meetups"]
