"""The Streamlit configuration is the hardened baseline for a public, privacy-sensitive site (R-2.1)."""

from __future__ import annotations

import tomllib

import pytest

from sdcf_metrics import paths

CONFIG = tomllib.loads((paths.PROJECT_ROOT / ".streamlit" / "config.toml").read_text())

BASELINE = [
    ("browser", "gatherUsageStats", False),
    ("client", "showErrorDetails", "none"),
    ("client", "toolbarMode", "viewer"),
    ("server", "enableXsrfProtection", True),
    ("server", "enableCORS", True),
    ("server", "maxUploadSize", 5),
    ("server", "enableStaticServing", False),
    ("server", "enableAgentApi", False),
    ("server", "fileWatcherType", "none"),
    ("server", "runOnSave", False),
    ("server", "headless", True),
    ("server", "address", "127.0.0.1"),
    ("runner", "magicEnabled", False),
    # Availability: a full garbage collection after every run held the interpreter 260-320 ms per rerun.
    ("runner", "postScriptGC", False),
]


@pytest.mark.parametrize(("section", "option", "expected"), BASELINE)
def test_hardened_option(section, option, expected):
    assert CONFIG[section][option] == expected


def test_streamlit_accepts_every_option():
    from streamlit import config

    known = config._config_options_template
    for section, options in CONFIG.items():
        for option in options:
            assert f"{section}.{option}" in known, f"{section}.{option} is not a Streamlit option"


def test_the_websocket_answers_only_to_named_hosts():
    """DNS rebinding: a page on another name that resolves here must not open a session."""
    hosts = CONFIG["server"]["allowedHosts"]
    assert hosts and "*" not in hosts and all(not host.startswith("*") for host in hosts)


def test_an_upload_the_server_accepts_is_parsed_without_a_temporary_file(monkeypatch):
    """Starlette spools uploads over 1 MB to disk unless told otherwise; the frame tells it."""
    import asyncio
    import tempfile
    from concurrent.futures import ThreadPoolExecutor

    from starlette.requests import Request

    from sdcf_metrics.ui.server import keep_uploads_in_memory

    def no_disk(*args, **kwargs):
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_disk)
    keep_uploads_in_memory()
    boundary = "sdcf-boundary"
    content = b"x" * (CONFIG["server"]["maxUploadSize"] * 1024**2)
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="figures.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    chunks = [body[start : start + 65_536] for start in range(0, len(body), 65_536)]

    async def receive():
        chunk = chunks.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}

    async def parse() -> bytes:
        scope = {
            "type": "http",
            "method": "PUT",
            "headers": [(b"content-type", f"multipart/form-data; boundary={boundary}".encode())],
        }
        form = await Request(scope, receive).form()
        return await form["file"].read()

    with ThreadPoolExecutor(1) as thread:  # the browser tests may leave an event loop running here
        assert thread.submit(asyncio.run, parse()).result() == content
