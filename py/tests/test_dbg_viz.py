"""The debugger's viewer (``ipax-dbg-viz``): artifacts of every kind become plotly figures and a
self-contained HTML file; malformed input is a clear error (exit 2), not a traceback."""

import json

import pytest

plotly = pytest.importorskip("plotly")

from ipax import dbg_viz  # noqa: E402


def _write(tmp_path, name, obj):
    p = tmp_path / name
    p.write_text(json.dumps(obj))
    return p


def test_a_block_becomes_labelled_bars(tmp_path):
    art = {"kind": "block", "name": "x", "iter": 3, "values": [1.0, 4.5, None], "labels": ["product", "waste", "feed"]}
    fig = dbg_viz.figure(art)
    bar = fig.data[0]
    assert list(bar.x) == ["product", "waste", "feed"]
    assert list(bar.y)[:2] == [1.0, 4.5]
    assert "iteration 3" in fig.layout.title.text


def test_the_kkt_matrix_is_a_symmetric_magnitude_map_with_the_inertia(tmp_path):
    # Lower triplets of [[4, 1, 0], [1, 0, 2], [0, 2, -1e-8]] (1-based).
    art = {"kind": "kkt", "iter": 1, "dim": 3, "irn": [1, 2, 3, 3], "jcn": [1, 1, 2, 3], "vals": [4.0, 1.0, 2.0, -1e-8],
           "inertia": {"inertia": {"positive": 2, "negative": 1, "zero": 0}, "expected": {"positive": 2, "negative": 1, "zero": 0},
                       "delta_w": 0.0, "delta_c": 1e-8}}
    fig = dbg_viz.figure(art)
    z = fig.data[0].z
    assert z[0][1] == z[1][0] == 0.0  # log10 |1|
    assert z[2][2] == pytest.approx(-8.0)
    assert z[0][2] is None  # structural zero
    assert "inertia (2, 1, 0)" in fig.layout.title.text


def test_l_and_d_get_two_panels_and_main_writes_html(tmp_path):
    art = {"kind": "L", "iter": 2, "dim": 2, "irn": [1, 2, 2], "jcn": [1, 1, 2], "vals": [1.0, 0.5, 1.0],
           "d_diag": [4.0, -0.25], "d_subdiag": [0.0, 0.0], "perm": [0, 1]}
    fig = dbg_viz.figure(art)
    assert len(fig.data) == 2 and list(fig.data[1].y) == [4.0, -0.25]
    path = _write(tmp_path, "viz-L.json", art)
    out = tmp_path / "L.html"
    assert dbg_viz.main([str(path), "--no-open", "-o", str(out)]) == 0
    html = out.read_text()
    assert "plotly" in html.lower() and len(html) > 10_000


def test_bad_artifacts_are_clear_errors(tmp_path, capsys):
    assert dbg_viz.main([str(tmp_path / "missing.json"), "--no-open"]) == 2
    assert "cannot read" in capsys.readouterr().err
    bad = _write(tmp_path, "bad.json", {"kind": "spectrum"})
    assert dbg_viz.main([str(bad), "--no-open"]) == 2
    assert "not a viz artifact" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert dbg_viz.main([str(broken), "--no-open"]) == 2
