import { useDeferredValue, useMemo, useState, type ReactNode } from 'react';
import type { Cloud } from '../../../shared/cloud.ts';
import type { WorkspaceEntry } from '../../../shared/contract/manifests.ts';
import { CloudBadge } from '../../ui/Badge.tsx';

interface Folder {
  name: string;
  path: string;
  folders: Map<string, Folder>;
  files: WorkspaceEntry[];
}

function buildTree(files: WorkspaceEntry[]): Folder {
  const root: Folder = { name: '', path: '', folders: new Map(), files: [] };
  for (const f of files) {
    const parts = f.path.split('/');
    let folder = root;
    parts.slice(0, -1).forEach((part, i) => {
      let next = folder.folders.get(part);
      if (!next) folder.folders.set(part, (next = { name: part, path: parts.slice(0, i + 1).join('/'), folders: new Map(), files: [] }));
      folder = next;
    });
    folder.files.push(f);
  }
  return root;
}

/** The workspace's folders and files (cloud folders badged), or the files whose path or objects match the filter. */
export function FileTree({ files, selected, onOpen }: { files: WorkspaceEntry[]; selected?: string; onOpen(path: string): void }) {
  const [filter, setFilter] = useState('');
  const deferred = useDeferredValue(filter.trim().toLowerCase());
  const [closed, setClosed] = useState<Set<string>>(new Set());
  const tree = useMemo(() => buildTree(files), [files]);
  const matches = useMemo(
    () => (deferred ? files.filter((f) => f.path.toLowerCase().includes(deferred) || f.objects.some((o) => `${o.kind}/${o.name}`.toLowerCase().includes(deferred))).slice(0, 500) : []),
    [files, deferred],
  );
  const fileButton = (f: WorkspaceEntry, label: string, depth: number) => (
    <button key={f.path} className={f.path === selected ? 'tree-item file active' : 'tree-item file'} style={{ paddingLeft: 8 + depth * 12 }} onClick={() => onOpen(f.path)} title={f.path} aria-current={f.path === selected ? 'true' : undefined}>
      <span className="ellipsis">{label}</span>
      {f.objects.length > 0 && <span className="tree-kinds">{f.objects.length === 1 ? f.objects[0].kind : `${f.objects.length} objects`}</span>}
    </button>
  );
  const render = (folder: Folder, depth: number): ReactNode[] => [
    ...[...folder.folders.values()].flatMap((sub) => {
      const isClosed = closed.has(sub.path);
      const cloud = /(^|\/)(aks|gke|eks)$/.exec(sub.path)?.[2] as Cloud | undefined;
      return [
        <button
          key={`dir:${sub.path}`}
          className="tree-item folder"
          style={{ paddingLeft: 8 + depth * 12 }}
          aria-expanded={!isClosed}
          onClick={() => setClosed((s) => (s.has(sub.path) ? new Set([...s].filter((p) => p !== sub.path)) : new Set([...s, sub.path])))}
        >
          {isClosed ? '▸' : '▾'} {sub.name}
          {cloud && <CloudBadge cloud={cloud} />}
        </button>,
        ...(isClosed ? [] : render(sub, depth + 1)),
      ];
    }),
    ...folder.files.map((f) => fileButton(f, f.path.split('/').pop()!, depth)),
  ];
  return (
    <nav className="file-tree" aria-label="Workspace files">
      <input className="filter" aria-label="Find a file or object" placeholder="Find file, kind or name…" value={filter} onChange={(e) => setFilter(e.target.value)} />
      <div className="tree-scroll">{deferred ? matches.map((f) => fileButton(f, f.path, 0)) : render(tree, 0)}</div>
    </nav>
  );
}
