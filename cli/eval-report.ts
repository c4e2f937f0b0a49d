import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { drawEvidence } from '../pipeline/adapters/annotate.ts';
import type { DocumentScore, EvalReport } from '../pipeline/evaluation.ts';

const esc = (s: unknown) =>
  String(s ?? '—').replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );

export interface MissImage {
  fileName: string;
  field: string;
  /**
   * The document the outcome belongs to (its id): a file sent twice is scored twice from one
   * outcome, and its misses are shown once.
   */
  documentId: string | null;
  /**
   * Loads (or draws) the page image the evidence refers to; null when there is none. Called only
   * for the misses the report shows, so pages nobody looks at are never drawn.
   */
  image: (() => Promise<Buffer>) | null;
  /** Where the value was read on that page (every evidence box on it); empty when nothing was read. */
  boxes: { x0: number; y0: number; x1: number; y1: number }[];
}

/**
 * A value as a person reads it: line items one to a line ("Coffee · 46 × 5.99 = 275.54"),
 * other objects as "key value" pairs, never "[object Object]".
 */
export function readableValue(v: unknown): string {
  if (v === undefined || v === null || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map(readableValue).join('\n') : '(none)';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('description' in o || 'amount' in o) {
      const qty = o.quantity !== undefined || o.unitPrice !== undefined;
      const price = qty ? ` · ${o.quantity ?? '?'} × ${o.unitPrice ?? '?'}` : '';
      return `${o.description ?? '?'}${price} = ${o.amount ?? '?'}`;
    }
    return Object.entries(o)
      .map(([k, x]) => `${k} ${readableValue(x)}`)
      .join(', ');
  }
  return String(v);
}

const valueHtml = (v: unknown) => esc(readableValue(v)).replace(/\n/g, '<br>');

function confusionTable(confusion: EvalReport['confusion']): string {
  const truths = Object.keys(confusion).sort();
  const predicted = [
    ...new Set([...truths, ...Object.values(confusion).flatMap((r) => Object.keys(r))]),
  ].sort();
  const head = predicted.map((p) => `<th class="n">${esc(p)}</th>`).join('');
  const rows = truths
    .map((t) => {
      const cells = predicted
        .map((p) => {
          const n = confusion[t]?.[p] ?? 0;
          const cls = n === 0 ? 'n zero' : p === t ? 'n right' : 'n wrong';
          return `<td class="${cls}">${n}</td>`;
        })
        .join('');
      return `<tr><th>${esc(t)}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table class="confusion"><tr><th>truth ↓ · read as →</th>${head}</tr>\n${rows}\n</table>`;
}

/**
 * An HTML page a person can read at a glance: the headline figures, the confusion matrix, a bar
 * per field, and the worst misses (confident wrong values first), each once, as a crop of its
 * page with the evidence boxes drawn. Only those crops are written beside it.
 */
export async function writeHtmlReport(
  dir: string,
  report: EvalReport,
  scores: DocumentScore[],
  evidenceOf: (fileName: string, field: string) => MissImage,
  maxMisses = 24,
): Promise<string> {
  const out = resolve(dir);
  await rm(join(out, 'misses'), { recursive: true, force: true });
  await mkdir(join(out, 'misses'), { recursive: true });
  const bars = Object.entries(report.fields)
    .map(([k, f]) => {
      const pct = (f.accuracy * 100).toFixed(1);
      const colour = f.accuracy >= 0.9 ? '#2e7d32' : f.accuracy >= 0.7 ? '#f9a825' : '#c62828';
      return `<tr><td>${esc(k)}</td><td class="n">${f.n}</td><td class="bar"><div style="width:${pct}%;background:${colour}"></div></td><td class="n">${pct}%</td><td class="n">${f.similarity.toFixed(3)}</td></tr>`;
    })
    .join('\n');

  const seen = new Set<string>();
  const misses = scores
    .flatMap((s) =>
      s.fields.filter((f) => !f.correct).map((f) => ({ doc: s, f, ev: evidenceOf(s.fileName, f.name) })),
    )
    .filter(({ doc, f, ev }) => {
      const key = `${ev.documentId ?? doc.fileName}\u0000${f.name}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => b.f.confidence - a.f.confidence || b.f.similarity - a.f.similarity)
    .slice(0, maxMisses);
  const cards: string[] = [];
  for (const [i, { doc, f, ev }] of misses.entries()) {
    let img = '<p class="none">no page image</p>';
    if (ev.image) {
      const png = await drawEvidence(
        await ev.image(),
        ev.boxes.map((box) => ({ box, colour: '#d32f2f' })),
        { maxWidth: 700 },
      );
      const name = `miss-${i + 1}.png`;
      await writeFile(join(out, 'misses', name), png);
      const where = ev.boxes.length
        ? ''
        : '<p class="none">nothing was read for this field: the whole page</p>';
      img = `${where}<img src="misses/${name}" alt="${esc(doc.fileName)} ${esc(f.name)}">`;
    }
    cards.push(`<div class="card"><h3>${esc(doc.fileName)} · ${esc(f.name)}</h3>
<p>truth <b>${valueHtml(f.truth)}</b><br>read <b class="bad">${valueHtml(f.predicted)}</b> (confidence ${f.confidence.toFixed(2)}, similarity ${f.similarity.toFixed(2)}; ${esc(doc.outcome)})</p>${img}</div>`);
  }

  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const html = `<!doctype html><meta charset="utf-8"><title>Paperline eval</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:3px 8px;text-align:left}
.n{text-align:right}.bar{width:320px}.bar div{height:14px}.card{display:inline-block;vertical-align:top;width:720px;margin:8px;padding:8px;border:1px solid #ddd}
.card img{max-width:700px;border:1px solid #eee}.bad{color:#c62828}.none{color:#888}
.confusion td,.confusion th{border:1px solid #ddd}.right{background:#e8f5e9}.wrong{background:#ffebee;font-weight:bold}.zero{color:#bbb}</style>
<h1>Paperline evaluation</h1>
<table>
<tr><th>documents</th><td>${report.documents}</td></tr>
<tr><th>classification accuracy</th><td>${pct(report.classificationAccuracy)}</td></tr>
<tr><th>STP rate</th><td>${pct(report.stpRate)}</td></tr>
<tr><th>posted-field error rate</th><td>${pct(report.postedFieldErrorRate)} of ${report.postedFields}</td></tr>
<tr><th>OCR character error rate</th><td>${pct(report.ocrCharacterErrorRate)}</td></tr>
<tr><th>pages per minute</th><td>${report.pagesPerMinute.toFixed(1)}</td></tr>
</table>
<h2>Classification</h2>
${confusionTable(report.confusion)}
<h2>Accuracy per field</h2>
<table><tr><th>field</th><th>n</th><th></th><th>accuracy</th><th>similarity</th></tr>
${bars}
</table>
<h2>Worst misses</h2>
${cards.join('\n') || '<p>none</p>'}
`;
  const path = join(out, 'index.html');
  await writeFile(path, html);
  return path;
}
