"""The gateway forwards /v1/<service>/<path> and nothing else: no path it forwards can be
normalised (by aiohttp/yarl, or by the service) into the service's internal routes."""

from __future__ import annotations

import pytest

from gateway.routing import UnsafePath, upstream_path


def forwarded(path: str, raw: str | None = None) -> str:
    return upstream_path("inbox", path, (raw if raw is not None else f"/v1/inbox/{path}").encode())


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", "/v1/inbox"),
        ("conversations", "/v1/inbox/conversations"),
        (
            "conversations/6a1f0c1e-8f1f-4a53-a0fb-3c5e2b1f9d10",
            "/v1/inbox/conversations/6a1f0c1e-8f1f-4a53-a0fb-3c5e2b1f9d10",
        ),
        ("drafts/abc/approve", "/v1/inbox/drafts/abc/approve"),
        ("tags/", "/v1/inbox/tags/"),
        ("notes/caf\u00e9 au lait", "/v1/inbox/notes/caf%C3%A9%20au%20lait"),  # re-encoded, never raw
        ("a?b#c", "/v1/inbox/a%3Fb%23c"),  # a decoded '?' or '#' stays part of the segment
    ],
)
def test_ordinary_paths_are_forwarded_under_the_service_prefix(path: str, expected: str) -> None:
    assert forwarded(path) == expected


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("../../metrics", "/v1/inbox/../../metrics"),
        ("x/../../../openapi.json", "/v1/inbox/x/../../../openapi.json"),
        ("./metrics", "/v1/inbox/./metrics"),
        ("../../metrics", "/v1/inbox/..%2f..%2fmetrics"),  # decoded by the server before matching
        ("../../metrics", "/v1/inbox/%2e%2e/%2E%2E/metrics"),
        ("..\\..\\metrics", "/v1/inbox/..%5c..%5cmetrics"),
        ("..\\..\\metrics", "/v1/inbox/..\\..\\metrics"),
        ("conversations//x", "/v1/inbox/conversations//x"),
        ("a\x00b", "/v1/inbox/a%00b"),
        ("ok/..", "/v1/inbox/ok/.."),
    ],
)
def test_dot_segments_and_encoded_separators_are_refused(path: str, raw: str) -> None:
    with pytest.raises(UnsafePath):
        forwarded(path, raw)
