// The reference ages for tools/make_age.py --parity: @vladmandic/face-api's own AgeGenderNet on its own tfjs.
//
//   node tools/age_parity.mjs PACKAGE_DIR CROPS_F32 SHAPES
//
// PACKAGE_DIR is the unpacked npm tarball (its dist/face-api.esm.js bundles tfjs; the pure-JS CPU
// backend runs it, no native tfjs-node download). CROPS_F32 holds float32 RGB pixels (0-255), one
// crop after another, HWC; SHAPES says each crop's "HxW", comma-separated. Every crop goes through
// face-api's own input path (NetInput.toBatchTensor: zero-padded to a centred square, resizeBilinear
// to 112, then the mean and /255 of TinyXception), all in one batch. Prints {"age": [...]} as JSON.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { types } from 'node:util';

const [packageDir, cropsFile, shapeList] = process.argv.slice(2);
// The browser bundle would build its node platform on node's `util`, for which it bundles an empty
// stub: hide node while it loads, then give tfjs a platform made of Node's own globals.
const nodeVersion = Object.getOwnPropertyDescriptor(process.versions, 'node');
delete process.versions.node;
const faceapi = await import(pathToFileURL(join(packageDir, 'dist', 'face-api.esm.js')).href);
Object.defineProperty(process.versions, 'node', nodeVersion);
const { tf } = faceapi;
tf.setPlatform('node', {
  fetch: (url, init) => fetch(url, init),
  now: () => performance.now(),
  encode: (text) => new TextEncoder().encode(text),
  decode: (bytes, encoding) => new TextDecoder(encoding).decode(bytes),
  isTypedArray: (a) => types.isFloat32Array(a) || types.isInt32Array(a) || types.isUint8Array(a)
    || types.isUint8ClampedArray(a),
  setTimeoutCustom: (f, delay) => setTimeout(f, delay),
});
faceapi.env.initialize(); // face-api's own node environment (no canvas: the crops come in as tensors)
await tf.setBackend('cpu');
await tf.ready();

const modelDir = join(packageDir, 'model');
const [group] = JSON.parse(readFileSync(join(modelDir, 'age_gender_model-weights_manifest.json'), 'utf8'));
const buffers = group.paths.map((path) => readFileSync(join(modelDir, path)));
const bytes = new Uint8Array(buffers.reduce((sum, b) => sum + b.length, 0));
let at = 0;
for (const b of buffers) { bytes.set(b, at); at += b.length; }
faceapi.nets.ageGenderNet.loadFromWeightMap(tf.io.decodeWeights(bytes.buffer, group.weights));

const raw = readFileSync(cropsFile);
const pixels = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
let offset = 0;
const crops = shapeList.split(',').map((shape) => {
  const [height, width] = shape.split('x').map(Number);
  const count = height * width * 3;
  const crop = tf.tensor3d(pixels.subarray(offset, offset + count), [height, width, 3], 'float32');
  offset += count;
  return crop;
});
if (offset !== pixels.length) throw new Error(`shapes cover ${offset} of ${pixels.length} numbers`);

const predictions = await faceapi.nets.ageGenderNet.predictAgeAndGender(crops);
process.stdout.write(JSON.stringify({ backend: tf.getBackend(), tfjs: tf.version_core, age: predictions.map((p) => p.age) }));
