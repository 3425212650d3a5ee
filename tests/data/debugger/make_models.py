"""Models of the debugger tests (tests/debugger*.rs); run with the project venv's Python:

    /work/venv/bin/python tests/data/debugger/make_models.py

Each model is written with `symbolic_solver_labels`, so the .col/.row name files sit beside it.
"""
import os

import pyomo.environ as pyo

HERE = os.path.dirname(os.path.abspath(__file__))


def mass_balance():
    """A redundant equality pair (the same balance twice, scaled by 2), a capacity inequality and
    bounded flows: J_c has rank 1 of 2, and the names say which rows are the pair."""
    m = pyo.ConcreteModel()
    m.feed = pyo.Var(bounds=(0, 20), initialize=1.0)
    m.product = pyo.Var(bounds=(0, None), initialize=1.0)
    m.waste = pyo.Var(bounds=(0, None), initialize=1.0)
    m.mass_balance = pyo.Constraint(expr=m.feed - m.product - m.waste == 0)
    m.mass_balance_dup = pyo.Constraint(expr=2 * m.feed - 2 * m.product - 2 * m.waste == 0)
    m.capacity = pyo.Constraint(expr=m.product ** 2 + m.waste ** 2 <= 50)
    m.obj = pyo.Objective(expr=(m.product - 6) ** 2 + (m.waste - 1) ** 2 + 0.1 * m.feed)
    return m


def infeasible():
    """No point is inside the unit disk and on the far side of x + y >= 3."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=0.5)
    m.y = pyo.Var(initialize=0.5)
    m.disk = pyo.Constraint(expr=m.x ** 2 + m.y ** 2 <= 1)
    m.far = pyo.Constraint(expr=m.x + m.y >= 3)
    m.obj = pyo.Objective(expr=m.x ** 2 + m.y ** 2)
    return m


def main():
    for name, build in [("mass_balance", mass_balance), ("infeasible", infeasible)]:
        path = os.path.join(HERE, name + ".nl")
        build().write(path, io_options={"symbolic_solver_labels": True})
        print("wrote", path)


if __name__ == "__main__":
    main()
