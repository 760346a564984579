"""A Streamlit session spoken to over its WebSocket, with Streamlit's own protobuf messages: no browser.

A browser tab costs a whole renderer; this client costs a socket and the parsing of the messages, so
fifty sessions run on two cores beside the server. It does what the frontend does that matters to the
server: it asks for a page with its query string, keeps the widgets' values and sends them all with every
rerun, follows the URL the app writes, and can ask the server to clear its caches as any visitor can.

Each rerun reports how long the server took to finish the script, the widgets it drew and whether the
page showed an exception or an error alert (the frame's word that the data cannot be opened is one). The load
tests of `tests/` and the capacity benchmark (`benchmarks/capacity.py`) drive it, the same way the
browser tests and the browser benchmarks share `browser_support`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import random
import statistics
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

RERUN_TIMEOUT_S = 120
_FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY,
    ForwardMsg.FINISHED_EARLY_FOR_RERUN,
    ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
}
_CHOICE_WIDGETS = ("selectbox", "radio", "multiselect")


@dataclass
class Widget:
    """A choice widget as the server drew it: its id (which ends with its key), options and value."""

    id: str
    kind: str
    options: list[str]
    value: list[str]

    @property
    def key(self) -> str:
        """The key the app gave the widget (`widget:city` for `state.choice("city", ...)`)."""
        return self.id.split("-", 2)[-1] if self.id.startswith("$$ID-") else self.id


@dataclass
class Run:
    """What one rerun did: seconds until the script finished, and what the page showed."""

    seconds: float
    status: int
    widgets: dict[str, Widget]
    query_string: str
    exceptions: list[str] = field(default_factory=list)
    error_alerts: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """An exception on the page, an error alert, or a script that did not compile."""
        return (
            bool(self.exceptions or self.error_alerts)
            or self.status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR
        )

    def widget(self, key: str) -> Widget:
        return _find(self.widgets, key)


def _find(widgets: Mapping[str, Widget], key: str) -> Widget:
    """The widget the app keyed `key`; LookupError when the page did not draw it (it failed first)."""
    for widget in widgets.values():
        if widget.key == f"widget:{key}":
            return widget
    raise LookupError(f"the page drew no widget {key!r}")


class Session:
    """One browser tab's session. Use `async with Session(url, page) as session:`."""

    def __init__(self, base_url: str, page: str, query_string: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.page = page
        self.query_string = query_string
        self.widgets: dict[str, Widget] = {}
        self._socket: Any = None

    async def __aenter__(self) -> Session:
        stream = self.base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
        self._socket = await websockets.connect(
            stream, subprotocols=["streamlit"], origin=self.base_url, max_size=None, open_timeout=30
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._socket.close()

    async def rerun(self, changes: Mapping[str, Sequence[str]] | None = None) -> Run:
        """Rerun the page with every widget's value, `changes` (widget id -> values) applied first."""
        for widget_id, values in (changes or {}).items():
            self.widgets[widget_id].value = list(values)
        message = BackMsg()
        message.rerun_script.query_string = self.query_string
        message.rerun_script.page_name = self.page
        for widget in self.widgets.values():
            state = message.rerun_script.widget_states.widgets.add()
            state.id = widget.id
            if widget.kind == "multiselect":
                state.string_array_value.data[:] = widget.value
            else:
                state.string_value = widget.value[0] if widget.value else ""
        started = time.perf_counter()
        await self._socket.send(message.SerializeToString())
        return await asyncio.wait_for(self._read_run(started), RERUN_TIMEOUT_S)

    async def change(self, key: str, pick: Callable[[Widget], list[str]]) -> Run:
        """Set the widget with `key` (as the app named it) to `pick(widget)` and rerun, as a visitor would."""
        widget = _find(self.widgets, key)
        return await self.rerun({widget.id: pick(widget)})

    async def clear_cache(self) -> None:
        """Ask the server to clear its caches, as any connected client can."""
        await self._socket.send(BackMsg(clear_cache=True).SerializeToString())

    async def _read_run(self, started: float) -> Run:
        drawn: dict[str, Widget] = {}
        exceptions: list[str] = []
        alerts: list[str] = []
        texts: list[str] = []
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self._socket.recv())
            kind = message.WhichOneof("type")
            if kind == "page_info_changed":
                self.query_string = message.page_info_changed.query_string
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                _read_element(message.delta.new_element, self.widgets, drawn, exceptions, alerts, texts)
            elif kind == "script_finished" and message.script_finished in _FINISHED:
                if message.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                self.widgets = drawn
                seconds = time.perf_counter() - started
                return Run(
                    seconds, message.script_finished, drawn, self.query_string, exceptions, alerts, texts
                )


def _read_element(
    element: Any,
    held: Mapping[str, Widget],
    drawn: dict[str, Widget],
    exceptions: list[str],
    alerts: list[str],
    texts: list[str],
) -> None:
    """Note what one element shows. A widget's value is the one the server sets, else the one this tab
    holds (and sent), else the widget's default, as in the browser."""
    kind = element.WhichOneof("type")
    if kind in _CHOICE_WIDGETS:
        proto = getattr(element, kind)
        options = list(proto.options)
        if proto.set_value:
            value = list(proto.raw_values) if kind == "multiselect" else [proto.raw_value]
        elif proto.id in held:
            value = held[proto.id].value
        elif kind == "multiselect":
            value = [options[index] for index in proto.default]
        else:
            value = [options[proto.default]] if options and proto.HasField("default") else []
        drawn[proto.id] = Widget(proto.id, kind, options, value)
    elif kind == "exception":
        exceptions.append(f"{element.exception.type}: {element.exception.message}")
    elif kind == "alert":
        if element.alert.format == Alert.ERROR:
            alerts.append(element.alert.body)
        texts.append(element.alert.body)
    elif kind in ("markdown", "text"):
        texts.append(getattr(element, kind).body)


# Load -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A visitor on one page changing one filter (a widget key) again and again."""

    page: str
    key: str


CITY_TRENDS_CITY = Scenario("City_trends", "city")
COMPARE_METRIC = Scenario("Compare_cities", "metric")
DEFAULT_SCENARIOS = (CITY_TRENDS_CITY, COMPARE_METRIC)


@dataclass
class LoadResult:
    """Reruns of a load run: their times, and every failure with what the page or the socket said."""

    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def reruns_per_second(self) -> float:
        return len(self.seconds) / self.elapsed if self.elapsed else 0.0

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def p95(self) -> float:
        if len(self.seconds) < 2:
            return self.seconds[0] if self.seconds else float("nan")
        return statistics.quantiles(self.seconds, n=20, method="inclusive")[-1]


def other_option(rng: random.Random) -> Callable[[Widget], list[str]]:
    """A pick of any option but the current one, as a visitor changing a filter makes."""

    def pick(widget: Widget) -> list[str]:
        others = [option for option in widget.options if option not in widget.value] or widget.options
        return [rng.choice(others)]

    return pick


async def visitor(
    base_url: str,
    scenario: Scenario,
    stop: asyncio.Event,
    result: LoadResult,
    *,
    seed: int,
    think_s: tuple[float, float] = (0.5, 1.5),
) -> None:
    """Open the scenario's page, then change its filter after a think time, until `stop` is set.

    Only the filter changes are timed (the first load is not); every failure is recorded, and a session
    whose socket breaks opens a new one, as a reloaded tab would.
    """
    rng = random.Random(seed)
    pick = other_option(rng)
    while not stop.is_set():
        try:
            async with Session(base_url, scenario.page) as session:
                first = await session.rerun()
                if first.failed:
                    result.failures.append(
                        f"{scenario.page} (first load): {first.exceptions or first.error_alerts}"
                    )
                while not stop.is_set():
                    await asyncio.sleep(rng.uniform(*think_s))
                    run = await session.change(scenario.key, pick)
                    result.seconds.append(run.seconds)
                    if run.failed:
                        result.failures.append(f"{scenario.page}: {run.exceptions or run.error_alerts}")
        except (TimeoutError, OSError, LookupError, websockets.WebSocketException) as error:
            if not stop.is_set():
                result.failures.append(f"{scenario.page}: {type(error).__name__}: {error}")
                await asyncio.sleep(1)


async def run_load(
    base_url: str,
    sessions: int,
    seconds: float,
    *,
    scenarios: Sequence[Scenario] = DEFAULT_SCENARIOS,
    seed: int = 0,
    during: Callable[[asyncio.Event], Any] | None = None,
) -> LoadResult:
    """`sessions` visitors spread over `scenarios` for `seconds` (or until `during`, a coroutine function
    given the stop event, returns); returns every timed rerun and failure."""
    result = LoadResult()
    stop = asyncio.Event()
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(
            visitor(base_url, scenarios[index % len(scenarios)], stop, result, seed=seed + index)
        )
        for index in range(sessions)
    ]
    if during is not None:
        await during(stop)
    else:
        await asyncio.sleep(seconds)
    stop.set()
    result.elapsed = time.perf_counter() - started
    await asyncio.gather(*tasks)
    return result


async def clear_cache_flood(base_url: str, stop: asyncio.Event, per_second: float) -> int:
    """One client asking the server to clear every cache `per_second` times a second until `stop`; how
    many times it asked. What the server sends back is read and dropped, as a tab would."""
    sent = 0
    async with Session(base_url, "") as flooder:

        async def drain() -> None:
            async for _ in flooder._socket:
                pass

        reader = asyncio.create_task(drain())
        while not stop.is_set():
            await flooder.clear_cache()
            sent += 1
            await asyncio.sleep(1 / per_second)
        reader.cancel()
    return sent


def edited_observations(source: Path) -> bytes:
    """observations.csv with one note changed: the sources of another data version, for a steward to
    publish while visitors read."""
    rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8-sig"), newline="")))
    notes = rows[0].index("notes")
    rows[1][notes] = (rows[1][notes] + " Edited for a load test.").strip()
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def run_async(work: Callable[[], Awaitable[Any]]) -> Any:
    """`asyncio.run(work())` on a thread of its own: the caller's thread may already run an event loop
    (Playwright's synchronous API keeps one)."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(work())
        except BaseException as error:  # handed to the caller below
            outcome["error"] = error

    thread = threading.Thread(target=target, name="stream-client")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
