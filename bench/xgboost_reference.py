"""XGBoost's side of the boosting measurements, to run in the same hour as `npm run bench -- boost`.

Fits Debian's python3-xgboost (1.7.4) with tree_method=hist and 2 threads on the study's split
(the pixel cache's 48,000 train / 12,000 valid rows) and prints fit seconds, seconds per round
and valid and test accuracy, for the issue's two settings:

    python3 bench/xgboost_reference.py depth|leaves [--artifacts-dir artifacts] [--rounds 10]

depth: max_depth 6, eta 0.3 (XGBoost's defaults); leaves: grow_policy lossguide, max_leaves 31,
max_depth 0, eta 0.1 (LightGBM's defaults). The same settings on ours:

    npm run bench -- boost --rounds 10 --learning-rate 0.3 --max-depth 6 --max-leaves 64 \\
      --min-data-in-leaf 1 --subsample 1 --colsample-bytree 1
    npm run bench -- boost --rounds 10 --learning-rate 0.1 --max-leaves 31 \\
      --min-data-in-leaf 1 --subsample 1 --colsample-bytree 1

(64 leaves at depth 6 is a full depth-6 tree, so leaf-wise growth makes XGBoost's depth-wise
trees; XGBoost has no min rows per leaf, hence 1.) Both score the valid rows every round. The
fit time includes XGBoost's quantile sketch of the training matrix, as ours includes writing
its pixels into the shared memory.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import xgboost as xgb

SETTINGS = {
    'depth': {'max_depth': 6, 'eta': 0.3},
    'leaves': {'grow_policy': 'lossguide', 'max_leaves': 31, 'max_depth': 0, 'eta': 0.1},
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('setting', choices=SETTINGS)
    parser.add_argument('--artifacts-dir', default='artifacts')
    parser.add_argument('--rounds', type=int, default=10)
    args = parser.parse_args()
    cache = Path(args.artifacts_dir) / 'cache'
    pixels = lambda name: np.fromfile(cache / name, dtype=np.uint8).reshape(-1, 784).astype(np.float32)
    x, y = pixels('train-images.u8'), np.fromfile(cache / 'train-labels.u8', dtype=np.uint8)
    test_x, test_y = pixels('test-images.u8'), np.fromfile(cache / 'test-labels.u8', dtype=np.uint8)
    split = json.loads((Path(args.artifacts_dir) / 'split.json').read_text())
    train, valid = np.array(split['train']), np.array(split['valid'])
    params = {'objective': 'multi:softprob', 'num_class': 10, 'tree_method': 'hist', 'nthread': 2, **SETTINGS[args.setting]}
    dtrain = xgb.DMatrix(x[train], label=y[train])
    dvalid = xgb.DMatrix(x[valid], label=y[valid])
    started = time.time()
    # scored on the valid rows every round, as ours is
    booster = xgb.train({**params, 'eval_metric': ['mlogloss', 'merror']}, dtrain, args.rounds, evals=[(dvalid, 'valid')], verbose_eval=False)
    fit = time.time() - started
    accuracy = lambda d, labels: float((booster.predict(d).argmax(1) == labels).mean())
    print(
        f'xgboost {xgb.__version__} {args.setting}: {args.rounds} rounds, fit {fit:.1f} s, {fit / args.rounds:.3f} s per round, '
        f'valid {accuracy(dvalid, y[valid]):.4f}, test {accuracy(xgb.DMatrix(test_x), test_y):.4f}'
    )


if __name__ == '__main__':
    main()
