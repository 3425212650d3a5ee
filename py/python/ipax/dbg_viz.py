"""``ipax-dbg-viz``: the viewer the debugger's ``viz`` command opens (optional extra ``ipax[viz]``).

``viz x|dx|<block>|kkt|L`` in ``ipax --debug`` writes a JSON artifact and, when neither
``$IPAX_DBG_VIEWER`` is set nor another viewer is configured, runs ``ipax-dbg-viz ARTIFACT``.
This turns the artifact into an interactive plotly figure (written as a self-contained HTML file
beside the artifact and opened in the browser):

- ``kind: block`` / ``delta`` (a block of the iterate or of the step): bars over the entries,
  labelled with the model's ``.col``/``.row`` names;
- ``kind: kkt`` (the factored KKT matrix, 1-based lower triplets ``irn``/``jcn``/``vals``): the
  symmetric matrix as a heatmap of ``log10 |a_ij|`` (the spy plot with magnitudes), the inertia
  in the title;
- ``kind: L`` (the LDLᵀ factor): L's pattern the same way, with D's diagonal as a second panel.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import webbrowser
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence


def _require_plotly() -> Any:
    try:
        import plotly.graph_objects as go  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as e:  # pragma: no cover - exercised without the extra
        raise SystemExit("ipax-dbg-viz needs plotly: pip install 'ipax[viz]' (or pip install plotly)") from e
    return go


def _triple(v: Any) -> str:
    """An inertia as ``(positive, negative, zero)`` from the debugger's object or a list."""
    if isinstance(v, dict):
        return f"({v.get('positive')}, {v.get('negative')}, {v.get('zero')})"
    if isinstance(v, list):
        return str(tuple(v))
    return str(v)


def _inertia_title(info: Optional[Dict[str, Any]]) -> str:
    if not isinstance(info, dict):
        return ""
    got = info.get("inertia")
    want = info.get("expected")
    parts = []
    if got is not None:
        parts.append(f"inertia {_triple(got)}")
    if want is not None:
        parts.append(f"expected {_triple(want)}")
    for k in ("delta_w", "delta_c"):
        if info.get(k) is not None:
            parts.append(f"{k} {info[k]:.1e}")
    return ", ".join(parts)


def _log_magnitudes(dim: int, irn: Sequence[int], jcn: Sequence[int], vals: Sequence[Optional[float]], symmetric: bool) -> List[List[Optional[float]]]:
    z: List[List[Optional[float]]] = [[None] * dim for _ in range(dim)]
    for r, c, v in zip(irn, jcn, vals):
        if v is None or v == 0.0:
            continue
        m = math.log10(abs(v)) if math.isfinite(v) else None
        z[r - 1][c - 1] = m
        if symmetric:
            z[c - 1][r - 1] = m
    return z


def figure(artifact: Dict[str, Any]) -> Any:
    """The plotly figure for one artifact (see the module docstring for the kinds)."""
    go = _require_plotly()
    kind = artifact.get("kind")
    it = artifact.get("iter")
    if kind in ("block", "delta"):
        values = [v if v is not None else float("nan") for v in artifact["values"]]
        labels = artifact.get("labels") or [str(i) for i in range(len(values))]
        fig = go.Figure(go.Bar(x=list(labels), y=values))
        fig.update_layout(title=f"{artifact.get('name', kind)} at iteration {it}", xaxis_title="entry", yaxis_title="value")
        return fig
    if kind in ("kkt", "L"):
        dim = int(artifact["dim"])
        z = _log_magnitudes(dim, artifact["irn"], artifact["jcn"], artifact["vals"], symmetric=(kind == "kkt"))
        title = ("KKT matrix" if kind == "kkt" else "LDLᵀ factor L") + f" at iteration {it} (log10 |entry|, n = {dim})"
        extra = _inertia_title(artifact.get("inertia"))
        if extra:
            title += f" — {extra}"
        heat = go.Heatmap(z=z, colorscale="Viridis", colorbar={"title": "log10 |a|"})
        fig = go.Figure(heat)
        fig.update_yaxes(autorange="reversed", scaleanchor="x")
        if kind == "L" and artifact.get("d_diag") is not None:
            from plotly.subplots import make_subplots  # type: ignore[import-not-found,import-untyped,unused-ignore]

            fig = make_subplots(rows=1, cols=2, column_widths=[0.7, 0.3], subplot_titles=("L", "diag(D)"))
            fig.add_trace(heat, row=1, col=1)
            d = [v if v is not None else float("nan") for v in artifact["d_diag"]]
            fig.add_trace(go.Bar(x=list(range(len(d))), y=d, name="D"), row=1, col=2)
            fig.update_yaxes(autorange="reversed", row=1, col=1)
        fig.update_layout(title=title)
        return fig
    raise ValueError(f"unknown artifact kind {kind!r} (expected block, delta, kkt or L)")


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="ipax-dbg-viz", description="Plot an artifact written by the ipax debugger's `viz` command.")
    p.add_argument("artifact", type=Path, help="the JSON file `viz` wrote")
    p.add_argument("-o", "--output", type=Path, help="HTML file to write (default: beside the artifact)")
    p.add_argument("--no-open", action="store_true", help="write the HTML file without opening a browser")
    args = p.parse_args(argv)
    try:
        artifact = json.loads(args.artifact.read_text())
    except (OSError, ValueError) as e:
        print(f"ipax-dbg-viz: cannot read {args.artifact}: {e}", file=sys.stderr)
        return 2
    try:
        fig = figure(artifact)
    except (KeyError, TypeError, ValueError) as e:
        print(f"ipax-dbg-viz: {args.artifact} is not a viz artifact: {e}", file=sys.stderr)
        return 2
    out = args.output or args.artifact.with_suffix(".html")
    fig.write_html(str(out), include_plotlyjs=True)
    print(out)
    if not args.no_open:
        webbrowser.open(out.resolve().as_uri())
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
