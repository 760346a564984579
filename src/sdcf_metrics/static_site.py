"""The static copy: every chart a share link can name, as files any plain web server can serve.

A newspaper's embed opened by thousands of readers then costs a file read each, not a Streamlit session
(a WebSocket, server memory and a Python rerun per reader). Layout of `OUT/`:

    site -> releases/<id>          the folder to serve; a symbolic link swapped atomically
    releases/<id>/manifest.json    what was written: each chart's page, parameters, title and files,
                                   with the SHA-256 and size of every file
    releases/<id>/index.html       a list of the charts, for people
    releases/<id>/plotly-<v>.min.js  Plotly's JavaScript, once, from the installed package (no CDN)
    releases/<id>/<version>/<page>/<chart>/<hash>/  index.html, chart.png, chart.svg, data.csv

Each chart page is self-contained apart from the script: the figure (with its title, sources, licence
and data version) and its rows inline, a text alternative, and links to the files beside it. Folder
names come from `sharing.static_chart_path`, which the app uses to link to them.

A run builds a new release beside the current one and swaps the link, like the extracts' pointer:
a reader gets the old copy or the new one, never a mix. Files whose content is unchanged are hard
links to the previous release's (nothing rewritten), and images are rendered again only for figures
that changed. Earlier data versions still kept in the extracts are carried over, so a pinned embed
keeps working as long as its version is kept.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly
import plotly.io
import pyarrow as pa

from . import images
from .charts import chart_config
from .export import safe_rows, to_csv_bytes
from .i18n import t
from .release import fsync
from .sharing import static_chart_path, view_url
from .store import Store
from .ui.navigation import PAGES
from .untrusted import web_address
from .views import ChartView

MANIFEST = "manifest.json"
SITE_LINK = "site"
RELEASES = "releases"
MANIFEST_FORMAT = 1
IMAGE_FORMATS: tuple[images.ImageFormat, ...] = ("png", "svg")


@dataclass(frozen=True)
class StaticChart:
    """One chart of the copy: where it is, which view of which page it shows, and the view itself."""

    path: str
    page: str
    params: Mapping[str, list[str]]
    view: ChartView


@dataclass(frozen=True)
class Report:
    """What a run did: the release served, the files it wrote anew or kept (hard links) from the last one,
    the images it rendered, and whether the served copy changed at all."""

    release: str
    data_version: str
    charts: int
    written: tuple[str, ...]
    kept: int
    rendered_images: int
    images: bool
    changed: bool


def plotly_script_name() -> str:
    from plotly.offline import get_plotlyjs_version

    return f"plotly-{get_plotlyjs_version()}.min.js"


def _plotly_script() -> bytes:
    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


def static_charts(store: Store) -> Iterator[StaticChart]:
    """Every chart a share link can name on every page, for the store's data version, each once."""
    seen: set[str] = set()
    for page in PAGES:
        if page.static_views is None:
            continue
        for embeddable in page.static_views(store):
            path = static_chart_path(store.data_version, page.url_path, embeddable.key, embeddable.params)
            if path not in seen:
                seen.add(path)
                yield StaticChart(path, page.url_path, embeddable.params, embeddable.build())


# One chart's page ----------------------------------------------------------------------------------------


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no `<`, `>` or `&` that could end it."""
    return value.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _link(address: str, text: str) -> str:
    """A link that opens in a new tab, address and text escaped."""
    return (
        f'<a href="{html.escape(address, quote=True)}" target="_blank" rel="noopener">{html.escape(text)}</a>'
    )


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    address = web_address(text)
    if address:
        return _link(address, text)
    return html.escape(text)


def _table_html(table: pa.Table) -> str:
    head = "".join(f"<th scope=col>{html.escape(name)}</th>" for name in table.column_names)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>" for row in safe_rows(table)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = (
    "body{margin:0;font:14px/1.45 Helvetica,Arial,sans-serif;color:#222;background:#fff}"
    "main{max-width:1100px;margin:0 auto;padding:8px}#chart{width:100%;height:480px}"
    ".links a{margin-right:1em}table{border-collapse:collapse;font-size:12px}"
    "th,td{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "details{margin-top:8px}.note{color:#444}"
)


def chart_page(chart: StaticChart, *, depth: int, app_url: str, with_images: bool) -> str:
    """The HTML of one chart: the figure drawn by the shared Plotly script `depth` folders up."""
    view = chart.view
    figure_json = _script_json(plotly.io.to_json(view.figure, validate=False))
    config_json = _script_json(json.dumps({**chart_config(view.title), "responsive": True}))
    height = int(view.figure.layout.height or 480)
    files = [(t("Data (CSV)"), "data.csv")]
    if with_images:
        files += [(t("Image (PNG)"), "chart.png"), (t("Image (SVG)"), "chart.svg")]
    links = [f'<a href="{name}" download>{html.escape(label)}</a>' for label, name in files]
    if app_url:
        links.append(_link(view_url(app_url, chart.page, chart.params), t("Explore the full dashboard")))
    script = "../" * depth + plotly_script_name()
    rows_caption = t("Data behind this chart ({rows} rows)", rows=view.table.num_rows)
    return (
        "<!doctype html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{html.escape(view.title)}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # No icon file: a browser would otherwise ask the server for /favicon.ico.
        '<link rel="icon" href="data:,">'
        f"<style>{_STYLE}</style></head><body><main>"
        f'<div id="chart" role="img" aria-label="{html.escape(view.summary or view.title, quote=True)}" '
        f'style="height:{height}px"></div>'
        f'<p class="note">{html.escape(view.summary)}</p>'
        f'<p class="links">{"".join(links)}</p>'
        f"<details><summary>{html.escape(rows_caption)}</summary>{_table_html(view.table)}</details>"
        f'</main><script src="{html.escape(script, quote=True)}"></script>'
        f'<script type="application/json" id="figure">{figure_json}</script>'
        f'<script type="application/json" id="config">{config_json}</script>'
        "<script>var f=JSON.parse(document.getElementById('figure').textContent);"
        "Plotly.newPlot('chart',f.data,f.layout,JSON.parse(document.getElementById('config').textContent));"
        "</script></body></html>\n"
    )


def _index_page(charts: Sequence[StaticChart], data_version: str) -> str:
    items = "".join(
        f'<li><a href="{html.escape(chart.path, quote=True)}">{html.escape(chart.view.title)}</a></li>'
        for chart in charts
    )
    title = html.escape(t("Charts of data version {version}", version=data_version))
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<link rel="icon" href="data:,"></head>'
        f"<body><h1>{title}</h1><ul>{items}</ul></body></html>\n"
    )


# Writing a release ---------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class _Writer:
    """Files of a new release: unchanged ones hard-linked from the previous release, the rest written."""

    def __init__(self, staging: Path, previous: Path | None, previous_files: Mapping[str, str]) -> None:
        self.staging = staging
        self.previous = previous
        self.previous_files = previous_files
        self.files: dict[str, dict[str, Any]] = {}
        self.written: list[str] = []
        self.kept = 0

    def _target(self, name: str) -> Path:
        target = self.staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def keep(self, name: str) -> bool:
        """Link `name` from the previous release if it is there as its manifest says; False otherwise."""
        digest = self.previous_files.get(name)
        if digest is None or self.previous is None:
            return False
        source = self.previous / name
        try:
            os.link(source, self._target(name))
        except OSError:
            return False
        self.files[name] = {"sha256": digest, "bytes": source.stat().st_size}
        self.kept += 1
        return True

    def put(self, name: str, data: bytes) -> None:
        digest = _sha256(data)
        if self.previous_files.get(name) == digest and self.keep(name):
            return
        target = self._target(name)
        target.write_bytes(data)
        os.chmod(target, 0o644)
        self.files[name] = {"sha256": digest, "bytes": len(data)}
        self.written.append(name)


def _chart_files(
    writer: _Writer,
    chart: StaticChart,
    previous_charts: Mapping[str, Mapping[str, Any]],
    *,
    app_url: str,
    with_images: bool,
) -> tuple[dict[str, Any], int]:
    """Write one chart's folder; return its manifest entry and how many images were rendered."""
    figure_key = images.figure_key(chart.view.figure, "png")
    depth = chart.path.count("/")
    page = chart_page(chart, depth=depth, app_url=app_url, with_images=with_images)
    writer.put(chart.path + "index.html", page.encode())
    writer.put(chart.path + "data.csv", to_csv_bytes(chart.view.table))
    rendered = 0
    if with_images:
        unchanged = previous_charts.get(chart.path, {}).get("figure") == figure_key
        for image_format in IMAGE_FORMATS:
            name = f"{chart.path}chart.{image_format}"
            if not (unchanged and writer.keep(name)):
                writer.put(name, images.render(chart.view.figure, image_format))
                rendered += 1
    entry = {
        "page": chart.page,
        "chart": chart.view.key,
        "params": dict(chart.params),
        "title": chart.view.title,
        "figure": figure_key,
        "files": sorted(name for name in writer.files if name.startswith(chart.path)),
    }
    return entry, rendered


def publish_static(
    out: Path,
    store: Store,
    *,
    app_url: str = "",
    kept_versions: Sequence[str] = (),
    render_images: bool = True,
) -> Report:
    """Write the static copy of `store`'s data version to `out` and serve it from `out/site`.

    `kept_versions` are earlier data versions whose charts are carried over from the previous release
    (the extracts still keep them, so embeds pinned to them keep working). Images are rendered only
    where Chromium is installed (and `render_images` allows); the report says when they were left out.
    """
    releases = out / RELEASES
    releases.mkdir(parents=True, exist_ok=True)
    site = out / SITE_LINK
    previous = site.resolve() if site.is_symlink() else None
    previous_manifest = _read_manifest(previous) if previous else {}
    previous_files = {name: entry["sha256"] for name, entry in previous_manifest.get("files", {}).items()}
    previous_charts = {entry["path"]: entry for entry in previous_manifest.get("charts", [])}
    with_images = render_images and images.browser_path() is not None
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=releases))
    try:
        writer = _Writer(staging, previous, previous_files)
        charts = list(static_charts(store))
        entries, rendered = [], 0
        for chart in charts:
            entry, count = _chart_files(
                writer, chart, previous_charts, app_url=app_url, with_images=with_images
            )
            entries.append({"path": chart.path, **entry})
            rendered += count
        writer.put(plotly_script_name(), _plotly_script())
        writer.put("index.html", _index_page(charts, store.data_version).encode())
        carried = [
            name
            for name in previous_files
            if name.split("/", 1)[0] in set(kept_versions) - {store.data_version} and writer.keep(name)
        ]
        manifest = {
            "format": MANIFEST_FORMAT,
            "data_version": store.data_version,
            "published_on": store.release.published_on,
            "plotly_script": plotly_script_name(),
            "images": with_images,
            "charts": entries,
            "carried_over": sorted({name.split("/", 1)[0] for name in carried}),
            "files": dict(sorted(writer.files.items())),
        }
        text = json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        release_id = _sha256(text.encode())[:12]
        target = releases / release_id
        changed = previous is None or previous != target.resolve()
        report = Report(
            release_id,
            store.data_version,
            len(charts),
            tuple(writer.written),
            writer.kept,
            rendered,
            with_images,
            changed,
        )
        if not changed:
            return report
        (staging / MANIFEST).write_text(text, encoding="utf-8")
        os.chmod(staging / MANIFEST, 0o644)
        for directory in [staging, *(path for path in staging.rglob("*") if path.is_dir())]:
            os.chmod(directory, 0o755)
        if target.exists():
            shutil.rmtree(target)
        os.rename(staging, target)
        fsync(releases)
        _swap_link(site, Path(RELEASES) / release_id)
        _prune(releases, keep={release_id, previous.name if previous else ""})
        return report
    finally:
        if staging.exists():
            shutil.rmtree(staging)


def _swap_link(link: Path, target: Path) -> None:
    """Point `link` at `target` atomically: a new link under a temporary name, renamed over the old one."""
    temporary = link.with_name(f".{link.name}-{os.getpid()}")
    if temporary.is_symlink():
        temporary.unlink()
    temporary.symlink_to(target, target_is_directory=True)
    os.replace(temporary, link)
    fsync(link.parent)


def _prune(releases: Path, keep: set[str]) -> None:
    """Delete releases other than `keep` (the one served and the one before, for readers still loading
    it) and what a crashed run left; one run at a time, as with the extracts."""
    for child in releases.iterdir():
        if child.name not in keep:
            shutil.rmtree(child)
