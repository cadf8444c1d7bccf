/**
 * The prediction page (`/predict` of the serve stage). A picture comes in by drop, file picker,
 * paste or camera; the browser decodes it, `frameDecodedImage` (the CLI's own framing code)
 * turns it into the 28x28 image the model sees, and a network runs here with TensorFlow.js, on
 * WebGL where there is one, else wasm, else plain JavaScript. A tree model is not a TensorFlow.js
 * model: the page sends the picture to POST /api/predict instead.
 *
 * Each result is a card with the picture, what the model saw, and the top 3 classes; its
 * `data-*` attributes carry the raw numbers for programs (the browser test reads them).
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { CLASS_NAMES, IMAGE_SIZE_PX } from '../dataset.js';
import { frameDecodedImage } from '../images/frameLikeFashionMnist.js';
import { toUnitRange } from '../operators/normalizePixels.js';

/** What GET /api/models answers (src/stages/serve/models.ts). */
interface ModelList {
  models: { name: string; title: string; format: string; url: string; validAccuracy: number | null }[];
  best: string | null;
}

/** A model ready to predict one framed image. */
interface PageModel {
  name: string;
  /** where it runs: a TensorFlow.js backend, or the server */
  where: string;
  predict(framed: Uint8Array, file: File): Promise<Float32Array>;
}

const TOP_K = 3;
/** Backends in order of preference; the first that starts is used (WebGL only on a GPU). */
const BACKENDS = ['webgl', 'wasm', 'cpu'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const modelSelect = $<HTMLSelectElement>('model');
const results = $<HTMLOListElement>('results');

let current: Promise<PageModel> | undefined;
/** Pictures are classified one at a time, in the order they came. */
let queue: Promise<void> = Promise.resolve();
let backend: Promise<string> | undefined;

function say(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle('error', isError);
}

/**
 * True when WebGL is drawn by the CPU (SwiftShader, llvmpipe: a browser without a usable GPU,
 * such as headless Chromium). There it is far slower than wasm, and compiling its shaders
 * alone takes seconds.
 */
function webglIsSoftware(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return true;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  return /swiftshader|llvmpipe|software/i.test(renderer);
}

async function startBackend(): Promise<string> {
  // the wasm backend's binaries are served beside this script: nothing comes from elsewhere
  setWasmPaths(new URL('./', import.meta.url).href);
  for (const name of BACKENDS) {
    if (name === 'webgl' && webglIsSoftware()) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // not available here: try the next one
    }
  }
  throw new Error('No TensorFlow.js backend could start in this browser.');
}

/** Loads `spec` (a network runs here; any other model predicts on the server) and warms it up. */
async function loadModel(spec: ModelList['models'][number]): Promise<PageModel> {
  if (spec.format !== 'tfjs-layers') {
    return { name: spec.name, where: 'the server', predict: (_framed, file) => predictOnServer(spec.name, file) };
  }
  // the model's files download while the backend starts (start() started it)
  const [artifacts, where] = await Promise.all([tf.io.browserHTTPRequest(spec.url).load!(), backend!]);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  // the study's MLP takes [n, 28, 28], the CNNs [n, 28, 28, 1]
  const shape = [1, ...(model.inputs[0]!.shape.slice(1) as number[])];
  const predict = async (framed: Uint8Array) => {
    const output = tf.tidy(() => model.predict(tf.tensor(toUnitRange(framed), shape)) as tf.Tensor);
    try {
      return (await output.data()) as Float32Array;
    } finally {
      output.dispose();
    }
  };
  // the first run compiles the backend's kernels: do it now, not on the user's first picture
  await predict(new Uint8Array(IMAGE_SIZE_PX * IMAGE_SIZE_PX));
  return { name: spec.name, where: `${where} in this browser`, predict };
}

async function predictOnServer(model: string, file: File): Promise<Float32Array> {
  const response = await fetch(`/api/predict?model=${encodeURIComponent(model)}&name=${encodeURIComponent(file.name)}`, {
    method: 'POST',
    headers: { 'content-type': file.type || 'application/octet-stream' },
    body: file,
  });
  const body = (await response.json()) as { error?: string; rows?: { probabilities: number[] }[] };
  if (!response.ok || !body.rows) throw new Error(body.error ?? `The server answered ${response.status}.`);
  return Float32Array.from(body.rows[0]!.probabilities);
}

/** The picture's pixels as the browser decodes it (EXIF orientation applied), RGBA. */
async function decode(file: File): Promise<ImageData> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
  } catch {
    throw new Error(`${file.name}: not a picture this browser can read (${file.type || 'unknown type'}); use a PNG, JPEG, WebP or GIF.`);
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  return context.getImageData(0, 0, canvas.width, canvas.height);
}

function newCard(file: File): HTMLLIElement {
  const card = document.createElement('li');
  card.className = 'card';
  card.dataset.name = file.name;
  card.dataset.state = 'pending';
  const original = document.createElement('img');
  original.alt = file.name;
  original.src = URL.createObjectURL(file);
  original.onload = () => URL.revokeObjectURL(original.src);
  original.onerror = () => {
    URL.revokeObjectURL(original.src);
    original.style.visibility = 'hidden';
  };
  const seen = document.createElement('canvas');
  seen.width = IMAGE_SIZE_PX;
  seen.height = IMAGE_SIZE_PX;
  seen.title = 'what the model saw: 28x28, framed like Fashion-MNIST';
  const caption = document.createElement('p');
  caption.className = 'caption';
  caption.textContent = `${file.name}: working...`;
  card.append(original, seen, caption);
  results.prepend(card);
  return card;
}

function showFramed(card: HTMLLIElement, framed: Uint8Array): void {
  const canvas = card.querySelector('canvas')!;
  const image = new ImageData(IMAGE_SIZE_PX, IMAGE_SIZE_PX);
  framed.forEach((v, i) => image.data.set([v, v, v, 255], i * 4));
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

function showResult(card: HTMLLIElement, model: PageModel, probs: Float32Array): void {
  const ranked = [...probs].map((p, k) => ({ p, k })).sort((a, b) => b.p - a.p).slice(0, TOP_K);
  card.dataset.label = String(ranked[0]!.k);
  card.dataset.probabilities = JSON.stringify([...probs]);
  card.dataset.model = model.name;
  const caption = card.querySelector('.caption')!;
  caption.textContent = `${card.dataset.name}: ${model.name}, on ${model.where}`;
  const list = document.createElement('ol');
  list.className = 'top';
  for (const { p, k } of ranked) {
    const item = document.createElement('li');
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(p * 100).toFixed(1)}%`;
    item.append(`${CLASS_NAMES[k]} ${(p * 100).toFixed(1)}%`, bar);
    list.append(item);
  }
  card.append(list);
  card.dataset.state = 'done';
  document.body.dataset.firstResultMs ??= String(Math.round(performance.now()));
}

async function classify(file: File): Promise<void> {
  const card = newCard(file);
  try {
    const pixels = await decode(file);
    const framed = frameDecodedImage(new Uint8Array(pixels.data.buffer, pixels.data.byteOffset, pixels.data.length), pixels.width, pixels.height, 4);
    showFramed(card, framed);
    if (!current) throw new Error('No model is loaded: train one, then reload this page.');
    const model = await current;
    showResult(card, model, await model.predict(framed, file));
  } catch (err) {
    const message = document.createElement('p');
    message.className = 'error';
    message.textContent = (err as Error).message;
    card.querySelector('.caption')!.textContent = file.name;
    card.append(message);
    card.dataset.state = 'error';
    card.dataset.error = message.textContent;
  }
}

function accept(files: Iterable<File>): void {
  for (const file of files) queue = queue.then(() => classify(file));
}

function chooseModel(list: ModelList, name: string): void {
  const spec = list.models.find((m) => m.name === name)!;
  say(`loading ${spec.title}...`);
  current = loadModel(spec);
  current.then(
    (model) => say(`${spec.title} runs on ${model.where}. Drop pictures here, paste one, or choose files.`),
    (err: Error) => say(`${spec.title} did not load: ${err.message}`, true),
  );
}

async function start(): Promise<void> {
  // the backend starts while the list of models comes
  backend = startBackend();
  const response = await fetch('/api/models');
  const list = (await response.json()) as ModelList;
  if (list.models.length === 0 || list.best === null) {
    say('No model is trained yet: run `npm start -- --stage mlp` (or any training stage), then reload.', true);
    return;
  }
  for (const m of list.models) {
    const option = new Option(`${m.title}${m.validAccuracy === null ? '' : ` (valid ${m.validAccuracy.toFixed(4)})`}${m.format === 'tfjs-layers' ? '' : ', on the server'}`, m.name);
    modelSelect.append(option);
  }
  modelSelect.value = list.best;
  modelSelect.onchange = () => chooseModel(list, modelSelect.value);
  chooseModel(list, list.best);
}

function wireInputs(): void {
  const drop = $('drop');
  const picker = $<HTMLInputElement>('files');
  picker.onchange = () => {
    accept(picker.files ?? []);
    picker.value = '';
  };
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    accept(e.dataTransfer?.files ?? []);
  });
  document.addEventListener('paste', (e) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length > 0) accept(files.map((f, i) => (f.name ? f : new File([f], `pasted-${i + 1}.png`, { type: f.type }))));
  });
  wireCamera();
}

/** The camera, where the browser has one and allows it: a frame becomes a PNG picture. */
function wireCamera(): void {
  const open = $<HTMLButtonElement>('camera-open');
  const panel = $('camera');
  const video = $<HTMLVideoElement>('camera-video');
  if (!navigator.mediaDevices?.getUserMedia) return;
  open.hidden = false;
  let shots = 0;
  open.onclick = async () => {
    try {
      video.srcObject = await navigator.mediaDevices.getUserMedia({ video: true });
      panel.hidden = false;
    } catch (err) {
      say(`The camera is not available: ${(err as Error).message}`, true);
    }
  };
  $<HTMLButtonElement>('camera-shot').onclick = () => {
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')!.drawImage(video, 0, 0);
    canvas.toBlob((blob) => {
      if (blob) accept([new File([blob], `camera-${++shots}.png`, { type: 'image/png' })]);
    }, 'image/png');
  };
}

wireInputs();
start().catch((err: Error) => say(`The page could not start: ${err.message}`, true));
