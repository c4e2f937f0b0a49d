import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Client } from 'minio';

/**
 * Where originals and page images live. Keys are slash-separated paths such as
 * `originals/<sha256>`; writing the same key twice replaces it, so retried jobs are harmless.
 */
export interface ObjectStore {
  readonly kind: 's3' | 'folder';
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The object's bytes, or null when there is none under that key. */
  get(key: string): Promise<Buffer | null>;
  /** Throws when the store cannot be reached; for readiness checks. */
  ping(): Promise<void>;
}

export interface S3Options {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region: string;
}

/** S3 or MinIO through the minio client; the bucket is created on first use if missing. */
export async function createS3Store(opts: S3Options): Promise<ObjectStore> {
  const url = new URL(opts.endpoint);
  const useSSL = url.protocol === 'https:';
  const client = new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: opts.accessKey,
    secretKey: opts.secretKey,
    region: opts.region,
    // Path-style addressing works with MinIO, s3rver and AWS alike; virtual hosts need DNS.
    pathStyle: true,
  });
  if (!(await client.bucketExists(opts.bucket))) {
    try {
      await client.makeBucket(opts.bucket, opts.region);
    } catch (e) {
      // Another process may have created it between the check and the call.
      if (!(await client.bucketExists(opts.bucket))) throw e;
    }
  }
  return {
    kind: 's3',
    async put(key, bytes, contentType) {
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      await client.putObject(opts.bucket, key, body, body.length, { 'Content-Type': contentType });
    },
    async get(key) {
      try {
        const stream = await client.getObject(opts.bucket, key);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch (e) {
        if ((e as { code?: string }).code === 'NoSuchKey' || (e as { code?: string }).code === 'NotFound') {
          return null;
        }
        throw e;
      }
    },
    async ping() {
      if (!(await client.bucketExists(opts.bucket))) throw new Error(`bucket "${opts.bucket}" is missing`);
    },
  };
}

/** A folder on disk, for a single machine without an S3 server. */
export async function createFolderStore(root: string): Promise<ObjectStore> {
  const base = resolve(root);
  await mkdir(base, { recursive: true });
  const pathOf = (key: string) => {
    const path = resolve(base, ...key.split('/'));
    // A key is ours to choose, but a bug must not write outside the folder.
    if (!path.startsWith(base + sep)) throw new Error(`object key "${key}" leaves the store`);
    return path;
  };
  return {
    kind: 'folder',
    async put(key, bytes) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      // Written aside and renamed, so a reader never sees half a file after a crash.
      const temp = `${path}.${process.pid}.tmp`;
      await writeFile(temp, bytes);
      await rename(temp, path);
    },
    async get(key) {
      try {
        return await readFile(pathOf(key));
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return null;
        throw e;
      }
    },
    async ping() {
      await stat(base);
    },
  };
}

export const storageKeys = {
  original: (sha256: string) => `originals/${sha256}`,
  pageImage: (documentId: string, page: number) => `pages/${documentId}/${page}.png`,
  /**
   * A text-layer page drawn on first request. The dpi is in the key: the boxes of a reading at
   * another dpi (limits changed, then reprocessed) refer to another picture.
   */
  renderedPage: (documentId: string, page: number, dpi: number) =>
    `pages/${documentId}/${page}-${dpi}dpi.png`,
};

export function folderStorePath(dataDir: string): string {
  return join(dataDir, 'files');
}
