// Linear models trained in TypeScript (ridge regression, logistic regression): small, exact and
// exportable to ONNX, so a model fitted in a notebook runs unchanged under onnxruntime.

export interface LinearModel {
  kind: 'linear' | 'logistic';
  /** One weight per feature. */
  weights: Float64Array;
  bias: number;
  featureNames: string[];
}

/** Rows × features, row-major. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function matrix(rows: number[][]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    if (r.length !== cols) throw new RangeError(`row ${i}: expected ${cols} features, got ${r.length}`);
    data.set(r, i * cols);
  });
  return { rows: rows.length, cols, data };
}

/** Solves A x = b for a symmetric positive-definite A (Cholesky), in place of a general solver. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (sum <= 0) throw new RangeError('the features are collinear: add ridge regularisation (lambda > 0)');
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * n + k] * y[k];
    y[i] = sum / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i] * x[k];
    x[i] = sum / l[i * n + i];
  }
  return x;
}

function checkShapes(x: Matrix, y: ArrayLike<number>): void {
  if (x.rows !== y.length) throw new RangeError(`x has ${x.rows} rows but y has ${y.length} values`);
  if (x.rows === 0 || x.cols === 0) throw new RangeError('x is empty');
  for (let i = 0; i < x.data.length; i++) if (!Number.isFinite(x.data[i])) throw new RangeError(`x row ${Math.floor(i / x.cols)}, feature ${i % x.cols}: not a finite number`);
}

/** Ridge regression by the normal equations, with an unpenalised intercept. */
export function fitLinear(x: Matrix, y: ArrayLike<number>, opts: { lambda?: number; featureNames?: string[] } = {}): LinearModel {
  checkShapes(x, y);
  const lambda = opts.lambda ?? 0;
  const n = x.cols + 1; // last column is the intercept
  const xtx = new Float64Array(n * n);
  const xty = new Float64Array(n);
  for (let r = 0; r < x.rows; r++) {
    const off = r * x.cols;
    for (let i = 0; i < n; i++) {
      const xi = i < x.cols ? x.data[off + i] : 1;
      xty[i] += xi * y[r];
      for (let j = 0; j <= i; j++) xtx[i * n + j] += xi * (j < x.cols ? x.data[off + j] : 1);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) xtx[j * n + i] = xtx[i * n + j];
  for (let i = 0; i < x.cols; i++) xtx[i * n + i] += lambda;
  const beta = solveSpd(xtx, xty, n);
  return { kind: 'linear', weights: beta.slice(0, x.cols), bias: beta[x.cols], featureNames: opts.featureNames ?? names(x.cols) };
}

const names = (k: number) => Array.from({ length: k }, (_, i) => `x${i}`);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Logistic regression (labels 0/1) by Newton's method with an L2 penalty. */
export function fitLogistic(x: Matrix, y: ArrayLike<number>, opts: { lambda?: number; iterations?: number; featureNames?: string[] } = {}): LinearModel {
  checkShapes(x, y);
  for (let i = 0; i < y.length; i++) if (y[i] !== 0 && y[i] !== 1) throw new RangeError(`y[${i}]: expected a 0/1 label, got ${y[i]}`);
  const lambda = opts.lambda ?? 1e-6;
  const n = x.cols + 1;
  let beta = new Float64Array(n);
  for (let it = 0; it < (opts.iterations ?? 50); it++) {
    const h = new Float64Array(n * n);
    const g = new Float64Array(n);
    for (let r = 0; r < x.rows; r++) {
      const off = r * x.cols;
      let z = beta[x.cols];
      for (let i = 0; i < x.cols; i++) z += beta[i] * x.data[off + i];
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-12);
      for (let i = 0; i < n; i++) {
        const xi = i < x.cols ? x.data[off + i] : 1;
        g[i] += (y[r] - p) * xi;
        for (let j = 0; j <= i; j++) h[i * n + j] += w * xi * (j < x.cols ? x.data[off + j] : 1);
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) h[j * n + i] = h[i * n + j];
    for (let i = 0; i < x.cols; i++) {
      h[i * n + i] += lambda;
      g[i] -= lambda * beta[i];
    }
    const step = solveSpd(h, g, n);
    let size = 0;
    beta = beta.map((b, i) => {
      size = Math.max(size, Math.abs(step[i]));
      return b + step[i];
    });
    if (size < 1e-10) break;
  }
  return { kind: 'logistic', weights: beta.slice(0, x.cols), bias: beta[x.cols], featureNames: opts.featureNames ?? names(x.cols) };
}

export function predict(model: LinearModel, x: Matrix): Float64Array {
  if (x.cols !== model.weights.length) throw new RangeError(`expected ${model.weights.length} features, got ${x.cols}`);
  const out = new Float64Array(x.rows);
  for (let r = 0; r < x.rows; r++) {
    let z = model.bias;
    for (let i = 0; i < x.cols; i++) z += model.weights[i] * x.data[r * x.cols + i];
    out[r] = model.kind === 'logistic' ? sigmoid(z) : z;
  }
  return out;
}
