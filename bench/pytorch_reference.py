"""The PyTorch side of `npm run bench -- mlp` / `-- cnn` / `-- convnet`, run after their own measurements.

The host's speed drifts by more than the gaps being measured, so this times the study's two
networks in PyTorch in the same run, on the same data and the same way as the Node benches:
seconds per training epoch (38,400 images in batches of 500, then the 9,600 held-out images in
inference mode, as Keras's validation_split does; median of the timed epochs after one warm-up)
and inference images/s on the 10,000 test images (median of 3 passes per batch size).

    python3 bench/pytorch_reference.py mlp|cnn|convnet [--artifacts-dir artifacts] [--epochs 3] [--batches N]
        [--infer-batch 500[,N...]] [--convnet RECIPE_JSON]

The convnet is trained as its stage trains it: on all 48,000 training rows of the split, validated
on its 12,000 validation rows, with the recipe bench/convnet.ts passes as JSON (its 3x3 stages,
batch size, one-cycle peak, AdamW weight decay, label smoothing, augmentation shift and flip):
AdamW, OneCycleLR without momentum cycling, CrossEntropyLoss(label_smoothing), and random shifts
(pad and crop) and flips drawn per image in numpy.

Progress goes to stderr; the last line on stdout is a JSON object, {"library": "PyTorch 1.13.1",
"secondsPerEpoch": s, "imagesPerSecond": {"500": n, ...}, ...}, or {"unavailable": why} with exit
code 3 where torch or numpy cannot be imported (bench/_reference.ts reads it).

Needs PyTorch and numpy (Debian: python3-torch, and libopenblas0-pthread: torch's matrix
products go to the system BLAS, and with the default reference BLAS one MLP epoch took over
10 minutes) and the load and split stages' outputs. --batches caps each epoch at N batches (and
validation in proportion) and scales the time up to a full epoch, as the Node bench's flag does.

Threads: both cores go to what does each network's arithmetic. The MLP's is matrix products,
run by OpenBLAS's threads; the CNN's is convolutions, run by torch's own (oneDNN). Giving both
pools two threads made either network 1.4-2.1x slower here (likely OpenBLAS's threads spinning
between products, on the cores torch's threads need).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

UNAVAILABLE_EXIT_CODE = 3

BATCH = 500
VALIDATION_SPLIT = 0.2
# (OpenBLAS threads, torch threads) per network, on 2 cores
THREADS = {'mlp': (2, 1), 'cnn': (1, 2), 'convnet': (1, 2)}


def build_convnet(stages):
    """The convnet (src/networks/convnet.ts): stages of [Conv2d 3x3 'same' relu -> BatchNorm], 2x2 max pooling
    between stages, global average pooling, Linear 10. BatchNorm as the TypeScript side: epsilon 1e-5, momentum 0.1."""
    from torch import nn
    layers, channels = [], 1
    for stage, filters in enumerate(stages):
        if stage > 0:
            layers.append(nn.MaxPool2d(2))
        for n in filters:
            layers += [nn.Conv2d(channels, n, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(n, eps=1e-5, momentum=0.1)]
            channels = n
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, 10)]
    return nn.Sequential(*layers)


def augment(images, rng, shift: int, flip: bool):
    """Each image (n x 1 x 28 x 28 uint8) moved by a random whole number of pixels in [-shift, shift] along each axis
    (zero padding, then crop) and, with flip, mirrored with probability 1/2."""
    import numpy as np
    n = len(images)
    if shift:
        padded = np.pad(images, ((0, 0), (0, 0), (shift, shift), (shift, shift)))
        dy = rng.integers(0, 2 * shift + 1, n)[:, None, None]
        dx = rng.integers(0, 2 * shift + 1, n)[:, None, None]
        ys = dy + np.arange(28)[None, :, None]
        xs = dx + np.arange(28)[None, None, :]
        images = padded[np.arange(n)[:, None, None], 0, ys, xs][:, None]
    if flip:
        mirrored = rng.random(n) < 0.5
        images = np.where(mirrored[:, None, None, None], images[..., ::-1], images)
    return images


def build(name: str, recipe=None):
    """The study's network: the MLP, or the CNN with Keras's 'same' padding and BatchNorm settings; or the convnet."""
    import torch.nn.functional as F
    from torch import nn

    if name == 'convnet':
        return build_convnet(recipe['stages'])

    class SamePad2x2(nn.Module):
        """Keras 'same' padding of a 2x2 kernel at stride 1: one zero row below, one column right."""

        def forward(self, x):
            return F.pad(x, (0, 1, 0, 1))

    layers = []
    if name == 'mlp':
        # Flatten 784 -> Dense 1000, 800, 500, 300, 200, 100 relu, each with Dropout 0.2 -> Dense 50 relu -> Dense 10
        layers.append(nn.Flatten())
        width = 784
        for units in (1000, 800, 500, 300, 200, 100):
            layers += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(0.2)]
            width = units
        layers += [nn.Linear(width, 50), nn.ReLU(), nn.Linear(50, 10)]
    else:
        # 4 x [Conv2D k=2 'same' relu -> BatchNorm (Keras: momentum 0.99, epsilon 1e-3) -> MaxPool 2 -> Dropout 0.3],
        # Flatten, Dense 1024, 512, 256 relu, Dropout 0.5, Dense 10
        channels = 1
        for filters in (64, 64, 128, 128):
            layers += [
                SamePad2x2(), nn.Conv2d(channels, filters, 2), nn.ReLU(),
                nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01), nn.MaxPool2d(2), nn.Dropout(0.3),
            ]
            channels = filters
        layers += [
            nn.Flatten(),
            nn.Linear(128, 1024), nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(256, 10),
        ]
    return nn.Sequential(*layers)


def load(artifacts: Path, validation_split: bool = True):
    """The pixel cache (uint8, 784 per image) and the split's training rows, cut as validation_split
    (or, for the convnet, the split's training and validation rows)."""
    import numpy as np
    cache = artifacts / 'cache'
    train_x = np.fromfile(cache / 'train-images.u8', dtype=np.uint8).reshape(-1, 784)
    train_y = np.fromfile(cache / 'train-labels.u8', dtype=np.uint8).astype(np.int64)
    test_x = np.fromfile(cache / 'test-images.u8', dtype=np.uint8).reshape(-1, 784)
    test_y = np.fromfile(cache / 'test-labels.u8', dtype=np.uint8).astype(np.int64)
    split = json.loads((artifacts / 'split.json').read_text())
    if not validation_split:
        return train_x, train_y, test_x, test_y, split['train'], split['valid']
    rows = split['train']
    cut = int(len(rows) * (1 - VALIDATION_SPLIT))
    return train_x, train_y, test_x, test_y, rows[:cut], rows[cut:]


def batches(x, y, rows, shape, size=BATCH, vary=None):
    """Batches of `rows` as float tensors in [0, 1]; `vary` (uint8 images in, uint8 images out) augments them."""
    import numpy as np
    import torch
    for start in range(0, len(rows), size):
        part = rows[start:start + size]
        images = x[part].reshape(len(part), *shape)
        if vary is not None:
            images = vary(images)
        yield torch.from_numpy(np.ascontiguousarray(images).astype(np.float32) / 255), torch.from_numpy(y[part])


def infer(model, x, y, rows, shape, size=BATCH) -> float:
    """Mean loss in inference mode (Dropout off, BatchNorm on its moving statistics)."""
    import torch
    import torch.nn.functional as F
    model.eval()
    total = 0.0
    with torch.no_grad():
        for images, labels in batches(x, y, rows, shape, size):
            total += F.cross_entropy(model(images), labels, reduction='sum').item()
    return total / len(rows)


def bench(name: str, args: argparse.Namespace) -> dict:
    """Times training and inference; prints progress to stderr and returns the figures."""
    import numpy as np
    import torch
    import torch.nn.functional as F
    torch.manual_seed(87)
    recipe = json.loads(args.convnet) if name == 'convnet' else None
    model = build(name, recipe)
    shape = (784,) if name == 'mlp' else (1, 28, 28)
    train_x, train_y, test_x, test_y, fit, held_out = load(Path(args.artifacts_dir), validation_split=recipe is None)
    batch = recipe['batchSize'] if recipe else BATCH
    full = -(-len(fit) // batch)
    capped = min(full, args.batches or full)
    held_out = held_out[: -(-len(held_out) * capped // full)]
    rng = np.random.default_rng(87)
    if recipe:
        optimizer = torch.optim.AdamW(model.parameters(), lr=recipe['maxLearningRate'], weight_decay=recipe['weightDecay'], eps=1e-7)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=recipe['maxLearningRate'], total_steps=(1 + args.epochs) * capped, cycle_momentum=False)
        loss_of = torch.nn.CrossEntropyLoss(label_smoothing=recipe['labelSmoothing'])
        vary = lambda images: augment(images, rng, recipe['shift'], recipe['flip'])  # noqa: E731
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-7)
        schedule, loss_of, vary = None, F.cross_entropy, None
    seconds = []
    for epoch in range(1 + args.epochs):
        started = time.perf_counter()
        model.train()
        order = rng.permutation(fit)[: capped * batch].tolist()
        for images, labels in batches(train_x, train_y, order, shape, batch, vary):
            optimizer.zero_grad()
            loss_of(model(images), labels).backward()
            optimizer.step()
            if schedule:
                schedule.step()
        val_loss = infer(model, train_x, train_y, held_out, shape)
        scaled = (time.perf_counter() - started) * full / capped
        log(f'  pytorch {name} epoch {epoch + 1}{" (warm-up)" if epoch == 0 else ""}: {scaled:.1f} s, val_loss {val_loss:.4f}')
        if epoch > 0:
            seconds.append(scaled)
    test_rows = list(range(len(test_y)))
    rates = {}
    for size in args.infer_batch:
        passes = []
        for _ in range(3):
            started = time.perf_counter()
            infer(model, test_x, test_y, test_rows, shape, size)
            passes.append(len(test_rows) / (time.perf_counter() - started))
        log(f'  pytorch {name} inference, batch {size}: {", ".join(f"{r:.0f}" for r in sorted(passes))} images/s')
        rates[str(size)] = statistics.median(passes)
    return {
        'secondsPerEpoch': statistics.median(seconds),
        'epochs': args.epochs,
        'scaledFromBatches': capped if capped < full else None,
        'imagesPerSecond': rates,
        'testImages': len(test_rows),
    }


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('model', choices=sorted(THREADS))
    parser.add_argument('--artifacts-dir', default='artifacts')
    parser.add_argument('--epochs', type=int, default=3, help='timed epochs after one warm-up')
    parser.add_argument('--batches', type=int, help='cap each epoch at N batches and scale up')
    parser.add_argument('--infer-batch', type=lambda v: [int(n) for n in v.split(',')], default=[BATCH],
                        help='inference batch size(s), comma-separated')
    parser.add_argument('--convnet', help='the convnet recipe as JSON (bench/convnet.ts)')
    args = parser.parse_args()
    blas_threads, torch_threads = THREADS[args.model]
    # OpenBLAS reads its thread count when it loads, with torch
    os.environ['OPENBLAS_NUM_THREADS'] = str(blas_threads)
    try:
        import numpy  # noqa: F401
        import torch
    except ImportError as err:
        print(json.dumps({'unavailable': str(err)}))
        sys.exit(UNAVAILABLE_EXIT_CODE)
    torch.set_num_threads(torch_threads)
    log(f'PyTorch {torch.__version__}: {torch_threads} torch thread(s) (oneDNN {torch.backends.mkldnn.is_available()}), '
        f'{blas_threads} OpenBLAS thread(s)')
    figures = bench(args.model, args)
    print(json.dumps({'library': f'PyTorch {torch.__version__}', 'threads': {'torch': torch_threads, 'openblas': blas_threads}, **figures}))


if __name__ == '__main__':
    main()
