# Regenerates the Pyomo-written fixtures next to this script (Pyomo 6.10):
#   python gen_pyomo.py   (writes *.nl, *.col, *.row with symbolic labels)
import pyomo.environ as pyo
from pyomo.repn.plugins.nl_writer import NLWriter

def write(m, name):
    m.write(f"{name}.nl", format="nl", io_options={"symbolic_solver_labels": True})

# HS071
m = pyo.ConcreteModel()
m.x = pyo.Var(range(1, 5), bounds=(1, 5))
for i, v in zip(range(1, 5), [1, 5, 5, 1]):
    m.x[i].value = v
m.c1 = pyo.Constraint(expr=m.x[1] * m.x[2] * m.x[3] * m.x[4] >= 25)
m.c2 = pyo.Constraint(expr=sum(m.x[i] ** 2 for i in m.x) == 40)
m.obj = pyo.Objective(expr=m.x[1] * m.x[4] * (m.x[1] + m.x[2] + m.x[3]) + m.x[3])
write(m, "hs071_pyomo")

# Operators, named expression shared, maximize, scaling suffix
m = pyo.ConcreteModel()
m.x = pyo.Var(range(3), initialize=0.5, bounds=(0.1, 2))
m.y = pyo.Var(initialize=1.0)
m.e = pyo.Expression(expr=m.x[0] * m.x[1] + pyo.exp(m.x[2]))
m.c1 = pyo.Constraint(expr=pyo.sin(m.x[0]) + pyo.cos(m.x[1]) * pyo.tan(m.x[2]) + m.e <= 10)
m.c2 = pyo.Constraint(expr=(-1, pyo.log(m.x[0]) + pyo.log10(m.x[1]) + pyo.sqrt(m.x[2]) + m.e**2, 20))
m.c3 = pyo.Constraint(expr=pyo.atan(m.x[0]) + pyo.asin(m.x[1] / 4) + pyo.acos(m.x[2] / 4) + pyo.sinh(m.y) + pyo.cosh(m.x[0]) + pyo.tanh(m.x[1]) == 3)
m.c4 = pyo.Constraint(expr=abs(m.y - 1) + pyo.Expr_if(IF=m.x[0] >= m.x[1], THEN=m.x[0] ** 2, ELSE=m.x[1] ** 3) + 2 ** m.x[2] + m.x[0] ** m.x[1] >= 0.5)
m.c5 = pyo.Constraint(expr=pyo.asinh(m.y) + pyo.acosh(1 + m.x[0]) + pyo.atanh(m.x[1] / 4) - 3 * m.y + m.e / m.x[2] <= 100)
m.obj = pyo.Objective(expr=-(m.x[0] - 1) ** 2 - m.e - 2 * m.y, sense=pyo.maximize)
m.scaling_factor = pyo.Suffix(direction=pyo.Suffix.EXPORT)
m.scaling_factor[m.x[0]] = 2.0
m.scaling_factor[m.c1] = 0.5
write(m, "ops_pyomo")
