// FaceRes under @vladmandic/human's own tfjs (the CPU backend bundled in dist/human.esm.js), for tools/make_faceres.py's parity check.
// Usage: node tools/faceres_tfjs.mjs PACKAGE_DIR IMAGES.f32 OUT.f32
//   PACKAGE_DIR: the unpacked npm tarball's package/ folder; IMAGES.f32: float32 [N, 224, 224, 3] RGB on 0..255;
//   OUT.f32: float32 [N, 100 + 1 + 1024] (age softmax, gender, descriptor), as human's faceres.ts reads them.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [packageDir, imagesPath, outPath] = process.argv.slice(2);
// The bundle's tfjs picks its node platform when it sees node, and that platform needs require('util'), which the
// ESM bundle stubs out; presenting a browser makes it use the globals node 20 has (fetch, TextEncoder, performance).
globalThis.window = globalThis;
globalThis.document = {};
const { Human } = await import(pathToFileURL(join(packageDir, 'dist', 'human.esm.js')).href);
const { tf } = new Human({ backend: 'cpu' });
await tf.setBackend('cpu');
await tf.ready();
const json = JSON.parse(readFileSync(join(packageDir, 'models', 'faceres.json')));
const bin = readFileSync(join(packageDir, 'models', 'faceres.bin'));
const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length);
const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData, signature: json.signature }));
const raw = readFileSync(imagesPath);
const images = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
const count = images.length / (224 * 224 * 3);
const rows = [];
for (let i = 0; i < count; i++) { // one face at a time, as human runs it
  const input = tf.tensor4d(images.subarray(i * 224 * 224 * 3, (i + 1) * 224 * 224 * 3), [1, 224, 224, 3]);
  const outputs = model.execute(input);
  const age = await outputs.find((t) => t.shape[1] === 100).data();
  const gender = await outputs.find((t) => t.shape[1] === 1).data();
  const descriptor = await outputs.find((t) => t.shape[1] === 1024).data();
  rows.push(...age, ...gender, ...descriptor);
  tf.dispose([input, ...outputs]);
}
writeFileSync(outPath, Buffer.from(new Float32Array(rows).buffer));
console.log(`tfjs ${tf.version['tfjs-core']} ${tf.getBackend()}: ${count} faces`);
