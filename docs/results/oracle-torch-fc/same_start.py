# Does the early-epoch gap between ninr and torch_fc.py come from the implementation or from the
# random draws? Reads the starting points that scripts/oracle-start.ts exports (fit/holdout indices,
# ninr's batch order, ninr's initial weights) and trains the paper MLP in PyTorch (one thread):
#   1. same start: ninr's weights, ninr's batches, ninr's split, one epoch; where ninr's own result
#      is there (oracle-start.ts --train), print both accuracies and the relative parameter gap.
#   2. factorial: initial weights {ninr's, PyTorch's own draw} x batch order {ninr's, a torch.randperm},
#      one epoch each, ninr's split; test accuracy after 100, 300 and 859 steps, mean +- std over seeds.
#   OPENBLAS_CORETYPE=Haswell /usr/bin/python3 docs/results/oracle-torch-fc/same_start.py DIR pytorch|he-normal > out.jsonl
import gzip, json, os, struct, sys, statistics as st, numpy as np, torch
torch.set_num_threads(1)
root, init = sys.argv[1], sys.argv[2]
D = '/usr/share/datasets/fashion-mnist/'
def imgs(f): return np.frombuffer(gzip.open(D+f).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255
def labs(f): return np.frombuffer(gzip.open(D+f).read(), np.uint8, offset=8).astype(np.int64)
X = imgs('train-images-idx3-ubyte.gz'); Y = labs('train-labels-idx1-ubyte.gz')
Xt = torch.tensor(imgs('t10k-images-idx3-ubyte.gz')); Yt = torch.tensor(labs('t10k-labels-idx1-ubyte.gz'))
LAYERS = [(0, 0), (1, 2), (2, 4)]  # ninr's layer i -> index in the Sequential
STEPS = 859

def safetensors(path):
    b = open(path, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n])
    return {k: torch.tensor(np.frombuffer(b[8+n+v['data_offsets'][0]:8+n+v['data_offsets'][1]], np.float32).reshape(v['shape']))
            for k, v in h.items() if k != '__metadata__'}

def model(P, seed):
    torch.manual_seed(seed)
    m = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    with torch.no_grad():
        for i, j in LAYERS:
            if P is not None: m[j].weight.copy_(P[f'layer{i}.weight']); m[j].bias.copy_(P[f'layer{i}.bias'])
            elif init == 'he-normal': torch.nn.init.kaiming_normal_(m[j].weight, nonlinearity='relu'); torch.nn.init.zeros_(m[j].bias)
    return m

def acc(m, X, Y):
    with torch.no_grad(): return (m(X).argmax(1) == Y).float().mean().item()

def epoch(m, Xf, Yf, order, probe=()):
    opt = torch.optim.SGD(m.parameters(), lr=0.01); seen = {}
    for s in range(STEPS):
        b = order[s*64:(s+1)*64]; opt.zero_grad(); torch.nn.functional.cross_entropy(m(Xf[b]), Yf[b]).backward(); opt.step()
        if s + 1 in probe: seen[s + 1] = acc(m, Xt, Yt)
    return seen

rows = []
for name in sorted(os.listdir(root), key=lambda n: int(n.rsplit('-', 1)[1]) if n.startswith(init + '-') else -1):
    if not name.startswith(init + '-'): continue
    d = os.path.join(root, name); seed = int(name.rsplit('-', 1)[1])
    fit = np.fromfile(d + '/fit.i32', np.int32); hold = np.fromfile(d + '/holdout.i32', np.int32)
    Xf, Yf = torch.tensor(X[fit]), torch.tensor(Y[fit]); Xh, Yh = torch.tensor(X[hold]), torch.tensor(Y[hold])
    P = safetensors(d + '/init.safetensors')
    ours_order = torch.tensor(np.fromfile(d + '/order.i32', np.int32)[:STEPS*64].astype(np.int64))
    if os.path.exists(d + '/final.safetensors'):
        m = model(P, seed); epoch(m, Xf, Yf, ours_order); F = safetensors(d + '/final.safetensors'); ours = json.load(open(d + '/ours.json'))
        gap = {f'layer{i}': ((F[f'layer{i}.weight'] - m[j].weight.detach()).norm() / m[j].weight.detach().norm()).item() for i, j in LAYERS}
        print(json.dumps(dict(check='same-start', init=init, seed=seed, ninr_holdout=ours['holdout_acc'], torch_holdout=acc(m, Xh, Yh),
                              ninr_test=ours['test_acc'], torch_test=acc(m, Xt, Yt), weight_rel_gap=gap)), flush=True)
    g = torch.Generator().manual_seed(1000 + seed); torch_order = torch.randperm(len(fit), generator=g)[:STEPS*64]
    for wname, W in [('ninr', P), ('torch', None)]:
        for oname, order in [('ninr', ours_order), ('torch', torch_order)]:
            seen = epoch(model(W, seed), Xf, Yf, order, probe=(100, 300, STEPS))
            row = dict(check='factorial', init=init, seed=seed, weights=wname, order=oname, test_at_100=seen[100], test_at_300=seen[300], test_epoch1=seen[STEPS])
            rows.append(row); print(json.dumps(row), flush=True)

for wname in ('ninr', 'torch'):
    for oname in ('ninr', 'torch'):
        r = [x for x in rows if x['weights'] == wname and x['order'] == oname]
        if len(r) < 2: continue
        cells = ', '.join(f"{k}: {st.mean(100*x[k] for x in r):.2f} +- {st.stdev(100*x[k] for x in r):.2f}" for k in ('test_at_100', 'test_at_300', 'test_epoch1'))
        print(f"# {init} weights {wname} order {oname} ({len(r)} seeds): {cells}", file=sys.stderr)
