// The layering rule of DESIGN.md §2: a file's folder says what it may import.
import path from 'node:path';
import { builtinModules } from 'node:module';

const root = path.resolve(import.meta.dirname, '../..');
const layers = ['shared', 'main', 'preload', 'renderer'];
const allowedLayers = {
  shared: ['shared'],
  main: ['main', 'shared'],
  preload: ['preload', 'shared'],
  renderer: ['renderer', 'shared'],
};
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const networkModules = new Set(['http', 'https', 'http2', 'net', 'tls', 'dgram']);
/** packages a layer must not import, beyond other layers' folders */
const forbiddenPackages = {
  shared: (spec) => nodeBuiltins.has(spec) || spec === 'electron' || spec.startsWith('react') || spec.startsWith('@kubernetes/'),
  renderer: (spec) => nodeBuiltins.has(spec) || spec === 'electron' || spec.startsWith('@kubernetes/'),
  preload: (spec) => nodeBuiltins.has(spec),
  // a service reaches the network only through the Kubernetes access layer's one request function
  // (its specs and lab tests may stand up servers of their own)
  main: (spec, segments) => segments[1] === 'services' && !/\.(spec|test)\.ts$/.test(segments.at(-1)) && networkModules.has(spec.replace(/^node:/, '')),
};

/** The path of a file below src/, as segments; undefined outside src/. */
function segmentsOf(file) {
  const relative = path.relative(path.join(root, 'src'), file);
  return relative.startsWith('..') ? undefined : relative.split(path.sep);
}

const layerOf = (segments) => (segments && layers.includes(segments[0]) ? segments[0] : undefined);

/**
 * Inside a layer: a service imports only its own folder and what lies below the services
 * (src/main/kube, src/main/base); the layers below import no service and no host; a renderer
 * feature imports no other feature, and the ui kit no feature at all.
 */
function reachesAcross(from, to) {
  const [layer, area, name] = from;
  const inFolder = (segments) => segments.length > 3;
  const folder = (segments) => `src/${segments.slice(0, inFolder(segments) ? 3 : 2).join('/')}`;
  const across = (what) => ({ from: folder(from), what });
  if (layer === 'main') {
    const below = ['kube', 'base'];
    if (area === 'services' && inFolder(from) && to[1] === 'services' && inFolder(to) && to[2] !== name) return across(folder(to));
    if (below.includes(area) && !below.includes(to[1]) && to.length > 2) return across(`src/main/${to[1]}`);
    if (area === 'base' && to[1] === 'kube') return across('src/main/kube');
  }
  if (layer === 'renderer' && to[1] === 'features' && inFolder(to)) {
    if (area === 'features' && inFolder(from) && to[2] !== name) return across(folder(to));
    if (area === 'ui') return across(folder(to));
  }
  return undefined;
}

export default {
  meta: { type: 'problem', schema: [], messages: { layer: '{{from}} must not import {{what}} (DESIGN.md §2 layering)' } },
  create(context) {
    const file = context.filename;
    const fromSegments = segmentsOf(file);
    const from = layerOf(fromSegments);
    if (!from) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const toSegments = segmentsOf(path.resolve(path.dirname(file), spec));
        const target = layerOf(toSegments);
        if (target && !allowedLayers[from].includes(target)) return context.report({ node, messageId: 'layer', data: { from: `src/${from}`, what: `src/${target}` } });
        const across = target === from ? reachesAcross(fromSegments, toSegments) : undefined;
        if (across) context.report({ node, messageId: 'layer', data: across });
      } else if (forbiddenPackages[from](spec, fromSegments)) {
        context.report({ node, messageId: 'layer', data: { from: `src/${from}`, what: `"${spec}"` } });
      }
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};
