import { constants } from 'node:fs';
import {
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  readdir,
  readFile,
  readlink,
  realpath,
  stat,
  unlink,
} from 'node:fs/promises';
import { extname, join } from 'node:path';

/** Where a watched file goes once handled: `done/` (taken in) or `failed/` (refused, unreadable). */
export type WatchFolder = 'done' | 'failed';

export interface WatchedFile {
  /** The file in the watched folder. */
  path: string;
  name: string;
  /** Real path of the watched folder: links are followed only to files inside it. */
  within: string;
}

export interface FileVerdict {
  folder: WatchFolder;
  /** One word for the log line: posted, review, submitted, duplicate, failed, refused. */
  outcome: string;
  /** Written beside the moved file as `<name>.result.json`. */
  result: Record<string, unknown>;
}

export interface HandledFile {
  name: string;
  outcome: string;
  /** Where the file is now, relative to the watched folder, e.g. `done/doc-001.pdf`. */
  movedTo: string;
  verdict: FileVerdict;
}

export interface WatchOptions {
  /** The watched folder; it must exist. */
  dir: string;
  /**
   * How long a file's size and modification time must stay the same, across two scans, before it
   * is read: a scanner or a copy still writing it changes one of them. Also the scan interval.
   * Default 2000 ms.
   */
  settleMs?: number;
  /** Reads and judges one file. A throw leaves the file where it is, to be tried again. */
  handle: (file: WatchedFile) => Promise<FileVerdict>;
  onHandled?: (h: HandledFile) => void;
  onError?: (name: string, err: unknown) => void;
  /** Runs after every scan of run(), inside its loop, so stop() waits for it too. */
  afterScan?: () => Promise<void>;
  /** Clock for the settle rule; tests pass their own. Default Date.now. */
  now?: () => number;
  /** Whether some process still has the file open for writing. Default: asks /proc (Linux). */
  openForWriting?: (path: string) => Promise<boolean>;
}

export interface Watcher {
  /** One pass: handles every file that has settled; resolves with how many were handled. */
  scan(): Promise<number>;
  /** Scans every settleMs until stop(). */
  run(): Promise<void>;
  /** Stops after the file in hand; resolves once run() has returned. */
  stop(): Promise<void>;
}

export const DEFAULT_SETTLE_MS = 2000;

/**
 * Names a scanner, browser, editor or copy tool gives a file while it is still writing it, and
 * what Paperline itself keeps in the folder.
 */
export function isIgnoredName(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.endsWith('~') ||
    /\.(part|partial|tmp|temp|crdownload|download|swp)$/i.test(name) ||
    name.startsWith('~$')
  );
}

/**
 * A watched folder: each file dropped in is handled once, then moved to `done/` or `failed/` with
 * its result beside it. A file leaves the folder only after it was handled, so a crash mid-file
 * leaves it to be handled on restart, and a restart finds nothing it handled before.
 */
export function createWatcher(options: WatchOptions): Watcher {
  const dir = options.dir;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const now = options.now ?? Date.now;
  const openForWriting = options.openForWriting ?? isOpenForWriting;
  /** Per name: what its size and times were when first seen so, and when that was. */
  const seen = new Map<string, { key: string; since: number }>();
  let stopping = false;
  let wake: (() => void) | null = null;
  let running: Promise<void> | null = null;

  const scan = async (): Promise<number> => {
    const within = await realpath(dir);
    const names = (await readdir(dir)).filter((n) => !isIgnoredName(n)).sort();
    for (const name of seen.keys()) if (!names.includes(name)) seen.delete(name);
    let handled = 0;
    for (const name of names) {
      if (stopping) break;
      const path = join(dir, name);
      const own = await lstat(path).catch(() => null);
      // done/, failed/ and any other folder are not watched: only files dropped at the top.
      if (!own || own.isDirectory()) continue;
      const info = own.isSymbolicLink() ? await stat(path).catch(() => own) : own;
      const key = `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}`;
      const at = now();
      const before = seen.get(name);
      if (!before || before.key !== key) {
        seen.set(name, { key, since: at });
        continue;
      }
      if (at - before.since < settleMs) continue;
      if (await openForWriting(path)) continue;
      seen.delete(name);
      let verdict: FileVerdict;
      try {
        verdict = await options.handle({ path, name, within });
      } catch (e) {
        options.onError?.(name, e);
        continue;
      }
      const movedTo = await moveBeside(dir, name, verdict);
      handled += 1;
      options.onHandled?.({ name, outcome: verdict.outcome, movedTo, verdict });
    }
    return handled;
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      try {
        await scan();
        await options.afterScan?.();
      } catch (e) {
        options.onError?.('', e);
      }
      if (stopping) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, settleMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  };

  return {
    scan,
    run() {
      running ??= loop();
      return running;
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
    },
  };
}

/**
 * Moves the file into its folder under a name not taken there (`doc.pdf`, else `doc-2.pdf`, …)
 * and writes its result beside it. link() fails on an existing name where rename() would
 * overwrite an earlier file of the same name; the original is unlinked last, once both exist.
 */
async function moveBeside(dir: string, name: string, verdict: FileVerdict): Promise<string> {
  const folder = join(dir, verdict.folder);
  await mkdir(folder, { recursive: true });
  const ext = extname(name);
  const stem = name.slice(0, name.length - ext.length);
  const src = join(dir, name);
  for (let n = 1; ; n++) {
    const target = n === 1 ? name : `${stem}-${n}${ext}`;
    const dest = join(folder, target);
    if (!(await claim(src, dest))) continue;
    const result = await open(`${dest}.result.json`, 'wx').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') return null;
      throw e;
    });
    // A result left from an earlier file of this name (its file removed by hand) is kept too.
    if (!result) {
      await unlink(dest);
      continue;
    }
    try {
      await result.writeFile(
        `${JSON.stringify({ file: target, sourceFile: name, ...verdict.result }, null, 2)}\n`,
      );
    } finally {
      await result.close();
    }
    await unlink(src);
    return `${verdict.folder}/${target}`;
  }
}

/** Puts a second name on the file at dest unless dest exists; false when it does. */
async function claim(src: string, dest: string): Promise<boolean> {
  try {
    await link(src, dest);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // Filesystems without hard links (some network and FAT mounts): an exclusive copy instead.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EMLINK') {
      try {
        await copyFile(src, dest, constants.COPYFILE_EXCL);
        return true;
      } catch (c) {
        if ((c as NodeJS.ErrnoException).code === 'EEXIST') return false;
        throw c;
      }
    }
    throw e;
  }
}

/**
 * Whether a process has the file open for writing, from /proc/<pid>/fd and fdinfo (Linux; only
 * the processes this user may see). Elsewhere false: the settle rule alone decides.
 */
export async function isOpenForWriting(path: string): Promise<boolean> {
  const target = await realpath(path).catch(() => null);
  if (!target) return false;
  const pids = await readdir('/proc').catch(() => [] as string[]);
  for (const pid of pids) {
    if (!/^\d+$/.test(pid)) continue;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      if ((await readlink(`/proc/${pid}/fd/${fd}`).catch(() => null)) !== target) continue;
      const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
      const flags = /^flags:\s*([0-7]+)/m.exec(info);
      // O_WRONLY is 1 and O_RDWR 2 in the low bits of the (octal) open flags.
      if (flags && (Number.parseInt(flags[1]!, 8) & 3) !== 0) return true;
    }
  }
  return false;
}
