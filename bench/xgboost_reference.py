"""XGBoost's side of `npm run bench -- boost`, which runs it right after fitting ours.

The host's speed drifts by more than the gaps being measured, so XGBoost is timed in the same run,
on the same data and split: the pixel cache's 48,000 train / 12,000 valid rows of the study's
split, the 10,000 test images. It fits Debian's python3-xgboost with tree_method=hist and JOBS
threads, scores the valid rows every round (as ours does), and with --early-stopping-rounds N
stops when the valid mlogloss has not improved for N rounds, predicting with the best round.

    python3 bench/xgboost_reference.py PARAMS_JSON [--artifacts-dir artifacts] [--rounds 50]
        [--early-stopping-rounds 0] [--jobs 2]

PARAMS_JSON holds XGBoost's parameters of the setting (bench/boost.ts writes them next to ours).
The fit time includes building the DMatrix quantile sketch of the training rows, as ours includes
writing its pixels into the shared memory.

Progress goes to stderr; the last line on stdout is a JSON object, {"library": "xgboost 1.7.4",
"rounds": n, "bestRound": n, "fitSeconds": s, "secondsPerRound": s, "validAccuracy": a,
"testAccuracy": a, "predictSeconds": s}, or {"unavailable": why} with exit code 3 where xgboost or
numpy cannot be imported (bench/_reference.ts reads it).
"""

import argparse
import json
import sys
import time
from pathlib import Path

UNAVAILABLE_EXIT_CODE = 3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('params', help="XGBoost parameters as a JSON object")
    parser.add_argument('--artifacts-dir', default='artifacts')
    parser.add_argument('--rounds', type=int, default=50)
    parser.add_argument('--early-stopping-rounds', type=int, default=0)
    parser.add_argument('--jobs', type=int, default=2)
    args = parser.parse_args()
    try:
        import numpy as np
        import xgboost as xgb
    except ImportError as error:
        print(json.dumps({'unavailable': str(error)}))
        sys.exit(UNAVAILABLE_EXIT_CODE)

    artifacts = Path(args.artifacts_dir)
    cache = artifacts / 'cache'
    images = lambda name: np.fromfile(cache / name, dtype=np.uint8).reshape(-1, 784).astype(np.float32)
    x, y = images('train-images.u8'), np.fromfile(cache / 'train-labels.u8', dtype=np.uint8)
    test_x, test_y = images('test-images.u8'), np.fromfile(cache / 'test-labels.u8', dtype=np.uint8)
    split = json.loads((artifacts / 'split.json').read_text())
    train, valid = np.array(split['train']), np.array(split['valid'])
    params = {
        'objective': 'multi:softprob', 'num_class': 10, 'tree_method': 'hist', 'nthread': args.jobs,
        # mlogloss last: early stopping watches the last metric
        'eval_metric': ['merror', 'mlogloss'],
        **json.loads(args.params),
    }
    print(f'xgboost {xgb.__version__}: {params}', file=sys.stderr, flush=True)
    started = time.perf_counter()
    dtrain = xgb.DMatrix(x[train], label=y[train])
    dvalid = xgb.DMatrix(x[valid], label=y[valid])
    booster = xgb.train(
        params, dtrain, args.rounds, evals=[(dvalid, 'valid')], verbose_eval=False,
        early_stopping_rounds=args.early_stopping_rounds or None,
    )
    fit = time.perf_counter() - started
    rounds = booster.num_boosted_rounds()
    best = booster.best_iteration + 1 if args.early_stopping_rounds else rounds
    predict = lambda d: booster.predict(d, iteration_range=(0, best))
    valid_accuracy = float((predict(dvalid).argmax(1) == y[valid]).mean())
    dtest = xgb.DMatrix(test_x)
    predict_started = time.perf_counter()
    test_p = predict(dtest)
    predict_seconds = time.perf_counter() - predict_started
    print(json.dumps({
        'library': f'xgboost {xgb.__version__}',
        'rounds': rounds,
        'bestRound': best,
        'fitSeconds': fit,
        'secondsPerRound': fit / rounds,
        'validAccuracy': valid_accuracy,
        'testAccuracy': float((test_p.argmax(1) == test_y).mean()),
        'predictSeconds': predict_seconds,
    }))


if __name__ == '__main__':
    main()
