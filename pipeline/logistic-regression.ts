/**
 * L2-regularised logistic regression fitted by Newton's method. A field's model has a couple
 * of dozen inputs and at most a few hundred training values, so the exact Hessian is cheap
 * and converges in a handful of steps where gradient descent would need tuning.
 */
export interface LogisticFit {
  weights: number[];
  bias: number;
  /** Per input: the mean and spread it was standardised with. */
  mean: number[];
  scale: number[];
}

export interface FitOptions {
  /** Penalty on the squared weights (not the bias); larger pulls predictions toward the base rate. */
  l2?: number;
  iterations?: number;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export function predictLogistic(fit: LogisticFit, x: number[]): number {
  let z = fit.bias;
  for (let i = 0; i < fit.weights.length; i++) {
    z += (fit.weights[i] ?? 0) * (((x[i] ?? 0) - (fit.mean[i] ?? 0)) / (fit.scale[i] ?? 1));
  }
  return sigmoid(z);
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A is small and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]!;
    if (Math.abs(pivot) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / pivot;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => (Math.abs(row[i]!) < 1e-12 ? 0 : row[n]! / row[i]!));
}

export function fitLogistic(xs: number[][], ys: boolean[], opts: FitOptions = {}): LogisticFit {
  const l2 = opts.l2 ?? 1;
  const n = xs.length;
  if (n === 0) throw new Error('no training examples');
  const d = xs[0]!.length;
  const mean = Array.from({ length: d }, (_, j) => xs.reduce((s, x) => s + (x[j] ?? 0), 0) / n);
  const scale = mean.map((mu, j) => {
    const v = xs.reduce((s, x) => s + ((x[j] ?? 0) - mu) ** 2, 0) / n;
    // A constant input carries nothing; a unit scale keeps its (zero) standardised value finite.
    return v > 1e-12 ? Math.sqrt(v) : 1;
  });
  const z = xs.map((x) => x.map((v, j) => (v - mean[j]!) / scale[j]!));
  // Parameters: bias first, then weights.
  let theta = new Array<number>(d + 1).fill(0);
  const rate = ys.filter(Boolean).length / n;
  theta[0] = Math.log(Math.max(1e-3, rate) / Math.max(1e-3, 1 - rate));
  const loss = (th: number[]) => {
    let l = 0;
    for (let i = 0; i < n; i++) {
      let s = th[0]!;
      for (let j = 0; j < d; j++) s += th[j + 1]! * z[i]![j]!;
      // log(1 + e^s) − y·s, written to stay finite for large |s|.
      l += Math.max(s, 0) + Math.log1p(Math.exp(-Math.abs(s))) - (ys[i] ? s : 0);
    }
    for (let j = 1; j <= d; j++) l += (l2 / 2) * th[j]! ** 2;
    return l;
  };
  for (let it = 0; it < (opts.iterations ?? 25); it++) {
    const grad = new Array<number>(d + 1).fill(0);
    const hess = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const row = [1, ...z[i]!];
      let s = 0;
      for (let j = 0; j <= d; j++) s += theta[j]! * row[j]!;
      const p = sigmoid(s);
      const w = Math.max(p * (1 - p), 1e-9);
      const err = p - (ys[i] ? 1 : 0);
      for (let j = 0; j <= d; j++) {
        grad[j]! += err * row[j]!;
        for (let k = j; k <= d; k++) hess[j]![k]! += w * row[j]! * row[k]!;
      }
    }
    for (let j = 1; j <= d; j++) {
      grad[j]! += l2 * theta[j]!;
      hess[j]![j]! += l2;
    }
    hess[0]![0]! += 1e-6;
    for (let j = 0; j <= d; j++) for (let k = 0; k < j; k++) hess[j]![k] = hess[k]![j]!;
    const step = solve(hess, grad);
    // Damped: a full Newton step can overshoot on nearly separable data (a signal that is
    // always 1 for right values), so it is halved until the penalised loss goes down.
    const before = loss(theta);
    let t = 1;
    let next = theta.map((v, j) => v - step[j]!);
    while (loss(next) > before && t > 1e-4) {
      t /= 2;
      next = theta.map((v, j) => v - t * step[j]!);
    }
    const moved = Math.max(...next.map((v, j) => Math.abs(v - theta[j]!)));
    theta = next;
    if (moved < 1e-8) break;
  }
  return { bias: theta[0]!, weights: theta.slice(1), mean, scale };
}
