/** Piscina entry point of pooled prediction: one batch of images through one saved model (models/predictTask.ts). */
export { default } from '../models/predictTask.js';
