"""The running server, probed from outside (T-16): foreign origins are refused, errors stay private."""

from __future__ import annotations

import base64
import http.client
import os
import urllib.parse
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


def upgrade_status(app_url: str, host: str) -> int:
    """The status of a WebSocket upgrade to the app's stream sent with `host` as Host (and as Origin, as a
    page served under that name would): what a DNS-rebinding page gets."""
    address = urllib.parse.urlsplit(app_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.putrequest("GET", "/_stcore/stream", skip_host=True)
        for name, value in (
            ("Host", host),
            ("Origin", f"http://{host}"),
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Key", base64.b64encode(os.urandom(16)).decode()),
            ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Protocol", "streamlit"),
        ):
            connection.putheader(name, value)
        connection.endheaders()
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_websocket_for_another_host_name_is_refused(app_url):
    """DNS rebinding: a page at evil.example whose name now resolves to this server opens no session."""
    port = urllib.parse.urlsplit(app_url).port
    assert upgrade_status(app_url, f"evil.example:{port}") == 403
    assert upgrade_status(app_url, f"127.0.0.1:{port}") == 101
