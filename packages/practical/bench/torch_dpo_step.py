"""The PyTorch twin of gsh's neural DPO step (a benchmark baseline only; never a runtime dependency of gsh).

Same shapes as torch-anchor.mjs: S-large (20 prompts, V = 64, L = 32), 256 pairs, DPO with beta = 0.1 against a
fixed reference gap, AdamW (weight decay 0.01) after global-norm clipping at 1. One CPU thread. Prints a JSON line
with the median milliseconds per step of the Markov MLP and of the small transformer.
"""
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)
X, V, L, N, D = 20, 64, 32, 256, 64

xs = torch.randint(0, X, (N,))
chosen = torch.randint(0, V, (N, L))
rejected = torch.randint(0, V, (N, L))
ref_gap = torch.randn(N)
# log pi0 rows per (prompt, previous token): X*(V+1) rows of V (the per-prompt layout of S)
log_pi0 = torch.log_softmax(torch.randn(X * (V + 1), V), dim=1)


def prev_tokens(y):
    return torch.cat([torch.full((y.shape[0], 1), V), y[:, :-1]], dim=1)


def base_logits(x, y):
    rows = x[:, None] * (V + 1) + prev_tokens(y)
    return log_pi0[rows]  # [n, L, V]


class MarkovMLP(nn.Module):
    """g(x, t, s) from one-hot (prompt, position, previous token); last layer zero."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(X + L + V + 1, D)
        self.l2 = nn.Linear(D, D)
        self.out = nn.Linear(D, V)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x, y):
        n = x.shape[0]
        onehot = torch.zeros(n, L, X + L + V + 1)
        onehot[torch.arange(n)[:, None], torch.arange(L)[None, :], x[:, None].expand(n, L)] = 1
        onehot[:, torch.arange(L), X + torch.arange(L)] = 1
        onehot[torch.arange(n)[:, None], torch.arange(L)[None, :], X + L + prev_tokens(y)] = 1
        g = self.out(F.relu(self.l2(F.relu(self.l1(onehot)))))
        return g


class Block(nn.Module):
    def __init__(self, heads=4):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.up, self.down = nn.Linear(D, 4 * D), nn.Linear(4 * D, D)

    def forward(self, h, mask):
        n = h.shape[0]
        q, k, v = self.qkv(self.ln1(h)).split(D, dim=2)
        split = lambda t: t.view(n, L, self.heads, D // self.heads).transpose(1, 2)
        q, k, v = split(q), split(k), split(v)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(D // self.heads) + mask, dim=-1)
        h = h + self.proj((att @ v).transpose(1, 2).reshape(n, L, D))
        return h + self.down(F.relu(self.up(self.ln2(h))))


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.prompt, self.pos = nn.Embedding(V + 1, D), nn.Embedding(X, D), nn.Parameter(torch.zeros(L, D))
        self.blocks = nn.ModuleList([Block(), Block()])
        self.lnf, self.head = nn.LayerNorm(D), nn.Linear(D, V, bias=False)
        nn.init.zeros_(self.head.weight)
        self.register_buffer("mask", torch.triu(torch.full((L, L), -1e9), diagonal=1))

    def forward(self, x, y):
        h = self.tok(prev_tokens(y)) + self.prompt(x)[:, None, :] + self.pos[None]
        for b in self.blocks:
            h = b(h, self.mask)
        return self.head(self.lnf(h))


def seq_logprob(model, x, y):
    lp = torch.log_softmax(base_logits(x, y) + model(x, y), dim=2)
    return lp.gather(2, y[:, :, None]).squeeze(2).sum(1)


def median_step_ms(model, reps):
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)

    def step():
        h = seq_logprob(model, xs, chosen) - seq_logprob(model, xs, rejected) - ref_gap
        loss = F.softplus(-0.1 * h).mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()

    step()  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


print(json.dumps({"version": torch.__version__, "mlp": median_step_ms(MarkovMLP(), 10), "transformer": median_step_ms(Transformer(), 5)}))
