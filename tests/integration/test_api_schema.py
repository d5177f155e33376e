"""The running platform answers as its OpenAPI document says: schemathesis generates requests for
every operation of the document the gateway serves at /openapi.json, sends them to the running
gateway as a signed-in owner, and checks each answer — never a 5xx, a documented status code and
content type, a body that matches the documented schema.

Bounded and repeatable: a fixed number of examples per operation, derandomized (the same requests
every run), no example database, the whole test under two minutes. No operation is excluded; the
two that would end the test's own session get a fresh one (see ``headers_for``).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err

from huntaze_testkit import Platform

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PASSWORD = "correct horse battery staple"
SESSION_ENDERS = {("POST", "/v1/auth/logout"), ("POST", "/v1/auth/password")}
"""Log-out ends the session of its token, a password change every other one: each of these calls
gets a session of its own, so the others keep theirs (nothing skipped)."""


class Owner:
    """A user signed up through the public API, who logs in as often as a test needs."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.email = f"schema-{uuid.uuid4().hex[:10]}@example.com"
        created = self.http.post(
            f"{base_url}/v1/auth/signup",
            json={"email": self.email, "password": PASSWORD, "display_name": "Schema"},
            timeout=30,
        )
        assert created.status_code == 201, created.text
        self.creator_id = str(created.json()["creator_id"])
        self.token = self.log_in()

    def log_in(self) -> str:
        answer = self.http.post(
            f"{self.base_url}/v1/auth/token", data={"username": self.email, "password": PASSWORD}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


def headers_for(case: Any, owner: Owner) -> dict[str, str]:
    token = owner.log_in() if (case.method.upper(), case.path) in SESSION_ENDERS else owner.token
    # the owner's first creator account: POST /v1/creators adds more, and then a request must name one
    return {"Authorization": f"Bearer {token}", "X-Creator-Id": owner.creator_id}


def check_operation(operation: Any, owner: Owner) -> None:
    """Up to MAX_EXAMPLES generated requests for one operation; raises on the first wrong answer."""

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing request is reported
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy())
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(session=owner.http, headers=headers_for(case, owner), checks=CHECKS, timeout=30)

    answers_as_documented()


def describe(exc: BaseException) -> str:
    """What schemathesis found (its message names the check, the answer and a curl to reproduce)."""
    return str(exc if isinstance(exc, FailureGroup) else repr(exc))[:4000]


@pytest.mark.timeout(110)
def test_every_operation_answers_as_documented(platform: Platform) -> None:
    owner = Owner(platform.gateway)
    schema = schemathesis.openapi.from_url(f"{platform.gateway}/openapi.json")
    failures: dict[str, str] = {}
    checked = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            failures[f"schema error {result.err()!r}"] = ""
            continue
        operation = result.ok()
        checked += 1
        try:
            check_operation(operation, owner)
        except (Exception, FailureGroup) as exc:  # noqa: BLE001 - every operation is checked, then all reported
            failures[f"{operation.method.upper()} {operation.path}"] = describe(exc)
    assert checked >= 50, f"only {checked} operations in the served document?"
    assert not failures, "\n\n".join(f"== {name}\n{why}" for name, why in failures.items())
