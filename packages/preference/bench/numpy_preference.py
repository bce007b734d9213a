"""numpy/scipy baselines for packages/preference/bench/preference.bench.mjs; prints {row: median ms} as JSON."""
import json, os, tempfile, time
import numpy as np
from scipy.optimize import minimize
from scipy.special import expit, log_expit

def median_ms(fn, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts))

def newton(Z, lam, tol=1e-20):
    n, d = Z.shape
    th = np.zeros(d)
    f = lambda t: -log_expit(Z @ t).sum() + 0.5 * lam * t @ t
    for _ in range(100):
        m = Z @ th
        g = -(expit(-m) @ Z) + lam * th
        w = expit(m) * expit(-m)
        H = (Z * w[:, None]).T @ Z + lam * np.eye(d)
        step = np.linalg.solve(H, g)
        dec = g @ step
        if dec / 2 < tol:
            break
        t, f0 = 1.0, f(th)
        while f(th - t * step) > f0 - 0.25 * t * dec and t > 1e-12 and dec > 1e-10 * max(1, abs(f0)):
            t *= 0.5
        th = th - t * step
    return th

rng = np.random.default_rng(0)
out = {}
for d in (16, 64):
    for n in (1000, 10000, 100000):
        theta = rng.standard_normal(d); theta *= 3 / np.linalg.norm(theta)
        g = rng.standard_normal((n, d)); g /= np.linalg.norm(g, axis=1, keepdims=True)
        z = g * rng.uniform(size=(n, 1)) ** (1 / d)
        s = np.where(rng.uniform(size=n) < expit(z @ theta), 1.0, -1.0)
        Z = z * s[:, None]
        reps = 3 if n >= 100000 else 5
        newton(Z, 1.0)
        out[f"BT MLE n={n} d={d}"] = median_ms(lambda: newton(Z, 1.0), reps)
        fun = lambda t: -log_expit(Z @ t).sum() + 0.5 * t @ t
        jac = lambda t: -(expit(-(Z @ t)) @ Z) + t
        hess = lambda t: (Z * (expit(Z @ t) * expit(-(Z @ t)))[:, None]).T @ Z + np.eye(d)
        out[f"scipy BT MLE n={n} d={d}"] = median_ms(lambda: minimize(fun, np.zeros(d), jac=jac, hess=hess, method="trust-exact", options={"gtol": 1e-10}), reps)

N = 1_000_000
x = rng.integers(0, 1000, N); a1 = rng.integers(0, 1024, N); a2 = rng.integers(0, 1024, N); y = rng.integers(0, 2, N)
path = os.path.join(tempfile.mkdtemp(), "p.jsonl")
def write():
    with open(path, "w") as f:
        for i in range(N):
            f.write(json.dumps({"x": int(x[i]), "a1": int(a1[i]), "a2": int(a2[i]), "y": int(y[i])}, separators=(",", ":")) + "\n")
def read():
    xs = np.empty(N, np.int32); b1 = np.empty(N, np.int32); b2 = np.empty(N, np.int32); ys = np.empty(N, np.uint8)
    with open(path) as f:
        for i, line in enumerate(f):
            r = json.loads(line); xs[i] = r["x"]; b1[i] = r["a1"]; b2[i] = r["a2"]; ys[i] = r["y"]
out["JSONL write 1e6 records"] = median_ms(write, 3)
out["JSONL read 1e6 records"] = median_ms(read, 3)
os.remove(path)
print(json.dumps(out))
