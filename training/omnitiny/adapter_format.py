"""Rewrites an adapter file's format version where the tensors stay the same: format 3 ↔ 4 (format 4 only
changes how routing weights scale the values; `fusion.FusionLayer`). The tensors are copied as they are;
the header's `omnibark_adapters.format_version` changes. Other conversions need training (new tensors) and
are refused.

    python -m omnitiny.adapter_format --input runs-steer7/adapters.safetensors --format 4 \\
        --output ../models/omnibark-tiny/adapters.safetensors"""

import argparse
import json
import os
import sys

SAME_TENSORS = ({3, 4},)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--format", type=int, required=True, help="the format version to write (3 or 4)")
    a = p.parse_args(argv)
    from safetensors.torch import load_file, save_file
    try:
        with open(a.input, "rb") as fh:
            header = json.loads(fh.read(int.from_bytes(fh.read(8), "little")))
    except (OSError, ValueError) as e:
        sys.exit(f"adapter_format: {a.input}: not a readable safetensors file ({e})")
    metadata = header.get("__metadata__", {})
    if "omnibark_adapters" not in metadata:
        sys.exit(f"adapter_format: {a.input}: no __metadata__.omnibark_adapters (not an adapter file)")
    config = json.loads(metadata["omnibark_adapters"])
    have = config.get("format_version", 1)
    if have != a.format and not any({have, a.format} <= pair for pair in SAME_TENSORS):
        sys.exit(f"adapter_format: {a.input} is format {have}; only formats 3 and 4 share their tensors, so "
                 f"format {a.format} needs training")
    config["format_version"] = a.format
    metadata = dict(metadata, omnibark_adapters=json.dumps(config))
    tmp = a.output + ".part"
    save_file(load_file(a.input), tmp, metadata=metadata)
    os.replace(tmp, a.output)
    print(f"adapter_format: {a.input} (format {have}) → {a.output} (format {a.format})")


if __name__ == "__main__":
    main()
