# An independent oracle for the MLP paper protocol, in PyTorch (Debian's python3-torch, one thread):
# 784-512-512-10 ReLU, softmax cross-entropy, plain SGD eta 0.01, batch 64 (last partial batch
# dropped: 859 steps an epoch, as ours), 55k fit / 5k holdout drawn by its own permutation,
# pixels / 255, no schedule. Init: PyTorch's default or He-normal weights with zero biases.
# It shares no code, split or random stream with ninr: it checks that our vanilla accuracy
# curve is the protocol's, not an artefact of our engine.
#   /usr/bin/python3 docs/results/oracle-torch-fc/torch_fc.py pytorch|he-normal SEED EPOCHS
import gzip, sys, time, numpy as np, torch
torch.set_num_threads(1)
init = sys.argv[1]; seed = int(sys.argv[2]); epochs = int(sys.argv[3])
D='/usr/share/datasets/fashion-mnist/'
def imgs(f): return np.frombuffer(gzip.open(D+f).read(),np.uint8,offset=16).reshape(-1,784).astype(np.float32)/255
def labs(f): return np.frombuffer(gzip.open(D+f).read(),np.uint8,offset=8).astype(np.int64)
X=imgs('train-images-idx3-ubyte.gz'); Y=labs('train-labels-idx1-ubyte.gz')
Xt=torch.tensor(imgs('t10k-images-idx3-ubyte.gz')); Yt=torch.tensor(labs('t10k-labels-idx1-ubyte.gz'))
rng=np.random.default_rng(seed); p=rng.permutation(60000)
Xf,Yf=torch.tensor(X[p[:55000]]),torch.tensor(Y[p[:55000]]); Xh,Yh=torch.tensor(X[p[55000:]]),torch.tensor(Y[p[55000:]])
torch.manual_seed(seed)
m=torch.nn.Sequential(torch.nn.Linear(784,512),torch.nn.ReLU(),torch.nn.Linear(512,512),torch.nn.ReLU(),torch.nn.Linear(512,10))
if init=='he-normal':
    for l in m:
        if isinstance(l,torch.nn.Linear): torch.nn.init.kaiming_normal_(l.weight,nonlinearity='relu'); torch.nn.init.zeros_(l.bias)
opt=torch.optim.SGD(m.parameters(),lr=0.01)
def acc(X,Y):
    with torch.no_grad(): return (m(X).argmax(1)==Y).float().mean().item()
t=time.time()
for e in range(epochs):
    q=torch.randperm(55000)
    for i in range(0,55000-63,64):
        b=q[i:i+64]; opt.zero_grad(); l=torch.nn.functional.cross_entropy(m(Xf[b]),Yf[b]); l.backward(); opt.step()
    print(f"{init} seed {seed} epoch {e+1} holdout {acc(Xh,Yh):.4f} test {acc(Xt,Yt):.4f} ({time.time()-t:.0f}s)",flush=True)
