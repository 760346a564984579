"""Two replicas behind Debian's nginx (`deploy/nginx.conf`), one bucket on moto's S3 server, browser
sessions through the proxy: a new version reaches both replicas within 10 s without a restart, and when
one replica stops under load, sessions on the other keep working and new sessions reach the live one.

Everything binds 127.0.0.1 and is stopped by its process id; the test takes about two minutes.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from fixtures import edit_row, write_sources

from deploy.local_trial import NGINX, ObjectStore, Proxy, Replica, moto_server, proxy, replica, sdcf
from sdcf_metrics import paths
from tests.e2e.browser_support import CHART, assert_no_exception, wait_until_idle
from tests.e2e.conftest import ARTIFACTS

NOTICE_WITHIN_S = 10
MAX_SESSIONS = 12
SETTLE_S = 15


@dataclass
class Cluster:
    store: ObjectStore
    steward: Path
    replicas: list[Replica]
    front: Proxy


def publish(cluster: Cluster, **overrides) -> str:
    write_sources(paths.sources_dir(cluster.steward), **overrides)
    done = sdcf(["build"], {**cluster.store.env, "SDCF_DATA_DIR": str(cluster.steward)})
    assert done.returncode == 0, done.stderr
    return re.search(r"Data version (\w+) published", done.stderr).group(1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Cluster:
    if not Path(NGINX).exists():
        message = "nginx is missing: apt-get install -y nginx-light libnginx-mod-http-headers-more-filter"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    work = tmp_path_factory.mktemp("cluster")
    with ExitStack() as stack:
        store = stack.enter_context(moto_server(work / "moto.log"))
        cluster = Cluster(store, work / "steward", [], None)  # type: ignore[arg-type]
        publish(cluster)
        cluster.replicas = [
            stack.enter_context(replica(store, work / f"replica-{index}", work / f"replica-{index}.log"))
            for index in range(2)
        ]
        cluster.front = stack.enter_context(
            proxy([served.url for served in cluster.replicas], work / "proxy")
        )
        yield cluster


def active_sessions(served: Replica) -> int:
    """The replica's own count of sessions, read directly (the proxy does not pass /_stcore/metrics)."""
    with urllib.request.urlopen(f"{served.url}/_stcore/metrics", timeout=5) as response:
        text = response.read().decode()
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith("active_sessions ")))


def open_session(browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{url}/City_trends")
    try:
        wait_until_idle(page)
        page.wait_for_selector(CHART)
    except Exception:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "replica-session-without-chart.png"), full_page=True)
        raise
    return context, page


def session_counts(cluster: Cluster, total: int) -> list[int]:
    """Both replicas' session counts once they add up to `total` (a closed browser context leaves its
    replica a moment later)."""
    deadline = time.monotonic() + SETTLE_S
    while True:
        counts = [active_sessions(served) for served in cluster.replicas]
        if sum(counts) == total or time.monotonic() > deadline:
            return counts
        time.sleep(0.1)


def sessions_on_both(cluster: Cluster, browser) -> dict[int, list]:
    """Open sessions through the proxy until each replica holds one; which replica got which is read from
    the replicas' session counts, starting from none."""
    held: dict[int, list] = {0: [], 1: []}
    assert session_counts(cluster, 0) == [0, 0], "sessions of an earlier test are still open"
    for opened in range(MAX_SESSIONS):
        before = session_counts(cluster, opened)
        context, page = open_session(browser, cluster.front.url)
        after = session_counts(cluster, opened + 1)
        grew = [index for index in (0, 1) if after[index] > before[index]]
        assert len(grew) == 1, f"one new session expected on one replica, got {before} -> {after}"
        held[grew[0]].append((context, page))
        if held[0] and held[1]:
            return held
    pytest.fail(f"{MAX_SESSIONS} sessions through the proxy all went to one replica: no load balancing")


def switch_city(page, city: str) -> None:
    """Change the City filter, as a reader does, and wait for the redrawn chart."""
    page.get_by_test_id("stMain").get_by_test_id("stSelectbox").first.locator("input").click()
    page.get_by_role("option", name=city, exact=True).click()
    page.wait_for_url(f"**city={city.lower()}**")
    wait_until_idle(page)
    page.wait_for_selector(CHART)
    assert_no_exception(page)


def mirrored_version(served: Replica) -> str:
    pointer = served.data_dir / "extracts" / "current.json"
    return json.loads(pointer.read_text(encoding="utf-8"))["data_version"]


def test_the_proxy_meets_the_deployment_requirements(cluster):
    front = cluster.front.url

    def fetch(path: str, **headers: str):
        request = urllib.request.Request(front + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    status, headers, _ = fetch("/City_trends")
    assert status == 200 and "Server" not in headers
    assert (
        headers["Content-Security-Policy"] == "frame-ancestors 'none'"
        and headers["X-Frame-Options"] == "DENY"
    )
    status, headers, _ = fetch("/City_trends?chart=city-trend&embed=true")
    assert headers["Content-Security-Policy"] == "frame-ancestors *" and "X-Frame-Options" not in headers
    assert fetch("/_stcore/metrics")[0] == 404
    status, _, body = fetch("/_stcore/host-config")
    assert status == 200 and json.loads(body)["allowedOrigins"] == []
    with pytest.raises(OSError):
        fetch("/", Host="evil.example")
    # One upload limit: 6 MB with framing; a larger body is refused by the proxy and never spooled.
    request = urllib.request.Request(
        front + "/_stcore/upload_file/session/file", data=b"x" * 6_500_000, method="PUT"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 413
    assert not any((cluster.front.config.parent / "client_body").iterdir())


def test_a_new_version_reaches_both_replicas_and_their_sessions_within_10_s(cluster, browser):
    held = sessions_on_both(cluster, browser)
    try:
        new = publish(
            cluster, observations=edit_row(0, value="3100", quote="3100 registered users (fixture).")
        )
        published = time.monotonic()
        noticed: dict[int, float] = {}
        while len(noticed) < 2 and time.monotonic() - published < 30:
            for index, served in enumerate(cluster.replicas):
                if index not in noticed and mirrored_version(served) == new:
                    noticed[index] = time.monotonic() - published
            time.sleep(0.1)
        print(f"replicas noticed version {new} after {', '.join(f'{s:.1f} s' for s in noticed.values())}")
        assert len(noticed) == 2 and max(noticed.values()) <= NOTICE_WITHIN_S
        for index in (0, 1):
            _, page = held[index][0]
            switch_city(page, "Brussels")
            assert f"Data version {new}" in page.inner_text("[data-testid=stSidebar]")
    finally:
        for sessions in held.values():
            for context, _ in sessions:
                context.close()


def test_stopping_a_replica_under_load_keeps_the_other_serving(cluster, browser):
    held = sessions_on_both(cluster, browser)
    errors: list[str] = []
    fresh = []
    try:
        survivors = [page for _, page in held[1]]
        for page in survivors:
            switch_city(page, "Brussels")
        cluster.replicas[0].process.terminate()
        cluster.replicas[0].process.wait(timeout=15)
        for round_ in range(3):
            for page in survivors:
                try:
                    switch_city(page, "Copenhagen" if round_ % 2 == 0 else "Brussels")
                except Exception as error:  # counted and reported: the target is none
                    errors.append(f"session on the live replica: {error}")
        for _ in range(4):
            try:
                context, page = open_session(browser, cluster.front.url)
                fresh.append(context)
                assert_no_exception(page)
            except Exception as error:
                errors.append(f"new session: {error}")
        print(
            f"{len(survivors)} sessions on the live replica x 3 changes, {len(fresh)} new sessions: "
            f"{len(errors)} errors"
        )
        assert errors == []
        assert active_sessions(cluster.replicas[1]) >= len(survivors) + len(fresh)
    finally:
        for context in fresh:
            context.close()
        for sessions in held.values():
            for context, _ in sessions:
                context.close()
