"""Embeds served per second from one core: the static copy (`publish-static`) against the Streamlit embed.

Each server is pinned to core 0 (`taskset`), the load to core 1, in the same run. A static embed is one
GET of the chart's page (Plotly's script is loaded once per reader and cached, and is left out); a
Streamlit embed is what one reader's tab costs the server: the page's HTML, then a WebSocket session
that runs the page in chart-only mode (`?chart=...&embed=true`) until the script finishes. The load is
Python asyncio on one core, so a static server's figure is a floor: the client saturates first.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from sdcf_metrics import paths
from sdcf_metrics.sharing import static_chart_path
from sdcf_metrics.static_site import SITE_LINK, publish_static
from sdcf_metrics.store import get_store
from tests.e2e.browser_support import free_port, static_file_server, streamlit_server

from . import ROOT
from .measure import Check, Target
from .report import Section, Table

SERVER_CORE, LOAD_CORE = 0, 1
CONCURRENCY = 16
STATIC_SECONDS, STREAMLIT_SECONDS = 5.0, 15.0
SPEEDUP_TARGET = Target(100, "×", at_most=False)
NGINX = "/usr/sbin/nginx"
_NGINX_CONF = """daemon off; worker_processes 1; pid {root}/nginx.pid; error_log {root}/nginx.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; keepalive_requests 100000; include /etc/nginx/mime.types;
  client_body_temp_path {root}/tmp; proxy_temp_path {root}/tmp; fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp; scgi_temp_path {root}/tmp;
  server {{ listen 127.0.0.1:{port}; root {site}; }} }}
"""


@dataclass(frozen=True)
class Served:
    """What one server managed: embeds answered, errors and the seconds measured."""

    server: str
    answered: int
    errors: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.answered / self.seconds


def _pin(pid: int, core: int) -> None:
    """Pin every thread of a process to one core."""
    subprocess.run(["taskset", "-a", "-cp", str(core), str(pid)], check=True, capture_output=True)


async def _send_get(host: str, port: int, path: str, reader_writer: list) -> str:
    reader, writer = reader_writer
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    await writer.drain()
    return (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").lower()


async def _http_get(host: str, port: int, path: str, reader_writer: list) -> bool:
    """One GET on a kept-alive connection; True on 200. A connection the server closed while it sat idle
    (uvicorn closes them after 5 s, which a reader's WebSocket phase outlasts under load) is opened again
    and the GET sent once more, as a browser does; any other failure counts."""
    reused = bool(reader_writer)
    if not reused:
        reader_writer.extend(await asyncio.open_connection(host, port))
    try:
        head = await _send_get(host, port, path, reader_writer)
    except (ConnectionResetError, asyncio.IncompleteReadError) as error:
        if not reused or getattr(error, "partial", b""):
            raise
        reader_writer[:] = await asyncio.open_connection(host, port)
        head = await _send_get(host, port, path, reader_writer)
    reader, writer = reader_writer
    length = int(head.split("content-length:", 1)[1].split("\r\n", 1)[0])
    await reader.readexactly(length)
    if "connection: close" in head or head.startswith("http/1.0"):
        writer.close()
        reader_writer.clear()
    return head.startswith(("http/1.1 200", "http/1.0 200"))


async def _load(one: Callable[[list], Awaitable[bool]], seconds: float) -> tuple[int, int, float]:
    """`CONCURRENCY` clients repeating `one` for `seconds`: (successes, errors, seconds taken)."""
    deadline = time.perf_counter() + seconds
    counts = [0, 0]

    async def client() -> None:
        state: list = []
        while time.perf_counter() < deadline:
            try:
                counts[0 if await one(state) else 1] += 1
            except (OSError, asyncio.IncompleteReadError, ValueError, websockets.WebSocketException):
                counts[1] += 1
                state.clear()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CONCURRENCY)))
    return counts[0], counts[1], time.perf_counter() - started


def _measure(name: str, one: Callable[[list], Awaitable[bool]], seconds: float) -> Served:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {LOAD_CORE})
    try:
        answered, errors, taken = asyncio.run(_load(one, seconds))
    finally:
        os.sched_setaffinity(0, before)
    return Served(name, answered, errors, taken)


def _static_get(url: str, path: str) -> Callable[[list], Awaitable[bool]]:
    parts = urlsplit(url)
    return lambda state: _http_get(parts.hostname or "", parts.port or 80, path, state)


def _streamlit_embed(url: str, page: str, query: str) -> Callable[[list], Awaitable[bool]]:
    """A reader opening a Streamlit embed: the page's HTML, then one chart-only run on a new session."""
    parts = urlsplit(url)
    stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"

    async def one(state: list) -> bool:
        if not await _http_get(parts.hostname or "", parts.port or 80, f"/{page}?{query}", state):
            return False
        message = BackMsg()
        message.rerun_script.query_string = query
        message.rerun_script.page_name = page
        async with websockets.connect(
            stream, subprotocols=["streamlit"], origin=url, max_size=None
        ) as socket:
            await socket.send(message.SerializeToString())
            charts = 0
            while True:
                received = ForwardMsg()
                received.ParseFromString(await socket.recv())
                kind = received.WhichOneof("type")
                if kind == "delta" and received.delta.WhichOneof("type") == "new_element":
                    charts += received.delta.new_element.WhichOneof("type") == "plotly_chart"
                elif kind == "script_finished":
                    if received.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                        return received.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY and charts == 1

    return one


@contextmanager
def _nginx(site: Path, scratch: Path) -> Iterator[str]:
    port = free_port()
    (scratch / "tmp").mkdir(parents=True, exist_ok=True)
    conf = scratch / "nginx.conf"
    conf.write_text(_NGINX_CONF.format(root=scratch, port=port, site=site), encoding="utf-8")
    process = subprocess.Popen([NGINX, "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["curl", "-sf", "-o", "/dev/null", f"http://127.0.0.1:{port}/"]).returncode:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not start; see {scratch / 'nginx.log'}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(scratch: Path, log: Callable[[str], None] = print) -> Section:
    data = scratch / "embeds-data"
    shutil.copytree(paths.sources_dir(), paths.sources_dir(data))
    shutil.copytree(paths.extracts_dir(), paths.extracts_dir(data))
    previous = os.environ.get("SDCF_DATA_DIR")
    os.environ["SDCF_DATA_DIR"] = str(data)
    try:
        log("embeds: writing the static copy (without images)")
        store = get_store()
        publish_static(scratch / "static", store, render_images=False)
    finally:
        if previous is None:
            os.environ.pop("SDCF_DATA_DIR")
        else:
            os.environ["SDCF_DATA_DIR"] = previous
    site = (scratch / "static" / SITE_LINK).resolve()
    os.chmod(scratch, 0o755)  # nginx's worker drops root and must reach the copy inside the scratch folder
    params = {"city": "copenhagen", "metric": "registered_users"}
    chart_path = "/" + static_chart_path(store.data_version, "City_trends", "city-trend", params)
    embed_query = urlencode({**params, "chart": "city-trend", "v": store.data_version, "embed": "true"})
    results: list[Served] = []
    if Path(NGINX).exists():
        log("embeds: nginx, one worker")
        with _nginx(site, scratch / "nginx") as (url, pid):
            _pin(pid, SERVER_CORE)
            results.append(
                _measure("static copy, nginx (1 worker)", _static_get(url, chart_path), STATIC_SECONDS)
            )
    log("embeds: Python http.server")
    with static_file_server(site, scratch / "http-server.log") as server:
        _pin(server.process.pid, SERVER_CORE)
        results.append(
            _measure("static copy, Python http.server", _static_get(server.url, chart_path), STATIC_SECONDS)
        )
    log("embeds: Streamlit chart-only embed")
    environment = {**os.environ, "SDCF_DATA_DIR": str(data)}
    with streamlit_server(ROOT, scratch / "streamlit-embeds.log", environment) as server:
        _pin(server.process.pid, SERVER_CORE)
        embed = _streamlit_embed(server.url, "City_trends", embed_query)
        asyncio.run(_load(embed, 1.0))  # warm-up: the first run opens the store
        results.append(_measure("Streamlit embed (chart-only page)", embed, STREAMLIT_SECONDS))
    return _section(results, (site / chart_path.lstrip("/") / "index.html").stat().st_size)


def _section(results: list[Served], page_bytes: int) -> Section:
    table = Table(["server (pinned to one core)", "embeds per second", "errors", "measured"])
    for served in results:
        table.add(served.server, f"{served.per_second:,.0f}", served.errors, f"{served.seconds:.1f} s")
    streamlit = results[-1]
    best_static = max(results[:-1], key=lambda served: served.per_second)
    speedup = best_static.per_second / max(streamlit.per_second, 1e-9)
    section = Section(
        "Embeds: static copy against the Streamlit embed",
        __doc__.split("\n\n", 1)[1].replace("\n", " ").strip()
        + f" {CONCURRENCY} concurrent readers; the chart page is {page_bytes / 1000:.1f} KB.",
        tables=[("", table)],
    )
    section.checks.append(
        Check("embeds", f"{best_static.server} against Streamlit, embeds per second", speedup, SPEEDUP_TARGET)
    )
    section.findings.append(
        f"One core serves {best_static.per_second:,.0f} static embeds a second against "
        f"{streamlit.per_second:,.1f} Streamlit embeds ({speedup:,.0f}×); errors: "
        f"{sum(served.errors for served in results)}."
    )
    return section
