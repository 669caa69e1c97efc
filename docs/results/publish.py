#!/usr/bin/python3
"""Copy a run's result files into docs/results/ without the paths of the machine that made them.

    docs/results/publish.py RUN_FOLDER DEST_PREFIX

copies RUN_FOLDER's config.json, metrics.csv, evaluation*.json and gradvar*.json to DEST_PREFIX-config.json,
DEST_PREFIX-metrics.csv, … (DEST_PREFIX relative to docs/results/, e.g. recipe/soft-seed1). A file that is not a run's
(bench --json, compare --csv, the PyTorch original's JSON) is copied with `publish.py FILE DEST`. In JSON, every
string that is an absolute path becomes its last part (a folder's name), so the runs and data folders read as
`runs` and `data`; everything else is copied unchanged.
"""
import glob
import json
import os
import shutil
import sys

RESULTS = os.path.dirname(os.path.abspath(__file__))
RUN_FILES = ["config.json", "metrics.csv", "evaluation*.json", "gradvar*.json"]


def strip_paths(value):
    if isinstance(value, dict):
        return {k: strip_paths(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_paths(v) for v in value]
    if isinstance(value, str) and value.startswith("/") and len(value) > 1:
        return os.path.basename(value.rstrip("/"))
    return value


def copy(source, dest):
    dest = os.path.join(RESULTS, dest)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    if source.endswith(".json"):
        with open(source) as f:
            data = json.load(f)
        with open(dest, "w") as f:
            json.dump(strip_paths(data), f, indent=2, ensure_ascii=False)
            f.write("\n")
    else:
        shutil.copyfile(source, dest)
    print(os.path.relpath(dest, RESULTS))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    source, dest = sys.argv[1], sys.argv[2]
    if os.path.isdir(source):
        found = False
        for pattern in RUN_FILES:
            for path in sorted(glob.glob(os.path.join(source, pattern))):
                copy(path, "{}-{}".format(dest, os.path.basename(path)))
                found = True
        if not found:
            sys.exit("error: {} holds none of {}".format(source, ", ".join(RUN_FILES)))
    elif os.path.isfile(source):
        copy(source, dest)
    else:
        sys.exit("error: {} is neither a run folder nor a file".format(source))


if __name__ == "__main__":
    main()
