#!/usr/bin/python3
"""Train the original VAE_gumbel the original way and save its state_dict with torch.save.

The training loop is the source script's ``train(epoch)`` (Adam 1e-3, batch 100, shuffled DataLoader, the
source's per-epoch annealing), with the Neptune logging, image grids and printing left out; MNIST comes from the
IDX files in --data-dir instead of a download. The result is what a researcher who trained the original script
has: ``torch.save(model.state_dict(), path)``, which ``categoricalvae import`` reads.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 pytorch/train_original.py --data-dir data --out original.pt
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np
import torch
from torch import optim

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vae_gumbel as source  # noqa: E402
from vae_gumbel import VAE_gumbel, loss_function, read_mnist_images  # noqa: E402

# The source's `size_average=False` is deprecated; PyTorch warns about it once.
warnings.filterwarnings("ignore", message="size_average and reduce args will be deprecated")


def git_commit():
    """The commit of the checkout this script is in, or None."""
    import subprocess
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=os.path.dirname(os.path.abspath(__file__)),
                             capture_output=True, text=True, timeout=30)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except OSError:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-dir", default="data", help="folder with MNIST's IDX files (raw or .gz)")
    p.add_argument("--out", required=True, help="where torch.save writes the state_dict")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--seed", type=int, default=source.seed)
    p.add_argument("--hard", action="store_true", help="the source's hard (straight-through) samples")
    p.add_argument("--train-limit", type=int, default=None, help="use only the first N training images")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N)")
    p.add_argument("--test", action="store_true",
                   help="after each epoch, the source's test(epoch): the loss on the 10 000 test images, as it prints it")
    p.add_argument("--json", default=None, help="also write the epochs' losses here")
    args = p.parse_args()
    if args.epochs < 1 or (args.train_limit is not None and args.train_limit < 1):
        p.error("--epochs and --train-limit must be at least 1")
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    torch.manual_seed(args.seed)
    images = read_mnist_images(args.data_dir, train=True)
    test_images = read_mnist_images(args.data_dir, train=False) if args.test else None
    if args.train_limit is not None:
        images = images[:args.train_limit]
    dataset = torch.utils.data.TensorDataset(images, torch.zeros(images.shape[0]))
    train_loader = torch.utils.data.DataLoader(dataset, batch_size=source.batch_size, shuffle=True)
    test_loader = None if test_images is None else torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(test_images, torch.zeros(test_images.shape[0])), batch_size=source.batch_size, shuffle=True)
    rows = []
    model = VAE_gumbel(source.temperature)
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    hard = args.hard

    for epoch in range(1, args.epochs + 1):
        # ---- the source's train(epoch), without logging ----
        model.train()
        train_loss = 0
        temp = source.temperature
        for batch_idx, (data, _) in enumerate(train_loader):
            optimizer.zero_grad()
            recon_batch, qy = model(data, temp, hard)
            loss = loss_function(recon_batch, data, qy)
            loss.backward()
            train_loss += loss.item() * len(data)
            optimizer.step()
            if batch_idx % 100 == 1:
                temp = np.maximum(temp * np.exp(-source.ANNEAL_RATE * batch_idx), source.temp_min)
        print("====> Epoch: {} Average loss: {:.4f}".format(epoch, train_loss / len(train_loader.dataset)), flush=True)
        row = {"epoch": epoch, "train_loss": train_loss / len(train_loader.dataset)}
        if test_loader is not None:
            # ---- the source's test(epoch), without the image grid ----
            model.eval()
            test_loss = 0
            temp = source.temperature
            for i, (data, _) in enumerate(test_loader):
                recon_batch, qy = model(data, temp, hard)
                test_loss += loss_function(recon_batch, data, qy).item() * len(data)
                if i % 100 == 1:
                    temp = np.maximum(temp * np.exp(-source.ANNEAL_RATE * i), source.temp_min)
            test_loss /= len(test_loader.dataset)
            print("====> Test set loss: {:.4f}".format(test_loss), flush=True)
            row["test_loss"] = test_loss
        rows.append(row)

    torch.save(model.state_dict(), args.out)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"script": "pytorch/train_original.py", "git_commit": git_commit(), "torch_version": torch.__version__, "seed": args.seed,
                       "hard": bool(hard), "train_images": int(images.shape[0]), "epochs": rows}, f, indent=2)
    print(json.dumps({"out": os.path.abspath(args.out), "epochs": args.epochs, "train_images": int(images.shape[0]),
                      "average_train_loss": train_loss / len(train_loader.dataset), "temperature": float(temp)}))


if __name__ == "__main__":
    main()
