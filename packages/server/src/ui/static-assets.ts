// Serving the monitor's built files from one directory, and nothing outside it. A request path is
// decoded once and refused when any segment is empty, `.`/`..`, hidden (dot-first), or holds a
// slash, backslash or NUL after decoding (`%2e%2e`, `%2f`); the file's real path (symlinks
// resolved) must still lie under the directory's real path, so a symlink cannot point out of it.
// Only regular files are served: a directory is 404, never a listing. Vite's hashed `assets/*`
// names change with their content, so they are cached for a year as immutable; everything else
// (index.html) is revalidated with an ETag on every load.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, OrchflowError } from '@orchflow/protocol';
import { sendError } from '../http/http-errors';

/** The page served for `/ui/` (`/ui` redirects there). */
export const INDEX_FILE = 'index.html';
/** Cache-Control of hashed build output under `assets/`. */
export const IMMUTABLE_CACHE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** The Content-Type served for a file name (`application/octet-stream` when unknown). */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The segments of a request path below the assets root (`''` is the index), or undefined when the
 * path could name something other than a plain file inside the root.
 */
export function assetSegments(rawPath: string): string[] | undefined {
  if (rawPath === '') return [INDEX_FILE];
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (segment === '' || segment.startsWith('.') || /[/\\\0]/.test(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/** The monitor's static files, served from one directory. */
export class StaticAssets {
  private constructor(
    /** The directory's real path (symlinks resolved). */
    readonly root: string,
  ) {}

  /** Opens `dir`; throws InvalidParams when it does not exist or has no `index.html`. */
  static async open(dir: string): Promise<StaticAssets> {
    let root: string;
    try {
      root = await realpath(dir);
      if (!(await stat(join(root, INDEX_FILE))).isFile()) throw new Error(`${INDEX_FILE} is not a file`);
    } catch (error) {
      throw new OrchflowError(
        ErrorCode.InvalidParams,
        `The monitor's assets are not at '${dir}' (${(error as Error).message}); build @orchflow/monitor ` +
          '(pnpm --filter @orchflow/monitor build) or pass ui.assetsDir',
      );
    }
    return new StaticAssets(root);
  }

  /** Answers a GET/HEAD for `rawPath` (the still-encoded path below `/ui/`); 404 for anything not served. */
  async serve(request: IncomingMessage, response: ServerResponse, rawPath: string): Promise<void> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      sendError(
        response,
        new OrchflowError(
          ErrorCode.MethodNotFound,
          `${request.method} is not supported on /ui files; use GET`,
        ),
        405,
        { Allow: 'GET, HEAD' },
      );
      return;
    }
    const segments = assetSegments(rawPath);
    const file = segments && (await this.resolve(segments));
    if (!segments || !file) {
      sendError(
        response,
        new OrchflowError(ErrorCode.MethodNotFound, `No file /ui/${rawPath} in the monitor`),
        404,
      );
      return;
    }
    const etag = `W/"${file.size.toString(16)}-${Math.trunc(file.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      'Content-Type': contentTypeOf(file.path),
      'Cache-Control': segments[0] === 'assets' && segments.length > 1 ? IMMUTABLE_CACHE : 'no-cache',
      ETag: etag,
    };
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, headers).end();
      return;
    }
    response.writeHead(200, { ...headers, 'Content-Length': String(file.size) });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    // A client that goes away mid-file ends the pipeline with an error; nothing else to clean up.
    await pipeline(createReadStream(file.path), response).catch(() => response.destroy());
  }

  /** The real path, size and mtime of the regular file `segments` names inside the root, or undefined. */
  private async resolve(
    segments: string[],
  ): Promise<{ path: string; size: number; mtimeMs: number } | undefined> {
    try {
      const real = await realpath(join(this.root, ...segments));
      const inside = this.root.endsWith(sep) ? this.root : this.root + sep;
      if (!real.startsWith(inside)) return undefined;
      const info = await stat(real);
      return info.isFile() ? { path: real, size: info.size, mtimeMs: info.mtimeMs } : undefined;
    } catch {
      return undefined;
    }
  }
}
