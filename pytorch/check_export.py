#!/usr/bin/python3
"""Check a model exported by ``categoricalvae export`` against the original VAE_gumbel and against the program.

Given the .pt and .safetensors files of one export (each with its JSON beside it) and the program's own outputs
for some inputs, this:

1. loads the .pt strictly into the original's ``VAE_gumbel``: ``model.load_state_dict(torch.load(path))``;
2. reads the .safetensors file with the standard library and numpy only (the ``safetensors`` package is not needed):
   the 8-byte little-endian header length, the JSON header, each tensor's dtype, shape and byte range, which must
   tile the data without gaps or overlaps, as the format requires; every tensor must equal the .pt's bit for bit;
3. checks both JSON files: the latent shape, the tensors' names and shapes, and each weights file's SHA-256;
4. computes the encoder probabilities q(z|x) (the source's ``F.softmax(q_y, dim=-1)``) for the inputs and the
   decoder output for the codes, and compares them with the program's within float32 rounding.

Inputs and expected outputs are raw little-endian float32 files: --inputs [n, 784], --codes [n, code],
--expected-q [n, code], --expected-decoded [n, 784]. Prints one JSON line; exits 1 with the reason on a mismatch.
"""

import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vae_gumbel as source  # noqa: E402

SAFETENSORS_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16}
ATOL, RTOL = 1e-5, 1e-4  # float32 rounding of two BLAS libraries' different summation orders


def fail(reason):
    print(json.dumps({"ok": False, "reason": reason}))
    sys.exit(1)


def read_safetensors(path):
    """name -> numpy array, per the published format, with the standard library and numpy."""
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    if 8 + length > len(raw):
        fail("safetensors header length {} exceeds the file".format(length))
    header_bytes = raw[8:8 + length]
    if not header_bytes.startswith(b"{"):
        fail("safetensors header does not start with '{'")
    header = json.loads(header_bytes.decode("utf-8"))
    data = raw[8 + length:]
    tensors, spans = {}, []
    for name, entry in header.items():
        if name == "__metadata__":
            if not all(isinstance(v, str) for v in entry.values()):
                fail("__metadata__ must map strings to strings")
            continue
        dtype = SAFETENSORS_DTYPES.get(entry["dtype"])
        if dtype is None:
            fail("{}: unexpected dtype {}".format(name, entry["dtype"]))
        begin, end = entry["data_offsets"]
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if end - begin != count * np.dtype(dtype).itemsize:
            fail("{}: byte range {}..{} does not match shape {} of {}".format(name, begin, end, entry["shape"], entry["dtype"]))
        spans.append((begin, end, name))
        tensors[name] = (entry["dtype"], np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<"), count=count, offset=begin)
                         .reshape(entry["shape"]))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            fail("{}: the byte ranges leave a gap or overlap at {}".format(name, position))
        position = end
    if position != len(data):
        fail("the byte ranges cover {} of the {} data bytes".format(position, len(data)))
    return tensors


def check_metadata(weights_path, fmt):
    path = weights_path + ".json"
    with open(path) as f:
        meta = json.load(f)
    with open(weights_path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if meta["weights_sha256"] != digest:
        fail("{}: weights_sha256 does not match the file".format(path))
    if meta["format"] != fmt or meta["model"] != "VAE_gumbel" or meta["dtype"] != "float32":
        fail("{}: unexpected format/model/dtype {}/{}/{}".format(path, meta["format"], meta["model"], meta["dtype"]))
    if not meta["relu_on_logits"]:
        fail("{}: the original VAE_gumbel applies the ReLU to the logits; this run does not".format(path))
    return meta


def read_floats(path, columns):
    values = np.fromfile(path, dtype="<f4")
    if values.size % columns:
        fail("{} does not hold rows of {} floats".format(path, columns))
    return torch.from_numpy(values.reshape(-1, columns).copy())


def compare(label, got, expected):
    diff = (got - expected).abs()
    worst = float(diff.max())
    if not torch.allclose(got, expected, atol=ATOL, rtol=RTOL):
        fail("{}: differs from the program's by up to {:.3g} (tolerance {} + {}·|x|)".format(label, worst, ATOL, RTOL))
    return worst


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--pt", required=True)
    p.add_argument("--safetensors", required=True)
    p.add_argument("--inputs", required=True)
    p.add_argument("--codes", required=True)
    p.add_argument("--expected-q", required=True)
    p.add_argument("--expected-decoded", required=True)
    args = p.parse_args()

    meta = check_metadata(args.pt, "pt")
    check_metadata(args.safetensors, "safetensors")
    source.latent_dim, source.categorical_dim = meta["latent_dim"], meta["categories"]
    code = source.latent_dim * source.categorical_dim

    from_pt = source.VAE_gumbel(source.temperature)
    state = torch.load(args.pt)
    from_pt.load_state_dict(state)  # strict
    if list(state.keys()) != list(meta["tensors"].keys()) or any(list(state[k].shape) != v for k, v in meta["tensors"].items()):
        fail("the .pt's tensors differ from the names and shapes its JSON lists")

    tensors = read_safetensors(args.safetensors)
    if sorted(tensors) != sorted(state):
        fail("the safetensors file holds {} but the .pt holds {}".format(sorted(tensors), sorted(state)))
    for name, (dtype, array) in tensors.items():
        if dtype != "F32" or not np.array_equal(array, state[name].numpy()):
            fail("{}: the safetensors tensor differs from the .pt's".format(name))
    from_safetensors = source.VAE_gumbel(source.temperature)
    from_safetensors.load_state_dict({name: torch.from_numpy(array.copy()) for name, (_, array) in tensors.items()})

    x = read_floats(args.inputs, 784)
    z = read_floats(args.codes, code)
    expected_q = read_floats(args.expected_q, code)
    expected_decoded = read_floats(args.expected_decoded, 784)
    worst = {}
    with torch.no_grad():
        for label, model in (("pt", from_pt), ("safetensors", from_safetensors)):
            model.eval()
            q = model.encode(x.view(-1, 784))
            q_y = q.view(q.size(0), source.latent_dim, source.categorical_dim)
            probabilities = torch.nn.functional.softmax(q_y, dim=-1).reshape(*q.size())
            worst[label + "_q"] = compare(label + " q(z|x)", probabilities, expected_q)
            worst[label + "_decoded"] = compare(label + " decoder output", model.decode(z), expected_decoded)
    print(json.dumps({"ok": True, "images": int(x.shape[0]), "tensors": len(state), "largest_difference": worst}))


if __name__ == "__main__":
    main()
