import { readFileSync } from 'node:fs';
import { analyse } from '../extractors/context.ts';
import { columnUnder, segmentsOf } from '../extractors/party.ts';
for (const id of process.argv.slice(2)) {
  const read = JSON.parse(readFileSync(`/tmp/reads-raw/${id}.json`, 'utf8'));
  const doc = analyse(read, { today: new Date() });
  for (const r of doc.view.rows.slice(0, 12)) console.log(r.index, Math.round(r.box.y0), Math.round(r.box.y1), r.height, segmentsOf(r).map((s) => `[${s.text}] ${Math.round(s.box.x0)}-${Math.round(s.box.x1)}`).join(' '));
}
