/** Format facts of Fashion-MNIST, with their units. */
export const IMAGE_SIZE_PX = 28;
export const PIXELS_PER_IMAGE = IMAGE_SIZE_PX * IMAGE_SIZE_PX;
export const PIXEL_MAX = 255;
export const NUM_CLASSES = 10;
export const TRAIN_COUNT = 60_000;
export const TEST_COUNT = 10_000;

/** Class names by label, as in the study. */
export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
