"""Writes unbounded_qp.nl (text .nl, via Pyomo): a small nonconvex QP unbounded below.

    min (x − 1)² − y² + x·y   s.t.  x + y ≥ 1,  y ≥ 0

Along x = 1, y → ∞ the objective is 1·y − y² → −∞ while the constraint holds. Ipopt and POUNCE
stop with diverging iterates (AMPL solve_result_num 300). Run: python unbounded_qp.py
"""
import pyomo.environ as pe

m = pe.ConcreteModel()
m.x = pe.Var(initialize=0.5)
m.y = pe.Var(initialize=0.5, bounds=(0, None))
m.o = pe.Objective(expr=(m.x - 1) ** 2 - m.y**2 + m.x * m.y)
m.c = pe.Constraint(expr=m.x + m.y >= 1)
m.write("unbounded_qp.nl", format="nl", io_options={"symbolic_solver_labels": False})
