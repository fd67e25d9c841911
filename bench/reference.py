#!/usr/bin/env python3
"""PyTorch reference for `ninr bench`: the same workloads as bench/workloads.ts.

Usage: reference.py WORKLOAD REPS THREADS  -> prints one JSON line {"workload", "values": [...], "unit"}
Shapes, batch sizes and layer definitions mirror src/models/arch.ts exactly (PyTorch default
init, plain SGD, softmax cross-entropy, in-NINR input noise where the workload has NINs).
"""
import json, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

workload, reps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)


class MLP(nn.Module):
    def __init__(self, widths, nin):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.theta = nn.Parameter(torch.empty(widths[1]).uniform_(-1 / (widths[0] + 1) ** 0.5, 1 / (widths[0] + 1) ** 0.5)) if nin else None

    def forward(self, x, sigma=1.0):
        for i, layer in enumerate(self.layers):
            z = layer(x)
            if i == 0 and self.theta is not None:
                z = z + sigma * torch.randn(x.shape[0], 1) * self.theta
            x = F.relu(z) if i < len(self.layers) - 1 else z
        return x


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.d1 = nn.Linear(7 * 7 * 64, 128)
        self.d2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x.view(-1, 1, 28, 28))), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.d2(F.relu(self.d1(x.flatten(1))))


def train_step_rate(model, batch, steps):
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))
    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    for _ in range(3):
        step()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        out.append(batch * steps / (time.perf_counter() - t0))
    return out


def hvp_ms(batch):
    model = MLP([784, 512, 512, 10], nin=True)
    params = [p for p in model.parameters()]
    x = torch.rand(batch, 784)
    y = torch.randint(0, 10, (batch,))
    v = [torch.randn_like(p) for p in params]
    def once():
        loss = F.cross_entropy(model(x), y)
        g = torch.autograd.grad(loss, params, create_graph=True)
        torch.autograd.grad(g, params, grad_outputs=v)
    once()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        once()
        out.append((time.perf_counter() - t0) * 1000)
    return out


if workload == "mlp_step":
    values, unit = train_step_rate(MLP([784, 512, 512, 512, 10], nin=False), 128, 10), "samples/s"
elif workload == "mlp_step_nin":
    values, unit = train_step_rate(MLP([784, 512, 512, 512, 10], nin=True), 128, 10), "samples/s"
elif workload == "cnn_step":
    values, unit = train_step_rate(CNN(), 128, 2), "samples/s"
elif workload == "hvp":
    values, unit = hvp_ms(512), "ms"
else:
    raise SystemExit(f"unknown workload {workload}")
print(json.dumps({"workload": workload, "values": values, "unit": unit}))
