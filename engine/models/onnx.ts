// ONNX export of the studio's linear models, and inference with onnxruntime-node. The protobuf
// is written by hand: the model is a handful of nodes (MatMul, Add, Sigmoid), and the ONNX
// schema's field numbers are stable, so a 100-line encoder beats pulling in a protobuf toolchain.
import * as ort from 'onnxruntime-node';
import type { LinearModel } from '../core/models/linear';

const ONNX_FLOAT = 1;
const IR_VERSION = 8;
const OPSET = 13;

/** A minimal protobuf writer: varints, length-delimited fields. */
class Pb {
  private parts: number[] = [];
  private varint(v: number | bigint): void {
    let n = BigInt(v);
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) byte |= 0x80;
      this.parts.push(byte);
    } while (n > 0n);
  }
  int(field: number, v: number | bigint): this {
    this.varint((field << 3) | 0);
    this.varint(v);
    return this;
  }
  bytes(field: number, b: Uint8Array): this {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }
  msg(field: number, m: Pb): this {
    return this.bytes(field, m.done());
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function tensor(name: string, dims: number[], values: ArrayLike<number>): Pb {
  const raw = new Float32Array(values);
  const t = new Pb();
  for (const d of dims) t.int(1, d);
  return t.int(2, ONNX_FLOAT).str(8, name).bytes(9, new Uint8Array(raw.buffer));
}

function valueInfo(name: string, dims: (number | string)[]): Pb {
  const shape = new Pb();
  for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensorType = new Pb().int(1, ONNX_FLOAT).msg(2, shape);
  return new Pb().str(1, name).msg(2, new Pb().msg(1, tensorType));
}

function node(op: string, inputs: string[], outputs: string[], name: string): Pb {
  const n = new Pb();
  for (const i of inputs) n.str(1, i);
  for (const o of outputs) n.str(2, o);
  return n.str(3, name).str(4, op);
}

/** Input "features" [N, F] float32 → output "prediction" [N, 1] (a probability for logistic models). */
export function exportOnnx(model: LinearModel, opts: { name?: string; docString?: string } = {}): Uint8Array {
  const f = model.weights.length;
  const graph = new Pb()
    .msg(1, node('MatMul', ['features', 'weights'], ['xw'], 'matmul'))
    .msg(1, node('Add', ['xw', 'bias'], [model.kind === 'logistic' ? 'logit' : 'prediction'], 'add'));
  if (model.kind === 'logistic') graph.msg(1, node('Sigmoid', ['logit'], ['prediction'], 'sigmoid'));
  graph
    .str(2, opts.name ?? `studio_${model.kind}`)
    .msg(5, tensor('weights', [f, 1], model.weights))
    .msg(5, tensor('bias', [1], [model.bias]))
    .str(10, `features: ${model.featureNames.join(', ')}`)
    .msg(11, valueInfo('features', ['N', f]))
    .msg(12, valueInfo('prediction', ['N', 1]));
  return new Pb()
    .int(1, IR_VERSION)
    .str(2, 'strategy-studio')
    .str(3, '0.1.0')
    .str(6, opts.docString ?? '')
    .msg(7, graph)
    .msg(8, new Pb().str(1, '').int(2, OPSET))
    .done();
}

export interface OnnxModel {
  inputNames: readonly string[];
  outputNames: readonly string[];
  /** Runs the model on rows × cols features (row-major) and returns its first output. */
  predict(features: Float64Array | Float32Array, rows: number, cols: number): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Loads an ONNX model (a file path or its bytes) into onnxruntime-node. */
export async function loadOnnx(source: string | Uint8Array): Promise<OnnxModel> {
  const session = typeof source === 'string' ? await ort.InferenceSession.create(source) : await ort.InferenceSession.create(source);
  const input = session.inputNames[0];
  const output = session.outputNames[0];
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async predict(features, rows, cols) {
      if (features.length !== rows * cols) throw new RangeError(`expected ${rows}×${cols} = ${rows * cols} values, got ${features.length}`);
      const t = new ort.Tensor('float32', Float32Array.from(features), [rows, cols]);
      const out = await session.run({ [input]: t });
      return out[output].data as Float32Array;
    },
    close: () => session.release(),
  };
}
