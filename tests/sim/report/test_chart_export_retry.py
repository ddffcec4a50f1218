"""Chart export through kaleido: a chart kaleido did not write is rendered once more, then the export says which and why.

kaleido returns the renders that failed (a render past its wait on a busy
machine, for one) instead of raising them. A fake kaleido stands in for the
real one here, so the rule is checked on observed calls, not on a clock;
tests/sim/report/test_report.py exports through the real kaleido and Chromium.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import pytest

from summitry.sim.report import chromium


def fake_kaleido(monkeypatch: pytest.MonkeyPatch, writes_per_call: list[set[str]]) -> list[tuple[list[str], float]]:
    """Install a kaleido that, on call i, writes the charts named in writes_per_call[i] and reports a timeout for the rest."""
    calls: list[tuple[list[str], float]] = []

    def write(jobs: list[dict[str, Any]], kopts: dict[str, Any]) -> tuple[BaseException, ...]:
        names = [Path(j["path"]).stem for j in jobs]
        calls.append((names, kopts["timeout"]))
        wanted = writes_per_call[len(calls) - 1]
        failed: list[BaseException] = []
        for job, name in zip(jobs, names, strict=True):
            if name in wanted:
                Path(job["path"]).write_bytes(b"\x89PNG fake")
            else:
                failed.append(TimeoutError(f"{name}: render timed out"))
        return tuple(failed)

    module = types.ModuleType("kaleido")
    module.write_fig_from_object_sync = write  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kaleido", module)
    monkeypatch.setattr(chromium, "find_chromium", lambda: "/usr/bin/chromium")
    return calls


FIGURES = {"fig-a": go.Figure(), "fig-b": go.Figure()}


def test_a_chart_kaleido_did_not_write_is_rendered_once_more_alone_with_a_longer_wait(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls = fake_kaleido(monkeypatch, [{"fig-a"}, {"fig-b"}])
    paths = chromium.export_figures(FIGURES, tmp_path, "png")
    assert [p.name for p in paths] == ["fig-a.png", "fig-b.png"]
    assert all(p.read_bytes() == b"\x89PNG fake" for p in paths)
    assert calls == [(["fig-a", "fig-b"], 90.0), (["fig-b"], 300.0)]


def test_all_written_the_first_time_means_one_call(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = fake_kaleido(monkeypatch, [{"fig-a", "fig-b"}])
    chromium.export_figures(FIGURES, tmp_path, "svg")
    assert calls == [(["fig-a", "fig-b"], 90.0)]


def test_a_chart_missing_after_the_retry_is_named_with_kaleidos_reason(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = fake_kaleido(monkeypatch, [{"fig-a"}, set()])
    with pytest.raises(chromium.ExportUnavailableError) as err:
        chromium.export_figures(FIGURES, tmp_path, "png")
    assert str(err.value) == "chart export failed: kaleido wrote no fig-b.png (fig-b: render timed out)"
    assert len(calls) == 2  # one retry, not more
