"""The probe half of the independent UPOS reference (bench/reference/README.md): for each layer's word vectors, a
multinomial logistic regression trained by scikit-learn's L-BFGS on the training words, scored on the test words; and
the same on Hewitt & Liang control labels (every lower-cased word type gets a random label drawn from the empirical
label distribution, numpy's own generator). The L2 penalty matches Glassbox's default: mean cross-entropy +
1e-4 * |W|^2, i.e. C = 1 / (2 * 1e-4 * n_train); at most 100 iterations. Test words whose label never occurs in
training are left out, as Glassbox does. Prints one summary line last.
Usage: python3 upos_probe.py DIR THREADS   (DIR holds meta.json and x0.f32 .. x6.f32, written by the bench)"""
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[2])
os.environ.setdefault("OMP_NUM_THREADS", sys.argv[2])

import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

d = sys.argv[1]
meta = json.load(open(os.path.join(d, "meta.json")))
n_train, dim, layers = meta["n_train"], meta["dim"], meta["layers"]
names = sorted(set(meta["labels"][:n_train]))
index = {n: i for i, n in enumerate(names)}
y_all = np.array([index.get(l, -1) for l in meta["labels"]])
test = np.arange(n_train, len(y_all))
test = test[y_all[test] >= 0]
train = np.arange(n_train)

# Control labels: one per lower-cased type, in first-appearance order over train then test.
freq = np.bincount(y_all[np.concatenate([train, test])], minlength=len(names)).astype(float)
freq /= freq.sum()
rng = np.random.default_rng(0)
ctrl_of = {}
ctrl = np.empty(len(y_all), dtype=int)
for i in np.concatenate([train, test]):
    t = meta["types"][i]
    if t not in ctrl_of:
        ctrl_of[t] = int(rng.choice(len(names), p=freq))
    ctrl[i] = ctrl_of[t]

C = 1.0 / (2 * 1e-4 * n_train)


def fit_score(x, y):
    clf = LogisticRegression(C=C, max_iter=100, solver="lbfgs")
    clf.fit(x[train], y[train])
    return float((clf.predict(x[test]) == y[test]).mean())


task, control = [], []
for k in range(layers):
    x = np.fromfile(os.path.join(d, f"x{k}.f32"), dtype=np.float32).reshape(-1, dim)
    task.append(fit_score(x, y_all))
    control.append(fit_score(x, ctrl))
best = int(np.argmax(task))
print(" ".join(f"{a:.3f}" for a in task) + f" | {task[best] - control[best]:.3f}")
