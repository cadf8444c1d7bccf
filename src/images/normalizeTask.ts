/**
 * What the normalizeImage worker is given: a file to read (`predict --input`), or an image's
 * bytes with the name its errors show (`serve`'s uploads).
 */
export type NormalizeImageTask =
  | {
      /** bytes when the name is not valid UTF-8 (fs takes either) */
      path: string | Uint8Array;
      /** larger files are refused unread (`--max-input-bytes`) */
      maxBytes: number;
    }
  | { bytes: Uint8Array; name: string };
