import sharp from 'sharp';
const s = 2.6;
const img = sharp('/work/shared/datasets/sroie-dev/X51005442376.jpg');
const crop = async (x0: number, y0: number, x1: number, y1: number, out: string) =>
  img.clone().extract({ left: Math.round(x0 / s), top: Math.round(y0 / s), width: Math.round((x1 - x0) / s), height: Math.round((y1 - y0) / s) }).resize({ width: Math.round(((x1 - x0) / s) * 6), kernel: 'nearest' }).png().toFile(out);
await crop(1000, 960, 1700, 1060, '/tmp/crop1.png');
