#!/usr/bin/env python3
"""PyTorch reference for `ninr bench` and `npm run bench`: the same workloads as src/node/bench/workloads.ts.

Usage: reference.py WORKLOAD REPS THREADS [MATVECS]
  -> prints one JSON line {"workload", "values": [...], "unit", "maxrss_mb", ...}
MATVECS (curvature only): Lanczos steps per estimate, set to the number ours took.
NINR_REF_DEVICE=cuda runs it on the GPU (default cpu; bench/gpu/run.sh), synchronising before
every clock read.
Shapes, batch sizes and layer definitions mirror src/models/mlp.ts and src/models/cnn.ts exactly (PyTorch default
init, plain SGD, softmax cross-entropy, in-NINR input noise where the workload has NINs).
"""
import ctypes, json, os, resource, sys, time

# Single-thread means single-thread: OpenBLAS's pthread build otherwise starts its own threads
# beside PyTorch's (measured here: 4,600 instead of 14,500 samples/s on W1). Set before torch loads.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = sys.argv[3] if len(sys.argv) > 3 else "1"
import torch
import torch.nn as nn
import torch.nn.functional as F

workload, reps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
DEV = torch.device(os.environ.get("NINR_REF_DEVICE", "cpu"))


def clock():
    """perf_counter after the device has finished its queued work."""
    if DEV.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter()

matvecs = int(sys.argv[4]) if len(sys.argv) > 4 else 11
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
                z = z + sigma * torch.randn(x.shape[0], 1, device=x.device) * self.theta
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


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class ResNet18(nn.Module):
    """src/models/resnet.ts: CIFAR-style stem (3x3 stride-1 conv, no max-pool), 4 stages of 2
    BasicBlocks at w, 2w, 4w, 8w, option-B shortcuts, global average pool, dense head."""
    def __init__(self, side, channels, classes, w):
        super().__init__()
        self.shape = (channels, side, side)
        self.stem = nn.Sequential(nn.Conv2d(channels, w, 3, 1, 1, bias=False), nn.BatchNorm2d(w))
        blocks, cin = [], w
        for s in range(4):
            cout = w * 2 ** s
            for b in range(2):
                blocks.append(BasicBlock(cin, cout, 2 if s > 0 and b == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        # ours feeds NHWC images flat: same numbers of inputs, the layout does not change the work
        x = F.relu(self.stem(x.view(-1, *self.shape)))
        return self.fc(self.blocks(x).mean((2, 3)))


def train_step_rate(model, batch, steps, inputs=784, classes=10):
    model = model.to(DEV)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    x = torch.rand(batch, inputs, device=DEV)
    y = torch.randint(0, classes, (batch,), device=DEV)
    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    for _ in range(3):
        step()
    out = []
    for _ in range(reps):
        t0 = clock()
        for _ in range(steps):
            step()
        out.append(batch * steps / (clock() - t0))
    return out


def hvp_ms(batch):
    model = MLP([784, 512, 512, 10], nin=True).to(DEV)
    params = [p for p in model.parameters()]
    x = torch.rand(batch, 784, device=DEV)
    y = torch.randint(0, 10, (batch,), device=DEV)
    v = [torch.randn_like(p) for p in params]
    def once():
        loss = F.cross_entropy(model(x), y)
        g = torch.autograd.grad(loss, params, create_graph=True)
        torch.autograd.grad(g, params, grad_outputs=v)
    once()
    out = []
    for _ in range(reps):
        t0 = clock()
        once()
        out.append((clock() - t0) * 1000)
    return out


def lanczos_top(matvec, q):
    """Top eigenvalue by `matvecs` Lanczos steps from q, with full reorthogonalisation (twice)."""
    Q = [q / q.norm()]
    alpha, beta = [], []
    for j in range(matvecs):
        w = matvec(Q[j])
        alpha.append(float(Q[j] @ w))
        for _ in range(2):
            for qi in Q:
                w = w - (qi @ w) * qi
        b = float(w.norm())
        if j == matvecs - 1 or b < 1e-10:
            break
        beta.append(b)
        Q.append(w / b)
    n = len(alpha)
    T = torch.diag(torch.tensor(alpha)) + torch.diag(torch.tensor(beta[: n - 1]), 1) + torch.diag(torch.tensor(beta[: n - 1]), -1)
    return float(torch.linalg.eigvalsh(T)[-1])


def curvature_ms(batch):
    """W3: top eigenvalue of the NIW Hessian block (in-NINR theta, 512 floats) by Lanczos with
    full reorthogonalisation, `matvecs` steps, exact HVPs by double backward through a retained
    graph: the natural PyTorch way. Also times one gradient at the same batch."""
    model = MLP([784, 512, 512, 10], nin=True).to(DEV)
    x = torch.rand(batch, 784, device=DEV)
    y = torch.randint(0, 10, (batch,), device=DEV)
    sigma = 10.0
    params = list(model.parameters())

    def grad_once():
        loss = F.cross_entropy(model(x, sigma), y)
        torch.autograd.grad(loss, params)

    def estimate():
        loss = F.cross_entropy(model(x, sigma), y)
        (g,) = torch.autograd.grad(loss, [model.theta], create_graph=True)
        hvp = lambda v: torch.autograd.grad(g, [model.theta], grad_outputs=v, retain_graph=True)[0]
        return lanczos_top(hvp, torch.randn_like(model.theta))

    def jacobian_estimate():
        """The same eigenvalue the way ours computes it for piecewise-linear nets
        (src/dynamics/niwJacobian.ts): the per-sample Jacobian of the logits with respect to
        theta from one backward pass per class, then Lanczos on J^T H_out J (matrix products only)."""
        layers = model.layers
        eps = sigma * torch.randn(x.shape[0], 1, device=DEV)
        shift = torch.zeros(x.shape[0], layers[0].out_features, device=DEV, requires_grad=True)
        h = F.relu(layers[0](x) + eps * model.theta + shift)
        h = F.relu(layers[1](h))
        z = layers[2](h)
        C, B = z.shape[1], z.shape[0]
        rows = [torch.autograd.grad(z[:, c].sum(), shift, retain_graph=c < C - 1)[0] for c in range(C)]
        J = (torch.stack(rows, 1) * eps[:, :, None]).reshape(B * C, -1).detach()
        p = torch.softmax(z.detach(), 1)

        def matvec(v):
            u = (J @ v).reshape(B, C)
            w = (p * u - p * (p * u).sum(1, keepdim=True)) / B
            return J.T @ w.reshape(-1)

        return lanczos_top(matvec, torch.randn(J.shape[1], device=DEV))

    def timed(f):
        t0 = clock()
        f()
        return (clock() - t0) * 1000

    estimate(); grad_once(); jacobian_estimate()
    ms = [timed(estimate) for _ in range(reps)]
    jms = [timed(jacobian_estimate) for _ in range(reps)]
    gms = sorted(timed(grad_once) for _ in range(5))
    return ms, gms[2], jms


extra = {}
if workload == "mlp_step":
    values, unit = train_step_rate(MLP([784, 512, 512, 512, 10], nin=False), 128, 10), "samples/s"
elif workload == "mlp_step_nin":
    values, unit = train_step_rate(MLP([784, 512, 512, 512, 10], nin=True), 128, 10), "samples/s"
elif workload == "cnn_step":
    values, unit = train_step_rate(CNN(), 128, 2), "samples/s"
elif workload == "resnet_step":
    values, unit = train_step_rate(ResNet18(16, 6, 2, 16), 64, 2, 16 * 16 * 6, 2), "samples/s"
elif workload == "hvp":
    values, unit = hvp_ms(512), "ms"
elif workload == "curvature":
    values, grad_ms, jacobian_ms = curvature_ms(256)
    unit, extra = "ms", {"grad_ms": grad_ms, "matvecs": matvecs, "jacobian_ms": jacobian_ms}
else:
    raise SystemExit(f"unknown workload {workload}")
def blas_info():
    """The BLAS this process really loaded (Debian's alternatives decide it), and OpenBLAS's core."""
    libs = sorted({line.split()[-1] for line in open("/proc/self/maps") if "blas" in line.split()[-1].lower() and ".so" in line})
    info = {"blas": libs}
    for lib in libs:
        if "openblas" in lib:
            try:
                f = ctypes.CDLL(lib).openblas_get_corename
                f.restype = ctypes.c_char_p
                info["openblas_core"] = f().decode()
            except (OSError, AttributeError):
                pass
    return info


maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
gpu = {"device": str(DEV), "gpu": torch.cuda.get_device_name(0)} if DEV.type == "cuda" else {}
print(json.dumps({"workload": workload, "values": values, "unit": unit, "threads": threads, "maxrss_mb": maxrss_mb, "torch": torch.__version__, **blas_info(), **gpu, **extra}))
