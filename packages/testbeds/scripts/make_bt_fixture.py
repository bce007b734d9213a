"""Independent reference for the BT MLE tests: a fixed dataset and its ridge-penalized MLE (unconstrained and
constrained to ||theta|| <= B) solved with scipy. Run: python3 scripts/make_bt_fixture.py > test/fixtures/bt-mle.json"""
import json
import numpy as np
from scipy.optimize import minimize, NonlinearConstraint
from scipy.special import expit, log_expit

rng = np.random.default_rng(20261129)
n, d, lam = 400, 6, 0.5
theta_true = rng.standard_normal(d)
theta_true *= 2.5 / np.linalg.norm(theta_true)
Z0 = rng.standard_normal((n, d)) / np.sqrt(d)  # phi(a1) - phi(a2)
y = (rng.uniform(size=n) < expit(Z0 @ theta_true)).astype(int)
Z = Z0 * np.where(y == 1, 1.0, -1.0)[:, None]  # oriented winner - loser

def f(t):
    return -log_expit(Z @ t).sum() + 0.5 * lam * t @ t
def g(t):
    return -(expit(-(Z @ t))[:, None] * Z).sum(0) + lam * t
def h(t):
    w = expit(Z @ t) * expit(-(Z @ t))
    return (Z * w[:, None]).T @ Z + lam * np.eye(d)

free = minimize(f, np.zeros(d), jac=g, hess=h, method="trust-exact", options={"gtol": 1e-13})
B = 0.6 * np.linalg.norm(free.x)
con = NonlinearConstraint(lambda t: t @ t, -np.inf, B * B, jac=lambda t: 2 * t)
constrained = minimize(f, free.x * 0.5, jac=g, hess=h, method="trust-constr", constraints=[con],
                       options={"gtol": 1e-13, "xtol": 1e-15, "maxiter": 5000})
print(json.dumps({
    "n": n, "d": d, "lambda": lam,
    "Z": Z.ravel().tolist(),
    "theta": free.x.tolist(), "gradNorm": float(np.linalg.norm(g(free.x))),
    "normBound": float(B),
    "thetaConstrained": constrained.x.tolist(),
    "solver": "scipy.optimize.minimize trust-exact / trust-constr",
}))
