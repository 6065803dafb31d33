// The manifest editor's CodeMirror extensions: YAML, live schema and lint diagnostics from the
// same checks as `fleetdeck validate`, completion and hover from the bundled schemas. All offline.
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap, indentWithTab } from '@codemirror/commands';
import { yaml } from '@codemirror/lang-yaml';
import { bracketMatching, foldGutter, HighlightStyle, indentOnInput, syntaxHighlighting } from '@codemirror/language';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { highlightSelectionMatches, searchKeymap } from '@codemirror/search';
import type { Extension } from '@codemirror/state';
import { drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, hoverTooltip, keymap, lineNumbers } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { createIncrementalChecker, type Problem } from '../../../shared/manifests/lint.ts';
import { fieldSuggestions, resolve, schemaAtPath, schemaOfKind, type SchemaBundle } from '../../../shared/manifests/schema.ts';
import type { FileContext } from '../../../shared/manifests/workspace-model.ts';
import { cursorPlace } from '../../../shared/manifests/yaml-path.ts';

const theme = EditorView.theme(
  {
    '&': { height: '100%', backgroundColor: 'var(--bg)', color: 'var(--text)', fontSize: '13px' },
    '.cm-scroller': { fontFamily: "'JetBrains Mono', ui-monospace, monospace", lineHeight: '1.5' },
    '.cm-gutters': { backgroundColor: 'var(--panel)', color: 'var(--muted)', border: 'none' },
    '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'rgba(79, 140, 255, 0.08)' },
    '&.cm-focused .cm-cursor': { borderLeftColor: 'var(--text)' },
    '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, ::selection': { backgroundColor: 'rgba(79, 140, 255, 0.3)' },
    '.cm-tooltip': { backgroundColor: 'var(--panel-2)', border: '1px solid var(--border)', color: 'var(--text)', maxWidth: '520px' },
    '.cm-tooltip-autocomplete > ul > li[aria-selected]': { backgroundColor: 'var(--accent)', color: '#fff' },
    '.cm-diagnostic': { whiteSpace: 'pre-wrap' },
    '.schema-hover': { padding: '6px 8px', display: 'flex', flexDirection: 'column', gap: '4px', fontSize: '12px' },
    '.schema-hover .strong': { fontWeight: '600' },
  },
  { dark: true },
);

const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: '#79c0ff' },
  { tag: [tags.string, tags.special(tags.string)], color: '#a5d6ff' },
  { tag: [tags.number, tags.bool, tags.null], color: '#ffa657' },
  { tag: tags.comment, color: '#8b96a5', fontStyle: 'italic' },
  { tag: [tags.meta, tags.separator, tags.punctuation], color: '#8b96a5' },
]);

export interface ManifestFile {
  path: string;
  context: FileContext;
}

function diagnostics(view: EditorView, problems: Problem[]): Diagnostic[] {
  const doc = view.state.doc;
  return problems.map((p) => {
    const line = doc.line(Math.min(Math.max(p.line, 1), doc.lines));
    const indent = /^\s*/.exec(line.text)![0].length;
    return { from: line.from + indent, to: line.to, severity: p.severity, source: p.rule, message: `${p.message}\nFix: ${p.hint}` };
  });
}

function rootSchema(bundle: SchemaBundle, apiVersion: string | undefined, kind: string | undefined) {
  return apiVersion && kind ? schemaOfKind(bundle, apiVersion, kind) : undefined;
}

function complete(bundle: SchemaBundle) {
  const kinds = Object.keys(bundle.kinds);
  return (ctx: CompletionContext): CompletionResult | null => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    const value = /^(\s*(?:- +)*)([\w.$/-]+):\s+([\w./-]*)$/.exec(before);
    const text = ctx.state.doc.toString();
    if (value) {
      const [, indent, key, typed] = value;
      const from = ctx.pos - typed.length;
      const place = cursorPlace(text, line.number, indent.length + 1);
      if (place.parent.length === 0 && key === 'kind') {
        const options = kinds.filter((k) => !place.apiVersion || k.startsWith(`${place.apiVersion}/`)).map((k) => ({ label: k.split('/').pop()!, detail: k.slice(0, k.lastIndexOf('/')), type: 'type' }));
        return { from, options };
      }
      if (place.parent.length === 0 && key === 'apiVersion') {
        return { from, options: [...new Set(kinds.map((k) => k.slice(0, k.lastIndexOf('/'))))].map((v) => ({ label: v, type: 'namespace' })) };
      }
      const root = rootSchema(bundle, place.apiVersion, place.kind);
      const field = root && schemaAtPath(bundle, root, [...place.parent, key]);
      if (!field?.enum) return null;
      return { from, options: field.enum.map((e) => ({ label: String(e), type: 'enum' })) };
    }
    const word = ctx.matchBefore(/[\w.$/-]*/);
    if (!word || (word.from === word.to && !ctx.explicit)) return null;
    const place = cursorPlace(text, line.number, ctx.pos - line.from + 1);
    if (place.key !== undefined) return null;
    const root = rootSchema(bundle, place.apiVersion, place.kind);
    if (!root) return null;
    const options = fieldSuggestions(bundle, root, place.parent).map((f, i) => ({
      label: f.name,
      apply: `${f.name}: `,
      detail: f.required ? `${f.type} · required` : f.type,
      info: f.description,
      type: 'property',
      boost: f.required ? 1 : -i / 1000,
    }));
    return { from: word.from, options, validFor: /^[\w.$/-]*$/ };
  };
}

function hover(bundle: SchemaBundle) {
  return hoverTooltip((view, pos) => {
    const line = view.state.doc.lineAt(pos);
    const place = cursorPlace(view.state.doc.toString(), line.number, pos - line.from + 1);
    if (place.key === undefined) return null;
    const root = rootSchema(bundle, place.apiVersion, place.kind);
    const field = root && schemaAtPath(bundle, root, [...place.parent, place.key]);
    if (!field) return null;
    const r = resolve(bundle, field);
    const type = Array.isArray(r.type) ? r.type.join(' | ') : (r.type ?? (r.open ? 'any' : 'object'));
    const start = line.text.indexOf(place.key);
    return {
      pos: line.from + Math.max(start, 0),
      end: line.from + Math.max(start, 0) + place.key.length,
      above: true,
      create: () => {
        const dom = document.createElement('div');
        dom.className = 'schema-hover';
        const title = document.createElement('div');
        title.className = 'strong';
        title.textContent = `${place.key}: ${type}${r.enum ? ` (${r.enum.join(' | ')})` : ''}`;
        const body = document.createElement('div');
        body.textContent = r.description ?? '';
        dom.append(title, body);
        return { dom };
      },
    };
  });
}

export function manifestExtensions(options: { file: ManifestFile; bundle: SchemaBundle; onChange: (text: string) => void; onSave: () => void; onProblems: (problems: Problem[]) => void }): Extension[] {
  const { file, bundle } = options;
  const check = createIncrementalChecker();
  return [
    lineNumbers(),
    highlightActiveLineGutter(),
    foldGutter(),
    history(),
    drawSelection(),
    indentOnInput(),
    bracketMatching(),
    highlightActiveLine(),
    highlightSelectionMatches(),
    yaml(),
    syntaxHighlighting(highlight),
    theme,
    lintGutter(),
    // an edit re-checks only its own document, so the delay after typing can be short
    linter(
      (view) => {
        const problems = check(file.path, view.state.doc.toString(), file.context, bundle);
        options.onProblems(problems);
        return diagnostics(view, problems);
      },
      { delay: 40 },
    ),
    autocompletion({ override: [complete(bundle)] }),
    hover(bundle),
    keymap.of([{ key: 'Mod-s', preventDefault: true, run: () => (options.onSave(), true) }, indentWithTab, ...defaultKeymap, ...historyKeymap, ...searchKeymap]),
    EditorView.updateListener.of((update) => update.docChanged && options.onChange(update.state.doc.toString())),
    EditorView.contentAttributes.of({ 'aria-label': `Editor: ${file.path}` }),
  ];
}
