import { mkdir, readFile, writeFile } from 'node:fs/promises';
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
  /** The page image the evidence refers to, as written during the run; null when unknown. */
  pagePath: string | null;
  box: { x0: number; y0: number; x1: number; y1: number } | null;
}

/**
 * An HTML page a person can read at a glance: a bar per field, and the worst misses (confident
 * wrong values first) as crops of the page with the evidence box drawn.
 */
export async function writeHtmlReport(
  dir: string,
  report: EvalReport,
  scores: DocumentScore[],
  evidenceOf: (fileName: string, field: string) => MissImage,
  maxMisses = 24,
): Promise<string> {
  const out = resolve(dir);
  await mkdir(join(out, 'misses'), { recursive: true });
  const bars = Object.entries(report.fields)
    .map(([k, f]) => {
      const pct = (f.accuracy * 100).toFixed(1);
      const colour = f.accuracy >= 0.9 ? '#2e7d32' : f.accuracy >= 0.7 ? '#f9a825' : '#c62828';
      return `<tr><td>${esc(k)}</td><td class="n">${f.n}</td><td class="bar"><div style="width:${pct}%;background:${colour}"></div></td><td class="n">${pct}%</td><td class="n">${f.similarity.toFixed(3)}</td></tr>`;
    })
    .join('\n');

  const misses = scores
    .flatMap((s) => s.fields.filter((f) => !f.correct).map((f) => ({ doc: s, f })))
    .sort((a, b) => b.f.confidence - a.f.confidence || b.f.similarity - a.f.similarity)
    .slice(0, maxMisses);
  const cards: string[] = [];
  for (const [i, { doc, f }] of misses.entries()) {
    const ev = evidenceOf(doc.fileName, f.name);
    let img = '<p class="none">no page image</p>';
    if (ev.pagePath) {
      const png = await drawEvidence(
        await readFile(ev.pagePath),
        ev.box ? [{ box: ev.box, colour: '#d32f2f' }] : [],
        {
          maxWidth: 700,
        },
      );
      const name = `miss-${i + 1}.png`;
      await writeFile(join(out, 'misses', name), png);
      img = `<img src="misses/${name}" alt="${esc(doc.fileName)} ${esc(f.name)}">`;
    }
    cards.push(`<div class="card"><h3>${esc(doc.fileName)} · ${esc(f.name)}</h3>
<p>truth <b>${esc(f.truth)}</b><br>read <b class="bad">${esc(f.predicted)}</b> (confidence ${f.confidence.toFixed(2)}, similarity ${f.similarity.toFixed(2)}; ${esc(doc.outcome)})</p>${img}</div>`);
  }

  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
  const html = `<!doctype html><meta charset="utf-8"><title>Paperline eval</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:3px 8px;text-align:left}
.n{text-align:right}.bar{width:320px}.bar div{height:14px}.card{display:inline-block;vertical-align:top;width:720px;margin:8px;padding:8px;border:1px solid #ddd}
.card img{max-width:700px;border:1px solid #eee}.bad{color:#c62828}.none{color:#888}</style>
<h1>Paperline evaluation</h1>
<table>
<tr><th>documents</th><td>${report.documents}</td></tr>
<tr><th>classification accuracy</th><td>${pct(report.classificationAccuracy)}</td></tr>
<tr><th>STP rate</th><td>${pct(report.stpRate)}</td></tr>
<tr><th>posted-field error rate</th><td>${pct(report.postedFieldErrorRate)} of ${report.postedFields}</td></tr>
<tr><th>OCR character error rate</th><td>${pct(report.ocrCharacterErrorRate)}</td></tr>
<tr><th>pages per minute</th><td>${report.pagesPerMinute.toFixed(1)}</td></tr>
</table>
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
