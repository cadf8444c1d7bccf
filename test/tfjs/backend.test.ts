import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { initBackend } from '../../src/tfjs/backend.js';
import { batchMatMul } from '../../src/tfjs/kernels/batchMatMul.js';
import { conv2dBackpropFilter } from '../../src/tfjs/kernels/conv2dBackpropFilter.js';
import { registerFastKernels } from '../../src/tfjs/kernels/index.js';
import { tf } from '../../src/tfjs/tf.js';

const tfjsNodeInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

describe('initBackend', () => {
  // Runs first: nothing in this process has loaded the wasm package yet.
  it('refuses to register wasm kernels before the wasm backend is loaded', () => {
    assert.throws(() => registerFastKernels(), {
      message: 'The wasm kernels are not loaded yet: call initBackend("wasm") before registering kernels for it.',
    });
  });

  it('picks the fastest backend that loads: wasm when tfjs-node is absent', async () => {
    const name = await initBackend();
    assert.equal(name, tfjsNodeInstalled ? 'tensorflow' : 'wasm');
    assert.equal(tf.getBackend(), name);
  });

  it('explains how to get tfjs-node when --backend tensorflow is forced without it', { skip: tfjsNodeInstalled }, async () => {
    await assert.rejects(initBackend('tensorflow'), {
      name: 'PipelineError',
      message:
        'Cannot use backend "tensorflow": @tensorflow/tfjs-node is not installed. ' +
        'Run `npm install @tensorflow/tfjs-node` (it needs network access to download libtensorflow; ' +
        'offline, point TFJS_NODE_BASE_URI at an http mirror), or use --backend wasm.',
    });
  });

  it('switches to a forced cpu backend', async () => {
    assert.equal(await initBackend('cpu'), 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
  });

  it('registers the missing and the fast kernels on wasm', async () => {
    assert.equal(await initBackend('wasm'), 'wasm');
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc, conv2dBackpropFilter);
    assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, batchMatMul);
  });

  it('puts the stock kernels back with fastKernels: false, keeping Conv2DBackpropFilter', async () => {
    await initBackend('wasm', { fastKernels: false });
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, batchMatMul);
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc, conv2dBackpropFilter);
    await initBackend('wasm');
    assert.equal(tf.getKernel('BatchMatMul', 'wasm').kernelFunc, batchMatMul);
  });

  it('trains a small convolution on wasm with the same gradient as cpu', async () => {
    const gradOn = async (backend: 'wasm' | 'cpu') => {
      await initBackend(backend);
      const x = tf.tensor4d(Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 5, 3]);
      const w = tf.tensor4d(Float32Array.from({ length: 2 * 2 * 3 * 4 }, (_, i) => Math.cos(i)), [2, 2, 3, 4]);
      const g = tf.grad((f) => tf.conv2d(x, f as tf.Tensor4D, 1, 'same').square().sum())(w);
      const values = g.dataSync().slice();
      tf.dispose([x, w, g]);
      return values;
    };
    const cpu = await gradOn('cpu');
    const wasm = await gradOn('wasm');
    for (let i = 0; i < cpu.length; i++) assert.ok(Math.abs(cpu[i]! - wasm[i]!) < 1e-3 * Math.max(1, Math.abs(cpu[i]!)), `index ${i}`);
  });
});
