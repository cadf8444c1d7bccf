"""The scikit-learn side of `npm run bench -- trees`, which runs it after its own measurements.

The host's speed drifts by more than the gaps being measured, so this times the study's two tree
models in scikit-learn in the same run, on the same data, split and seed as bench/trees.ts: the
split's 48,000 training rows of the pixel cache, DecisionTreeClassifier(random_state=SEED) and
RandomForestClassifier(n_estimators=100, n_jobs=JOBS, random_state=SEED), each fitted on all of
them (wall time, then accuracy on the split's 12,000 validation rows) and cross-validated with
StratifiedKFold(5, shuffle=True, random_state=SEED), as the study does. The folds hold the same
numbers of rows as the Node bench's but not the same rows (another shuffle). The decision tree's
folds run JOBS at a time (a tree is one thread); the forest's one after the other, each forest on
JOBS threads: both use the JOBS cores the Node bench's pool uses.

    python3 bench/sklearn_reference.py [--artifacts-dir artifacts] [--jobs 2] [--seed 87] [--no-cv]

Progress goes to stderr; the last line on stdout is a JSON object, {"library": "scikit-learn
1.2.1", "models": {"decision-tree": {"fitSeconds": s, "validAccuracy": a, "cvSeconds": s,
"cvMean": a}, "random-forest": {...}}}, or {"unavailable": why} with exit code 3 where sklearn or
numpy cannot be imported (bench/_reference.ts reads it).

Needs scikit-learn and numpy (Debian: python3-sklearn) and the load and split stages' outputs.
"""

import argparse
import json
import sys
import time
from pathlib import Path

UNAVAILABLE_EXIT_CODE = 3
CV_FOLDS = 5
FOREST_TREES = 100


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def load(artifacts: Path):
    """The split's training and validation rows of the pixel cache (uint8, 784 per image) and their labels."""
    import numpy as np
    cache = artifacts / 'cache'
    x = np.fromfile(cache / 'train-images.u8', dtype=np.uint8).reshape(-1, 784)
    y = np.fromfile(cache / 'train-labels.u8', dtype=np.uint8)
    split = json.loads((artifacts / 'split.json').read_text())
    return x[split['train']], y[split['train']], x[split['valid']], y[split['valid']]


def models(jobs: int, seed: int):
    """Each model, and how many CV folds run at once for it."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier
    return {
        'decision-tree': (DecisionTreeClassifier(random_state=seed), jobs),
        'random-forest': (RandomForestClassifier(n_estimators=FOREST_TREES, n_jobs=jobs, random_state=seed), 1),
    }


def bench(args: argparse.Namespace) -> dict:
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    train_x, train_y, valid_x, valid_y = load(Path(args.artifacts_dir))
    log(f'scikit-learn: {len(train_y)} training rows x {train_x.shape[1]} features, {args.jobs} jobs')
    out = {}
    for name, (model, fold_jobs) in models(args.jobs, args.seed).items():
        started = time.perf_counter()
        model.fit(train_x, train_y)
        fit_seconds = time.perf_counter() - started
        figures = {'fitSeconds': fit_seconds, 'validAccuracy': float(model.score(valid_x, valid_y))}
        log(f'  scikit-learn {name}: fit {fit_seconds:.1f} s, valid accuracy {figures["validAccuracy"]:.4f}')
        if not args.no_cv:
            folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=args.seed)
            started = time.perf_counter()
            scores = cross_val_score(clone(model), train_x, train_y, cv=folds, n_jobs=fold_jobs)
            figures['cvSeconds'] = time.perf_counter() - started
            figures['cvMean'] = float(scores.mean())
            log(f'  scikit-learn {name}: {CV_FOLDS}-fold CV {figures["cvSeconds"]:.1f} s, mean accuracy {figures["cvMean"]:.4f}')
        out[name] = figures
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--artifacts-dir', default='artifacts')
    parser.add_argument('--jobs', type=int, default=2, help='cores, as the Node bench\'s --workers')
    parser.add_argument('--seed', type=int, default=87)
    parser.add_argument('--no-cv', action='store_true', help='fits only')
    args = parser.parse_args()
    try:
        import numpy  # noqa: F401
        import sklearn
    except ImportError as err:
        print(json.dumps({'unavailable': str(err)}))
        sys.exit(UNAVAILABLE_EXIT_CODE)
    figures = bench(args)
    print(json.dumps({'library': f'scikit-learn {sklearn.__version__}', 'jobs': args.jobs, 'models': figures}))


if __name__ == '__main__':
    main()
