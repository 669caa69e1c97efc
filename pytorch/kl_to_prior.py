#!/usr/bin/python3
"""KL(q(z|x) || uniform prior) of a saved VAE_gumbel state_dict on MNIST's grey test images, as PyTorch computes it.

The mean over the first --test-limit test images of sum over latents of KL(q(z_i|x) || uniform), q the softmax
of the encoder's logits per latent (the source's ``F.softmax(q_y, dim=-1)``). ``categoricalvae evaluate
--binarize none`` reports the same figure as "KL to prior"; the tests check that the two agree.

    OPENBLAS_NUM_THREADS=1 /usr/bin/python3 pytorch/kl_to_prior.py --weights original.pt --data-dir data
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vae_gumbel as source  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", required=True, help="torch.save(model.state_dict()) output")
    p.add_argument("--data-dir", default="data")
    p.add_argument("--test-limit", type=int, default=None, help="only the first N test images")
    p.add_argument("--latent-dim", type=int, default=source.latent_dim)
    p.add_argument("--categories", type=int, default=source.categorical_dim)
    args = p.parse_args()
    source.latent_dim, source.categorical_dim = args.latent_dim, args.categories

    model = source.VAE_gumbel(source.temperature)
    model.load_state_dict(torch.load(args.weights))  # strict: every name and shape must match
    model.eval()
    images = source.read_mnist_images(args.data_dir, train=False)
    if args.test_limit is not None:
        images = images[:args.test_limit]
    total = 0.0
    with torch.no_grad():
        for start in range(0, images.shape[0], source.batch_size):
            x = images[start:start + source.batch_size]
            q_y = model.encode(x.view(-1, 784)).view(-1, args.latent_dim, args.categories)
            log_q = F.log_softmax(q_y, dim=-1).double()
            total += (log_q.exp() * (log_q + math.log(args.categories))).sum().item()
    print(json.dumps({"kl_to_prior": total / images.shape[0], "test_images": int(images.shape[0])}))


if __name__ == "__main__":
    main()
