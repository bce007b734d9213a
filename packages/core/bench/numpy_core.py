"""numpy baseline for packages/core/bench/core.bench.mjs: prints {row: median ms} as JSON on its last line."""
import json, time
import numpy as np

def measure(fn, reps=5, warmup=1):
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(ts))

rng = np.random.default_rng(0)
out = {}
for n in (256, 512):
    A = rng.standard_normal((n, n)); B = rng.standard_normal((n, n))
    out[f"gemm {n}³"] = measure(lambda: A @ B, reps=9 if n == 256 else 5)

n, d = 100_000, 64
Z = rng.standard_normal((n, d)); S = np.zeros((d, d))
def cov():
    S[...] += Z.T @ Z
out["covariance Σ += ZᵀZ (n=1e5, d=64)"] = measure(cov)

X, A, d, eta = 1000, 1024, 64, 0.1
g = rng.standard_normal((X * A, d)); g /= np.linalg.norm(g, axis=1, keepdims=True)
F = g * rng.uniform(size=(X * A, 1)) ** (1 / d)
theta = rng.standard_normal(d); theta *= 3 / np.linalg.norm(theta)
logits0 = rng.standard_normal((X, A)) / 0.3
pi0 = np.exp(logits0 - logits0.max(axis=1, keepdims=True)); pi0 /= pi0.sum(axis=1, keepdims=True)
def gibbs_j():
    r = (F @ theta).reshape(X, A)
    lg = np.log(pi0) + r / eta
    m = lg.max(axis=1, keepdims=True)
    e = np.exp(lg - m); s = e.sum(axis=1, keepdims=True); pi = e / s
    kl = (pi * (np.log(pi) - np.log(pi0))).sum(axis=1)
    return float(np.mean((pi * r).sum(axis=1) - eta * kl))
out["Gibbs policy + exact J (X=1000, A=1024, d=64)"] = measure(gibbs_j)
out["Gibbs policy + exact J, fresh output array"] = out["Gibbs policy + exact J (X=1000, A=1024, d=64)"]
print(json.dumps(out))
