"""The original PyTorch ``VAE_gumbel`` script's model, helpers and loss, unchanged.

Everything between the "UNCHANGED FROM THE SOURCE" markers is the source's code as it defines it
(module-level ``latent_dim``/``categorical_dim``, ``is_cuda`` and ``temperature`` included), so a state_dict
exported by CategoricalVae loads strictly into this ``VAE_gumbel`` exactly as it would into the original.
Only the MNIST reader below is added (IDX files from a folder, never a download).

For another latent shape, set ``vae_gumbel.latent_dim`` / ``vae_gumbel.categorical_dim`` before building the
model (the source reads these globals). The source's ReLU on the encoder logits is part of ``encode``; a run
trained with ``--no-logit-relu`` has no counterpart here (the JSON beside an export says which it was).
"""

import gzip
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn import functional as F  # noqa: F811  (as in the source)

# ---------------------------------------------------------------- UNCHANGED FROM THE SOURCE (hyper-parameters)
batch_size = 100
epochs = 10
temperature = 1.0
no_cuda = False
seed = 2020
log_interval = 10
hard = False  # Nature of Gumbel-softmax

is_cuda = False  # the source: not no_cuda and torch.cuda.is_available(); these scripts stay on the CPU

latent_dim = 30
categorical_dim = 10  # one-of-K vector
temp_min = 0.5
ANNEAL_RATE = 0.00003


# ---------------------------------------------------------------- UNCHANGED FROM THE SOURCE

def sample_gumbel(shape, eps=1e-20):
    U = torch.rand(shape)
    if is_cuda:
        U = U.cuda()
    return -torch.log(-torch.log(U + eps) + eps)


def gumbel_softmax_sample(logits, temperature):
    y = logits + sample_gumbel(logits.size())
    return F.softmax(y / temperature, dim=-1)


def gumbel_softmax(logits, temperature, hard=False):
    """
    ST-gumple-softmax
    input: [*, n_class]
    return: flatten --> [*, n_class] an one-hot vector
    """
    y = gumbel_softmax_sample(logits, temperature)

    if not hard:
        return y.view(-1, latent_dim * categorical_dim)

    shape = y.size()
    _, ind = y.max(dim=-1)
    y_hard = torch.zeros_like(y).view(-1, shape[-1])
    y_hard.scatter_(1, ind.view(-1, 1), 1)
    y_hard = y_hard.view(*shape)
    # Set gradients w.r.t. y_hard gradients w.r.t. y
    y_hard = (y_hard - y).detach() + y
    return y_hard.view(-1, latent_dim * categorical_dim)


# Reconstruction + KL divergence losses summed over all elements and batch
def loss_function(recon_x, x, qy):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), size_average=False) / x.shape[0]

    log_ratio = torch.log(qy * categorical_dim + 1e-20)
    KLD = torch.sum(qy * log_ratio, dim=-1).mean()

    return BCE + KLD


class VAE_gumbel(nn.Module):
    def __init__(self, temp):
        super(VAE_gumbel, self).__init__()

        self.fc1 = nn.Linear(784, 512)
        self.fc2 = nn.Linear(512, 256)
        self.fc3 = nn.Linear(256, latent_dim * categorical_dim)

        self.fc4 = nn.Linear(latent_dim * categorical_dim, 256)
        self.fc5 = nn.Linear(256, 512)
        self.fc6 = nn.Linear(512, 784)

        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()

    def encode(self, x):
        h1 = self.relu(self.fc1(x))
        h2 = self.relu(self.fc2(h1))
        return self.relu(self.fc3(h2))

    def decode(self, z):
        h4 = self.relu(self.fc4(z))
        h5 = self.relu(self.fc5(h4))
        return self.sigmoid(self.fc6(h5))

    def forward(self, x, temp, hard):
        q = self.encode(x.view(-1, 784))
        q_y = q.view(q.size(0), latent_dim, categorical_dim)
        z = gumbel_softmax(q_y, temp, hard)
        return self.decode(z), F.softmax(q_y, dim=-1).reshape(*q.size())

# ---------------------------------------------------------------- end of source code


def read_mnist_images(data_dir, train):
    """MNIST images of one split as float32 [N, 1, 28, 28] in [0, 1], like torchvision's ToTensor(), read from
    the IDX files (raw or .gz) CategoricalVae fetched into ``data_dir``."""
    name = "train-images-idx3-ubyte" if train else "t10k-images-idx3-ubyte"
    for candidate in (name, name + ".gz"):
        path = os.path.join(data_dir, candidate)
        if os.path.isfile(path):
            break
    else:
        raise SystemExit("error: {} has no {} (run CategoricalVae once to fetch MNIST)".format(data_dir, name))
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", raw[:16])
    if magic != 0x00000803 or rows != 28 or cols != 28 or len(raw) != 16 + count * 784:
        raise SystemExit("error: {} is not an MNIST image file".format(path))
    images = np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, 1, 28, 28)
    return torch.from_numpy(images.astype(np.float32) / np.float32(255))
