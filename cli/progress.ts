import cliProgress from 'cli-progress';
import type { BatchEvent } from '../pipeline/run-batch.ts';
import { plural } from '../pipeline/wording.ts';

/**
 * A live bar on a terminal; one line per document otherwise, so CI logs and redirected
 * output still show how far a long batch has come.
 */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): {
  onEvent: (e: BatchEvent) => void;
  stop: () => void;
} {
  let total = 0;
  let done = 0;
  let pages = 0;
  const counts = { posted: 0, review: 0, failed: 0, duplicate: 0 };
  const interactive = stream.isTTY === true;
  const bar = interactive
    ? new cliProgress.SingleBar(
        {
          stream,
          format:
            'documents {bar} {value}/{total} | pages {pages} | posted {posted} review {review} failed {failed} dup {duplicate} | {file}',
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let current = '';
  const payload = () => ({ pages, file: current, ...counts });

  return {
    onEvent(e) {
      if (e.type === 'discovered') {
        total = e.files;
        bar?.start(total, 0, payload());
        if (!interactive) stream.write(`Processing ${plural(total, 'file')}\n`);
      } else if (e.type === 'page') {
        pages += 1;
        current = `${e.file} p${e.page}`;
        bar?.update(done, payload());
      } else {
        done += 1;
        counts[e.outcome] += 1;
        current = e.file;
        bar?.update(done, payload());
        if (!interactive) {
          stream.write(
            `[${done}/${total}] ${e.file}: ${e.outcome}${e.pages ? ` (${plural(e.pages, 'page')})` : ''}\n`,
          );
        }
      }
    },
    stop() {
      bar?.stop();
    },
  };
}
