"""The running server, probed from outside (T-16): foreign origins are refused, errors stay private."""

from __future__ import annotations

import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect


def test_a_websocket_from_a_foreign_origin_is_refused(app_url):
    stream = app_url.replace("http://", "ws://") + "/_stcore/stream"
    foreign = "https://evil.example"
    with pytest.raises(InvalidStatus) as refused, connect(stream, origin=foreign, open_timeout=10):
        pass
    assert refused.value.response.status_code == 403


def test_the_app_origin_may_open_the_websocket(app_url):
    stream = app_url.replace("http://", "ws://") + "/_stcore/stream"
    with connect(stream, origin=app_url, open_timeout=10) as websocket:
        assert websocket.protocol.state.name == "OPEN"


def test_no_cross_origin_wildcard(app_url):
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=10) as response:
        assert response.headers.get("Access-Control-Allow-Origin") != "*"
