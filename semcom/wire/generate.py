"""Generate the Python gRPC stubs in ``semcom/v1/`` from ``proto/``.

    python -m semcom.wire.generate            # rewrite semcom/v1/*_pb2*.py
    python -m semcom.wire.generate --out DIR  # write elsewhere (the drift test does)

The stubs are committed so that users need no code generator; the pinned
grpcio-tools version in pyproject.toml makes the output reproducible.
"""

from __future__ import annotations

import argparse
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = REPO_ROOT / "proto"
PROTO_FILES = ["semcom/v1/semcom.proto"]


def generate(out_dir: Path) -> list[Path]:
    """Run protoc on every proto file; return the files written."""
    import grpc_tools
    from grpc_tools import protoc  # dev dependency, imported only here

    include = Path(grpc_tools.__file__).parent / "_proto"
    out_dir.mkdir(parents=True, exist_ok=True)
    for proto in PROTO_FILES:
        code = protoc.main(
            [
                "protoc",
                f"-I{PROTO_ROOT}",
                f"-I{include}",
                f"--python_out={out_dir}",
                f"--pyi_out={out_dir}",
                f"--grpc_python_out={out_dir}",
                str(PROTO_ROOT / proto),
            ]
        )
        if code != 0:
            raise RuntimeError(f"protoc failed on {proto} (exit {code})")
    return sorted((out_dir / "semcom" / "v1").glob("*_pb2*.py*"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT)
    args = parser.parse_args()
    for path in generate(args.out):
        print(path)


if __name__ == "__main__":
    main()
