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
/** packages a layer must not import, beyond other layers' folders */
const forbiddenPackages = {
  shared: (spec) => nodeBuiltins.has(spec) || spec === 'electron' || spec.startsWith('react') || spec.startsWith('@kubernetes/'),
  renderer: (spec) => nodeBuiltins.has(spec) || spec === 'electron' || spec.startsWith('@kubernetes/'),
  preload: (spec) => nodeBuiltins.has(spec),
  main: () => false,
};

function layerOf(file) {
  const relative = path.relative(path.join(root, 'src'), file);
  if (relative.startsWith('..')) return undefined;
  const top = relative.split(path.sep)[0];
  return layers.includes(top) ? top : undefined;
}

export default {
  meta: { type: 'problem', schema: [], messages: { layer: '{{from}} must not import {{what}} (DESIGN.md §2 layering)' } },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    if (!from) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string') return;
      if (spec.startsWith('.')) {
        const target = layerOf(path.resolve(path.dirname(file), spec));
        if (target && !allowedLayers[from].includes(target)) context.report({ node, messageId: 'layer', data: { from: `src/${from}`, what: `src/${target}` } });
      } else if (forbiddenPackages[from](spec)) {
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
