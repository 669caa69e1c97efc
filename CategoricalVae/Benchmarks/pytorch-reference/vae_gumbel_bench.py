#!/usr/bin/python3
"""Speed reference: the original PyTorch ``VAE_gumbel`` script, timed on the CPU.

The model, the Gumbel-Softmax helpers and the loss are the source script's code, unchanged, imported from
pytorch/vae_gumbel.py (the repository's one copy of them); the body of the training loop is the source's too
(marked "UNCHANGED FROM THE SOURCE").
Only the data loading (MNIST IDX files read from --data-dir instead of torchvision),
the timing, the command line and the removal of the Neptune logging / image grids /
printing differ.

Batches come from a real ``torch.utils.data.DataLoader(batch_size=100, shuffle=True)``
over the example indices, and each batch is gathered from the in-memory [N,1,28,28]
float32 tensor, so the shuffle order and every random draw match the source's
``DataLoader(datasets.MNIST(..., transform=ToTensor()), batch_size=100, shuffle=True)``
while the per-image PIL -> tensor conversion (not part of the model) is not timed.

Use Debian's interpreter (/usr/bin/python3) with python3-torch; see README.md.
"""

import argparse
import ctypes
import datetime
import gzip
import json
import os
import platform
import statistics
import struct
import sys
import time
import warnings

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(
        "error: cannot import numpy/torch ({}). Run with Debian's interpreter, "
        "/usr/bin/python3, after `apt-get install python3-torch libopenblas0-pthread` "
        "(this is {}).".format(e, sys.executable)
    )

import torch.nn.functional as F
from torch import nn, optim
from torch.nn import functional as F  # noqa: F811  (as in the source)

# The source's `size_average=False` is deprecated; PyTorch warns about it once.
warnings.filterwarnings("ignore", message="size_average and reduce args will be deprecated")


# --------------------------------------------------------------------------- command line

def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Time training steps of the original PyTorch VAE_gumbel (CPU).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data-dir", default="data",
                   help="folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (raw or .gz)")
    p.add_argument("--threads", type=int, default=None,
                   help="torch.set_num_threads(N); default: leave PyTorch's own default")
    p.add_argument("--steps", type=int, default=600,
                   help="timed training steps per repeat (600 = one MNIST epoch)")
    p.add_argument("--warmup", type=int, default=50, help="untimed training steps first")
    p.add_argument("--repeats", type=int, default=3,
                   help="timed repeats of --steps steps; the median is reported")
    p.add_argument("--epochs", type=int, default=None,
                   help="instead of --steps/--repeats: train this many full epochs like the "
                        "source (fresh model after the warm-up) and time each epoch")
    p.add_argument("--seed", type=int, default=2020)
    p.add_argument("--hard", action="store_true", help="straight-through one-hot samples")
    p.add_argument("--autocast-bf16", action="store_true",
                   help="run the forward pass and the loss under torch.autocast('cpu', dtype=torch.bfloat16): "
                        "PyTorch's own CPU mixed precision (bfloat16 products, float32 weights and optimizer)")
    p.add_argument("--train-limit", type=int, default=None,
                   help="use only the first N training examples")
    p.add_argument("--json", metavar="PATH", default=None, help="write the results here")
    a = p.parse_args(argv)
    for name in ("steps", "repeats", "epochs", "train_limit"):
        v = getattr(a, name)
        if v is not None and v < 1:
            p.error("--{} must be >= 1".format(name.replace("_", "-")))
    if a.warmup < 0:
        p.error("--warmup must be >= 0")
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be >= 1")
    return a


args = parse_args()

# --------------------------------------------------------------------------- hyper-parameters
# (the source's values; seed and hard come from the command line, epochs is unused)

batch_size = 100
epochs = 10
temperature = 1.0
no_cuda = False
seed = args.seed
log_interval = 10
hard = args.hard  # Nature of Gumbel-softmax

is_cuda = not no_cuda and torch.cuda.is_available()
if is_cuda:  # a CPU benchmark: never use a GPU even if one is present
    is_cuda = False
torch.manual_seed(seed)


# --------------------------------------------------------------------------- MNIST (IDX files)

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


def _find(data_dir, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            return path
    return None


def _read_idx(path, expected_magic):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    magic = struct.unpack(">I", raw[:4])[0]
    if magic != expected_magic:
        raise SystemExit("error: {} is not an IDX file of the expected kind "
                         "(magic 0x{:08x}, expected 0x{:08x})".format(path, magic, expected_magic))
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise SystemExit("error: {} is truncated or corrupt ({} bytes of data for shape {})"
                         .format(path, data.size, dims))
    return data.reshape(dims)


def load_mnist(data_dir):
    paths = {k: _find(data_dir, v) for k, v in MNIST_FILES.items()}
    missing = [MNIST_FILES[k] for k, v in paths.items() if v is None]
    if missing:
        raise SystemExit(
            "error: MNIST files missing in {}: {} (raw or .gz). This script never downloads; "
            "see README.md for where to get them.".format(os.path.abspath(data_dir), ", ".join(missing)))
    images = _read_idx(paths["train_images"], 0x00000803)
    labels = _read_idx(paths["train_labels"], 0x00000801)
    test_images = _read_idx(paths["test_images"], 0x00000803)
    test_labels = _read_idx(paths["test_labels"], 0x00000801)
    if images.shape[0] != labels.shape[0] or test_images.shape[0] != test_labels.shape[0] \
            or images.shape[1:] != (28, 28) or test_images.shape[1:] != (28, 28):
        raise SystemExit("error: unexpected MNIST shapes: train {} / {}, test {} / {}".format(
            images.shape, labels.shape, test_images.shape, test_labels.shape))
    # like torchvision's ToTensor(): uint8 [0,255] -> float32 [0,1], shape [N,1,28,28]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1).contiguous()
    return x, paths


# =========================================================================== the source's model, helpers and loss

# One copy of the source's code in the repository: pytorch/vae_gumbel.py (unchanged from the source).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "pytorch"))
from vae_gumbel import (  # noqa: E402
    ANNEAL_RATE, VAE_gumbel, categorical_dim, latent_dim, loss_function, temp_min)


def build_model():
    """The source's `model = VAE_gumbel(temperature)` / `optimizer = optim.Adam(...)`."""
    model = VAE_gumbel(temperature)
    if is_cuda:
        model.cuda()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    return model, optimizer


class Trainer:
    """The source's train(epoch) loop, resumable so that it can be timed in slices of N steps.

    Each new epoch makes a new DataLoader iterator (new shuffle) and resets temp to
    `temperature`, exactly as train(epoch) does. Everything the source does per batch
    (next batch from the loader, zero_grad, forward, loss, backward, loss.item(), step,
    annealing) happens inside run(); Neptune logging and printing are left out.
    """

    def __init__(self, model, optimizer, train_x):
        self.model = model
        self.optimizer = optimizer
        self.train_x = train_x
        # DataLoader over indices: same sampler, same RNG draws and same batches as the
        # source's DataLoader over the dataset; the images are gathered from memory.
        self.train_loader = torch.utils.data.DataLoader(
            range(train_x.shape[0]), batch_size=batch_size, shuffle=True)
        self.epoch = 0
        self.batches = None
        self.new_epoch()

    def new_epoch(self):
        self.epoch += 1
        self.model.train()
        self.train_loss = 0
        self.temp = temperature
        self.batches = enumerate(self.train_loader)
        self.steps_in_epoch = 0

    def run(self, n_steps=None):
        """Train n_steps steps (crossing epochs as needed), or to the end of the epoch if None.
        Returns the summed loss.item() over the steps run."""
        model, optimizer, train_x = self.model, self.optimizer, self.train_x
        done = 0
        loss_sum = 0.0
        while n_steps is None or done < n_steps:
            try:
                batch_idx, idx = next(self.batches)
            except StopIteration:
                if n_steps is None:
                    break
                self.new_epoch()
                continue
            data = train_x[idx]
            temp = self.temp
            loss_before = self.train_loss
            # ---- UNCHANGED FROM THE SOURCE (loop body of train(epoch)) ----
            if is_cuda:
                data = data.cuda()
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.autocast_bf16):  # added: --autocast-bf16
                recon_batch, qy = model(data, temp, hard)
                loss = loss_function(recon_batch, data, qy)
            loss.backward()
            self.train_loss += loss.item() * len(data)
            optimizer.step()
            if batch_idx % 100 == 1:
                temp = np.maximum(temp * np.exp(-ANNEAL_RATE * batch_idx), temp_min)
            # ---- end ----
            self.temp = temp
            loss_sum += (self.train_loss - loss_before) / len(data)
            done += 1
            self.steps_in_epoch += 1
        return loss_sum, done


# --------------------------------------------------------------------------- environment facts

def detect_blas():
    """Which BLAS shared library the process really has mapped, plus OpenBLAS details."""
    a = torch.randn(64, 64)
    torch.mm(a, a)  # make sure the BLAS is loaded and used
    libs = {}
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 6:
                    path = parts[-1]
                    base = os.path.basename(path).lower()
                    if any(k in base for k in ("blas", "lapack", "mkl", "blis", "atlas")):
                        libs[path] = os.path.realpath(path)
    except OSError:
        pass
    info = {"mapped_libraries": sorted(set(libs.values()))}
    names = " ".join(info["mapped_libraries"]).lower()
    if "openblas" in names:
        kind = "OpenBLAS"
    elif "mkl" in names:
        kind = "MKL"
    elif "blis" in names:
        kind = "BLIS"
    elif "atlas" in names:
        kind = "ATLAS"
    elif "/blas/libblas" in names:
        kind = "reference BLAS (netlib)"
    else:
        kind = "unknown"
    info["kind"] = kind
    # the libblas.so.3 alternative torch links against (Debian)
    for p in ("/usr/lib/x86_64-linux-gnu/libblas.so.3", "/usr/lib/aarch64-linux-gnu/libblas.so.3"):
        if os.path.exists(p):
            info["libblas_so_3"] = os.path.realpath(p)
            break
    if kind == "OpenBLAS":
        for path in info["mapped_libraries"]:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_config.restype = ctypes.c_char_p
                info["openblas_config"] = lib.openblas_get_config().decode(errors="replace")
                lib.openblas_get_corename.restype = ctypes.c_char_p
                info["openblas_corename"] = lib.openblas_get_corename().decode(errors="replace")
                info["openblas_get_num_threads"] = int(lib.openblas_get_num_threads())
                break
            except (OSError, AttributeError):
                continue
    return info


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


# --------------------------------------------------------------------------- main

def main():
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    train_x, paths = load_mnist(args.data_dir)
    if args.train_limit is not None:
        train_x = train_x[:args.train_limit].contiguous()
    n_train = train_x.shape[0]
    batches_per_epoch = (n_train + batch_size - 1) // batch_size

    blas = detect_blas()
    env = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                          "GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    spin = "".join(" {}={}".format(k, env[k]) for k in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY") if env[k] is not None)
    if blas["kind"] == "OpenBLAS" and env["OPENBLAS_NUM_THREADS"] is None and torch.get_num_threads() > 1:
        print("warning: OPENBLAS_NUM_THREADS is not set; OpenBLAS's own threads will compete with "
              "PyTorch's {} OpenMP threads. Set OPENBLAS_NUM_THREADS=1 for a fair run."
              .format(torch.get_num_threads()), file=sys.stderr)

    result = {
        "benchmark": "pytorch-reference VAE_gumbel train step",
        "timestamp": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": sys.executable,
        "python_version": platform.python_version(),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "blas": blas["kind"],
        "blas_details": blas,
        "torch_parallel_backend": torch.__config__.parallel_info().split("ATen parallel backend:")[-1].strip(),
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "openblas_num_threads": env["OPENBLAS_NUM_THREADS"],
        "omp_num_threads": env["OMP_NUM_THREADS"],
        "mkl_num_threads": env["MKL_NUM_THREADS"],
        "gomp_spincount": env["GOMP_SPINCOUNT"],
        "omp_wait_policy": env["OMP_WAIT_POLICY"],
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "data_dir": os.path.abspath(args.data_dir),
        "train_examples": n_train,
        "batch_size": batch_size,
        "batches_per_epoch": batches_per_epoch,
        "hard": bool(hard),
        "autocast": "bf16" if args.autocast_bf16 else None,
        "seed": seed,
        "warmup": args.warmup,
        "timed_region": "DataLoader batch + gather, zero_grad, forward, loss, backward, "
                        "loss.item(), optimizer.step, annealing",
    }

    if args.epochs is None:
        # ---- steps mode: warm-up, then `repeats` timed slices of `steps` steps
        model, optimizer = build_model()
        trainer = Trainer(model, optimizer, train_x)
        if args.warmup:
            trainer.run(args.warmup)
        per_step = []
        losses = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            loss_sum, n = trainer.run(args.steps)
            dt = time.perf_counter() - t0
            per_step.append(dt * 1000.0 / n)
            losses.append(loss_sum / n)
        ms = statistics.median(per_step)
        result.update({
            "mode": "steps",
            "steps": args.steps,
            "repeats": args.repeats,
            "ms_per_step": ms,
            "ms_per_step_all": per_step,
            "examples_per_second": batch_size * 1000.0 / ms,
            "mean_loss_per_repeat": losses,
        })
        summary = ("VAE_gumbel torch {} | {} | threads {} | OPENBLAS_NUM_THREADS={} OMP_NUM_THREADS={}{} | "
                   "hard={} | {} steps x {} repeats (warm-up {}) | median {:.2f} ms/step "
                   "[{}] | {:.0f} examples/s | mean loss {:.2f}").format(
            torch.__version__, blas["kind"], result["threads"], env["OPENBLAS_NUM_THREADS"],
            env["OMP_NUM_THREADS"], spin, bool(hard), args.steps, args.repeats, args.warmup, ms,
            ", ".join("{:.2f}".format(v) for v in per_step), result["examples_per_second"], losses[-1])
    else:
        # ---- epochs mode: warm-up on a scratch model, then the source's run from a fresh seed
        if args.warmup:
            scratch_model, scratch_opt = build_model()
            Trainer(scratch_model, scratch_opt, train_x).run(args.warmup)
            del scratch_model, scratch_opt
        torch.manual_seed(seed)
        model, optimizer = build_model()
        trainer = None
        epoch_s, avg_loss = [], []
        for epoch in range(1, args.epochs + 1):
            t0 = time.perf_counter()
            if trainer is None:
                trainer = Trainer(model, optimizer, train_x)  # DataLoader creation: no RNG draw
            else:
                trainer.new_epoch()
            trainer.run(None)
            dt = time.perf_counter() - t0
            epoch_s.append(dt)
            avg_loss.append(trainer.train_loss / n_train)
            print("====> Epoch: {} Average loss: {:.4f}  ({:.2f} s, {:.2f} ms/step)".format(
                epoch, avg_loss[-1], dt, dt * 1000.0 / batches_per_epoch), flush=True)
        med = statistics.median(epoch_s)
        ms = med * 1000.0 / batches_per_epoch
        result.update({
            "mode": "epochs",
            "epochs": args.epochs,
            "steps": batches_per_epoch,
            "repeats": args.epochs,
            "epoch_seconds": epoch_s,
            "epoch_seconds_median": med,
            "ms_per_step": ms,
            "ms_per_step_all": [s * 1000.0 / batches_per_epoch for s in epoch_s],
            "examples_per_second": n_train / med,
            "average_train_loss_per_epoch": avg_loss,
        })
        summary = ("VAE_gumbel torch {} | {} | threads {} | OPENBLAS_NUM_THREADS={} OMP_NUM_THREADS={}{} | "
                   "hard={} | {} epoch(s) of {} steps | median {:.2f} s/epoch = {:.2f} ms/step | "
                   "{:.0f} examples/s | last avg loss {:.4f}").format(
            torch.__version__, blas["kind"], result["threads"], env["OPENBLAS_NUM_THREADS"],
            env["OMP_NUM_THREADS"], spin, bool(hard), args.epochs, batches_per_epoch, med, ms,
            result["examples_per_second"], avg_loss[-1])

    print(summary, flush=True)
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        os.makedirs(d, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
