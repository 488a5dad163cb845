"""The report in a real browser: headless Chromium renders report.html with every chart
image loaded and the page not blank."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib.image import imread

from tests.support.results import CHARTS, reported

PROBE = """<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  document.body.setAttribute("data-images", JSON.stringify(
    imgs.map(i => ({id: i.id, ok: i.complete && i.naturalWidth > 0, w: i.naturalWidth}))));
  document.body.setAttribute("data-text", String(document.body.innerText.length));
});
</script></body>"""


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if found := shutil.which(name):
            return found
    return None


def _run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run(
        [binary, *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_report_renders_in_headless_chromium(tmp_path):
    binary = _chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    folder = reported("five")
    probe = tmp_path / "probe.html"
    probe.write_text((folder / "report.html").read_text().replace("</body>", PROBE))
    done = _run_chromium(
        binary, tmp_path / "profile", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()
    )
    match = re.search(r'data-images="([^"]*)"', done.stdout)
    assert match, f"no probe result; chromium said: {done.stderr[-2000:]}"
    images = json.loads(match.group(1).replace("&quot;", '"'))
    assert {i["id"] for i in images} == set(CHARTS)
    assert all(i["ok"] and i["w"] > 300 for i in images), images
    assert int(re.search(r'data-text="(\d+)"', done.stdout).group(1)) > 2000

    shot = tmp_path / "shot.png"
    _run_chromium(
        binary,
        tmp_path / "profile",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
        (folder / "report.html").as_uri(),
    )
    pixels = imread(shot)[..., :3]
    assert pixels.shape[0] >= 2000 and pixels.shape[1] >= 1200
    not_white = (pixels < 0.9).any(axis=2).mean()
    assert not_white > 0.03, f"page looks blank ({not_white:.1%} of pixels not white)"
    assert pixels.std() > 0.05
