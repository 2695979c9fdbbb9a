// A model trained in TypeScript, exported to ONNX and run by onnxruntime-node gives the same
// predictions as the TypeScript model: the path a notebook-trained model takes to the runner.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fitLinear, fitLogistic, matrix, predict } from '../core/models/linear';
import { Rng } from '../core/random';
import { exportOnnx, loadOnnx } from './onnx';
import { tmpDir } from '../../test/support/tmp';

function dataset(n: number, seed: number) {
  const rng = new Rng(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = [rng.normal(), rng.normal(), rng.normal()];
    rows.push(r);
    const v = 0.5 * r[0] - 2 * r[1] + 0.25 * r[2] + 1.5 + 0.1 * rng.normal();
    y.push(v);
    labels.push(v + rng.normal() > 1.5 ? 1 : 0);
  }
  return { x: matrix(rows), y, labels };
}

describe('models trained in TypeScript run under onnxruntime', () => {
  it('recovers known regression coefficients', () => {
    const { x, y } = dataset(2000, 1);
    const m = fitLinear(x, y);
    const want = [0.5, -2, 0.25];
    m.weights.forEach((w, i) => expect(Math.abs(w - want[i])).toBeLessThan(0.02));
    expect(Math.abs(m.bias - 1.5)).toBeLessThan(0.02);
  });

  it('exports a linear model to ONNX that predicts what the TypeScript model predicts', async () => {
    const { x, y } = dataset(500, 2);
    const m = fitLinear(x, y, { featureNames: ['momentum', 'value', 'carry'] });
    const file = path.join(tmpDir(), 'linear.onnx');
    fs.writeFileSync(file, exportOnnx(m));
    const onnx = await loadOnnx(file);
    expect(onnx.inputNames).toEqual(['features']);
    const got = await onnx.predict(x.data, x.rows, x.cols);
    const want = predict(m, x);
    expect(got.length).toBe(want.length);
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
    await onnx.close();
  });

  it('exports a logistic model whose ONNX output is the probability', async () => {
    const { x, labels } = dataset(800, 3);
    const m = fitLogistic(x, labels);
    const onnx = await loadOnnx(exportOnnx(m));
    const got = await onnx.predict(x.data, x.rows, x.cols);
    const want = predict(m, x);
    for (let i = 0; i < want.length; i += 37) expect(got[i]).toBeCloseTo(want[i], 5);
    const accuracy = want.reduce((acc, p, i) => acc + ((p > 0.5 ? 1 : 0) === labels[i] ? 1 : 0), 0) / labels.length;
    expect(accuracy).toBeGreaterThan(0.8);
    await onnx.close();
  });

  it('says what is wrong with bad input', async () => {
    expect(() => fitLinear(matrix([[1, 2], [3, 4]]), [1])).toThrow(/2 rows but y has 1/);
    expect(() => fitLogistic(matrix([[1], [2]]), [0, 2])).toThrow(/y\[1\]: expected a 0\/1 label/);
    expect(() => fitLinear(matrix([[1, 1], [2, 2], [3, 3]]), [1, 2, 3])).toThrow(/collinear/);
    const onnx = await loadOnnx(exportOnnx(fitLinear(matrix([[1], [2], [4]]), [1, 2, 4])));
    await expect(onnx.predict(new Float64Array(3), 2, 1)).rejects.toThrow(/expected 2×1/);
    await onnx.close();
    await expect(loadOnnx(new Uint8Array([1, 2, 3]))).rejects.toThrow();
  });
});
