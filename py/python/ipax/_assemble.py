"""Matrices from products: the Hessian and Jacobian of a matrix-free problem, assembled with few
Python calls.

A problem that gives only products (``hvp``, ``jvp``/``vjp``) runs on the solver's condensed
route, and for ``n ≤ 500`` that route factors ``N = W + Σ + Jᵀ D J`` densely, building it column by
column: ``n`` Hessian products (and ``n`` Jacobian products each way) *per factorization*, each a
Python call. Here the matrices are instead assembled once per evaluation point, from a block of
products ``A S``:

* with a structure (``hessianstructure`` / ``jacobianstructure``), ``S`` is the CPR seed matrix of
  a column colouring (Curtis, Powell & Reid 1974): columns of one colour share no row, so
  ``A[i, j] = (A S)[i, colour(j)]``. A banded matrix of bandwidth ``w`` needs ``w`` columns,
  whatever ``n``. For the symmetric Hessian the colouring is of the full pattern (both
  triangles), which makes the recovery direct (Gebremedhin, Manne & Pothen, SIAM Review 47, 2005,
  "distance-2 colouring");
* without a structure and for small ``n``, ``S = I`` (the dense matrix).

``A S`` is **one** call when the callback accepts a 2-D block (``hvp(x, λ, σ, V)`` with ``V`` of
shape ``(n, k)`` returning ``(n, k)``, as any callback written with ``@`` does); this is checked
once per solve by comparing a random 2-column block against two single products. Otherwise
``A S`` costs ``k`` calls, still once per evaluation point rather than per factorization.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

import numpy as np

__all__ = ["greedy_column_coloring", "coloring_cost", "BlockProduct", "SparseFromProducts", "DENSE_MAX_N"]

#: Largest ``n`` for which a product-only derivative *without* a structure is assembled densely
#: (``S = I``). It is the size up to which the solver's condensed route builds a dense matrix from
#: ``n`` products anyway (``CONDENSED_DENSE_MAX_N`` in src/factory.rs); above it the route is CG,
#: which needs only a few products per iteration.
DENSE_MAX_N = 500


def greedy_column_coloring(rows: np.ndarray, cols: np.ndarray, ncols: int) -> Tuple[np.ndarray, int]:
    """Colour columns so that no two columns of one colour share a row (structurally orthogonal).

    This is the CPR partition (Curtis, Powell & Reid 1974): with seed ``s_k = Σ_{j: colour j = k} e_j``
    the product ``A s_k`` holds ``A[i, j]`` at row ``i`` for the one column ``j`` of colour ``k``
    with a nonzero in that row. Greedy in natural order: a banded matrix of bandwidth ``w`` gets
    ``w`` colours, independent of ``ncols``. For a symmetric matrix pass the *full* pattern (both
    triangles): then ``H s_k`` recovers every ``H[i, j]`` directly.
    """
    colors = np.full(ncols, -1, dtype=np.int64)
    if rows.size == 0:
        return np.zeros(ncols, dtype=np.int64), (1 if ncols else 0)
    order = np.argsort(rows, kind="stable")
    r_sorted, c_sorted = rows[order], cols[order]
    row_start = np.searchsorted(r_sorted, np.arange(int(rows.max()) + 2))
    by_col = np.argsort(cols, kind="stable")
    col_rows = rows[by_col]
    col_start = np.searchsorted(cols[by_col], np.arange(ncols + 1))
    ncolors = 0
    for j in range(ncols):
        forbidden = set()
        for i in col_rows[col_start[j] : col_start[j + 1]]:
            for k in c_sorted[row_start[i] : row_start[i + 1]]:
                ck = colors[k]
                if ck >= 0:
                    forbidden.add(int(ck))
        c = 0
        while c in forbidden:
            c += 1
        colors[j] = c
        ncolors = max(ncolors, c + 1)
    return colors, ncolors


class BlockProduct:
    """``A(x) V`` for a block ``V`` (``dim_in × k``) through a product callback ``fn(*head, v)``.

    The first call checks, at that point, whether ``fn`` accepts a 2-D block: one product with a
    random ``dim_in × k₀`` block against ``k₀`` single products (``k₀ = 2``, or 3/4 when 2 is a
    dimension, so that a mis-broadcast cannot pass by accident). If it does (same values to
    1e-10 relative), every later ``A V`` is one call; if not (an exception, a wrong shape or wrong
    values), ``A V`` is ``k`` calls, one per column. ``calls`` counts the calls made.
    """

    def __init__(self, fn: Callable[..., Any], dim_in: int, dim_out: int) -> None:
        self.fn = fn
        self.dim_in = dim_in
        self.dim_out = dim_out
        self.batched: Optional[bool] = None
        self.calls = 0

    def _one(self, head: Tuple[Any, ...], v: np.ndarray) -> np.ndarray:
        self.calls += 1
        out = np.asarray(self.fn(*head, v), dtype=np.float64).reshape(-1)
        if out.size != self.dim_out:
            raise ValueError(f"a product returned {out.size} values, expected {self.dim_out}")
        return out

    def _columns(self, head: Tuple[Any, ...], v: np.ndarray) -> np.ndarray:
        out = np.empty((self.dim_out, v.shape[1]))
        for k in range(v.shape[1]):
            out[:, k] = self._one(head, np.ascontiguousarray(v[:, k]))
        return out

    def _probe(self, head: Tuple[Any, ...]) -> bool:
        k0 = next(k for k in (2, 3, 4) if k not in (self.dim_in, self.dim_out))
        probe = np.random.default_rng(12345).standard_normal((self.dim_in, k0))
        single = self._columns(head, probe)  # errors here are the callback's own: raised
        try:
            self.calls += 1
            block = np.asarray(self.fn(*head, probe.copy()), dtype=np.float64)
        except Exception:  # noqa: BLE001 - a callback written for vectors only: fall back
            return False
        if block.shape != (self.dim_out, k0):
            return False
        scale = max(1.0, float(np.max(np.abs(single)))) if single.size else 1.0
        return bool(np.allclose(block, single, rtol=1e-10, atol=1e-12 * scale))

    def check(self, head: Tuple[Any, ...]) -> bool:
        """Run the block check now (at the point ``head``) unless done; whether blocks work.
        Exceptions of the single products propagate."""
        if self.batched is None:
            self.batched = self._probe(head)
        return self.batched

    def __call__(self, head: Tuple[Any, ...], v: np.ndarray) -> np.ndarray:
        """``A V`` (``dim_out × k``)."""
        if v.shape[1] == 0:
            return np.zeros((self.dim_out, 0))
        if self.batched is None:
            self.batched = self._probe(head)
        if not self.batched:
            return self._columns(head, v)
        self.calls += 1
        out = np.asarray(self.fn(*head, v), dtype=np.float64)
        if out.shape != (self.dim_out, v.shape[1]):
            raise ValueError(f"a block product returned shape {out.shape}, expected {(self.dim_out, v.shape[1])}")
        return out


class SparseFromProducts:
    """Values of a sparse matrix in a fixed structure ``(rows, cols)`` from block products.

    ``transpose=False``: products ``A V`` (seeds over the columns of ``A``); ``transpose=True``:
    products ``Aᵀ W`` (seeds over the rows, i.e. the columns of ``Aᵀ``). ``symmetric``: ``(rows,
    cols)`` is one triangle of a symmetric ``A``; the colouring then uses the full pattern.
    """

    def __init__(self, product: BlockProduct, rows: np.ndarray, cols: np.ndarray, shape: Tuple[int, int],
                 transpose: bool = False, symmetric: bool = False, dense: bool = False) -> None:
        self.product = product
        self.rows = rows
        self.cols = cols
        self.transpose = transpose
        nr, nc = shape
        # Products with Aᵀ see the pattern transposed: colour its columns = A's rows.
        pr, pc, npc = (cols, rows, nr) if transpose else (rows, cols, nc)
        if symmetric:
            pr, pc = np.concatenate([pr, pc]), np.concatenate([pc, pr])
        if dense:  # every column its own colour: S = I, no colouring work
            self.colors, self.ncolors = np.arange(npc, dtype=np.int64), npc
        else:
            self.colors, self.ncolors = greedy_column_coloring(pr.astype(np.int64), pc.astype(np.int64), npc)
        seeds = np.zeros((npc, self.ncolors))
        seeds[np.arange(npc), self.colors] = 1.0
        self.seeds = seeds
        # Entry (i, j) of A sits at row i of A s_{colour j} (or row j of Aᵀ s_{colour i}).
        self._at = (cols, self.colors[rows]) if transpose else (rows, self.colors[cols])
        # A structure may list an entry twice (the solver sums duplicates): give the value once.
        key = rows.astype(np.int64) * max(nc, 1) + cols.astype(np.int64)
        _, first = np.unique(key, return_index=True)
        self._repeat = np.ones(rows.size, dtype=bool)
        self._repeat[first] = False

    def values(self, head: Tuple[Any, ...]) -> np.ndarray:
        """The entries at ``(rows, cols)``, in that order (repeated coordinates get 0)."""
        prod = self.product(head, self.seeds)
        v = np.ascontiguousarray(prod[self._at])
        v[self._repeat] = 0.0
        return v


def coloring_cost(rows: np.ndarray, cols: np.ndarray, symmetric: bool) -> int:
    """Work of :func:`greedy_column_coloring` on this pattern, ``Σ_rows deg(row)²`` (its inner
    loop visits, for each column, every column sharing a row with it)."""
    deg = np.bincount(rows.astype(np.int64)) if rows.size else np.zeros(0, dtype=np.int64)
    if symmetric:
        deg = np.bincount(np.concatenate([rows, cols]).astype(np.int64))
    return int(np.sum(deg.astype(np.int64) ** 2))


#: Largest :func:`coloring_cost` colored in Python (about 0.3 s); above it a pattern is used only
#: densely (``n ≤ DENSE_MAX_N``), or the derivative stays matrix-free.
COLORING_MAX_COST = 2_000_000
