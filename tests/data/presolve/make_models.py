"""Write the .nl (+ .row/.col) models used by tests/presolve.rs and tests/diagnose.rs.

Run from anywhere with the project venv:  /work/venv/bin/python tests/data/presolve/make_models.py
Each model has auxiliary-equality structure whose expected eliminations are stated in the
docstring of its builder (and asserted by the tests).
"""

import os

import pyomo.environ as pyo

HERE = os.path.dirname(os.path.abspath(__file__))


def chain50():
    """A 50-link definition chain feeding the objective.

    v0 = 1, v_k = 0.5 v_{k-1} + 1 (k = 1..50, so v_k = 2 - 2^-k): 51 singleton blocks in BTF order. Only v50 enters
    the objective (u - v50)^2 + 0.1 u^2: safe eliminates v0..v49 (50 blocks) and keeps v50's row;
    aggressive eliminates all 51, which drops every row.
    """
    m = pyo.ConcreteModel()
    m.K = pyo.RangeSet(0, 50)
    m.v = pyo.Var(m.K, initialize=0.0)
    m.u = pyo.Var(initialize=0.0)
    m.start = pyo.Constraint(expr=m.v[0] == 1.0)
    m.link = pyo.Constraint(pyo.RangeSet(1, 50), rule=lambda m, k: m.v[k] == 0.5 * m.v[k - 1] + 1.0)
    m.obj = pyo.Objective(expr=(m.u - m.v[50]) ** 2 + 0.1 * m.u ** 2)
    return m


def square_nl():
    """A square nonlinear pure-equality block and a linear block fed by it.

    {x, y}: x^2 + y^2 = 5, x y = 2 (root (2, 1) from the start (2.2, 0.9)); t = x + 2y; then the
    under-determined row w + q = t with objective (w - 1)^2 + (q - 2)^2. safe and aggressive
    eliminate 2 blocks, fix 3 variables and drop 3 rows; w, q remain.
    """
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0.5, 10), initialize=2.2)
    m.y = pyo.Var(bounds=(0.5, 10), initialize=0.9)
    m.t = pyo.Var(initialize=0.0)
    m.w = pyo.Var(initialize=0.0)
    m.q = pyo.Var(initialize=0.0)
    m.circle = pyo.Constraint(expr=m.x ** 2 + m.y ** 2 == 5)
    m.hyperbola = pyo.Constraint(expr=m.x * m.y == 2)
    m.total = pyo.Constraint(expr=m.t == m.x + 2 * m.y)
    m.split = pyo.Constraint(expr=m.w + m.q == m.t)
    m.obj = pyo.Objective(expr=(m.w - 1) ** 2 + (m.q - 2) ** 2)
    return m


def objective_coupled():
    """An objective-coupled block and a pure block that depends on it.

    {a, b}: a + b = 3, a - b = 1 (a = 2, b = 1) with a and b in the objective; k = a + b; and the
    under-determined row u + k + v = 10. safe eliminates nothing (k's block needs a and b, which
    safe keeps); aggressive eliminates both blocks (3 variables, 3 rows).
    """
    m = pyo.ConcreteModel()
    m.a = pyo.Var(initialize=0.0)
    m.b = pyo.Var(initialize=0.0)
    m.k = pyo.Var(initialize=0.0)
    m.u = pyo.Var(initialize=0.0)
    m.v = pyo.Var(initialize=0.0)
    m.sum_ab = pyo.Constraint(expr=m.a + m.b == 3)
    m.diff_ab = pyo.Constraint(expr=m.a - m.b == 1)
    m.define_k = pyo.Constraint(expr=m.k == m.a + m.b)
    m.budget = pyo.Constraint(expr=m.u + m.k + m.v == 10)
    m.obj = pyo.Objective(expr=(m.a - m.u) ** 2 + (m.u - 5) ** 2 + m.b + m.v ** 2)
    return m


def inequality_coupled():
    """An inequality-coupled block next to a pure one.

    g = 1.5 is a block whose variable enters the inequality u + g <= 4: never eliminated. p = 2 is
    pure (it feeds the under-determined row u + w = p). safe and aggressive: 1 of 2 blocks.
    """
    m = pyo.ConcreteModel()
    m.g = pyo.Var(initialize=0.0)
    m.p = pyo.Var(initialize=0.0)
    m.u = pyo.Var(initialize=0.0)
    m.w = pyo.Var(initialize=0.0)
    m.fix_g = pyo.Constraint(expr=2 * m.g == 3)
    m.fix_p = pyo.Constraint(expr=m.p == 2)
    m.room = pyo.Constraint(expr=m.u + m.g <= 4)
    m.pair = pyo.Constraint(expr=m.u + m.w == m.p)
    m.obj = pyo.Objective(expr=(m.u - 3) ** 2 + (m.w - 1) ** 2)
    return m


def all_rows():
    """Every row eliminable under aggressive, with nonzero multipliers.

    x1 = 2, x2 = x1^2 + 1 (= 5); objective (x3 - x2)^2 + x2 + x1 x3 (x2 objective-coupled).
    safe: 1 block (x1 is in the objective too: x1 x3) -> 0 of 2; aggressive: 2 of 2, all rows.
    """
    m = pyo.ConcreteModel()
    m.x1 = pyo.Var(initialize=1.0)
    m.x2 = pyo.Var(initialize=1.0)
    m.x3 = pyo.Var(initialize=0.0)
    m.first = pyo.Constraint(expr=m.x1 == 2)
    m.second = pyo.Constraint(expr=m.x2 == m.x1 ** 2 + 1)
    m.obj = pyo.Objective(expr=(m.x3 - m.x2) ** 2 + m.x2 + m.x1 * m.x3)
    return m


def pure_all_rows():
    """Every row eliminable under safe: x1 = 2, x2 = x1^2 + 1, objective in x3 only."""
    m = pyo.ConcreteModel()
    m.x1 = pyo.Var(initialize=1.0)
    m.x2 = pyo.Var(initialize=1.0)
    m.x3 = pyo.Var(initialize=0.0)
    m.first = pyo.Constraint(expr=m.x1 == 2)
    m.second = pyo.Constraint(expr=m.x2 == m.x1 ** 2 + 1)
    m.obj = pyo.Objective(expr=(m.x3 - 1) ** 2)
    return m


def gasnet(nodes=15, demand=1.0):
    """A small gas-network-like model on a binary tree (node 0 is the source).

    Edge flows are fixed by the nodal balances f_(parent,i) - sum_children f_(i,c) = d_i (a
    square linear system solved leaves first: one singleton block per edge), the inlet pressure
    by p_in = 50, the supply by s = sum of the source's outflows (s is in the objective). The
    squared pressures pi follow the Weymouth-like drops pi_parent - pi_i = k f^2 from the
    compressor outlet pi_0 = (p_in r)^2, with the ratio r in [1, 3] and pi_i >= 400 as variable
    bounds: they keep their degrees of freedom. safe eliminates nodes-1 flow blocks and p_in
    (nodes blocks); aggressive also s.
    """
    m = pyo.ConcreteModel()
    m.N = pyo.RangeSet(0, nodes - 1)
    m.E = pyo.RangeSet(1, nodes - 1)  # edge e joins parent (e-1)//2 to node e
    children = {i: [c for c in range(1, nodes) if (c - 1) // 2 == i] for i in range(nodes)}
    m.f = pyo.Var(m.E, initialize=0.0)
    m.pi = pyo.Var(m.N, bounds=(400, None), initialize=2500.0)
    m.p_in = pyo.Var(initialize=40.0)
    m.r = pyo.Var(bounds=(1, 3), initialize=1.5)
    m.s = pyo.Var(initialize=0.0)
    m.inlet = pyo.Constraint(expr=m.p_in == 50)
    m.compressor = pyo.Constraint(expr=m.pi[0] == (m.p_in * m.r) ** 2)
    m.supply = pyo.Constraint(expr=m.s == sum(m.f[c] for c in children[0]))
    m.balance = pyo.Constraint(m.E, rule=lambda m, i: m.f[i] - sum(m.f[c] for c in children[i]) == demand)
    m.pipe = pyo.Constraint(m.E, rule=lambda m, i: m.pi[(i - 1) // 2] - m.pi[i] == 2.0 * m.f[i] ** 2)
    m.obj = pyo.Objective(expr=m.r ** 2 + 0.01 * m.s + 1e-4 * sum(m.pi[i] for i in m.N))
    return m


def fbbt_tighten():
    """Bound tightening by hand: x, y, z >= 0; x + y <= 4, y >= 1 (a row), x - z = 1, and a
    nonlinear row w^2 + x <= 10 that the linear FBBT ignores. Fixed point: x in [1, 3],
    y in [1, 3], z in [0, 2]; w stays free."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, None), initialize=0.5)
    m.y = pyo.Var(bounds=(0, None), initialize=0.5)
    m.z = pyo.Var(bounds=(0, None), initialize=0.5)
    m.w = pyo.Var(initialize=0.5)
    m.curve = pyo.Constraint(expr=m.w ** 2 + m.x <= 10)
    m.cap = pyo.Constraint(expr=m.x + m.y <= 4)
    m.y_min = pyo.Constraint(expr=m.y >= 1)
    m.link = pyo.Constraint(expr=m.x - m.z == 1)
    m.obj = pyo.Objective(expr=(m.x - 5) ** 2 + (m.y - 5) ** 2 + m.z + (m.w - 1) ** 2)
    return m


def fbbt_infeasible():
    """x, y in [0, 1] and the row need: x + y >= 3 — infeasible, provably, before any iteration."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 1), initialize=0.5)
    m.y = pyo.Var(bounds=(0, 1), initialize=0.5)
    m.need = pyo.Constraint(expr=m.x + m.y >= 3)
    m.obj = pyo.Objective(expr=m.x ** 2 + m.y ** 2)
    return m


def fbbt_nonlinear():
    """Bound tightening through nonlinear rows, each bound computable by hand.

    disk: x^2 + y^2 <= 4 with x in [0, 10], y in [-10, 10]  =>  x in [0, 2], y in [-2, 2];
    growth: exp(z) <= 100, z in [1, 50]  =>  z <= ln 100;
    floor_log: log(w) >= 1, w in [0.5, 10]  =>  w >= e;
    product: x v >= 1, v in [0, 10] (and x <= 2)  =>  v >= 0.5;
    root: sqrt(s) <= 3, s in [0, 100]  =>  s <= 9;
    cube: t^3 >= 8, t in [-5, 5]  =>  t >= 2;
    magnitude: abs(u) <= 1.5, u free  =>  u in [-1.5, 1.5];
    ratio: p / q == 2, q in [1, 3], p free  =>  p in [2, 6];
    wave: sin(a) >= 0.5, a in [0, 1.5]  =>  a >= pi/6.
    """
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 10), initialize=1.0)
    m.y = pyo.Var(bounds=(-10, 10), initialize=0.5)
    m.z = pyo.Var(bounds=(1, 50), initialize=2.0)
    m.w = pyo.Var(bounds=(0.5, 10), initialize=3.0)
    m.v = pyo.Var(bounds=(0, 10), initialize=1.0)
    m.s = pyo.Var(bounds=(0, 100), initialize=1.0)
    m.t = pyo.Var(bounds=(-5, 5), initialize=3.0)
    m.u = pyo.Var(initialize=0.5)
    m.p = pyo.Var(initialize=4.0)
    m.q = pyo.Var(bounds=(1, 3), initialize=2.0)
    m.a = pyo.Var(bounds=(0, 1.5), initialize=1.0)
    m.disk = pyo.Constraint(expr=m.x ** 2 + m.y ** 2 <= 4)
    m.growth = pyo.Constraint(expr=pyo.exp(m.z) <= 100)
    m.floor_log = pyo.Constraint(expr=pyo.log(m.w) >= 1)
    m.product = pyo.Constraint(expr=m.x * m.v >= 1)
    m.root = pyo.Constraint(expr=pyo.sqrt(m.s) <= 3)
    m.cube = pyo.Constraint(expr=m.t ** 3 >= 8)
    m.magnitude = pyo.Constraint(expr=abs(m.u) <= 1.5)
    m.ratio = pyo.Constraint(expr=m.p / m.q == 2)
    m.wave = pyo.Constraint(expr=pyo.sin(m.a) >= 0.5)
    m.obj = pyo.Objective(
        expr=(m.x - 1) ** 2 + m.y ** 2 + m.z + (m.w - 3) ** 2 + m.v + (m.s - 4) ** 2 + m.t + (m.u - 1) ** 2 + m.p + m.a
    )
    return m


def fbbt_nonlinear_infeasible():
    """x in [2, 5], y free: the disk x^2 + y^2 <= 1 cannot be met (x^2 >= 4), proven before the IPM."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(2, 5), initialize=3.0)
    m.y = pyo.Var(initialize=0.0)
    m.ok = pyo.Constraint(expr=m.x + m.y <= 10)
    m.disk = pyo.Constraint(expr=m.x ** 2 + m.y ** 2 <= 1)
    m.obj = pyo.Objective(expr=m.x + m.y ** 2)
    return m


def render_rows():
    """print equation: one row per bound relation and operator family (tests/diagnose.rs)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0.5, 3), initialize=1.0)
    m.y = pyo.Var(bounds=(0, 2), initialize=0.5)
    m.z = pyo.Var(bounds=(1, 4), initialize=2.0)
    m.ranged = pyo.Constraint(expr=pyo.inequality(2, m.x ** 2 + pyo.exp(m.y), 5))
    m.mixed = pyo.Constraint(expr=m.x - 2 * m.y + 3 * m.z == 5)
    m.lower = pyo.Constraint(expr=pyo.log(m.z) - m.x * m.y >= 0)
    m.upper = pyo.Constraint(expr=-m.x / (m.y + 1) <= 4)
    m.nested = pyo.Constraint(expr=(m.x + m.y) ** 0.5 * m.z - pyo.sin(-m.z) <= 10)
    m.obj = pyo.Objective(expr=(m.x - 2) ** 2 + (m.y - 1) ** 2 + m.z)
    return m


def presolve_redundant():
    """Diagnostics under presolve: a definition chain safe presolve eliminates (start: a = 1,
    link: b = 2a + 1; a, b outside the objective) ahead of a redundant pair (balance and
    balance_copy = 2 balance) that the rank report must still name, with their algebra."""
    m = pyo.ConcreteModel()
    m.a = pyo.Var(initialize=0.0)
    m.b = pyo.Var(initialize=0.0)
    m.x = pyo.Var(pyo.RangeSet(0, 2), initialize=1.0)
    m.start = pyo.Constraint(expr=m.a == 1)
    m.link = pyo.Constraint(expr=m.b == 2 * m.a + 1)
    m.balance = pyo.Constraint(expr=m.x[0] + m.x[1] + m.x[2] == 3)
    m.balance_copy = pyo.Constraint(expr=2 * m.x[0] + 2 * m.x[1] + 2 * m.x[2] == 6)
    m.obj = pyo.Objective(expr=sum((m.x[i] - i) ** 2 for i in range(3)))
    return m


def duplicate_rows():
    """Duplicate linear rows up to scale and sign: cap (x0 + x1 <= 4) and cap_neg
    (-2 x0 - 2 x1 >= -6, i.e. x0 + x1 <= 3, tighter); eq (x2 - x3 == 1) and eq_copy
    (3 x3 - 3 x2 == -3). Optimum x = (1.5, 1.5, 0.5, -0.5) with cap_neg active (y = -1.5 in
    Ipopt's convention) and cap slack (y = 0); eq carries y = -1 in full."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(pyo.RangeSet(0, 3), initialize=0.0)
    m.cap = pyo.Constraint(expr=m.x[0] + m.x[1] <= 4)
    m.cap_neg = pyo.Constraint(expr=-2 * m.x[0] - 2 * m.x[1] >= -6)
    m.eq = pyo.Constraint(expr=m.x[2] - m.x[3] == 1)
    m.eq_copy = pyo.Constraint(expr=3 * m.x[3] - 3 * m.x[2] == -3)
    m.obj = pyo.Objective(expr=(m.x[0] - 3) ** 2 + (m.x[1] - 3) ** 2 + m.x[2] ** 2 + m.x[3] ** 2)
    return m


def duplicate_inconsistent():
    """a: x + y == 1 and b: 2x + 2y == 4 (x + y == 2): scaled copies with disjoint ranges."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=0.0)
    m.y = pyo.Var(initialize=0.0)
    m.a = pyo.Constraint(expr=m.x + m.y == 1)
    m.b = pyo.Constraint(expr=2 * m.x + 2 * m.y == 4)
    m.obj = pyo.Objective(expr=m.x ** 2 + m.y ** 2)
    return m


def rollback_root():
    """Rollback: the pure block {a} (root: a^3 - a = 0, roots -1, 0, 1) is solved by Newton from
    a = -2 to the root a = -1, but the kept row link (w - a = 1, w in [0.5, 5], w in the
    objective) then needs w = 0 < 0.5: the reduced problem is infeasible. Bound tightening on it
    proves that and the elimination is undone, so the original model is solved as is (from this
    start the IPM itself ends locally infeasible, as without presolve; a = 0 or 1 are feasible)."""
    m = pyo.ConcreteModel()
    m.a = pyo.Var(initialize=-2.0)
    m.w = pyo.Var(bounds=(0.5, 5), initialize=1.0)
    m.root = pyo.Constraint(expr=m.a ** 3 - m.a == 0)
    m.link = pyo.Constraint(expr=m.w - m.a == 1)
    m.obj = pyo.Objective(expr=(m.w - 2) ** 2)
    return m


def pinned_bound():
    """A presolve-fixed variable that ends at its original bound: pin (v == 0, v in [0, 10]) is a
    pure block, eliminated at v = 0 = its lower bound; use (x + v == 2) keeps x = 2 with x in
    the objective (x - 5)^2. Full-space multipliers: y_use = 6, and for v the square block gives
    y_pin = -6 with z_L = 0 (the split between y_pin and z_L is not unique; this one is exact)."""
    m = pyo.ConcreteModel()
    m.v = pyo.Var(bounds=(0, 10), initialize=1.0)
    m.x = pyo.Var(initialize=0.0)
    m.pin = pyo.Constraint(expr=m.v == 0)
    m.use = pyo.Constraint(expr=m.x + m.v == 2)
    m.obj = pyo.Objective(expr=(m.x - 5) ** 2)
    return m


def redundant_pair():
    """Diagnostics: a redundant equality pair (the same row twice, scaled) among healthy rows."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(pyo.RangeSet(0, 3), initialize=1.0)
    m.balance = pyo.Constraint(expr=m.x[0] + m.x[1] + m.x[2] == 3)
    m.balance_copy = pyo.Constraint(expr=2 * m.x[0] + 2 * m.x[1] + 2 * m.x[2] == 6)
    m.other = pyo.Constraint(expr=m.x[2] - m.x[3] == 0)
    m.obj = pyo.Objective(expr=sum((m.x[i] - i) ** 2 for i in range(4)))
    return m


def structural_pair():
    """Diagnostics: two equations over-determine the one variable they touch (flow)."""
    m = pyo.ConcreteModel()
    m.flow = pyo.Var(initialize=1.0)
    m.a = pyo.Var(initialize=0.0)
    m.b = pyo.Var(initialize=0.0)
    m.mass_balance = pyo.Constraint(expr=m.flow == 10)
    m.mass_balance_dup = pyo.Constraint(expr=2 * m.flow == 20)
    m.split = pyo.Constraint(expr=m.a + m.b == 3)
    m.obj = pyo.Objective(expr=(m.a - 1) ** 2 + m.b ** 2 + 0.01 * m.flow ** 2)
    return m


def value_dependency():
    """Diagnostics: row2 = row0 + row1 on a full pattern (structurally fine, numerically rank 2)."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(pyo.RangeSet(0, 2), initialize=0.5)
    m.row0 = pyo.Constraint(expr=m.x[0] + 2 * m.x[1] + m.x[2] == 4)
    m.row1 = pyo.Constraint(expr=3 * m.x[0] - m.x[1] + 2 * m.x[2] == 1)
    m.row2 = pyo.Constraint(expr=4 * m.x[0] + m.x[1] + 3 * m.x[2] == 5)
    m.obj = pyo.Objective(expr=sum(m.x[i] ** 2 for i in range(3)))
    return m


def main():
    for name, build in [
        ("chain50", chain50),
        ("square_nl", square_nl),
        ("objective_coupled", objective_coupled),
        ("inequality_coupled", inequality_coupled),
        ("all_rows", all_rows),
        ("pure_all_rows", pure_all_rows),
        ("gasnet", gasnet),
        ("fbbt_tighten", fbbt_tighten),
        ("fbbt_infeasible", fbbt_infeasible),
        ("fbbt_nonlinear", fbbt_nonlinear),
        ("fbbt_nonlinear_infeasible", fbbt_nonlinear_infeasible),
        ("render_rows", render_rows),
        ("presolve_redundant", presolve_redundant),
        ("duplicate_rows", duplicate_rows),
        ("duplicate_inconsistent", duplicate_inconsistent),
        ("rollback_root", rollback_root),
        ("pinned_bound", pinned_bound),
        ("redundant_pair", redundant_pair),
        ("structural_pair", structural_pair),
        ("value_dependency", value_dependency),
    ]:
        model = build()
        path = os.path.join(HERE, name + ".nl")
        model.write(path, io_options={"symbolic_solver_labels": True})
        print("wrote", path)


if __name__ == "__main__":
    main()
