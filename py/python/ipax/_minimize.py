"""placeholder"""
OptimizeResult = dict
def minimize(*a, **k): raise NotImplementedError
minimize_ipopt = minimize
