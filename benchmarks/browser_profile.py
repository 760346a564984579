"""Where the browser's main thread spends a filter change: Chromium's sampling CPU profile (DevTools
protocol, `Profiler`), added up per script.

Streamlit's frontend is split into one script per part (`PlotlyChart`, `StreamlitMarkdown`, `react-dom`,
`emotion-styled`...), so the script a sample runs in says which part of the page the time goes to. A call
into the browser itself (`getBoundingClientRect`, `setAttribute`) is charged to the script that made it.
Two entries are the browser's own: `(program)`, its work outside any script (style, layout, paint), and
`(garbage collector)`. Idle time is left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

# Microseconds between samples: fine enough for changes of a tenth of a second, coarse enough that the
# profiler itself costs little (Chromium's default is 1000).
SAMPLING_INTERVAL_US = 200

_IDLE = "(idle)"
_HASHED_SCRIPT = re.compile(r"^(?P<name>.+)\.[A-Za-z0-9_-]{8}\.js$")


def script_name(url: str) -> str:
    """The script a profile's call frame runs in, as Streamlit's bundle names it: `PlotlyChart` for
    `.../static/js/PlotlyChart.D9Z0_fxz.js` (the content hash dropped); "" for the browser's own code."""
    file = url.split("?", 1)[0].rsplit("/", 1)[-1]
    hashed = _HASHED_SCRIPT.match(file)
    return hashed["name"] if hashed else file


def _charged_to(node_id: int, nodes: Mapping[int, Mapping[str, Any]], parents: Mapping[int, int]) -> str:
    """The script a sample's time is charged to: its own, else its nearest caller's, else the browser's
    entry's name (`(program)`, `(garbage collector)`, `(idle)`)."""
    own = nodes[node_id]["callFrame"]["functionName"]
    current: int | None = node_id
    while current is not None:
        name = script_name(nodes[current]["callFrame"]["url"])
        if name:
            return name
        current = parents.get(current)
    return own or "(native)"


def script_times(profiles: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Milliseconds per profile (one change each) charged to each script, largest first, idle left out.

    A profile is what `Profiler.stop` returns: call-tree nodes, the node each sample was in, and the
    microseconds from each sample to the one before; a sample's time runs until the next sample.
    """
    totals: Counter[str] = Counter()
    count = 0
    for profile in profiles:
        count += 1
        nodes = {node["id"]: node for node in profile["nodes"]}
        parents = {child: node["id"] for node in profile["nodes"] for child in node.get("children", ())}
        samples, deltas = profile["samples"], profile["timeDeltas"]
        for index, node_id in enumerate(samples[:-1]):
            script = _charged_to(node_id, nodes, parents)
            if script != _IDLE:
                totals[script] += deltas[index + 1] / 1000
    return {script: total / count for script, total in totals.most_common()} if count else {}


class MainThreadProfiler:
    """Chromium's sampling profiler on one page, switched on around each change."""

    def __init__(self, page: Any) -> None:
        self.session = page.context.new_cdp_session(page)
        self.session.send("Profiler.enable")
        self.session.send("Profiler.setSamplingInterval", {"interval": SAMPLING_INTERVAL_US})

    def start(self) -> None:
        self.session.send("Profiler.start")

    def stop(self) -> dict[str, Any]:
        return self.session.send("Profiler.stop")["profile"]

    def close(self) -> None:
        self.session.detach()
