"""numpy baseline for packages/online/bench/online.bench.mjs: the same online GSHF (Newton MLE, Gibbs main agent,
enhancer over 2(d + d) directions with a bracketed regula-falsi search on c, BT labels) and the pessimism bonus.
Prints {row: ms} as JSON."""
import json, time
import numpy as np
from scipy.special import expit, log_expit, logsumexp

rng = np.random.default_rng(0)
X, A, d, eta, B = 100, 256, 32, 0.1, 3.0
def unit_ball(n, k):
    g = rng.standard_normal((n, k)); g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g * rng.uniform(size=(n, 1)) ** (1 / k)
F = unit_ball(X * A, d).reshape(X, A, d)
theta_star = rng.standard_normal(d); theta_star *= B / np.linalg.norm(theta_star)
g0 = rng.standard_normal((X, A)) / 0.3
logpi0 = g0 - logsumexp(g0, axis=1, keepdims=True)
rstar = F @ theta_star
beta, lam, T, m, cmax, prec = np.sqrt(d), 1.0, 10, 1000, 100.0, 1e-3

def mle(Z, th):
    for _ in range(100):
        mg = Z @ th
        g = -(expit(-mg) @ Z) + lam * th
        H = (Z * (expit(mg) * expit(-mg))[:, None]).T @ Z + lam * np.eye(d)
        step = np.linalg.solve(H, g); dec = g @ step
        if dec / 2 < 1e-20: break
        f0 = -log_expit(mg).sum() + 0.5 * lam * th @ th; t = 1.0
        if dec > 1e-10 * max(1, abs(f0)):
            while True:
                tt = th - t * step
                if -log_expit(Z @ tt).sum() + 0.5 * lam * tt @ tt <= f0 - 0.25 * t * dec or t < 1e-12: break
                t *= 0.5
        th = th - t * step
    return th

def gibbs_logp(th):
    lg = logpi0 + (F @ th) / eta
    return lg - logsumexp(lg, axis=1, keepdims=True)

def enhancer(th, Sigma):
    Linv = np.linalg.inv(np.linalg.cholesky(Sigma))
    norm = lambda v: np.linalg.norm(Linv @ v)
    logp = gibbs_logp(th); p = np.exp(logp)
    main_mean = np.einsum("xa,xak->k", p, F) / X
    C = (np.einsum("xa,xak,xal->kl", p, F, F) - np.einsum("xk,xl->kl", np.einsum("xa,xak->xk", p, F), np.einsum("xa,xak->xk", p, F))) / X
    w, V = np.linalg.eigh(Sigma)
    dirs = [V[:, k] for k in range(d)] + [v / np.linalg.norm(v) for v in rng.standard_normal((d, d))]
    best = (0.0, th)
    for base in dirs:
        for u in (base, -base):
            s = F @ u
            def at(c):
                lg = logp + c * s; lse = logsumexp(lg, axis=1); q = np.exp(lg - lse[:, None])
                kl = np.mean(c * (q * s).sum(1) - lse)
                gam = beta * norm(main_mean - np.einsum("xa,xak->k", q, F) / X)
                return c, gam, gam - eta * kl
            pick = at(cmax)
            if pick[2] < 0:
                Cu = C @ u; uCu = u @ Cu
                c0 = min(cmax / 2, 2 * beta * norm(Cu) / (eta * uCu)) if uCu > 0 else cmax / 2
                lo, hi = (0.0, 0.0, 0.0), pick
                pr = at(c0)
                if pr[2] >= 0:
                    lo = pr; c = 4 * c0
                    while c < cmax:
                        q = at(c)
                        if q[2] >= 0: lo = q
                        else: hi = q; break
                        c *= 4
                else:
                    while pr[2] < 0 and pr[0] > 1e-9:
                        hi = pr; pr = at(pr[0] / 4)
                    if pr[2] >= 0: lo = pr
                glo, ghi, side = lo[2], hi[2], 0
                while hi[0] - lo[0] > prec * max(lo[0], 1e-6):
                    c = (lo[0] * ghi - hi[0] * glo) / (ghi - glo)
                    if not (lo[0] < c < hi[0]): c = 0.5 * (lo[0] + hi[0])
                    q = at(c)
                    if q[2] >= 0:
                        lo, glo = q, q[2]
                        if side == 1: ghi /= 2
                        side = 1
                    else:
                        hi, ghi = q, q[2]
                        if side == -1: glo /= 2
                        side = -1
                pick = lo
            if pick[1] > best[0]: best = (pick[1], th + pick[0] * eta * u)
    return best[1]

def online():
    th = np.zeros(d); Zs = np.zeros((0, d)); Sigma = lam * np.eye(d)
    for t in range(T):
        if len(Zs): th = mle(Zs, th)
        th2 = enhancer(th, Sigma)
        p1 = np.exp(gibbs_logp(th)); p2 = np.exp(gibbs_logp(th2))
        xs = rng.integers(0, X, m)
        a1 = np.array([rng.choice(A, p=p1[x]) for x in xs]); a2 = np.array([rng.choice(A, p=p2[x]) for x in xs])
        y = rng.uniform(size=m) < expit(rstar[xs, a1] - rstar[xs, a2])
        z = F[xs, a1] - F[xs, a2]
        Sigma += z.T @ z
        Zs = np.vstack([Zs, z * np.where(y, 1.0, -1.0)[:, None]])
    return mle(Zs, th)

out = {}
t0 = time.perf_counter(); online(); out["online GSHF T=10 m=1000 X=100 A=256 d=32"] = (time.perf_counter() - t0) * 1e3

Xb, Ab, db = 1000, 1024, 64
Vb = rng.standard_normal((Xb * Ab, db)); W = rng.standard_normal((5000, db)); S = np.eye(db) + W.T @ W
Lb = np.linalg.cholesky(S)
from scipy.linalg import solve_triangular
def bonus():
    return np.linalg.norm(solve_triangular(Lb, Vb.T, lower=True), axis=0)
ts = []
for _ in range(3):
    t0 = time.perf_counter(); bonus(); ts.append((time.perf_counter() - t0) * 1e3)
out["pessimism bonus X=1000 A=1024 d=64"] = float(np.median(ts))
print(json.dumps(out))
