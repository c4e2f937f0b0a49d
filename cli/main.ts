import { Command } from 'commander';
import { benchCommand } from './bench.command.ts';
import { evalCommand } from './eval.command.ts';
import { learnCommand } from './learn.command.ts';
import { processCommand } from './process.command.ts';
import {
  keysCreateCommand,
  keysListCommand,
  keysRevokeCommand,
  serveCommand,
  workerCommand,
} from './service.command.ts';
import { watchCommand } from './watch.command.ts';

const program = new Command()
  .name('paperline')
  .description('Intelligent document processing: scans and PDFs in, validated records out.')
  .showHelpAfterError();

program
  .command('process')
  .description('Process files and folders into posted records, review items and failures')
  .argument('<inputs...>', 'files or folders to process')
  .option('-o, --out <dir>', 'output folder', 'out')
  .option('-c, --concurrency <n>', 'documents processed at once (default: number of cores)')
  .option('--thresholds <file>', 'routing thresholds file (default: pipeline/thresholds.json)')
  .option(
    '--confidence-model <file>',
    "confidence model (default: pipeline/confidence-model.json; 'none': the rules' own)",
  )
  .option('--memory <dir>', 'vendor memory folder: decide with it, record documents for `paperline learn`')
  .option('--page-images', 'also write every page image to <out>/pages/<id>/<n>.png (default: none)')
  .action(processCommand);

program
  .command('watch')
  .description(
    'Watch a folder: process each file dropped in once, then move it to done/ or failed/ beside its result',
  )
  .argument('<dir>', 'the folder to watch (done/ and failed/ are made inside it)')
  .option('-o, --out <dir>', 'output folder, appended to as files arrive', 'out')
  .option('--settle <ms>', 'how long a file must stay unchanged before it is read', '2000')
  .option('--thresholds <file>', 'routing thresholds file (default: pipeline/thresholds.json)')
  .option(
    '--confidence-model <file>',
    "confidence model (default: pipeline/confidence-model.json; 'none': the rules' own)",
  )
  .action(watchCommand);

program
  .command('learn')
  .description(
    'Approve corrected review files into a vendor memory folder, so its vendors are read better next time',
  )
  .argument(
    '<review-files...>',
    'review/<id>.json files from `paperline process --memory DIR`, values corrected',
  )
  .requiredOption('--memory <dir>', 'the vendor memory folder given to `paperline process --memory`')
  .option('--thresholds <file>', 'routing thresholds file (default: pipeline/thresholds.json)')
  .action(learnCommand);

program
  .command('eval')
  .description(
    'Run the pipeline over a folder in the evaluation format and score it against its metadata.jsonl',
  )
  .argument('<folder>', 'documents plus metadata.jsonl')
  .option('--json', 'print one JSON object on stdout instead of tables')
  .option('--report <dir>', 'also write an HTML report with the worst misses drawn on their pages')
  .option('-o, --out <dir>', 'keep the run output here (default: a temporary folder)')
  .option('-c, --concurrency <n>', 'documents processed at once (default: number of cores)')
  .option('--thresholds <file>', 'routing thresholds file (default: pipeline/thresholds.json)')
  .option('--ignore-attachments', 'score the pages alone: ignore e-invoice XML embedded in PDFs')
  .option('--scores <file>', 'also write every scored field as JSON, for bench/calibrate.ts')
  .option('--half <even|odd>', 'score one half: even = the half thresholds are fitted on, odd = held out')
  .option(
    '--confidence-model <file>',
    "confidence model (default: pipeline/confidence-model.json; 'none': the rules' own)",
  )
  .option(
    '--learn',
    'replay in order, correcting every reviewed document to its truth (vendor memory learns)',
  )
  .option('--memory <dir>', 'with --learn: keep the vendor memory database in this folder')
  .action(evalCommand);

program
  .command('bench')
  .description(
    'Measure Paperline side by side with native tesseract and pdftotext on the same pages, memory, scale-out and a scan profile',
  )
  .option('--count <n>', 'documents to generate', '48')
  .option('--seed <n>', 'generator seed', '7')
  .option('--real-limit <n>', 'SROIE receipts and einvoice-dev PDFs to read, each (0: none)', '20')
  .option('-c, --concurrency <n>', 'documents processed at once (default: number of cores)')
  .option('--skip-side-by-side', 'skip the comparison with native tesseract and pdftotext')
  .option('--skip-memory', 'skip memory growth (one PDF of 10, 100 and 500 pages)')
  .option('--skip-scale', 'skip the 1 vs 2 `paperline worker` processes run')
  .option('--skip-profile', 'skip the time-per-stage profile of scanned pages')
  .option('--json', 'print one JSON object on stdout')
  .action(benchCommand);

program
  .command('serve')
  .description('Run the HTTP API, with queue workers in the same process unless --no-workers')
  .option('-p, --port <port>', 'port to listen on (default: PORT or 3000)')
  .option('--no-workers', 'API only; run `paperline worker` elsewhere')
  .action(serveCommand);

program
  .command('worker')
  .description('Run queue workers only (page reading, deciding, outbox relay), to scale out')
  .action(workerCommand);

const keys = program.command('keys').description('Manage API keys (stored hashed)');
keys
  .command('create')
  .description('Create a key; the key is the last line printed')
  .requiredOption('--role <role>', 'uploader, reviewer, consumer or admin')
  .option('--name <name>', 'who or what uses it')
  .action(keysCreateCommand);
keys.command('list').description('List keys (never the keys themselves)').action(keysListCommand);
keys
  .command('revoke')
  .description('Revoke a key by id')
  .argument('<id>', 'key id, e.g. key_1a2b3c')
  .action(keysRevokeCommand);

try {
  await program.parseAsync();
} catch (e) {
  process.stderr.write(`paperline: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
